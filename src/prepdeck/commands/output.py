r"""What the command line prints: text made safe for a terminal, tables, sizes and JSON.

Deck files come from anyone. A YAML escape such as "\e]0;…\a" puts terminal control
sequences into a topic or a question; printed as they are, they could retitle the window,
write to the clipboard (OSC 52) or hide text. Everything prepdeck prints passes through
`visible`, which shows such characters as escapes instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f]")  # json.dumps escapes the C0 controls itself


def visible(text: str) -> str:
    """Text with control characters (but tab and line feed) shown as \\xNN escapes."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def one_line(text: str) -> str:
    """A value for a table cell: its line breaks and tabs shown as \\n and \\t, so that a
    question cannot print a row of its own."""
    return visible(text).replace("\n", "\\n").replace("\t", "\\t")


def json_text(obj: object) -> str:
    """Indented JSON with non-ASCII text as is, and DEL and C1 controls escaped too."""
    import json

    text = json.dumps(obj, indent=2, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(kind: str, message: str, path: str, line: int = 0, column: int = 0) -> str:
    """A GitHub Actions workflow command (`::error file=…,line=…,col=…::…`) that puts the
    message on the line of a pull request; escaped per GitHub's rules, so no deck text can
    end the command early or start another one. Other control characters are shown."""
    props = [f"file={_github_property(visible(path))}"]
    if line:
        props.append(f"line={line}")
        if column:
            props.append(f"col={column}")
    return f"::{kind} {','.join(props)}::{_github_data(visible(message))}"


def plural(n: int, word: str) -> str:
    """'1 note', '2 notes'."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def size(n: int) -> str:
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def width(text: str) -> int:
    """Columns a terminal gives the text: two for wide (CJK) characters, none for marks."""
    import unicodedata

    if text.isascii():
        return len(text)
    return sum(
        0
        if unicodedata.combining(c) or unicodedata.category(c) == "Cf"
        else 2
        if unicodedata.east_asian_width(c) in "WF"
        else 1
        for c in text
    )


def clip(text: str, columns: int) -> str:
    """The text cut to `columns` terminal columns, with '…' where it was cut."""
    if width(text) <= columns:
        return text
    out, used = [], 0
    for c in text:
        if used + width(c) > columns - 1:
            break
        out.append(c)
        used += width(c)
    return "".join(out) + "…"


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def table(header: Sequence[str], rows: Sequence[Sequence[str]], caps: Sequence[int]) -> list[str]:
    """Columns padded to their widest value in terminal columns (each capped at `caps`;
    0 = no cap). The last column is never padded."""
    sizes = []
    for i, name in enumerate(header):
        longest = max([width(name), *(width(r[i]) for r in rows)])
        sizes.append(min(longest, caps[i]) if caps[i] else longest)
    out = []
    for row in [header, *rows]:
        cells = [pad(clip(v, sizes[i]), sizes[i]) for i, v in enumerate(row[:-1])]
        out.append("  ".join([*cells, row[-1]]))
    return out
