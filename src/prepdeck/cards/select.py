"""Choose which questions go into a build: by topic, tag and id, with exclusions last."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from prepdeck.deckfile.model import Deck, Question
from prepdeck.deckfile.slugs import bare, fold, slugify, words
from prepdeck.errors import PrepdeckError, SelectionError


def _norm(value: str) -> str:
    """A tag as compared: its slug in any script, or its folded text if it has no letter or
    digit ("Soft skills" = soft-skills = SOFT-SKILLS)."""
    return words(value) or fold(value)


def _topic(value: str) -> str:
    """A topic as compared: its slug, as in its tag topic::<slug> ("Sécurité des soins" =
    sécurité-des-soins = SÉCURITÉ-DES-SOINS). A deck never has two topics with one slug."""
    return slugify(value)


@dataclass(frozen=True)
class Selection:
    """Values of one option combine with OR, different options with AND; exclusions last.

    Each field is a tuple of strings: topics by name or slug, tags, and question ids. A
    single string is one value, a list a tuple: `Selection(topics="Customer service")`."""

    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    exclude_topics: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("topics", "tags", "exclude_topics", "exclude_tags", "ids"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                value = (value,) if isinstance(value, str) else tuple(value)
                object.__setattr__(self, name, value)

    @property
    def empty(self) -> bool:
        return not (
            self.topics or self.tags or self.exclude_topics or self.exclude_tags or self.ids
        )

    @cached_property
    def _wanted(self) -> tuple[frozenset[str], ...]:
        """Each option's values normalised once, not once per question."""
        return (
            frozenset(map(_topic, self.topics)),
            frozenset(map(_norm, self.tags)),
            frozenset(self.ids),
            frozenset(map(_topic, self.exclude_topics)),
            frozenset(map(_norm, self.exclude_tags)),
        )

    def matches(self, q: Question) -> bool:
        if self.empty:
            return True
        topics, tags, ids, no_topics, no_tags = self._wanted
        topic = _topic(q.topic)
        own_tags = {_norm(t) for t in q.tags}
        if topics and topic not in topics:
            return False
        if tags and not own_tags & tags:
            return False
        if ids and q.id not in ids:
            return False
        return topic not in no_topics and not own_tags & no_tags

    def describe(self) -> str:
        """A short human description, e.g. 'topic customer-service, not tag basics'."""
        parts = [
            *(f"topic {_topic(t)}" for t in self.topics),
            *(f"tag {_norm(t)}" for t in self.tags),
            *(f"id {i}" for i in self.ids),
            *(f"not topic {_topic(t)}" for t in self.exclude_topics),
            *(f"not tag {_norm(t)}" for t in self.exclude_tags),
        ]
        return ", ".join(parts)

    def validate(self, decks: Sequence[Deck]) -> None:
        """Refuse values no deck knows (exit 2) and values both included and excluded."""
        for kind, norm, inc, exc in (
            ("topic", _topic, self.topics, self.exclude_topics),
            ("tag", _norm, self.tags, self.exclude_tags),
        ):
            both = {norm(v) for v in inc} & {norm(v) for v in exc}
            if both:
                raise SelectionError(
                    f"{kind} '{sorted(both)[0]}' is both included and excluded; drop one of them",
                    exit_code=2,
                )
        known_topics = {_topic(t): t for d in decks for t in d.topics}
        known_tags = {_norm(t): t for d in decks for q in d.questions for t in q.tags}
        known_ids = {q.id for d in decks for q in d.questions}
        _check_known("topic", (*self.topics, *self.exclude_topics), known_topics)
        _check_known("tag", (*self.tags, *self.exclude_tags), known_tags)
        _check_known("id", self.ids, {i: i for i in known_ids})


def _starts_words(key: str, known: dict[str, str]) -> list[str]:
    """Known names whose words start with the typed words, in order, accents aside: 'team'
    finds 'Teamwork and collaboration', 'cust serv' finds 'Customer service'."""
    typed = [w for w in bare(key).split("-") if w]
    if not typed:
        return []
    found = []
    for name in known:
        have = [w for w in bare(name).split("-") if w]
        i = 0
        for word in have:
            if i < len(typed) and word.startswith(typed[i]):
                i += 1
        if i == len(typed):
            found.append(name)
    return sorted(found, key=len)[:1]


def _check_known(kind: str, values: Iterable[str], known: dict[str, str]) -> None:
    for value in values:
        key = {"id": str, "topic": _topic, "tag": _norm}[kind](value)
        if key in known:
            continue
        names = sorted(set(known.values()), key=str.lower)
        close = (
            _starts_words(key, known)
            or difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
            # a slip in the first words of a long name: 'teemwork' for 'Teamwork and ...'
            or [
                name
                for name in known
                if difflib.SequenceMatcher(None, key, name[: len(key)]).ratio() >= 0.8
            ][:1]
        )
        hint = f" Did you mean '{known[close[0]]}'?" if close else ""
        listing = ", ".join(names) if len(names) <= 30 else ", ".join(names[:30]) + ", …"
        raise SelectionError(
            f"no deck has the {kind} '{value}'.{hint}\nknown {kind}s: {listing or '(none)'}",
            exit_code=2,
        )


class Chosen(NamedTuple):
    """Decks with a selection checked against them: what list, preview and build work on."""

    decks: Sequence[Deck]
    selection: Selection

    def questions(self) -> list[tuple[Deck, Question]]:
        """The questions the selection picks, each with its deck, in file order."""
        return [(d, q) for d in self.decks for q in d.questions if self.selection.matches(q)]

    def picked(self) -> list[bool]:
        """Which decks the selection picks questions from; an error when it picks none."""
        matching = [any(map(self.selection.matches, d.questions)) for d in self.decks]
        if not any(matching):
            raise PrepdeckError(
                f"no question matches the selection ({self.selection.describe()}); "
                "nothing was written"
            )
        return matching

    def picked_decks(self) -> list[Deck]:
        """The decks the selection picks questions from; an error when it picks none."""
        return [d for d, has in zip(self.decks, self.picked(), strict=True) if has]


def choose(decks: Sequence[Deck], selection: Selection) -> Chosen:
    """The selection checked against the decks (SelectionError, exit 2, for a value no deck
    has or one both included and excluded)."""
    selection.validate(decks)
    return Chosen(decks, selection)


def load_chosen(names: Sequence[str], selection: Selection) -> Chosen:
    """The deck files named (or the project's decks) loaded, with the selection checked."""
    from prepdeck.deckfile.named import load_named

    _, decks = load_named(names)
    return choose(decks, selection)
