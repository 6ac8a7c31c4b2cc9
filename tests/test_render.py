"""Field rendering: Markdown becomes HTML, anything else a learner typed stays text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prepdeck.model import Question
from prepdeck.render import _markdown, markdown_block, markdown_inline, render_note


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Plain tip", "Plain tip"),
        ("Say *why* and **how**", "Say <em>why</em> and <strong>how</strong>"),
        ("Run `report` weekly", "Run <code>report</code> weekly"),
        ("[ALA](https://www.ala.org)", '<a href="https://www.ala.org">ALA</a>'),
        ("[mail](mailto:ill@example.org)", '<a href="mailto:ill@example.org">mail</a>'),
        (
            "<b>bold</b> & <script>x()</script>",
            "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x()&lt;/script&gt;",
        ),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
        ("[x](data:text/html;base64,AAAA)", "[x](data:text/html;base64,AAAA)"),
        # images are off: a remote picture would not load offline and can track the reader
        (
            "![pixel](https://tracker.example/p.gif)",
            '!<a href="https://tracker.example/p.gif">pixel</a>',
        ),
        ('She said "yes"', "She said &quot;yes&quot;"),
    ],
)
def test_inline_markdown(text, html):
    assert markdown_inline(text) == html


def test_block_markdown_keeps_lists():
    assert markdown_block("- one\n- two") == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"


@given(st.text(max_size=80))
def test_the_plain_text_shortcut_gives_the_same_html_as_the_parser(text):
    text = text.strip()
    assert markdown_block(text) == (_markdown().render(text).strip() if text else "")


def test_note_fields_and_tags():
    q = Question(
        id="q1",
        topic="Customer service",
        question="Why <ILL>?",
        tips=("a", "*b*"),
        tags=("x",),
        example="",
        notes="Mine",
        retired=True,
    )

    note = render_note(q)

    assert note.fields == (
        "Why &lt;ILL&gt;?",
        "<ul><li>a</li><li><em>b</em></li></ul>",
        "",
        "<p>Mine</p>",
        "Customer service",
        "q1",
        "",
    )
    assert note.tags == ("x", "topic::customer-service", "prepdeck::retired")


markdownish = st.text(alphabet=st.sampled_from(list("ab1 *_`[]()<>&!#-+.:/\\~=|\t")), max_size=40)


@given(markdownish.map(str.strip).filter(bool))
def test_the_inline_shortcut_gives_the_same_html_as_a_full_render(text):
    full = _markdown().render(text).strip()
    single_paragraph = full.startswith("<p>") and full.endswith("</p>") and full.count("<p>") == 1

    assert markdown_inline(text) == (full[3:-4] if single_paragraph else full)
