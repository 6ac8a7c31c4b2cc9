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
from typing import NamedTuple

Labels = tuple[tuple[str, str], ...]  # a deck's own card labels, (key, text)

# The field list is chosen once, with a reserved field to grow into. Order matters: the
# first field is what Anki's browser sorts and shows.
SCHEMA_VERSION = 1
FIELDS = ("Question", "Tips", "Example", "Notes", "Topic", "Id", "Extra")
CARD_TYPES = ("Question",)

# Marks in templates/*.html that each deck fills in: its voice, its language, its labels.
_SPEAK_MARK = "<!-- prepdeck:speak -->"
_LANG_MARK = "[[lang]]"
_LABEL_MARK = re.compile(r"\[\[label:([a-z_]+)\]\]")
_COUNTDOWN_MARK = "<!-- prepdeck:countdown -->"
_TIMER_MARK = "<!-- prepdeck:timer -->"
_VERSION_MARK = "<!-- prepdeck:version -->"


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


class Design(NamedTuple):
    """Everything a deck chooses about its cards' look: it lives in the note type, so changing
    it updates the card design on import and never marks a note as changed."""

    speak: str = ""  # a text-to-speech voice such as en_US, or "" for silence
    language: str = ""  # the cards' language (lang and labels)
    labels: Labels = ()  # the deck's own card words, over the language's
    interview: str = ""  # YYYY-MM-DD: the front counts the days down to it
    timer: int = 0  # seconds: the front shows a bar that empties while you answer aloud
    version: str = ""  # the deck's release, in small print on the back (checked plain text)

    @classmethod
    def of(cls, deck, interview: str = "", timer: int | None = None) -> Design:
        """A deck's design, with a learner's own interview date and timer when given."""
        return cls(
            deck.speak,
            deck.language,
            deck.labels,
            interview,
            deck.timer if timer is None else timer,
            deck.version,
        )


PLAIN = Design()  # no voice, no language, no countdown, no timer


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;")


def _fill(template: str, design: Design) -> str:
    """Put the deck's language and card labels into a template: `[[lang]]` becomes
    ` lang="de"` (nothing without a language), `[[label:tips]]` the label's text."""
    from prepdeck.deckfile.labels import card_labels

    text = template.replace(_LANG_MARK, f' lang="{design.language}"' if design.language else "")
    words = card_labels(design.language, design.labels)
    # Labels are checked plain text (labels.label_problem); & and " are all that is left.
    return _LABEL_MARK.sub(lambda m: _attr(words[m.group(1)]), text)


def _countdown(design: Design) -> str:
    """Days to the interview, counted on the device when the card is shown; hidden without
    scripts and after the interview."""
    if not design.interview:
        return ""
    return _template("countdown.html").replace("[[interview]]", design.interview)


def _timer(design: Design) -> str:
    """A bar that empties over the timer's seconds, then says the time is up: pure CSS."""
    if not design.timer:
        return ""
    return _template("timer.html").replace("[[seconds]]", str(design.timer))


def front_template(design: Design = PLAIN) -> str:
    """The front; with a voice, Anki's text-to-speech also reads the question.

    The plain {{Question}} reference stays, so a card is always generated (a front with only
    a {{tts}} tag would make every field required, see ANKI-FACTS).
    """
    tts = f"{{{{tts {design.speak}:Question}}}}" if design.speak else ""
    front = _template("front.html")
    front = front.replace(_COUNTDOWN_MARK + "\n", _countdown(design))
    front = front.replace(_TIMER_MARK + "\n", _timer(design))
    front = _fill(front, design)
    return front.replace(_SPEAK_MARK, tts).rstrip() + "\n"


def back_template(design: Design = PLAIN) -> str:
    """The back; a deck with a version shows it in small print at the end. Without one the
    template is as before, so a deck that sets none keeps its card design."""
    version = ""
    if design.version:
        version = f'  <p class="pd-version"><small dir="auto">{_attr(design.version)}</small></p>\n'
    back = _template("back.html").replace(_VERSION_MARK + "\n", version)
    return _fill(back, design)


def css() -> str:
    return _template("card.css")


def templates(design: Design = PLAIN) -> list[dict[str, str]]:
    return [
        {
            "name": CARD_TYPES[0],
            "qfmt": front_template(design),
            "afmt": back_template(design),
        }
    ]


def style_fingerprint(deck_key: str, design: Design = PLAIN) -> str:
    """What decides whether the note type needs a new modification time."""
    from prepdeck.digest import digest

    template_parts = (t for tm in templates(design) for t in tm.values())
    return digest(notetype_name(deck_key), *FIELDS, *template_parts, css())


def genanki_model(deck_key: str, design: Design = PLAIN):
    """The note type as a genanki Model."""
    import genanki

    return genanki.Model(
        model_id=notetype_id(deck_key),
        name=notetype_name(deck_key),
        fields=[{"name": f} for f in FIELDS],
        templates=templates(design),
        css=css(),
        sort_field_index=0,
    )
