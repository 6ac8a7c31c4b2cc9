"""Turn a question into the exact field values and tags written into the package."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from prepdeck.load import slugify
from prepdeck.model import Question

RETIRED_TAG = "prepdeck::retired"
TOPIC_TAG_PREFIX = "topic::"
ALLOWED_LINK_SCHEMES = ("http:", "https:", "mailto:")

# Text with none of these characters renders to itself (escaped), so most tips skip the
# Markdown parser entirely; a property test holds the two paths equal.
_MARKDOWN_CHARS = re.compile(r"[\\`*_\[\]<>&!#|~\n\r\t\x00]|^\s*(?:[-+=]|\d+[.)])|  ")


# What could make a line more than one paragraph: a line break, or a block marker at its
# start (heading, quote, list, fence, rule, link definition, indented code).
_BLOCK_SYNTAX = re.compile(r"[\n\r]|^(?:[#>+\-*=_~`\[<| \t]|\d+[.)])")


@dataclass(frozen=True)
class RenderedNote:
    """What Anki receives for one question: field values in note-type order, and tags."""

    id: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]


def escape(text: str) -> str:
    """Escape text for HTML the way markdown-it does, so both paths give the same bytes."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


@lru_cache(maxsize=1)
def _markdown():
    # Imported on first use: `prepdeck --help` and `prepdeck topics` never pay for it.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
    md.disable("image")  # remote images would not load offline on a phone, and can track
    md.validateLink = _safe_link
    return md


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(ALLOWED_LINK_SCHEMES)


def markdown_block(text: str) -> str:
    """Markdown to HTML for longer text (example, notes, description). Raw HTML stays text."""
    if not text:
        return ""
    if not _MARKDOWN_CHARS.search(text):
        return f"<p>{escape(text)}</p>"
    return _markdown().render(text).strip()


def markdown_inline(text: str) -> str:
    """Markdown to HTML for one short point: a single paragraph loses its <p> wrapper."""
    if not _MARKDOWN_CHARS.search(text):
        return escape(text)
    if not _BLOCK_SYNTAX.search(text):
        # One line that cannot start a block: inline parsing alone gives the same HTML.
        return _markdown().renderInline(text)
    html = _markdown().render(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


@lru_cache(maxsize=1024)
def topic_tag(topic: str) -> str:
    """The hierarchical tag that lets a learner study one topic from the full deck (slugs.py)."""
    return TOPIC_TAG_PREFIX + slugify(topic)


def render_note(question: Question) -> RenderedNote:
    """Fields in the note type's order (see notetype.FIELDS) and the note's tags."""
    tips = "".join(f"<li>{markdown_inline(tip)}</li>" for tip in question.tips)
    fields = (
        escape(question.question),
        f"<ul>{tips}</ul>",
        markdown_block(question.example),
        markdown_block(question.notes),
        escape(question.topic),
        question.id,
        "",  # Extra: reserved, so a later field needs no schema change
    )
    tags = [*question.tags, topic_tag(question.topic)]
    if question.retired:
        tags.append(RETIRED_TAG)
    return RenderedNote(question.id, fields, tuple(tags))
