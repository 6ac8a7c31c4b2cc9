"""`prepdeck import` as a library call: a source file in, the text of a new deck file out."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from prepdeck.deckfile.dump import dump_deck
from prepdeck.deckfile.load import parse_deck_text
from prepdeck.deckfile.model import Deck
from prepdeck.deckfile.starter import fresh_key
from prepdeck.errors import DeckFileError, OutputError
from prepdeck.files import not_a_file
from prepdeck.sources.draft import Draft, SourceError, bounded, build_deck, default_name, quoted
from prepdeck.sources.fields import parse_mappings

TABLES = (".csv", ".tsv", ".tab")
ARTICLES = {".md": True, ".markdown": True, ".txt": False, ".text": False}
PACKAGES = (".apkg", ".colpkg")

HEADER = (
    "Imported by prepdeck from {source}. Check it, then build it with: prepdeck build {target}",
    "Keep `key` and every question `id` once you have imported the deck into Anki: they are the",
    "cards' identity. Everything else can be edited and rebuilt as often as you like.",
)
SAME_KEY = (
    "This deck was built by prepdeck: its key and ids are the originals. Anki matches them to",
    "the notes it already has: building and importing it adds none of them again and keeps",
    "their reviews (the first build calls every question new: new to this folder's build state).",
)
KEPT_GUIDS = (
    "Each `guid:` is the Anki note's own identity: keep it, and Anki keeps that note's reviews.",
)
# Anki matches a note by GUID but never moves it into another note type: an incoming note of
# another type is skipped as "conflicting" (measured with the backend; see
# tests/test_import_studied.py). Changing the note type in Anki keeps the cards' reviews.
OTHER_TYPE = (
    "If you already study these notes in Anki, they are of another note type ({types}),",
    "and Anki does not move a note into another note type when it imports. Do this once:",
    "  1. Run prepdeck build {target} and import the package into Anki: it adds the note",
    "     type {notetype}, and none of your notes again (Anki lists them as not updated).",
    "  2. In Anki, Browse and search for the notes ({count}):",
    "       {search}",
    "     select them all, then Notes > Change Note Type, choose {notetype} and OK:",
    "     the cards keep their reviews and due dates. (A note type with several card types,",
    "     such as 'Basic (and reversed card)', keeps only the first card of each note: Anki",
    "     removes the others and their schedule.)",
    "  3. Import the same package again, with 'Update notes: Always' this one time: the notes",
    "     take the deck's fields. Later builds import with the default options.",
)
ADVICE = {
    # What a learner's file of another kind is, and how to get one prepdeck reads from it.
    ".xlsx": "a spreadsheet: open it and save it as CSV (File > Save As > CSV UTF-8)",
    ".xlsm": "a spreadsheet: open it and save it as CSV (File > Save As > CSV UTF-8)",
    ".xls": "a spreadsheet: open it and save it as CSV (File > Save As > CSV UTF-8)",
    ".ods": "a spreadsheet: open it and save it as CSV (File > Save a Copy > Text CSV, UTF-8)",
    ".numbers": "a Numbers spreadsheet: export it as CSV (File > Export To > CSV)",
    ".gsheet": "a link to a Google sheet: download it as CSV (File > Download > .csv)",
    ".docx": "a document: save it as plain text (.txt) or Markdown (.md), then import that",
    ".doc": "a document: save it as plain text (.txt) or Markdown (.md), then import that",
    ".odt": "a document: save it as plain text (.txt) or Markdown (.md), then import that",
    ".rtf": "a document: save it as plain text (.txt), then import that",
    ".pages": "a Pages document: export it as plain text (File > Export To > Plain Text)",
    ".gdoc": "a link to a Google document: download it as .txt or .md (File > Download)",
    ".pdf": "a PDF: copy its text into a .txt file (or save it as text), then import that",
    ".html": "a web page: save its text as a .txt file, or copy it into a .md file",
    ".htm": "a web page: save its text as a .txt file, or copy it into a .md file",
    ".anki2": "an Anki collection file: in Anki, use File > Export, 'Anki Deck Package'",
    ".anki21": "an Anki collection file: in Anki, use File > Export, 'Anki Deck Package'",
    ".yaml": "already a deck file, perhaps: put it in decks/ and run prepdeck check",
    ".yml": "already a deck file, perhaps: put it in decks/ and run prepdeck check",
    ".json": "JSON: prepdeck imports CSV, Markdown, text and Anki packages",
    ".zip": "a zip file: unpack it and import the file inside",
}
# The first bytes of files a learner may have renamed to .csv, .txt or .md by mistake.
MAGIC = (
    (b"PK\x03\x04", "a zip file (an .xlsx, .ods or .docx document?)"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.xls or .doc?)"),
    (b"%PDF", "a PDF"),
    (b"{\\rtf", "an RTF document"),
    (b"SQLite format 3\x00", "an SQLite database (an Anki collection?)"),
)


class ImportResult(NamedTuple):
    deck: Deck
    text: str  # the deck file, ready to write
    notes: list[str]  # how the source was read (encoding, field mapping)
    skipped: list[str]  # what was left out, with counts
    adjusted: list[str]  # what was changed to fit the deck format
    kept_key: bool  # the key and ids came from a package prepdeck built
    advice: tuple[str, ...] = ()  # what to do in Anki to keep reviews (also in the file's header)
    strict: tuple[str, ...] = ()  # warnings `check --strict` (the pre-commit hook) will fail on


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
    other_types: tuple[tuple[str, int], ...] = ()  # see AnkiDeck.other_types
    note_decks: tuple[str, ...] = ()  # the Anki decks the notes of other_types are in


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
    """Read `source` (CSV/TSV, Markdown/text article, Anki package) into a new deck's text.

    Nothing is written: `output` is where the caller will write `result.text`
    (prepdeck.sources.importer.write_new does it, never over a file); it is checked, and names
    the deck when the source gives no name. `topic` is for questions the source gives none;
    `columns` (CSV/TSV) and `fields` (Anki) are tuples of "NAME=KEY" strings (or one such
    string), as --column and --field take them; `tip_separator` splits a CSV/TSV tip cell;
    `note_type` picks an Anki note type.
    """
    columns = (columns,) if isinstance(columns, str) else tuple(columns)
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    if output is not None:
        _check_target(Path(output))
    suffix = Path(source).suffix.lower()
    kind = not_a_file(source)  # a FIFO would hang the read, /dev/zero never end
    if kind:
        raise SourceError(f"{source}: is {kind}, not a file; name the file to import")
    if not Path(source).is_file():
        raise SourceError(f"{source}: no such file")
    if suffix in (*TABLES, *ARTICLES):
        _check_text(source)
    # A deck's name when the source has none: from the file the learner named, as `new` does.
    name = default_name(output or source)
    if suffix in TABLES:
        read = _table(source, name, topic, parse_mappings(columns, "--column"), tip_separator)
    elif suffix in ARTICLES:
        read = _article(source, name, topic, markdown=ARTICLES[suffix])
    elif suffix in PACKAGES:
        read = _package(source, name, topic, note_type, parse_mappings(fields, "--field"))
    else:
        kinds = ", ".join((*TABLES, *ARTICLES, *PACKAGES))
        if suffix in ADVICE:
            raise SourceError(
                f"{source}: is {ADVICE[suffix]}. prepdeck imports {kinds} files; renaming it "
                "does not convert it"
            )
        raise SourceError(
            f"{source}: cannot tell its format from the name; prepdeck imports {kinds} files: "
            "save it as one of them from the program that made it (renaming it does not "
            "convert it)"
        )
    if read.key == "collection" or read.key.startswith("backup-"):  # refused by deckformat.py
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
    advice = _advice(read, deck, target)
    header = [h.format(source=Path(source).name, target=_shell(target)) for h in HEADER]
    if read.key:
        header += SAME_KEY
    header += advice
    text = (
        "".join(f"# {_comment(line)}\n" for line in header) + "\n" + dump_deck(deck, annotate=True)
    )
    try:
        written = parse_deck_text(text, target)  # what we write must build as it is
    except DeckFileError as err:
        raise SourceError(
            f"{source}: the imported deck does not validate (a prepdeck bug; please report "
            f"it):\n{err}"
        ) from None
    return ImportResult(
        deck,
        text,
        read.notes,
        read.skipped,
        adjusted,
        bool(read.key),
        tuple(advice),
        tuple(_strict_warnings(written)),
    )


def _advice(read: _Read, deck: Deck, target: str) -> list[str]:
    """What the learner must know to keep their reviews: lines for the header and summary."""
    if not any(q.guid for q in deck.questions):
        return []
    lines = list(KEPT_GUIDS)
    if read.other_types:
        from prepdeck.cards.notetype import notetype_name

        names = [name for name, _ in read.other_types]
        count = sum(n for _, n in read.other_types)
        search = " OR ".join(f'"note:{_search_text(name, notetype=True)}"' for name in names[:5])
        if len(names) > 1:
            search = f"({search})"
        decks = sorted(set(read.note_decks))
        if decks and len(decks) <= 5:
            where = " OR ".join(f'"deck:{_search_text(d)}"' for d in decks)
            search += f" ({where})" if len(decks) > 1 else f" {where}"
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        lines += [
            line.format(
                types=", ".join(f"'{quoted(n)}'" for n in names[:5]) + more,
                target=_shell(target),
                notetype=notetype_name(deck.key),
                search=search,
                count=f"{count} note{'s' if count != 1 else ''}",
            )
            for line in OTHER_TYPE
        ]
    return lines


def _search_text(text: str, notetype: bool = False) -> str:
    """A name inside a double-quoted Anki search: backslashes and quotes escaped. Anki drops
    the quotes from a note type's name when it imports it (measured), so there a `*` stands
    for each."""
    text = text.replace("\\", "\\\\")
    text = text.replace('"', "*" if notetype else '\\"')
    return quoted(text, 200)


def _shell(path: str) -> str:
    import shlex

    return shlex.quote(path)


def _comment(line: str) -> str:
    """One line of a YAML comment: a line break or control character in a file, deck or note
    type name would end the comment and start YAML of its own, so each is shown escaped."""
    return quoted(line, 400)


def _strict_warnings(deck: Deck) -> list[str]:
    """What `prepdeck check --strict` (the pre-commit hook) will refuse in the written deck."""
    from prepdeck.deckfile.lint import lint_deck

    return [str(w) for w in lint_deck(deck)]


def _check_text(source: str) -> None:
    """A file named as text that is not text: say what it is, not 'not valid UTF-8'."""
    try:
        with open(source, "rb") as f:
            head = f.read(16)
    except OSError as err:
        raise SourceError(f"{source}: cannot read: {err.strerror or err}") from None
    for magic, what in MAGIC:
        if head.startswith(magic):
            raise SourceError(
                f"{source}: is {what}, not text: renaming a file does not convert it; open it "
                "in the program that made it and save it as CSV (a table) or as plain text"
            )


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
    name = article.title or name
    # "Getting ready for your interview: 8 questions" -> "Getting ready for your interview"
    return _Read(article.drafts, name, topic or name.split(": ", 1)[0], [], article.skipped)


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
        anki.other_types,
        anki.other_decks,
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
    source = quoted(source, 400)
    lines = [
        f"{source}: {n} question{'s' if n != 1 else ''} in {t} topic{'s' if t != 1 else ''}, "
        f"deck '{deck.name}' (key {deck.key}"
        + (", kept from the package" if result.kept_key else "")
        + ")"
    ]
    lines += [f"  read: {line}" for line in bounded(result.notes)]
    lines += [f"  changed: {line}" for line in result.adjusted]
    lines += [f"  skipped: {line}" for line in bounded(result.skipped)]
    if result.kept_key:
        lines += [f"  identity: {' '.join(SAME_KEY)}"]
    if result.advice:
        lines += [f"  identity: {result.advice[0]}"]
        lines += [f"    {line}" for line in result.advice[1:]]
    if result.strict:
        n = len(result.strict)
        lines.append(
            f"  check --strict (the pre-commit hook) will fail on {n} warning"
            f"{'s' if n != 1 else ''} until you edit the deck:"
        )
        lines += [f"    {line}" for line in bounded(result.strict)]
    return lines
