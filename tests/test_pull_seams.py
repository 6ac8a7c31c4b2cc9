"""`prepdeck pull` where it meets other features: own answers, fresh clones, other devices.

Each test walks the learner's steps with real git clones and real Anki collections.
"""

from __future__ import annotations

import shutil

from prepdeck.builds.pipeline import build_deck
from prepdeck.exchange.pull import pull
from test_pull import _edit_in_anki, _export

from conftest import SHIPPED, Anki, git

ANSWERS = """\
answers:
  unhappy-user:
    example: My own STAR story about the lost thesis.
    notes: Mention the courier.
"""


def _repository(tmp_path):
    """Machine A: a git repository with the shipped deck, its state committed, and own
    answers (git-ignored) beside it."""
    root = tmp_path / "a"
    decks = root / "decks"
    decks.mkdir(parents=True)
    shutil.copyfile(SHIPPED, decks / SHIPPED.name)
    (root / ".gitignore").write_text("dist/\ndecks/*.mine.yaml\ndecks/*.mine.state.json\n")
    git(root, "init", "-q")
    deck = decks / SHIPPED.name
    build_deck(deck, out_dir=root / "dist")  # the committed state, before any answers
    git(root, "add", ".")
    git(root, "commit", "-qm", "deck")
    deck.with_name("resource-sharing-interview.mine.yaml").write_text(ANSWERS)
    return deck


def _clone(deck, tmp_path, name):
    target = tmp_path / name
    git(tmp_path, "clone", "-q", str(deck.parent.parent), str(target))
    return target / "decks" / deck.name


def _folder(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    return folder


def test_a_pull_of_a_note_with_own_answers_leaves_a_fresh_clone_unable_to_blank_them(
    tmp_path, anki
):
    """Issue 19.1, as written: machine A has own answers; the phone edits a tip; pull --write
    on A, commit; a fresh clone (no git-ignored files) builds and its package is imported."""
    deck = _repository(tmp_path)
    desktop = Anki(_folder(tmp_path, "desktop"))  # a device that never gets the phone's edit
    first = build_deck(deck, out_dir=tmp_path / "a" / "dist").output
    anki.import_apkg(first)  # the phone
    desktop.import_apkg(first)
    _edit_in_anki(anki, "unhappy-user", Tips=("Listen first", "Listen carefully first"))
    export = _export(anki, tmp_path, "apkg")

    pull(deck, str(export), write=True)
    git(deck.parent.parent, "commit", "-qam", "pulled from the phone")
    clone = _clone(deck, tmp_path, "b")
    fresh = build_deck(clone, out_dir=tmp_path / "b" / "dist")
    from_clone = [device.import_apkg(fresh.output) for device in (anki, desktop)]
    again = build_deck(deck, out_dir=tmp_path / "a" / "dist")
    from_a = [device.import_apkg(again.output) for device in (anki, desktop)]

    assert [log.updated for log in from_clone] == [0, 0]  # nothing blanked
    assert [log.updated for log in from_a] == [0, 1]  # the desktop gets the edit, answers too
    for device in (anki, desktop):
        note = device.note("unhappy-user")
        assert "My own STAR story" in note["Example"]
        assert "Mention the courier" in note["Notes"]
        assert "Listen carefully first" in note["Tips"]
    desktop.close()
