"""Fuzz `prepdeck pull --write`: any deck file style x any text edited in Anki.

Hypothesis writes small deck files in every style the loader takes (block and flow
mappings, plain, quoted and literal values, comments after values and between tips,
aliases, CRLF line ends, a byte order mark), builds each, and edits one field of one note
in the package as Anki would hold it (any text: controls, HTML, Markdown; never \\x1f, which
Anki itself refuses), with a later time. Then `pull --write` must either give a PrepdeckError
message or succeed; on success the file loads, the pulled question reads back exactly as
Anki holds it (pull finds nothing more to bring back), the other questions' lines are
byte-identical, and nothing is written outside the deck's folder.

The default run is short (the profile in conftest.py); `PREPDECK_HYPOTHESIS=thorough` runs
it longer.
"""

from __future__ import annotations

import html
import sqlite3
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prepdeck.builds.pipeline import build_deck
from prepdeck.cards.notetype import FIELDS, note_guid
from prepdeck.deckfile.load import load_deck
from prepdeck.errors import PrepdeckError
from prepdeck.exchange.pull import _edit, pull
from prepdeck.sources.ankipkg import read_package

WORDS = st.text(alphabet="abcdefghij XYZ", min_size=1, max_size=12).map(str.strip).filter(bool)
ANY_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x1f"), max_size=60
)
FIELD_TEXT = st.one_of(
    ANY_TEXT,
    st.lists(
        st.sampled_from(
            [
                "a",
                " ",
                "\n",
                "<b>",
                "</b>",
                "<p>",
                "</p>",
                "<br>",
                "*",
                "_",
                "# ",
                "- ",
                "1. ",
                "&amp;",
                "&#91;",
                "[sound:x.mp3]",
                "<img src=x>",
                "\\",
                "`",
                "\r",
                "\x00",
                "word",
            ]
        ),
        max_size=20,
    ).map("".join),
)


def _value(text: str, style: str, indent: int) -> str:
    """`text` as YAML in one of the styles a deck file may use (a word-only text)."""
    if style == "plain":
        return text
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    if style == "double":
        return '"' + text + '"'
    return "|\n" + " " * (indent + 2) + text  # a literal block


@st.composite
def decks(draw):
    """A small deck file's text and the ids of its questions, in a random style."""
    n = draw(st.integers(1, 3))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.booleans())
    comment = draw(st.sampled_from(["", "  # note", "  # PRIVATE: secret"]))
    lines = ["# a deck", "deck:", "  key: fuzz", "  name: Fuzz", "questions:"]
    chunks = []
    anchor = False
    for i in range(n):
        qid = f"q{i}"
        flow = draw(st.booleans())
        question = draw(WORDS) + "?"
        tips = draw(st.lists(WORDS, min_size=1, max_size=4))
        example = draw(WORDS)
        if flow:
            tip_list = ", ".join(tips)
            chunk = [
                f"  - {{id: {qid}, topic: T, question: {question}, tips: [{tip_list}], "
                f"example: {example}}}{comment}"
            ]
        else:
            style = draw(st.sampled_from(["plain", "single", "double", "block"]))
            chunk = [f"  - id: {qid}", "    topic: T", f"    question: {question}"]
            if draw(st.booleans()):
                chunk.append("    tips: [" + ", ".join(tips) + "]" + comment)
            else:
                chunk.append("    tips:")
                for t in tips:
                    chunk.append(f"      - {t}{comment}")
                    if comment and draw(st.booleans()):
                        chunk.append("      # between tips")
                chunk.append("    # after the tips")
            if i > 0 and anchor and draw(st.booleans()):
                chunk.append("    example: *ex")
            elif i == 0 and draw(st.booleans()):
                anchor = True
                chunk.append(f"    example: &ex {example}{comment}")
            else:
                value = _value(example, style, 4)
                chunk.append(f"    example: {value}" + ("" if style == "block" else comment))
        chunks.append([line.replace("\n", newline) for line in chunk])
    text = newline.join(lines + [line for c in chunks for line in c]) + newline
    data = ("\ufeff" if bom else "") + text
    return data.encode("utf-8"), [newline.join(c) for c in chunks], n


def _edited_package(apkg: Path, out: Path, guid: str, field: str, value: str) -> None:
    """The built package with one note's field as Anki would hold it after an edit."""
    folder = out.parent / "unpacked"
    folder.mkdir()
    with zipfile.ZipFile(apkg) as zf:
        zf.extractall(folder)
    db = sqlite3.connect(folder / "collection.anki2")
    flds = db.execute("select flds from notes where guid = ?", (guid,)).fetchone()[0].split("\x1f")
    flds[FIELDS.index(field)] = value
    db.execute(
        "update notes set flds = ?, mod = mod + 60 where guid = ?", ("\x1f".join(flds), guid)
    )
    db.commit()
    db.close()
    with zipfile.ZipFile(out, "w") as zf:
        for name in ("collection.anki2", "media"):
            zf.write(folder / name, name)


# Each example builds and pulls a deck (about a second): a fifth of the profile's examples.
@settings(
    max_examples=max(10, settings.default.max_examples // 5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    deck=decks(),
    which=st.integers(0, 2),
    field=st.sampled_from(["Tips", "Example", "Notes", "Question"]),
    text=FIELD_TEXT,
    as_list=st.booleans(),
)
def test_pull_write_never_corrupts_a_deck_file(tmp_path_factory, deck, which, field, text, as_list):
    data, chunks, n = deck
    qid = f"q{which % n}"
    root = tmp_path_factory.mktemp("fuzz")
    decks_dir = root / "decks"
    decks_dir.mkdir()
    path = decks_dir / "fuzz.yaml"
    path.write_bytes(data)
    built = build_deck(path, out_dir=root / "dist")
    value = text
    if field == "Tips" and as_list:
        value = "<ul>" + "".join(f"<li>{html.escape(t)}</li>" for t in text.split("\n")) + "</ul>"
    export = root / "export" / "edited.apkg"
    export.parent.mkdir()
    _edited_package(built.output, export, note_guid("fuzz", qid), field, value)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}

    try:
        pull(path, str(export), write=True)
    except PrepdeckError:
        assert path.read_bytes() == data  # a refused pull writes nothing
        return

    after = path.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") == data.startswith(b"\xef\xbb\xbf")
    if b"\r\n" in data:
        assert b"\n" not in after.replace(b"\r\n", b"")
    deck_after = load_deck(path)
    q = next(q for q in deck_after.questions if q.id == qid)
    note = next(x for x in read_package(str(export)).notes if x.guid == note_guid("fuzz", qid))
    from prepdeck.exchange.pull import _our_notes

    package = read_package(str(export))
    ours = {nt.id for nt in package.notetypes.values()}
    (cleaned,) = [x for x in _our_notes(package, ours, "x", {}) if x.guid == note.guid]
    assert _edit(q, cleaned).values == {}  # the file now holds what Anki holds
    text_after = after.decode("utf-8-sig")
    for i, chunk in enumerate(chunks):
        if f"q{i}" != qid and "*ex" not in chunk and "&ex" not in chunk:
            assert chunk in text_after  # other questions' lines, byte for byte
    changed = {p for p in root.rglob("*") if p.is_file() and before.get(p) != p.read_bytes()}
    assert changed <= {path, decks_dir / "fuzz.state.json"}
