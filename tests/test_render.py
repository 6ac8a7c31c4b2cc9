"""Field rendering: Markdown becomes HTML, anything else a learner typed stays text."""

from __future__ import annotations

import re
from html import unescape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prepdeck.cards.render import (
    NO_MATH,
    _markdown,
    inert,
    markdown_block,
    markdown_inline,
    render_description,
    render_note,
)
from prepdeck.deckfile.model import Question


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
        # an empty target is never asked about by the parser: it would link the card itself
        (
            "[x]() and [*y*]( ) then [z](https://a.org)",
            'x and <em>y</em> then <a href="https://a.org">z</a>',
        ),
        # an image loads nothing until render_note gives it a checked file (test_media.py)
        (
            "![pixel](https://tracker.example/p.gif)",
            '<img data-ref="https://tracker.example/p.gif" alt="pixel">',
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


# Anki's tags as its backend finds them (rslib card_rendering/parser.rs and latex.rs): any
# "[" followed by one of these, in any case, would be a sound, speech, play or LaTeX tag.
ANKI_TAG = re.compile(r"\[/?(sound:|anki:|latex\]|\$\]|\$\$\])", re.I)

# Anki's own markup, as the text a learner types, and the field HTML that shows it as text.
# "&#91;" is "[" to the eye but hides a tag from Anki; an empty element between a backslash
# and its bracket hides a MathJax delimiter (tests/test_card_safety.py checks both for real).
M = NO_MATH


@pytest.mark.parametrize(
    ("text", "plain", "tip"),
    [
        (r"\(x\)", rf"\{M}(x\)", "(x)"),  # in Markdown \( is an escaped "("
        (r"\\(x\\)", rf"\\{M}(x\\)", rf"\{M}(x\)"),
        (r"\[x\]", rf"\{M}[x\]", "[x]"),
        (r"a\\[b", rf"a\\{M}[b", rf"a\{M}[b"),
        ("[sound:a.mp3]", "&#91;sound:a.mp3]", "&#91;sound:a.mp3]"),
        ("[Sound:https://x.example/a.mp3]", "&#91;Sound:https://x.example/a.mp3]", None),
        (
            "[anki:tts lang=en_US]hi[/anki:tts]",
            "&#91;anki:tts lang=en_US]hi&#91;/anki:tts]",
            "&#91;anki:tts lang=en_US]hi&#91;/anki:tts]",
        ),
        ("[anki:play:q:0]", "&#91;anki:play:q:0]", "&#91;anki:play:q:0]"),
        ("[LaTeX]x[/latex]", "&#91;LaTeX]x&#91;/latex]", "&#91;LaTeX]x&#91;/latex]"),
        ("[$]x[/$] [$$]y[/$$]", "&#91;$]x&#91;/$] &#91;$$]y&#91;/$$]", None),
        (r"\\[sound:x]", rf"\\{M}&#91;sound:x]", rf"\{M}&#91;sound:x]"),
        ("`[sound:x]`", "`&#91;sound:x]`", "<code>&#91;sound:x]</code>"),
        (r"`\(x\)`", rf"`\{M}(x\)`", rf"<code>\{M}(x\)</code>"),
        ("*[sound:x]*", "*&#91;sound:x]*", "<em>&#91;sound:x]</em>"),
        (
            '[a](https://a.example "[sound:y] \\\\(t\\\\)")',
            rf"[a](https://a.example &quot;&#91;sound:y] \\{M}(t\\)&quot;)",
            # an attribute is never typeset, and Anki's tags are hidden there too
            '<a href="https://a.example" title="&#91;sound:y] \\(t\\)">a</a>',
        ),
        # text that only looks similar stays byte for byte as it was
        ("f(x) [sic] a\\b \\ (x) [ sound:x] [$5] [latex [/ $]", None, None),
        (r"C:\path\to", r"C:\path\to", None),
        ("[anki-tts] [soundtrack] $x$ $$y$$", None, None),
    ],
)
def test_anki_markup_reaches_the_card_as_text(text, plain, tip):
    q = Question(id="q", topic=text, question=text, tips=(text,), example=text)
    escaped = text.replace('"', "&quot;")

    question, tips, example, _, topic, _, _ = render_note(q).fields

    plain = escaped if plain is None else plain
    assert question == topic == plain
    assert tips == f"<ul><li>{plain if tip is None else tip}</li></ul>"
    assert example == inert(markdown_block(text))


def test_the_description_is_made_inert_too():
    assert render_description(r"See \\(x\\) and [sound:a.mp3]") == (
        rf"<p>See \{M}(x\) and &#91;sound:a.mp3]</p>"
    )


def _visible(html: str) -> str:
    """What the browser shows for field HTML: tags gone, character references decoded."""
    return unescape(re.sub(r"<[^>]*>", "", html))


anki_markup = st.lists(
    st.sampled_from(
        [
            *r"\()[]$*_`<>&!#-\ a1",
            "\n",
            "[sound:",
            "[SOUND:",
            "[anki:",
            "[/anki:",
            "[latex]",
            "[/LaTeX]",
            "[$]",
            "[/$$]",
            "[$$]",
            "&#91;",
            "[a](https://a.example)",
            '[a](https://a.example "',
            '")',
        ]
    ),
    max_size=30,
).map("".join)


@given(anki_markup)
def test_inert_changes_no_visible_text_and_leaves_no_anki_markup(text):
    for rendered in render_note(Question("q", "t", text or "q", (text or "t",))).fields[:2]:
        before = rendered.replace("&#91;", "[").replace(NO_MATH, "")
        after = inert(before)

        assert after == rendered
        assert _visible(after) == _visible(before)
        assert not ANKI_TAG.search(after)
        assert not re.search(r"\\[(\[]", re.sub(r"<[^>]*>", "\0", after))
        assert inert(after) == after


@given(st.text(alphabet=st.characters(exclude_characters="[\\")))
def test_text_without_a_bracket_or_backslash_is_never_touched(text):
    html = markdown_block(text)

    assert inert(html) == html


def test_a_text_repeated_by_yaml_aliases_is_parsed_once(monkeypatch):
    """An alias can repeat one long text in every tip of every question: parse it once."""
    md = _markdown()
    parsed = []
    real = md.render
    monkeypatch.setattr(md, "render", lambda text, env=None: parsed.append(text) or real(text))
    tip = "[" * 20_000 + " parsed once"
    questions = [Question(f"q{i}", "t", "q", (tip,) * 50, example=tip) for i in range(10)]

    notes = [render_note(q) for q in questions]

    assert parsed == [tip, tip]  # once as a tip, once as a block
    assert len({note.fields[1] for note in notes}) == 1
    assert notes[0].fields[1].count(tip) == 50
