"""The collection inside an Anki package: note types, decks and notes, read as untrusted data.

Only the tables and columns prepdeck needs are read, through sqlitesafe (plain tables, stored
columns, a wall-clock deadline). Every value is checked for its type and size before it is
used: text lengths are measured in SQL before the text is fetched, fields are counted before
they are split, JSON nesting is measured before it is parsed, protobuf is decoded by a reader
that refuses truncation. Every refusal names the table or note it is about.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from typing import NamedTuple

from prepdeck.builds.state import MAX_TIME
from prepdeck.sources.sqlitesafe import DatabaseRefused, Deadline, columns, rows, tables

MAX_NOTES = 250_000  # above the largest deck prepdeck is benchmarked on (100,000 questions)
MAX_CARDS = 1_000_000
MAX_ROWS = 10_000  # note types, their fields and card types, decks
MAX_FIELDS = 1_000  # fields in one note
MAX_FIELD_CHARS = 2_000_000  # one field (a prepdeck deck's longest is about 1.2 million)
MAX_NOTE_CHARS = 8_000_000  # one note's fields together
MAX_TAGS_CHARS = 100_000  # one note's tags together
MAX_TOTAL_CHARS = 200_000_000  # all notes' fields and tags together
MAX_TEXT_CHARS = 1_000_000  # a card template, a deck description, a protobuf config (bytes)
MAX_NAME_CHARS = 1_000  # a note type's, field's or deck's name; a note's GUID
MAX_JSON_CHARS = 16_000_000  # the `col` row's note types and decks (older collections)
MAX_JSON_DEPTH = 32  # Anki's own JSON nests 4 deep
# A JSON string, closed or not: it matches wherever a quote starts, so no search backtracks.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.S)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


class NoteType(NamedTuple):
    id: int
    name: str
    fields: tuple[str, ...]
    cloze: bool
    front: str = ""  # the first card type's front template


class Deck(NamedTuple):
    name: str  # "Parent::Child"
    description: str  # HTML


class AnkiNote(NamedTuple):
    id: int
    notetype: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str  # the deck of the note's first card, "Parent::Child"
    guid: str = ""
    mod: int = 0  # when the note last changed, in seconds


class Collection(NamedTuple):
    notetypes: dict[int, NoteType]
    notes: list[AnkiNote]
    decks: dict[int, Deck]


# Column kinds: ("int", low, high), ("text", max chars), ("blob", max bytes: NULL reads b"").
INT = ("int", -(2**63), 2**63 - 1)
TIME = ("int", 0, MAX_TIME)
NAME = ("text", MAX_NAME_CHARS)


def read_collection(con: sqlite3.Connection, deadline: Deadline) -> Collection:
    """Everything prepdeck needs from an open collection; DatabaseRefused says what is wrong."""
    have = tables(con, deadline)
    if not {"notes", "cards", "col"} <= have.keys():
        raise DatabaseRefused("its database is not an Anki collection (no notes table)")
    if "notetypes" in have:
        notetypes, decks = _schema18(con, deadline)
    else:
        notetypes, decks = _schema11(con, deadline)
    notes = _notes(con, deadline)
    first = _first_decks(con, deadline, {n[0] for n in notes})
    return Collection(
        notetypes,
        [
            AnkiNote(nid, mid, fields, tags, decks.get(first.get(nid, 0), Deck("", "")).name, g, m)
            for nid, mid, fields, tags, g, m in notes
        ],
        decks,
    )


def _select(
    con: sqlite3.Connection,
    deadline: Deadline,
    table: str,
    spec: dict[str, tuple],
    *,
    limit: int,
    noun: str,
    name: str,
    defaults: dict[str, object] | None = None,
    where: str = "",
) -> Iterator[tuple]:
    """Rows of `table`, each value checked against its kind in SQL before it is fetched.

    `name` locates a row by its first value ("note {}"). SQLite hands over a value only when
    it has the right type and size; a row that fails a check comes with the first failure."""
    defaults = defaults or {}
    have = columns(con, table, tuple(spec), deadline)
    checks, values = [], []
    for column, kind in spec.items():
        if column not in have:
            if column not in defaults:
                raise DatabaseRefused(f"table {table}: has no column {column}")
            values.append(_literal(defaults[column]))
            continue
        if kind[0] == "int":
            good = f"typeof({column}) = 'integer' and {column} between {kind[1]} and {kind[2]}"
            checks.append(
                f"when typeof({column}) != 'integer' then '{column} ' || typeof({column}) "
                f"when not ({good}) then '{column} range ' || {column}"
            )
        else:  # text or blob: measured before it is fetched
            types = "'text'" if kind[0] == "text" else "'blob', 'null'"
            good = f"typeof({column}) in ({types}) and length({column}) <= {kind[1]}"
            checks.append(
                f"when typeof({column}) not in ({types}) then '{column} ' || typeof({column}) "
                f"when not ({good}) then '{column} long ' || length({column})"
            )
        values.append(f"case when {good} then {column} end")
    (count,) = next(
        rows(con, f"select count(*) from {table}", deadline=deadline, what=table, limit=1)
    )
    if count > limit:  # counted before any row is read into Python
        raise DatabaseRefused(f"table {table}: holds {count:,} {noun}, over the limit of {limit:,}")
    verdict = f"case {' '.join(checks)} end" if checks else "NULL"
    sql = f"select {verdict}, {', '.join(values)} from {table} {where}"
    found = rows(con, sql, deadline=deadline, what=f"table {table}", limit=limit, noun=noun)
    for number, (bad, *row) in enumerate(found, 1):
        if bad is not None:
            at = name.format(row[0]) if row[0] is not None else f"table {table}, row {number}"
            column, problem = bad.split(" ", 1)
            raise DatabaseRefused(_refusal(f"{at}: column {column}", problem, spec[column]))
        yield row


def _literal(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else str(int(value))  # type: ignore[call-overload]


def _refusal(what: str, problem: str, kind: tuple) -> str:
    """What is wrong with a value that failed its check in SQL ("real", "range 9", "long 7")."""
    word, _, number = problem.partition(" ")
    if word == "range":
        return f"{what} is {number}, outside {kind[1]} to {kind[2]}"
    if word == "long":
        unit = "characters" if kind[0] == "text" else "bytes"
        return f"{what} is {int(number):,} {unit} long, over the limit of {kind[1]:,}"
    wanted = {"int": "a whole number", "text": "text", "blob": "binary data"}[kind[0]]
    return f"{what} is {_type_name(word)}, where {wanted} belongs"


def _type_name(type_: str) -> str:
    return {
        "null": "empty (NULL)",
        "real": "a decimal number",
        "integer": "a number",
        "text": "text",
        "blob": "binary data",
    }.get(type_, type_)


def _notes(con: sqlite3.Connection, deadline: Deadline) -> list[tuple]:
    """(id, notetype, fields, tags, guid, mod) for every note, by id."""
    spec = {
        "id": INT,
        "mid": INT,
        "flds": ("text", MAX_NOTE_CHARS),
        "tags": ("text", MAX_TAGS_CHARS),
        "guid": NAME,
        "mod": TIME,
    }
    found = _select(
        con,
        deadline,
        "notes",
        spec,
        limit=MAX_NOTES,
        noun="notes",
        name="note {}",
        defaults={"guid": "", "mod": 0},  # collections Anki writes have them; tests may not
    )
    notes = []
    total = 0
    for nid, mid, flds, tags, guid, mod in found:
        total += len(flds) + len(tags)
        if total > MAX_TOTAL_CHARS:
            raise DatabaseRefused(
                f"table notes: its notes hold more than {MAX_TOTAL_CHARS:,} characters in all, "
                "the limit; export only the deck you want"
            )
        count = flds.count("\x1f") + 1
        if count > MAX_FIELDS:
            raise DatabaseRefused(
                f"note {nid}: has {count:,} fields, over the limit of {MAX_FIELDS}"
            )
        fields = tuple(flds.split("\x1f"))
        longest = max(fields, key=len)
        if len(longest) > MAX_FIELD_CHARS:
            raise DatabaseRefused(
                f"note {nid}: field {fields.index(longest) + 1} is {len(longest):,} characters "
                f"long, over the limit of {MAX_FIELD_CHARS:,}"
            )
        notes.append((nid, mid, fields, tuple(tags.split()), guid, mod))
    notes.sort(key=lambda n: n[0])
    return notes


def _first_decks(con: sqlite3.Connection, deadline: Deadline, nids: set[int]) -> dict[int, int]:
    """The deck of each note's first card (lowest card type number)."""
    spec = {"nid": INT, "did": INT, "ord": INT}
    found = _select(
        con, deadline, "cards", spec, limit=MAX_CARDS, noun="cards", name="a card of note {}"
    )
    first: dict[int, tuple[int, int]] = {}
    for nid, did, ord_ in found:
        if nid in nids and (nid not in first or (ord_, did) < first[nid]):
            first[nid] = (ord_, did)
    return {nid: did for nid, (_, did) in first.items()}


