"""Read the notes out of an Anki package (.apkg, .colpkg): the reverse of package.py.

A package is a zip holding one SQLite collection: `collection.anki21b` (zstd-compressed,
what Anki 23.10+ writes by default), or `collection.anki21` / `collection.anki2` (the legacy
formats). Only the collection is read; media files are counted, never extracted. The file
is untrusted: the zip is checked before anything is decompressed, decompression stops at a
size limit, the database is opened read-only with a bound on the work any query may do.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import zipfile
from typing import NamedTuple

from prepdeck.errors import PrepdeckError

MAX_MEMBERS = 100_000  # a package has its collection, `media`, `meta`, and one per media file
MAX_COLLECTION_BYTES = 512 * 1024 * 1024  # decompressed; far above any real deck
MAX_SQL_STEPS = 200_000_000  # SQLite virtual-machine steps for the whole read
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CHUNK = 1 << 20


class PackageError(PrepdeckError):
    """The package cannot be read; the message says why and what to do."""


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


class Package(NamedTuple):
    notetypes: dict[int, NoteType]
    notes: list[AnkiNote]
    descriptions: dict[str, str]  # deck name -> description (HTML)
    media_files: int
    format: str  # which collection file was read


def read_package(path: str) -> Package:
    """The note types and notes of an Anki package, or a PackageError that says why not."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise PackageError(
            f"{path}: not an Anki package (not a zip file: {err}); export it again from "
            "Anki with File > Export, 'Anki Deck Package (*.apkg)'"
        ) from None
    with zf, tempfile.TemporaryDirectory(prefix="prepdeck-import-") as tmp:
        member, media = _check_members(zf, path)
        db_path = os.path.join(tmp, "collection.sqlite")
        _extract(zf, member, db_path, path)
        notetypes, notes, decks = _read_collection(db_path, path, member)
    descriptions = {d.name: d.description for d in decks.values()}
    return Package(notetypes, notes, descriptions, media, member.filename)


def _check_members(zf: zipfile.ZipFile, path: str) -> tuple[zipfile.ZipInfo, int]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise PackageError(f"{path}: holds {len(infos):,} files; an Anki package has far fewer")
    names = {}
    media = 0
    for info in infos:
        name = info.filename
        if "/" in name or "\\" in name or name.startswith(".") or ":" in name:
            raise PackageError(
                f"{path}: holds a file with a path ('{name[:80]}'); an Anki package holds "
                "only plain file names, so this is not one (nothing was extracted)"
            )
        if info.flag_bits & 0x1:
            raise PackageError(f"{path}: '{name}' is encrypted; export the deck again from Anki")
        names[name] = info
        media += name.isdigit()
    member = next((names[n] for n in COLLECTIONS if n in names), None)
    if member is None:
        raise PackageError(
            f"{path}: holds no Anki collection (collection.anki21b, .anki21 or .anki2); "
            "export the deck again from Anki as an 'Anki Deck Package (*.apkg)'"
        )
    return member, media


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: str, path: str) -> None:
    """Copy the collection out, decompressing zstd when needed, never past the size limit."""
    limit = MAX_COLLECTION_BYTES
    too_big = PackageError(
        f"{path}: its collection is larger than {limit // 2**20} MiB when unpacked; "
        "this is not a deck prepdeck can import (a zip bomb, or a whole huge collection)"
    )
    if info.file_size > limit:
        raise too_big
    try:
        with zf.open(info) as raw, open(target, "wb") as out:
            stream = _zstd_reader(raw, path) if info.filename.endswith("21b") else raw
            written = 0
            while chunk := stream.read(_CHUNK):
                written += len(chunk)
                if written > limit:
                    raise too_big
                out.write(chunk)
    except Exception as err:  # zlib, zstd (whichever library) and zipfile errors alike
        if isinstance(err, PrepdeckError):
            raise
        raise PackageError(f"{path}: its collection cannot be unpacked ({err})") from None


def _zstd_reader(raw, path: str):
    """A streaming zstd decompressor: Python 3.14's own, or the `zstandard` package."""
    try:
        from compression import zstd  # type: ignore[import-not-found]

        return zstd.ZstdFile(raw)
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        raise PackageError(
            f"{path}: is in the format Anki 23.10+ writes (zstd-compressed), which needs the "
            "zstandard package, a dependency of prepdeck missing from this installation: "
            "run make deck in prepdeck's folder, or pip install zstandard; or export it from "
            "Anki with 'Support older Anki versions' ticked"
        ) from None
    return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)


def _connect(db_path: str, path: str) -> sqlite3.Connection:
    with open(db_path, "rb") as f:
        if f.read(16) != _SQLITE_MAGIC:
            raise PackageError(
                f"{path}: its collection is not an SQLite database; not an Anki package"
            )
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    steps = [0]

    def guard() -> int:
        steps[0] += 1
        return 1 if steps[0] * 1000 > MAX_SQL_STEPS else 0

    con.set_progress_handler(guard, 1000)
    con.execute("PRAGMA trusted_schema = OFF")
    return con


