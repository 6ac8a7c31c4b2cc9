"""Fuzz the package reader that `prepdeck import` and `prepdeck pull` share.

Hypothesis takes real packages (one prepdeck built, schema 11; one Anki exported, schema 18),
mutates their collections (odd values in every column read, hostile JSON, views, generated
columns, dropped tables), packs them in every format (collection.anki2, .anki21, zstd .anki21b;
.apkg and .colpkg), corrupts bytes of the database or the zip, and feeds each to import and to
pull. The limits are lowered so that small inputs reach them. The promise: a PrepdeckError
message or success; never another exception, a hang, or a file written anywhere.

A short run is part of `make test`; `PREPDECK_HYPOTHESIS=thorough` runs it longer.
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import sqlite3
import tempfile
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prepdeck.builds.pipeline import build_deck
from prepdeck.errors import PrepdeckError
from prepdeck.exchange.pull import pull
from prepdeck.sources import ankidb, ankipkg
from prepdeck.sources.importer import import_source

from conftest import Anki

zstandard = pytest.importorskip("zstandard")

LOW_LIMITS = {
    (ankidb, "MAX_NOTES"): 500,
    (ankidb, "MAX_CARDS"): 1000,
    (ankidb, "MAX_ROWS"): 100,
    (ankidb, "MAX_FIELDS"): 40,
    (ankidb, "MAX_FIELD_CHARS"): 3000,
    (ankidb, "MAX_NOTE_CHARS"): 10_000,
    (ankidb, "MAX_TAGS_CHARS"): 500,
    (ankidb, "MAX_TOTAL_CHARS"): 200_000,
    (ankidb, "MAX_TEXT_CHARS"): 20_000,
    (ankidb, "MAX_NAME_CHARS"): 200,
    (ankidb, "MAX_JSON_CHARS"): 400_000,
    (ankidb, "MAX_JSON_DEPTH"): 8,
    (ankipkg, "MAX_COLLECTION_BYTES"): 4 << 20,
    (ankipkg, "MAX_SECONDS"): 20,
}
# Two questions keep a successful import cheap: most of its time is writing the YAML.
SMALL_DECK = """\
deck:
  key: fuzz-deck
  name: Fuzz Deck
questions:
  - id: first
    topic: One
    question: What is the first thing?
    tags: [a]
    tips:
      - A **first** tip.
    example: An example.
  - id: second
    topic: Two
    question: And the second?
    tips:
      - One tip.
      - Another tip.
"""
HANG = 60  # seconds: far past MAX_SECONDS, so only a hang outside the reader trips it

COLUMNS = {
    "notes": ("id", "guid", "mid", "mod", "usn", "tags", "flds"),
    "cards": ("nid", "did", "ord"),
    "col": ("models", "decks"),
    "notetypes": ("id", "name", "config"),
    "fields": ("ntid", "ord", "name"),
    "templates": ("ntid", "ord", "config"),
    "decks": ("id", "name", "kind"),
}
EXPRESSIONS = [
    "9e999",
    "-9e999",
    "printf('%.*c', 5000, char(31))",
    "printf('%.*c', 4000, 'a') || char(31) || printf('%.*c', 4000, 'b')",
    "printf('%.*c', 12000, 'x')",
    "zeroblob(30000)",
    "cast(x'c3c328ff' as text)",
    "x'08ffffffffffffffffffff01'",
    "x'0a05ab'",
    "x'0b'",
    "'9223372036854775807'",
    "9223372036854775807",
    "-9223372036854775808",
    "'{' || printf('%.*c', 50, '[')",
    "'[' || printf('%.*c', 20, '{\"a\":[') ",
    "char(31, 31, 31)",
]
SCHEMA_CHANGES = [
    ["alter table notes rename to n0", "create view notes as select * from n0"],
    [
        "pragma writable_schema = on",
        "update sqlite_master set sql = replace(sql, 'flds text', "
        "'flds text as (printf(''%.*c'', 100000, ''x''))') where name = 'notes'",
    ],
    [
        "pragma writable_schema = on",
        "update sqlite_master set sql = replace(sql, 'tags text', "
        "'tags text default (zeroblob(100000))') where name = 'notes'",
    ],
    ["drop table cards"],
    ["drop table notetypes"],
    ["drop table fields"],
    ["alter table notes drop column guid"],
    ["alter table notes drop column flds"],
    ["delete from col"],
    ["insert into cards select * from cards"],
    ["alter table cards rename to c0", "create virtual table cards using fts4(nid, did, ord)"],
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)
values = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.text(max_size=40),
    st.binary(max_size=40),
    st.none(),
    st.sampled_from(EXPRESSIONS).map(lambda sql: ("sql", sql)),
)
updates = st.sampled_from([(t, c) for t, cs in COLUMNS.items() for c in cs]).flatmap(
    lambda tc: st.tuples(st.just("update"), st.just(tc), values)
)
json_edits = st.tuples(
    st.just("json"),
    st.sampled_from(["models", "decks"]),
    st.sampled_from([None, "flds", "tmpls", "name", "type", "desc", "ord"]),
    json_values,
)
schema_edits = st.tuples(st.just("schema"), st.sampled_from(range(len(SCHEMA_CHANGES))))
mutations = st.lists(st.one_of(updates, json_edits, schema_edits), max_size=4)
damage = st.one_of(st.none(), st.tuples(st.integers(0, 1 << 20), st.binary(min_size=1, max_size=8)))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A built deck (for pull) and the two base collections, with the low limits in force."""
    root = tmp_path_factory.mktemp("fuzz")
    decks = root / "decks"
    decks.mkdir()
    deck_file = decks / "fuzz.yaml"
    deck_file.write_text(SMALL_DECK, encoding="utf-8")
    apkg = build_deck(deck_file, out_dir=root / "dist").output
    with zipfile.ZipFile(apkg) as zf:
        schema11 = zf.read("collection.anki2")
    anki = Anki(tmp_path_factory.mktemp("anki"))
    try:
        anki.import_apkg(apkg)
        from anki.collection import ExportAnkiPackageOptions

        exported = root / "export.apkg"
        options = ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
        )
        anki.col.export_anki_package(out_path=str(exported), options=options, limit=None)
    finally:
        anki.close()
    with zipfile.ZipFile(exported) as zf:
        compressed = zf.read("collection.anki21b")
    schema18 = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(compressed)).read()
    private = root / "tmp"  # prepdeck's temporary folders go here, to be counted
    private.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        for (module, name), value in LOW_LIMITS.items():
            mp.setattr(module, name, value)
        mp.setattr(tempfile, "tempdir", str(private))
        yield Project(deck_file, {"schema11": schema11, "schema18": schema18}, root)