def _schema18(
    con: sqlite3.Connection, deadline: Deadline
) -> tuple[dict[int, NoteType], dict[int, Deck]]:
    """Anki 2.1.28+ keeps note types, fields and decks in their own tables."""
    blob = ("blob", MAX_TEXT_CHARS)
    fields: dict[int, list[tuple[int, str]]] = {}
    spec = {"ntid": INT, "ord": INT, "name": NAME}
    for ntid, ord_, name in _select(
        con, deadline, "fields", spec, limit=MAX_ROWS, noun="fields", name="a field of note type {}"
    ):
        fields.setdefault(ntid, []).append((ord_, name))
    fronts: dict[int, str] = {}
    spec = {"ntid": INT, "ord": INT, "config": blob}
    for ntid, ord_, config in _select(
        con, deadline, "templates", spec, limit=MAX_ROWS, noun="card types", name="card type {}"
    ):
        if ord_ == 0:  # CardTemplate.Config.q_format
            qfmt = _proto(config, f"card type 1 of note type {ntid}").get(1)
            fronts[ntid] = qfmt.decode("utf-8", "replace") if isinstance(qfmt, bytes) else ""
    notetypes = {}
    spec = {"id": INT, "name": NAME, "config": blob}
    for ntid, name, config in _select(
        con, deadline, "notetypes", spec, limit=MAX_ROWS, noun="note types", name="note type {}"
    ):
        kind = _proto(config, f"note type {ntid}").get(1)  # NotetypeConfig.kind: 1 = cloze
        names = tuple(n for _, n in sorted(fields.get(ntid, [])))
        notetypes[ntid] = NoteType(ntid, name, names, kind == 1, fronts.get(ntid, ""))
    decks = {}
    spec = {"id": INT, "name": NAME, "kind": blob}
    for did, name, kind in _select(
        con, deadline, "decks", spec, limit=MAX_ROWS, noun="decks", name="deck {}"
    ):
        decks[did] = Deck(name.replace("\x1f", "::"), _deck_description(kind, f"deck {did}"))
    return notetypes, decks


