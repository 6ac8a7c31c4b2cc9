"""Read deck files: YAML text in, a validated `Deck` out, or every problem with its line.

yamlnodes.py turns the text into a checked node tree; this module walks it against the deck
format, so each value keeps its line for messages and duplicate keys are caught.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from prepdeck.errors import DeckFileError, Problem
from prepdeck.files import NotAFileError, TooLargeError, read_bounded
from prepdeck.gcpause import paused_gc
from prepdeck.media import Files, Media, MediaProblem, image_refs
from prepdeck.model import SUBDECK_MODES, Deck, Question
from prepdeck.slugs import ascii_slug, topic_clashes
from prepdeck.slugs import slugify as slugify  # re-exported: callers import it from here
from prepdeck.yamlnodes import BOOL_TAG, NULL_TAG, compose_checked, peek

# Limits that keep a hostile or broken file from hanging the tool or exhausting memory.
# They are far above any real deck: the 100,000-question benchmark deck is about 25 MB.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_TEXT_CHARS = 20_000
MAX_TIPS = 50
MAX_TAGS = 50
MAX_RECORDINGS = 10

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}\Z")
TAG_RE = re.compile(r"^[^\s\"]+\Z")
LANG_RE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?\Z")
RESERVED_TAG_PREFIXES = ("topic::", "prepdeck::")
# Characters no text may hold: C0 controls but tab and line feed, DEL and C1 controls. Anki
# stores fields separated by \x1f and refuses a package whose fields contain it; a terminal
# runs ESC and C1 sequences. (YAML's escapes, such as "\e" or "\x1f", can write them.)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Invisible characters that make two names look the same: zero-width space, word joiner,
# byte order mark, soft hyphen, bidirectional embeddings, overrides, isolates and marks.
# (Zero-width joiner and non-joiner are not here: Persian, Indic scripts and emoji use them.)
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
EMPTY_DECK = (
    "the file is empty; a deck file needs a `deck:` and a `questions:` key "
    "(prepdeck new FILE writes a starter)"
)


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
MINE_KEYS = ("answers", "interview", "timer")
TIMER_RANGE = (5, 3600)  # seconds an answer timer may run
QUESTION_KEYS = (
    *("id", "topic", "question", "tips", "tags", "example", "notes", "retired", "audio", "guid"),
)
# An Anki note GUID kept for a question that began in Anki (prepdeck pull --add-new): the
# characters Anki's own GUIDs use, nothing that could break out of a field or a search.
GUID_RE = re.compile(r"^[A-Za-z0-9!#$%&()*+,\-./:;<=>?@\[\]^_`{|}~]{1,64}\Z")
ANSWER_KEYS = ("example", "notes", "audio")


# Paths are plain strings here: `prepdeck topics` and `check` start faster without pathlib.
PathLike = str | os.PathLike


def deck_paths(folder: PathLike) -> list[str]:
    """The deck files in a folder, sorted; a learner's `*.mine.yaml` answers are not decks."""
    folder = os.fspath(folder)
    return sorted(
        os.path.join(folder, name)
        for name in os.listdir(folder)
        if name.endswith((".yaml", ".yml"))
        and not name.endswith((".mine.yaml", ".mine.yml"))
        and os.path.isfile(os.path.join(folder, name))
    )


def answers_path(deck_path: PathLike) -> str:
    """Where a learner keeps their own answers for a deck: `<deck>.mine.yaml` beside it."""
    return os.path.splitext(os.fspath(deck_path))[0] + ".mine.yaml"


def load_deck(path: PathLike, *, with_answers: bool = True) -> Deck:
    """Load and validate one deck file (and the learner's answers beside it, if any)."""
    path = os.fspath(path)
    reader = _Reader(path)
    text = _read_text(path, reader)
    if reader.problems:
        raise DeckFileError(reader.problems)
    files = Files()  # every media file is read and hashed once per load
    deck = parse_deck_text(text, path, files=files)
    mine = answers_path(path)
    if with_answers and os.path.exists(mine):
        deck = _merge_answers(deck, mine, files)
    return deck


