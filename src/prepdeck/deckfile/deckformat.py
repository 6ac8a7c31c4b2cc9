"""The deck format: the keys a deck file may hold, and the reader that walks its nodes.

`DeckReader` checks each section (`deck:`, each question) against the format and builds the
frozen `Deck`, collecting every problem with its line; load.py is the files around it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from prepdeck.deckfile.media import Media
from prepdeck.deckfile.model import SUBDECK_MODES, Deck, Question
from prepdeck.deckfile.reader import (
    LANG_RE,
    MAX_TAGS,
    MAX_TIPS,
    RESERVED_TAG_PREFIXES,
    TAG_RE,
    Reader,
    is_null,
    kind,
)
from prepdeck.deckfile.slugs import topic_clashes
from prepdeck.deckfile.yamlnodes import BOOL_TAG

DECK_KEYS = (
    "key",
    "name",
    "description",
    "subdecks",
    "speak",
    "language",
    "labels",
    "timer",
    "version",
)
# A release name shown as plain text on every card: letters, digits, spaces and . - + ~ _
VERSION_RE = re.compile(r"[^\W_](?:[\w.+~ -]*[\w+~])?")
MAX_VERSION_CHARS = 32
QUESTION_KEYS = (
    *("id", "topic", "question", "tips", "tags", "example", "notes", "retired", "audio", "guid"),
)
# An Anki note GUID kept for a question that began in Anki (prepdeck pull --add-new). Anki
# writes base91 ones, other tools anything; it only goes into the package's notes table, so
# any printable text will do (control characters are refused for every value already).
GUID_RE = re.compile(r"^\S(?:.{0,98}\S)?\Z", re.S)
# Names Windows keeps for devices, whatever the extension: `con.apkg` is the console.
WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))]
)


class DeckReader(Reader):
    """Walks a deck file's nodes against the deck format."""

    def deck(self, root: Node) -> Deck | None:
        if not isinstance(root, MappingNode):
            self.fail(
                root,
                f"the top level is {kind(root)}; a deck file is a mapping with a `deck:` and "
                "a `questions:` key (see the README for an example)",
            )
            return None
        top = self.mapping(root, "top level", ("deck", "questions"))
        if top is None:
            return None
        for key in ("deck", "questions"):
            if key not in top and (id(root), key) not in self.misspelled:
                self.fail(root, f"the top level is missing the `{key}:` key")
        if "deck" not in top:
            return None
        meta = self.mapping(top["deck"], "deck", DECK_KEYS)
        if meta is None:
            return None
        where_node = top["deck"]
        key = self.slug(meta.get("key"), "deck.key", where_node, "deck key")
        if key == "collection" or key.startswith("backup-"):
            self.fail(
                meta["key"],
                f"deck.key: '{key}' is refused: Anki would treat {key}.apkg as a whole "
                "collection and replace the learner's; choose another key",
            )
        elif key in WINDOWS_DEVICES:
            self.fail(
                meta["key"],
                f"deck.key: '{key}' is refused: on Windows, {key}.apkg names a device, not a "
                "file, so the package could not be written there; choose another key",
            )
        name = self.text(meta.get("name"), "deck.name", required=True, parent=where_node)
        name = self.name(meta.get("name"), name, "deck.name")
        description = self.text(meta.get("description"), "deck.description", required=False)
        images = self.pictures(meta.get("description"), description, "deck.description", True)
        subdecks = self.text(meta.get("subdecks"), "deck.subdecks", required=False) or "none"
        if subdecks not in SUBDECK_MODES:
            self.fail(
                meta["subdecks"],
                f"deck.subdecks: '{subdecks}' is not one of: {', '.join(SUBDECK_MODES)}",
            )
        language = self.language(meta.get("language"))
        speak = self.text(meta.get("speak"), "deck.speak", required=False)
        if speak.lower() == "off":
            speak = ""
        elif not speak:
            if language:
                from prepdeck.deckfile.labels import default_voice  # only decks with a language pay

                speak = default_voice(language)
        elif not LANG_RE.match(speak):
            self.fail(
                meta["speak"],
                f"deck.speak: '{speak}' is not a language code such as en_US or de_DE",
            )
        labels = self.labels(meta.get("labels"))
        timer = self.timer(meta.get("timer"), "deck.timer")
        version = self.version(meta.get("version"))
        questions = list(self.questions(top.get("questions")))
        self.topic_clashes(top.get("questions"), questions)
        return Deck(
            key=key,
            name=name,
            description=description,
            questions=tuple(questions),
            source=self.path,
            subdecks=subdecks,
            speak=speak,
            language=language,
            labels=labels,
            timer=timer or 0,
            images=tuple({m.ref: m for m in images}.values()),
            version=version,
        )

    def version(self, node: Node | None) -> str:
        """deck.version: short plain text such as 1.2.0 or 2026-12, shown on every card."""
        value = self.text(node, "deck.version", required=False)
        if not value:
            return ""
        value = unicodedata.normalize("NFC", value)
        if len(value) > MAX_VERSION_CHARS or not VERSION_RE.fullmatch(value):
            shown = value if len(value) <= MAX_VERSION_CHARS else value[:MAX_VERSION_CHARS] + "…"
            self.fail(
                node,
                f"deck.version: '{shown}' is not a version; write plain text such as 1.2.0 or "
                f"2026-12 (letters, digits, spaces and . - + ~ _, at most "
                f"{MAX_VERSION_CHARS} characters, starting with a letter or digit)",
            )
            return ""
        return value

    def language(self, node: Node | None) -> str:
        value = self.text(node, "deck.language", required=False)
        if not value:
            return ""
        from prepdeck.deckfile.labels import LANGUAGE_RE

        if not LANGUAGE_RE.match(value):
            self.fail(
                node,
                f"deck.language: '{value}' is not a language code such as de, fr, pt-BR or "
                "zh-Hant (language in lowercase, region in capitals, joined by '-')",
            )
            return ""
        return value

    def labels(self, node: Node | None) -> tuple[tuple[str, str], ...]:
        if node is None or is_null(node):
            return ()
        from prepdeck.deckfile.labels import LABEL_KEYS, label_problem

        entries = self.mapping(node, "deck.labels", tuple(LABEL_KEYS))
        out = []
        for key, value_node in (entries or {}).items():
            text = self.text(value_node, f"deck.labels.{key}", required=True)
            problem = label_problem(text) if text else ""
            if problem:
                self.fail(value_node, f"deck.labels.{key}: {problem}")
            elif text:
                out.append((key, text))
        return tuple(sorted(out))

    def topic_clashes(self, node: Node | None, questions: list[Question]) -> None:
        """Refuse two spellings of one topic: Anki would file both under one tag."""
        clashes = topic_clashes(dict.fromkeys(q.topic for q in questions))
        if not clashes or not isinstance(node, SequenceNode):
            return
        first_line: dict[str, int] = {}
        for q in questions:
            first_line.setdefault(q.topic, q.line)
        for i, item in enumerate(node.value):
            pairs = item.value if isinstance(item, MappingNode) else ()
            topic = next((v for k, v in pairs if getattr(k, "value", None) == "topic"), None)
            if isinstance(topic, ScalarNode) and topic.value.strip() in clashes:
                earlier, why = clashes[topic.value.strip()]
                self.fail(
                    topic,
                    f"questions[{i}].topic: '{topic.value.strip()}' and '{earlier}' (line "
                    f"{first_line[earlier]}) {why}",
                )

    def questions(self, node: Node | None) -> Iterator[Question]:
        if node is None:
            return
        if isinstance(node, SequenceNode) and not node.value:
            self.fail(node, "questions: is empty; add at least one question")
            return
        if not isinstance(node, SequenceNode):
            self.fail(
                node,
                f"questions: expected a list of questions, each starting with '- id:', "
                f"found {kind(node)}",
            )
            return
        seen: dict[str, int] = {}
        guids: dict[str, str] = {}
        for i, item in enumerate(node.value):
            q = self.question(item, i)
            if q is None:
                continue
            if q.guid and q.guid in guids:
                self.fail(
                    item,
                    f"questions[{i}].guid: '{q.guid}' is also the guid of '{guids[q.guid]}'; "
                    "every question needs its own",
                )
                continue
            if q.guid:
                guids[q.guid] = q.id
            if q.id in seen:
                self.fail(
                    item,
                    f"questions[{i}].id: '{q.id}' is already used on line {seen[q.id]}; "
                    "every question needs its own id",
                )
                continue
            if q.id:
                seen[q.id] = q.line
            yield q

    def question(self, node: Node, i: int) -> Question | None:
        where = f"questions[{i}]"
        fields = self.mapping(node, where, QUESTION_KEYS)
        if fields is None:
            return None
        qid = self.slug(fields.get("id"), f"{where}.id", node, "question id")
        topic = self.text(fields.get("topic"), f"{where}.topic", required=True, parent=node)
        topic = self.name(fields.get("topic"), topic, f"{where}.topic")
        question = self.text(
            fields.get("question"), f"{where}.question", required=True, parent=node
        )
        tips: list[str] = []
        images: list[Media] = []
        if "tips" not in fields:
            self.missing(node, f"{where}.tips")
        else:
            for i_tip, (tip, tip_node) in enumerate(
                self.text_list(fields["tips"], f"{where}.tips", MAX_TIPS)
            ):
                tips.append(tip)
                images += self.pictures(tip_node, tip, f"{where}.tips[{i_tip}]")
            if not tips and isinstance(fields["tips"], SequenceNode) and not fields["tips"].value:
                self.fail(fields["tips"], f"{where}.tips: is empty; add at least one tip")
        tags: list[str] = []
        if "tags" in fields and not is_null(fields["tags"]):
            for raw, tag_node in self.text_list(fields["tags"], f"{where}.tags", MAX_TAGS):
                tag = self.name(tag_node, raw, f"{where}.tags")
                if tag and not TAG_RE.match(tag):
                    self.fail(tag_node, f"{where}.tags: '{tag}' has a space; use '-' instead")
                elif tag.lower().startswith(RESERVED_TAG_PREFIXES):
                    self.fail(
                        tag_node,
                        f"{where}.tags: '{tag}' starts with a prefix prepdeck adds itself "
                        "(topic::, prepdeck::); choose another tag",
                    )
                elif tag and tag not in tags:
                    tags.append(tag)
        retired = False
        if "retired" in fields:
            r = fields["retired"]
            if isinstance(r, ScalarNode) and r.tag == BOOL_TAG:
                retired = r.value.lower() in ("true", "yes", "on")
            else:
                self.fail(r, f"{where}.retired: expected true or false")
        example = self.text(fields.get("example"), f"{where}.example", required=False)
        notes = self.text(fields.get("notes"), f"{where}.notes", required=False)
        images += self.pictures(fields.get("example"), example, f"{where}.example")
        images += self.pictures(fields.get("notes"), notes, f"{where}.notes")
        return Question(
            id=qid,
            topic=topic,
            question=question,
            tips=tuple(tips),
            tags=tuple(tags),
            example=example,
            notes=notes,
            retired=retired,
            line=node.start_mark.line + 1,
            audio=self.recordings(fields.get("audio"), f"{where}.audio"),
            images=tuple({m.ref: m for m in images}.values()),
            guid=self.guid(fields.get("guid"), f"{where}.guid"),
        )

    def guid(self, node: Node | None, where: str) -> str:
        value = self.text(node, where, required=False)
        if value and not GUID_RE.match(value):
            self.fail(node, f"{where}: '{value}' is not an Anki note GUID; remove the line")
            return ""
        return value
