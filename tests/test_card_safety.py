"""Nothing in a deck file runs, fetches or plays on the phone.

Anki reads markup of its own in every field, whatever the note type says: sound, speech, play
and LaTeX tags (in the Rust backend, which renders cards on desktop and AnkiDroid alike), and
MathJax delimiters (typeset in the reviewer's web view). Hostile text goes here through a real
build, the real `anki` backend's import and card rendering, and then Anki's own MathJax set-up
and bundle (from the `aqt` package, as Anki's reviewer loads them) in Chromium, behind a
loopback server that is the only address the page may reach.

Without Chromium or `aqt` the browser tests skip, saying how to enable them; with
PREPDECK_REQUIRE_BROWSER=1 (as in CI) they fail instead.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prepdeck.builds.pipeline import build_deck
from prepdeck.deckfile.dump import dump_deck
from prepdeck.deckfile.model import Deck, Question

from conftest import Anki, browser_unavailable, chromium

# What an attacker (or an unlucky learner) may type, with what each would do in Anki unguarded.
HOSTILE = {
    # MathJax: a live javascript: link, and remote fetches the moment the card shows
    "mathjax-href": r"What is \(\href{javascript:alert(document.cookie)}{\text{this}}\)?",
    "mathjax-pixel": r"\(\style{background-image:url(https://evil.example/p.gif)}{x}\)",
    "mathjax-display": r"\[\href{https://evil.example/}{\text{display}}\]",
    "mathjax-double-backslash": r"\\(\href{javascript:alert(1)}{x}\\)",
    "mathjax-class": r"\(\class{x}{\style{background:url(https://evil.example/c.png)}{y}}\)",
    # Anki's tags: autoplay sound, speech, a play button, LaTeX compiled into images
    "sound-remote": "[sound:https://evil.example/x.mp3]",
    "sound-local": "Listen [sound:_hidden.mp3] now",
    "tts": "[anki:tts lang=en_US]Say this aloud[/anki:tts]",
    "tts-options": '[anki:tts lang=de_DE voices="Anna" speed=2]Hallo[/anki:tts]',
    "tts-close": "ends[/anki:tts] early",
    "play-marker": "[anki:play:q:0] and [anki:play:a:0]",
    "latex": r"[latex]\input{/etc/passwd}[/latex]",
    "latex-case": "[LaTeX]x^2[/LATEX]",
    "latex-inline": "[$]x^2[/$]",
    "latex-math": "[$$]\\int x\\,dx[/$$]",
    "everything": r"\(x\) [sound:a.mp3] [$]y[/$] \[z\] [anki:tts lang=en_US]t[/anki:tts]",
}

# Markdown eats one backslash (\( is an escaped parenthesis), so the Markdown fields also get
# the doubled forms, and the same markup inside emphasis, code, link text, a link title, a
# fenced code block and a list in a quote.
MARKDOWN_SHAPES = (
    "{}",
    "*{}*",
    "`{}`",
    "[{}](https://example.org)",
    '[link](https://example.org "{}")',
    "```\n{}\n```",
    "> - {}",
)


def _markdownish(text: str) -> list[str]:
    doubled = text.replace("\\", "\\\\")
    return [shape.format(t) for t in dict.fromkeys((text, doubled)) for shape in MARKDOWN_SHAPES]


def hostile_deck(speak: str = "") -> Deck:
    questions = []
    for name, text in HOSTILE.items():
        shapes = _markdownish(text.replace('"', ""))
        questions.append(
            Question(
                id=name,
                topic=f"Topic {text}",
                question=text,
                tips=tuple(shapes),
                example="\n\n".join(shapes),
                notes=f"- {text}\n- {text.replace(chr(92), chr(92) * 2)}",
            )
        )
    everything = HOSTILE["everything"]
    return Deck(
        key="hostile-markup",
        name="Hostile markup",
        description=f"{everything}\n\n{everything.replace(chr(92), chr(92) * 2)}",
        questions=tuple(questions),
        speak=speak,
    )


def _import(deck: Deck, folder: Path, anki: Anki, *, via_yaml: bool = True) -> None:
    path = folder / "decks" / f"{deck.key}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if via_yaml:
        path.write_text(dump_deck(deck), encoding="utf-8")
        result = build_deck(path, out_dir=folder / "dist")
    else:
        result = build_deck(path, deck=deck, out_dir=folder / "dist")
    log = anki.import_apkg(result.output)
    assert log.new == len(deck.questions)


def _latex(anki: Anki, text: str) -> list[str]:
    """The LaTeX bodies Anki's backend would compile from this HTML."""
    out = anki.col._backend.extract_latex(text=text, svg=False, expand_clozes=False)
    return [item.latex_body for item in out.latex]


def _av(tags) -> list[tuple[str, str]]:
    """Anki's sound and speech tags of a card side: ("sound", file) or (language, text)."""
    return [
        ("sound", t.filename) if hasattr(t, "filename") else (t.lang, t.field_text) for t in tags
    ]


