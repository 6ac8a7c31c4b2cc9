"""Anki notes -> questions: which note types, which fields, and what a prepdeck deck gives back."""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from prepdeck.cards.render import RETIRED_TAG, TOPIC_TAG_PREFIX
from prepdeck.deckfile.load import LANG_RE, SLUG_RE
from prepdeck.sources.ankipkg import AnkiNote, NoteType, Package
from prepdeck.sources.draft import Draft, SourceError
from prepdeck.sources.fields import KEYS, SKIP, fold, key_for
from prepdeck.sources.htmlmd import to_markdown, to_text, to_tips

_PREPDECK_NAME = re.compile(r"^prepdeck-([a-z0-9][a-z0-9-]{0,63})\Z")
# Longer than any field a deck can hold (50 tips of 20,000 characters, with their markup).
MAX_FIELD_CHARS = 1_200_000
_SPEAK = re.compile(r"\{\{tts ([A-Za-z_]+):Question\}\}")
_PREPDECK_MAP = {
    "Question": "question",
    "Tips": "tips",
    "Example": "example",
    "Notes": "notes",
    "Topic": "topic",
    "Id": "id",
}


class AnkiDeck(NamedTuple):
    drafts: list[Draft]
    name: str  # the Anki deck the notes are in ("" when unknown)
    description: str  # that deck's description, as Markdown
    key: str  # the deck key of a package prepdeck built, else ""
    subdecks: bool  # a prepdeck deck built with `subdecks: by-topic`
    speak: str  # a prepdeck deck's text-to-speech language, from its front template
    skipped: list[str]
    notes: list[str]  # how fields were mapped, for the report
    # Note types (name, count) of the notes kept with their GUID that are not this deck's
    # own: Anki cannot update a note into another note type, so they need a step in Anki.
    other_types: tuple[tuple[str, int], ...] = ()
    other_decks: tuple[str, ...] = ()  # the Anki decks those notes' cards are in


def prepdeck_key(nt: NoteType) -> str:
    """The deck key of a note type prepdeck made (`prepdeck-<key>` with its fields), or ''."""
    m = _PREPDECK_NAME.match(nt.name)
    return m.group(1) if m and set(_PREPDECK_MAP) <= set(nt.fields) else ""


def read_notes(
    pkg: Package, path: str, *, note_type: str | None, fields: dict[str, str]
) -> AnkiDeck:
    """The package's notes as drafts, mapped field by field."""
    used = Counter(n.notetype for n in pkg.notes)
    skipped: list[str] = []
    report: list[str] = []
    chosen = _choose(pkg, path, note_type, used)
    for nt in pkg.notetypes.values():
        if used[nt.id] and nt not in chosen:
            why = "a cloze note type" if nt.cloze else f"not --note-type '{note_type}'"
            skipped.append(f"{_n(used[nt.id], 'note')} of type '{nt.name}' ({why})")
    keys = {nt.id: prepdeck_key(nt) for nt in chosen}
    deck_keys = sorted({k for k in keys.values() if k})
    if len(deck_keys) > 1:
        raise SourceError(
            f"{path}: holds {len(deck_keys)} prepdeck decks ({', '.join(deck_keys)}); import one "
            f"at a time with --note-type prepdeck-{deck_keys[0]}"
        )
    mappings = {nt.id: _mapping(nt, fields, keys[nt.id], path, report) for nt in chosen}
    media = pkg.media_files
    empty: list[int] = []  # note ids, to find them in Anki (search nid:ID)
    too_long: list[int] = []
    drafts: list[Draft] = []
    decks: list[str] = []
    other: Counter[int] = Counter()
    other_decks: set[str] = set()
    for note in pkg.notes:
        if note.notetype not in mappings:
            continue
        if any(len(f) > MAX_FIELD_CHARS for f in note.fields):
            too_long.append(note.id)
            continue
        draft, dropped = _draft(note, mappings[note.notetype], path)
        media += dropped
        if draft is None:
            empty.append(note.id)
            continue
        drafts.append(draft)
        decks.append(note.deck)
        if not keys[note.notetype]:
            other[note.notetype] += 1
            other_decks.add(note.deck)
    if too_long:
        skipped.append(
            f"{_n(len(too_long), 'note')} with a field over {MAX_FIELD_CHARS:,} characters "
            f"({_ids(too_long)})"
        )
    if empty:
        skipped.append(
            f"{_n(len(empty), 'note')} with an empty question or no tips ({_ids(empty)})"
        )
    if media:
        skipped.append(f"{_n(media, 'media item')} (files, images, sounds: not imported)")
    name, topics, by_topic = _placement(decks, drafts)
    drafts = [d if d.topic else d._replace(topic=t) for d, t in zip(drafts, topics, strict=True)]
    key = deck_keys[0] if deck_keys else ""
    description = to_markdown(pkg.descriptions.get(name, "")).markdown
    speak = ""
    if key:
        front = next(nt.front for nt in chosen if keys[nt.id] == key)
        found = _SPEAK.search(front)
        speak = found.group(1) if found and LANG_RE.match(found.group(1)) else ""
    subdecks = bool(key) and by_topic
    other_types = tuple((pkg.notetypes[i].name, n) for i, n in other.items())
    return AnkiDeck(
        drafts,
        name,
        description,
        key,
        subdecks,
        speak,
        skipped,
        report,
        other_types,
        tuple(sorted(d for d in other_decks if d)),
    )


