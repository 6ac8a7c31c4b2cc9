"""prepdeck diff over hostile repositories: trees no checkout would hold, huge blobs, many files.

A shared deck repository is foreign input. Its trees can hold entries named `..` or `.git`,
symbolic links and submodules (git mktree makes them; they survive a clone and a fetch).
diff must never write a file by a path from the tree, read only the files a deck needs,
each within the build's limit for its kind, and start one `git cat-file` per diff.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from prepdeck.builds.pipeline import build_deck
from prepdeck.cli import cli
from prepdeck.exchange import diff as diff_module
from prepdeck.exchange import revisions
from prepdeck.exchange.diff import diff_revisions

from conftest import SHIPPED, add_picture, edit, git, snapshot

DECK = "decks/resource-sharing-interview.yaml"
STATE = "decks/resource-sharing-interview.state.json"


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "repo"
    (root / "decks").mkdir(parents=True)
    shutil.copyfile(SHIPPED, root / DECK)
    build_deck(root / DECK, out_dir=root / "dist")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "decks")
    git(root, "commit", "-q", "-m", "v0")
    git(root, "tag", "v0")
    monkeypatch.chdir(root)
    # diff's temporary folders go here, so that a path escaping one of them by '..' lands
    # in tmp_path, where the test can see it.
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return root


def blob(repo: Path, data: bytes) -> str:
    done = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"], cwd=repo, input=data, capture_output=True
    )
    return done.stdout.decode().strip()


def mktree(repo: Path, entries: list[tuple[str, str, bytes]]) -> str:
    """A tree object from (mode, object id, name) entries, names taken as they are."""
    kinds = {"040000": "tree", "160000": "commit"}
    lines = b"".join(
        f"{mode} {kinds.get(mode, 'blob')} {oid}\t".encode() + name + b"\0"
        for mode, oid, name in entries
    )
    done = subprocess.run(
        ["git", "mktree", "-z", "--missing"], cwd=repo, input=lines, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.decode().strip()


def commit_decks(repo: Path, extra: list[tuple[str, str, bytes]], tag: str) -> None:
    """Commit a tree whose decks/ folder holds HEAD's deck and state plus `extra` entries."""
    deck = git(repo, "rev-parse", f"HEAD:{DECK}").strip()
    state = git(repo, "rev-parse", f"HEAD:{STATE}").strip()
    decks = mktree(
        repo,
        [
            ("100644", deck, b"resource-sharing-interview.yaml"),
            ("100644", state, b"resource-sharing-interview.state.json"),
            *extra,
        ],
    )
    top = mktree(repo, [("040000", decks, b"decks")])
    head = git(repo, "rev-parse", "HEAD").strip()
    new = git(repo, "commit-tree", top, "-p", head, "-m", tag).strip()
    git(repo, "tag", tag, new)


def escaping(repo: Path, steps: int, leaf: list[tuple[str, str, bytes]]) -> tuple[str, str, bytes]:
    """An entry `..` holding `..` ... (`steps` deep) that holds `leaf`."""
    tree = mktree(repo, leaf)
    for _ in range(steps - 1):
        tree = mktree(repo, [("040000", tree, b"..")])
    return ("040000", tree, b"..")


