"""YAML text to a node tree that is safe to walk: bounded, tag-free, with positions.

libyaml (C) composes the nodes. Scalars get only the tags deck files use (null, bool, text):
PyYAML's int/float/timestamp guessing is skipped, since text fields keep what was typed. A
document whose aliases would expand past a limit, or that carries a YAML tag such as
!!python/object, is refused before anything walks it.
"""

from __future__ import annotations

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from prepdeck.errors import Problem

MAX_NODES = 5_000_000  # values, counted while composing and again once aliases are expanded
# Text once aliases are expanded: no file may make prepdeck read more text than the largest
# file it accepts (64 MiB), however its aliases repeat it.
MAX_EXPANDED_CHARS = 64 * 1024 * 1024
# What YAML (1.1, libyaml) reads as a line break; only \r\n, \r and \n are welcome here.
_ODD_BREAKS = {
    "\x85": "NEXT LINE",
    "\u2028": "LINE SEPARATOR",
    "\u2029": "PARAGRAPH SEPARATOR",
}

_STR = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_PLAIN_TAGS = {
    _STR,
    NULL_TAG,
    BOOL_TAG,
    _SEQ,
    _MAP,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
}

_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
# YAML 1.1 booleans: only `retired:` reads them
_BOOLS = frozenset(
    {
        *("yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"),
        *("true", "True", "TRUE", "false", "False", "FALSE"),
    }
)


class _TooManyValues(Exception):
    """Raised from inside the composer as soon as the document holds too many values."""


def _counting_resolver(budget: int):
    """Tags for untagged nodes, counting them: composing stops once `budget` is spent.

    Text fields use a scalar as written, so only null and bool matter; skipping PyYAML's
    int/float/timestamp guessing makes parsing markedly faster. Every node without an
    explicit tag passes through here; a node with one needs a '!' in the text, so the
    caller takes those from the budget up front.
    """
    left = budget

    def resolve(kind, value, implicit):
        nonlocal left
        left -= 1
        if left < 0:
            raise _TooManyValues
        if kind is ScalarNode:
            if implicit[0]:
                if value in _NULLS:
                    return NULL_TAG
                if value in _BOOLS:
                    return BOOL_TAG
            return _STR
        return _SEQ if kind is SequenceNode else _MAP

    return resolve


