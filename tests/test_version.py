"""deck.version: small print on the back of every card and in the deck description.

The version lives in the note type, never in a note: a release that changes nothing else
updates the card design and not one note.
"""

from __future__ import annotations

import pytest

from prepdeck.builds.pipeline import build_deck
from prepdeck.cards.notetype import Design, back_template
from prepdeck.deckfile.load import parse_deck_text
from prepdeck.errors import DeckFileError

from conftest import edit

NAME = "  name: Resource Sharing Librarian Interview\n"


def _deck(version: str) -> str:
    return (
        f"deck:\n  key: k\n  name: N\n  version: {version}\n"
        "questions:\n  - id: a\n    topic: T\n    question: Q?\n    tips: [one]\n"
    )


def test_a_version_bump_updates_no_note_and_the_card_shows_it(deck_file, tmp_path, anki):
    edit(deck_file, NAME, NAME + "  version: 1.2.0\n")
    first = build_deck(deck_file, out_dir=tmp_path / "dist")
    anki.import_apkg(first.output)
    card = anki.card("special-project")
    anki.review("special-project")
    edit(deck_file, "version: 1.2.0", "version: 1.3.0")

    bumped = build_deck(deck_file, out_dir=tmp_path / "dist")
    log = anki.import_apkg(bumped.output)

    assert (log.new, log.updated, log.duplicate, log.conflicting) == (0, 0, 10, 0)
    answer = anki.col.get_card(card.id).answer()
    assert '<p class="pd-version"><small dir="auto">1.3.0</small></p>' in answer
    assert "1.2.0" not in answer
    assert anki.col.get_card(card.id).reps == 1
    (deck_id,) = [d["id"] for d in anki.col.decks.all() if d["name"].startswith("Resource")]
    assert "<small>1.3.0</small>" in anki.col.decks.get(deck_id)["desc"]
    assert bumped.report.lines() == [
        "card design changed (templates or CSS): Anki updates it on import with the default "
        "options.",
        "deck description changed: an import replaces the description the deck has in Anki "
        "(also one you edited there).",
    ]


def test_no_version_leaves_the_card_design_as_it_was():
    assert "pd-version" not in back_template(Design())
    assert "prepdeck:version" not in back_template(Design())


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("1.2.0", "1.2.0"),
        ("'2026-12'", "2026-12"),
        ("v1.2.0-rc.1+build.5", "v1.2.0-rc.1+build.5"),
        ("Spring 2026", "Spring 2026"),
        ("1.0", "1.0"),  # a YAML float, kept as written
        ("3", "3"),
        ("Версия 2", "Версия 2"),
    ],
)
def test_plain_versions_are_read_as_written(written, read):
    assert parse_deck_text(_deck(written), "d.yaml").version == read


@pytest.mark.parametrize(
    "written",
    [
        "'<b>1</b>'",
        "'1 & 2'",
        "'{{Tips}}'",
        "'[sound:x.mp3]'",
        "'\\(x\\)'",
        "'1.0\"'",
        "-1",
        "'1.'",
        "'#1'",
        "'" + "1" * 33 + "'",
        "[1, 2]",
    ],
)
def test_versions_with_markup_or_too_long_are_refused_with_their_line(written):
    with pytest.raises(DeckFileError) as info:
        parse_deck_text(_deck(written), "d.yaml")

    (problem,) = info.value.problems
    assert (problem.path, problem.line) == ("d.yaml", 4)
    assert problem.message.startswith("deck.version: ")