def _schema11(
    con: sqlite3.Connection, deadline: Deadline
) -> tuple[dict[int, NoteType], dict[int, Deck]]:
    """Older collections keep note types and decks as JSON in the `col` row."""
    text = ("text", MAX_JSON_CHARS)
    found = list(
        _select(
            con,
            deadline,
            "col",
            {"models": text, "decks": text},
            limit=1,
            noun="rows",
            name="table col",
            where="limit 1",
        )
    )
    if not found:
        raise DatabaseRefused("table col: is empty")
    ((models_json, decks_json),) = found
    deadline.check("table col")
    models = _mapping(_json(models_json, "col.models"), "col.models")
    decks = _mapping(_json(decks_json, "col.decks"), "col.decks")
    deadline.check("table col")
    notetypes = {}
    for key, m in models.items():
        ntid = _json_id(key, "col.models: a note type")
        where = f"col.models: note type {ntid}"
        m = _mapping(m, where)
        flds = [_mapping(f, f"{where}: a field") for f in _list(m.get("flds", []), where)]
        tmpls = [_mapping(t, f"{where}: a card type") for t in _list(m.get("tmpls", []), where)]
        flds.sort(key=lambda f: _json_int(f.get("ord", 0), f"{where}: a field's ord"))
        tmpls.sort(key=lambda t: _json_int(t.get("ord", 0), f"{where}: a card type's ord"))
        notetypes[ntid] = NoteType(
            ntid,
            _json_text(m.get("name", ""), f"{where}: name", MAX_NAME_CHARS),
            tuple(
                _json_text(f.get("name", ""), f"{where}: a field's name", MAX_NAME_CHARS)
                for f in flds
            ),
            m.get("type") == 1,
            _json_text(tmpls[0].get("qfmt", ""), f"{where}: qfmt", MAX_TEXT_CHARS) if tmpls else "",
        )
    out = {}
    for key, d in decks.items():
        did = _json_id(key, "col.decks: a deck")
        where = f"col.decks: deck {did}"
        d = _mapping(d, where)
        out[did] = Deck(
            _json_text(d.get("name", ""), f"{where}: name", MAX_NAME_CHARS),
            _json_text(d.get("desc", ""), f"{where}: desc", MAX_TEXT_CHARS),
        )
    return notetypes, out