def test_a_tree_with_dotdot_entries_writes_nothing_outside_its_temporary_folder(repo, tmp_path):
    sentinel = tmp_path / "sentinel.png"
    sentinel.write_bytes(b"the learner's own file")
    payload = blob(repo, b"\x89PNG\r\n\x1a\nwritten by an attacker")
    # temp/prepdeck-diff-*/decks/../../.. is tmp_path: the old diff wrote the blob there.
    hostile = [
        escaping(repo, 3, [("100644", payload, b"sentinel.png")]),
        ("040000", mktree(repo, [("100644", payload, b"config")]), b".git"),
        ("100644", payload, b"bell\x07.png"),
        ("100644", payload, b"latin1-\xe9.png"),
        ("120000", blob(repo, str(sentinel).encode()), b"link.png"),
        ("160000", git(repo, "rev-parse", "HEAD").strip(), b"module"),
    ]
    commit_decks(repo, hostile, "hostile")
    edit(repo / DECK, "Show attention to detail", "Show care for detail")
    before = snapshot(tmp_path, skip=repo / ".git")

    result = CliRunner().invoke(cli, ["diff", "hostile"])
    back = CliRunner().invoke(cli, ["diff", "v0", "hostile"])

    assert result.exit_code == 0, result.output
    assert back.exit_code == 0, back.output
    assert sentinel.read_bytes() == b"the learner's own file"
    assert snapshot(tmp_path, skip=repo / ".git") == before
    assert list((tmp_path / "temp").iterdir()) == []  # every temporary folder removed
    assert "0 new, 1 updated, 9 unchanged" in result.output
    for shown in ("decks/../../../sentinel.png", "decks/.git/config", "decks/bell\\x07.png"):
        assert f"prepdeck: hostile:{shown}: skipped (" in back.output
    assert "decks/latin1-\\xe9.png: skipped (a name that is not UTF-8)" in back.output
    assert "\x07" not in back.output


def test_a_picture_that_is_a_link_or_a_submodule_in_the_tree_is_a_located_problem(repo):
    edit(
        repo / DECK,
        "      - Listen first and acknowledge the frustration before explaining anything.\n",
        "      - Listen first and acknowledge the frustration before explaining anything.\n"
        '      - "![The flow](link.png)"\n',
    )
    git(repo, "add", DECK)
    git(repo, "commit", "-q", "-m", "names a picture")
    commit_decks(repo, [("120000", blob(repo, b"/etc/passwd"), b"link.png")], "linked")

    result = CliRunner().invoke(cli, ["diff", "v0", "linked"])

    assert result.exit_code == 1
    assert (
        f"linked:{DECK}:" in result.output
        and "'link.png' is a symbolic link at linked; prepdeck diff reads only files "
        "committed as files"
        in result.output
    )
    assert "Traceback" not in result.output
    # The one deck was refused at one side: it exists, it could not be compared.
    assert result.stdout.splitlines()[-1] == "no deck could be compared (see the problems above)."


def test_blobs_over_the_limit_are_refused_by_their_listed_size_before_any_byte_is_read(
    repo, monkeypatch
):
    big = blob(repo, b"\0" * (21 * 2**20))  # over every media limit: never a card's file
    second = (
        SHIPPED.read_text(encoding="utf-8").replace(
            "key: resource-sharing-interview", "key: second-deck"
        )
        + "# a long comment\n" * 2000
    )
    commit_decks(
        repo,
        [
            ("100644", big, b"lecture.mp4"),
            ("100644", blob(repo, second.encode()), b"second.yaml"),
        ],
        "big",
    )
    read: list[str] = []
    copy = revisions.Blobs.copy

    def spy(self, entry, out):
        read.append(entry.oid)
        return copy(self, entry, out)

    monkeypatch.setattr(revisions.Blobs, "copy", spy)
    monkeypatch.setattr(diff_module, "MAX_FILE_BYTES", len(second.encode()) - 1)
    assert SHIPPED.stat().st_size < len(second.encode()) - 1

    result = diff_revisions("v0", "big")

    assert big not in read
    assert [d.path for d in result.decks] == [DECK]  # the other deck is compared all the same
    (problem,) = result.problems
    assert problem.startswith("big:decks/second.yaml: the deck file is ")
    assert "MiB; the limit is" in problem


def test_an_oversized_picture_named_by_a_deck_is_refused_unread(repo, monkeypatch):
    from prepdeck.deckfile import media

    add_picture(repo / DECK)
    git(repo, "add", "decks")
    git(repo, "commit", "-q", "-m", "v1")
    read: list[str] = []
    copy = revisions.Blobs.copy
    monkeypatch.setattr(
        revisions.Blobs, "copy", lambda self, e, out: (read.append(e.path), copy(self, e, out))
    )
    monkeypatch.setattr(
        media, "IMAGE_LIMIT", (repo / "decks" / "images" / "flow.png").stat().st_size - 1
    )

    result = CliRunner().invoke(cli, ["diff", "v0", "HEAD"])

    assert result.exit_code == 1
    assert f"HEAD:{DECK}:" in result.output
    assert "'images/flow.png' is 0.0 MiB; pictures are limited to 0 MiB" in result.output
    assert "decks/images/flow.png" not in read


