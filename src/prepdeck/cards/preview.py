"""`prepdeck preview`: every card, front and back, at phone width, in light and night mode.

The cards are rendered from the very templates and CSS that go into the package, with the
part of Anki's template language they use; tests compare the result with what the real Anki
backend renders for the same card.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from prepdeck.atomic import write_atomically
from prepdeck.cards.media import inline_media
from prepdeck.cards.notetype import FIELDS, Design, back_template, css, front_template
from prepdeck.cards.render import RenderedNote, render_note
from prepdeck.cards.select import Selection
from prepdeck.deckfile.model import Deck
from prepdeck.errors import OutputError
from prepdeck.files import prepare_output

_SECTION = re.compile(r"\{\{([#^])([^}]+)\}\}(.*?)\{\{/\2\}\}", re.S)
_TAG = re.compile(r"\{\{([^}]+)\}\}")
_PLAY = re.compile(r"\[anki:play:([qa]):(\d+)\]")


class TemplateError(ValueError):
    """A template uses syntax this renderer does not know (a test catches the drift)."""


def _is_empty(value: str) -> bool:
    # Anki treats a field holding only whitespace as empty in {{#Field}} sections.
    return not value.strip()


def render_side(template: str, fields: dict[str, str], side: str) -> str:
    """A template rendered as Anki does, with TTS tags as Anki's [anki:play:q:N] markers."""

    def section(m: re.Match) -> str:
        kind, name, body = m.group(1), m.group(2).strip(), m.group(3)
        if name not in fields:
            raise TemplateError(f"unknown field in section: {name}")
        show = not _is_empty(fields[name]) if kind == "#" else _is_empty(fields[name])
        return body if show else ""

    out = template
    while _SECTION.search(out):
        out = _SECTION.sub(section, out)
    plays = 0

    def tag(m: re.Match) -> str:
        nonlocal plays
        expr = m.group(1).strip()
        if expr.startswith("tts "):
            marker = f"[anki:play:{side}:{plays}]"
            plays += 1
            return marker
        if expr not in fields:
            raise TemplateError(f"unknown template tag: {{{{{expr}}}}}")
        return fields[expr]

    return _TAG.sub(tag, out)


@dataclass(frozen=True)
class CardPreview:
    deck: str
    id: str
    front: str
    back: str
    speak: str  # the language code, or ""
    spoken: str  # what text-to-speech reads on the front
    language: str = ""  # the deck's language, or ""


def card_previews(
    deck: Deck,
    notes: Sequence[RenderedNote],
    design: Design | None = None,
    with_media: bool = False,
) -> list[CardPreview]:
    """Each note's front and back as Anki renders them (without the <style> Anki adds);
    `with_media` puts the pictures and recordings into the page itself (data URLs)."""
    design = design or Design.of(deck)
    front_t, back_t = front_template(design), back_template(design)
    by_id = {q.id: q for q in deck.questions}
    files = {m.name: m.data for q in deck.questions for m in (*q.images, *q.audio)}
    out = []
    for note in notes:
        fields = dict(zip(FIELDS, note.fields, strict=True))
        if with_media and files:
            fields = {k: inline_media(v, files) for k, v in fields.items()}
        out.append(
            CardPreview(
                deck=deck.name,
                id=note.id,
                front=render_side(front_t, fields, "q"),
                back=render_side(back_t, fields, "a"),
                speak=deck.speak,
                spoken=by_id[note.id].question,
                language=deck.language,
            )
        )
    return out


