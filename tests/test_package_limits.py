"""Issue 20's attacks on the package reader, each as the attacker wrote it: a tiny package must
not exhaust memory, a small one must not hang, no value may give a traceback, and every refusal
names the package and the note or table it is about. `import` and `pull` share the reader."""

from __future__ import annotations

import json
import os
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from prepdeck.builds.pipeline import build_deck
from prepdeck.cli import cli
from prepdeck.errors import PrepdeckError
from prepdeck.exchange.pull import pull
from prepdeck.sources import ankidb, ankipkg, sqlitesafe
from prepdeck.sources.ankipkg import PackageError, read_package

BASIC = {
    "1": {
        "name": "Basic",
        "type": 0,
        "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}],
        "tmpls": [{"name": "Card 1", "ord": 0, "qfmt": "{{Front}}"}],
    }
}
NOTES = "create table notes (id integer primary key, guid, mid, mod, usn, tags, flds)"


def collection(tmp_path: Path, *statements: str, notes: str | None = NOTES, models=BASIC) -> bytes:
    """A schema-11 collection (what genanki and Anki's legacy export write), then `statements`."""
    db = tmp_path / "c.sqlite"
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.execute("create table col (id, models, decks)")
    con.execute("insert into col values (1, ?, '{}')", (json.dumps(models),))
    con.execute("create table cards (id integer primary key, nid, did, ord)")
    if notes:
        con.execute(notes)
    for sql in statements:
        con.execute(sql)
    con.commit()
    con.close()
    data = db.read_bytes()
    db.unlink()
    return data


def package(path: Path, data: bytes, member: str = "collection.anki2") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(member, data)
    return path


