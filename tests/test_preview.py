"""Cards as Anki renders them, and the preview page that shows them before importing."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from prepdeck.builds.pipeline import build_deck
from prepdeck.cards.preview import card_previews, preview_page
from prepdeck.cards.render import render_note
from prepdeck.cli import cli
from prepdeck.deckfile.load import load_deck

from conftest import edit

STYLE = re.compile(r"^<style>.*?</style>", re.S)


def _speech(deck_file, on: bool) -> None:
    if on:
        edit(
            deck_file,
            "  name: Resource Sharing Librarian Interview\n",
            "  name: Resource Sharing Librarian Interview\n  speak: en_US\n",
        )


@pytest.mark.parametrize("speech", [False, True], ids=["silent", "spoken"])
def test_anki_renders_every_card_of_the_shipped_deck(deck_file, tmp_path, anki, speech):
    _speech(deck_file, speech)
    anki.import_apkg(build_deck(deck_file, out_dir=tmp_path / "dist").output)

    for q in load_deck(deck_file).questions:
        card = anki.card(q.id)
        front, back = card.question(), card.answer()
        for side in (front, back):
            assert "{{" not in side and "}}" not in side
            assert "error" not in side.lower()
        question = q.question.replace('"', "&quot;")
        assert question in front and question in back
        for tip in q.tips:
            assert render_note(q).fields[1] in back and tip.split()[0] in back
        av = card.question_av_tags()
        if speech:
            assert [(t.lang, t.field_text) for t in av] == [("en_US", q.question)]
        else:
            assert av == []


@pytest.mark.parametrize("speech", [False, True], ids=["silent", "spoken"])
def test_preview_renders_each_card_exactly_as_anki_does(deck_file, tmp_path, anki, speech):
    _speech(deck_file, speech)
    edit(
        deck_file,
        "    tags: [teamwork, soft-skills]\n",
        "    tags: [teamwork, soft-skills]\n    notes: My *own* story.\n",
    )
    anki.import_apkg(build_deck(deck_file, out_dir=tmp_path / "dist").output)
    deck = load_deck(deck_file)

    previews = card_previews(deck, [render_note(q) for q in deck.questions])

    assert len(previews) == 10
    for preview in previews:
        card = anki.card(preview.id)
        assert STYLE.sub("", card.question()) == preview.front
        assert STYLE.sub("", card.answer()) == preview.back
    assert "My notes" in next(p.back for p in previews if p.id == "team-qualities")


def test_preview_page_is_self_contained_with_four_frames_per_card(deck_file):
    deck = load_deck(deck_file)
    page = preview_page(card_previews(deck, [render_note(q) for q in deck.questions]), "t")

    assert page.count('class="pv-frame') == 40
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert page.count("class=&quot;card card1 nightMode night_mode&quot;") == 20


def test_preview_command_honours_the_selection(deck_file, monkeypatch):
    monkeypatch.chdir(deck_file.parent.parent)

    result = CliRunner().invoke(cli, ["preview", "--tag", "teamwork", "-o", "out/p.html"])

    assert (result.exit_code, result.stdout) == (0, "preview of 3 cards -> out/p.html\n")
    page = (deck_file.parent.parent / "out" / "p.html").read_text(encoding="utf-8")
    assert re.findall(r'<section class="pv-card" id="card-([a-z-]+)"', page) == [
        "team-qualities",
        "worked-with-colleagues",
        "disagreed-with-coworker",
    ]