def _read_collection(
    db_path: str, path: str, member: zipfile.ZipInfo
) -> tuple[dict[int, NoteType], list[AnkiNote], dict[int, Deck]]:
    con = _connect(db_path, path)
    try:
        tables = {
            name for (name,) in con.execute("select name from sqlite_master where type = 'table'")
        }
        if not {"notes", "cards", "col"} <= tables:
            raise PackageError(f"{path}: its database is not an Anki collection (no notes table)")
        if "notetypes" in tables:
            notetypes, decks = _schema18(con)
        else:
            notetypes, decks = _schema11(con)
        # Identity and time, for pull (every collection Anki writes has them).
        columns = {row[1] for row in con.execute("pragma table_info(notes)")}
        extra = "guid, mod" if {"guid", "mod"} <= columns else "'', 0"
        # The deck of each note's first card (rows in descending ord: the last one wins).
        first_deck = dict(con.execute("select nid, did from cards order by nid, ord desc"))
        notes = [
            AnkiNote(
                id=nid,
                notetype=mid,
                fields=tuple(str(flds).split("\x1f")),
                tags=tuple(str(tags).split()),
                deck=decks.get(first_deck.get(nid, 0), Deck("", "")).name,
                guid=str(guid),
                mod=int(mod),
            )
            for nid, mid, flds, tags, guid, mod in con.execute(
                f"select id, mid, flds, tags, {extra} from notes order by id"
            )
        ]
    except sqlite3.DatabaseError as err:
        if "interrupted" in str(err):
            raise PackageError(
                f"{path}: reading its collection took too long; not a deck prepdeck can import"
            ) from None
        raise PackageError(f"{path}: its collection is damaged ({err})") from None
    except (json.JSONDecodeError, TypeError, AttributeError, KeyError, ValueError) as err:
        raise PackageError(f"{path}: its collection is damaged ({err!r})") from None
    finally:
        con.close()
    return notetypes, notes, decks


def _schema18(con) -> tuple[dict[int, NoteType], dict[int, Deck]]:
    """Anki 2.1.28+ keeps note types, fields and decks in their own tables."""
    fields: dict[int, list[tuple[int, str]]] = {}
    for ntid, ord_, name in con.execute("select ntid, ord, name from fields"):
        fields.setdefault(ntid, []).append((ord_, str(name)))
    fronts: dict[int, str] = {}
    for ntid, config in con.execute("select ntid, config from templates where ord = 0"):
        qfmt = _proto(bytes(config or b"")).get(1)  # CardTemplate.Config.q_format
        fronts[ntid] = qfmt.decode("utf-8", "replace") if isinstance(qfmt, bytes) else ""
    notetypes = {
        ntid: NoteType(
            ntid,
            str(name),
            tuple(n for _, n in sorted(fields.get(ntid, []))),
            _proto(bytes(config or b"")).get(1) == 1,  # NotetypeConfig.kind: 1 = cloze
            fronts.get(ntid, ""),
        )
        for ntid, name, config in con.execute("select id, name, config from notetypes")
    }
    decks = {
        did: Deck(str(name).replace("\x1f", "::"), _deck_description(bytes(kind or b"")))
        for did, name, kind in con.execute("select id, name, kind from decks")
    }
    return notetypes, decks


def _schema11(con) -> tuple[dict[int, NoteType], dict[int, Deck]]:
    """Older collections keep note types and decks as JSON in the `col` row."""
    row = con.execute("select models, decks from col").fetchone()
    if row is None:
        raise ValueError("the col table is empty")
    models, decks = json.loads(row[0]), json.loads(row[1])
    notetypes = {}
    for key, m in models.items():
        flds = sorted(m.get("flds", []), key=lambda f: f.get("ord", 0))
        tmpls = sorted(m.get("tmpls", []), key=lambda t: t.get("ord", 0))
        notetypes[int(key)] = NoteType(
            int(key),
            str(m.get("name", "")),
            tuple(str(f.get("name", "")) for f in flds),
            m.get("type") == 1,
            str(tmpls[0].get("qfmt", "")) if tmpls else "",
        )
    return notetypes, {
        int(k): Deck(str(d.get("name", "")), str(d.get("desc", ""))) for k, d in decks.items()
    }


def _proto(data: bytes) -> dict[int, object]:
    """The top-level fields of a protobuf message: varints as int, the rest as bytes."""
    out: dict[int, object] = {}
    i = 0

    def varint() -> int:
        nonlocal i
        value = shift = 0
        while i < len(data) and shift < 70:
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
        raise ValueError("truncated protobuf")

    try:
        while i < len(data):
            key = varint()
            field, wire = key >> 3, key & 7
            if wire == 0:
                out[field] = varint()
            elif wire == 2:
                size = varint()
                out[field] = data[i : i + size]
                i += size
            elif wire in (1, 5):
                i += 8 if wire == 1 else 4
            else:
                break
    except ValueError:
        pass
    return out


def _deck_description(kind: bytes) -> str:
    """Deck.KindContainer -> normal (1) -> description (4); empty for a filtered deck."""
    normal = _proto(kind).get(1)
    desc = _proto(normal).get(4) if isinstance(normal, bytes) else None
    return desc.decode("utf-8", "replace") if isinstance(desc, bytes) else ""
