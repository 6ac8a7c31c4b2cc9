"""What every file prepdeck reads has in common: its text, checked, and a walker over its
YAML nodes that collects every problem with its line instead of stopping at the first.

deckformat.py reads deck files and answers.py a learner's own answers file with it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from prepdeck.deckfile.media import Files, Media, MediaProblem, image_refs
from prepdeck.deckfile.slugs import ascii_slug
from prepdeck.deckfile.yamlnodes import NULL_TAG, compose_checked
from prepdeck.errors import Problem
from prepdeck.files import NotAFileError, TooLargeError, read_bounded

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
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Invisible characters that make two names look the same: zero-width space, word joiner,
# byte order mark, soft hyphen, bidirectional embeddings, overrides, isolates and marks,
# Hangul and braille blanks, the combining grapheme joiner, Khmer inherent vowels, tag
# characters and musical format marks; and line breaks, which Anki drops from names.
# (Zero-width joiner and non-joiner are not here: Persian, Indic scripts and emoji use them;
# nor are variation selectors, which emoji need.)
INVISIBLE = re.compile(
    "[\n\t\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200e\u200f"
    "\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\u2800\u3164\ufeff\uffa0"
    "\U0001d173-\U0001d17a\U000e0000-\U000e007f]"
)
TIMER_RANGE = (5, 3600)  # seconds an answer timer may run
MAX_PROBLEMS = 1_000  # problems reported for one file; a broken file could make millions


def read_text(path: str, reader: Reader) -> str:
    """A file's text, or "" with the reason among the reader's problems."""
    try:
        data = read_bounded(path, MAX_FILE_BYTES)
    except NotAFileError as err:
        reader.fail(None, f"{err.strerror}; name a deck file")
        return ""
    except TooLargeError as err:
        reader.fail(
            None,
            f"the file is {err.size / 2**20:.1f} MiB; the limit is "
            f"{MAX_FILE_BYTES // 2**20} MiB (for a deck: split it into several decks)",
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


class Reader:
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
        if len(self.problems) >= MAX_PROBLEMS:  # a flood says no more than its first part
            if len(self.problems) == MAX_PROBLEMS:
                self.problems.append(
                    Problem(
                        self.path,
                        0,
                        0,
                        f"more than {MAX_PROBLEMS:,} problems; fix these and run again to see "
                        "the rest",
                    )
                )
            return
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
            self.fail(node, f"{where}: expected a mapping (key: value lines), found {kind(node)}")
            return None
        out: dict[str, Node] = {}
        first_line: dict[str, int] = {}
        known = frozenset(allowed)
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
            if key not in known:
                close = close_match(key, allowed)
                if close:
                    self.misspelled.add((id(node), close[0]))
                self.fail(key_node, f"{where}: unknown key '{key}'{did_you_mean(key, allowed)}")
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
            self.fail(node, f"{where}: expected text, found {kind(node)}{hint}")
            return ""
        value = node.value.strip()
        bad = CONTROL_CHARS.search(value)
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
        bad = INVISIBLE.search(value)
        if bad or value[0] in "\u200c\u200d" or value[-1] in "\u200c\u200d":
            ch = bad.group() if bad else (value[0] if value[0] in "\u200c\u200d" else value[-1])
            if ch in "\n\t\u2028\u2029":
                self.fail(node, f"{where}: a name is one line; remove the line break or tab")
                return ""
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
        if node is None or is_null(node):
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

    def timer(self, node: Node | None, where: str) -> int | None:
        """Seconds for the answer timer: a whole number in TIMER_RANGE; None when absent."""
        value = self.text(node, where, required=False)
        if not value:
            return None
        low, high = TIMER_RANGE
        # ASCII digits only: str.isdigit also takes '²⁰' and '①', which int() refuses.
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
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
        try:
            return parse_date(value).isoformat()
        except ValueError as err:
            self.fail(node, f"interview: {err}")
            return ""


def close_match(word: str, choices: tuple[str, ...]) -> list[str]:
    if len(choices) > 200:  # a guess among thousands is slow and rarely right
        return []
    import difflib  # only a file with a mistake pays for it

    return difflib.get_close_matches(word, choices, n=1, cutoff=0.6)


def did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    close = close_match(word, choices)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; allowed keys: {', '.join(sorted(choices))}" if len(choices) <= 10 else ""


def kind(node: Node) -> str:
    """'text', 'a list' or 'a mapping', for messages."""
    if isinstance(node, ScalarNode):
        return "text"
    return "a list" if isinstance(node, SequenceNode) else "a mapping"


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL_TAG


def parse_date(text: str) -> dt.date:
    """A YYYY-MM-DD date; ValueError with a readable reason otherwise."""
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date written YYYY-MM-DD, such as 2026-12-15") from None
