"""HTML back to Markdown: exact for what prepdeck renders, tolerant of inert-making markup."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prepdeck.cards.render import escape, markdown_block, markdown_inline
from prepdeck.sources.htmlmd import to_markdown, to_text, to_tips

# Text as people type it, with every character Markdown gives a meaning to.
PLAIN = st.text(
    alphabet=st.sampled_from("abcXYZ019 .,:;!?'\"()-+*_`[]<>&#\\~=|/%@\té\u201c"),
    min_size=1,
    max_size=30,
)
WORD = st.text(alphabet=st.sampled_from(list("abcdefXYZ0129")), min_size=1, max_size=8)
WORDS = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
URL = st.builds("https://example.org/{}?q={}".format, WORD, WORD)
SPAN = st.one_of(
    PLAIN,
    WORDS.map("*{}*".format),
    WORDS.map("**{}**".format),
    WORDS.map("~~{}~~".format),
    WORDS.map("`{}`".format),
    st.builds("[{}]({})".format, WORDS, URL),
)
LINE = st.lists(SPAN, min_size=1, max_size=5).map(" ".join)
PARAGRAPH = st.lists(LINE, min_size=1, max_size=3).map("\n".join)
BULLETS = st.lists(LINE, min_size=1, max_size=4).map(
    lambda items: "\n".join(f"- {i}" for i in items)
)
NUMBERED = st.lists(LINE, min_size=1, max_size=4).map(
    lambda items: "\n".join(f"{n}. {i}" for n, i in enumerate(items, 1))
)
BLOCK = st.lists(st.one_of(PARAGRAPH, BULLETS, NUMBERED), min_size=1, max_size=4).map("\n\n".join)


@given(BLOCK.map(str.strip).filter(bool))
def test_example_and_notes_convert_back_exactly(md):
    html = markdown_block(md)

    assert markdown_block(to_markdown(html).markdown) == html


@given(st.lists(st.one_of(LINE, PARAGRAPH), min_size=1, max_size=6))
def test_tips_convert_back_exactly(tips):
    tips = [t.strip() for t in tips if t.strip()]  # the loader strips every value
    html = "<ul>" + "".join(f"<li>{markdown_inline(t)}</li>" for t in tips) + "</ul>"
    back = to_tips(html).tips
    rendered = "<ul>" + "".join(f"<li>{markdown_inline(t)}</li>" for t in back) + "</ul>"

    assert rendered == html


@given(PLAIN)
def test_questions_and_topics_are_plain_text(text):
    assert to_text(escape(text)).markdown == " ".join(text.split())


@pytest.mark.parametrize(
    ("html", "tips"),
    [
        # markup that only makes text inert in Anki: an empty span, a character reference
        ('\\<span class="pd-nomath"></span>(x\\<span class="pd-nomath"></span>)', ["\\\\(x\\\\)"]),
        ("&#91;sound:x.mp3]", ["\\[sound:x.mp3\\]"]),
        ("[sound:x.mp3]", []),
    ],
)
def test_inert_making_markup_is_dropped(html, tips):
    assert list(to_tips(html).tips) == tips


def test_dropped_media_is_counted():
    converted = to_tips('a<img src="x.png"><br>[sound:y.mp3]b')

    assert (converted.tips, converted.media) == (("a", "b"), 2)


def test_scripts_and_styles_are_dropped_not_shown():
    assert to_markdown("<style>p{}</style><p>text</p><script>alert(1)</script>").markdown == "text"


HTMLISH = st.lists(
    st.one_of(
        PLAIN,
        st.sampled_from(
            ["<b>", "</b>", "<ol start='x'>", "<ol start=99999999999>", "<li>", "</li>", "<ul>",
             "</ol>", "<p>", "<div>", "</div>", "<br>", "<pre>", "<code>", "</code>", "<h2>",
             "<a href='javascript:x'>", "<a href='https://e.org/(x)' title='t\"'>", "</a>",
             "<script>", "<img src=x>", "[sound:a.mp3]", "&#91;", "&nbsp;", "&amp;", "<!--",
             "<blockquote>", "<span>", "</span>", "<table><tr><td>", "\x00"]
        ),
    ),
    max_size=30,
).map("".join)  # fmt: skip


@given(HTMLISH)
def test_any_field_html_converts_without_error(html):
    """Fields come from untrusted packages: broken or hostile HTML still converts."""
    for convert in (to_markdown, to_text):
        assert isinstance(convert(html).markdown, str)
    assert all(isinstance(t, str) and t for t in to_tips(html).tips)


@pytest.mark.parametrize("start", ["²", "①⑤", "٣", "12345678901"])
def test_a_list_start_that_is_not_ascii_digits_starts_at_one(start):
    """str.isdigit takes "²" and "①", which int() refuses: only 0-9 count as a number."""
    assert to_markdown(f'<ol start="{start}"><li>a</li><li>b</li></ol>').markdown == "1. a\n2. b"


def test_only_ascii_digits_are_escaped_as_a_list_number():
    assert to_markdown("<p>٣. three</p>").markdown == "٣. three"  # Arabic-Indic 3
    assert to_markdown("<p>2. second</p>").markdown == "2\\. second"
