"""What every source produces, and how it becomes a valid deck file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from prepdeck.cards.notetype import note_guid
from prepdeck.deckfile.deckformat import GUID_RE
from prepdeck.deckfile.load import (
    MAX_TAGS,
    MAX_TEXT_CHARS,
    MAX_TIPS,
    RESERVED_TAG_PREFIXES,
    SLUG_RE,
)
from prepdeck.deckfile.model import Deck, Question
from prepdeck.deckfile.slugs import ascii_slug as _slugify
from prepdeck.deckfile.slugs import slugify
from prepdeck.errors import DeckFileError, PrepdeckError, Problem

TOPIC_PREFIX = "topic::"
RETIRED_TAG = "prepdeck::retired"  # what cards/render.py tags a retired question with
MAX_PROBLEMS = 20  # problems shown before "and N more"

ID_WORDS = 8  # a slug of the question's first words stays readable
# Control characters: invisible in a card, and \x1f would split an Anki note's fields.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff]")
_TIP_BULLET = re.compile(r"^\s*(?:[-*+\u2022\u00b7\u25aa\u2023\u25e6\u2013]|[0-9]{1,3}[.)])\s+")


class Draft(NamedTuple):
    """One question as a source gave it; `where` locates it for messages (file:line)."""

    question: str
    tips: tuple[str, ...]
    where: str
    topic: str = ""
    tags: tuple[str, ...] = ()
    example: str = ""
    notes: str = ""
    id: str = ""  # kept from a package prepdeck built; otherwise made from the question
    retired: bool = False
    guid: str = ""  # the Anki note's own GUID, kept so that Anki can update that note


class SourceError(PrepdeckError):
    """A source file cannot be imported; the message is located (file:line: what to fix)."""


def at(where: str, message: str) -> Problem:
    """A problem at `where` ("file.csv:12", or "file.apkg: note 5" without a line)."""
    path, _, line = where.rpartition(":")
    if path and is_number(line):
        return Problem(path, int(line), 1, message)
    return Problem(where, 0, 0, message)


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit also takes '²' and '①', which int() then refuses."""
    return 0 < len(text) <= 18 and text.isascii() and text.isdigit()


def bounded(lines: list[str], limit: int = 20, what: str = "more") -> list[str]:
    """The first `limit` lines and one saying how many more: a source can repeat a problem
    a million times, and one screen of it says as much."""
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"... and {len(lines) - limit:,} {what}"]


def quoted(text: str, limit: int = 60) -> str:
    """Foreign text for a one-line message: control characters and line breaks shown as
    escapes, and cut to `limit` characters."""
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def located(path: str, line: int, message: str) -> DeckFileError:
    """One problem in a source file, reported like a deck file's: path:line:col: message."""
    return DeckFileError([Problem(path, line, 1, message)])


def split_tips(text: str, separator: str | None = None) -> tuple[str, ...]:
    """A cell or field as tips: one per line (or per separator), list markers dropped."""
    pieces = text.split(separator) if separator else text.splitlines()
    tips = (_TIP_BULLET.sub("", p, count=1).strip() for p in pieces)
    return tuple(t for t in tips if t)


def split_tags(text: str) -> tuple[str, ...]:
    """Tags written with spaces, commas or semicolons between them."""
    return tuple(dict.fromkeys(t for t in re.split(r"[\s,;]+", text) if t))


def question_id(text: str, taken: set[str], counters: dict[str, int] | None = None) -> str:
    """A slug of the question's first words, unique in the deck (-2, -3 … when taken).

    `counters` remembers, per slug, the suffix to try next: 40,000 rows that ask the same
    question then cost one step each instead of trying every suffix taken before."""
    words = _slugify(text[:2000]).split("-")[:ID_WORDS]
    base = "-".join(words)[:56].strip("-") or "question"
    counters = {} if counters is None else counters
    qid, n = base, counters.get(base, 2)
    if qid in taken:
        qid = f"{base}-{n}"
        while qid in taken:
            n += 1
            qid = f"{base}-{n}"
        counters[base] = n + 1
    taken.add(qid)
    return qid


