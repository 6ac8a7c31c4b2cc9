"""Learner data survives every workflow: two machines, filtered builds, copies, removals.

Each test walks a learner's study cycle against the real Anki backend with Anki's default
import options, unless it says otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest
from click.testing import CliRunner

from prepdeck import atomic
from prepdeck.builds.pipeline import build_deck, output_path, selection_name
from prepdeck.builds.state import local_state_path, state_path
from prepdeck.cards.select import Selection
from prepdeck.cli import cli
from prepdeck.deckfile.load import load_deck
from prepdeck.errors import DeckFileError, OutputError

from conftest import edit, no_answers_line, shared_part

ANSWERS = """\
answers:
  unhappy-user:
    notes: The missing thesis story.
  ill-systems:
    example: ILLiad daily for three years.
"""


def _build(deck_file, tmp_path, **options):
    return build_deck(deck_file, out_dir=tmp_path / "dist", **options)


def _second_machine(deck_file, tmp_path):
    """A fresh clone elsewhere: the deck and its committed state, no answers file."""
    folder = tmp_path / "clone" / "decks"
    folder.mkdir(parents=True)
    clone = folder / deck_file.name
    shutil.copyfile(deck_file, clone)
    shutil.copyfile(state_path(deck_file), state_path(clone))
    return clone


# -- 1. own answers are machine-local ------------------------------------------------------


def test_own_answers_never_reach_the_committed_state(deck_file, tmp_path, anki):
    _build(deck_file, tmp_path)
    committed = state_path(deck_file).read_bytes()
    deck_file.with_name("resource-sharing-interview.mine.yaml").write_text(ANSWERS)

    result = _build(deck_file, tmp_path)
    anki.import_apkg(result.output)
    marked = state_path(deck_file).read_text()
    deck_file.with_name("resource-sharing-interview.mine.yaml").write_text(
        ANSWERS.replace("missing thesis", "lost dissertation")
    )
    _build(deck_file, tmp_path)

    assert shared_part(marked) == shared_part(committed.decode())
    # Only when a package first carried answers (the newest time that package gave a note).
    assert json.loads(marked)["deck"]["answers"] == result.state.answers > 0
    assert state_path(deck_file).read_text() == marked
    assert result.report.lines() == [
        "own answers changed: 2 (ill-systems, unhappy-user)",
        "own answers: the build state now records that a package of this deck carries own "
        "answers (never the answers themselves); commit it, so that a clone without them warns "
        "before sending a note without them.",
    ]
    assert local_state_path(deck_file).exists()
    assert anki.note("unhappy-user")["Notes"] == "<p>The missing thesis story.</p>"


def test_a_second_machine_without_answers_changes_nothing_and_blanks_nothing(
    deck_file, tmp_path, anki
):
    _build(deck_file, tmp_path)
    deck_file.with_name("resource-sharing-interview.mine.yaml").write_text(ANSWERS)
    anki.import_apkg(_build(deck_file, tmp_path).output)
    clone = _second_machine(deck_file, tmp_path)
    committed = state_path(clone).read_bytes()

    result = build_deck(clone, out_dir=tmp_path / "clone" / "dist")
    log = anki.import_apkg(result.output)

    assert result.report.unchanged and not result.state_written
    assert state_path(clone).read_bytes() == committed
    assert (log.new, log.updated) == (0, 0)
    assert anki.note("unhappy-user")["Notes"] == "<p>The missing thesis story.</p>"
    assert anki.note("ill-systems")["Example"] == "<p>ILLiad daily for three years.</p>"


def test_editing_only_the_answers_file_updates_that_note(deck_file, tmp_path, anki):
    mine = deck_file.with_name("resource-sharing-interview.mine.yaml")
    mine.write_text(ANSWERS)
    anki.import_apkg(_build(deck_file, tmp_path).output)
    committed = state_path(deck_file).read_bytes()
    mine.write_text(ANSWERS.replace("missing thesis", "lost dissertation"))

    result = _build(deck_file, tmp_path)
    log = anki.import_apkg(result.output)

    assert (log.new, log.updated) == (0, 1)
    assert anki.note("unhappy-user")["Notes"] == "<p>The lost dissertation story.</p>"
    assert result.report.lines() == ["own answers changed: 1 (unhappy-user)"]
    assert state_path(deck_file).read_bytes() == committed


def test_removing_an_answer_reaches_anki(deck_file, tmp_path, anki):
    mine = deck_file.with_name("resource-sharing-interview.mine.yaml")
    mine.write_text(ANSWERS)
    anki.import_apkg(_build(deck_file, tmp_path).output)
    mine.write_text("answers:\n  ill-systems:\n    example: ILLiad daily for three years.\n")

    log = anki.import_apkg(_build(deck_file, tmp_path).output)

    assert (log.new, log.updated) == (0, 1)
    assert anki.note("unhappy-user")["Notes"] == ""


def test_a_machine_without_answers_names_the_notes_it_would_send_without_them(deck_file, tmp_path):
    deck_file.with_name("resource-sharing-interview.mine.yaml").write_text(ANSWERS)
    _build(deck_file, tmp_path)
    clone = _second_machine(deck_file, tmp_path)
    edit(clone, "Listen first", "Hear them out")

    lines = build_deck(clone, out_dir=tmp_path / "clone" / "dist").report.lines()

    assert lines == ["changed: 1 (unhappy-user)", no_answers_line(clone, "unhappy-user")]


def test_the_warning_names_notes_a_filtered_package_sent_before(deck_file, tmp_path, anki):
    """A tester's find: a clone without answers edits two questions, builds one topic (not
    imported), then the full deck. The full build's warning named only one of the two notes
    its import then updated without the answers."""
    deck_file.with_name("resource-sharing-interview.mine.yaml").write_text(ANSWERS)
    anki.import_apkg(_build(deck_file, tmp_path).output)
    clone = _second_machine(deck_file, tmp_path)
    edit(clone, "Listen first", "Hear them out")  # unhappy-user, Customer service
    edit(clone, "OCLC", "OCLC WorldShare")  # ill-systems
    out = tmp_path / "clone" / "dist"
    build_deck(clone, out_dir=out, selection=Selection(topics=("Customer service",)))

    full = build_deck(clone, out_dir=out)
    log = anki.import_apkg(full.output)

    assert full.report.without_answers == ["ill-systems", "unhappy-user"]
    assert no_answers_line(clone, "ill-systems, unhappy-user") in full.report.lines()
    assert log.updated == 2


def test_a_learner_who_never_kept_answers_is_not_warned_about_them(deck_file, tmp_path):
    """Issue 19.5: the warning only where answers exist somewhere to lose; a file that holds
    only the interview date carries none."""
    deck_file.with_name("resource-sharing-interview.mine.yaml").write_text(
        "interview: 2099-01-01\n"
    )
    _build(deck_file, tmp_path)
    clone = _second_machine(deck_file, tmp_path)
    edit(clone, "Listen first", "Hear them out")

    lines = build_deck(clone, out_dir=tmp_path / "clone" / "dist").report.lines()

    assert lines == ["changed: 1 (unhappy-user)"]
    assert '"answers"' not in state_path(clone).read_text()


def test_a_machine_with_the_answers_but_not_their_timing_sends_nothing_as_newer(
    deck_file, tmp_path, anki, monkeypatch
):
    """Issue 19.2: the answers file copied to a second machine, without the local state. The
    phone's edit made after importing machine A's package survives the second machine's."""
    mine = deck_file.with_name("resource-sharing-interview.mine.yaml")
    mine.write_text(ANSWERS)
    anki.import_apkg(_build(deck_file, tmp_path).output)
    anki.edit_note("unhappy-user", Notes="<p>Edited on the phone.</p>")
    clone = _second_machine(deck_file, tmp_path)
    shutil.copyfile(mine, clone.with_name(mine.name))
    later = int(time.time()) + 100  # the second machine builds after the phone's edit
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(later))

    result = build_deck(clone, out_dir=tmp_path / "clone" / "dist")
    log = anki.import_apkg(result.output)

    assert (log.new, log.updated) == (0, 0)
    assert anki.note("unhappy-user")["Notes"] == "<p>Edited on the phone.</p>"
    assert not result.report.answers_changed
    local = local_state_path(clone)
    assert result.report.lines() == [
        f"own answers: this machine has no record of sending them (no {local} here), so these "
        "notes go with the deck's own times and Anki keeps the version it has, edits made there "
        "included: ill-systems, unhappy-user. If these answers never reached Anki: prepdeck "
        "build --resend ill-systems (and so on for each)",
        "no changes since the last build: if you imported it, a re-import changes nothing in Anki.",
    ]
    # From now on this machine knows: an answer edited here is sent, and named as such.
    clone.with_name(mine.name).write_text(ANSWERS.replace("missing thesis", "lost dissertation"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(later + 100))
    again = build_deck(clone, out_dir=tmp_path / "clone" / "dist")
    assert again.report.lines() == ["own answers changed: 1 (unhappy-user)"]
    assert (anki.import_apkg(again.output).updated, anki.note("unhappy-user")["Notes"]) == (
        1,
        "<p>The lost dissertation story.</p>",
    )


def test_a_tip_edit_merged_from_another_machine_is_not_called_an_answer_edit(deck_file, tmp_path):
    """Issue 19.5: machine A keeps answers; machine B edits a tip and builds; A merges B's deck
    file and state. The note changed in B's build, not in A's answers."""
    deck_file.with_name("resource-sharing-interview.mine.yaml").write_text(ANSWERS)
    _build(deck_file, tmp_path)
    clone = _second_machine(deck_file, tmp_path)
    edit(clone, "Listen first", "Hear them out")
    build_deck(clone, out_dir=tmp_path / "clone" / "dist")
    shutil.copyfile(clone, deck_file)
    shutil.copyfile(state_path(clone), state_path(deck_file))

    result = _build(deck_file, tmp_path)

    assert result.report.lines() == [
        "changed in a build on another machine: 1 (unhappy-user); sent from here with your own "
        "answers, so Anki updates them"
    ]


def test_an_empty_answers_file_means_no_answers_yet(deck_file, tmp_path):
    deck_file.with_name("resource-sharing-interview.mine.yaml").write_text("# later\n")

    result = _build(deck_file, tmp_path)

    assert result.notes == 10


# -- 2. filtered builds keep the state true -------------------------------------------------


def test_an_edit_outside_a_filtered_build_still_reaches_the_full_one(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    edit(deck_file, "Show attention to detail", "Show care for detail")  # special-project

    filtered = _build(deck_file, tmp_path, selection=Selection(topics=("customer-service",)))
    full = _build(deck_file, tmp_path)
    log = anki.import_apkg(full.output)

    assert filtered.report.lines() == [
        "selection: topic customer-service (only these questions' build state advances)",
        "no changes since the last build: if you imported it, a re-import changes nothing in Anki.",
    ]
    assert full.report.lines()[0] == "changed: 1 (special-project)"
    assert (log.new, log.updated) == (0, 1)
    assert "Show care for detail" in anki.note("special-project")["Tips"]


def test_a_full_build_after_an_unimported_filtered_one_says_what_it_updates(
    deck_file, tmp_path, anki
):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    edit(deck_file, "Listen first", "Hear them out")  # unhappy-user, Customer service

    _build(deck_file, tmp_path, selection=Selection(topics=("customer-service",)))
    full = _build(deck_file, tmp_path)
    log = anki.import_apkg(full.output)  # the filtered package was never imported

    assert (log.new, log.updated) == (0, 1)
    assert "Hear them out" in anki.note("unhappy-user")["Tips"]
    assert full.report.lines() == [
        "sent before only in the filtered package 'topic-customer-service': unhappy-user; if you "
        "did not import that package, this import updates them.",
        "no other changes since the last build.",
    ]


# -- 3. a removed question that comes back is not new --------------------------------------


def _cut(deck_file, qid: str, following: str) -> str:
    text = deck_file.read_text(encoding="utf-8")
    start, end = text.index(f"  - id: {qid}\n"), text.index(f"  - id: {following}\n")
    deck_file.write_text(text[:start] + text[end:], encoding="utf-8")
    return text


def test_a_removed_question_that_returns_unchanged_keeps_the_learners_edit(
    deck_file, tmp_path, anki
):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    original = _cut(deck_file, "promote-services", "team-qualities")
    removed = _build(deck_file, tmp_path)
    anki.import_apkg(removed.output)
    note = anki.note("promote-services")
    note["Notes"] = "My own flyer idea."
    anki.col.update_note(note)

    deck_file.write_text(original, encoding="utf-8")
    back = _build(deck_file, tmp_path)
    log = anki.import_apkg(back.output)

    assert removed.report.removed == ["promote-services"]
    assert back.report.returned == ["promote-services"] and back.report.changed == []
    assert (log.new, log.updated) == (0, 0)
    assert anki.note("promote-services")["Notes"] == "My own flyer idea."


def test_a_removed_question_that_returns_changed_updates_once(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    original = _cut(deck_file, "promote-services", "team-qualities")
    _build(deck_file, tmp_path)
    deck_file.write_text(original, encoding="utf-8")
    edit(deck_file, "question: How would you promote", "question: How might you promote")

    first = anki.import_apkg(_build(deck_file, tmp_path).output)
    second = anki.import_apkg(_build(deck_file, tmp_path).output)

    assert (first.new, first.updated) == (0, 1)
    assert (second.new, second.updated) == (0, 0)


# -- 4. one package per deck file -----------------------------------------------------------


def test_a_copied_deck_with_the_same_key_is_refused_whichever_file_is_built(deck_file, tmp_path):
    _build(deck_file, tmp_path)
    package = output_path(load_deck(deck_file), Selection(), tmp_path / "dist")
    before = package.read_bytes()
    copy = deck_file.with_name("nurse.yaml")
    shutil.copyfile(deck_file, copy)
    edit(copy, "name: Resource Sharing Librarian Interview", "name: Nurse Interview")

    with pytest.raises(DeckFileError) as err:
        build_deck(copy, out_dir=tmp_path / "dist")

    assert str(err.value) == (
        f"{copy}: deck key 'resource-sharing-interview' is also the key of {deck_file}; every "
        "deck file needs its own key (a copied deck needs a new one: prepdeck new prints a "
        "fresh key), or the two would overwrite each other's package and state"
    )
    assert package.read_bytes() == before
    with pytest.raises(DeckFileError):
        _build(deck_file, tmp_path)


def test_a_deck_beside_the_same_name_with_another_ending_is_refused(deck_file, tmp_path):
    other = deck_file.with_suffix(".yml")
    shutil.copyfile(deck_file, other)
    edit(other, "key: resource-sharing-interview", "key: other-key")

    with pytest.raises(DeckFileError) as err:
        _build(deck_file, tmp_path)

    assert f"{other} has the same name with another ending" in str(err.value)


# -- 5. output names are safe and distinct ---------------------------------------------------


@pytest.mark.parametrize(
    "selection",
    [
        Selection(tags=("/../../..",)),
        Selection(topics=("a/b",)),
        Selection(topics=("..",)),
        Selection(tags=("C:\\\\x",)),
        Selection(ids=("x/../../y",)),
    ],
)
def test_a_filtered_package_stays_in_its_folder(deck_file, tmp_path, selection):
    deck = load_deck(deck_file)
    out = tmp_path / "dist"

    path = output_path(deck, selection, out)

    assert path.parent == out
    assert path.name.startswith("resource-sharing-interview__")
    assert all(c.isalnum() or c in "-_." for c in path.name)


def test_selections_of_different_options_never_share_a_name(deck_file, tmp_path):
    names = {
        selection_name(Selection(topics=("x",))),
        selection_name(Selection(tags=("x",))),
        selection_name(Selection(ids=("x",))),
        selection_name(Selection(exclude_topics=("x",))),
        selection_name(Selection(exclude_tags=("x",))),
    }

    assert len(names) == 5


def test_a_filtered_package_never_takes_another_decks_full_name(deck_file, tmp_path):
    inter = load_deck(deck_file)._replace(key="inter")
    other = load_deck(deck_file)._replace(key="inter--t")

    filtered = output_path(inter, Selection(topics=("t",)), tmp_path)
    full = output_path(other, Selection(), tmp_path)

    assert filtered != full


# -- 6. a build is all or nothing, and says the truth ----------------------------------------


def test_a_state_that_cannot_be_written_leaves_the_package_as_it_was(
    deck_file, tmp_path, monkeypatch
):
    first = _build(deck_file, tmp_path)
    package, state = first.output.read_bytes(), state_path(deck_file).read_bytes()
    edit(deck_file, "Listen first", "Hear them out")
    real_replace = os.replace

    def state_refused(src, dst):
        if str(dst).endswith(".state.json"):
            raise PermissionError(1, "Operation not permitted")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", state_refused)
    with pytest.raises(OutputError) as err:
        _build(deck_file, tmp_path)

    assert str(err.value) == (
        f"{state_path(deck_file)}: cannot write: Operation not permitted; nothing was changed"
    )
    assert first.output.read_bytes() == package
    assert state_path(deck_file).read_bytes() == state
    assert sorted(p.name for p in first.output.parent.iterdir()) == [first.output.name]
    assert sorted(p.name for p in deck_file.parent.iterdir()) == sorted(
        [deck_file.name, state_path(deck_file).name]
    )


def test_ctrl_c_while_files_are_put_in_place_finishes_them_and_says_so(
    deck_file, tmp_path, monkeypatch
):
    import signal

    first = _build(deck_file, tmp_path)
    edit(deck_file, "Listen first", "Hear them out")
    real_replace = os.replace

    def interrupted(src, dst):
        real_replace(src, dst)
        if str(dst).endswith(".apkg"):
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C between the two renames

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(atomic.InterruptedAfterWrite) as err:
        _build(deck_file, tmp_path)

    assert [p.name for p in err.value.paths] == [first.output.name, state_path(deck_file).name]
    monkeypatch.undo()
    package = first.output.read_bytes()
    again = _build(deck_file, tmp_path)  # both files were new: nothing is left to send
    assert again.report.unchanged and again.output.read_bytes() == package


def test_a_killed_builds_temporary_file_is_removed_by_the_next_build(deck_file, tmp_path):
    first = _build(deck_file, tmp_path)
    stale = first.output.parent / f".{first.output.name}.999999999.abc123.tmp"
    stale.write_bytes(b"half a package")

    _build(deck_file, tmp_path)

    assert not stale.exists()


# -- 7. -o never destroys a source -----------------------------------------------------------


@pytest.fixture
def run(deck_file, monkeypatch):
    monkeypatch.chdir(deck_file.parent.parent)

    def invoke(*args):
        return CliRunner().invoke(cli, list(args))

    return invoke


@pytest.mark.parametrize(
    ("command", "target"),
    [
        ("preview", "decks/resource-sharing-interview.yaml"),
        ("preview", "decks/resource-sharing-interview.state.json"),
        ("preview", "decks/resource-sharing-interview.mine.yaml"),
        ("build", "decks/resource-sharing-interview.yaml"),
        ("build", "decks/resource-sharing-interview.state.json"),
    ],
)
def test_output_never_replaces_a_deck_answers_or_state_file(run, deck_file, command, target):
    run("build")
    deck_file.with_name("resource-sharing-interview.mine.yaml").write_text(ANSWERS)
    before = {p.name: p.read_bytes() for p in deck_file.parent.iterdir()}

    result = run(command, "-o", target)

    assert result.exit_code == 1
    assert result.stderr.startswith(f"prepdeck: {target}: ")
    assert {p.name: p.read_bytes() for p in deck_file.parent.iterdir()} == before


def test_output_never_replaces_something_that_is_not_a_file(run, deck_file, tmp_path):
    fifo = tmp_path / "cards.html"
    os.mkfifo(fifo)

    result = run("preview", "-o", str(fifo))

    assert result.exit_code == 1
    assert result.stderr == (
        f"prepdeck: {fifo}: is a named pipe (FIFO), not a file; choose another name\n"
    )
    assert fifo.is_fifo()


# -- 8. advice that works when followed -----------------------------------------------------


def _deck_names(anki) -> list[str]:
    return sorted(d.name for d in anki.col.decks.all_names_and_ids() if d.name != "Default")


def _rename_deck_in_yaml(deck_file):
    edit(deck_file, "name: Resource Sharing Librarian Interview", "name: ILL Prep")


def test_renaming_the_deck_before_importing_as_advised_keeps_one_deck(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    card_id = anki.review("ill-systems")
    _rename_deck_in_yaml(deck_file)
    result = _build(deck_file, tmp_path)

    # The advice: rename the deck in Anki first, then import.
    old = anki.col.decks.id_for_name("Resource Sharing Librarian Interview")
    anki.col.decks.rename(old, "ILL Prep")
    anki.import_apkg(result.output)

    assert result.report.lines()[0].startswith(
        "deck renamed from 'Resource Sharing Librarian Interview' to 'ILL Prep'. Before "
        "importing, rename the deck"
    )
    assert _deck_names(anki) == ["ILL Prep"]
    assert {anki.col.decks.name(c.did) for c in map(anki.card, anki.notes())} == {"ILL Prep"}
    assert anki.revlog(card_id) == 1


def test_renaming_the_deck_after_importing_as_advised_keeps_one_deck(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    card_id = anki.review("ill-systems")
    _rename_deck_in_yaml(deck_file)
    edit(
        deck_file,
        "questions:\n",
        "questions:\n  - id: brand-new\n    topic: T\n"
        "    question: A new one?\n    tips: [a tip]\n",
    )
    result = _build(deck_file, tmp_path)
    anki.import_apkg(result.output)  # the learner imported before reading the report
    assert _deck_names(anki) == ["ILL Prep", "Resource Sharing Librarian Interview"]

    # The advice: delete the second deck, rename the old one, import this package again.
    anki.col.decks.remove([anki.col.decks.id_for_name("ILL Prep")])
    anki.col.decks.rename(
        anki.col.decks.id_for_name("Resource Sharing Librarian Interview"), "ILL Prep"
    )
    anki.import_apkg(result.output)

    assert "holding only this build's new cards (1)" in result.report.lines()[1]
    assert _deck_names(anki) == ["ILL Prep"]
    assert len(anki.notes()) == 11
    assert {anki.col.decks.name(c.did) for c in map(anki.card, anki.notes())} == {"ILL Prep"}
    assert anki.revlog(card_id) == 1


def test_switching_on_subdecks_and_following_the_searches_files_each_card(
    deck_file, tmp_path, anki
):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    edit(
        deck_file,
        "  name: Resource Sharing Librarian Interview\n",
        "  name: Resource Sharing Librarian Interview\n  subdecks: by-topic\n",
    )
    result = _build(deck_file, tmp_path)
    anki.import_apkg(result.output)

    for move in result.report.moves:  # each search, select all, Change Deck
        cards = anki.col.find_cards(move.search)
        anki.col.set_deck(cards, anki.col.decks.id_for_name(move.destination))

    for q in load_deck(deck_file).questions:
        deck = anki.col.decks.name(anki.card(q.id).did)
        assert deck == f"Resource Sharing Librarian Interview::{q.topic}"


# -- 9. run from anywhere in the project ----------------------------------------------------


def test_building_from_inside_decks_uses_the_projects_dist(deck_file, monkeypatch):
    project = deck_file.parent.parent
    monkeypatch.chdir(deck_file.parent)

    plain = CliRunner().invoke(cli, ["build"])
    named = CliRunner().invoke(cli, ["build", deck_file.name, "--dry-run"])

    assert plain.exit_code == 0, plain.output
    assert (project / "dist" / "resource-sharing-interview.apkg").exists()
    assert not (deck_file.parent / "dist").exists()
    assert "would write ../dist/resource-sharing-interview.apkg" in named.stdout


# -- 10. an edit made in Anki between build and import -------------------------------------


def test_an_anki_edit_made_after_the_build_wins_until_resend(
    deck_file, tmp_path, anki, monkeypatch
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    anki.import_apkg(_build(deck_file, tmp_path).output)
    edit(deck_file, "Listen first", "Hear them out")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000100")
    built = _build(deck_file, tmp_path)
    # On the phone, a minute after that build and before importing it, the learner edits
    # the same note (Anki stamps the edit with the phone's clock).
    note = anki.note("unhappy-user")
    note["Notes"] = "edited on the phone after the build"
    anki.col.update_note(note)
    anki.col.db.execute("update notes set mod = ? where id = ?", 1800000160, note.id)

    skipped = anki.import_apkg(built.output)
    kept = anki.note("unhappy-user")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000200")
    again = _build(deck_file, tmp_path)
    resent = _build(deck_file, tmp_path, resend=("unhappy-user",))
    log = anki.import_apkg(resent.output)

    assert (skipped.updated, skipped.duplicate) == (0, 10)
    assert kept["Notes"] == "edited on the phone after the build"
    assert "Hear them out" not in kept["Tips"]  # the YAML edit did not arrive
    assert again.report.unchanged
    assert resent.report.resent == ["unhappy-user"]
    assert (log.new, log.updated) == (0, 1)
    assert "Hear them out" in anki.note("unhappy-user")["Tips"]


def test_resend_of_an_unknown_id_is_refused(deck_file, tmp_path):
    from prepdeck.errors import SelectionError

    with pytest.raises(SelectionError):
        _build(deck_file, tmp_path, resend=("no-such-id",))


# -- 11. smaller things ----------------------------------------------------------------------


def test_a_new_id_with_new_wording_but_the_same_tips_is_warned_about(deck_file, tmp_path):
    _build(deck_file, tmp_path)
    edit(deck_file, "id: unhappy-user", "id: upset-patron")
    edit(deck_file, "How would you handle an unhappy", "What do you do with an unhappy")

    lines = _build(deck_file, tmp_path).report.lines()

    assert lines[0].startswith("warning: question 'unhappy-user' is gone and 'upset-patron' has ")
    assert "of its" in lines[0] and "tips" in lines[0]


def test_a_deck_keyed_backup_builds_filtered_packages_too(deck_file, tmp_path):
    edit(deck_file, "key: resource-sharing-interview", "key: backup")

    result = _build(deck_file, tmp_path, selection=Selection(topics=("customer-service",)))

    assert result.output.name == "backup__topic-customer-service.apkg"
    assert result.output.exists()


# -- found by a tester trying learners' workflows ---------------------------------------------


def test_answers_written_on_the_first_build_survive_a_clone_without_them(deck_file, tmp_path, anki):
    deck_file.with_name("resource-sharing-interview.mine.yaml").write_text(ANSWERS)
    anki.import_apkg(_build(deck_file, tmp_path).output)  # the very first build has answers
    clone = _second_machine(deck_file, tmp_path)

    log = anki.import_apkg(build_deck(clone, out_dir=tmp_path / "clone" / "dist").output)

    assert (log.new, log.updated) == (0, 0)
    assert anki.note("unhappy-user")["Notes"] == "<p>The missing thesis story.</p>"


def test_a_deck_key_written_through_an_alias_still_clashes(tmp_path):
    folder = tmp_path / "decks"
    folder.mkdir()
    for x in "ab":
        (folder / f"{x}.yaml").write_text(
            "deck:\n  name: &k shared\n  key: *k\n"
            f"questions:\n  - {{id: q1, topic: T, question: Question {x}?, tips: [tip]}}\n"
        )

    with pytest.raises(DeckFileError) as err:
        build_deck(folder / "b.yaml", out_dir=tmp_path / "dist")

    assert "deck key 'shared' is also the key of" in str(err.value)


def test_a_filtered_build_leaves_the_rename_and_move_advice_to_the_full_one(deck_file, tmp_path):
    _build(deck_file, tmp_path)
    edit(
        deck_file,
        "  name: Resource Sharing Librarian Interview\n",
        "  name: ILL Prep\n  subdecks: by-topic\n",
    )

    filtered = _build(deck_file, tmp_path, selection=Selection(topics=("customer-service",)))
    full = _build(deck_file, tmp_path)

    for report in (filtered.report, full.report):
        assert report.deck_renamed == ("Resource Sharing Librarian Interview", "ILL Prep")
    moved = {qid for m in full.report.moves for qid in m.ids}
    assert "unhappy-user" in moved and len(moved) == 10


def test_own_answers_sent_only_in_a_filtered_package_are_named_by_the_full_build(
    deck_file, tmp_path
):
    _build(deck_file, tmp_path)
    deck_file.with_name("resource-sharing-interview.mine.yaml").write_text(ANSWERS)

    filtered = _build(deck_file, tmp_path, selection=Selection(ids=("unhappy-user",)))
    full = _build(deck_file, tmp_path)

    assert filtered.report.answers_changed == ["unhappy-user"]
    assert full.report.unsent == {"id-unhappy-user": ["unhappy-user"]}
    assert "no changes since the last build" not in "\n".join(full.report.lines())


def test_a_changed_description_is_reported(deck_file, tmp_path):
    _build(deck_file, tmp_path)
    edit(deck_file, "Likely questions for a", "Typical questions for a")

    lines = _build(deck_file, tmp_path).report.lines()

    assert lines == [
        "deck description changed: an import replaces the description the deck has in Anki "
        "(also one you edited there)."
    ]


def test_a_question_put_back_into_a_moved_deck_gets_move_advice(deck_file, tmp_path):
    _build(deck_file, tmp_path)
    original = _cut(deck_file, "promote-services", "team-qualities")
    _build(deck_file, tmp_path)
    deck_file.write_text(original, encoding="utf-8")
    edit(
        deck_file,
        "  name: Resource Sharing Librarian Interview\n",
        "  name: Resource Sharing Librarian Interview\n  subdecks: by-topic\n",
    )

    report = _build(deck_file, tmp_path).report

    assert "promote-services" in {qid for m in report.moves for qid in m.ids}


def test_resend_is_checked_against_every_deck_and_the_selection(run, deck_file):
    second = deck_file.with_name("second.yaml")
    second.write_text(
        "deck: {key: second, name: Second}\nquestions:\n"
        "  - {id: only, topic: Other, question: One?, tips: [t]}\n"
    )

    run("build")
    across = run("build", "--resend", "only")
    outside = run("build", "--resend", "unhappy-user", "--topic", "Other")

    assert across.exit_code == 0, across.output
    assert "sent again (--resend): 1 (only)" in across.stdout
    assert outside.exit_code == 1
    assert "the selection leaves this question out" in outside.stderr
