"""Read deck files: YAML text in, a validated `Deck` out, or every problem with its line.

yamlnodes.py turns the text into a checked node tree and deckformat.py walks it against the
deck format, so each value keeps its line for messages and duplicate keys are caught; this
module is the files around them: finding deck files, their answers and their siblings.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache

from prepdeck.deckfile.answers import merge_answers
from prepdeck.deckfile.deckformat import DeckReader
from prepdeck.deckfile.media import Files
from prepdeck.deckfile.model import Deck
from prepdeck.deckfile.reader import (
    CONTROL_CHARS,
    INVISIBLE,
    LANG_RE,
    MAX_FILE_BYTES,
    MAX_TAGS,
    MAX_TEXT_CHARS,
    MAX_TIPS,
    RESERVED_TAG_PREFIXES,
    SLUG_RE,
    TAG_RE,
    read_bounded,
    read_text,
)
from prepdeck.deckfile.yamlnodes import peek
from prepdeck.errors import DeckFileError, Problem
from prepdeck.gcpause import paused_gc

EMPTY_DECK = (
    "the file is empty; a deck file needs a `deck:` and a `questions:` key "
    "(prepdeck new FILE writes a starter)"
)

# The format's limits and rules live in reader.py; callers find them here too.
__all__ = [
    "CONTROL_CHARS",
    "INVISIBLE",
    "LANG_RE",
    "MAX_FILE_BYTES",
    "MAX_TAGS",
    "MAX_TEXT_CHARS",
    "MAX_TIPS",
    "RESERVED_TAG_PREFIXES",
    "SLUG_RE",
    "TAG_RE",
    "answers_path",
    "deck_paths",
    "load_deck",
    "load_decks",
    "parse_deck_text",
    "sibling_problems",
]

# Paths are plain strings here: `prepdeck topics` and `check` start faster without pathlib.
PathLike = str | os.PathLike


def deck_paths(folder: PathLike) -> list[str]:
    """The deck files in a folder, sorted; a learner's `*.mine.yaml` answers are not decks."""
    folder = os.fspath(folder)
    return sorted(
        os.path.join(folder, name)
        for name in os.listdir(folder)
        if name.lower().endswith((".yaml", ".yml"))
        and not name.lower().endswith((".mine.yaml", ".mine.yml"))
        and os.path.isfile(os.path.join(folder, name))
    )


def answers_path(deck_path: PathLike) -> str:
    """Where a learner keeps their own answers for a deck: `<deck>.mine.yaml` beside it."""
    return os.path.splitext(os.fspath(deck_path))[0] + ".mine.yaml"


def load_deck(path: PathLike, *, with_answers: bool = True) -> Deck:
    """Load and validate one deck file (and the learner's answers beside it, if any)."""
    path = os.fspath(path)
    reader = DeckReader(path)
    text = read_text(path, reader)
    if reader.problems:
        raise DeckFileError(reader.problems)
    files = Files()  # every media file is read and hashed once per load
    deck = parse_deck_text(text, path, files=files)
    mine = answers_path(path)
    if with_answers and os.path.exists(mine):
        deck = merge_answers(deck, mine, files)
    return deck


def load_decks(paths: Iterable[PathLike], *, with_answers: bool = True) -> list[Deck]:
    """Load several deck files (one path on its own is one file), reporting the problems of
    all of them together."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    decks: list[Deck] = []
    problems: list[Problem] = []
    seen_keys: dict[str, str] = {}
    for path in paths:
        try:
            deck = load_deck(path, with_answers=with_answers)
        except DeckFileError as err:
            problems.extend(err.problems)
            continue
        if deck.key in seen_keys:
            problems.append(
                Problem(
                    str(path),
                    0,
                    0,
                    f"deck key '{deck.key}' is already used by {seen_keys[deck.key]}; "
                    "every deck needs its own key",
                )
            )
            continue
        seen_keys[deck.key] = str(path)
        decks.append(deck)
    if problems:
        raise DeckFileError(problems)
    return decks


def _stem(path: str) -> str:
    """A deck file's name without its ending, case-folded: X.yaml, x.yml and X.YAML would
    share one build state and answers file (and do, on a case-insensitive file system)."""
    name = os.path.basename(path)
    stem = name.rsplit(".", 1)[0] if name.lower().endswith((".yaml", ".yml")) else name
    return stem.casefold()


def _key_of(path: str) -> str | None:
    """A deck file's key (None when it cannot be read). Building every deck of a folder asks
    this of each file once per other file: the answer is kept while the file is unchanged."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return _key_of_version(path, info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=256)
def _key_of_version(path: str, mtime_ns: int, size: int) -> str | None:
    try:
        text = read_bounded(path, MAX_FILE_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    key = peek(text, "deck", "key")
    if key is None:  # written through an alias or a tag: read the whole file
        try:
            key = load_deck(path, with_answers=False).key
        except DeckFileError:
            return None  # a broken sibling cannot be built, so it cannot clash
    return key


def sibling_problems(path: PathLike, deck: Deck) -> None:
    """Refuse a deck file that shares its name or its key with another in its folder.

    Two such files would write one package and one build state over each other, whichever
    of them is built; a copied deck file keeps the key of its original until it is changed.
    """
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    problems = []
    try:
        others = deck_paths(folder)
    except OSError:
        return
    for other in others:
        try:
            if os.path.samefile(other, path):
                continue
        except OSError:
            continue
        if _stem(other) == _stem(path):
            problems.append(
                Problem(
                    path,
                    0,
                    0,
                    f"{other} has the same name with another ending, and both would share "
                    f"one build state; rename or remove one of them",
                )
            )
            continue
        if _key_of(other) == deck.key:
            problems.append(
                Problem(
                    path,
                    0,
                    0,
                    f"deck key '{deck.key}' is also the key of {other}; every deck file needs "
                    "its own key (a copied deck needs a new one: prepdeck new prints a fresh "
                    "key), or the two would overwrite each other's package and state",
                )
            )
    if problems:
        raise DeckFileError(problems)


def parse_deck_text(text: str, path: str = "<text>", *, files: Files | None = None) -> Deck:
    """Validate deck YAML given as text; `path` is used in messages, and with `files` media
    paths are checked and read relative to its folder (without, pictures show their alt text
    and recordings are left out)."""
    reader = DeckReader(path, files)
    # Parsing creates many small objects and no cycles (see gcpause.py).
    with paused_gc():
        root = reader.compose(text, EMPTY_DECK)
        deck = reader.deck(root) if root is not None else None
        del root
    if reader.problems:
        raise DeckFileError(reader.problems)
    assert deck is not None
    return deck
