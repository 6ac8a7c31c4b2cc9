"""Articles in Markdown or plain text: headings and numbered lines are questions.

The shape this reads is the common "N interview questions" article: a title, an
introduction, then each question as a numbered line (or a heading) followed by the
paragraphs and bullet lists that explain it, perhaps grouped under section headings.

- A numbered line is a question; so is a heading that asks (ends with '?', or starts with
  Tell, Describe, Explain …), and a numbered heading at the level of numbered headings that
  ask ("### 2. Tell us about a time …." beside "### 1. Why …?"). Any other heading is a
  section: its text is the topic of the questions under it. The first heading, above
  everything else, is the deck's name.
- Under a question, each bullet item is a tip, and each paragraph too; a long paragraph is
  split into its sentences, so that each tip stays a short point.
- Text outside any question (introduction, closing words) is left out, and said: its lines
  and why. The last of a run of numbered questions keeps no more paragraphs than the longest
  one before it: what follows is the article's conclusion, not an answer.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from prepdeck.deckfile.load import MAX_TIPS
from prepdeck.sources.draft import Draft, bounded, quoted

SHORT_TIP = 200  # characters; a longer paragraph becomes one tip per sentence
_ASKING = re.compile(
    r"^(?:tell (?:me|us)|describe|explain|walk (?:me|us)|give (?:me|us|an?)\b|"
    r"talk (?:me|us|about)|share (?:an?|your|one)\b|imagine)\b",
    re.I,
)
# ASCII digits only (re.ASCII): int() of other digits would read '٣.' as question 3.
_NUMBERED = re.compile(r"^[ \t]{0,3}([0-9]{1,3})[.)]\s+(\S.*)$")
_BULLET = re.compile(r"^[ \t]{0,3}[-*+•]\s+(\S.*)$")
_QUESTION_PREFIX = re.compile(
    r"^(?:[0-9]{1,3}[.)]\s+|q[0-9]*[.:)]\s*|question\s*[0-9]*[.:)]\s*)", re.I
)
_HEADING_NUMBER = re.compile(r"^([0-9]{1,3})[.):]\s+\S")
_NOT_TITLE = (".", ",", ";", ":")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"\u201d\u2019)]?\s+(?=[\"\u201c\u2018(]?[A-Z0-9])")


class Block(NamedTuple):
    kind: str  # heading, numbered, paragraph, bullet
    text: str
    line: int
    level: int = 0  # heading level; 9 for a plain-text heading
    number: int = 0  # for numbered lines
    asks: bool = False  # a heading that is a question


class Article(NamedTuple):
    title: str
    drafts: list[Draft]
    skipped: list[str]  # what was left out: where (path:line) and why


def read_article(text: str, path: str, *, markdown: bool) -> Article:
    blocks = markdown_blocks(text) if markdown else text_blocks(text)
    return structure(blocks, path)


def text_blocks(text: str) -> list[Block]:
    """Plain text: paragraphs are separated by blank lines; a short line alone is a heading."""
    blocks: list[Block] = []
    lines = text.splitlines()
    para: list[str] = []
    start = 0

    def flush() -> None:
        if not para:
            return
        first = para[0]
        numbered, bullet = _NUMBERED.match(first), _BULLET.match(first)
        if numbered:
            text = " ".join([numbered.group(2), *(line.strip() for line in para[1:])])
            blocks.append(Block("numbered", text.strip(), start, 0, int(numbered.group(1))))
        elif bullet:
            # Continuation lines are gathered and joined once: appending each to the text
            # so far would copy it again for every line (quadratic on a long item).
            items: list[tuple[int, list[str]]] = []
            for n, line in enumerate(para):
                m = _BULLET.match(line)
                if m:
                    items.append((start + n, [m.group(1).strip()]))
                else:
                    items[-1][1].append(line.strip())
            blocks.extend(Block("bullet", " ".join(parts), at) for at, parts in items)
        elif len(para) == 1 and len(first) <= 150 and not first.rstrip().endswith(_NOT_TITLE):
            blocks.append(Block("heading", first.strip(), start, 9))
        else:
            blocks.append(Block("paragraph", " ".join(s.strip() for s in para), start))
        para.clear()

    for n, line in enumerate(lines, 1):
        if not line.strip():
            flush()
            continue
        if para and (_NUMBERED.match(line) or (_BULLET.match(line) and not _BULLET.match(para[0]))):
            flush()  # a numbered line or a list starts a new block even without a blank line
        if not para:
            start = n
        para.append(line)
    flush()
    return blocks


def markdown_blocks(text: str) -> list[Block]:
    """Markdown, through the same parser as cards/render.py: headings, lists and paragraphs."""
    from markdown_it import MarkdownIt

    # Blocks only: a block's inline text is kept as written (the deck file holds Markdown), and
    # parsing emphasis and links is what costs time on hostile text (480 KB of "*a ": 15 s).
    tokens = MarkdownIt("commonmark").disable("inline").parse(text)
    blocks: list[Block] = []
    lists: list[bool] = []  # per open list: is it ordered
    item_numbers: list[int] = []  # per open item: its number as written (0: bulleted)
    item_fresh: list[bool] = []  # per open item: its first paragraph is still to come
    for i, tok in enumerate(tokens):
        line = tok.map[0] + 1 if tok.map else 0
        if tok.type == "heading_open":
            blocks.append(Block("heading", tokens[i + 1].content.strip(), line, int(tok.tag[1:])))
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(tok.type == "ordered_list_open")
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif tok.type == "list_item_open":
            # The number as written: a list that runs on past a paragraph keeps counting.
            number = tok.info if tok.info.isascii() and tok.info.isdigit() else ""
            item_numbers.append(int(number[:9]) if lists[-1] and number else 0)
            item_fresh.append(True)
        elif tok.type == "list_item_close":
            item_numbers.pop()
            item_fresh.pop()
        elif tok.type == "inline" and tokens[i - 1].type == "paragraph_open":
            content = " ".join(tok.content.split())
            if item_fresh and item_fresh[-1]:  # the first paragraph of a list item
                item_fresh[-1] = False
                if item_numbers[-1] and len(lists) == 1:
                    blocks.append(Block("numbered", content, line, 0, item_numbers[-1]))
                else:
                    blocks.append(Block("bullet", content, line))
            elif lists:
                blocks.append(Block("bullet", content, line))
            else:
                blocks.append(Block("paragraph", content, line))
        elif tok.type in ("fence", "code_block") and tok.content.strip():
            blocks.append(Block("paragraph", tok.content.strip(), line))
        elif tok.type == "html_block" and tok.content.strip():
            blocks.append(Block("html", "", line))
    return blocks


def _asks(text: str) -> bool:
    text = _QUESTION_PREFIX.sub("", text, count=1)
    return text.rstrip().endswith("?") or bool(_ASKING.match(text))


def _question_headings(blocks: list[Block]) -> list[Block]:
    """Mark the headings that are questions: those that ask, and the numbered ones at a level
    where numbered headings ask ("### 2. Tell us about a time … ." among "### 1. Why …?")."""
    numbered_levels = {
        b.level
        for b in blocks
        if b.kind == "heading" and _HEADING_NUMBER.match(b.text) and _asks(b.text)
    }
    return [
        b._replace(
            asks=_asks(b.text)
            or (b.level in numbered_levels and bool(_HEADING_NUMBER.match(b.text)))
        )
        if b.kind == "heading"
        else b
        for b in blocks
    ]


def structure(blocks: list[Block], path: str) -> Article:
    title = ""
    blocks = _question_headings(blocks)
    if blocks and blocks[0].kind == "heading":
        top = min(b.level for b in blocks if b.kind == "heading")
        if blocks[0].level == top and not blocks[0].asks:
            title = blocks[0].text
            blocks = blocks[1:]
    reader = _Reader(path)
    for block in blocks:
        reader.read(block)
    reader.close(end_of_run=True)
    reader.leave(None)
    return Article(title, reader.drafts, bounded(reader.skipped, what="more left out"))


class _Question:
    def __init__(self, text: str, block: Block, topic: str, numbered: bool) -> None:
        # "Q. Why us?" -> "Why us?"; a line that is nothing but such a prefix stays as it is.
        self.question = _QUESTION_PREFIX.sub("", text).strip() or text.strip()
        self.line = block.line
        self.number = block.number
        self.topic = topic
        self.numbered = numbered
        # The tips of each paragraph or list item under it, with its line.
        self.parts: list[tuple[list[str], int]] = []
        self.tip_number = -9  # the last item of a numbered list inside the explanation


class _Reader:
    """Walks the blocks once, keeping the current topic and question."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.drafts: list[Draft] = []
        self.topic = ""
        self.section: Block | None = None  # the heading of the current section
        self.current: _Question | None = None
        self.run: list[int] = []  # paragraph counts of the numbered questions in this run
        self.skipped: list[str] = []
        self.left: list[int] = []  # lines of the run of blocks being left out
        self.why = ""

    def read(self, block: Block) -> None:
        current = self.current
        if block.kind == "html":
            self.leave(block.line, "of HTML (import reads Markdown and text, not HTML)")
        elif block.kind == "heading":
            if block.asks:
                self.start(block, numbered=False)
            else:
                self.close(end_of_run=True)
                self.leave(None)
                self.topic = block.text.strip().rstrip(":").strip()
                self.section = block
        elif block.kind == "numbered":
            in_tip_list = current is not None and block.number == current.tip_number + 1
            next_question = current is not None and block.number == current.number + 1
            if current is None or _asks(block.text) or (next_question and not in_tip_list):
                self.start(block, numbered=True)
            else:  # a numbered list inside a question's explanation: its items are tips
                current.parts.append(([block.text], block.line))
                current.tip_number = block.number
        elif current is None:
            self.leave(block.line, self._outside())
        elif block.kind == "bullet":
            current.parts.append(([block.text], block.line))
        else:
            current.parts.append((_sentences(block.text), block.line))

    def _outside(self) -> str:
        if self.section is None:
            return "before the first question (an introduction)"
        return (
            f"under the heading '{quoted(self.section.text)}' (line {self.section.line}), which "
            "is not a question: to keep it, make that heading a question (end it with '?')"
        )

    def leave(self, line: int | None, why: str = "") -> None:
        """Count a block left out; a run of them with one reason is reported as one line."""
        if self.left and (line is None or why != self.why):
            first, last, n = self.left[0], self.left[-1], len(self.left)
            lines = f"{first}" if first == last else f"{first}-{last}"
            what = "paragraph or list item" if n == 1 else "paragraphs or list items"
            self.skipped.append(f"{self.path}:{lines}: {n} {what} {self.why}")
            self.left = []
        if line is not None:
            self.left.append(line)
            self.why = why

    def start(self, block: Block, numbered: bool) -> None:
        self.close(end_of_run=not numbered)
        self.leave(None)
        self.current = _Question(block.text, block, self.topic, numbered)

    def close(self, end_of_run: bool) -> None:
        q, self.current = self.current, None
        if q is not None:
            if q.numbered and end_of_run and len(self.run) >= 2 and len(q.parts) > max(self.run):
                # The last numbered question runs on into the article's closing words: when it
                # has more paragraphs than any question before it, the extra ones are those.
                longest = max(self.run)
                why = (
                    f"after question '{quoted(q.question)}' (line {q.line}), taken as the "
                    f"article's closing words: it is the last of its numbered questions and "
                    f"the others have at most {longest} paragraphs or items"
                )
                for _, line in q.parts[longest:]:
                    self.leave(line, why)
                self.leave(None)
                del q.parts[longest:]
            if q.numbered:
                self.run.append(len(q.parts))
            tips = [tip for part, _ in q.parts for tip in part]
            where = f"{self.path}:{q.line}"
            if len(tips) > MAX_TIPS:
                self.skipped.append(
                    f"{where}: '{quoted(q.question)}' has {len(tips):,} tips; kept the first "
                    f"{MAX_TIPS} (the limit), left out {len(tips) - MAX_TIPS:,}"
                )
            if tips:
                self.drafts.append(Draft(q.question, tuple(tips[:MAX_TIPS]), where, q.topic))
            else:
                self.skipped.append(
                    f"{where}: the question '{quoted(q.question)}' has no text under it"
                )
        if end_of_run:
            self.run = []


def _sentences(paragraph: str) -> list[str]:
    """A short paragraph as one tip; a long one as one tip per sentence."""
    if len(paragraph) <= SHORT_TIP:
        return [paragraph]
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]
