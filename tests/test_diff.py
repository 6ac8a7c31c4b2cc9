"""prepdeck diff: what a learner who imported one revision sees on importing another.

Each prediction is checked against the real importer: the packages at both revisions are
built from the files git holds there, imported one after the other into a fresh collection,
and Anki's own counts compared with what diff said.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from prepdeck.builds import compare
from prepdeck.builds import pipeline as build
from prepdeck.builds.pipeline import build_deck
from prepdeck.cards import notetype, render
from prepdeck.cards.notetype import notetype_name
from prepdeck.cards.render import RETIRED_TAG
from prepdeck.cli import cli
from prepdeck.exchange.diff import CHANGED_AWAY, RERENDERED, RESENT, diff_revisions
from prepdeck.exchange.diff_report import markdown, text_lines, warnings

from conftest import SHIPPED, Anki, add_picture, edit, git

DECK = "decks/resource-sharing-interview.yaml"
STATE = "decks/resource-sharing-interview.state.json"


def commit(repo: Path, tag: str, build: bool = True) -> None:
    """Build the deck (so its state advances, as a maintainer's build does) and commit."""
    if build:
        build_deck(repo / DECK, out_dir=repo / "dist")
    git(repo, "add", "decks")
    git(repo, "commit", "-q", "-m", tag)
    git(repo, "tag", tag)


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "repo"
    (root / "decks").mkdir(parents=True)
    shutil.copyfile(SHIPPED, root / DECK)
    git(root, "init", "-q", "-b", "main")
    commit(root, "v0")
    monkeypatch.chdir(root)
    return root


def package_at(repo: Path, rev: str, folder: Path) -> Path:
    """The package a maintainer would release at `rev`, from the files git holds there."""
    (folder / "decks").mkdir(parents=True)
    for name in git(repo, "ls-tree", "-r", "--name-only", rev, "--", "decks/").splitlines():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(
            subprocess.run(
                ["git", "show", f"{rev}:{name}"], cwd=repo, capture_output=True, check=True
            ).stdout
        )
    return build_deck(folder / DECK, out_dir=folder / "dist").output


def imported(repo: Path, tmp_path: Path, a: str, b: str, releases: list[str] | None = None):
    """Anki's counts for importing the package at `b` after the one at `a`, by a learner who
    imported every release in `releases` up to `a` (only `a` when none are given)."""
    tmp_path.mkdir()
    chain = releases[: releases.index(a) + 1] if releases else [a]
    anki = Anki(tmp_path)
    try:
        for i, rev in enumerate(chain):
            anki.import_apkg(package_at(repo, rev, tmp_path / f"r{i}"))
        log = anki.import_apkg(package_at(repo, b, tmp_path / "b"))
        note_type = anki.col.models.by_name(notetype_name("resource-sharing-interview"))
        front = note_type["tmpls"][0]["qfmt"]
    finally:
        anki.close()
    return log, front


def edits_v1(repo: Path) -> None:
    """Edit a tip and move a question to the end."""
    edit(repo / DECK, "Show attention to detail", "Show care for detail")
    text = (repo / DECK).read_text(encoding="utf-8")
    start = text.index("  - id: staying-current")
    end = text.index("  - id: special-project")
    block = text[start:end]
    (repo / DECK).write_text(text[:start] + text[end:] + "\n" + block.rstrip() + "\n")


def edits_v2(repo: Path) -> None:
    """Remove one question, rename another's id, retire a third."""
    text = (repo / DECK).read_text(encoding="utf-8")
    start = text.index("  - id: promote-services")
    end = text.index("  - id: team-qualities")
    (repo / DECK).write_text(text[:start] + text[end:], encoding="utf-8")
    edit(repo / DECK, "id: questions-for-us", "id: our-questions")
    edit(
        repo / DECK,
        "    tags: [teamwork, behavioral]\n",
        "    tags: [teamwork, behavioral]\n    retired: true\n",
    )


def edits_v3(repo: Path) -> None:
    """A card design change (an answer timer) and a new question, no note edits."""
    edit(
        repo / DECK,
        "  name: Resource Sharing Librarian Interview\n",
        "  name: Resource Sharing Librarian Interview\n  timer: 90\n",
    )
    with (repo / DECK).open("a", encoding="utf-8") as f:
        f.write(
            "\n  - id: weekend-shifts\n    topic: Closing the interview\n"
            "    question: Could you work some weekend shifts?\n"
            "    tips:\n      - Say yes or no plainly, then give the limits.\n"
        )


def edits_v4(repo: Path) -> None:
    """A release number and nothing else."""
    edit(repo / DECK, "  timer: 90\n", "  timer: 90\n  version: 1.1.0\n")


def edits_v5(repo: Path) -> None:
    """Subdecks by topic, a renamed deck, and one edit."""
    edit(repo / DECK, "  timer: 90\n", "  timer: 90\n  subdecks: by-topic\n")
    edit(repo / DECK, "name: Resource Sharing Librarian Interview", "name: ILL Interview")
    edit(repo / DECK, "Mention formal training", "Mention any formal training")


HISTORY = [
    ("v1", edits_v1),
    ("v2", edits_v2),
    ("v3", edits_v3),
    ("v4", edits_v4),
    ("v5", edits_v5),
]


def _block(text: str, qid: str, until: str) -> str:
    return text[text.index(f"  - id: {qid}\n") : text.index(f"  - id: {until}\n")]


def edits_v6(repo: Path) -> None:
    """Remove a question."""
    text = (repo / DECK).read_text(encoding="utf-8")
    (repo / DECK).write_text(text.replace(_block(text, "team-qualities", "our-questions"), ""))


def edits_v7(repo: Path) -> None:
    """Put it back as it was, and one removed in v2 with a tip edited while it was away."""
    shipped = SHIPPED.read_text(encoding="utf-8")
    back = _block(shipped, "team-qualities", "questions-for-us")
    away = _block(shipped, "promote-services", "team-qualities").replace(
        "Events draw attention too", "Events draw attention as well"
    )
    edit(repo / DECK, "  - id: our-questions\n", away + back + "  - id: our-questions\n")


def _export(anki: Anki, folder: Path) -> Path:
    from anki.collection import ExportAnkiPackageOptions

    path = folder / f"export-{len(list(folder.glob('export-*')))}.apkg"
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
    )
    anki.col.export_anki_package(out_path=str(path), options=options, limit=None)
    return path


