"""The deck as the author wrote it: plain, immutable values, no YAML and no Anki in sight.

NamedTuples rather than frozen dataclasses: just as immutable, but every command imports
this module, and defining a frozen dataclass costs about five times as much start-up time
(measured; `prepdeck topics` must stay near the cost of importing click).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from prepdeck.deckfile.media import Media

SUBDECK_MODES = ("none", "by-topic")


def wording(text: str) -> str:
    """A question's wording with case and spacing folded: equal wordings ask the same."""
    return " ".join(text.casefold().split())


class Question(NamedTuple):
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
    # The deck file's own (example, notes, audio, images) when the learner's answers file
    # replaced or added to them.
    shared: tuple | None = None
    mine: tuple[str, ...] = ()  # which of example, notes and audio came from the answers file
    audio: tuple[Media, ...] = ()  # recordings, played from the back (the Extra field)
    images: tuple[Media, ...] = ()  # the pictures its Markdown shows, by reference
    guid: str = ""  # the Anki note's own GUID, for a question that began in Anki (pull)


def as_written(q: Question) -> Question:
    """The question as the deck file has it, without the learner's own answers."""
    if q.shared is None:
        return q
    example, notes, audio, images = q.shared
    return q._replace(
        example=example, notes=notes, audio=audio, images=images, shared=None, mine=()
    )


class Deck(NamedTuple):
    """A deck file: its stable key, what Anki shows, and its questions in file order."""

    key: str
    name: str
    description: str
    questions: tuple[Question, ...]
    source: str = ""  # the file it came from, for messages
    subdecks: str = "none"
    speak: str = ""  # an Anki TTS language code such as en_US, or "" for silence
    language: str = ""  # a BCP 47 code such as de or zh-Hant: the card's lang and labels
    labels: tuple[tuple[str, str], ...] = ()  # (key, text): the deck's own card labels
    timer: int = 0  # seconds for the answer timer on the front, 0 for none
    # From the learner's own answers file (personal, never in the committed state):
    interview: str = ""  # the interview date, YYYY-MM-DD
    mine_timer: int | None = None  # their own answer timer, over the deck's
    images: tuple[Media, ...] = ()  # the pictures in the description
    version: str = ""  # the release, e.g. 1.2.0: small print on the back, not in any note

    @property
    def topics(self) -> tuple[str, ...]:
        """Each topic once, in the order it first appears."""
        return tuple(dict.fromkeys(q.topic for q in self.questions))