def assert_backend_finds_no_markup(anki: Anki, deck: Deck) -> None:
    """No sound, speech or LaTeX from field text on any card, or in the deck's description."""
    for q in deck.questions:
        note = anki.note(q.id)
        card = anki.card(q.id)
        front, back = card.question(), card.answer()
        # Only the deck's own {{tts}}, which reads the question as written.
        assert _av(card.question_av_tags()) == ([(deck.speak, q.question)] if deck.speak else [])
        assert _av(card.answer_av_tags()) == [], q.id
        assert re.findall(r"\[anki:play:[qa]:\d+\]", front) == (
            ["[anki:play:q:0]"] if deck.speak else []
        )
        assert re.findall(r"\[anki:play:[qa]:\d+\]", back) == []
        assert _latex(anki, "".join(note.fields)) == [], q.id
        for side in (front, back):
            assert "<img" not in side, q.id  # where Anki puts a LaTeX image
    desc = anki.col.decks.by_name(deck.name)["desc"]
    assert _latex(anki, desc) == []
    assert anki.col._backend.extract_av_tags(text=desc, question_side=True).av_tags == []


def test_hostile_markup_stays_text_in_the_real_backend(tmp_path, anki):
    deck = hostile_deck()

    _import(deck, tmp_path, anki)

    assert_backend_finds_no_markup(anki, deck)
    front = anki.card("sound-remote").question()
    assert "&#91;sound:https://evil.example/x.mp3]" in front


def test_only_the_decks_own_speech_is_spoken(tmp_path, anki):
    deck = hostile_deck(speak="en_US")

    _import(deck, tmp_path, anki)

    assert_backend_finds_no_markup(anki, deck)
    (tag,) = anki.card("tts-close").question_av_tags()
    assert tag.field_text == HOSTILE["tts-close"]  # not cut short at its [/anki:tts]


def test_the_backend_check_sees_markup_that_is_not_made_inert(tmp_path, anki):
    """The control: the same checks catch each kind of markup written straight into a field."""
    deck = hostile_deck()
    _import(deck, tmp_path, anki)
    note = anki.note("sound-remote")

    note["Question"] = HOSTILE["everything"]
    anki.col.update_note(note)

    card = anki.card("sound-remote")
    assert _av(card.question_av_tags()) == [("sound", "a.mp3"), ("en_US", "t")]
    assert _latex(anki, note["Question"]) == ["$y$"]
    with pytest.raises(AssertionError):
        assert_backend_finds_no_markup(anki, deck)


# ---------------------------------------------------------------------------------------------
# In the browser, with Anki's MathJax


def _aqt_web() -> Path | None:
    """Anki's web assets from the aqt package (a namespace package: no __init__.py)."""
    from importlib.util import find_spec

    spec = find_spec("_aqt")
    for folder in spec.submodule_search_locations if spec else ():
        web = Path(folder) / "data" / "web"
        if (web / "js" / "mathjax.js").is_file():
            return web
    return None


# Anki's reviewer page, reduced to what decides what a card does: it loads Anki's MathJax
# set-up and bundle, sets each card's HTML into #qa and typesets #qa (aqt's reviewer.js).
REVIEWER = """<!doctype html>
<html class="mobile"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="/_anki/js/mathjax.js"></script>
<script src="/_anki/js/vendor/mathjax/tex-chtml-full.js"></script>
</head><body class="card card1"><div id="qa"></div></body></html>"""

SHOW_CARD = """
async (card) => {
  const qa = document.getElementById("qa");
  qa.innerHTML = card;
  await MathJax.startup.promise;
  MathJax.typesetClear();
  await MathJax.typesetPromise([qa]);
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const urls = [];
  for (const el of qa.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (/^(href|xlink:href|src|srcset|action|formaction|data|poster)$/i.test(attr.name)) {
        urls.push(attr.value);
      }
    }
  }
  const text = (selector) => [...qa.querySelectorAll(selector)].map((el) => el.textContent);
  return {
    math: qa.querySelectorAll("mjx-container, .MathJax").length,
    urls: urls,
    question: text(".pd-question"),
    topic: text(".pd-topic"),
  };
}
"""


@dataclass
class Reviewer:
    """A Chromium page as Anki's reviewer, and every address it tried to reach."""

    page: object
    origin: str
    requests: list[str] = field(default_factory=list)

    def show(self, card_html: str) -> dict:
        return self.page.evaluate(SHOW_CARD, card_html)

    def settle(self, *, expect: bool = False) -> list[str]:
        """Requests so far that went anywhere but the loopback server (then forgets them).

        A background image is requested after style and layout (SHOW_CARD waits two frames
        for them); `expect` waits up to 5 s for a request that must come.
        """
        for _ in range(100 if expect else 1):
            self.page.wait_for_timeout(50)
            outside = [u for u in self.requests if not u.startswith(self.origin)]
            if outside:
                break
        self.requests.clear()
        return outside


