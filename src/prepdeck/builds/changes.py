"""What changed since the last build, as data: the ChangeReport and the Comparison that
carries it, and the digests the build state records of each question.

compare.py fills them in; report.py words the report for the learner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prepdeck.builds.moves import Move
from prepdeck.builds.report import report_lines
from prepdeck.builds.state import BuildState, LocalState
from prepdeck.cards.render import RenderedNote
from prepdeck.deckfile.model import Question
from prepdeck.digest import digest


@dataclass
class ChangeReport:
    """What a re-import of this build will do, compared with the last package of each note.

    Data only (ids, pairs, flags, and the paths advice names); `lines()` words it."""

    deck_key: str  # the deck's key as this build has it
    previous: BuildState | None  # the committed state compared with; None on a first build

    # -- the questions this package carries (ids in file order) --
    added: list[str] = field(default_factory=list)  # new to the build state
    new_cards: int = 0  # how many of them arrive in Anki as new cards
    # New to the build state, with the GUID of a note the learner may already have (`guid:`).
    known_guids: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)  # removed by an earlier build, back now
    changed: list[str] = field(default_factory=list)  # edited in the deck file
    retired: list[str] = field(default_factory=list)  # changed, and now retired
    media_changed: list[tuple[str, list[str]]] = field(default_factory=list)  # id, new paths
    # Unedited, but this version of prepdeck renders them differently.
    rerendered: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)  # sent again with a new time (--resend)
    answers_changed: list[str] = field(default_factory=list)  # own answers edited
    # Changed by a build on another machine; sent from here again with own answers.
    merged: list[str] = field(default_factory=list)
    # Own answers this machine has no record of sending: sent with the deck's own times.
    answers_untimed: list[str] = field(default_factory=list)
    # Sent before only by a filtered package (or pulled from Anki): that build's name -> ids.
    unsent: dict[str, list[str]] = field(default_factory=dict)

    # -- the questions it does not carry, and where cards go (full builds) --
    removed: list[str] = field(default_factory=list)  # gone from the deck file
    renamed_ids: list[tuple[str, str, str]] = field(default_factory=list)  # old, new, why
    moves: list[Move] = field(default_factory=list)  # cards that belong in another deck now

    # -- the deck as a whole --
    deck_renamed: tuple[str, str] | None = None  # old name, new name
    key_changed: tuple[str, str] | None = None  # old key, new key
    notetype_changed: bool = False  # the card design (templates, CSS, own countdown) changed
    # The note type's field names, before and now, when they changed.
    schema_changed: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    design_unsent: str = ""  # the filtered package that alone sent the card design, if any
    description_changed: bool = False

    # -- own answers on a machine without them --
    # Notes this package may send without the own answers a package of the deck once had.
    without_answers: list[str] = field(default_factory=list)
    answers_file: str = ""  # the answers file the advice names (set with without_answers)
    answers_file_here: bool = False  # it exists here, but holds no answers
    answers_marked: bool = False  # the committed state now records that answers were packaged

    # -- the build itself, for the advice's wording --
    source: str = ""  # the deck file, for advice that points into it
    local_file: str = ""  # this machine's record of own answers sent
    selection: str = ""  # a filtered build's selection, described; "" for a full build
    dry_run: bool = False  # nothing is written: say what a real build would do
    # The interview plan's report lines (worded by cards/plan.py), or its warning.
    plan: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        """Whether importing this package changes nothing, if every earlier one was imported."""
        return not (
            self.added
            or self.changed
            or self.rerendered
            or self.answers_changed
            or self.merged
            or self.resent
            or self.returned
            or self.removed
            or self.moves
            or self.deck_renamed
            or self.key_changed
            or self.notetype_changed
            or self.description_changed
        )

    def lines(self) -> list[str]:
        """The report as lines of text, most important first (see report.py)."""
        return report_lines(self)


def source_digest(q: Question) -> str:
    """The question as written, so a render change can be told from an edit; its media
    files' bytes count (through their names) as part of it."""
    parts = (q.id, q.topic, q.question, *q.tips, "\x1e", *q.tags, q.example, q.notes)
    if q.images or q.audio:
        return digest(*parts, str(q.retired), "\x1d", *media_names(q))
    return digest(*parts, str(q.retired))


def media_names(q: Question) -> tuple[str, ...]:
    """The package names of a question's pictures and recordings, each once, sorted."""
    return tuple(sorted({m.name for m in (*q.images, *q.audio)}))


def content_digest(note: RenderedNote) -> str:
    return digest(*note.fields, "\x1e", *note.tags)


@dataclass(frozen=True)
class Comparison:
    """What a build sends: the states to save, each packaged note's time, and the report."""

    state: BuildState  # the committed build state this package stands for
    local: LocalState | None  # this machine's record to save; None when it has nothing
    mods: dict[str, int]  # each packaged note's time, by question id
    notetype_mod: int  # the packaged note type's time (the learner's own design included)
    report: ChangeReport
