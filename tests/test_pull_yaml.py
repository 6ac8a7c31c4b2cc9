"""`prepdeck pull --write` edits the deck file in place, whatever style it is written in.

Comments stay comments where they were, aliases and flow mappings take edits, a byte order
mark and CRLF line ends are kept (issue 20.6 and 20.13). Each test builds a small deck,
imports it into a real Anki collection, edits the note there, exports and pulls.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prepdeck.builds.pipeline import build_deck
from prepdeck.deckfile.load import load_deck
from prepdeck.errors import PrepdeckError
from prepdeck.exchange.pull import pull
from test_pull import _export

HEAD = "deck:\n  key: small\n  name: Small\nquestions:\n"


def _pulled(tmp_path, anki, text: str | bytes, qid: str, **fields) -> tuple[Path, object]:
    """Build `text` as a deck, import it, set `fields` of note `qid` in Anki, export, pull."""
    folder = tmp_path / "decks"
    folder.mkdir(exist_ok=True)
    deck = folder / "small.yaml"
    deck.write_bytes(text if isinstance(text, bytes) else text.encode())
    anki.import_apkg(build_deck(deck, out_dir=tmp_path / "dist").output)
    note = anki.note(qid)
    for name, value in fields.items():
        note[name] = value
    anki.col.update_note(note)
    anki.col.db.execute("update notes set mod = mod + 60 where id = ?", note.id)
    result = pull(deck, str(_export(anki, tmp_path, "apkg")), write=True)
    return deck, result


def _question(deck: Path, qid: str):
    return next(q for q in load_deck(deck).questions if q.id == qid)


def test_a_comment_after_a_value_pulled_into_a_block_stays_a_comment(tmp_path, anki):
    text = HEAD + (
        "  - id: a\n    topic: T\n    question: Q?\n    tips: [x]\n"
        "    example: Short answer  # PRIVATE: not for the card\n"
    )
    deck, _ = _pulled(tmp_path, anki, text, "a", Example="<p>Line one</p><p>Line two</p>")

    assert _question(deck, "a").example == "Line one\n\nLine two"
    assert "# PRIVATE: not for the card" in deck.read_text()
    rebuilt = build_deck(deck, out_dir=tmp_path / "dist")
    assert rebuilt.report.unchanged


def test_a_comment_on_a_block_header_stays(tmp_path, anki):
    text = HEAD + (
        "  - id: a\n    topic: T\n    question: Q?\n    tips: [x]\n"
        "    notes: |  # mine\n      Old\n      text\n"
    )
    deck, _ = _pulled(tmp_path, anki, text, "a", Notes="<p>New text</p>")

    assert _question(deck, "a").notes == "New text"
    assert "    notes: New text  # mine\n" in deck.read_text()


def test_comments_inside_and_after_a_tips_list_stay(tmp_path, anki):
    text = HEAD + (
        "  - id: a\n    topic: T\n    question: Q?\n    tips:\n"
        "      - one  # first\n"
        "      # between one and two\n"
        "      - two\n"
        "      - three\n"
        "    # after the tips\n"
        "    example: E\n"
    )
    deck, _ = _pulled(
        tmp_path, anki, text, "a", Tips="<ul><li>one</li><li>TWO</li><li>three</li></ul>"
    )

    assert deck.read_text() == text.replace("      - two\n", "      - TWO\n")


def test_tips_removed_and_added_in_anki_keep_the_other_lines(tmp_path, anki):
    text = HEAD + (
        "  - id: a\n    topic: T\n    question: Q?\n    tips:\n"
        "      - one  # first\n      # note\n      - two\n      - three\n"
    )
    deck, _ = _pulled(
        tmp_path, anki, text, "a", Tips="<ul><li>one</li><li>three</li><li>four</li></ul>"
    )

    assert _question(deck, "a").tips == ("one", "three", "four")
    assert "- one  # first\n      # note\n" in deck.read_text()


def test_an_aliased_value_takes_the_edit_and_the_anchor_is_left_alone(tmp_path, anki):
    text = HEAD + (
        "  - id: a\n    topic: T\n    question: Q?\n    tips: [x]\n    example: &shared Same\n"
        "  - id: b\n    topic: T\n    question: R?\n    tips: &t [y, z]\n    example: *shared\n"
        "  - id: c\n    topic: T\n    question: S?\n    tips: *t\n"
    )
    deck, _ = _pulled(tmp_path, anki, text, "b", Example="<p>Changed</p>")

    assert (_question(deck, "a").example, _question(deck, "b").example) == ("Same", "Changed")
    assert _question(deck, "c").tips == ("y", "z")


def test_an_aliased_list_takes_the_edit(tmp_path, anki):
    text = HEAD + (
        "  - id: a\n    topic: T\n    question: Q?\n    tips: &t [y, z]\n"
        "  - id: c\n    topic: T\n    question: S?\n    tips: *t\n"
    )
    deck, _ = _pulled(tmp_path, anki, text, "c", Tips="<ul><li>y</li><li>w</li></ul>")

    assert (_question(deck, "a").tips, _question(deck, "c").tips) == (("y", "z"), ("y", "w"))


def test_an_anchor_that_others_repeat_is_not_changed_under_them(tmp_path, anki):
    text = HEAD + (
        "  - id: a\n    topic: T\n    question: Q?\n    tips: [x]\n    example: &shared Same\n"
        "  - id: b\n    topic: T\n    question: R?\n    tips: [y]\n    example: *shared\n"
    )
    with pytest.raises(PrepdeckError) as err:
        _pulled(tmp_path, anki, text, "a", Example="<p>Changed</p>")

    assert "'a': example edited in Anki cannot be written in place: 'example' is the YAML " in (
        str(err.value)
    )
    assert "anchor &shared, which other values repeat (*shared)" in str(err.value)
    assert (tmp_path / "decks" / "small.yaml").read_text() == text


def test_a_question_written_as_a_flow_mapping_takes_edits(tmp_path, anki):
    text = HEAD + "  - {id: a, topic: T, question: Q?, tips: [x, y], example: E}\n"
    deck, _ = _pulled(
        tmp_path,
        anki,
        text,
        "a",
        Tips="<ul><li>x</li><li>y, changed</li></ul>",
        Example="<p>Two</p><p>paragraphs</p>",
    )

    q = _question(deck, "a")
    assert (q.tips, q.example) == (("x", "y, changed"), "Two\n\nparagraphs")


@pytest.mark.parametrize("control", ["\r", "\x00", "\x07"])
def test_a_control_character_from_anki_is_removed_and_said(tmp_path, anki, control, monkeypatch):
    """Anki's editor strips these; another tool writing the collection may not."""
    text = HEAD + "  - id: a\n    topic: T\n    question: Q?\n    tips: [x]\n"
    real_update = anki.col.update_note

    def with_control(note):  # as a sync from another tool leaves the field
        real_update(note)
        flds = anki.col.db.scalar("select flds from notes where id = ?", note.id)
        flds = flds.replace("xy", f"x{control}y")
        anki.col.db.execute("update notes set flds = ? where id = ?", flds, note.id)

    monkeypatch.setattr(anki.col, "update_note", with_control)
    deck, result = _pulled(tmp_path, anki, text, "a", Tips="<ul><li>xy</li></ul>")

    assert _question(deck, "a").tips == (("x\ny",) if control == "\r" else ("xy",))
    assert result.edits[0].lines[-1] == (
        "removed 1 control character (invisible on a card; a deck file may not hold them)"
    )