# Where Anki shows its play button for {{tts}}; an inline icon needs no emoji font.
_SPEAKER = (
    '<button class="pd-speak" type="button" aria-label="Read the question aloud">'
    '<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">'
    '<path fill="currentColor" d="M3 9v6h4l5 5V4L7 9H3z"/>'
    '<path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" '
    'd="M16 8.5a5 5 0 0 1 0 7M19 5.5a9 9 0 0 1 0 13"/></svg></button>'
)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="prepdeck">
<title>{title}</title>
<style>
  :root {{ color-scheme: light; }}
  body {{ margin: 0; font-family: system-ui, sans-serif; background: #e9eaee; color: #1f2328; }}
  header {{ padding: 12px 16px; background: #fff; border-bottom: 1px solid #d0d7de; }}
  header h1 {{ font-size: 18px; margin: 0 0 4px; }}
  header p {{ margin: 0; font-size: 14px; color: #4d555e; }}
  header label {{ margin-right: 12px; font-size: 14px; }}
  .pv-card {{ padding: 12px 8px; }}
  .pv-card h2 {{ font-size: 14px; margin: 0 0 6px 8px; color: #4d555e; font-weight: 600; }}
  .pv-row {{ display: flex; flex-wrap: wrap; gap: 12px; }}
  .pv-frame {{ width: 360px; max-width: 100%; border: 1px solid #b8bec6; border-radius: 12px;
               overflow: hidden; background: #fff; }}
  .pv-frame p {{ margin: 0; padding: 4px 10px; font-size: 12px; color: #4d555e;
                 border-bottom: 1px solid #d0d7de; background: #f6f8fa; }}
  .pv-frame iframe {{ display: block; width: 100%; height: 200px; border: 0; }}
  body.only-light .pv-night, body.only-night .pv-light {{ display: none; }}
</style>
</head>
<body>
<header>
  <h1 dir="auto">{title}</h1>
  <p>{count}. Rendered from the templates and CSS in the package, at phone width.</p>
  <p>
    <label><input type="radio" name="mode" value="both" checked> light and night</label>
    <label><input type="radio" name="mode" value="light"> light</label>
    <label><input type="radio" name="mode" value="night"> night</label>
  </p>
</header>
<main>
{cards}
</main>
<script>
(function () {{
  "use strict";
  var params = new URLSearchParams(location.search);
  function setMode(mode) {{
    document.body.className = mode === "both" ? "" : "only-" + mode;
    var radio = document.querySelector('input[value="' + mode + '"]');
    if (radio) radio.checked = true;
    fit();
  }}
  function fit() {{
    document.querySelectorAll("iframe").forEach(function (frame) {{
      var doc = frame.contentDocument;
      if (doc && doc.documentElement) {{
        frame.style.height = doc.documentElement.scrollHeight + "px";
      }}
    }});
  }}
  document.querySelectorAll("iframe").forEach(function (frame) {{
    frame.addEventListener("load", function () {{
      var doc = frame.contentDocument;
      doc.querySelectorAll(".pd-speak").forEach(function (button) {{
        button.addEventListener("click", function () {{
          if (!window.speechSynthesis) return;
          var say = new SpeechSynthesisUtterance(frame.dataset.spoken);
          say.lang = (frame.dataset.speak || "en_US").replace("_", "-");
          window.speechSynthesis.speak(say);
        }});
      }});
      fit();
    }});
  }});
  document.querySelectorAll('input[name="mode"]').forEach(function (radio) {{
    radio.addEventListener("change", function () {{ setMode(radio.value); }});
  }});
  window.addEventListener("resize", fit);
  setMode(params.get("mode") || "both");
}})();
</script>
</body>
</html>
"""

_FRAME = """<!doctype html>
<html class="mobile"{lang}><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{css}
.pd-speak {{ color: var(--pd-muted); background: none; border: 0; padding: 4px 16px;
             cursor: pointer; }}
.pd-audio {{ display: block; max-width: 100%; margin: 4px 0; }}
</style></head>
<body class="{body_class}">{content}</body></html>"""


def _frame(card: CardPreview, side: str, night: bool) -> str:
    content = _PLAY.sub(_SPEAKER, card.front if side == "front" else card.back)
    body_class = "card card1 nightMode night_mode" if night else "card card1"
    lang = f' lang="{html.escape(card.language)}"' if card.language else ""
    doc = _FRAME.format(css=css(), body_class=body_class, content=content, lang=lang)
    mode = "night" if night else "light"
    return (
        f'<div class="pv-frame pv-{mode}" data-card="{html.escape(card.id)}" data-side="{side}" '
        f'data-mode="{mode}">'
        f"<p>{side} · {mode}</p>"
        f'<iframe title="{html.escape(card.id)} {side} {mode}" srcdoc="{html.escape(doc)}" '
        f'data-speak="{html.escape(card.speak)}" data-spoken="{html.escape(card.spoken)}">'
        "</iframe></div>"
    )


def preview_page(cards: Sequence[CardPreview], title: str) -> str:
    """One self-contained HTML page (no network, no files beside it) with every card."""
    blocks = []
    for card in cards:
        frames = "".join(
            _frame(card, side, night) for night in (False, True) for side in ("front", "back")
        )
        blocks.append(
            f'<section class="pv-card" id="card-{html.escape(card.id)}">'
            f'<h2 dir="auto">{html.escape(card.deck)} · {html.escape(card.id)}</h2>'
            f'<div class="pv-row">{frames}</div></section>'
        )
    count = f"{len(cards):,} card{'' if len(cards) == 1 else 's'}"
    return _PAGE.format(title=html.escape(title), count=count, cards="\n".join(blocks))


def preview_decks(
    decks: Sequence[Deck], selection: Selection, designs: Sequence[Design] | None = None
) -> str:
    """The preview page, as HTML text, for the questions of these decks that `selection`
    picks (`Selection()` for all; one that picks none gives a page without cards).

    `designs`, one per deck, is the card design to draw (the learner's, with their interview
    countdown, comes from prepdeck.builds.pipeline.personal_design); None: each deck's own."""
    cards = [
        card
        for i, deck in enumerate(decks)
        for card in card_previews(
            deck,
            [render_note(q) for q in deck.questions if selection.matches(q)],
            designs[i] if designs else None,
            with_media=True,
        )
    ]
    title = decks[0].name if len(decks) == 1 else f"{len(decks)} decks"
    return preview_page(cards, f"{title}: card preview")


def save_page(path: Path, page: str) -> None:
    """Write the page at `path`: a name ending in .html, never over anything but a file."""
    if path.suffix.lower() not in (".html", ".htm"):
        raise OutputError(f"{path}: the preview is an HTML page; give a file name ending in .html")
    prepare_output(path)
    write_atomically(path, page.encode("utf-8"))


def write_preview(
    path: Path, decks: Sequence[Deck], selection: Selection, designs: Sequence[Design]
) -> int:
    """Write the preview page of the selected questions of these decks; how many cards."""
    save_page(path, preview_decks(decks, selection, designs))
    return sum(1 for d in decks for q in d.questions if selection.matches(q))
