"""The cards in a real browser at phone size: no sideways scrolling, readable contrast.

Headless Chromium (Debian's `chromium` package) loads the preview page at 360x740, once per
mode. Without Chromium these tests skip, saying how to enable them; with
PREPDECK_REQUIRE_BROWSER=1 (as in CI) a missing browser fails instead.
Screenshots land in build/screenshots/; `make screenshots` copies two into docs/.
Besides the shipped deck the page shows the multi-script deck (tests/fixtures/multiscript/)
and one card of a deck whose language is Arabic, so the set covers both directions and the
scripts whose fonts .ci/run installs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from prepdeck.cards.preview import preview_decks
from prepdeck.cards.select import Selection
from prepdeck.deckfile.load import load_deck

from conftest import ROOT, SHIPPED, chromium, edit

MULTI = ROOT / "tests" / "fixtures" / "multiscript" / "собеседование.yaml"

SCREENSHOTS = ROOT / "build" / "screenshots"
# A card that tries hard to break the layout: a long word, a long URL, code, notes.
STRESS = """
  - id: layout-stress
    topic: Interlibrary loan systems and other unusually long topic names
    question: "Explain Rechtsschutzversicherungsgesellschaften and https://example.org/a/very/long/path/that/never/breaks/anywhere/at/all/index.html?"
    tips:
      - "A link: [catalogue](https://example.org/catalogue/search?query=interlibrary+loan+requests+and+more)"
      - "Inline code: `WorldShare-ILL-request-status-update-notification`"
      - Supercalifragilisticexpialidocious-sized-words-without-any-spaces-at-all-anywhere
    example: |
      > A quoted outline
      1. first
      2. second
    notes: |
      ```
      a code block with a very long line that would overflow a phone screen if it did not wrap
      ```
"""
# A deck in Arabic: the card's own labels in Arabic, every block right to left.
ARABIC = """\
deck:
  key: arabic-deck
  name: مقابلة عمل
  language: ar
questions:
  - id: arabic-labels
    topic: خدمة المستخدمين
    question: كيف تتعامل مع مستخدم غاضب؟ (مثال من عملك)
    tips:
      - استمع حتى النهاية، ثم لخّص المشكلة بكلماتك.
      - "اقترح حلاً وموعداً: «سأتصل بك غداً»."
    example: |
      1. أعتذر عن التأخير.
      2. أشرح ما سأفعله، ومتى.
    notes: قصتي مع طلب الإعارة المفقود.