def _compose(text: str) -> Node | None:
    """The document's node tree, by libyaml when PyYAML has it."""
    resolve = staticmethod(_counting_resolver(MAX_NODES - text.count("!")))
    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML without libyaml: slower, same result for our purposes

        class _Loader(yaml.SafeLoader):
            pass

        _Loader.resolve = resolve
        return yaml.compose(text, Loader=_Loader)

    class _Composer(CParser):
        def descend_resolver(self, parent, index):
            pass

        def ascend_resolver(self):
            pass

    _Composer.resolve = resolve
    composer = _Composer(text)
    try:
        return composer.get_single_node()
    finally:
        composer.dispose()


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character, counting line breaks as YAML does."""
    before = text[:index]
    line_start = max(before.rfind("\n"), before.rfind("\r")) + 1
    lines = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    return lines, index - line_start + 1


def _at(path: str, node: Node, message: str) -> Problem:
    mark = node.start_mark
    return Problem(path, mark.line + 1, mark.column + 1, message)


def compose_checked(
    text: str, path: str, empty: str | None = None
) -> tuple[Node | None, list[Problem]]:
    """The document's root node, or None and the problems that stop it from being read.

    An empty document gives None and, when `empty` is given, that message as its problem.
    """
    odd = _odd_break(text, path)
    if odd is not None:
        return None, [odd]
    try:
        root = _compose(text)
    except _TooManyValues:
        message = f"the file holds more than {MAX_NODES:,} values; split it into several decks"
        return None, [Problem(path, 1, 1, message)]
    except yaml.MarkedYAMLError as err:
        return None, [_syntax_problem(path, text, err)]
    except yaml.reader.ReaderError as err:
        # libyaml gives the character as a number and its position in UTF-8 bytes; the
        # pure-Python reader gives a string and a position in characters.
        if isinstance(err.character, int):
            code = err.character
            head = text.encode("utf-8", "surrogatepass")[: err.position]
            index = len(head.decode("utf-8", "ignore"))
        else:
            code, index = ord(err.character), err.position
        line, column = _position(text, index)
        message = f"control character U+{code:04X} is not allowed in YAML; delete it"
        return None, [Problem(path, line, column, message)]
    except yaml.YAMLError as err:  # any other parser complaint, still without a traceback
        return None, [Problem(path, 0, 0, f"not valid YAML: {err}")]
    if root is None:
        return None, [Problem(path, 1, 1, empty)] if empty else []
    # Aliases need an anchor ('&'), tags a '!': a file with neither skips the walk. These
    # are plain substring tests, so no spelling or line break can slip past them.
    if "&" in text or "!" in text:
        problem = _walk_checks(root, path)
        if problem is not None:
            return None, [problem]
    return root, []


def _odd_break(text: str, path: str) -> Problem | None:
    """A NEL, LINE SEPARATOR or PARAGRAPH SEPARATOR: YAML reads each as a line break, which
    cuts text in two and shifts every line number after it; editors show none of them."""
    found = [(text.find(ch), ch) for ch in _ODD_BREAKS if ch in text]
    if not found:
        return None
    index, ch = min(found)
    line, column = _position(text, index)
    return Problem(
        path,
        line,
        column,
        f"U+{ord(ch):04X} ({_ODD_BREAKS[ch]}) is read by YAML as a line break, which would "
        "split this text; replace it with a space or a normal line break",
    )


def _walk_checks(root: Node, path: str) -> Problem | None:
    size = _expanded_size(root)
    if size is None:
        message = "a YAML alias refers to the value that contains it; remove the alias"
        return _at(path, root, message)
    nodes, chars = size
    if nodes > MAX_NODES:
        return _at(
            path,
            root,
            f"YAML aliases expand to more than {MAX_NODES:,} values; "
            "write the values out instead of nesting aliases",
        )
    if chars > MAX_EXPANDED_CHARS:
        return _at(
            path,
            root,
            f"YAML aliases expand to more than {MAX_EXPANDED_CHARS:,} characters of text; "
            "write the values out instead of repeating them through aliases",
        )
    bad = _foreign_tag(root)
    if bad is not None:
        tag = bad.tag.replace("tag:yaml.org,2002:", "!!")
        return _at(
            path,
            bad,
            f"the YAML tag '{tag}' is not allowed; deck files hold only text, lists and mappings",
        )
    return None


def _syntax_problem(path: str, text: str, err: yaml.MarkedYAMLError) -> Problem:
    mark = err.problem_mark or err.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    problem = err.problem or "invalid YAML"
    context = err.context or ""
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        message = "a tab is used for indentation; YAML needs spaces here"
    elif "single document" in context:
        message = "a deck file holds one YAML document; remove this '---' and what follows"
    else:
        message = f"YAML syntax error: {problem}"
        if context:
            where = err.context_mark
            if where is not None and mark is not None and where.line != mark.line:
                context += f" that starts on line {where.line + 1}"
            message += f" ({context})"
        message += "; check the indentation and quoting here and on the line above"
    return Problem(path, line, column, message)


def _foreign_tag(root: Node) -> Node | None:
    """The first node with a tag other than YAML's plain ones (e.g. !!python/object)."""
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in _PLAIN_TAGS:
            return node
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                stack.append(k)
                stack.append(v)
    return None


def _expanded_size(root: Node) -> tuple[int, int] | None:
    """(values, characters of text) once aliases are expanded; None for a cycle."""
    sizes: dict[int, tuple[int, int]] = {}
    visiting: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    cap = (MAX_NODES + 1, MAX_EXPANDED_CHARS + 1)
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if not done and id(node) in visiting:  # an alias inside its own anchor: endless
            return None
        visiting.add(id(node))
        if isinstance(node, ScalarNode):
            sizes[id(node)] = (1, len(node.value))
            continue
        children = (
            node.value
            if isinstance(node, SequenceNode)
            else [n for pair in node.value for n in pair]
        )
        if done:
            nodes, chars = 1, 0
            for c in children:
                n, t = sizes[id(c)]
                nodes += n
                chars += t
            sizes[id(node)] = (min(cap[0], nodes), min(cap[1], chars))
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def peek(text: str, *keys: str) -> str | None:
    """The text at a path of mapping keys, read from the start of a YAML document without
    composing the rest: cheap for `deck.key` at the top of a large deck file."""
    try:
        events = iter(yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        for event in events:
            if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
                return _find(events, event, list(keys))
    except yaml.YAMLError:
        return None
    return None


def _skip(events, first) -> None:
    if isinstance(first, yaml.CollectionStartEvent):
        depth = 1
        for event in events:
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                if depth == 0:
                    return


def _find(events, first, keys: list[str]) -> str | None:
    if not keys:
        return first.value if isinstance(first, yaml.ScalarEvent) else None
    if not isinstance(first, yaml.MappingStartEvent):
        _skip(events, first)
        return None
    for key in events:
        if isinstance(key, yaml.MappingEndEvent):
            return None
        value = next(events)
        if isinstance(key, yaml.ScalarEvent) and key.value == keys[0]:
            return _find(events, value, keys[1:])
        _skip(events, key)
        _skip(events, value)
    return None
