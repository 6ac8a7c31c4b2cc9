"""The cards in a real browser at phone size: no sideways scrolling, readable contrast.

Headless Chromium (Debian's `chromium` package) loads the preview page at 360x740, once per
mode. Without Chromium these tests skip, saying how to enable them; with
PREPDECK_REQUIRE_BROWSER=1 (as in CI) a missing browser fails instead.
Screenshots land in build/screenshots/; `make screenshots` copies two into docs/.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import pytest

from prepdeck.load import load_deck
from prepdeck.preview import preview_decks
from prepdeck.select import Selection

from conftest import ROOT, SHIPPED, edit

SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
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


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable(reason: str):
    if os.environ.get("PREPDECK_REQUIRE_BROWSER"):
        pytest.fail(f"browser tests are required here but cannot run: {reason}")
    pytest.skip(f"{reason}; to run the browser tests: apt-get install chromium fonts-dejavu-core")


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
    page = folder / "preview.html"
    page.write_text(preview_decks([load_deck(deck_file)], Selection()), encoding="utf-8")
    return page


@pytest.fixture(scope="module", params=["light", "night"])
def phone(request, preview_file):
    """One browser per mode, at phone size, on the preview page showing only that mode."""
    chromium = _chromium()
    if chromium is None:
        _unavailable("Chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    mode = request.param
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 360, "height": 740})
        page.goto(f"{preview_file.as_uri()}?mode={mode}")
        page.wait_for_function(
            "[...document.querySelectorAll('iframe')].every(f => f.contentDocument"
            " && f.contentDocument.readyState === 'complete')"
        )
        yield Phone(mode, page, page.locator(f".pv-frame.pv-{mode}"))
        browser.close()


def _card_frames(frames):
    for i in range(frames.count()):
        box = frames.nth(i)
        yield box, box.locator("iframe").content_frame


def test_no_card_scrolls_sideways_at_phone_width(phone):
    frames = phone.frames

    assert frames.count() == 22  # 11 cards, front and back
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