"""

CONTRAST_JS = """
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) throw new Error("unexpected colour " + c);
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number.parseFloat);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const lum = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c[3] > 0) return c;
    }
    return [255, 255, 255, 1];
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const el = walker.currentNode.parentElement;
    if (!text || el.closest("button")) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    out.push({text: text.slice(0, 40), ratio: (hi + 0.05) / (lo + 0.05),
              size: Number.parseFloat(style.fontSize)});
  }
  return out;
}
"""


@dataclass
class Phone:
    mode: str
    page: object  # playwright Page
    frames: object  # playwright Locator of this mode's card frames


@pytest.fixture(scope="module")
def preview_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("preview")
    deck_file = folder / SHIPPED.name
    deck_file.write_text(SHIPPED.read_text(encoding="utf-8") + STRESS, encoding="utf-8")
    edit(
        deck_file,
        "  name: Resource Sharing Librarian Interview\n",
        "  name: Resource Sharing Librarian Interview\n  speak: en_US\n",
    )
    arabic = folder / "arabic.yaml"
    arabic.write_text(ARABIC, encoding="utf-8")
    decks = [load_deck(deck_file), load_deck(MULTI), load_deck(arabic)]
    page = folder / "preview.html"
    page.write_text(preview_decks(decks, Selection()), encoding="utf-8")
    return page


@pytest.fixture(scope="module", params=["light", "night"])
def phone(request, preview_file):
    """One browser per mode, at phone size, on the preview page showing only that mode."""
    mode = request.param
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740})
        page.goto(f"{preview_file.as_uri()}?mode={mode}")
        page.wait_for_function(
            "[...document.querySelectorAll('iframe')].every(f => f.contentDocument"
            " && f.contentDocument.readyState === 'complete')"
        )
        yield Phone(mode, page, page.locator(f".pv-frame.pv-{mode}"))


def _card_frames(frames):
    for i in range(frames.count()):
        box = frames.nth(i)
        yield box, box.locator("iframe").content_frame


def _frame(phone, card: str, side: str):
    box = phone.frames.and_(phone.page.locator(f'[data-card="{card}"][data-side="{side}"]'))
    return box.locator("iframe").content_frame


# Where each block's text sits in its box: its direction, and the gap left of the text and
# right of it. Text laid out right to left hugs the right edge; left to right, the left one.
LAYOUT_JS = r"""
(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const text = range.getBoundingClientRect(), box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return {
    direction: style.direction,
    left: Math.round(text.left - box.left - parseFloat(style.paddingLeft)),
    right: Math.round(box.right - text.right - parseFloat(style.paddingRight)),
  };
}
"""


def _side(layout: dict) -> str:
    """'right' when the text hugs the right edge of its box, 'left' for the left edge."""
    assert min(layout["left"], layout["right"]) <= 1, layout  # one of them is the start
    return "right" if layout["right"] <= 1 < layout["left"] else "left"


def test_each_block_takes_its_direction_from_its_own_text(phone):
    mixed = _frame(phone, "mixed-en-ar", "back")
    arabic = _frame(phone, "arabic-labels", "back")

    topic = mixed.locator(".pd-topic").evaluate(LAYOUT_JS)
    question = mixed.locator(".pd-question").evaluate(LAYOUT_JS)
    arabic_tip, english_tip = (li.evaluate(LAYOUT_JS) for li in mixed.locator("li").all())

    assert (topic["direction"], _side(topic)) == ("ltr", "left")  # "Customer service"
    assert (question["direction"], _side(question)) == ("rtl", "right")
    assert _side(arabic_tip) == "right"
    assert _side(english_tip) == "left"
    for block in arabic.locator(".pd-topic, .pd-question, .pd-label, li, p").all():
        layout = block.evaluate(LAYOUT_JS)
        assert _side(layout) == "right", (block.text_content(), layout)
    assert arabic.locator(".pd-label").all_text_contents() == [
        "نصائح",
        "إجابة نموذجية",
        "ملاحظاتي",
    ]
    assert arabic.locator(".pd").get_attribute("lang") == "ar"


# Characters drawn as the font's missing-glyph box ("tofu"): each character of the card is
# drawn on a canvas in its element's font and compared, pixel for pixel, with a code point
# that no font has (U+0378 is unassigned). Chromium draws every glyph that no installed font
# has as that same box.
TOFU_JS = r"""
(root, extra) => {
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 64;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  const draw = (text, font) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = font;
    ctx.fillText(text, 8, 44);
    return ctx.getImageData(0, 0, 64, 64).data.join(",");
  };
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    texts.push([node.textContent, getComputedStyle(node.parentElement).font]);
  }
  if (extra) texts.push([extra, getComputedStyle(document.body).font]);
  const missing = new Set(), tofu = {};
  for (const [text, font] of texts) {
    tofu[font] ??= draw("\u0378", font);
    for (const ch of text) {
      if (!/\s/u.test(ch) && draw(ch, font) === tofu[font]) missing.add(ch);
    }
  }
  return [...missing].sort();
}
"""


def test_the_tofu_detector_tells_a_glyph_from_a_missing_one(phone):
    _, frame = next(_card_frames(phone.frames))

    # U+FDD0 is a noncharacter: no font has it.
    assert frame.locator("html").evaluate(TOFU_JS, "A\ufdd0") == ["\ufdd0"]


def test_no_glyph_is_drawn_as_a_missing_glyph_box(phone):
    missing = {}
    for box, frame in _card_frames(phone.frames):
        found = frame.locator("html").evaluate(TOFU_JS, "")
        if found:
            missing[box.get_attribute("data-card")] = "".join(found)

    assert missing == {}, "install the fonts listed in .ci/run"


def test_no_card_scrolls_sideways_at_phone_width(phone):
    frames = phone.frames

    assert frames.count() == 44  # 11 + 10 + 1 cards, front and back
    for box, frame in _card_frames(frames):
        width = frame.locator("html").evaluate(
            "el => [el.scrollWidth, el.clientWidth, document.body.scrollWidth]"
        )
        assert width[0] <= width[1] and width[2] <= width[1], (
            box.get_attribute("data-card"),
            width,
        )
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 360


def test_text_contrast_and_size_hold_in_this_mode(phone):
    mode = phone.mode
    body_classes = set()

    for box, frame in _card_frames(phone.frames):
        body_classes.add(frame.locator("body").get_attribute("class"))
        for item in frame.locator("html").evaluate(CONTRAST_JS):
            where = (mode, box.get_attribute("data-card"), item["text"])
            assert item["ratio"] >= 4.5, where
            assert item["size"] >= 16, where
    expected = "card card1 nightMode night_mode" if mode == "night" else "card card1"
    assert body_classes == {expected}


def test_night_mode_really_is_dark(phone):
    _, frame = next(_card_frames(phone.frames))

    background = frame.locator("body").evaluate("el => getComputedStyle(el).backgroundColor")

    assert (background == "rgb(28, 28, 30)") == (phone.mode == "night")


def test_screenshots_of_every_card(phone):
    folder = SCREENSHOTS / phone.mode
    folder.mkdir(parents=True, exist_ok=True)

    for box, _ in _card_frames(phone.frames):
        target = folder / f"{box.get_attribute('data-card')}-{box.get_attribute('data-side')}.png"
        box.screenshot(path=str(target))
        assert target.stat().st_size > 1000
