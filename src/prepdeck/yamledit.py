"""Edit a YAML file in place: replace or add single values, keep everything else as it is.

`prepdeck pull --write` brings edits made in Anki back to a deck file. Rewriting the whole
file would lose the author's comments, order, quoting and line breaks, so each change is a
splice at the position libyaml reports for the value it replaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from prepdeck.dump import _flow_scalar, _scalar


class Splice(NamedTuple):
    start: int
    end: int
    text: str


def apply(text: str, splices: Sequence[Splice]) -> str:
    """The text with every splice made (they must not overlap)."""
    out, at = [], 0
    for s in sorted(splices):
        out += [text[at : s.start], s.text]
        at = s.end
    out.append(text[at:])
    return "".join(out)


def _span_end(text: str, node: Node) -> int:
    """Where a value really ends: libyaml counts the line breaks and indentation after a
    block value as part of it."""
    end = node.end_mark.index
    while end > node.start_mark.index and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def entry(mapping: MappingNode, key: str) -> tuple[ScalarNode, Node] | None:
    for k, v in mapping.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def scalar(value: str, key_column: int) -> str:
    """A text value for a key at `key_column`: plain, quoted or a literal block (whose lines
    dump.py indents two spaces past the key)."""
    return _scalar(value, key_column)


def replace_value(text: str, key: ScalarNode, node: Node, new: str) -> Splice:
    """Replace a text value; a literal block stays a literal block with its own header."""
    value = scalar(new, key.start_mark.column)
    header = text[node.start_mark.index : text.find("\n", node.start_mark.index)]
    if value.startswith("|-\n") and header in ("|", "|+"):
        value = header + value[2:]  # the loader strips the value: the chomping is the author's
    return Splice(node.start_mark.index, _span_end(text, node), value)


def replace_list(text: str, key: ScalarNode, node: Node, items: Sequence[str]) -> Splice:
    """Replace a list, in the style it was written in (block `- item` lines, or `[a, b]`).

    An item that is still there keeps its text exactly as written (quoting, folding)."""
    end = _span_end(text, node)
    written: dict[str, str] = {}
    if isinstance(node, SequenceNode):
        for item in node.value:
            if isinstance(item, ScalarNode):
                written.setdefault(
                    item.value.strip(), text[item.start_mark.index : _span_end(text, item)]
                )
    if (isinstance(node, SequenceNode) and node.flow_style) or not node.value:
        body = ", ".join(written.get(i) or _flow_scalar(i) for i in items)
        return Splice(node.start_mark.index, end, f"[{body}]")
    column = node.start_mark.column
    pad = " " * column
    body = f"\n{pad}".join(f"- {written.get(i) or _scalar(i, column + 2)}" for i in items)
    return Splice(node.start_mark.index, end, body)


def add_entry(
    text: str, mapping: MappingNode, key: str, value: str, *, raw: bool = False
) -> Splice:
    """Add `key: value` as the last entry of a mapping, in its style (`raw`: the value is
    already YAML, such as `true`, and is written as it is, not as text)."""
    end = _span_end(text, mapping)
    column = mapping.value[0][0].start_mark.column if mapping.value else mapping.start_mark.column
    if mapping.flow_style:
        close = text.rindex("}", mapping.start_mark.index, mapping.end_mark.index)
        return Splice(close, close, f", {key}: {value if raw else _flow_scalar(value)}")
    pad = " " * column
    return Splice(end, end, f"\n{pad}{key}: {value if raw else scalar(value, column)}")


def add_list_entry(text: str, mapping: MappingNode, key: str, items: Sequence[str]) -> Splice:
    end = _span_end(text, mapping)
    flow = "[" + ", ".join(map(_flow_scalar, items)) + "]"
    if mapping.flow_style:
        close = text.rindex("}", mapping.start_mark.index, mapping.end_mark.index)
        return Splice(close, close, f", {key}: {flow}")
    column = mapping.value[0][0].start_mark.column if mapping.value else mapping.start_mark.column
    return Splice(end, end, f"\n{' ' * column}{key}: {flow}")


def append_item(text: str, sequence: SequenceNode, block: str) -> Splice:
    """Append a block of YAML (already indented) as the last item(s) of a block list."""
    end = _span_end(text, sequence)
    return Splice(end, end, "\n" + block.rstrip("\n"))
