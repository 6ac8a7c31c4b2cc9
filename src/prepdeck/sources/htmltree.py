"""A forgiving, bounded HTML tree for the converter in htmlmd.py (standard library only).

Field HTML comes from untrusted packages: nesting is capped, scripts and styles are
dropped, and input is made linear-time for html.parser before it is fed (see _defuse).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import NamedTuple

VOID = frozenset({"br", "hr", "img", "input", "wbr", "source", "meta", "link", "col", "area"})
_SKIP = frozenset({"script", "style", "head", "title", "template", "svg", "math", "object"})
# Anki's text-to-speech markers: the text between them stays.
_TTS = re.compile(r"\[/?anki:tts")
MAX_DEPTH = 200


class Node(NamedTuple):
    tag: str
    attrs: dict[str, str]
    children: list  # of Node and str


class _TreeBuilder(HTMLParser):
    """A forgiving HTML tree: unknown end tags are ignored, unclosed tags close at the end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("", {}, [])
        self.stack = [self.root]
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if self.skipping or tag in _SKIP:
            self.skipping += tag in _SKIP and tag not in VOID
            return
        node = Node(tag, {k: v or "" for k, v in attrs}, [])
        if tag == "li":  # an <li> closes an open <li> of the same list
            self._close_to("li", stop=("ul", "ol"))
        elif tag == "p":
            self._close_to("p", stop=("div", "li", "blockquote", "td"))
        self.stack[-1].children.append(node)
        if tag not in VOID and len(self.stack) < MAX_DEPTH:  # bounded nesting
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in _SKIP and self.skipping:
            self.skipping -= 1
            return
        if not self.skipping:
            self._close_to(tag)

    def _close_to(self, tag: str, stop: tuple[str, ...] = ()) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
            if self.stack[i].tag in stop:
                return

    def handle_data(self, data):
        if not self.skipping:
            self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    html = _defuse(without_bracketed(html, _TTS)[0])
    builder.feed(html)
    builder.close()
    return builder.root


def without_bracketed(text: str, opening: re.Pattern) -> tuple[str, int]:
    """`text` without each tag that `opening` starts and the next `]` ends, and how many.

    One pass: a regular expression such as `\\[sound:[^\\]]*\\]` rescans the rest of the
    text for each opening without a `]`, which is quadratic (measured: 1.2 MB of
    "[sound:", 299 s)."""
    out, at, count = [], 0, 0
    for m in opening.finditer(text):
        if m.start() < at:
            continue  # inside a tag already removed
        end = text.find("]", m.end())
        if end < 0:
            break  # no "]" after this opening: none after any later one either
        out.append(text[at : m.start()])
        at = end + 1
        count += 1
    out.append(text[at:])
    return "".join(out), count


def _defuse(html: str) -> str:
    """Leave html.parser only input it reads in linear time.

    It rescans the rest of the input for each unfinished tag, comment or CDATA section, so
    a field of repeated "<a " costs quadratic time (measured: 60 KB, 32 s). Here comments
    go, and a '<' that starts no tag (no '>' before the next '<'; or '<!', '<?') is text."""
    if "<" not in html:
        return html
    html = _without_comments(html)
    first, *rest = html.split("<")
    return first + "".join(
        ("<" if ">" in seg and seg[:1] not in ("!", "?") else "&lt;") + seg for seg in rest
    )


def _without_comments(html: str) -> str:
    out, i = [], 0
    while (start := html.find("<!--", i)) >= 0:
        out.append(html[i:start])
        end = html.find("-->", start + 4)
        if end < 0:
            return "".join(out)  # an unclosed comment runs to the end, as in a browser
        i = end + 3
    out.append(html[i:])
    return "".join(out)
