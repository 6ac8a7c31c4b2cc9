"""HTML back to Markdown: the reverse of cards/render.py, and a best effort for Anki's editor.

For HTML that prepdeck rendered itself (render.escape, markdown_inline, markdown_block) the
conversion is exact: rendering the Markdown we give back yields the same HTML (a property
test holds this). Markup that only makes text inert (an empty <span>, an entity such as
&#91;) is dropped or decoded here, in one place, so that render.py may add more of it.

HTML from Anki's editor is converted as well as Markdown allows: <b>/<strong> and <i>/<em>
become emphasis, <br> and <div> line breaks, &nbsp; a space, safe links stay links; <u>,
<span>, <font> and colours keep only their text; images and [sound:] tags are dropped and
counted, so the caller can report them.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from prepdeck.sources.htmltree import Node, parse, without_bracketed

_HEADINGS = frozenset(f"h{n}" for n in range(1, 7))
_BLOCKS = frozenset(
    {"p", "div", "ul", "ol", "li", "blockquote", "pre", "hr", "table", "tr", "section"}
    | {f"h{n}" for n in range(1, 7)}
)
_SAFE_LINK = ("http:", "https:", "mailto:")
# Anki's own tags, in the raw field (an entity such as &#91; makes one inert: that is text).
_SOUND = re.compile(r"\[sound:")
# Text that Markdown would read as syntax at the start of a line.
_LINE_START = re.compile(r"^()([#>+=-]|[0-9]{1,9}(?=[.)]))")  # ASCII digits: CommonMark's
# A list whose items hold plain text only: converted without the HTML parser.
_PLAIN_LIST = re.compile(r"<ul>(?:<li>[^<>&\[\n]*</li>)*</ul>")
_PLAIN_ITEM = re.compile(r"<li>([^<]*)</li>")
_BREAK_NEWLINE = re.compile(r"\\\n[ \t]*\n")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


class Converter:
    """One conversion; counts what it had to drop (images, sounds) for the report."""

    def __init__(self) -> None:
        self.media = 0

    def without_sounds(self, html: str) -> str:
        """The raw field without [sound:…] tags, which are counted as media."""
        if "[sound:" not in html:
            return html
        kept, count = without_bracketed(html, _SOUND)
        self.media += count
        return kept

    # --- text and inline markup -------------------------------------------------------

    def text(self, s: str) -> str:
        """Plain text escaped so that Markdown shows it as written."""
        s = s.replace("\xa0", " ")
        out = []
        for i, ch in enumerate(s):
            if ch == "\\" and s[i + 1 : i + 2] in (" ", "\t"):
                out.append(ch)  # not an escape before a space; escaping it changes the line end
            elif ch in "\\`*[]<~":
                out.append("\\" + ch)
            elif ch == "_":
                before, after = s[i - 1 : i], s[i + 1 : i + 2]
                intraword = before.isalnum() and after.isalnum()
                out.append("_" if intraword else "\\_")
            else:
                out.append(ch)
        return _ENTITY_LIKE.sub(r"\\&", "".join(out))

    def inline(self, children: list) -> str:
        md = "".join(self._inline(c) for c in children)
        # markdown-it writes "<br />\n": that newline belongs to the break, not to the text.
        return _BREAK_NEWLINE.sub("\\\n", md) if "\\\n" in md else md

    def _inline(self, node) -> str:
        if isinstance(node, str):
            return self.text(node)
        tag = node.tag
        if tag == "br":
            return "\\\n"
        if tag == "img":
            self.media += 1
            return ""
        if tag == "code":
            return _code_span(_plain(node))
        inner = self.inline(node.children)
        if tag == "a":
            return _link(inner, node.attrs)
        if not inner.strip():
            return inner  # an empty or blank <span>, <b> … adds nothing
        if tag in ("em", "i"):
            return _wrap(inner, "*")
        if tag in ("strong", "b"):
            return _wrap(inner, "**")
        if tag in ("s", "del", "strike"):
            return _wrap(inner, "~~")
        return inner  # u, span, font, sub, sup, mark …: keep the text

    # --- blocks -----------------------------------------------------------------------

    def block(self, node: Node, sep: str = "\n\n") -> str:
        """Block-level HTML to Markdown blocks, separated by blank lines (`sep`)."""
        parts: list[str] = []
        run: list = []

        def flush() -> None:
            if run:
                text = _line_starts(self.inline(run)).strip("\n")
                if text.strip():
                    parts.append(text)
                run.clear()

        last_list = ""  # "ul"/"ol" when the previous block was a list (with marker `alt`)
        alt = False
        for child in node.children:
            if isinstance(child, Node) and child.tag in _BLOCKS:
                flush()
                if child.tag in ("ul", "ol"):
                    # Two lists in a row merge into one unless their markers differ.
                    alt = not alt if last_list == child.tag and not run else False
                    md = self._list(child, alt)
                    last_list = child.tag
                else:
                    md = self._block(child)
                    last_list = ""
                if md.strip():
                    parts.append(md)
            elif isinstance(child, str) and not child.strip() and not run:
                continue  # whitespace between blocks
            else:
                run.append(child)
                last_list = ""
        flush()
        return sep.join(parts)

    def _block(self, node: Node) -> str:
        tag = node.tag
        if tag in ("p", "div", "section", "table", "tr"):
            return self.block(node)
        if tag in _HEADINGS:
            level = int(tag[1])
            inner = _line_starts(self.inline(node.children)).strip()
            if "\n" in inner and level <= 2:  # only an underlined heading spans lines
                return inner + "\n" + ("===" if level == 1 else "---")
            inner = " ".join(inner.replace("\\\n", " ").split("\n"))
            if inner.endswith("#"):  # a closing sequence would be dropped
                inner = inner[:-1] + "\\#"
            return "#" * level + " " + inner
        if tag == "hr":
            return "---"
        if tag == "blockquote":
            inner = self.block(node)
            return "\n".join(("> " + line) if line else ">" for line in inner.split("\n"))
        if tag == "pre":
            return _fence(node)
        if tag in ("ul", "ol"):
            return self._list(node)
        if tag == "li":
            return self.block(node)
        return self.block(node)

    def _list(self, node: Node, alt: bool = False) -> str:
        items = [c for c in node.children if isinstance(c, Node) and c.tag == "li"]
        ordered = node.tag == "ol"
        start_attr = node.attrs.get("start", "1")
        start = int(start_attr) if ordered and _ascii_number(start_attr) else 1
        loose = any(isinstance(c, Node) and c.tag == "p" for item in items for c in item.children)
        out = []
        for n, item in enumerate(items):
            marker = f"{start + n}{')' if alt else '.'}" if ordered else ("*" if alt else "-")
            body = self.block(item, "\n\n" if loose else "\n")
            pad = " " * (len(marker) + 1)
            lines = body.split("\n") if body else [""]
            first = f"{marker} {lines[0]}" if lines[0] else marker
            rest = [pad + line if line else "" for line in lines[1:]]
            out.append("\n".join([first, *rest]))
        return ("\n\n" if loose else "\n").join(out)


def _ascii_number(text: str) -> bool:
    """Digits 0-9 only, as HTML means them (str.isdigit also takes "²" and "①"), short."""
    return 0 < len(text) < 10 and all(ch in "0123456789" for ch in text)


def _has_unescaped_star(text: str) -> bool:
    """A `*` not escaped by a backslash (an odd run of them before it). Linear: the runs of
    backslashes before different stars never overlap."""
    at = text.find("*")
    while at >= 0:
        run = 0
        while run < at and text[at - run - 1] == "\\":
            run += 1
        if run % 2 == 0:
            return True
        at = text.find("*", at + 1)
    return False


def _link(inner: str, attrs: dict[str, str]) -> str:
    href = attrs.get("href", "").strip()
    if href and not href.lower().startswith(_SAFE_LINK):
        return inner  # javascript:, data:, file: … keep the text, drop the link
    if "href" not in attrs:
        return inner  # an anchor, not a link
    if not href:
        return f"[{inner}]()"  # `[text]()` renders as a link to nowhere: keep it so
    dest = f"<{href}>" if re.search(r"[\s()<>]", href) else href.replace("\\", "\\\\")
    title = attrs.get("title")
    if title:
        escaped = title.replace("\\", "\\\\").replace('"', '\\"')
        return f'[{inner}]({dest} "{escaped}")'
    return f"[{inner}]({dest})"


def _wrap(inner: str, mark: str) -> str:
    # Emphasis must hug its text: move edge spaces outside the markers.
    core = inner.strip(" ")
    if mark[0] == "*" and _has_unescaped_star(core):
        mark = "_" * len(mark)  # nested emphasis: `*` around `*` would pair up wrongly
    lead = inner[: len(inner) - len(inner.lstrip(" "))]
    trail = inner[len(inner.rstrip(" ")) :]
    return f"{lead}{mark}{core}{mark}{trail}"


def _plain(node) -> str:
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    return "".join(_plain(c) for c in node.children)


def _code_span(code: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    if code.startswith(" ") and code.endswith(" ") and code.strip(" "):
        pad = " "
    return f"{ticks}{pad}{code}{pad}{ticks}"


def _fence(node: Node) -> str:
    code_nodes = [c for c in node.children if isinstance(c, Node) and c.tag == "code"]
    source = code_nodes[0] if len(code_nodes) == 1 else node
    code = _plain(source)
    lang = ""
    if source is not node:
        cls = source.attrs.get("class", "")
        lang = cls.removeprefix("language-") if cls.startswith("language-") else ""
    longest = max((len(m) for m in re.findall(r"`{3,}", code)), default=2)
    fence = "`" * (longest + 1)
    if code and not code.endswith("\n"):
        code += "\n"  # an empty block stays empty: "```\n```"
    return f"{fence}{lang}\n{code}{fence}"


def _line_starts(md: str) -> str:
    """Escape what would start a heading, quote, list or rule at the start of a line.

    Leading spaces go: Markdown drops them in a paragraph, and four would make code."""
    out = []
    for line in md.split("\n"):
        line = line.lstrip(" \t")
        m = _LINE_START.match(line)
        if m:
            mark = m.group(2)
            rest = line[m.end() :]
            line = f"{mark}\\{rest}" if mark[0] in "0123456789" else f"\\{mark}{rest}"
        out.append(line)
    return "\n".join(out)


class Converted(NamedTuple):
    markdown: str
    media: int  # images and [sound:] tags dropped


def to_markdown(html: str) -> Converted:
    """A field's HTML as Markdown text (paragraphs, lists, emphasis, links)."""
    conv = Converter()
    html = conv.without_sounds(html)
    md = conv.block(parse(html))
    return Converted(md, conv.media)


