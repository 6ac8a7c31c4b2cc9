"""Anki's field HTML back to the deck file's values, as the YAML wrote them where it can.

An edited field goes back to Markdown (sources/htmlmd.py); a tip whose HTML is what prepdeck
sent keeps the YAML's wording, a picture prepdeck placed comes back as the `![alt](path)` the
deck wrote, and a text keeps the author's line breaks between the words that stayed.
"""

from __future__ import annotations

import html as html_module
import re

from prepdeck.deckfile.model import Question
from prepdeck.sources.htmlmd import to_markdown, to_tips


def field_words(text: str) -> list[str]:
    """Text as a card reads it: line breaks and runs of spaces read as one space."""
    return text.split()


_FLAT_LIST = re.compile(r"<ul>((?:<li>(?:(?!</?li>|</?ul>).)*</li>)*)</ul>", re.S)
_ITEM = re.compile(r"<li>((?:(?!</?li>).)*)</li>", re.S)


def tips_back(q: Question, have: str, ours: str) -> tuple[str, ...]:
    """Anki's tips: where an item's HTML is what prepdeck sent, the tip as the YAML wrote it
    (pictures and all); an edited item turned back into Markdown."""
    sent = {}
    flat = _FLAT_LIST.fullmatch(ours)
    if flat:
        sent = dict(zip(_ITEM.findall(flat.group(1)), q.tips, strict=False))
    flat = _FLAT_LIST.fullmatch(have.strip())
    if not flat:  # the list itself was restructured in Anki: best effort
        return tuple(_with_pictures(to_tips(_tokens(have, q)[0]).tips, have, q))
    out = []
    for item in _ITEM.findall(flat.group(1)):
        if item in sent:
            out.append(sent[item])
        else:
            tips = to_tips(f"<ul><li>{_tokens(item, q)[0]}</li></ul>").tips
            out += _with_pictures(tips, item, q)
    return tuple(t for t in out if t.strip())


# A picture prepdeck placed: <img src="prepdeck-<hash>.png" alt="…" …>. Turning a field back
# into Markdown would drop it, so it stands as a token meanwhile and comes back as the
# ![alt](path) the deck file wrote. Tags are found by a linear scan: a regular expression
# with `[^>]*?` rescans the rest of the field for each "<img" left open (160 KB: 36 s).
_PLACED_SRC = re.compile(r'<img src="(_?prepdeck-[0-9a-f]+\.[a-z0-9]+)"')


def _placed(html: str):
    """Each prepdeck picture tag in `html`: its start, end, file name and alt text."""
    at = 0
    while (start := html.find("<img ", at)) >= 0:
        end = html.find(">", start)
        if end < 0:
            return  # no ">" after this tag: no later tag closes either
        at = end + 1
        m = _PLACED_SRC.match(html, start, at)
        if not m:
            continue
        alt = ""
        found = html.find(' alt="', m.end(), end)
        if found >= 0:
            close = html.find('"', found + 6, end)
            alt = html[found + 6 : close] if close >= 0 else ""
        yield start, at, m.group(1), alt


_TOKEN = re.compile(r"PDPICTURE[0-9]+X")


def _tokens(html: str, q: Question) -> tuple[str, dict[str, str]]:
    if "<img " not in html:
        return html, {}
    refs = {m.name: m.ref for m in q.images}
    found: dict[str, str] = {}
    out, at = [], 0
    for start, end, name, alt in _placed(html):
        if name not in refs:
            continue
        key = f"PDPICTURE{len(found)}X"
        found[key] = f"![{html_module.unescape(alt)}]({refs[name]})"
        out += [html[at:start], key]
        at = end
    out.append(html[at:])
    return "".join(out), found


def _with_pictures(texts, html: str, q: Question) -> list[str]:
    _, found = _tokens(html, q)
    if not found:
        return list(texts)
    return [_TOKEN.sub(lambda m: found.get(m.group(0), m.group(0)), t) for t in texts]


def markdown_back(html: str, q: Question) -> str:
    """A field back to Markdown, keeping prepdeck's own pictures as the deck wrote them."""
    tokened, _ = _tokens(html, q)
    return _with_pictures([to_markdown(tokened).markdown], html, q)[0]


# Words of the middle (what differs after the common start and end) that the layout-keeping
# diff compares at most: difflib's matcher is quadratic, and past this a text edited in Anki
# that much takes Anki's spacing for that part (120 KB field: 51 s before).
MAX_LAYOUT_WORDS = 2_000


def keep_layout(old: str, new: str) -> str:
    """`new`, with the line breaks and indentation `old` had between words that stayed.

    Anki gives a paragraph back on one line; the author may have wrapped it. Keeping their
    breaks where the words around them are unchanged keeps a pull's diff to the lines that
    really changed (a soft break and a space read the same on a card)."""
    import difflib

    old_parts = re.split(r"(\s+)", old)
    new_parts = re.split(r"(\s+)", new)
    old_words, old_gaps = old_parts[0::2], old_parts[1::2]
    new_words, new_gaps = new_parts[0::2], new_parts[1::2]
    # The common start and end are matched directly; difflib only sees the middle.
    head = 0
    most = min(len(old_words), len(new_words))
    while head < most and old_words[head] == new_words[head]:
        head += 1
    tail = 0
    while tail < most - head and old_words[-1 - tail] == new_words[-1 - tail]:
        tail += 1
    old_mid = old_words[head : len(old_words) - tail]
    new_mid = new_words[head : len(new_words) - tail]
    if len(old_mid) + len(new_mid) > MAX_LAYOUT_WORDS:
        middle = [("replace", 0, len(old_mid), 0, len(new_mid))]
    else:
        matcher = difflib.SequenceMatcher(None, old_mid, new_mid, autojunk=False)
        middle = matcher.get_opcodes()
    opcodes = [("equal", 0, head, 0, head)] if head else []
    opcodes += [(t, i1 + head, i2 + head, j1 + head, j2 + head) for t, i1, i2, j1, j2 in middle]
    if tail:
        i, j = len(old_words) - tail, len(new_words) - tail
        opcodes.append(("equal", i, i + tail, j, j + tail))
    out: list[str] = []
    for tag, i1, _, j1, j2 in opcodes:
        for j in range(j1, j2):
            out.append(new_words[j])
            if j < len(new_gaps):
                gap = new_gaps[j]
                i = i1 + (j - j1)
                same_next = tag == "equal" and j + 1 < j2
                soft = "\n\n" not in gap and i < len(old_gaps) and "\n\n" not in old_gaps[i]
                out.append(old_gaps[i] if same_next and soft else gap)
    return "".join(out)
