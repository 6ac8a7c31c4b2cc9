"""prepdeck: interview questions in YAML, Anki decks out, study history kept.

The command line is a thin layer over these calls, which a Python program may make too:

    load_deck(path)          read and check one deck file (and the learner's answers beside it)
    load_decks(paths)        a list of deck files, every problem of all of them reported together
    parse_deck_text(text)    check deck YAML given as text
    lint_deck(deck)          warnings about cards that are hard to study (`prepdeck check`)
    Selection(topics=(...))  which questions a build or preview takes (tuples of topics, tags, ids)
    build_deck(path)         build one deck file into an .apkg and its build state, together
    preview_decks(decks, selection)
                             the offline preview page of the cards, as HTML text
    import_source(source)    a spreadsheet, article or Anki package as a new deck's YAML
    pull(deck_path, export)  the edits made in Anki, found in an export (`write=True` applies them)
    diff_revisions(a, b)     what a learner who imported revision `a` sees on importing `b`
                             (None: the working tree)

Every failure a user can fix is a `PrepdeckError` whose message says what to fix; a deck
file's problems come together as one `DeckFileError` with the file and line of each.

    >>> import prepdeck
    >>> deck = prepdeck.load_deck("decks/resource-sharing-interview.yaml")
    >>> result = prepdeck.build_deck("decks/resource-sharing-interview.yaml", deck=deck)
    >>> result.output  # doctest: +SKIP
    PosixPath('dist/resource-sharing-interview.apkg')

The names load from their stage only when first used, so `import prepdeck` stays instant
(see docs/how-prepdeck-is-built.md for the stages).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

# name -> the module that defines it (one per stage of the pipeline).
_FACE = {
    "load_deck": "prepdeck.deckfile.load",
    "load_decks": "prepdeck.deckfile.load",
    "parse_deck_text": "prepdeck.deckfile.load",
    "lint_deck": "prepdeck.deckfile.lint",
    "Deck": "prepdeck.deckfile.model",
    "Question": "prepdeck.deckfile.model",
    "Selection": "prepdeck.cards.select",
    "preview_decks": "prepdeck.cards.preview",
    "build_deck": "prepdeck.builds.pipeline",
    "BuildResult": "prepdeck.builds.pipeline",
    "import_source": "prepdeck.sources.importer",
    "pull": "prepdeck.exchange.pull",
    "diff_revisions": "prepdeck.exchange.diff",
    "PrepdeckError": "prepdeck.errors",
    "DeckFileError": "prepdeck.errors",
}

__all__ = [  # the same names as _FACE, written out for tools that read them
    "BuildResult",
    "Deck",
    "DeckFileError",
    "PrepdeckError",
    "Question",
    "Selection",
    "__version__",
    "build_deck",
    "diff_revisions",
    "import_source",
    "lint_deck",
    "load_deck",
    "load_decks",
    "parse_deck_text",
    "preview_decks",
    "pull",
]

if TYPE_CHECKING:  # what type checkers and editors see; at run time, __getattr__ below
    from prepdeck.builds.pipeline import BuildResult, build_deck
    from prepdeck.cards.preview import preview_decks
    from prepdeck.cards.select import Selection
    from prepdeck.deckfile.lint import lint_deck
    from prepdeck.deckfile.load import load_deck, load_decks, parse_deck_text
    from prepdeck.deckfile.model import Deck, Question
    from prepdeck.errors import DeckFileError, PrepdeckError
    from prepdeck.exchange.diff import diff_revisions
    from prepdeck.exchange.pull import pull
    from prepdeck.sources.importer import import_source


def __getattr__(name: str):
    """A name of the face, imported from its stage on first use."""
    # `prepdeck --help` imports this package and must stay light.
    module = _FACE.get(name)
    if module is None:
        raise AttributeError(f"module 'prepdeck' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The face's names, loaded or not."""
    return sorted({*globals(), *_FACE})
