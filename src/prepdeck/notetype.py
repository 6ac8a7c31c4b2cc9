"""The note type: its schema (a contract with every learner), templates, CSS and ids.

Anki matches a note type by id. If its fields or card types ever change, Anki cannot update
the notes a learner already has (they become "conflicting") unless the learner ticks
"Merge note types" on import. So the schema below is fixed; templates and CSS are free to
change. tests/test_notetype.py fails if the schema changes without a SCHEMA_VERSION bump.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib import resources

Labels = tuple[tuple[str, str], ...]  # a deck's own card labels, (key, text)

# The field list is chosen once, with a reserved field to grow into. Order matters: the
# first field is what Anki's browser sorts and shows.
SCHEMA_VERSION = 1
FIELDS = ("Question", "Tips", "Example", "Notes", "Topic", "Id", "Extra")
CARD_TYPES = ("Question",)

# Marks in templates/*.html that each deck fills in: its voice, its language, its labels.
_SPEAK_MARK = "<!-- prepdeck:speak -->"
_LANG_MARK = "[[lang]]"
_LABEL_MARK = re.compile(r"\[\[label:([a-z]+)\]\]")


def stable_id(*parts: str) -> int:
    """A positive id in [2**30, 2**31) that depends only on `parts` (genanki's id range)."""
    digest = hashlib.sha256("\x1f".join(("prepdeck", *parts)).encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


def note_guid(deck_key: str, question_id: str) -> str:
    """A note's GUID: from the deck key and question id only, never from text or position."""
    from genanki.util import guid_for

    return guid_for("prepdeck", deck_key, question_id)


def notetype_id(deck_key: str) -> int:
    return stable_id("notetype", deck_key)


def notetype_name(deck_key: str) -> str:
    """The note type's name in Anki; also what a learner searches for (note:prepdeck-KEY)."""
    return f"prepdeck-{deck_key}"


@cache
def _template(name: str) -> str:
    return resources.files("prepdeck").joinpath("templates", name).read_text(encoding="utf-8")


def _fill(template: str, language: str, labels: Labels) -> str:
    """Put the deck's language and card labels into a template: `[[lang]]` becomes
    ` lang="de"` (nothing without a language), `[[label:tips]]` the label's text."""
    from prepdeck.labels import card_labels

    text = template.replace(_LANG_MARK, f' lang="{language}"' if language else "")
    words = card_labels(language, labels)
    # Labels are checked plain text (labels.label_problem); & and " are all that is left.
    return _LABEL_MARK.sub(
        lambda m: words[m.group(1)].replace("&", "&amp;").replace('"', "&quot;"), text
    )


def front_template(speak: str = "", language: str = "", labels: Labels = ()) -> str:
    """The front; with a language code, Anki's text-to-speech also reads the question.

    The plain {{Question}} reference stays, so a card is always generated (a front with only
    a {{tts}} tag would make every field required, see ANKI-FACTS).
    """
    tts = f"{{{{tts {speak}:Question}}}}" if speak else ""
    front = _fill(_template("front.html"), language, labels)
    return front.replace(_SPEAK_MARK, tts).rstrip() + "\n"


def back_template(language: str = "", labels: Labels = ()) -> str:
    return _fill(_template("back.html"), language, labels)


def css() -> str:
    return _template("card.css")


def templates(speak: str = "", language: str = "", labels: Labels = ()) -> list[dict[str, str]]:
    return [
        {
            "name": CARD_TYPES[0],
            "qfmt": front_template(speak, language, labels),
            "afmt": back_template(language, labels),
        }
    ]


def style_fingerprint(
    deck_key: str, speak: str = "", language: str = "", labels: Labels = ()
) -> str:
    """What decides whether the note type needs a new modification time."""
    from prepdeck.state import digest

    template_parts = (t for tm in templates(speak, language, labels) for t in tm.values())
    return digest(notetype_name(deck_key), *FIELDS, *template_parts, css())


def genanki_model(deck_key: str, speak: str = "", language: str = "", labels: Labels = ()):
    """The note type as a genanki Model."""
    import genanki

    return genanki.Model(
        model_id=notetype_id(deck_key),
        name=notetype_name(deck_key),
        fields=[{"name": f} for f in FIELDS],
        templates=templates(speak, language, labels),
        css=css(),
        sort_field_index=0,
    )