def test_one_cat_file_process_reads_every_deck_of_a_diff(repo, monkeypatch):
    text = SHIPPED.read_text(encoding="utf-8")
    for i in range(4):
        (repo / "decks" / f"deck{i}.yaml").write_text(
            text.replace("key: resource-sharing-interview", f"key: deck-{i}"), encoding="utf-8"
        )
    (repo / "decks" / "notes").mkdir()
    for i in range(200):
        (repo / "decks" / "notes" / f"n{i}.txt").write_text(str(i))
    images = Path(__file__).parent / "fixtures" / "media" / "images"
    picture = sorted(p for p in images.iterdir() if p.suffix == ".png")[0]
    (repo / "decks" / "notes" / "flow.png").write_bytes(picture.read_bytes())
    edit(
        repo / "decks" / "deck0.yaml",
        "      - Listen first and acknowledge the frustration before explaining anything.\n",
        "      - Listen first and acknowledge the frustration before explaining anything.\n"
        '      - "![The flow](notes/flow.png)"\n',
    )
    git(repo, "add", "decks")
    git(repo, "commit", "-q", "-m", "many")
    started: list[list[str]] = []
    popen = subprocess.Popen

    def count(args, *a, **k):  # subprocess.run starts its process through Popen too
        started.append(list(args))
        return popen(args, *a, **k)

    monkeypatch.setattr(subprocess, "Popen", count)

    result = diff_revisions("v0", "HEAD")

    assert len(result.decks) == 5 and not result.problems
    assert [len(d.added) for d in result.decks] == [10, 10, 10, 10, 0]
    assert sum("cat-file" in args for args in started) == 1
    assert len(started) <= 6, "\n".join(" ".join(a[:6]) for a in started)


def test_revisions_that_look_like_options_are_refused(repo, tmp_path):
    as_argument = CliRunner().invoke(cli, ["diff", "--output=x"])
    after_separator = CliRunner().invoke(cli, ["diff", "v0", "--output=x", "--", DECK])

    assert as_argument.exit_code == 2
    assert after_separator.exit_code == 2
    with pytest.raises(Exception) as raised:
        diff_revisions("--output=x", None)
    assert "'--output=x' is not a revision" in str(raised.value)
    assert not (repo / "x").exists() and not (tmp_path / "x").exists()


def test_a_damaged_state_at_a_revision_is_located_and_the_other_decks_are_compared(repo):
    second = SHIPPED.read_text(encoding="utf-8").replace(
        "key: resource-sharing-interview", "key: second-deck"
    )
    (repo / "decks" / "second.yaml").write_text(second, encoding="utf-8")
    build_deck(repo / "decks" / "second.yaml", out_dir=repo / "dist")
    (repo / "decks" / "second.state.json").write_text('{"prepdeck-state": 2, "questions": [')
    git(repo, "add", "decks")
    git(repo, "commit", "-q", "-m", "damaged")
    git(repo, "tag", "damaged")
    edit(repo / DECK, "Show attention to detail", "Show care for detail")

    result = CliRunner().invoke(cli, ["diff", "damaged"])

    assert result.exit_code == 1
    assert f"{DECK}: Resource Sharing Librarian Interview: 0 new, 1 updated" in result.stdout
    assert "damaged:decks/second.state.json:1:" in result.stderr
    assert "the build state is not valid JSON" in result.stderr
    assert "prepdeck: 1 problem found; the deck files they name are left out" in result.stderr
    assert "prepdeck-diff-" not in result.output


def test_a_huge_file_beside_the_decks_on_disk_is_never_read(repo):
    with (repo / "decks" / "lecture.mp4").open("wb") as f:
        f.truncate(3 * 2**30)  # 3 GiB, sparse: no deck names it
    edit(repo / DECK, "Show attention to detail", "Show care for detail")

    result = CliRunner().invoke(cli, ["diff"])

    assert result.exit_code == 0, result.output
    assert f"{DECK}: Resource Sharing Librarian Interview: 0 new, 1 updated" in result.output