def _choose(pkg: Package, path: str, name: str | None, used: Counter) -> list[NoteType]:
    if name is None:
        return [nt for nt in pkg.notetypes.values() if used[nt.id] and not nt.cloze]
    match = [nt for nt in pkg.notetypes.values() if nt.name.casefold() == name.casefold()]
    if not match:
        have = ", ".join(
            f"'{nt.name}' ({used[nt.id]} notes)" for nt in pkg.notetypes.values() if used[nt.id]
        )
        raise SourceError(f"{path}: has no note type '{name}'; it has: {have or 'no notes'}")
    if match[0].cloze:
        raise SourceError(
            f"{path}: '{match[0].name}' is a cloze note type; prepdeck cards are questions with "
            "tips, so cloze notes cannot be imported"
        )
    return match


def _mapping(
    nt: NoteType, explicit: dict[str, str], deck_key: str, path: str, report: list[str]
) -> list[str | None]:
    """For each field of the note type, the key it fills (None: left out)."""
    out: list[str | None] = []
    for field in nt.fields:
        key = explicit.get(fold(field))
        if key is None:
            key = _PREPDECK_MAP.get(field) if deck_key else key_for(field)
        out.append(None if key == SKIP else key)
    for needed, position in (("question", 0), ("tips", 1)):
        if needed in out:
            continue
        free = [i for i, k in enumerate(out) if k is None and fold(nt.fields[i]) not in explicit]
        if position < len(nt.fields) and position in free:
            out[position] = needed
        elif free:
            out[free[0]] = needed
        else:
            raise SourceError(
                f"{path}: note type '{nt.name}' has no field for the {needed}; map one with "
                f"--field 'FIELD={needed}' (its fields: {_names(nt.fields)})"
            )
    dupes = [k for k, n in Counter(k for k in out if k).items() if n > 1]
    if dupes:
        names = [f for f, k in zip(nt.fields, out, strict=True) if k == dupes[0]]
        raise SourceError(
            f"{path}: note type '{nt.name}': fields {_names(names)} all map to {dupes[0]}; "
            f"leave one out with --field '{names[-1]}=-'"
        )
    pairs = [f"{f} -> {k}" for f, k in zip(nt.fields, out, strict=True) if k]
    left = [f for f, k in zip(nt.fields, out, strict=True) if not k]
    line = f"note type '{nt.name}': {', '.join(pairs)}"
    if left and not deck_key:  # prepdeck's Extra holds only its own sound tags (counted)
        line += (
            f"; left out: {', '.join(left)} (keep with --field 'FIELD=KEY', KEY: {', '.join(KEYS)})"
        )
    report.append(line)
    return out


def _draft(note: AnkiNote, mapping: list[str | None], path: str) -> tuple[Draft | None, int]:
    values = {key: value for key, value in zip(mapping, note.fields, strict=False) if key}
    # Recordings in fields left out (prepdeck's own are in Extra) are media left behind too.
    media = sum(
        value.count("[sound:") for key, value in zip(mapping, note.fields, strict=False) if not key
    )

    def text(key: str) -> str:
        nonlocal media
        converted = to_text(values.get(key, ""))
        media += converted.media
        return converted.markdown

    def markdown(key: str) -> str:
        nonlocal media
        converted = to_markdown(values.get(key, ""))
        media += converted.media
        return converted.markdown

    tips_md = to_tips(values.get("tips", ""))
    media += tips_md.media
    tags = [t for t in note.tags if not t.lower().startswith(TOPIC_TAG_PREFIX)]
    qid = text("id")
    draft = Draft(
        question=text("question"),
        tips=tips_md.tips,
        where=f"{path}: note {note.id}",
        topic=text("topic"),
        tags=tuple(t for t in tags if t.lower() != RETIRED_TAG),
        example=markdown("example"),
        notes=markdown("notes"),
        id=qid if SLUG_RE.match(qid) else "",
        retired=any(t.lower() == RETIRED_TAG for t in note.tags),
        guid=note.guid,
    )
    if not draft.question or not draft.tips:
        return None, media
    return draft, media


def _placement(decks: list[str], drafts: list[Draft]) -> tuple[str, list[str], bool]:
    """The deck's name and each note's topic from the Anki decks its cards are in.

    Notes in subdecks of one deck ("Interview::Behavioural") get the subdeck as topic."""
    names = [d for d in decks if d and d != "Default"]
    if not names:
        return "", ["" for _ in decks], False
    parts = [n.split("::") for n in names]
    common: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    if (
        common
        and all(len(p) == len(common) for p in parts)
        and len(common) > 1
        and len(set(names)) == 1
    ):
        common = common[:-1]  # every note in one subdeck: its parent is the deck, it the topic
    root = "::".join(common) or names[0].split("::")[0]
    topics = []
    for deck in decks:
        rest = deck.split("::")[len(common) :] if deck.startswith(root) else []
        topics.append(" ".join(rest[-1:]) if rest else "")
    by_topic = all(t and t == d.topic for t, d in zip(topics, drafts, strict=True))
    return root, topics, by_topic


def _names(names, shown: int = 10) -> str:
    """Field names for a message: the first few of however many a note type has."""
    names = list(names)
    more = f" and {len(names) - shown:,} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _ids(ids: list[int], shown: int = 10) -> str:
    """Note ids as an Anki search finds them: `nid:1,2,3`, the first few of many."""
    more = f" and {len(ids) - shown:,} more" if len(ids) > shown else ""
    return f"Anki search: nid:{','.join(map(str, ids[:shown]))}{more}"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
