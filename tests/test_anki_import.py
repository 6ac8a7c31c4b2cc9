"""The shipped deck, built and imported by the real Anki backend, as a learner would."""

from __future__ import annotations

import yaml

from prepdeck.builds.pipeline import build_deck
from prepdeck.cards.notetype import FIELDS, notetype_id
from prepdeck.deckfile.load import load_deck

from conftest import SHIPPED, edit, tips_text


def test_shipped_deck_imports_with_every_question_as_one_card(deck_file, tmp_path, anki):
    result = build_deck(deck_file, out_dir=tmp_path / "dist")
    raw = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))

    log = anki.import_apkg(result.output)

    notes = anki.notes()
    assert log.new == len(raw["questions"]) >= 10
    assert log.conflicting == 0
    assert set(notes) == {q["id"] for q in raw["questions"]}
    for q in raw["questions"]:
        note = notes[q["id"]]
        (card,) = note.cards()
        assert anki.col.decks.name(card.did) == raw["deck"]["name"]
        assert note["Question"] == q["question"].replace('"', "&quot;")
        assert note["Topic"] == q["topic"]
        assert len(tips_text(note["Tips"])) == len(q["tips"])
        assert set(note.tags) == {*q["tags"], f"topic::{_slug(q['topic'])}"}
    assert notes["ill-systems"].note_type()["name"] == "prepdeck-resource-sharing-interview"
    assert [f["name"] for f in notes["ill-systems"].note_type()["flds"]] == list(FIELDS)


def test_new_cards_arrive_in_the_order_of_the_yaml(deck_file, tmp_path, anki):
    result = build_deck(deck_file, out_dir=tmp_path / "dist")
    anki.import_apkg(result.output)

    cards = [anki.card(q.id) for q in load_deck(deck_file).questions]

    dues = [c.due for c in cards]
    assert dues == sorted(dues) and len(set(dues)) == len(dues)


def test_markdown_renders_and_raw_html_stays_text(deck_file, tmp_path, anki):
    edit(
        deck_file,
        "      - Mention formal training you had on any of them.",
        '      - "Say **which** [course](https://example.org) you took; <script>alert(1)</script>"',
    )
    result = build_deck(deck_file, out_dir=tmp_path / "dist")
    anki.import_apkg(result.output)

    tips = anki.note("ill-systems")["Tips"]

    assert "<strong>which</strong>" in tips
    assert '<a href="https://example.org">course</a>' in tips
    assert "<script>" not in tips and "&lt;script&gt;alert(1)&lt;/script&gt;" in tips


def test_edited_tip_reaches_the_learner_and_keeps_history(deck_file, tmp_path, anki):
    first = build_deck(deck_file, out_dir=tmp_path / "dist")
    anki.import_apkg(first.output)
    before = {qid: list(n.fields) for qid, n in anki.notes().items()}
    card_id = anki.review("unhappy-user")
    edit(deck_file, "Listen first and acknowledge", "Hear them out and acknowledge")

    second = build_deck(deck_file, out_dir=tmp_path / "dist")
    log = anki.import_apkg(second.output)

    after = anki.notes()
    assert (log.new, log.updated, log.conflicting) == (0, 1, 0)
    assert "Hear them out and acknowledge" in after["unhappy-user"]["Tips"]
    assert {qid: list(n.fields) for qid, n in after.items() if qid != "unhappy-user"} == {
        qid: f for qid, f in before.items() if qid != "unhappy-user"
    }
    assert len(after) == len(before)
    assert anki.revlog(card_id) == 1
    assert anki.card("unhappy-user").reps == 1


def test_identity_survives_rewording_reordering_and_renaming(deck_file, tmp_path):
    first = build_deck(deck_file, out_dir=tmp_path / "a", dry_run=True)
    text = deck_file.read_text(encoding="utf-8")
    questions_at = text.index("  - id: ill-systems")
    second_at = text.index("  - id: unhappy-user")
    # Move the first question to the end, reword it, and rename the deck.
    moved = text[:questions_at] + text[second_at:] + "\n" + text[questions_at:second_at]
    moved = moved.replace("What experience do you have with interlibrary", "Which interlibrary")
    moved = moved.replace("name: Resource Sharing Librarian Interview", "name: ILL Interview")
    deck_file.write_text(moved, encoding="utf-8")

    deck = load_deck(deck_file)

    from prepdeck.cards.notetype import note_guid

    assert deck.questions[-1].id == "ill-systems"
    assert {q.id: note_guid(deck.key, q.id) for q in deck.questions} == {
        q.id: note_guid(first.deck.key, q.id) for q in first.deck.questions
    }
    assert notetype_id(deck.key) == notetype_id(first.deck.key)


def _slug(text: str) -> str:
    from prepdeck.deckfile.slugs import slugify

    return slugify(text)


def test_anki_computes_the_sort_field_and_checksum_itself(deck_file, tmp_path, anki):
    anki.import_apkg(build_deck(deck_file, out_dir=tmp_path / "dist").output)

    rows = anki.col.db.all("select sfld, csum from notes")

    questions = {q.question for q in load_deck(deck_file).questions}
    assert {sfld for sfld, _ in rows} == questions
    assert all(csum > 0 for _, csum in rows)
    assert anki.col.find_notes('"Question:What experience do you have with*"')
