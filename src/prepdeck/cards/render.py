"""Turn a question into the exact field values and tags written into the package."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from prepdeck.cards.media import place_images, sound_tags
from prepdeck.deckfile.media import ALLOWED_LINK_SCHEMES as ALLOWED_LINK_SCHEMES
from prepdeck.deckfile.media import Media
from prepdeck.deckfile.model import Question
from prepdeck.deckfile.slugs import slugify

RETIRED_TAG = "prepdeck::retired"
TOPIC_TAG_PREFIX = "topic::"

# Text with none of these characters renders to itself (escaped), so most tips skip the
# Markdown parser entirely; a property test holds the two paths equal.
_MARKDOWN_CHARS = re.compile(r"[\\`*_\[\]<>&!#|~\n\r\t\x00]|^\s*(?:[-+=]|\d+[.)])|  ")


# What could make a line more than one paragraph: a line break, or a block marker at its
# start (heading, quote, list, fence, rule, link definition, indented code).
_BLOCK_SYNTAX = re.compile(r"[\n\r]|^(?:[#>+\-*=_~`\[<| \t]|\d+[.)])")

# Anki reads markup of its own in every field's HTML, whatever the note type says:
# - [sound:…] plays (a remote URL too), [anki:tts …]…[/anki:tts] speaks, [anki:play:q:0] is a
#   play button (rslib card_rendering/parser.rs, anki/sound.py; matched case-sensitively);
# - [latex]…[/latex], [$]…[/$], [$$]…[/$$] become LaTeX images (rslib latex.rs, any case);
# - \( … \) and \[ … \] in the page's text are typeset by MathJax on desktop, AnkiDroid and
#   AnkiMobile, and MathJax's \href and \style make links and remote fetches. Those are the only
#   delimiters: desktop's set-up (aqt _anki/js/mathjax.js) and AnkiDroid's (mathjax/conf.js)
#   leave out $ and turn processEscapes, processEnvironments and processRefs off.
# Anki finds its tags in the HTML string, so "&#91;" for the "[" that opens or closes one hides
# it while the card still shows "["; the match here is case-insensitive, a superset of Anki's.
_ANKI_TAG = re.compile(r"\[(?=/?(?:sound:|anki:|latex\]|\$\$?\]))", re.I)
# MathJax looks for its delimiters in the DOM's text and ends each string it searches at any
# element (HTMLDomStrings), so an empty element between the backslash and the bracket hides the
# delimiter and leaves the visible text as written. Tags are skipped: an attribute is never
# typeset, and our HTML escapes every "<" and ">" that is not part of a tag.
_MATH_OPENER = re.compile(r"(<[^>]*>)|\\(?=[(\[])")
NO_MATH = '<span class="pd-nomath"></span>'


@dataclass(frozen=True)
class RenderedNote:
    """What Anki receives for one question: field values in note-type order, and tags."""

    id: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]


def inert(html: str) -> str:
    """Field HTML with Anki's sound, speech, play and LaTeX tags and MathJax made plain text.

    Only the characters that would start such markup change; other HTML is returned as is.
    """
    if "\\" in html:
        html = _MATH_OPENER.sub(lambda m: m.group(1) or "\\" + NO_MATH, html)
    if "[" in html:
        html = _ANKI_TAG.sub("&#91;", html)
    return html


def escape(text: str) -> str:
    """Escape text for HTML the way markdown-it does, so both paths give the same bytes."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _markdown():
    # Built on first use: `prepdeck --help` and `prepdeck topics` never pay for it. Images
    # render as <img> with the path as written; render_note points them at checked files.
    from prepdeck.deckfile.media import markdown

    return markdown()


def markdown_block(text: str) -> str:
    """Markdown to HTML for longer text (example, notes, description). Raw HTML stays text."""
    if not text:
        return ""
    if not _MARKDOWN_CHARS.search(text):
        return f"<p>{escape(text)}</p>"
    return _render_block(text)


def markdown_inline(text: str) -> str:
    """Markdown to HTML for one short point: a single paragraph loses its <p> wrapper."""
    if not _MARKDOWN_CHARS.search(text):
        return escape(text)
    return _render_inline(text)


# The parser's time is linear in its input, but a YAML alias can hand it the same long text
# thousands of times: each distinct text with markup is parsed once per process.
_MEMO = 4096


@lru_cache(maxsize=_MEMO)
def _render_block(text: str) -> str:
    return _markdown().render(text).strip()


@lru_cache(maxsize=_MEMO)
def _render_inline(text: str) -> str:
    if not _BLOCK_SYNTAX.search(text):
        # One line that cannot start a block: inline parsing alone gives the same HTML.
        return _markdown().renderInline(text)
    html = _markdown().render(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


@lru_cache(maxsize=1024)
def topic_tag(topic: str) -> str:
    """The hierarchical tag that lets a learner study one topic from the full deck
    (deckfile/slugs.py)."""
    return TOPIC_TAG_PREFIX + slugify(topic)


def _pictures(media: tuple[Media, ...]) -> dict[str, str]:
    return {m.ref: m.name for m in media}


def render_description(text: str, images: tuple[Media, ...] = ()) -> str:
    """The deck's description (Markdown) as Anki shows it above the deck."""
    return inert(place_images(markdown_block(text), _pictures(images)))


def render_note(question: Question) -> RenderedNote:
    """Fields in the note type's order (see notetype.FIELDS) and the note's tags."""
    pictures = _pictures(question.images)
    tips = "".join(f"<li>{markdown_inline(tip)}</li>" for tip in question.tips)
    fields = tuple(
        inert(place_images(field, pictures))
        for field in (
            escape(question.question),
            f"<ul>{tips}</ul>",
            markdown_block(question.example),
            markdown_block(question.notes),
            escape(question.topic),
            question.id,
            "",  # Extra: reserved, so a later field needs no schema change
        )
    )
    if question.audio:
        # Extra holds the play buttons: Anki's own [sound:] tags for files prepdeck named,
        # added after inert(), so deck text can never make one.
        fields = (*fields[:-1], sound_tags(tuple(m.name for m in question.audio)))
    tags = [*question.tags, topic_tag(question.topic)]
    if question.retired:
        tags.append(RETIRED_TAG)
    return RenderedNote(question.id, fields, tuple(tags))
