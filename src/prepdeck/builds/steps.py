"""What the build's steps hand each other: the request, the previous build, the rendered deck.

pipeline.py runs the steps: read the previous build, render, compare (compare.py, which
returns changes.py's Comparison), plan the pace (pacing.py, which returns a Pacing), package,
write. Each step takes these objects and what the steps before it returned, so that what a
step needs is named where it is declared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from prepdeck.builds.state import BuildState, LocalState
from prepdeck.cards.notetype import Design
from prepdeck.cards.package import PackageDeck
from prepdeck.cards.render import RenderedNote
from prepdeck.cards.select import Selection
from prepdeck.deckfile.model import Deck


@dataclass(frozen=True)
class BuildRequest:
    """One deck's build as `build_deck` was asked for it, checked."""

    path: Path  # the deck file; its build state and the learner's own answers sit beside it
    deck: Deck  # as loaded: the deck file with the learner's own answers
    selection: Selection  # the questions to package; empty for the whole deck
    chosen: tuple[bool, ...]  # per question, in file order: whether the selection picks it
    via: str  # a filtered build's name (from its selection); "" for a full build
    target: Path  # the package to write
    dry_run: bool  # write nothing; the report says what a build would do
    resend: frozenset[str]  # ids sent again with a new time (--resend)
    interview: str | None  # the command line's interview date, over the answers file's
    now: int  # the build's clock, in seconds (SOURCE_DATE_EPOCH's, when set)
    progress: Callable[[str], None] | None = None  # told the name of each long step

    @property
    def day(self) -> dt.date:
        """The learner's calendar day at `now`."""
        return dt.date.fromtimestamp(self.now)

    @property
    def picked(self) -> list[int]:
        """The positions of the chosen questions, in file order."""
        return [i for i, c in enumerate(self.chosen) if c]


class PreviousBuild(NamedTuple):
    """What the builds before this one left beside the deck file."""

    state: BuildState | None  # the committed build state; None before the first build here
    local: LocalState | None  # this machine's record of own answers sent; None without one
    state_file: Path  # where the committed build state is kept
    local_file: Path  # where this machine's record is kept


@dataclass(frozen=True)
class RenderedDeck:
    """The deck as Anki receives it: notes, card design, decks and media, before any times.

    Per-question tuples follow the deck file's order and hold None for a question the
    selection leaves out."""

    # The deck file alone, without own answers: what the committed build state records.
    written: Deck
    notes: tuple[RenderedNote | None, ...]  # rendered from `written`
    # As packaged, own answers included; the very object in `notes` when a question has none.
    packaged: tuple[RenderedNote | None, ...]
    placements: tuple[str, ...]  # each question's Anki deck (every question, chosen or not)
    style: str  # fingerprint of the deck file's card design
    design: Design  # the card design packaged: the deck's, with own interview date and timer
    packaged_style: str  # fingerprint of `design`
    design_warning: str  # why the answers file's interview date was left out, or ""
    topics: tuple[str, ...]  # the topics packaged, in file order
    decks: tuple[PackageDeck, ...]  # the Anki decks the package holds, description rendered
    media: dict[str, bytes]  # the pictures and recordings packaged, by package name
