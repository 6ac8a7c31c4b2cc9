"""`prepdeck new`: a commented starter deck with a fresh, readable key."""

from __future__ import annotations

import secrets
from pathlib import Path

from prepdeck.errors import OutputError
from prepdeck.load import slugify

STARTER = """\
# A prepdeck deck. Build it with: prepdeck build {path}
# Keep `key` and every question `id` as they are once you have imported the deck:
# they are the cards' identity in Anki. Everything else can be edited and rebuilt.

deck:
  key: {key}                # stable; lowercase letters, digits and hyphens
  name: {name}              # the deck's name in Anki ("Parent::Child" nests)
  description: |
    What this deck is for. **Markdown** works here, in tips, examples and notes.
  # subdecks: by-topic      # one Anki subdeck per topic
  # speak: en_US            # Anki reads each question aloud (text-to-speech)

questions:
  - id: tell-me-about-yourself          # stable and unique in this deck
    topic: Introduction
    question: Tell me about yourself.
    tags: [opening]                     # optional
    tips:                               # 3 to 6 short points; quote a tip that has ": "
      - "Present, past, future: your current role, how you got there, why this job."
      - Keep it under two minutes.
      - End on what you would bring to *this* team.
    # example: |                        # optional: an outline of a strong answer
    #   ...
    # notes: |                          # optional: your own story or answer
    #   ...
    # retired: true                     # keep the card's identity but mark it retired
"""


def fresh_key(path: Path) -> str:
    """A key from the file name plus a short random suffix, e.g. data-analyst-7f3k."""
    base = slugify(path.name.split(".", 1)[0])[:50] or "deck"
    return f"{base}-{secrets.token_hex(2)}"


def write_starter(path: Path) -> str:
    """Write a starter deck to `path` (never over an existing file); return its key."""
    if path.exists():
        raise OutputError(f"{path}: already exists; choose a new file name")
    if path.suffix not in (".yaml", ".yml"):
        raise OutputError(f"{path}: deck files end in .yaml")
    key = fresh_key(path)
    name = path.name.split(".", 1)[0].replace("-", " ").replace("_", " ").strip().title()
    text = STARTER.format(path=path, key=key, name=name or "My Interview")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise OutputError(f"{path}: already exists; choose a new file name") from None
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from None
    return key
