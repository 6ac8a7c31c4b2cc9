"""`prepdeck new`: a commented starter deck with a fresh, readable key."""

from __future__ import annotations

import secrets
from pathlib import Path

from prepdeck.deckfile.dump import dump_deck
from prepdeck.deckfile.model import Deck, Question
from prepdeck.deckfile.slugs import ascii_slug
from prepdeck.errors import OutputError

HEADER = """\
# A prepdeck deck. Build it with: prepdeck build {path}
# Keep `key` and every question `id` once you have imported the deck: they are the cards'
# identity in Anki. Everything else can be edited and rebuilt as often as you like.
# Markdown works in the description, tips, `example` and `notes`.

"""

OPTIONAL = """\
    # Optional keys for a question:
    #   example: |          an outline of a strong answer
    #   notes: |            your own story or answer
    #   retired: true       keep the card's identity but tag it prepdeck::retired
# Optional keys for the deck (under `deck:`):
#   subdecks: by-topic      one Anki subdeck per topic
#   language: de            the cards' language: their labels, fonts, voice (de, fr, ar, zh, ...)
#   labels:                 the card's own words, instead of the language's
#     tips: Tipps           (keys: tips, example, notes)
#   speak: en_US            Anki reads each question aloud (text-to-speech); off: silence
"""


def fresh_key(path: Path) -> str:
    """A key from the file name plus a short random suffix, e.g. data-analyst-7f3a."""
    base = ascii_slug(path.name.split(".", 1)[0])[:56] or "deck"
    if base == "collection" or base.startswith("backup"):
        base = f"my-{base}"  # Anki would import collection.apkg or backup-*.apkg as a collection
    return f"{base}-{secrets.token_hex(2)}"


def starter_deck(path: Path) -> Deck:
    name = path.name.split(".", 1)[0].replace("-", " ").replace("_", " ").strip().title()
    return Deck(
        key=fresh_key(path),
        name=name or "My Interview",
        description="What this deck is for, in a sentence or two.",
        questions=(
            Question(
                id="tell-me-about-yourself",
                topic="Introduction",
                question="Tell me about yourself.",
                tips=(
                    "Present, past, future: your current role, how you got there, why this job.",
                    "Keep it under two minutes.",
                    "End on what you would bring to *this* team.",
                ),
                tags=("opening",),
            ),
        ),
    )


def write_starter(path: Path) -> str:
    """Write a starter deck to `path` (never over an existing file); return its key."""
    if path.suffix not in (".yaml", ".yml"):
        raise OutputError(f"{path}: deck files end in .yaml")
    deck = starter_deck(path)
    text = HEADER.format(path=path) + dump_deck(deck, annotate=True) + OPTIONAL
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise OutputError(f"{path}: already exists; choose a new file name") from None
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from None
    return deck.key
