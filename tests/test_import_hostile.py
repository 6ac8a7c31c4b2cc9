"""Anki packages are untrusted files: every bad one gets a clear message at a bounded cost."""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from prepdeck.cli import cli
from prepdeck.sources import ankipkg


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def zip_with(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def sqlite_bytes(tmp_path: Path, *statements: str) -> bytes:
    db = tmp_path / "x.sqlite"
    con = sqlite3.connect(db)
    for sql in statements:
        con.execute(sql)
    con.commit()
    con.close()
    data = db.read_bytes()
    db.unlink()
    return data


@pytest.fixture(autouse=True)
def _own_temp_folder(tmp_path, monkeypatch):
    """prepdeck's temporary folders go to one of this test's own, so that a leftover is this
    test's, never another run's on the same machine."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))


def refused(tmp_path: Path, package: Path, message: str) -> None:
    out = tmp_path / "decks" / "x.yaml"
    result = run("import", str(package), "-o", str(out))
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    assert list((tmp_path / "temp").iterdir()) == []


def test_not_a_zip(tmp_path):
    package = tmp_path / "deck.apkg"
    package.write_text("hello")
    refused(tmp_path, package, "deck.apkg: not an Anki package (not a zip file")


@pytest.mark.parametrize(
    "name", ["../../evil.txt", "/etc/passwd", "dir/collection.anki2", ".hidden"]
)
def test_member_with_a_path_is_refused_and_nothing_is_extracted(tmp_path, name):
    package = zip_with(tmp_path / "deck.apkg", {"collection.anki2": b"x", name: b"boom"})
    refused(tmp_path, package, "holds a file with a path")
    assert not (tmp_path.parent / "evil.txt").exists()


def test_no_collection_inside(tmp_path):
    package = zip_with(tmp_path / "deck.apkg", {"media": b"{}"})
    refused(tmp_path, package, "holds no Anki collection (collection.anki21b, .anki21 or .anki2)")


def test_collection_that_is_not_sqlite(tmp_path):
    package = zip_with(tmp_path / "deck.apkg", {"collection.anki2": b"not a database" * 10})
    refused(tmp_path, package, "its collection is not an SQLite database; not an Anki package")


def test_sqlite_that_is_not_an_anki_collection(tmp_path):
    data = sqlite_bytes(tmp_path, "create table t (x)")
    package = zip_with(tmp_path / "deck.apkg", {"collection.anki21": data})
    refused(tmp_path, package, "its database is not an Anki collection (no notes table)")


def test_damaged_collection(tmp_path):
    data = sqlite_bytes(
        tmp_path,
        "create table col (models, decks)",
        "create table notes (id, mid, flds, tags)",
        "create table cards (nid, did, ord)",
        "insert into col values ('{not json', '{}')",
    )
    package = zip_with(tmp_path / "deck.apkg", {"collection.anki2": data})
    refused(tmp_path, package, "deck.apkg: col.models: not valid JSON")


def test_deflate_bomb_stops_at_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(ankipkg, "MAX_COLLECTION_BYTES", 1 << 20)
    package = zip_with(tmp_path / "bomb.apkg", {"collection.anki2": bytes(8 << 20)})
    assert package.stat().st_size < 64 << 10  # 8 MiB of zeros packs into a few KB
    refused(tmp_path, package, "its collection is larger than 1 MiB when unpacked")


def test_zstd_bomb_with_a_small_declared_size_stops_at_the_limit(tmp_path, monkeypatch):
    zstandard = pytest.importorskip("zstandard")
    monkeypatch.setattr(ankipkg, "MAX_COLLECTION_BYTES", 1 << 20)
    bomb = zstandard.ZstdCompressor().compress(bytes(8 << 20))
    package = zip_with(tmp_path / "bomb.apkg", {"collection.anki21b": bomb}, zipfile.ZIP_STORED)
    refused(tmp_path, package, "its collection is larger than 1 MiB when unpacked")


def test_too_many_members(tmp_path, monkeypatch):
    monkeypatch.setattr(ankipkg, "MAX_MEMBERS", 10)
    package = zip_with(tmp_path / "many.apkg", {str(n): b"" for n in range(11)})
    refused(tmp_path, package, "holds 11 files; an Anki package has far fewer")


def test_truncated_zstd(tmp_path):
    zstandard = pytest.importorskip("zstandard")
    data = zstandard.ZstdCompressor().compress(b"SQLite format 3\x00" + bytes(100_000))
    package = zip_with(tmp_path / "cut.apkg", {"collection.anki21b": data[: len(data) // 2]})
    refused(tmp_path, package, "cut.apkg: its collection")


def test_new_format_without_zstd_says_how_to_install_it(tmp_path, monkeypatch):
    # Hide both zstd implementations, as in an installation that lost its dependency.
    monkeypatch.setitem(sys.modules, "zstandard", None)
    monkeypatch.setitem(sys.modules, "compression", None)
    package = zip_with(tmp_path / "new.apkg", {"collection.anki21b": b"(\xb5/\xfd"})
    refused(tmp_path, package, "run make deck in prepdeck's folder, or pip install zstandard")


def test_a_read_that_outlasts_the_deadline_is_cut_off(tmp_path, monkeypatch):
    """A crafted collection cannot keep the reader busy: the whole read has a wall clock."""
    monkeypatch.setattr(ankipkg, "MAX_SECONDS", 0)
    rows = ",".join(f"({n}, 1, 'q\x1ft', '')" for n in range(5000))
    data = sqlite_bytes(
        tmp_path,
        "create table col (models, decks)",
        "create table notes (id, mid, flds, tags)",
        "create table cards (nid, did, ord)",
        """insert into col values ('{"1": {"name": "Basic", "flds": [{"name": "Front", "ord": 0},
           {"name": "Back", "ord": 1}]}}', '{}')""",
        f"insert into notes values {rows}",
    )
    package = zip_with(tmp_path / "slow.apkg", {"collection.anki2": data})
    refused(tmp_path, package, "slow.apkg: reading it took longer than 0 s, the limit")


def test_unfinished_tags_and_comments_become_text_so_parsing_stays_linear():
    """html.parser rescans for each unfinished tag: quadratic on "<a <a <a …" (see htmlmd)."""
    from prepdeck.sources.htmltree import _defuse

    assert _defuse("<a <a <b>x</b>") == "&lt;a &lt;a <b>x</b>"
    assert _defuse("a<!-- c -->b<![CDATA[ >c<? >") == "ab&lt;![CDATA[ >c&lt;? >"
    assert _defuse("a<!-- never closed <b>") == "a"


def test_a_field_longer_than_any_deck_can_hold_is_skipped_and_counted(tmp_path, monkeypatch):
    import genanki

    from prepdeck.sources import anki

    monkeypatch.setattr(anki, "MAX_FIELD_CHARS", 1000)
    deck = genanki.Deck(2059400120, "Long")
    for back in ("short", "<a " * 400):
        deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=[f"Q {len(back)}?", back]))
    package = tmp_path / "long.apkg"
    genanki.Package(deck).write_to_file(str(package))

    result = run("import", str(package))

    assert result.exit_code == 0
    assert "question: Q 5?" in result.stdout
    assert "skipped: 1 note with a field over 1,000 characters" in result.stderr