def import_refused(tmp_path: Path, source: Path | str, *needles: str) -> str:
    out = tmp_path / "decks" / "x.yaml"
    result = CliRunner().invoke(cli, ["import", str(source), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr
    assert not out.exists()
    return result.stderr


def note(nid=1, flds="'Question?' || char(31) || 'A tip'", mod="1700000000", tags="''") -> str:
    return f"insert into notes values ({nid}, 'g', 1, {mod}, -1, {tags}, {flds})"


# Item 2: a tiny package exhausts memory.


def test_a_generated_fields_column_is_refused_before_it_is_computed(tmp_path):
    """5 KB package, 2.5 GB peak: flds computed by printf on every read."""
    data = collection(  # written plain, then made generated (SQLite would compute it on insert)
        tmp_path,
        note(),
        "pragma writable_schema = on",
        "update sqlite_master set sql = replace(sql, 'tags, flds)', "
        "'tags, flds as (printf(''%.*c'', 2500000000, ''x'')))') where name = 'notes'",
    )
    source = package(tmp_path / "gen.apkg", data)
    assert source.stat().st_size < 5_000

    import_refused(tmp_path, source, "gen.apkg: table notes: column flds is computed, not stored")


@pytest.mark.parametrize(
    "schema, message",
    [
        (
            [
                "create table n0 (id, guid, mid, mod, usn, tags, flds)",
                "insert into n0 values (1, 'g', 1, 1, -1, '', 'q' || char(31) || 't')",
                "create view notes as select id, guid, mid, mod, usn, tags, "
                "flds || substr(printf('%.*c', 100000000, 'x'), 1, 0) as flds from n0",
            ],
            "table notes: is a view, not a table",
        ),
        (
            ["create virtual table notes using fts4(id, guid, mid, mod, usn, tags, flds)"],
            "table notes: is a virtual table, not a table",
        ),
        (
            [
                "create table notes (id integer primary key, guid, mid, mod, usn, tags)",
                "insert into notes values (1, 'g', 1, 1, -1, '')",
                "alter table notes add column flds default ''",
                "pragma writable_schema = on",
                "update sqlite_master set sql = replace(sql, 'default ''''', "
                "'default (printf(''%.*c'', 400000000, ''x''))') where name = 'notes'",
            ],
            "table notes: column flds has an expression as its default value",
        ),
    ],
    ids=["view", "virtual-table", "default-expression"],
)
def test_a_table_that_runs_code_on_read_is_refused(tmp_path, schema, message):
    source = package(tmp_path / "code.apkg", collection(tmp_path, *schema, notes=None))
    import_refused(tmp_path, source, f"code.apkg: {message}")


def test_fields_full_of_unit_separators_are_counted_before_they_are_split(tmp_path):
    """1 MB of \\x1f: a million empty fields."""
    data = collection(tmp_path, note(flds="printf('%.*c', 1000000, char(31))"))
    source = package(tmp_path / "sep.apkg", data)

    import_refused(
        tmp_path, source, "sep.apkg: note 1: has 1,000,001 fields, over the limit of 1000"
    )


def test_a_field_over_the_limit_is_refused_by_name(tmp_path):
    big = f"'Q' || char(31) || printf('%.*c', {ankidb.MAX_FIELD_CHARS + 1}, 'a')"
    source = package(tmp_path / "field.apkg", collection(tmp_path, note(nid=7, flds=big)))

    import_refused(
        tmp_path, source, "field.apkg: note 7: field 2 is 2,000,001 characters long, over the limit"
    )


def test_all_notes_together_have_a_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(ankidb, "MAX_TOTAL_CHARS", 100)
    rows = [note(nid=n, flds="printf('%.*c', 30, 'a') || char(31) || 'b'") for n in range(1, 5)]
    source = package(tmp_path / "all.apkg", collection(tmp_path, *rows))

    import_refused(tmp_path, source, "table notes: its notes hold more than 100 characters in all")


@pytest.fixture
def built(deck_file, tmp_path):
    """The shipped deck, built: its package is what Anki would export, and it has a state."""
    return build_deck(deck_file, out_dir=tmp_path / "dist").output


def export_with(built: Path, target: Path, *statements: str) -> Path:
    """The built package with its collection changed by SQL, as a hostile export."""
    with zipfile.ZipFile(built) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    db = target.with_suffix(".sqlite")
    db.write_bytes(members["collection.anki2"])
    con = sqlite3.connect(db)
    for sql in statements:
        con.execute(sql)
    con.commit()
    con.close()
    members["collection.anki2"] = db.read_bytes()
    db.unlink()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return target


def test_pull_has_a_field_size_limit(deck_file, built, tmp_path):
    """A 50 MB field in a 128 KB package."""
    export = export_with(
        built,
        tmp_path / "export.apkg",
        "update notes set flds = flds || printf('%.*c', 50000000, 'a') "
        "where id = (select min(id) from notes)",
    )
    assert export.stat().st_size < 200_000
    nid = sqlite_value(built, "select min(id) from notes")
    before = deck_file.read_bytes()

    with pytest.raises(PrepdeckError) as caught:
        pull(deck_file, str(export), write=True)

    assert str(caught.value).startswith(f"{export}: note {nid}: column flds is 50,00")
    assert "characters long, over the limit of 8,000,000" in str(caught.value)
    assert deck_file.read_bytes() == before


def sqlite_value(apkg: Path, sql: str):
    with zipfile.ZipFile(apkg) as zf:
        data = zf.read("collection.anki2")
    db = apkg.with_suffix(".probe.sqlite")
    db.write_bytes(data)
    con = sqlite3.connect(db)
    (value,) = con.execute(sql).fetchone()
    con.close()
    db.unlink()
    return value


# Item 3: a small package hangs import and pull.


def test_three_million_plain_notes_are_refused_before_any_is_read(tmp_path):
    data = collection(
        tmp_path,
        "with recursive n(x) as (select 1 union all select x + 1 from n where x < 3000000) "
        "insert into notes (id) select x from n",  # counted before any is read: no need of more
    )
    source = package(tmp_path / "many.apkg", data)

    import_refused(
        tmp_path, source, "many.apkg: table notes: holds 3,000,000 notes, over the limit"
    )


def test_the_deadline_stops_sqlite_between_steps(tmp_path):
    """One query that would run for minutes stops when the wall clock passes the deadline."""
    db = tmp_path / "x.sqlite"
    sqlite3.connect(db).close()
    con = sqlitesafe.open_untrusted(db, sqlitesafe.Deadline(0))
    query = "with recursive n(x) as (select 1 union all select x + 1 from n) select max(x) from n"

    with pytest.raises(sqlitesafe.DatabaseRefused) as caught:
        list(sqlitesafe.rows(con, query, deadline=sqlitesafe.Deadline(0), what="t", limit=1))

    assert str(caught.value) == "t: reading took longer than 0 s, the limit"


def test_pull_stops_at_the_deadline_too(deck_file, built, monkeypatch):
    monkeypatch.setattr(ankipkg, "MAX_SECONDS", 0)

    with pytest.raises(PrepdeckError) as caught:
        pull(deck_file, str(built))

    assert "reading it took longer than 0 s, the limit" in str(caught.value)


# Item 7: tracebacks.


@pytest.mark.parametrize(
    "row, message",
    [
        (note(mod="9e999"), "note 1: column mod is a decimal number, where a whole number belongs"),
        (note(mod="'soon'"), "note 1: column mod is text, where a whole number belongs"),
        (note(mod="NULL"), "note 1: column mod is empty (NULL), where a whole number belongs"),
        (note(mod="-5"), "note 1: column mod is -5, outside 0 to 4102444800"),
        (note(mod="9223372036854775807"), "note 1: column mod is 9223372036854775807, outside"),
        (note(nid="'one'"), "table notes, row 1: column id is text, where a whole number"),
        (note(flds="x'00ff'"), "note 1: column flds is binary data, where text belongs"),
        (note(flds="12"), "note 1: column flds is a number, where text belongs"),
        (note(flds="NULL"), "note 1: column flds is empty (NULL), where text belongs"),
        (note(tags="x'41'"), "note 1: column tags is binary data, where text belongs"),
        (note(tags="printf('%.*c', 100001, 't')"), "note 1: column tags is 100,001 characters"),
        (
            "insert into notes values (1, printf('%.*c', 1001, 'g'), 1, 1, -1, '', 'q')",
            "note 1: column guid is 1,001 characters long, over the limit of 1,000",
        ),
        (
            "insert into cards values (1, 'one', 1, 0)",
            "table cards, row 1: column nid is text, where a whole number belongs",
        ),
        ("insert into cards values (1, 1, 1.5, 0)", "a card of note 1: column did is a decimal"),
    ],
)
def test_every_value_of_the_wrong_kind_is_a_located_message(tmp_path, row, message):
    data = collection(tmp_path, row, notes=NOTES.replace(" primary key", ""))
    source = package(tmp_path / "odd.apkg", data)

    import_refused(tmp_path, source, f"odd.apkg: {message}")


@pytest.mark.parametrize(
    "models, message",
    [
        (
            '{"1": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "col.models: nested more than 32 deep, the limit",
        ),
        ("[" * 100_000, "col.models: nested more than 32 deep"),  # never closed
        ('{"1": 1e999}', "col.models: note type 1: a decimal number where a JSON object belongs"),
        ('{"x": {}}', "col.models: a note type: its id is not a number"),
        ('{"99999999999999999999": {}}', "col.models: a note type: a number out of range where"),
        (
            '{"1": {"flds": [{"ord": "first"}]}}',
            "col.models: note type 1: a field's ord: text where a",
        ),
        ('{"1": {"flds": [{"ord": 1e400}]}}', "col.models: note type 1: a field's ord: a decimal"),
        ('{"1": {"name": 5}}', "col.models: note type 1: name: a number where text belongs"),
        ('{"1": {"flds": {}}}', "col.models: note type 1: an object where a JSON list belongs"),
        ('{"1": {"tmpls": [{"qfmt": null}]}}', "col.models: note type 1: qfmt: null where text"),
        ("{not json", "col.models: not valid JSON"),
    ],
)
def test_note_type_json_is_bounded_and_checked(tmp_path, models, message):
    data = collection(tmp_path, notes=NOTES)
    db = tmp_path / "m.sqlite"
    db.write_bytes(data)
    con = sqlite3.connect(db)
    con.execute("update col set models = ?", (models,))
    con.commit()
    con.close()
    source = package(tmp_path / "json.apkg", db.read_bytes())

    import_refused(tmp_path, source, f"json.apkg: {message}")


SCHEMA18 = [
    "create table notetypes (id integer primary key, name, mtime_secs, usn, config)",
    "create table fields (ntid, ord, name, config)",
    "create table templates (ntid, ord, name, mtime_secs, usn, config)",
    "create table decks (id integer primary key, name, mtime_secs, usn, common, kind)",
    "insert into notetypes values (1, 'Basic', 0, 0, x'0800')",
    "insert into fields values (1, 0, 'Front', x''), (1, 1, 'Back', x'')",
    "insert into templates values (1, 0, 'Card 1', 0, 0, x'0a097b7b46726f6e747d7d')",
    "insert into decks values (1, 'Default', 0, 0, x'', x'0a00')",
]


@pytest.mark.parametrize(
    "change, message",
    [
        (
            "update notetypes set config = x'08ffffffffffffffffffff01'",
            "note type 1: its settings are damaged (a number is cut off)",
        ),
        ("update notetypes set config = x'0a05ab'", "note type 1: its settings are damaged (cut"),
        ("update notetypes set config = x'0b'", "note type 1: its settings are damaged (wire type"),
        ("update templates set config = x'0a'", "card type 1 of note type 1: its settings are"),
        ("update decks set kind = x'0a020a'", "deck 1: its settings are damaged"),
        ("update decks set kind = 'text'", "deck 1: column kind is text, where binary data"),
        ("update fields set ord = 0.5", "a field of note type 1: column ord is a decimal number"),
        ("update fields set ntid = 'x'", "table fields, row 1: column ntid is text, where a whole"),
        ("update decks set name = NULL", "deck 1: column name is empty (NULL), where text"),
    ],
)
def test_schema_18_values_are_checked_too(tmp_path, change, message):
    data = collection(tmp_path, *SCHEMA18, note(), change)
    source = package(tmp_path / "s18.apkg", data, "collection.anki21")

    import_refused(tmp_path, source, f"s18.apkg: {message}")


def test_a_well_formed_schema_18_collection_reads(tmp_path):
    data = collection(tmp_path, *SCHEMA18, note(), "insert into cards values (1, 1, 1, 0)")
    source = package(tmp_path / "s18.apkg", data, "collection.anki21")

    pkg = read_package(str(source))

    assert pkg.notetypes[1].fields == ("Front", "Back")
    assert pkg.notetypes[1].front == "{{Front}}"
    assert [(n.fields, n.deck, n.mod) for n in pkg.notes] == [
        (("Question?", "A tip"), "Default", 1700000000)
    ]


# Item 13: smaller items.


def test_a_package_keyed_prepdeck_collection_imports_with_a_new_key(built, tmp_path):
    source = export_with(
        built,
        tmp_path / "keyed.apkg",
        "update col set models = replace(models, "
        "'\"prepdeck-resource-sharing-interview\"', '\"prepdeck-collection\"')",
    )
    out = tmp_path / "decks" / "imported.yaml"

    result = CliRunner().invoke(cli, ["import", str(source), "-o", str(out)])

    assert result.exit_code == 0, result.output
    assert "prepdeck bug" not in result.output
    said = "deck key 'collection' (from note type 'prepdeck-collection') is one no prepdeck deck"
    assert said in result.stderr
    assert "key: collection" not in out.read_text(encoding="utf-8")
    assert CliRunner().invoke(cli, ["check", str(out)]).exit_code == 0


def test_a_fifo_as_an_import_source_says_it_is_a_fifo(tmp_path):
    fifo = tmp_path / "deck.apkg"
    os.mkfifo(fifo)

    import_refused(tmp_path, fifo, f"{fifo}: is a named pipe (FIFO), not a file")


def test_a_device_as_an_import_source_says_it_is_a_device(tmp_path):
    import_refused(tmp_path, "/dev/zero", "/dev/zero: is a device, not a file")


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_the_reader_itself_opens_only_a_regular_file(tmp_path, kind):
    """pull reads through the same reader: whatever stands at the path, it is never read."""
    path = {"fifo": tmp_path / "x.apkg", "device": Path("/dev/zero"), "folder": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(path)

    with pytest.raises(PackageError) as caught:
        read_package(str(path))

    said = {"fifo": "a named pipe (FIFO)", "device": "a device", "folder": "a folder"}[kind]
    assert str(caught.value) == f"{path}: is {said}, not a file; an Anki package is a file"


# The zip layer.


def test_the_zip_directory_is_sized_before_it_is_parsed(tmp_path, monkeypatch):
    monkeypatch.setattr(ankipkg, "MAX_DIRECTORY_BYTES", 1000)
    with zipfile.ZipFile(tmp_path / "wide.apkg", "w") as zf:
        for n in range(40):
            zf.writestr(str(n), b"")

    import_refused(tmp_path, tmp_path / "wide.apkg", "wide.apkg: its list of files takes")


def test_a_zip_claiming_more_members_than_the_limit_is_refused_before_parsing(
    tmp_path, monkeypatch
):
    """The count in the zip's end record is read first: zipfile would build every entry."""
    monkeypatch.setattr(ankipkg, "MAX_MEMBERS", 1000)
    path = tmp_path / "count.apkg"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("collection.anki2", b"x")
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    data[end + 8 : end + 12] = (0xFFFF).to_bytes(2, "little") * 2  # entries: 65,535
    path.write_bytes(bytes(data))

    import_refused(tmp_path, path, "count.apkg: holds 65,535 files; an Anki package has far fewer")
