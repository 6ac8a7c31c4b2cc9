"""Linear time for every converter `prepdeck pull` runs on text from Anki (issue 20.4).

Each case grows its input x4 and allows at most x6 time (tests/scaling.py). Before the fixes
they were quadratic: the picture-placement regex (160 KB: 36 s), `[sound:` without `]`
(1.2 MB: 299 s), the layout-keeping diff (120 KB: 51 s).
"""

from __future__ import annotations

import pytest

from prepdeck.deckfile.model import Question
from prepdeck.exchange.ankifields import keep_layout, markdown_back, tips_back
from prepdeck.sources.htmlmd import to_markdown, to_text, to_tips
from scaling import assert_linear

Q = Question(id="q", topic="T", question="Q?", tips=("a",))

CASES = {
    "open picture tags": (lambda n: '<img src="prepdeck-0a.png" alt="x' * n, markdown_back, 400),
    "closed picture tags": (
        lambda n: '<img src="prepdeck-0a.png" alt="x">t ' * n,
        markdown_back,
        100,
    ),
    "open sound tags": (lambda n: "[sound:" * n, to_markdown, 5000),
    "open sound tags, tips": (lambda n: "[sound:" * n, to_tips, 2000),
    "open sound tags, text": (lambda n: "[sound:" * n, to_text, 100000),
    "open speech tags": (lambda n: "[anki:tts" * n, to_markdown, 5000),
    "backslashes in bold": (lambda n: "<b>" + "\\" * n + "x</b>", to_markdown, 5000),
    "stars after backslashes": (lambda n: "<i>" + "\\\\*" * n + "</i>", to_markdown, 2000),
    "a long list of tips": (lambda n: "<ul>" + "<li>tip one two</li>" * n, to_tips, 250),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_field_converters_grow_linearly(case):
    make, convert, n = CASES[case]
    if convert is markdown_back:
        assert_linear(lambda html: markdown_back(html, Q), make, n)
    else:
        assert_linear(convert, make, n)


def test_tips_of_a_long_list_grow_linearly():
    def make(n):
        return "<ul>" + "<li>same tip</li>" * n + "</ul>", "<ul>" + "<li>other</li>" * n + "</ul>"

    assert_linear(lambda pair: tips_back(Q, *pair), make, 300)


@pytest.mark.parametrize(
    "make",
    [
        lambda n: ("word " * n, "other " * n),  # everything changed
        lambda n: ("a b\n" * n, "b a " * n),  # repeated words: difflib's worst case
        lambda n: ("x " * n + "end", "x " * n + "changed end"),  # a change at the end
    ],
    ids=["all changed", "repeated words", "one change"],
)
def test_keep_layout_grows_linearly(make):
    assert_linear(lambda pair: keep_layout(*pair), make, 3000)