def to_text(html: str) -> Converted:
    """A field's HTML as one line of plain text (questions and topics are not Markdown)."""
    conv = Converter()
    html = conv.without_sounds(html)
    text = " ".join(_plain(parse(html)).replace("\xa0", " ").split())
    conv.media += html.lower().count("<img")
    return Converted(text, conv.media)


class Tips(NamedTuple):
    tips: tuple[str, ...]
    media: int


def to_tips(html: str) -> Tips:
    """A field's HTML as tips: every list item, line break and paragraph is its own tip.

    A list that prepdeck rendered (<ul><li>…</li></ul>) gives back each tip exactly.
    """
    if _PLAIN_LIST.fullmatch(html):  # most tips prepdeck rendered: no markup inside
        conv = Converter()
        items = _PLAIN_ITEM.findall(html)
        return Tips(tuple(t for t in (_line_starts(conv.text(i)).strip() for i in items) if t), 0)
    conv = Converter()
    root = parse(conv.without_sounds(html))
    tips: list[str] = []
    _collect_tips(conv, root, tips)
    return Tips(tuple(t for t in tips if t.strip()), conv.media)


def _collect_tips(conv: Converter, node: Node, tips: list[str]) -> None:
    run: list = []

    def flush() -> None:
        if run:
            tips.extend(_split_breaks(conv, run))
            run.clear()

    for child in node.children:
        if isinstance(child, Node) and child.tag in ("ul", "ol"):
            flush()
            for item in child.children:
                if isinstance(item, Node) and item.tag == "li":
                    tip = _tip_from_item(conv, item)
                    if tip:
                        tips.append(tip)
        elif isinstance(child, Node) and child.tag in _BLOCKS:
            flush()
            _collect_tips(conv, child, tips)
        elif isinstance(child, Node) and child.tag == "br":
            flush()
        else:
            run.append(child)
    flush()


def _tip_from_item(conv: Converter, item: Node) -> str:
    has_blocks = any(isinstance(c, Node) and c.tag in _BLOCKS for c in item.children)
    if has_blocks:
        return conv.block(item).strip()
    return _line_starts(conv.inline(item.children)).strip()


def _split_breaks(conv: Converter, run: list) -> list[str]:
    text = _line_starts(conv.inline(run))
    return [line.strip() for line in text.split("\n") if line.strip()]
