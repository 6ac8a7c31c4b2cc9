"""CSV and TSV files, as spreadsheets export them: one question per row under a header row."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from prepdeck.deckfile.load import MAX_FILE_BYTES
from prepdeck.sources.draft import Draft, SourceError, located, quoted, split_tags, split_tips
from prepdeck.sources.fields import KEYS, SKIP, fold, key_for

_DELIMITERS = ",;\t|"
_MAX_CELL = 1_000_000
_SHOWN = 10  # column names listed in one message before "and N more"


def read_bytes(path: str) -> bytes:
    """The file's bytes, refusing one too large to be a deck source."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise SourceError(
                f"{path}: is {size / 2**20:.0f} MiB; the limit is {MAX_FILE_BYTES // 2**20} MiB"
            )
        return Path(path).read_bytes()
    except OSError as err:
        raise SourceError(f"{path}: cannot read: {err.strerror or err}") from None


def decode(data: bytes, path: str) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 (with or without Excel's BOM), UTF-16 with a
    BOM (Excel's "Unicode text"), else Windows-1252 (older Excel on Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise SourceError(f"{path}: is not valid UTF-16; save it again as UTF-8") from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError as err:
            line = data[: err.start + 3].count(b"\n") + 1
            raise located(path, line, "is not valid UTF-8; save it again as UTF-8") from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def dialect_for(text: str, path: str) -> type[csv.Dialect]:
    """Excel's dialect with the separator its header row uses: the one of , ; tab | that
    occurs most often outside quotes (.tsv files: tab). csv.Sniffer is not used: it takes
    quadratic time on some inputs (measured: 14 s on 48 KB of quotes and commas)."""
    if Path(path).suffix.lower() in (".tsv", ".tab"):
        return csv.excel_tab
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for ch in text[:65536]:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
        elif not quoted and ch == "\n":
            break
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    if best == "\t":
        return csv.excel_tab
    return type("dialect", (csv.excel,), {"delimiter": best})


def read_table(
    path: str,
    *,
    columns: dict[str, str],
    tip_separator: str | None,
    notes: list[str],
) -> list[Draft]:
    """The questions of a CSV or TSV file; `columns` maps folded header names to keys."""
    text, encoding = decode(read_bytes(path), path)
    dialect = dialect_for(text, path)
    name = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}.get(dialect.delimiter, "")
    notes.append(f"{path} as {encoding}, {name or repr(dialect.delimiter)}-separated")
    csv.field_size_limit(_MAX_CELL)
    # strict: a stray quote is an error with its line, not rows silently run together
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    drafts: list[Draft] = []
    header: list[str | None] | None = None
    last_line = 0
    try:
        for row in reader:
            start, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _header(row, columns, path, start, notes)
                continue
            draft = _row(row, header, path, start, tip_separator)
            if draft is not None:
                drafts.append(draft)
    except csv.Error as err:
        # The row starts after the last one read; an unclosed quote runs to the end of the file.
        raise located(
            path,
            last_line + 1,
            f"{err}; check the quotes in this row (a cell with a line break or a separator "
            'in it needs quotes around it, and a quote inside one is "")',
        ) from None
    if header is None:
        raise SourceError(f"{path}: is empty; write a header row and one question per row")
    return drafts


def _header(
    row: list[str], columns: dict[str, str], path: str, line: int, notes: list[str]
) -> list[str | None]:
    keys: list[str | None] = []
    seen: dict[str, str] = {}
    unknown: list[tuple[int, str]] = []  # reported once, however many columns a file has
    for n, cell in enumerate(row, 1):
        label = cell.strip()
        key = columns.get(fold(label)) or key_for(label)
        if key == SKIP or (not label and key is None):
            keys.append(None)
            continue
        if key is None:
            unknown.append((n, quoted(label)))
            keys.append(None)
            continue
        if key in seen:
            raise located(
                path,
                line,
                f"columns '{quoted(seen[key])}' and '{quoted(label)}' both hold the {key}; "
                f"leave one out with --column '{quoted(label)}=-' or map it to another key",
            )
        seen[key] = label
        keys.append(key)
    if len(unknown) == 1:
        (n, label), keys_list = unknown[0], ", ".join(KEYS)
        notes.append(
            f"{path}:{line}: column {n} '{label}' left out; to keep it, map it with "
            f"--column '{label}=KEY' (KEY: {keys_list})"
        )
    elif unknown:
        shown = ", ".join(f"{n} '{label}'" for n, label in unknown[:_SHOWN])
        more = f" and {len(unknown) - _SHOWN:,} more" if len(unknown) > _SHOWN else ""
        notes.append(
            f"{path}:{line}: {len(unknown):,} columns left out: {shown}{more}; to keep one, "
            f"map it with --column 'HEADER=KEY' (KEY: {', '.join(KEYS)})"
        )
    for needed, hint in (("question", "Question or Front"), ("tips", "Tips or Back")):
        if needed not in seen:
            cells = [f"'{quoted(c.strip())}'" for c in row if c.strip()]
            found = ", ".join(cells[:_SHOWN]) + (
                f" and {len(cells) - _SHOWN:,} more" if len(cells) > _SHOWN else ""
            )
            raise located(
                path,
                line,
                f"no column holds the {needed}; name one '{hint}' in the header row, or map "
                f"yours with --column 'HEADER={needed}' (the header row has: {found})",
            )
    return keys


def _row(
    row: list[str], header: list[str | None], path: str, line: int, separator: str | None
) -> Draft | None:
    if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
        raise located(
            path,
            line,
            f"has {len(row)} cells but the header row has {len(header)}; put quotes around a "
            "cell that contains the separator",
        )
    values = {key: cell for key, cell in zip(header, row, strict=False) if key}
    question = " ".join(values.get("question", "").split())
    if not question:
        raise located(path, line, "the question cell is empty; fill it or delete the row")
    return Draft(
        question=question,
        tips=split_tips(values.get("tips", ""), separator),
        where=f"{path}:{line}",
        topic=values.get("topic", "").strip(),
        tags=split_tags(values.get("tags", "")),
        example=values.get("example", "").strip(),
        notes=values.get("notes", "").strip(),
        id=values.get("id", "").strip(),
    )
