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

MAX_NODES = 5_000_000  # values once aliases are expanded

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
_TOKEN_START = " \t\n[{,:-"  # what may stand before an anchor (&) or a tag (!) in YAML


def _may_hold(text: str, indicator: str) -> bool:
    """Whether `text` may hold a YAML anchor or tag: only such files pay for their checks."""
    at = text.find(indicator)
    while at != -1:
        if at == 0 or text[at - 1] in _TOKEN_START:
            return True
        at = text.find(indicator, at + 1)
    return False


def _resolve(kind, value, implicit):
    """Tags for untagged nodes. Text fields use a scalar as written, so only null and bool
    matter; skipping PyYAML's int/float/timestamp guessing makes parsing markedly faster."""
    if kind is ScalarNode:
        if implicit[0]:
            if value in _NULLS:
                return NULL_TAG
            if value in _BOOLS:
                return BOOL_TAG
        return _STR
    return _SEQ if kind is SequenceNode else _MAP


def _compose(text: str) -> Node | None:
    """The document's node tree, by libyaml when PyYAML has it."""
    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML without libyaml: slower, same result for our purposes
        return yaml.compose(text, Loader=yaml.SafeLoader)

    class _Composer(CParser):
        def descend_resolver(self, parent, index):
            pass

        def ascend_resolver(self):
            pass

        resolve = staticmethod(_resolve)

    composer = _Composer(text)
    try:
        return composer.get_single_node()
    finally:
        composer.dispose()


def _at(path: str, node: Node, message: str) -> Problem:
    mark = node.start_mark
    return Problem(path, mark.line + 1, mark.column + 1, message)


def compose_checked(text: str, path: str) -> tuple[Node | None, list[Problem]]:
    """The document's root node, or None and the problems that stop it from being read."""
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as err:
        return None, [_syntax_problem(path, text, err)]
    except yaml.reader.ReaderError as err:
        # libyaml gives the character as a number, the pure-Python reader as a string
        code = err.character if isinstance(err.character, int) else ord(err.character)
        line = text.count("\n", 0, err.position) + 1
        column = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        message = f"control character U+{code:04X} is not allowed in YAML; delete it"
        return None, [Problem(path, line, column, message)]
    except yaml.YAMLError as err:  # any other parser complaint, still without a traceback
        return None, [Problem(path, 0, 0, f"not valid YAML: {err}")]
    if root is None:
        message = (
            "the file is empty; a deck file needs a `deck:` and a `questions:` key "
            "(prepdeck new FILE writes a starter)"
        )
        return None, [Problem(path, 1, 1, message)]
    size = _expanded_size(root) if _may_hold(text, "&") else 0
    if size < 0:
        message = "a YAML alias refers to the value that contains it; remove the alias"
        return None, [_at(path, root, message)]
    if size > MAX_NODES:
        message = (
            f"YAML aliases expand to more than {MAX_NODES:,} values; "
            "write the values out instead of nesting aliases"
        )
        return None, [_at(path, root, message)]
    bad = _foreign_tag(root) if _may_hold(text, "!") else None
    if bad is not None:
        tag = bad.tag.replace("tag:yaml.org,2002:", "!!")
        message = (
            f"the YAML tag '{tag}' is not allowed; deck files hold only text, lists and mappings"
        )
        return None, [_at(path, bad, message)]
    return root, []


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


def _expanded_size(root: Node) -> int:
    """How many values the document holds once aliases are expanded; -1 for a cycle."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if not done and id(node) in visiting:  # an alias inside its own anchor: endless
            return -1
        visiting.add(id(node))
        children = (
            node.value
            if isinstance(node, SequenceNode)
            else [n for pair in node.value for n in pair]
            if isinstance(node, MappingNode)
            else []
        )
        if done:
            sizes[id(node)] = min(MAX_NODES + 1, 1 + sum(sizes[id(c)] for c in children))
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]
