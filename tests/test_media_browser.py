"""Pictures in a real browser at phone width: in `prepdeck preview`, and in the card as the
real Anki backend renders it from the imported package with its media folder.

The example deck's SVG is 900 pixels wide and holds a script: the card must scale it down
and, showing it through <img>, never run the script. (Skips without Chromium, as
test_browser.py explains.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prepdeck.builds.pipeline import build_deck
from prepdeck.cards.preview import preview_decks
from prepdeck.cards.select import Selection
from prepdeck.deckfile.load import load_deck

from conftest import chromium

EXAMPLE = Path(__file__).parent / "fixtures" / "media"

# Every picture in the document has loaded; the page is no wider than its viewport.
INSPECT_JS = """
() => ({
  images: [...document.images].map(i => [i.getAttribute('alt'), i.complete, i.naturalWidth,
                                         Math.round(i.getBoundingClientRect().width)]),
  audio: document.querySelectorAll('audio').length,
  scroll: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
  title: document.title,
})
"""
# The SVG's script, if it ever ran, posts this to its parent and renames the document.
LISTEN_JS = """
window.__svgRan = false;
window.addEventListener('message', e => {
  if (e.data === 'svg-script-ran') window.__svgRan = true;
});
"""


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.add_init_script(LISTEN_JS)
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def _assert_fits(seen: dict, alts: set[str]) -> None:
    shown = {alt: (complete, natural, width) for alt, complete, natural, width in seen["images"]}
    assert alts <= set(shown), seen
    for alt in alts:
        complete, natural, width = shown[alt]
        assert complete and natural > 0, (alt, shown[alt])  # loaded, not a broken image
        assert width <= seen["scroll"][1], (alt, shown[alt])
    assert seen["scroll"][0] <= seen["scroll"][1], seen["scroll"]  # no sideways scrolling
    assert seen["title"] != "svg-script-ran"


def test_the_preview_shows_the_pictures_at_phone_width_and_never_runs_an_svg_script(
    tmp_path, browser
):
    shutil.copytree(EXAMPLE, tmp_path / "decks")
    deck = load_deck(tmp_path / "decks" / "media-example.yaml")
    page_file = tmp_path / "preview.html"
    page_file.write_text(preview_decks([deck], Selection()), encoding="utf-8")

    page = _open(browser, page_file.as_uri())
    page.wait_for_function(
        "[...document.querySelectorAll('iframe')].every(f => f.contentDocument"
        " && f.contentDocument.readyState === 'complete')"
    )

    frame = page.locator('[data-card="ill-systems"][data-side="back"][data-mode="light"] iframe')
    seen = frame.content_frame.locator("html").evaluate(f"el => ({INSPECT_JS})()")
    _assert_fits(seen, {"The ILL workflow", "The loan flow"})
    assert seen["audio"] == 1  # the recording's player
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("window.__svgRan") is False


def test_the_card_anki_renders_shows_the_pictures_from_its_media_folder(tmp_path, browser, anki):
    shutil.copytree(EXAMPLE, tmp_path / "decks")
    result = build_deck(tmp_path / "decks" / "media-example.yaml", out_dir=tmp_path / "dist")
    anki.import_apkg(result.output)
    # As Anki's reviewer does: the card's HTML, with the media folder as the page's base.
    media = Path(anki.col.media.dir())
    card_page = media / "card.html"
    card_page.write_text(
        '<!doctype html><html class="mobile"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f'<body class="card card1">{anki.card("ill-systems").answer()}</body></html>',
        encoding="utf-8",
    )

    page = _open(browser, card_page.as_uri())
    page.wait_for_function("[...document.images].every(i => i.complete)")

    seen = page.evaluate(f"({INSPECT_JS})()")
    _assert_fits(seen, {"The ILL workflow", "The loan flow"})
    assert page.evaluate("window.__svgRan") is False