def build_deck(
    drafts: list[Draft], *, key: str, name: str, topic: str, source: str, description: str = ""
) -> tuple[Deck, list[str]]:
    """The deck, with ids and topics filled in; a draft the deck format cannot hold is an error.

    Returns the deck and notes about what was adjusted (a tag made valid, a duplicate id)."""
    if not drafts:
        raise SourceError(
            f"{source}: no questions found; see `prepdeck import --help` for what each "
            "format needs (a header row, numbered questions, a note type with fields)"
        )
    problems: list[Problem] = []
    adjusted: list[str] = []
    per_question: list[str] = []  # one line per question: bounded before it is reported
    kept_ids = {d.id for d in drafts if d.id and SLUG_RE.match(d.id)}
    taken = set(kept_ids)  # ids a source brought are reserved for the questions they name
    counters: dict[str, int] = {}
    used: set[str] = set()
    guids: set[str] = set()
    questions = []
    renamed: list[str] = []  # names that held what the deck format refuses in a name
    topic = _name(clean(topic), renamed) or "General"
    name = _name(clean(name), renamed)
    pictures = 0
    controls = sum(
        len(_CONTROL.findall(text))
        for d in drafts
        for text in (d.question, d.topic, d.example, d.notes, *d.tips, *d.tags)
    )
    if controls:
        adjusted.append(
            f"removed {controls} control character{'s' if controls != 1 else ''} (invisible on "
            "a card, and some would break an Anki note)"
        )
    for d in map(_cleaned, drafts):
        d, n = _without_pictures(d)
        pictures += n
        if not d.question:
            problems.append(
                at(
                    d.where,
                    "the question is empty once its invisible characters are removed; write it",
                )
            )
        if not d.tips:
            problems.append(at(d.where, f"'{_short(d.question)}' has no tips; add at least one"))
        if len(d.tips) > MAX_TIPS:
            problems.append(at(d.where, f"has {len(d.tips)} tips; the limit is {MAX_TIPS}"))
        for what, value in (("question", d.question), ("example", d.example), ("notes", d.notes)):
            if len(value) > MAX_TEXT_CHARS:
                problems.append(
                    at(
                        d.where,
                        f"the {what} is {len(value):,} characters; the limit is {MAX_TEXT_CHARS:,}",
                    )
                )
        if any(len(t) > MAX_TEXT_CHARS for t in d.tips):
            problems.append(at(d.where, f"a tip is over {MAX_TEXT_CHARS:,} characters"))
        if d.id in kept_ids and d.id not in used:
            qid = d.id
        else:
            if d.id:
                per_question.append(
                    f"{d.where}: id '{quoted(d.id)}' is taken or not a slug; made a new one"
                )
            qid = question_id(d.question, taken, counters)
        used.add(qid)
        guid = d.guid
        if guid and (guid in guids or not GUID_RE.match(guid)):
            why = "another note has it too" if guid in guids else "it is not one Anki writes"
            per_question.append(
                f"{d.where}: its Anki GUID '{quoted(guid)}' is not kept ({why}): this question "
                "arrives in Anki as a new note"
            )
            guid = ""
        if guid and guid == note_guid(key, qid):
            guid = ""  # the one the build gives it anyway
        guids.add(guid)
        questions.append(
            Question(
                id=qid,
                topic=_name(d.topic, renamed) or topic,
                question=" ".join(d.question.split()),
                tips=d.tips,
                tags=_valid_tags(
                    d._replace(tags=tuple(_name(t, renamed) for t in d.tags)), per_question
                ),
                example=d.example,
                notes=d.notes,
                retired=d.retired or any(t.lower() == RETIRED_TAG for t in d.tags),
                guid=guid,
            )
        )
    if problems:
        if len(problems) > MAX_PROBLEMS:
            shown = "\n".join(str(p) for p in sorted(problems)[:MAX_PROBLEMS])
            raise SourceError(
                f"{shown}\n... and {len(problems) - MAX_PROBLEMS:,} more problems in {source}"
            )
        raise DeckFileError(problems)
    if pictures:
        adjusted.append(
            f"{pictures} picture{'s' if pictures != 1 else ''} in the text became links: import "
            "brings no media, and a deck shows only pictures beside its file"
        )
    if renamed:
        n = len(set(renamed))
        adjusted.append(
            f"{n} name{'s' if n != 1 else ''} (deck, topic or tag) lost invisible characters, "
            f"line breaks or empty '::' parts, which the deck format refuses: {quoted(renamed[0])}"
            + (" and others" if n > 1 else "")
        )
    adjusted += bounded(per_question, what="more like these")
    deck = Deck(key=key, name=name, description=description, questions=tuple(questions))
    return deck, adjusted


