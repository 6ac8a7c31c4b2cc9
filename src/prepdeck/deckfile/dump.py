"""Write a Deck back out as deck-format YAML that reads well and loads back to the same deck."""

from __future__ import annotations

import re

import yaml

from prepdeck.deckfile.labels import default_voice
from prepdeck.deckfile.model import Deck, Question

# Comments `prepdeck new` puts beside the keys of its starter deck.
HINTS = {
    "deck.key": "stable: every card's identity derives from it",
    "deck.name": 'the deck\'s name in Anki ("Parent::Child" nests)',
    "question.id": "stable and unique in this deck; keep it once imported",
    "question.tips": '3 to 6 short points; quote a tip that contains ": "',
    "question.tags": "optional",
}


_WIDE = 1_000_000  # never fold a line: folding would need re-indenting
# YAML reads these as line breaks and turns them into "\n" inside a literal block.
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")
_PLAIN_IN_FLOW = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")


def yaml_scalar(text: str, indent: int) -> str:
    """One text value as YAML: plain or quoted on one line, a literal block when multi-line."""
    if "\n" in text or any(b in text for b in _OTHER_BREAKS):
        out = yaml.safe_dump(text, default_style="|", allow_unicode=True, width=_WIDE)
        if out.startswith("|") and not any(b in text for b in _OTHER_BREAKS):
            header, _, body = out.partition("\n")
            pad = " " * indent
            # Blank lines stay blank: padding them would leave trailing spaces in the file.
            lines = (pad + line if line else "" for line in body.splitlines())
            return header + "\n" + "".join(line + "\n" for line in lines)[:-1]
        # Text a literal block cannot hold (trailing spaces, special characters): escaped.
        return yaml.safe_dump(text, default_style='"', allow_unicode=True, width=_WIDE).rstrip("\n")
    out = yaml.safe_dump(text, allow_unicode=True, width=_WIDE)
    return out.removesuffix("\n...\n").removesuffix("\n")


def flow_scalar(text: str) -> str:
    """A value inside [a, b]: anything but a plain word is quoted (',', ':', ']' would split it)."""
    if not _PLAIN_IN_FLOW.match(text):
        return yaml.safe_dump(text, default_style='"', allow_unicode=True, width=_WIDE).rstrip("\n")
    return yaml_scalar(text, 0)  # quotes words YAML would read as null, true or a number


def _line(pad: str, key: str, value: str, hint: str | None, annotate: bool) -> str:
    comment = f"  # {hint}" if annotate and hint else ""
    if "\n" in value:  # a literal block: the comment would become part of the text
        return f"{pad}{key}: {value}\n"
    return f"{pad}{key}: {value}{comment}\n"


def dump_deck(deck: Deck, *, annotate: bool = False) -> str:
    """The deck as YAML; `annotate` adds short comments for a newcomer."""
    out = ["deck:\n"]
    out.append(_line("  ", "key", yaml_scalar(deck.key, 2), HINTS["deck.key"], annotate))
    out.append(_line("  ", "name", yaml_scalar(deck.name, 2), HINTS["deck.name"], annotate))
    if deck.description:
        out.append(_line("  ", "description", yaml_scalar(deck.description, 2), None, annotate))
    if deck.subdecks != "none":
        out.append(f"  subdecks: {deck.subdecks}\n")
    if deck.language:
        out.append(f"  language: {deck.language}\n")
    if deck.labels:
        out.append("  labels:\n")
        out += [f"    {key}: {yaml_scalar(text, 4)}\n" for key, text in deck.labels]
    if deck.speak != default_voice(deck.language):  # a language brings its own voice
        out.append(f"  speak: {deck.speak or 'off'}\n")
    out.append("\nquestions:\n")
    for q in deck.questions:
        out.append(question_yaml(q, annotate))
    return "".join(out)


def question_yaml(q: Question, annotate: bool) -> str:
    pad = "    "
    lines = [_line("  - ", "id", yaml_scalar(q.id, 4), HINTS["question.id"], annotate)]
    lines.append(_line(pad, "topic", yaml_scalar(q.topic, 4), None, annotate))
    lines.append(_line(pad, "question", yaml_scalar(q.question, 4), None, annotate))
    tips_hint = f"  # {HINTS['question.tips']}" if annotate else ""
    lines.append(f"{pad}tips:{tips_hint}\n")
    lines += [f"{pad}  - {yaml_scalar(tip, 8)}\n" for tip in q.tips]
    if q.tags:
        tags = "[" + ", ".join(flow_scalar(t) for t in q.tags) + "]"
        lines.append(_line(pad, "tags", tags, HINTS["question.tags"], annotate))
    if q.example:
        lines.append(_line(pad, "example", yaml_scalar(q.example, 4), None, annotate))
    if q.notes:
        lines.append(_line(pad, "notes", yaml_scalar(q.notes, 4), None, annotate))
    if q.retired:
        lines.append(f"{pad}retired: true\n")
    if q.guid:
        lines.append(f"{pad}guid: {yaml_scalar(q.guid, 4)}\n")
    return "".join(lines)
