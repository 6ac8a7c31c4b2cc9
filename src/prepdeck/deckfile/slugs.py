"""Slugs: a topic's name made into its Anki tag, in any script, and names compared as Anki does.

A topic's slug keeps every letter, mark and digit of its name in any script, lowercased
(Unicode case folding, NFC), with each run of anything else (spaces, punctuation, symbols)
made one hyphen: "Customer service" -> customer-service, "Sécurité des soins" ->
sécurité-des-soins, "Обслуживание" -> обслуживание, "沟通" -> 沟通. For ASCII names this is
exactly the rule of earlier releases, so existing decks keep their tags.

Why these characters are safe, measured with the Anki backend and read in rslib's
tags/register.rs and search/sqlwriter.rs: a tag ends at a space or U+3000; control
characters are dropped; each part around "::" is NFC-normalised and trimmed. A search
`tag:x` matches case-insensitively, reads `*` and `_` as wildcards and `"():-\\` as syntax.
A slug holds none of those: only letters, marks, digits and single inner hyphens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# The slug of a topic whose name has no letter or digit at all ("???"): as in earlier releases.
NO_WORDS = "other"

_ASCII_RUN = re.compile(r"[^a-z0-9]+")


def _casefold(text: str) -> str:
    """Case-folded, with Turkish dotted capital I folded to a plain i: Unicode folds 'İ' to
    'i' plus a combining dot, which would keep 'İstanbul' from matching 'istanbul'."""
    return unicodedata.normalize("NFC", text).casefold().replace("i\u0307", "i")


def fold(text: str) -> str:
    """Text as compared: NFC, case-folded, spacing collapsed ('Straße' and 'STRASSE' are equal)."""
    return unicodedata.normalize("NFC", " ".join(_casefold(text).split()))


def bare(text: str) -> str:
    """Text without accents and other marks, for lenient matching: 'sécurité' -> 'securite'."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _is_word_char(c: str) -> bool:
    # Letters, marks (Devanagari vowel signs, Arabic harakat, accents) and digits.
    return unicodedata.category(c)[0] in "LMN"


def _is_invisible(c: str) -> bool:
    # Format characters (zero-width joiners, direction marks, soft hyphens) change no word.
    return unicodedata.category(c) == "Cf"


@lru_cache(maxsize=4096)  # a deck has few topics and tags, each seen once per question
def words(text: str) -> str:
    """The letters, marks and digits of `text`, folded, runs of anything else as one '-'."""
    if text.isascii():
        return _ASCII_RUN.sub("-", text.lower()).strip("-")
    out: list[str] = []
    gap = False
    for c in unicodedata.normalize("NFC", _casefold(text)):
        if _is_word_char(c):
            if gap and out:
                out.append("-")
            out.append(c)
            gap = False
        elif not _is_invisible(c):
            gap = True
    return unicodedata.normalize("NFC", "".join(out))


def slugify(text: str) -> str:
    """A topic's slug, as in its tag topic::<slug>: 'Customer service' -> 'customer-service'."""
    return words(text) or NO_WORDS


def ascii_slug(text: str) -> str:
    """An ASCII slug for keys, ids and file names: accents dropped, 'Sécurité' -> 'securite'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _ASCII_RUN.sub("-", plain.lower()).strip("-")


def topic_clashes(topics: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Each topic whose tag an earlier, different topic already has: {topic: (earlier, why)}.

    Anki matches tags without regard to case, so two spellings of one topic would share one
    tag while prepdeck showed them as two topics (and, with subdecks, filed them in two decks).
    """
    first: dict[str, str] = {}
    out: dict[str, tuple[str, str]] = {}
    for topic in topics:
        slug = slugify(topic)
        earlier = first.setdefault(slug, topic)
        if earlier == topic or topic in out:
            continue
        if unicodedata.normalize("NFC", earlier) == unicodedata.normalize("NFC", topic):
            why = "are the same text in two Unicode forms (NFC and NFD); retype one of them"
        elif fold(earlier) == fold(topic):
            why = "differ only in case or spacing; write both the same way"
        else:
            why = f"would share the tag topic::{slug}; rename one so each has its own tag"
        out[topic] = (earlier, why)
    return out