def _edit_in_anki(anki: Anki, qid: str, field: str, old: str, new: str) -> None:
    """An edit on the phone, a minute after the package it came from."""
    note = anki.note(qid)
    assert old in note[field], (field, old)
    note[field] = note[field].replace(old, new)
    sent = note.mod
    anki.col.update_note(note)
    anki.col.db.execute("update notes set mod = ? where id = ?", sent + 60, note.id)


def test_diff_agrees_with_the_importer_over_an_edit_history(repo, tmp_path):
    """Each prediction is checked against a learner who imported every release up to the
    first revision (a question removed before it is still in their collection)."""
    from prepdeck.exchange.pull import pull

    for tag, edits in [*HISTORY, ("v6", edits_v6), ("v7", edits_v7)]:
        edits(repo)
        commit(repo, tag)
    (repo / ".gitignore").write_text("*.mine.yaml\n*.mine.state.json\n")
    (tmp_path / "device").mkdir()
    device = Anki(tmp_path / "device")  # the maintainer's phone, which imported every release
    try:
        for i in range(8):
            device.import_apkg(package_at(repo, f"v{i}", tmp_path / "device" / f"v{i}"))
        # v8: a tip edited on the phone, pulled into the deck file and committed.
        _edit_in_anki(device, "unhappy-user", "Tips", "Listen first", "Listen carefully first")
        pull(repo / DECK, str(_export(device, tmp_path)), write=True)
        commit(repo, "v8", build=False)
        # v9: own notes edited on the phone and pulled into the (git-ignored) answers file.
        mine = repo / "decks" / "resource-sharing-interview.mine.yaml"
        mine.write_text("answers:\n  ill-systems:\n    notes: My ILLiad story.\n")
        device.import_apkg(build_deck(repo / DECK, out_dir=repo / "dist").output)
        _edit_in_anki(device, "ill-systems", "Notes", "My ILLiad story.", "My ILLiad and Tipasa.")
        pull(repo / DECK, str(_export(device, tmp_path)), write=True)
        commit(repo, "v9", build=False)
    finally:
        device.close()
    # v10: one question sent again on purpose.
    build_deck(repo / DECK, out_dir=repo / "dist", resend=["special-project"])
    commit(repo, "v10", build=False)
    releases = [f"v{i}" for i in range(11)]
    pairs = [
        ("v0", "v1"),
        ("v1", "v2"),
        ("v2", "v3"),
        ("v3", "v4"),
        ("v4", "v5"),
        ("v0", "v5"),
        ("v5", "v5"),
        ("v5", "v6"),
        ("v6", "v7"),
        ("v4", "v7"),
        ("v7", "v8"),
        ("v8", "v9"),
        ("v9", "v10"),
        ("v0", "v10"),
    ]
    for i, (a, b) in enumerate(pairs):
        (deck,) = diff_revisions(a, b).decks
        log, front = imported(repo, tmp_path / f"pair{i}", a, b, releases)
        assert (log.new, log.updated, log.duplicate, log.conflicting) == (
            deck.counts["new"],
            deck.counts["updated"],
            deck.counts["duplicate"],
            deck.counts["conflicting"],
        ), (a, b)
        assert ("pd-timer" in front) == (b not in ("v0", "v1", "v2"))
        assert deck.design_updated == (
            (a, b) in {("v2", "v3"), ("v3", "v4"), ("v0", "v5"), ("v0", "v10")}
        )

    (step1,) = diff_revisions("v0", "v1").decks
    assert [n.id for n in step1.updated] == ["special-project"]  # the move updates nothing
    assert step1.updated[0].fields == ("tips",)
    assert "-    - Show attention to detail and how you brought stakeholders along." in (
        step1.updated[0].yaml
    )
    assert "+    - Show care for detail and how you brought stakeholders along." in (
        step1.updated[0].yaml
    )
    (step2,) = diff_revisions("v1", "v2").decks
    assert [n.id for n in step2.removed] == ["promote-services", "questions-for-us"]
    assert [n.id for n in step2.added] == ["our-questions"]
    assert step2.retired == ["worked-with-colleagues"]
    assert step2.renamed_ids == [("questions-for-us", "our-questions", "has the same wording")]
    (step3,) = diff_revisions("v2", "v3").decks
    assert (step3.counts["new"], step3.counts["updated"]) == (1, 0)
    assert step3.design_changed and not step3.schema_changed
    four = diff_revisions("v3", "v4")
    (step4,) = four.decks
    assert "\n## Resource Sharing Librarian Interview 1.1.0\n\n0 new, 0 updated, 10 unchanged." in (
        markdown(four)
    )
    assert step4.version == ("", "1.1.0")
    assert step4.counts == {"new": 0, "updated": 0, "duplicate": 10, "conflicting": 0}
    (step5,) = diff_revisions("v4", "v5").decks
    assert step5.deck_renamed == ("Resource Sharing Librarian Interview", "ILL Interview")
    assert [n.id for n in step5.updated] == ["ill-systems"]
    assert sum(len(ids) for _, _, ids in step5.moves) == 10
    assert (
        "ILL Interview::Customer service",
        '"note:prepdeck-resource-sharing-interview" "tag:topic::customer-service"',
        ["unhappy-user"],
    ) in step5.moves

    (step7,) = diff_revisions("v6", "v7").decks
    assert step7.added == [] and step7.returned == ["promote-services", "team-qualities"]
    assert step7.counts == {"new": 0, "updated": 1, "duplicate": 10, "conflicting": 0}
    assert [(n.id, n.why) for n in step7.updated] == [("promote-services", CHANGED_AWAY)]
    seven = "\n".join(text_lines(diff_revisions("v6", "v7")))
    assert (
        "back in the deck: team-qualities: Anki kept this note from an earlier release, so "
        "it is neither new nor changed"
    ) in seven
    assert "  updated: promote-services (changed while it was out of the deck)" in seven
    (step8,) = diff_revisions("v7", "v8").decks
    assert [(n.id, n.fields) for n in step8.updated] == [("unhappy-user", ("tips",))]
    for a, b, qid in (("v8", "v9", "ill-systems"), ("v9", "v10", "special-project")):
        (step,) = diff_revisions(a, b).decks
        assert [(n.id, n.fields, n.why) for n in step.updated] == [(qid, (), RESENT)], (a, b)
        assert f"  updated: {qid} ({RESENT})" in text_lines(diff_revisions(a, b))