def _json(text: str, what: str) -> object:
    """JSON whose nesting was measured first: a deep document never reaches the parser."""
    brackets = _NOT_BRACKETS.sub("", _JSON_STRING.sub("", text))
    depth = 0
    for bracket in brackets:  # a closing one too many is the parser's error to report
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise DatabaseRefused(f"{what}: nested more than {MAX_JSON_DEPTH} deep, the limit")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise DatabaseRefused(f"{what}: not valid JSON ({str(err)[:120]})") from None


def _mapping(value: object, what: str) -> dict:
    if not isinstance(value, dict):
        raise DatabaseRefused(f"{what}: {_json_kind(value)} where a JSON object belongs")
    if len(value) > MAX_ROWS:
        raise DatabaseRefused(f"{what}: holds more than {MAX_ROWS:,} entries, the limit")
    return value


def _list(value: object, what: str) -> list:
    if not isinstance(value, list):
        raise DatabaseRefused(f"{what}: {_json_kind(value)} where a JSON list belongs")
    return value


def _json_int(value: object, what: str) -> int:
    if type(value) is not int or not -(2**63) <= value < 2**63:
        raise DatabaseRefused(f"{what}: {_json_kind(value)} where a whole number belongs")
    return value


def _json_id(key: str, what: str) -> int:
    if not key.isascii() or not key.lstrip("-").isdigit() or len(key) > 20:
        raise DatabaseRefused(f"{what}: its id is not a number")
    return _json_int(int(key), what)


def _json_text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise DatabaseRefused(f"{what}: {_json_kind(value)} where text belongs")
    if len(value) > limit:
        raise DatabaseRefused(
            f"{what}: {len(value):,} characters long, over the limit of {limit:,}"
        )
    return value


def _json_kind(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return "a number out of range" if abs(value) >= 2**63 else "a number"
    return {float: "a decimal number", str: "text", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


def _proto(data: bytes, what: str) -> dict[int, object]:
    """The top-level fields of a protobuf message: varints as int, the rest as bytes."""
    out: dict[int, object] = {}
    i = 0

    def varint() -> int:
        nonlocal i
        value = 0
        for shift in range(0, 70, 7):  # ten bytes hold any 64-bit value
            if i >= len(data):
                break
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
        raise DatabaseRefused(f"{what}: its settings are damaged (a number is cut off)")

    while i < len(data):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            out[field] = varint()
        elif wire in (1, 2, 5):
            size = {1: 8, 5: 4}.get(wire) or varint()
            if i + size > len(data):
                raise DatabaseRefused(f"{what}: its settings are damaged (cut off)")
            if wire == 2:
                out[field] = data[i : i + size]
            i += size
        else:
            raise DatabaseRefused(f"{what}: its settings are damaged (wire type {wire})")
    return out


def _deck_description(kind: bytes, what: str) -> str:
    """Deck.KindContainer -> normal (1) -> description (4); empty for a filtered deck."""
    normal = _proto(kind, what).get(1)
    desc = _proto(normal, what).get(4) if isinstance(normal, bytes) else None
    return desc.decode("utf-8", "replace") if isinstance(desc, bytes) else ""
