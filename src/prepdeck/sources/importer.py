"""`prepdeck import` as a library call: a source file in, the text of a new deck file out."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from prepdeck.dump import dump_deck
from prepdeck.errors import DeckFileError, OutputError
from prepdeck.files import not_a_file
from prepdeck.load import parse_deck_text
from prepdeck.model import Deck
from prepdeck.sources.draft import Draft, SourceError, build_deck, default_name
from prepdeck.sources.fields import parse_mappings
from prepdeck.starter import fresh_key

TABLES = (".csv", ".tsv", ".tab")
ARTICLES = {".md": True, ".markdown": True, ".txt": False, ".text": False}
PACKAGES = (".apkg", ".colpkg")

HEADER = """\
# Imported by prepdeck from {source}. Check it, then build it with: prepdeck build {target}
# Keep `key` and every question `id` once you have imported the deck into Anki: they are the
# cards' identity. Everything else can be edited and rebuilt as often as you like.
{extra}
"""
SAME_KEY = (
    "# This deck was built by prepdeck: its key and ids are the originals, so building it\n"
    "# updates the notes a learner already has instead of adding new ones.\n"
)


class ImportResult(NamedTuple):
    deck: Deck
    text: str  # the deck file, ready to write
    notes: list[str]  # how the source was read (encoding, field mapping)
    skipped: list[str]  # what was left out, with counts
    adjusted: list[str]  # what was changed to fit the deck format
    kept_key: bool  # the key and ids came from a package prepdeck built


class _Read(NamedTuple):
    """What one source format gives, before ids, topics and the key are settled."""

    drafts: list[Draft]
    name: str
    topic: str  # for questions the source gives no topic
    notes: list[str]
    skipped: list[str]
    key: str = ""  # a package prepdeck built: its own key
    subdecks: bool = False
    description: str = ""
    speak: str = ""


def import_source(
    source: str,
    *,
    output: str | None = None,
    topic: str | None = None,
    columns: tuple[str, ...] = (),
    tip_separator: str | None = None,
    note_type: str | None = None,
    fields: tuple[str, ...] = (),
) -> ImportResult:
    """Read `source` (CSV/TSV, Markdown/text article, Anki package) into a new deck's text."""
    if output is not None:
        _check_target(Path(output))
    suffix = Path(source).suffix.lower()
    kind = not_a_file(source)  # a FIFO would hang the read, /dev/zero never end
    if kind:
        raise SourceError(f"{source}: is {kind}, not a file; name the file to import")
    if not Path(source).is_file():
        raise SourceError(f"{source}: no such file")
    # A deck's name when the source has none: from the file the learner named, as `new` does.
    name = default_name(output or source)
    if suffix in TABLES:
        read = _table(source, name, topic, parse_mappings(columns, "--column"), tip_separator)
    elif suffix in ARTICLES:
        read = _article(source, name, topic, markdown=ARTICLES[suffix])
    elif suffix in PACKAGES:
        read = _package(source, name, topic, note_type, parse_mappings(fields, "--field"))
    else:
        raise SourceError(
            f"{source}: cannot tell its format from the name; prepdeck imports "
            f"{', '.join((*TABLES, *ARTICLES, *PACKAGES))} files (rename it to one of them)"
        )
    if read.key == "collection" or read.key.startswith("backup-"):  # refused by load.py
        read = read._replace(
            key="",
            notes=[
                *read.notes,
                f"deck key '{read.key}' (from note type 'prepdeck-{read.key}') is one no "
                f"prepdeck deck can have (Anki would treat {read.key}.apkg as a whole "
                "collection); the deck gets a new key, so its notes reach Anki as new notes",
            ],
        )
    target = output or f"decks/{Path(source).name.split('.', 1)[0]}.yaml"
    deck, adjusted = build_deck(
        read.drafts,
        key=read.key or fresh_key(Path(target)),
        name=read.name,
        topic=read.topic,
        source=source,
        description=read.description,
    )
    deck = deck._replace(subdecks="by-topic" if read.subdecks else "none", speak=read.speak)
    extra = SAME_KEY if read.key else ""
    text = HEADER.format(source=Path(source).name, target=target, extra=extra) + dump_deck(
        deck, annotate=True
    )
    try:
        parse_deck_text(text, target)  # what we write must build as it is
    except DeckFileError as err:
        raise SourceError(
            f"{source}: the imported deck does not validate (a prepdeck bug; please report "
            f"it):\n{err}"
        ) from None
    return ImportResult(deck, text, read.notes, read.skipped, adjusted, bool(read.key))


def _table(
    source: str, name: str, topic: str | None, columns: dict[str, str], separator: str | None
) -> _Read:
    from prepdeck.sources.table import read_table

    notes: list[str] = []
    drafts = read_table(source, columns=columns, tip_separator=separator, notes=notes)
    return _Read(drafts, name, topic or name, notes, [])


def _article(source: str, name: str, topic: str | None, *, markdown: bool) -> _Read:
    from prepdeck.sources.article import read_article
    from prepdeck.sources.table import decode, read_bytes

    text, _ = decode(read_bytes(source), source)
    article = read_article(text, source, markdown=markdown)
    skipped = []
    if article.left_out:
        skipped.append(
            f"{article.left_out} paragraphs or list items outside any question "
            "(introduction, closing words)"
        )
    if article.empty:
        skipped.append(f"{article.empty} questions with no text under them")
    name = article.title or name
    # "Getting ready for your interview: 8 questions" -> "Getting ready for your interview"
    return _Read(article.drafts, name, topic or name.split(": ", 1)[0], [], skipped)


def _package(
    source: str, name: str, topic: str | None, note_type: str | None, fields: dict[str, str]
) -> _Read:
    from prepdeck.sources.anki import read_notes
    from prepdeck.sources.ankipkg import read_package

    anki = read_notes(read_package(source), source, note_type=note_type, fields=fields)
    name = anki.name or name
    return _Read(
        anki.drafts,
        name,
        topic or name.split("::")[-1],
        anki.notes,
        anki.skipped,
        anki.key,
        anki.subdecks,
        anki.description,
        anki.speak,
    )


def _check_target(path: Path) -> None:
    if path.suffix not in (".yaml", ".yml"):
        raise OutputError(f"{path}: deck files end in .yaml; name the output decks/NAME.yaml")
    if path.exists():
        raise OutputError(_EXISTS.format(path=path))


_EXISTS = (
    "{path}: already exists; prepdeck import never overwrites a file: choose a new name, "
    "or delete it first"
)


def write_new(path: Path, text: str) -> None:
    """Write a new deck file; never over an existing one."""
    _check_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise OutputError(_EXISTS.format(path=path)) from None
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from None


def summary(result: ImportResult, source: str) -> list[str]:
    """The report lines for stderr: what was read, what was left out."""
    deck = result.deck
    n, t = len(deck.questions), len(deck.topics)
    lines = [
        f"{source}: {n} question{'s' if n != 1 else ''} in {t} topic{'s' if t != 1 else ''}, "
        f"deck '{deck.name}' (key {deck.key}"
        + (", kept from the package" if result.kept_key else "")
        + ")"
    ]
    lines += [f"  read: {line}" for line in result.notes]
    lines += [f"  changed: {line}" for line in result.adjusted]
    lines += [f"  skipped: {line}" for line in result.skipped]
    return lines
