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

    deck_key: str
    previous: BuildState | None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    rerendered: list[str] = field(default_factory=list)
    answers_changed: list[str] = field(default_factory=list)
    # Changed by a build on another machine; sent from here again with own answers.
    merged: list[str] = field(default_factory=list)
    # Own answers this machine has no record of sending: sent with the deck's own times.
    answers_untimed: list[str] = field(default_factory=list)
    local_file: str = ""
    answers_marked: bool = False  # the committed state now records that answers were packaged
    # New to the build state, with the GUID of a note the learner may already have (`guid:`).
    known_guids: list[str] = field(default_factory=list)
    source: str = ""  # the deck file, for advice that points into it
    media_changed: list[tuple[str, list[str]]] = field(default_factory=list)  # id, paths
    resent: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    renamed_ids: list[tuple[str, str, str]] = field(default_factory=list)  # old, new, why
    unsent: dict[str, list[str]] = field(default_factory=dict)  # filtered build -> ids
    design_unsent: str = ""
    without_answers: list[str] = field(default_factory=list)
    answers_file: str = ""
    answers_file_here: bool = False  # it exists here, but holds no answers
    description_changed: bool = False
    deck_renamed: tuple[str, str] | None = None
    key_changed: tuple[str, str] | None = None
    notetype_changed: bool = False
    schema_changed: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    selection: str = ""
    new_cards: int = 0
    # The interview plan's report lines (worded by cards/plan.py), or its warning.
    plan: list[str] = field(default_factory=list)
    dry_run: bool = False  # nothing is written: say what a real build would do

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
