"""The deck as the author wrote it: plain, frozen values, no YAML and no Anki in sight."""

from __future__ import annotations

from dataclasses import dataclass, field

SUBDECK_MODES = ("none", "by-topic")


@dataclass(frozen=True)
class Question:
    """One interview question; `id` is its identity in Anki, everything else may change freely."""

    id: str
    topic: str
    question: str
    tips: tuple[str, ...]
    tags: tuple[str, ...] = ()
    example: str = ""
    notes: str = ""
    retired: bool = False
    line: int = 0  # where the question starts in its file, for messages


@dataclass(frozen=True)
class Deck:
    """A deck file: its stable key, what Anki shows, and its questions in file order."""

    key: str
    name: str
    description: str
    questions: tuple[Question, ...]
    source: str = ""  # the file it came from, for messages
    subdecks: str = "none"
    speak: str = ""  # an Anki TTS language code such as en_US, or "" for silence
    topics: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.topics:
            seen: dict[str, None] = {}
            for q in self.questions:
                seen.setdefault(q.topic, None)
            object.__setattr__(self, "topics", tuple(seen))