class Project(NamedTuple):
    deck_file: Path
    bases: dict[str, bytes]
    root: Path

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return f"Project({self.root})"


def mutate(data: bytes, changes: list, folder: Path) -> bytes:
    db = folder / "c.sqlite"
    db.write_bytes(data)
    con = sqlite3.connect(db, isolation_level=None)
    for change in changes:  # a change this collection cannot take is left out
        with contextlib.suppress(sqlite3.Error, OverflowError, ValueError, TypeError):
            _apply(con, change)
    con.close()
    out = db.read_bytes()
    db.unlink()
    return out


def _apply(con: sqlite3.Connection, change: tuple) -> None:
    kind = change[0]
    if kind == "update":
        (table, column), value = change[1], change[2]
        target = f"rowid in (select rowid from {table} limit 1)"
        if isinstance(value, tuple):
            con.execute(f"update {table} set {column} = {value[1]} where {target}")
        else:
            con.execute(f"update {table} set {column} = ? where {target}", (value,))
    elif kind == "json":
        _, column, key, value = change
        (text,) = con.execute(f"select {column} from col").fetchone()
        whole = json.loads(text)
        if key is None or not isinstance(whole, dict) or not whole:
            whole = value
        else:
            first = next(iter(whole))
            if isinstance(whole[first], dict):
                whole[first][key] = value
        con.execute(f"update col set {column} = ?", (json.dumps(whole),))
    else:
        for sql in SCHEMA_CHANGES[change[1]]:
            con.execute(sql)


def damaged(data: bytes, hit) -> bytes:
    if hit is None or not data:
        return data
    offset, junk = hit
    offset %= len(data)
    return data[:offset] + junk + data[offset + len(junk) :]


def pack(folder: Path, data: bytes, member: str, suffix: str) -> Path:
    if member.endswith("21b"):
        data = zstandard.ZstdCompressor().compress(data)
    path = folder / f"deck{suffix}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(member, data)
        zf.writestr("media", b"{}")
    return path


def files_under(folder: Path) -> dict[str, tuple[int, int] | None]:
    """Every path, and each file's size and time (a folder's time changes as files come and go)."""
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns) if p.is_file() else None
        for p in folder.rglob("*")
    }


def _alarm(signum, frame):
    raise TimeoutError(f"no answer within {HANG} s: a hang")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    base=st.sampled_from(["schema11", "schema18"]),
    changes=mutations,
    db_damage=damage,
    member=st.sampled_from(["collection.anki2", "collection.anki21", "collection.anki21b"]),
    suffix=st.sampled_from([".apkg", ".colpkg"]),
    zip_damage=damage,
)
def test_import_and_pull_give_a_message_or_a_result(
    project, base, changes, db_damage, member, suffix, zip_damage
):
    deck_file, bases, root = project.deck_file, project.bases, project.root
    with tempfile.TemporaryDirectory(dir=root) as work:
        folder = Path(work)
        data = damaged(mutate(bases[base], changes, folder), db_damage)
        path = pack(folder, data, member, suffix)
        path.write_bytes(damaged(path.read_bytes(), zip_damage))
        before = files_under(root)
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(HANG)
        try:
            for run in (lambda: import_source(str(path)), lambda: pull(deck_file, str(path))):
                try:
                    run()
                except PrepdeckError as err:
                    assert str(err).startswith(str(path)), str(err)
                    assert "Traceback" not in str(err) and len(str(err)) < 1000
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        assert files_under(root) == before  # nothing written, nothing left in tmp/
