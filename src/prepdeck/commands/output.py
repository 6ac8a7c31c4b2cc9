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


# What each command prints, shaped from what the library returned.


def built_lines(result, dry_run: bool) -> list[str]:
    """`prepdeck build`'s report for one deck: the package, what changed, the state saved."""
    verb = "would write" if dry_run else "->"
    lines = [
        f"{result.deck.key}: {plural(result.notes, 'note')}, {plural(result.topics, 'topic')} "
        f"{verb} {result.output} ({size(result.size)})",
        *(f"  {line}" for line in result.report.lines()),
    ]
    if result.state_written:
        lines.append(f"  build state saved to {result.state_path}; commit it with the deck.")
    return lines


def check_json(checked, strict: bool) -> dict:
    return {
        "ok": checked.ok(strict),
        "errors": [
            {"path": p.path, "line": p.line, "column": p.column, "message": p.message}
            for p in checked.problems
        ],
        "warnings": [
            {"path": w.path, "line": w.line, "message": w.message} for w in checked.warnings
        ],
    }


def check_annotations(checked, strict: bool) -> list[str]:
    """Problems and warnings as GitHub Actions workflow commands (warnings fail with strict)."""
    problems = [
        github_annotation("error", p.message, p.path, p.line, p.column) for p in checked.problems
    ]
    kind = "error" if strict else "warning"
    return [
        *problems,
        *(github_annotation(kind, w.message, w.path, w.line) for w in checked.warnings),
    ]


def check_summary(checked, strict: bool) -> list[str]:
    """One line per deck: its size, and ok or how many warnings."""
    lines = []
    for d in checked.decks:
        mine = [w for w in checked.warnings if w.path == d.source]
        counts = f"{plural(len(d.questions), 'question')}, {plural(len(d.topics), 'topic')}"
        if strict and mine:
            lines.append(f"{d.source}: {counts}: {plural(len(mine), 'warning')} (--strict: fails)")
        elif mine:
            lines.append(f"{d.source}: {counts}: ok, {plural(len(mine), 'warning')}")
        else:
            lines.append(f"{d.source}: {counts}: ok")
    return lines


def questions_json(rows) -> list[dict]:
    """`prepdeck list --json`: one object per (deck, question)."""
    return [
        {
            "deck": d.key,
            "id": q.id,
            "topic": q.topic,
            "question": q.question,
            "tags": list(q.tags),
            "tips": len(q.tips),
            "retired": q.retired,
        }
        for d, q in rows
    ]


def questions_table(rows, several: bool, columns: int = 0) -> list[str]:
    """`prepdeck list`: id, topic and question (and the deck, for several decks), each line
    clipped to the terminal's `columns` (0: not clipped)."""
    header = (*(("DECK",) if several else ()), "ID", "TOPIC", "QUESTION")
    cells = [
        (*((d.key,) if several else ()), q.id, one_line(q.topic), one_line(q.question))
        for d, q in rows
    ]
    widths = (*((0,) if several else ()), 0, 30, 0)
    lines = table(header, cells, widths)
    return [clip(line, max(20, columns)) for line in lines] if columns else lines


def topics_table(counts, several: bool) -> list[str]:
    """`prepdeck topics`: each topic and its number of questions (and the deck, for several)."""
    rows = [(*((c.deck,) if several else ()), c.topic, f"{c.questions:>3}") for c in counts]
    header = (*(("",) if several else ()), "", "")
    return table(header, rows, (0,) * len(header))[1:]
