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


def json_text(obj: object) -> str:
    """Indented JSON with non-ASCII text as is, and DEL and C1 controls escaped too."""
    import json

    text = json.dumps(obj, indent=2, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def plural(n: int, word: str) -> str:
    """'1 note', '2 notes'."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def size(n: int) -> str:
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> list[str]:
    """Columns padded to their widest value (each capped at `widths`; 0 = no cap, no pad).

    The last column is never padded."""
    caps = []
    for i, name in enumerate(header):
        longest = max([len(name), *(len(r[i]) for r in rows)])
        caps.append(min(longest, widths[i]) if widths[i] else longest)
    out = []
    for row in [header, *rows]:
        cells = [clip(v, caps[i]).ljust(caps[i]) for i, v in enumerate(row[:-1])]
        out.append("  ".join([*cells, row[-1]]))
    return out