def test_a_schema_change_says_which_import_options_it_needs(repo, tmp_path, monkeypatch):
    before = package_at(repo, "v0", tmp_path / "a")  # built by this prepdeck's note type
    fields = notetype.FIELDS
    renamed = (*fields[:-1], "Reserved")
    monkeypatch.setattr(notetype, "FIELDS", renamed)
    monkeypatch.setattr(compare, "FIELDS", renamed)
    edit(repo / DECK, "Show attention to detail", "Show care for detail")
    commit(repo, "v1")  # a later prepdeck with another field list

    (deck,) = diff_revisions("v0", "v1").decks
    anki = Anki(tmp_path)
    try:
        anki.import_apkg(before)
        log = anki.import_apkg(package_at(repo, "v1", tmp_path / "b"))
    finally:
        anki.close()

    assert deck.schema_changed == (fields, renamed)
    assert deck.counts == {"new": 0, "updated": 0, "duplicate": 0, "conflicting": 10}
    assert (log.new, log.updated, log.duplicate, log.conflicting) == (0, 0, 0, 10)
    (warning,) = warnings(deck)
    assert "tick 'Merge note types' and set 'Update notes: Always'" in warning


def test_uncommitted_edits_are_compared_with_the_last_commit(repo, tmp_path):
    edit(repo / DECK, "Show attention to detail", "Show care for detail")  # no build, no commit

    result = CliRunner().invoke(cli, ["diff"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "from HEAD to working tree:"
    assert lines[1] == (
        f"{DECK}: Resource Sharing Librarian Interview: 0 new, 1 updated, 9 unchanged"
    )
    assert "  updated: special-project (tips)" in lines
    assert "    +    - Show care for detail and how you brought stakeholders along." in lines


def test_a_renamed_deck_and_key_are_warned_about(repo):
    edit(repo / DECK, "name: Resource Sharing Librarian Interview", "name: ILL Interview")
    commit(repo, "renamed")
    edit(repo / DECK, "key: resource-sharing-interview", "key: ill-interview")

    (renamed,) = diff_revisions("v0", "renamed").decks
    (rekeyed,) = diff_revisions("renamed", None).decks

    assert renamed.deck_renamed == ("Resource Sharing Librarian Interview", "ILL Interview")
    assert renamed.counts == {"new": 0, "updated": 0, "duplicate": 10, "conflicting": 0}
    assert rekeyed.key_changed == ("resource-sharing-interview", "ill-interview")
    assert rekeyed.counts == {"new": 10, "updated": 0, "duplicate": 0, "conflicting": 0}


def test_markdown_release_notes_are_grouped_by_topic(repo):
    edits_v2(repo)
    commit(repo, "v1")

    result = CliRunner().invoke(cli, ["diff", "v0", "v1", "--format", "markdown"])

    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("# Changes from v0 to v1\n\n## Resource Sharing Librarian Interview\n")
    assert "1 new, 1 updated, 7 unchanged, 2 removed." in text
    assert "> **Warning:** question 'questions-for-us' is gone and 'our-questions'" in text
    closing = text.index("### Closing the interview")
    assert text.index("- **New:** What questions do you have for us?") > closing
    assert "### Teamwork and collaboration" in text
    assert (
        f"- **Retired** (tagged `{RETIRED_TAG}`): Tell me about a time when you worked closely "
        "with colleagues to achieve a certain goal. What was your specific role?\n  ```diff\n"
    ) in text
    assert "\n  +  retired: true\n  ```\n" in text


def test_json_and_deck_files_after_the_separator(repo):
    edit(repo / DECK, "Show attention to detail", "Show care for detail")

    result = CliRunner().invoke(cli, ["diff", "--json", "HEAD", "--", DECK])

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["from"], data["to"]) == ("HEAD", "working tree")
    (deck,) = data["decks"]
    assert deck["import"] == {"new": 0, "updated": 1, "duplicate": 9, "conflicting": 0}
    assert deck["updated"][0]["id"] == "special-project"


def test_outside_a_repository_or_with_an_unknown_revision_exits_1_with_a_message(
    repo, tmp_path, monkeypatch
):
    unknown = CliRunner().invoke(cli, ["diff", "v9.9"])
    missing = CliRunner().invoke(cli, ["diff", "v0", "--", "decks/nope.yaml"])
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    no_repo = CliRunner().invoke(cli, ["diff"])

    assert unknown.exit_code == 1
    assert "prepdeck: unknown revision 'v9.9'" in unknown.output
    assert missing.exit_code == 1
    assert "decks/nope.yaml: no such deck file at v0 or at working tree" in missing.output
    assert no_repo.exit_code == 1
    assert "is not inside a git repository" in no_repo.output
    assert "Traceback" not in no_repo.output + unknown.output


def test_a_prepdeck_upgrade_between_releases_is_told_from_the_committed_state(
    repo, tmp_path, monkeypatch
):
    released = package_at(repo, "v0", tmp_path / "a")  # what learners of v0 imported
    original = render.render_note

    def upgraded(question):  # a later prepdeck writes every note a little differently
        note = original(question)
        return render.RenderedNote(note.id, (note.fields[0] + " ", *note.fields[1:]), note.tags)

    monkeypatch.setattr(build, "render_note", upgraded)
    commit(repo, "v1")

    (deck,) = diff_revisions("v0", "v1").decks
    anki = Anki(tmp_path)
    try:
        anki.import_apkg(released)
        log = anki.import_apkg(package_at(repo, "v1", tmp_path / "b"))
    finally:
        anki.close()

    assert deck.counts == {"new": 0, "updated": 10, "duplicate": 0, "conflicting": 0}
    assert (log.new, log.updated, log.duplicate) == (0, 10, 0)
    assert {(n.fields, n.why) for n in deck.updated} == {((), RERENDERED)}  # no YAML edit


def test_a_moved_deck_file_keeps_its_notes(repo, tmp_path):
    git(repo, "mv", DECK, "decks/ill.yaml")
    git(repo, "mv", STATE, "decks/ill.state.json")
    git(repo, "commit", "-q", "-m", "moved")

    (deck,) = diff_revisions("v0", "HEAD").decks
    anki = Anki(tmp_path)
    try:
        anki.import_apkg(package_at(repo, "v0", tmp_path / "a"))
        (tmp_path / "b" / "decks").mkdir(parents=True)
        for name in ("decks/ill.yaml", "decks/ill.state.json"):
            (tmp_path / "b" / name).write_text(git(repo, "show", f"HEAD:{name}"))
        built = build_deck(tmp_path / "b" / "decks/ill.yaml", out_dir=tmp_path / "b" / "dist")
        log = anki.import_apkg(built.output)
    finally:
        anki.close()

    assert (deck.path, deck.moved_from, deck.new_deck) == ("decks/ill.yaml", DECK, False)
    assert deck.counts == {"new": 0, "updated": 0, "duplicate": 10, "conflicting": 0}
    assert (log.new, log.updated, log.duplicate) == (0, 0, 10)


def test_three_revisions_are_a_usage_error(repo):
    result = CliRunner().invoke(cli, ["diff", "v0", "HEAD", "decks/x.yaml"])

    assert result.exit_code == 2
    assert "give at most two revisions; deck files go after '--'" in result.output


def test_run_from_inside_decks_it_finds_the_same_decks(repo, monkeypatch):
    edit(repo / DECK, "Show attention to detail", "Show care for detail")
    monkeypatch.chdir(repo / "decks")

    (deck,) = diff_revisions("HEAD", None, start=".").decks

    assert (deck.path, [n.id for n in deck.updated]) == (DECK, ["special-project"])


def test_a_broken_deck_at_a_revision_is_located_there(repo):
    edit(repo / DECK, "tips:\n      - Answer with one true story", "tipss:\n      - Answer with")

    result = CliRunner().invoke(cli, ["diff"])

    assert result.exit_code == 1
    assert f"working tree:{DECK}:" in result.output
    assert "tipss" in result.output


def test_release_notes_keep_deck_text_inert(repo):
    edit(
        repo / DECK,
        "question: What questions do you have for us?",
        "question: 'What <img src=x onerror=alert(1)> [link](http://x) **do** you ask?'",
    )
    edit(repo / DECK, "      - Bring one or two", "      - Bring ``` one or two")

    result = CliRunner().invoke(cli, ["diff", "--format", "markdown"])

    assert result.exit_code == 0, result.output
    assert (
        "- **Updated** (question, tips): What &lt;img src=x onerror=alert(1)&gt; "
        "\\[link\\](http://x) \\*\\*do\\*\\* you ask?\n  ````diff\n"
    ) in result.output
    outside_code = re.sub(r"\n  ````diff\n.*?\n  ````\n", "\n", result.output, flags=re.S)
    assert "<img" not in outside_code and "```" not in outside_code


def test_a_replaced_picture_is_a_media_change_and_the_importer_agrees(repo, tmp_path):
    add_picture(repo / DECK)
    commit(repo, "v1")
    data = bytearray((repo / "decks" / "images" / "flow.png").read_bytes())
    data[-20] ^= 0xFF  # other pixels, same name; still a PNG by its bytes
    (repo / "decks" / "images" / "flow.png").write_bytes(bytes(data))
    commit(repo, "v2")

    (deck,) = diff_revisions("v1", "v2").decks
    log, _ = imported(repo, tmp_path / "pair", "v1", "v2")

    (changed,) = deck.updated
    assert (changed.id, changed.fields, changed.media) == (
        "unhappy-user",
        ("media",),
        ("images/flow.png",),
    )
    assert (log.new, log.updated) == (deck.counts["new"], deck.counts["updated"]) == (0, 1)
    assert "media changed: images/flow.png" in "\n".join(text_lines(diff_revisions("v1", "v2")))
