"""Which column or Anki field holds which part of a question: names, synonyms, mappings."""

from __future__ import annotations

from prepdeck.errors import PrepdeckError

KEYS = ("question", "tips", "topic", "tags", "example", "notes", "id")
SKIP = "-"  # `--column Comments=-` leaves a column out on purpose

# Header or field names, folded (lowercase, no spaces, '-' or '_'), and the key they mean.
SYNONYMS = {
    "question": "question",
    "questions": "question",
    "front": "question",
    "q": "question",
    "prompt": "question",
    "term": "question",
    "text": "question",
    "tips": "tips",
    "tip": "tips",
    "back": "tips",
    "answer": "tips",
    "answers": "tips",
    "a": "tips",
    "points": "tips",
    "keypoints": "tips",
    "studypoints": "tips",
    "hints": "tips",
    "topic": "topic",
    "topics": "topic",
    "category": "topic",
    "section": "topic",
    "subject": "topic",
    "deck": "topic",
    "tags": "tags",
    "tag": "tags",
    "labels": "tags",
    "keywords": "tags",
    "example": "example",
    "exampleanswer": "example",
    "sampleanswer": "example",
    "modelanswer": "example",
    "notes": "notes",
    "note": "notes",
    "mynotes": "notes",
    "comments": "notes",
    "myanswer": "notes",
    "extra": "notes",
    "id": "id",
}


def fold(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def key_for(name: str) -> str | None:
    """The key a header or field name stands for, or None."""
    return SYNONYMS.get(fold(name))


def parse_mappings(pairs: tuple[str, ...], option: str) -> dict[str, str]:
    """`--column 'Header=key'` pairs as {folded header: key}; a bad pair is a usage error."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, key = pair.rpartition("=")
        key = key.strip().lower()
        if not sep or not name.strip():
            raise MappingError(f"{option} '{pair}': write NAME=KEY, e.g. {option} 'Front=question'")
        if key not in (*KEYS, SKIP):
            raise MappingError(
                f"{option} '{pair}': '{key}' is not one of: {', '.join(KEYS)}, or - to skip"
            )
        out[fold(name)] = key
    return out


class MappingError(PrepdeckError):
    """A --column or --field option is malformed (a usage error: exit 2)."""

    exit_code = 2
