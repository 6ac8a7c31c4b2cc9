"""Edit a YAML file in place: replace or add single values, keep everything else as it is.

`prepdeck pull --write` brings edits made in Anki back to a deck file. Rewriting the whole
file would lose the author's comments, order, quoting and line breaks, so each change is a
splice at the position libyaml reports for the value it replaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from prepdeck.deckfile.dump import flow_scalar, yaml_scalar


class Splice(NamedTuple):
    start: int
    end: int
    text: str


class EditError(Exception):
    """An edit that cannot be made in place; the message says why and what to do."""


def apply(text: str, splices: Sequence[Splice], newline: str = "\n") -> str:
    """The text with every splice made (they must not overlap), in the file's line ends."""
    out, at = [], 0
    for s in sorted(splices, key=lambda s: (s.start, s.end)):
        piece = s.text if newline == "\n" else s.text.replace("\n", newline)
        out += [text[at : s.start], piece]
        at = s.end
    out.append(text[at:])
    return "".join(out)


def aliases(text: str) -> list[tuple[int, int, str]]:
    """Where each alias (`*name`) is written: its start, end and anchor name, in order.

    A composed node stands wherever it is used; only the events say where an alias is."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if "*" not in text:
        return []
    return [
        (e.start_mark.index, e.end_mark.index, e.anchor)
        for e in yaml.parse(text, Loader=loader)
        if isinstance(e, yaml.AliasEvent)
    ]


def _span_end(text: str, node: Node) -> int:
    """Where a value really ends: libyaml counts the line breaks and indentation after a
    block value as part of it."""
    end = node.end_mark.index
    while end > node.start_mark.index and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def _line_end(text: str, at: int) -> int:
    """Where the line holding `at` ends, before its line break."""
    end = text.find("\n", at)
    end = len(text) if end < 0 else end
    return end - 1 if end > 0 and text[end - 1] == "\r" else end


def _comment_after(text: str, at: int) -> tuple[str, int]:
    """A comment that follows a value on its line (`  # note`), and where that line ends."""
    end = _line_end(text, at)
    rest = text[at:end]
    if rest.strip().startswith("#") and (not rest or rest[0] in " \t"):
        return rest.strip(), end
    return "", at


def entry(mapping: MappingNode, key: str) -> tuple[ScalarNode, Node] | None:
    for k, v in mapping.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def scalar(value: str, key_column: int) -> str:
    """A text value for a key at `key_column`: plain, quoted or a literal block (whose lines
    dump.py indents two spaces past the key)."""
    return yaml_scalar(value, key_column)


def _alias_at(text: str, after: int, found: list[tuple[int, int, str]]) -> tuple[int, int] | None:
    """The alias written right after `after` (a key's colon, a list's dash), if any."""
    for start, end, _ in found:
        if start >= after:
            between = text[after:start]
            if between.strip(" \t\r\n:-") == "":
                return start, end
            return None
    return None


def value_span(text: str, after: int, node: Node, found) -> tuple[int, int, bool]:
    """Where the value written after `after` is: its start, end, and whether it is an alias
    (a composed node stands where its anchor is, not where an alias repeats it)."""
    if node.start_mark.index < after:
        where = _alias_at(text, after, found)
        if where is None:
            raise EditError("a YAML alias whose place cannot be found")
        return where[0], where[1], True
    return node.start_mark.index, _span_end(text, node), False


def _check_anchor(text: str, start: int, found, what: str) -> None:
    """Refuse to replace a value that other values repeat through its anchor."""
    if text[start : start + 1] != "&":
        return
    name = text[start + 1 :].split(None, 1)[0] if text[start + 1 :].strip() else ""
    if any(anchor == name for _, _, anchor in found):
        raise EditError(
            f"{what} is the YAML anchor &{name}, which other values repeat (*{name}); "
            "changing it would change them too. Edit it in the YAML by hand"
        )


def replace_value(
    text: str, key: ScalarNode, node: Node, new: str, *, flow: bool = False, found=()
) -> Splice:
    """Replace a text value; a literal block stays a literal block with its own header, and
    a comment after the value (or on a block's header line) stays a comment there."""
    start, end, alias = value_span(text, key.end_mark.index, node, found)
    if not alias:
        _check_anchor(text, start, found, f"'{key.value}'")
    if flow:
        return Splice(start, end, flow_scalar(new))
    value = scalar(new, key.start_mark.column)
    comment = ""
    if not alias and text[start : start + 1] in "|>":
        header_end = _line_end(text, start)
        header, _, comment = text[start:header_end].partition("#")
        header = header.strip()
        comment = "#" + comment if comment else ""
        if value.startswith("|-\n") and header in ("|", "|+"):
            value = header + value[2:]  # the loader strips the value: the chomping is the author's
    else:
        comment, line_end = _comment_after(text, end)
        if comment:
            end = line_end
    if comment:
        if value[:1] in "|>":  # a block's comment belongs on its header line
            head, _, body = value.partition("\n")
            value = f"{head}  {comment}\n{body}"
        else:
            value = f"{value}  {comment}"
    return Splice(start, end, value)


def replace_list(
    text: str, key: ScalarNode, node: Node, items: Sequence[str], *, flow: bool = False, found=()
) -> list[Splice]:
    """Replace a list, in the style it was written in (block `- item` lines, or `[a, b]`).

    A block list changes item by item: items that stay keep their text exactly as written,
    and comments between and after the items stay where they are."""
    start, end, alias = value_span(text, key.end_mark.index, node, found)
    if alias or flow or not isinstance(node, SequenceNode) or node.flow_style or not node.value:
        if not alias:
            _check_anchor(text, start, found, f"'{key.value}'")
        written: dict[str, str] = {}
        if not alias and isinstance(node, SequenceNode) and "#" not in text[start:end]:
            for item in node.value:
                if isinstance(item, ScalarNode) and item.start_mark.index >= start:
                    written.setdefault(
                        item.value.strip(), text[item.start_mark.index : _span_end(text, item)]
                    )
        body = ", ".join(written.get(i) or flow_scalar(i) for i in items)
        return [Splice(start, end, f"[{body}]")]
    return _block_items(text, node, list(items), found)


def _next_dash(text: str, at: int) -> int:
    """The next list item's dash, past blank lines and comments."""
    while at < len(text):
        ch = text[at]
        if ch in " \t\r\n":
            at += 1
        elif ch == "#":
            stop = text.find("\n", at)
            at = len(text) if stop < 0 else stop
        else:
            return at
    return at


def _block_items(text: str, node: SequenceNode, new: list[str], found) -> list[Splice]:
    spans = []  # per item: (dash, start, end) of what is written for it
    after = node.start_mark.index
    for item in node.value:
        dash = _next_dash(text, after)
        item_start, item_end, alias = value_span(text, dash + 1, item, found)
        spans.append((dash, item_start, item_end, alias))
        after = item_end
    old = [i.value if isinstance(i, ScalarNode) else None for i in node.value]
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    old_mid = range(head, len(old) - tail)
    new_mid = new[head : len(new) - tail]
    column = node.start_mark.column
    pad = " " * column
    splices = []
    paired = min(len(old_mid), len(new_mid))
    for k in range(paired):
        _, item_start, item_end, alias = spans[head + k]
        if not alias:
            _check_anchor(text, item_start, found, f"tip {head + k + 1}")
        value = yaml_scalar(new_mid[k], column + 2)
        comment, line_end = ("", item_end) if alias else _comment_after(text, item_end)
        if comment and value[:1] in "|>":  # the comment would become part of the block
            head_line, _, rest = value.partition("\n")
            value, item_end = f"{head_line}  {comment}\n{rest}", line_end
        splices.append(Splice(item_start, item_end, value))
    for i in old_mid[paired:]:  # removed: the item's lines go, a comment on them with it
        dash, item_start, item_end, alias = spans[i]
        if not alias:
            _check_anchor(text, item_start, found, f"tip {i + 1}")
        # From the line break before it to the end of its line: whatever is added after
        # the list (a new key) still lands after the line before.
        line_start = text.rfind("\n", 0, dash)
        if line_start > 0 and text[line_start - 1] == "\r":
            line_start -= 1
        splices.append(Splice(max(line_start, 0), _line_end(text, item_end), ""))
    added = new_mid[paired:]
    if added:
        lines = "".join(f"\n{pad}- {yaml_scalar(t, column + 2)}" for t in added)
        last = head + paired - 1
        if last >= 0:
            at = spans[last][2]
            at = _comment_after(text, at)[1]  # after a comment on that item's line
            splices.append(Splice(at, at, lines))
        else:  # before the first item that stays, on lines of their own
            line_start = text.rfind("\n", 0, spans[0][0]) + 1
            splices.append(Splice(line_start, line_start, lines[1:] + "\n"))
    return splices


def add_entry(
    text: str, mapping: MappingNode, key: str, value: str, *, raw: bool = False
) -> Splice:
    """Add `key: value` as the last entry of a mapping, in its style (`raw`: the value is
    already YAML, such as `true`, and is written as it is, not as text)."""
    end = _span_end(text, mapping)
    column = mapping.value[0][0].start_mark.column if mapping.value else mapping.start_mark.column
    if mapping.flow_style:
        close = text.rindex("}", mapping.start_mark.index, mapping.end_mark.index)
        return Splice(close, close, f", {key}: {value if raw else flow_scalar(value)}")
    pad = " " * column
    return Splice(end, end, f"\n{pad}{key}: {value if raw else scalar(value, column)}")


def add_list_entry(text: str, mapping: MappingNode, key: str, items: Sequence[str]) -> Splice:
    end = _span_end(text, mapping)
    flow = "[" + ", ".join(map(flow_scalar, items)) + "]"
    if mapping.flow_style:
        close = text.rindex("}", mapping.start_mark.index, mapping.end_mark.index)
        return Splice(close, close, f", {key}: {flow}")
    column = mapping.value[0][0].start_mark.column if mapping.value else mapping.start_mark.column
    return Splice(end, end, f"\n{' ' * column}{key}: {flow}")


def append_item(text: str, sequence: SequenceNode, block: str) -> Splice:
    """Append a block of YAML (already indented) as the last item(s) of a block list."""
    end = _span_end(text, sequence)
    return Splice(end, end, "\n" + block.rstrip("\n"))