def test_a_byte_order_mark_and_crlf_line_ends_are_kept(tmp_path, anki):
    text = HEAD + (
        "  - id: a\n    topic: T\n    question: Q?\n    tips:\n      - one\n      - two\n"
        "    example: E  # c\n"
    )
    raw = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    deck, _ = _pulled(
        tmp_path,
        anki,
        raw,
        "a",
        Tips="<ul><li>one</li><li>two</li><li>three</li></ul>",
        Example="<p>E1</p><p>E2</p>",
    )

    after = deck.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in after.replace(b"\r\n", b"")
    assert after.startswith(raw[: raw.index(b"      - two")])
    q = _question(deck, "a")
    assert (q.tips, q.example) == (("one", "two", "three"), "E1\n\nE2")


def test_a_tip_with_a_comment_pulled_into_a_block_keeps_the_comment_out_of_it(tmp_path, anki):
    text = HEAD + (
        "  - id: a\n    topic: T\n    question: Q?\n    tips:\n      - one  # PRIVATE\n"
        "      - two\n"
    )
    deck, _ = _pulled(
        tmp_path,
        anki,
        text,
        "a",
        Tips="<ul><li><p>line one</p><p>line two</p></li><li>two</li></ul>",
    )

    assert _question(deck, "a").tips == ("line one\n\nline two", "two")
    assert "# PRIVATE" in deck.read_text()


def test_the_last_tip_removed_and_a_value_added_in_one_pull(tmp_path, anki):
    text = HEAD + "  - id: a\n    topic: T\n    question: Q?\n    tips:\n      - one\n      - two\n"
    deck, _ = _pulled(tmp_path, anki, text, "a", Tips="<ul><li>one</li></ul>", Example="<p>New</p>")

    q = _question(deck, "a")
    assert (q.tips, q.example) == (("one",), "New")