def load_decks(paths: Iterable[PathLike], *, with_answers: bool = True) -> list[Deck]:
    """Load several deck files, reporting the problems of all of them together."""
    decks: list[Deck] = []
    problems: list[Problem] = []
    seen_keys: dict[str, str] = {}
    for path in paths:
        try:
            deck = load_deck(path, with_answers=with_answers)
        except DeckFileError as err:
            problems.extend(err.problems)
            continue
        if deck.key in seen_keys:
            problems.append(
                Problem(
                    str(path),
                    0,
                    0,
                    f"deck key '{deck.key}' is already used by {seen_keys[deck.key]}; "
                    "every deck needs its own key",
                )
            )
            continue
        seen_keys[deck.key] = str(path)
        decks.append(deck)
    if problems:
        raise DeckFileError(problems)
    return decks


def _stem(path: str) -> str:
    name = os.path.basename(path)
    return name.rsplit(".", 1)[0] if name.endswith((".yaml", ".yml")) else name


def sibling_problems(path: PathLike, deck: Deck) -> None:
    """Refuse a deck file that shares its name or its key with another in its folder.

    Two such files would write one package and one build state over each other, whichever
    of them is built; a copied deck file keeps the key of its original until it is changed.
    """
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    problems = []
    try:
        others = deck_paths(folder)
    except OSError:
        return
    for other in others:
        try:
            if os.path.samefile(other, path):
                continue
        except OSError:
            continue
        if _stem(other) == _stem(path):
            problems.append(
                Problem(
                    path,
                    0,
                    0,
                    f"{other} has the same name with another ending, and both would share "
                    f"one build state; rename or remove one of them",
                )
            )
            continue
        try:
            text = read_bounded(other, MAX_FILE_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        if peek(text, "deck", "key") == deck.key:
            problems.append(
                Problem(
                    path,
                    0,
                    0,
                    f"deck key '{deck.key}' is also the key of {other}; every deck file needs "
                    "its own key (a copied deck needs a new one: prepdeck new prints a fresh "
                    "key), or the two would overwrite each other's package and state",
                )
            )
    if problems:
        raise DeckFileError(problems)


def parse_deck_text(text: str, path: str = "<text>", *, files: Files | None = None) -> Deck:
    """Validate deck YAML given as text; `path` is used in messages, and with `files` media
    paths are checked and read relative to its folder (without, pictures show their alt text
    and recordings are left out)."""
    reader = _Reader(path, files)
    # Parsing creates many small objects and no cycles (see gcpause.py).
    with paused_gc():
        root = reader.compose(text, EMPTY_DECK)
        deck = reader.deck(root) if root is not None else None
        del root
    if reader.problems:
        raise DeckFileError(reader.problems)
    assert deck is not None
    return deck


def _read_text(path: str, reader: _Reader) -> str:
    try:
        data = read_bounded(path, MAX_FILE_BYTES)
    except NotAFileError as err:
        reader.fail(None, f"{err.strerror}; name a deck file")
        return ""
    except TooLargeError as err:
        reader.fail(
            None,
            f"the file is {err.size / 2**20:.1f} MiB; deck files are limited to "
            f"{MAX_FILE_BYTES // 2**20} MiB: split it into several decks",
        )
        return ""
    except OSError as err:
        reader.fail(None, f"cannot be read: {err.strerror or err}")
        return ""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif _wide_encoding(data):
        reader.problems.append(
            Problem(path, 1, 1, "the file is UTF-16 or UTF-32 text; save it as UTF-8 and try again")
        )
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        line_start = data.rfind(b"\n", 0, err.start) + 1
        column = len(data[line_start : err.start].decode("utf-8", "ignore")) + 1
        reader.problems.append(
            Problem(
                reader.path,
                line,
                column,
                f"byte 0x{data[err.start]:02x} is not UTF-8 text; save the file as UTF-8",
            )
        )
        return ""


def _wide_encoding(data: bytes) -> bool:
    """UTF-16 or UTF-32, with or without a byte order mark: many NUL bytes in the text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:4096]
    return len(head) >= 2 and head.count(0) * 4 >= len(head)


def _merge_answers(deck: Deck, path: str, files: Files | None = None) -> Deck:
    reader = _Reader(path, files)
    # An empty (or comments-only) answers file simply holds no answers yet.
    root = reader.compose(_read_text(path, reader))
    answers, settings = {}, {}
    if root is not None:
        answers, settings = reader.mine(root, {q.id for q in deck.questions})
    if reader.problems:
        raise DeckFileError(reader.problems)
    questions = tuple(
        _with_answers(q, answers[q.id]) if q.id in answers else q for q in deck.questions
    )
    return deck._replace(questions=questions, **settings)


def _with_answers(q: Question, own: dict) -> Question:
    """A question with the learner's own example and notes, and their recordings after the
    deck's; `shared` keeps what the deck file alone gives (model.as_written), `mine` which
    values came from the answers file (pull writes edits of those back there)."""
    own = dict(own)
    mine = tuple(k for k in ("example", "notes", "audio") if k in own)
    audio = q.audio + own.pop("audio", ())
    images = tuple({m.ref: m for m in (*q.images, *own.pop("images", ()))}.values())
    shared = (q.example, q.notes, q.audio, q.images)
    return q._replace(**own, audio=audio, images=images, shared=shared, mine=mine)


class _Reader:
    """Walks composed YAML nodes for one file, collecting problems instead of stopping."""

    def __init__(self, path: str, files: Files | None = None):
        self.path = path
        self.files = files
        self.folder = os.path.dirname(path) or "."
        self.problems: list[Problem] = []
        # (mapping node id, key) for keys an unknown key looked like: "tipss" already says
        # what is wrong, so "tips is missing" would only repeat it.
        self.misspelled: set[tuple[int, str]] = set()

    # -- reporting --------------------------------------------------------------------
    def fail(self, node: Node | None, message: str) -> None:
        if node is None:
            self.problems.append(Problem(self.path, 0, 0, message))
        else:
            mark = node.start_mark
            self.problems.append(Problem(self.path, mark.line + 1, mark.column + 1, message))

    # -- YAML -------------------------------------------------------------------------
    def compose(self, text: str, empty: str | None = None) -> Node | None:
        if self.problems:
            return None
        root, problems = compose_checked(text, self.path, empty)
        self.problems.extend(problems)
        return root

    def mapping(self, node: Node, where: str, allowed: tuple[str, ...]) -> dict[str, Node] | None:
        """A mapping's values by key, reporting wrong types, duplicate and unknown keys."""
        if not isinstance(node, MappingNode):
            self.fail(node, f"{where}: expected a mapping (key: value lines), found {_kind(node)}")
            return None
        out: dict[str, Node] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.fail(key_node, f"{where}: keys must be plain words")
                continue
            key = key_node.value
            if key in first_line:
                self.fail(
                    key_node,
                    f"{where}: key '{key}' appears twice (first on line {first_line[key]}); "
                    "keep one",
                )
                continue
            first_line[key] = key_node.start_mark.line + 1
            if key not in allowed:
                close = _close_match(key, allowed)
                if close:
                    self.misspelled.add((id(node), close[0]))
                self.fail(key_node, f"{where}: unknown key '{key}'{_did_you_mean(key, allowed)}")
                continue
            out[key] = value_node
        return out

    def missing(self, parent: Node, where: str) -> None:
        """Report a required key that is absent (unless a misspelling of it was reported)."""
        key = where.rsplit(".", 1)[-1]
        if (id(parent), key) not in self.misspelled:
            self.fail(parent, f"{where}: is missing; add a line `{key}: …` here")

    def text(
        self, node: Node | None, where: str, *, required: bool, parent: Node | None = None
    ) -> str:
        """A text value. Any plain scalar counts as its literal text (so `yes` stays 'yes')."""
        if node is None:
            if required and parent is not None:
                self.missing(parent, where)
            return ""
        if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
            if required:
                self.fail(node, f"{where}: is empty; write some text here")
            return ""
        if not isinstance(node, ScalarNode):
            hint = ""
            if isinstance(node, MappingNode) and len(node.value) == 1:
                hint = "; text with ': ' in it must be put in quotes"
            self.fail(node, f"{where}: expected text, found {_kind(node)}{hint}")
            return ""
        value = node.value.strip()
        bad = _CONTROL.search(value)
        if bad:
            self.fail(
                node,
                f"{where}: contains the control character U+{ord(bad.group()):04X}, which "
                "Anki cannot store and a terminal may run; delete it",
            )
            return ""
        if required and not value:
            self.fail(node, f"{where}: is empty; write some text here")
        elif len(value) > MAX_TEXT_CHARS:
            self.fail(
                node,
                f"{where}: is {len(value):,} characters long; the limit is {MAX_TEXT_CHARS:,}",
            )
            return ""
        return value

    def name(self, node: Node | None, value: str, where: str) -> str:
        """A name that identifies something (topic, tag, deck name): one spelling per name.

        Unicode is composed (NFC), so 'é' typed two ways is one topic; invisible characters
        and empty '::' parts, which would make look-alike or blank decks and tags, are refused.
        """
        if not value:
            return value
        value = unicodedata.normalize("NFC", value)
        bad = _INVISIBLE.search(value)
        if bad or value[0] in "\u200c\u200d" or value[-1] in "\u200c\u200d":
            ch = bad.group() if bad else (value[0] if value[0] in "\u200c\u200d" else value[-1])
            label = unicodedata.name(ch, "invisible character").lower()
            self.fail(
                node,
                f"{where}: contains the invisible character U+{ord(ch):04X} ({label}), which "
                "makes it look like another name; delete it",
            )
            return ""
        if "::" in value and any(not part.strip() for part in value.split("::")):
            self.fail(node, f"{where}: '{value}' has an empty part around '::'; remove it")
            return ""
        return value

    def text_list(self, node: Node, where: str, limit: int) -> list[tuple[str, Node]]:
        if isinstance(node, ScalarNode) and node.tag != NULL_TAG:
            self.fail(node, f"{where}: expected a list (one '- item' per line), found text")
            return []
        if not isinstance(node, SequenceNode):
            self.fail(node, f"{where}: expected a list (one '- item' per line)")
            return []
        if len(node.value) > limit:
            self.fail(node, f"{where}: has {len(node.value)} items; the limit is {limit}")
            return []
        return [
            (self.text(item, f"{where}[{i}]", required=True), item)
            for i, item in enumerate(node.value)
        ]

    def slug(self, node: Node | None, where: str, parent: Node, what: str) -> str:
        value = self.text(node, where, required=True, parent=parent)
        if value and not SLUG_RE.match(value):
            suggestion = ascii_slug(value)[:64]
            hint = f"; for example '{suggestion}'" if suggestion else ""
            self.fail(
                node,
                f"{where}: '{value}' is not a valid {what}: use 1-64 lowercase letters, digits "
                f"and hyphens, starting with a letter or digit{hint}",
            )
            return ""
        return value

    # -- media ------------------------------------------------------------------------
    def pictures(self, node: Node | None, text: str, where: str, description: bool = False):
        """The checked files of the images a Markdown text shows."""
        out: list[Media] = []
        if self.files is None or "![" not in text:
            return out
        for ref in image_refs(text):
            try:
                out.append(self.files.resolve(self.folder, ref, "image", description))
            except MediaProblem as err:
                self.fail(node, f"{where}: {err}")
        return out

    def recordings(self, node: Node | None, where: str) -> tuple[Media, ...]:
        """`audio:` as one path or a list of paths, each file checked."""
        if node is None or _is_null(node):
            return ()
        one = isinstance(node, ScalarNode)
        if one:
            items = [(self.text(node, where, required=True), node)]
        else:
            items = self.text_list(node, where, MAX_RECORDINGS)
        out: list[Media] = []
        for i, (ref, item) in enumerate(items):
            if not ref or self.files is None:
                continue
            try:
                out.append(self.files.resolve(self.folder, ref, "audio"))
            except MediaProblem as err:
                self.fail(item, f"{where}{'' if one else f'[{i}]'}: {err}")
        return tuple(out)

    # -- the deck format --------------------------------------------------------------
    def deck(self, root: Node) -> Deck | None:
        if not isinstance(root, MappingNode):
            self.fail(
                root,
                f"the top level is {_kind(root)}; a deck file is a mapping with a `deck:` and "
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
                from prepdeck.labels import default_voice  # only decks with a language pay

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

    def timer(self, node: Node | None, where: str) -> int | None:
        """Seconds for the answer timer: a whole number in TIMER_RANGE; None when absent."""
        value = self.text(node, where, required=False)
        if not value:
            return None
        low, high = TIMER_RANGE
        if not value.isdigit() or not low <= int(value) <= high:
            self.fail(
                node,
                f"{where}: '{value}' is not a number of seconds from {low} to {high}, such as 90",
            )
            return None
        return int(value)

    def interview(self, node: Node | None) -> str:
        """The interview date, YYYY-MM-DD."""
        value = self.text(node, "interview", required=False)
        if not value:
            return ""
        from prepdeck.plan import parse_date

        try:
            return parse_date(value).isoformat()
        except ValueError as err:
            self.fail(node, f"interview: {err}")
            return ""

    def language(self, node: Node | None) -> str:
        value = self.text(node, "deck.language", required=False)
        if not value:
            return ""
        from prepdeck.labels import LANGUAGE_RE

        if not LANGUAGE_RE.match(value):
            self.fail(
                node,
                f"deck.language: '{value}' is not a language code such as de, fr, pt-BR or "
                "zh-Hant (language in lowercase, region in capitals, joined by '-')",
            )
            return ""
        return value

    def labels(self, node: Node | None) -> tuple[tuple[str, str], ...]:
        if node is None or _is_null(node):
            return ()
        from prepdeck.labels import LABEL_KEYS, label_problem

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
                f"found {_kind(node)}",
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
        if "tags" in fields and not _is_null(fields["tags"]):
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

    def mine(self, root: Node, known_ids: set[str]) -> tuple[dict[str, dict], dict]:
        """A learner's own file: `answers: {question-id: {example: …, notes: …}}`, and their
        `interview:` date and answer `timer:`. Returns the answers and the personal settings."""
        top = self.mapping(root, "top level", MINE_KEYS)
        if top is None:
            return {}, {}
        settings = {
            "interview": self.interview(top.get("interview")),
            "mine_timer": self.timer(top.get("timer"), "timer"),
        }
        if "answers" not in top or _is_null(top["answers"]):
            return {}, settings
        if not isinstance(top["answers"], MappingNode):
            self.fail(top["answers"], "answers: expected a mapping of question ids")
            return {}, settings
        ids = [k.value for k, _ in top["answers"].value if isinstance(k, ScalarNode)]
        entries = self.mapping(top["answers"], "answers", tuple(known_ids | set(ids)))
        out: dict[str, dict] = {}
        for qid, node in (entries or {}).items():
            if qid not in known_ids:
                key_node = next(k for k, _ in top["answers"].value if k.value == qid)
                self.fail(
                    key_node,
                    f"answers: '{qid}' matches no question in the deck"
                    f"{_did_you_mean(qid, tuple(known_ids))}",
                )
                continue
            fields = self.mapping(node, f"answers.{qid}", ANSWER_KEYS)
            if fields is None:
                continue
            own: dict = {}
            images: list[Media] = []
            for k, v in fields.items():
                if k == "audio":
                    own[k] = self.recordings(v, f"answers.{qid}.audio")
                    continue
                own[k] = self.text(v, f"answers.{qid}.{k}", required=False)
                images += self.pictures(v, own[k], f"answers.{qid}.{k}")
            out[qid] = {**own, "images": tuple(images)}
        return out, settings


def _close_match(word: str, choices: tuple[str, ...]) -> list[str]:
    import difflib  # only a file with a mistake pays for it

    return difflib.get_close_matches(word, choices, n=1, cutoff=0.6)


def _did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    close = _close_match(word, choices)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; allowed keys: {', '.join(sorted(choices))}" if len(choices) <= 10 else ""


def _kind(node: Node) -> str:
    """'text', 'a list' or 'a mapping', for messages."""
    if isinstance(node, ScalarNode):
        return "text"
    return "a list" if isinstance(node, SequenceNode) else "a mapping"


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL_TAG
