"""Read the notes out of an Anki package (.apkg, .colpkg): the reverse of cards/package.py.

A package is a zip holding one SQLite collection: `collection.anki21b` (zstd-compressed,
what Anki 23.10+ writes by default), or `collection.anki21` / `collection.anki2` (the legacy
formats). Only the collection is read; media files are counted, never extracted. The file
is untrusted: only a regular file is opened, the zip's directory is sized before it is
parsed, decompression stops at a size limit however the data describes itself, and the
database is read through sqlitesafe and ankidb (no code in its schema runs, every value is
sized before it is fetched). The whole read stops at a wall-clock deadline.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from typing import NamedTuple

from prepdeck.errors import PrepdeckError
from prepdeck.files import NotAFileError, open_regular
from prepdeck.sources.ankidb import AnkiNote, Deck, NoteType, read_collection
from prepdeck.sources.sqlitesafe import DatabaseRefused, Deadline, open_untrusted

__all__ = ["AnkiNote", "Deck", "NoteType", "Package", "PackageError", "read_package"]

MAX_MEMBERS = 100_000  # a package has its collection, `media`, `meta`, and one per media file
MAX_DIRECTORY_BYTES = 16 * 1024 * 1024  # the zip's list of members, read before any member
MAX_COLLECTION_BYTES = 512 * 1024 * 1024  # decompressed; far above any real deck
MAX_SECONDS = 60.0  # wall clock for reading one package, from opening it to the last note
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CHUNK = 1 << 20
_EXPORT_AGAIN = "export it again from Anki with File > Export, 'Anki Deck Package (*.apkg)'"


class PackageError(PrepdeckError):
    """The package cannot be read; the message says why and what to do."""


class Package(NamedTuple):
    notetypes: dict[int, NoteType]
    notes: list[AnkiNote]
    descriptions: dict[str, str]  # deck name -> description (HTML)
    media_files: int
    format: str  # which collection file was read


def read_package(path: str) -> Package:
    """The note types and notes of an Anki package, or a PackageError that says why not."""
    deadline = Deadline(MAX_SECONDS)
    try:
        fp = open_regular(path)
    except FileNotFoundError:
        raise PackageError(f"{path}: no such file") from None
    except NotAFileError as err:
        raise PackageError(f"{path}: {err.strerror}; an Anki package is a file") from None
    except OSError as err:
        raise PackageError(f"{path}: cannot be read: {err.strerror or err}") from None
    with fp:
        zf = _open_zip(fp, path)
        with zf, tempfile.TemporaryDirectory(prefix="prepdeck-import-") as tmp:
            member, media = _check_members(zf, path)
            db_path = os.path.join(tmp, "collection.sqlite")
            _extract(zf, member, db_path, path, deadline)
            collection = _read_collection(db_path, path, deadline)
    descriptions = {d.name: d.description for d in collection.decks.values()}
    return Package(collection.notetypes, collection.notes, descriptions, media, member.filename)


def _open_zip(fp, path: str) -> zipfile.ZipFile:
    """The zip, once its directory is known to be of a sane size (zipfile reads it whole)."""
    try:
        end = zipfile._EndRecData(fp)  # what ZipFile itself reads first (zip64 included)
        if end is not None:
            entries, size = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
            if entries > MAX_MEMBERS:
                raise PackageError(
                    f"{path}: holds {entries:,} files; an Anki package has far fewer"
                )
            if size > MAX_DIRECTORY_BYTES:
                raise PackageError(
                    f"{path}: its list of files takes {size:,} bytes, over the limit of "
                    f"{MAX_DIRECTORY_BYTES:,}; not an Anki package"
                )
        return zipfile.ZipFile(fp)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise PackageError(
            f"{path}: not an Anki package (not a zip file: {err}); {_EXPORT_AGAIN}"
        ) from None


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


def _extract(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: str, path: str, deadline: Deadline
) -> None:
    """Copy the collection out, decompressing zstd when needed, never past the size limit.

    The limit counts the bytes that come out, whatever size the zip or the zstd frame
    header declares."""
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
                if deadline.passed():
                    raise PackageError(_too_slow(path, deadline))
    except Exception as err:  # zlib, zstd (whichever library) and zipfile errors alike
        if isinstance(err, PrepdeckError):
            raise
        raise PackageError(
            f"{path}: its collection cannot be unpacked ({str(err)[:200]})"
        ) from None


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


def _read_collection(db_path: str, path: str, deadline: Deadline):
    with open(db_path, "rb") as f:
        if f.read(16) != _SQLITE_MAGIC:
            raise PackageError(
                f"{path}: its collection is not an SQLite database; not an Anki package"
            )
    try:
        con = open_untrusted(db_path, deadline)
        con.create_collation("unicase", _unicase)  # Anki's, on names in its schema-18 tables
    except Exception as err:  # sqlite3 errors of any kind: the file is what is wrong
        raise PackageError(f"{path}: its collection cannot be opened ({str(err)[:200]})") from None
    try:
        return read_collection(con, deadline)
    except DatabaseRefused as err:
        if deadline.passed():
            raise PackageError(_too_slow(path, deadline)) from None
        raise PackageError(f"{path}: {err}; not a package prepdeck can read") from None
    finally:
        con.close()


def _unicase(a: str, b: str) -> int:
    a, b = a.casefold(), b.casefold()
    return (a > b) - (a < b)


def _too_slow(path: str, deadline: Deadline) -> str:
    return (
        f"{path}: reading it took longer than {deadline.seconds:g} s, the limit; not a deck "
        "prepdeck can import (export only the deck you want, not the whole collection)"
    )