def _server(web: Path) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/reviewer.html":
                body, kind = REVIEWER.encode(), "text/html; charset=utf-8"
            elif path.startswith("/_anki/js/") and ".." not in path:
                target = web / "js" / path.removeprefix("/_anki/js/")
                if not target.is_file():
                    self.send_error(404)
                    return
                body = target.read_bytes()
                kind = {".js": "text/javascript", ".woff": "font/woff"}.get(
                    target.suffix, "application/octet-stream"
                )
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture(scope="module")
def reviewer() -> Iterator[Reviewer]:
    web = _aqt_web()
    if web is None:
        browser_unavailable(
            "Anki's MathJax (the aqt package) is missing: pip install --no-deps aqt"
        )
    server = _server(web)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 360, "height": 740})
            view = Reviewer(page, origin)

            def guard(route):
                view.requests.append(route.request.url)
                if route.request.url.startswith(origin):
                    route.continue_()
                else:
                    route.abort()

            page.route("**/*", guard)
            page.goto(origin + "reviewer.html")
            page.evaluate("MathJax.startup.promise")
            view.settle()
            yield view
    finally:
        server.shutdown()
        server.server_close()


SAFE_URL = re.compile(r"(https?|mailto):", re.I)


def assert_browser_shows_text(reviewer: Reviewer, anki: Anki, deck: Deck) -> None:
    """No MathJax output, no link but http(s)/mailto, no request off the loopback server."""
    desc = anki.col.decks.by_name(deck.name)["desc"]
    sides = [(q, side) for q in deck.questions for side in ("front", "back")]
    for q, side in [*sides, (None, "description")]:
        if q is None:
            shown = reviewer.show(desc)
        else:
            card = anki.card(q.id)
            shown = reviewer.show(card.question() if side == "front" else card.answer())
        where = (q.id if q else deck.name, side)
        assert shown["math"] == 0, where
        assert all(SAFE_URL.match(url) for url in shown["urls"]), (where, shown["urls"])
        assert reviewer.settle() == [], where
        if q is not None:
            # Plain fields read exactly as written.
            assert shown["question"] == [q.question], where
            assert shown["topic"] == [q.topic], where


def test_anki_mathjax_typesets_nothing_from_a_hostile_deck(tmp_path, anki, reviewer):
    deck = hostile_deck(speak="en_US")
    _import(deck, tmp_path, anki)

    assert_browser_shows_text(reviewer, anki, deck)


def test_the_browser_check_sees_mathjax_links_and_fetches(reviewer):
    """The control: raw MathJax in a card is typeset, links out and fetches, and is caught."""
    shown = reviewer.show(
        '<div class="pd-question">' + HOSTILE["mathjax-href"] + HOSTILE["mathjax-pixel"] + "</div>"
    )

    assert shown["math"] == 2
    assert "javascript:alert(document.cookie)" in shown["urls"]
    assert reviewer.settle(expect=True) == ["https://evil.example/p.gif"]


# ---------------------------------------------------------------------------------------------
# Generated markup in every field

FRAGMENTS = [
    "\\(",
    "\\)",
    "\\[",
    "\\]",
    "\\\\",
    "\\",
    "$",
    "$$",
    "\\href{javascript:alert(1)}{x}",
    "\\style{background-image:url(https://evil.example/p.gif)}{x}",
    "[sound:",
    "[Sound:",
    "https://evil.example/x.mp3",
    "]",
    "[",
    "(",
    ")",
    "[anki:tts lang=en_US]",
    "[/anki:tts]",
    "[ANKI:tts]",
    "[anki:play:q:0]",
    "[anki:play:a:1]",
    "[latex]",
    "[/latex]",
    "[LaTeX]",
    "[/LATEX]",
    "[$]",
    "[/$]",
    "[$$]",
    "[/$$]",
    "*",
    "**",
    "_",
    "`",
    "~~",
    "[a](https://a.example)",
    '[a](https://a.example "',
    '")',
    "<b>",
    "&#91;",
    "&#92;",
    "&amp;",
    "x",
    "y2",
    " ",
    "\n",
    "\n\n",
    "- ",
    "> ",
    "1. ",
    "\n```\n",
    "\n    ",
]
marked = (
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12)
    .map(lambda parts: "".join(parts).strip())
    .filter(bool)
)
one_line = marked.map(lambda text: " ".join(text.split())).filter(bool)


@st.composite
def marked_decks(draw) -> Deck:
    n = draw(st.integers(1, 2))
    questions = tuple(
        Question(
            id=f"q{i}",
            topic=draw(one_line),
            question=draw(one_line),
            tips=tuple(draw(st.lists(marked, min_size=1, max_size=3))),
            example=draw(st.one_of(st.just(""), marked)),
            notes=draw(st.one_of(st.just(""), marked)),
        )
        for i in range(n)
    )
    return Deck(
        key="generated",
        name="Generated",
        description=draw(marked),
        questions=questions,
        speak=draw(st.sampled_from(["", "en_US"])),
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(deck=marked_decks())
def test_generated_markup_in_every_field_stays_text(reviewer, deck):
    with tempfile.TemporaryDirectory() as folder:
        anki = Anki(Path(folder))
        try:
            _import(deck, Path(folder), anki, via_yaml=False)
            assert_backend_finds_no_markup(anki, deck)
            assert_browser_shows_text(reviewer, anki, deck)
        finally:
            anki.close()
