"""The .apkg's bytes: genanki's database writer for the collection, our own notes and zip.

genanki writes every note with one timestamp, leaves a temporary database behind, stores
the zip uncompressed, stamps it with file times and writes in place (ANKI-FACTS). Here the
database lives in memory, each note carries its own modification time, the zip is deflated
with fixed entry times, and the build writes the file in one atomic rename
(atomic.write_together, with its build state).
"""

from __future__ import annotations

import io
import sqlite3
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from prepdeck.errors import OutputError
from prepdeck.files import prepare_output

# Anki treats these names as a whole collection and would replace the learner's own.
FORBIDDEN_NAMES = ("collection.apkg",)
FORBIDDEN_PREFIX = "backup-"


@dataclass(frozen=True)
class PackageDeck:
    id: int
    name: str
    description: str  # HTML


@dataclass(frozen=True)
class PackageNote:
    guid: str
    fields: Sequence[str]
    tags: Sequence[str]
    mod: int
    deck_id: int


@dataclass(frozen=True)
class PackagePreset:
    """A deck options preset that every deck in the package uses (an interview plan)."""

    id: int
    name: str
    new_per_day: int
    max_interval: int
    mod: int


def check_output_name(path: Path) -> None:
    """Refuse names Anki would import as a whole collection, and non-.apkg names."""
    name = path.name.lower()
    if name in FORBIDDEN_NAMES or name.startswith(FORBIDDEN_PREFIX):
        raise OutputError(
            f"{path}: refusing this name: Anki and AnkiDroid import '{path.name}' as a whole "
            "collection and would replace the learner's; choose another name"
        )
    if not name.endswith(".apkg"):
        raise OutputError(f"{path}: the output must be a file name ending in .apkg")


def package_bytes(
    decks: Sequence[PackageDeck],
    model,
    notetype_mod: int,
    notes: Sequence[PackageNote],
    package_time: int,
    preset: PackagePreset | None = None,
    media: dict[str, bytes] | None = None,
) -> bytes:
    """The .apkg as bytes; the same arguments give the same bytes.

    `media` maps the names the fields use to the files' bytes: Anki's package format keeps
    them as numbered zip entries and a `media` JSON map from number to name."""
    import genanki

    conn = sqlite3.connect(":memory:")
    try:
        cur = conn.cursor()
        gdecks = [genanki.Deck(d.id, d.name, d.description) for d in decks]
        gdecks[0].add_model(model)
        # Writes the schema, the collection row, the decks and the note type (whose
        # modification time is the one argument genanki takes).
        # genanki rewrites the whole decks JSON once per deck (quadratic for a deck with
        # thousands of topic subdecks): it writes the first, the rest are added at once.
        genanki.Package(gdecks[:1]).write_to_db(cur, notetype_mod, iter(()))
        if len(gdecks) > 1:
            _add_decks(cur, gdecks[1:])
        if preset is not None:
            _use_preset(cur, preset, {d.id for d in decks})
        # Ids only need to be unique in the package (notes are matched by GUID); Anki shows
        # a new note's id as the time it was created, so they start at the package time.
        # Anki recomputes the sort field and checksum of every note it imports (measured,
        # tests/test_anki_import.py), so the package leaves them empty rather than carry
        # a second copy of every question.
        base = package_time * 1000
        cur.executemany(
            "INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                (
                    base + i,
                    n.guid,
                    model.model_id,
                    n.mod,
                    -1,
                    f" {' '.join(n.tags)} ",
                    "\x1f".join(n.fields),
                    "",
                    0,
                    0,
                    "",
                )
                for i, n in enumerate(notes)
            ),
        )
        # One card per note; its `due` is the new-card position, so cards arrive in file order.
        # Columns: id, nid, did, ord, mod, usn, type, queue, due, then no scheduling at all.
        unscheduled = (0, 0, 0, 0, 0, 0, 0, 0, "")
        cur.executemany(
            "INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                (base + i, base + i, n.deck_id, 0, n.mod, -1, 0, 0, i, *unscheduled)
                for i, n in enumerate(notes)
            ),
        )
        conn.commit()
        database = _serialize(conn)
    finally:
        conn.close()
    import json

    entries = {"collection.anki2": database}
    numbered = {str(i): name for i, name in enumerate(media or {})}
    entries.update({str(i): (media or {})[name] for i, name in enumerate(media or {})})
    entries["media"] = json.dumps(numbered, sort_keys=True).encode("utf-8")
    return _zip(entries, package_time, stored=set(numbered))


def _add_decks(cur: sqlite3.Cursor, gdecks) -> None:
    """Add decks to the collection's decks JSON as genanki would, in one write."""
    import json

    (decks_json,) = cur.execute("SELECT decks FROM col").fetchone()
    decks = json.loads(decks_json)
    for deck in gdecks:
        decks[str(deck.deck_id)] = deck.to_json()
    cur.execute("UPDATE col SET decks = ?", (json.dumps(decks),))


def _use_preset(cur: sqlite3.Cursor, preset: PackagePreset, deck_ids: set[int]) -> None:
    """Add the preset to the collection's presets and point every deck of ours at it.

    Anki's importer needs every setting of a preset, so the preset is Anki's own default
    (data/anki-default-preset.json, read from the backend 26.9.3) with the plan's two
    settings: new cards a day and the maximum interval."""
    import json
    from importlib import resources

    decks_json, dconf_json = cur.execute("SELECT decks, dconf FROM col").fetchone()
    decks = json.loads(decks_json)
    for deck in decks.values():
        if deck["id"] in deck_ids:
            deck["conf"] = preset.id
    presets = json.loads(dconf_json)
    default = resources.files("prepdeck").joinpath("data", "anki-default-preset.json")
    conf = json.loads(default.read_text(encoding="utf-8"))
    conf.update(id=preset.id, name=preset.name, mod=preset.mod, usn=-1)
    conf["new"]["perDay"] = preset.new_per_day
    conf["rev"]["maxIvl"] = preset.max_interval
    presets[str(preset.id)] = conf
    cur.execute(
        "UPDATE col SET decks = ?, dconf = ?",
        (json.dumps(decks, sort_keys=True), json.dumps(presets, sort_keys=True)),
    )


def _serialize(conn: sqlite3.Connection) -> bytes:
    """The database file's bytes; Python 3.10 lacks serialize(), so copy through a temp dir."""
    if hasattr(conn, "serialize"):
        return conn.serialize()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="prepdeck-") as folder:
        target = sqlite3.connect(Path(folder) / "collection.anki2")
        try:
            conn.backup(target)
        finally:
            target.close()
        return (Path(folder) / "collection.anki2").read_bytes()


def _zip(entries: dict[str, bytes], package_time: int, stored: set[str] = frozenset()) -> bytes:
    stamp = time.gmtime(max(package_time, 315532800))[:6]  # zip times start in 1980
    # Level 3: a third of the stored size (genanki stores) at a third of level 6's time.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            # Media files are compressed already (PNG, JPEG, MP3 …): deflating them costs time.
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=None if name in stored else 3)
    return buf.getvalue()


def prepare_folder(path: Path) -> None:
    """Create the package's folder; refuse a target that is not a regular file."""
    check_output_name(path)
    prepare_output(path)
