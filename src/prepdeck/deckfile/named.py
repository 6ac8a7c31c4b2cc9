"""The deck files a command names (or the project's decks/), loaded and checked together."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from prepdeck.deckfile.load import deck_paths, load_decks, sibling_problems
from prepdeck.deckfile.model import Deck
from prepdeck.deckfile.reader import CONTROL_CHARS
from prepdeck.errors import DeckFileError, PrepdeckError, Problem
from prepdeck.project import decks_dir

if TYPE_CHECKING:  # lint defines a dataclass: list, topics and build start faster without it
    from prepdeck.deckfile.lint import Warning_


def _one_line(name: str) -> str:
    """A name as a problem shows it: a name can hold a line break or a terminal control."""
    shown = CONTROL_CHARS.sub(lambda m: f"\\x{ord(m.group()):02x}", name)
    return shown.replace("\n", "\\n").replace("\t", "\\t")


def deck_files(names: Sequence[str], problems: list[Problem] | None = None) -> list[str]:
    """The deck files named (a folder names its decks), or every deck in the project's decks/
    folder when none are.

    A name that is no deck file is a problem: added to `problems` when given (so that the
    other files' problems are shown with it, as a pre-commit hook needs), else raised."""
    if names:
        out: list[str] = []
        for name in names:
            if os.path.isdir(name) and deck_paths(name):
                out.extend(deck_paths(name))
                continue
            if os.path.isdir(name):
                message = "is a folder with no deck files (*.yaml) in it"
            elif not name.lower().endswith((".yaml", ".yml")):
                message = "deck files end in .yaml or .yml; name a deck file"
            else:
                out.append(name)
                continue
            problem = Problem(_one_line(name), 0, 0, message)
            if problems is None:
                raise PrepdeckError(str(problem))
            problems.append(problem)
        return out
    folder = decks_dir()
    found = deck_paths(folder) if folder else []
    if not found:
        where = f"{folder}/" if folder else "decks/ (here or in a folder above)"
        raise PrepdeckError(
            f"no deck files in {where}; name one, or start one with: "
            "prepdeck new decks/my-deck.yaml"
        )
    return found


def load_named(names: Sequence[str]) -> tuple[list[str], list[Deck]]:
    """The deck files named and their decks; every problem, a wrong name's too, at once."""
    named: list[Problem] = []
    files = deck_files(names, named)
    try:
        decks = load_decks(files)
    except DeckFileError as err:
        raise DeckFileError([*named, *err.problems]) from None
    if named:
        raise DeckFileError(named)
    return files, decks


class Checked(NamedTuple):
    """What `prepdeck check` found: the decks (none when any file has a problem), the
    problems of every file named, and the warnings about the decks that loaded."""

    decks: list[Deck]
    problems: list[Problem]
    warnings: list[Warning_]

    def ok(self, strict: bool) -> bool:
        """No problem, and no warning either when warnings count as errors."""
        return not self.problems and not (strict and self.warnings)


def check_decks(names: Sequence[str]) -> Checked:
    """Load and check the decks named, collecting problems rather than raising them."""
    from prepdeck.deckfile.lint import lint_deck

    named: list[Problem] = []
    files = deck_files(names, named)
    try:
        decks = load_decks(files)
        for path, deck in zip(files, decks, strict=True):
            sibling_problems(path, deck)
        problems: list[Problem] = []
    except DeckFileError as err:
        decks, problems = [], err.problems
    warnings = [w for d in decks for w in lint_deck(d)]
    return Checked(decks, sorted([*named, *problems]), warnings)


class TopicCount(NamedTuple):
    deck: str  # the deck's key
    topic: str
    slug: str
    questions: int


def topic_counts(names: Sequence[str]) -> tuple[list[Deck], list[TopicCount]]:
    """The decks named, and each deck's topics with their number of questions, in the order
    the topics first appear."""
    from collections import Counter

    from prepdeck.deckfile.slugs import slugify

    _, decks = load_named(names)
    counts = Counter((d.key, q.topic) for d in decks for q in d.questions)
    order = dict.fromkeys((d.key, q.topic) for d in decks for q in d.questions)
    return decks, [TopicCount(k, t, slugify(t), counts[k, t]) for k, t in order]