# `![alt](url)` not preceded by a backslash of its own: the start of a Markdown picture.
_PICTURE = re.compile(r"(?<!\\)((?:\\\\)*)!\[")


def _without_pictures(d: Draft) -> tuple[Draft, int]:
    r"""Markdown pictures as links. A deck file shows only pictures stored beside it (a remote
    one would track the learner), and import brings no files: `\![alt](url)` reads as a `!`
    and a link, which a card shows only for http, https and mailto."""
    count = 0

    def fix(text: str) -> str:
        nonlocal count
        if "![" not in text:
            return text
        from prepdeck.deckfile.media import image_refs

        found = len(image_refs(text))
        if not found:
            return text
        count += found
        return _PICTURE.sub(lambda m: m.group(1) + "\\![", text)

    return d._replace(
        tips=tuple(map(fix, d.tips)), example=fix(d.example), notes=fix(d.notes)
    ), count


def clean(text: str) -> str:
    """Text without control characters, with line breaks as \\n, trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def _cleaned(d: Draft) -> Draft:
    return d._replace(
        question=clean(d.question),
        tips=tuple(t for t in map(clean, d.tips) if t),
        topic=clean(d.topic),
        tags=tuple(t for t in map(clean, d.tags) if t),
        example=clean(d.example),
        notes=clean(d.notes),
        id=clean(d.id),
    )


def _valid_tags(d: Draft, adjusted: list[str]) -> tuple[str, ...]:
    out = []
    for tag in d.tags:
        if tag.lower().startswith(RESERVED_TAG_PREFIXES):
            # prepdeck adds topic:: and prepdeck:: tags itself (a prepdeck package's come
            # back as the topic and `retired`); any other is left out, and said so.
            own = (RETIRED_TAG, TOPIC_PREFIX + slugify(d.topic))
            if tag.lower() not in own:
                adjusted.append(
                    f"{d.where}: left out the tag '{quoted(tag)}' (topic:: and prepdeck:: are "
                    "reserved)"
                )
            continue
        clean = re.sub(r"\s+", "-", tag.replace('"', ""))
        if clean and clean not in out:
            out.append(clean)
    if len(out) > MAX_TAGS:
        adjusted.append(f"{d.where}: kept the first {MAX_TAGS} of {len(out)} tags")
    return tuple(out[:MAX_TAGS])


def _name(text: str, renamed: list[str]) -> str:
    """A name as the deck format takes it (reader.name): one line in one Unicode spelling, no
    invisible characters, no empty '::' parts. A source's name that needed this is noted."""
    import unicodedata

    from prepdeck.deckfile.reader import INVISIBLE

    value = unicodedata.normalize("NFC", text)
    value = " ".join(
        INVISIBLE.sub(lambda m: " " if m.group() in "\n\t\u2028\u2029" else "", value).split()
    )
    value = value.strip("\u200c\u200d")
    if "::" in value:
        value = "::".join(p.strip() for p in value.split("::") if p.strip())
    if value != " ".join(text.split()):
        renamed.append(text)
    return value


def default_name(path: str) -> str:
    """'interview-questions.csv' -> 'Interview Questions'."""
    stem = Path(path).name.split(".", 1)[0]
    return " ".join(re.split(r"[-_\s]+", stem)).strip().title() or "Imported Questions"


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
