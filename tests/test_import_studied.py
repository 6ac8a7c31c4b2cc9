"""Importing a deck the learner already studies keeps every review: no duplicate, no new card.

Measured with the real backend (these tests): a note is matched by GUID, so the written deck
keeps each note's GUID (`guid:`); an incoming note whose note type differs from the one the
collection has is skipped as "conflicting" (nothing added, nothing updated). Changing the
note type in Anki keeps the cards and their reviews; a second import with "Update notes:
Always" then fills the prepdeck fields.
"""

from __future__ import annotations

import re
from pathlib import Path

import genanki
from click.testing import CliRunner

from prepdeck.cli import cli
from prepdeck.deckfile.load import load_deck

from conftest import Anki, edit, tips_text

NOTES = 20
REVIEWS = 88


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _studied(tmp_path: Path) -> tuple[Path, Anki]:
    """A genanki Basic deck of 20 notes, imported into Anki and reviewed 88 times."""
    deck = genanki.Deck(2059400120, "Job Hunt")
    for i in range(NOTES):
        deck.add_note(
            genanki.Note(
                model=genanki.BASIC_MODEL, fields=[f"Why role {i}?", f"Reason {i}<br>Growth"]
            )
        )
    old = tmp_path / "old.apkg"
    genanki.Package(deck).write_to_file(str(old))
    (tmp_path / "learner").mkdir()
    learner = Anki(tmp_path / "learner")
    assert learner.import_apkg(old).new == NOTES
    cards = sorted(learner.col.find_cards(""))
    for n in range(REVIEWS):
        card = learner.col.get_card(cards[n % NOTES])
        card.start_timer()
        learner.col.sched.answerCard(card, 3)
    assert _reviews(learner) == REVIEWS
    return old, learner


def _reviews(anki: Anki) -> int:
    return anki.col.db.scalar("select count() from revlog")


def _change_note_type(anki: Anki, search: str, notetype: str) -> int:
    """Browse > search > select all > Notes > Change Note Type, with Anki's proposed mapping."""
    col = anki.col
    nids = col.find_notes(search)
    old = col.get_note(nids[0]).mid
    new = col.models.by_name(notetype)["id"]
    request = col.models.change_notetype_info(old_notetype_id=old, new_notetype_id=new).input
    request.note_ids.extend(nids)
    col.models.change_notetype_of_notes(request)
    col.models._clear_cache()
    return len(nids)


def test_a_studied_deck_imported_built_and_reimported_keeps_every_review(tmp_path):
    old, learner = _studied(tmp_path)
    deck_path = tmp_path / "decks" / "old.yaml"

    result = run("import", str(old), "-o", str(deck_path))

    assert result.exit_code == 0, result.output
    deck = load_deck(deck_path)
    assert all(q.guid for q in deck.questions)
    text = deck_path.read_text(encoding="utf-8")
    notetype = f"prepdeck-{deck.key}"
    # The summary and the file's header say what to do in Anki, naming the note types.
    for said in (result.stderr, text):
        assert "they are of another note type ('Basic (genanki)')" in said
        assert f"choose {notetype}" in said
        assert "'Update notes: Always' this one time" in said
    search = re.search(r"^ +(\"note:.*)$", result.stderr, re.M).group(1)
    assert search == '"note:Basic (genanki)" "deck:Job Hunt"'
    assert "Browse and search for the notes (20 notes)" in result.stderr

    apkg = tmp_path / "new.apkg"
    built = run("build", str(deck_path), "-o", str(apkg))
    assert built.exit_code == 0
    # The build report says the same where the learner looks next: nothing arrives as new.
    assert "a question Anki already has (same key and id, or the same guid:) is matched" in (
        built.stdout
    )
    assert "20 questions carry the identity of a note that may already be in Anki" in built.stdout
    assert f"prepdeck import writes the steps at the top of {deck_path}" in built.stdout
    # 1. The first import adds the note type and no note: the old notes are conflicting.
    first = learner.import_apkg(apkg)
    assert (first.new, first.updated, first.conflicting) == (0, 0, NOTES)
    assert len(learner.col.find_notes("")) == NOTES
    # 2. Change Note Type, on exactly the notes the printed search finds.
    assert _change_note_type(learner, search, notetype) == NOTES
    # 3. The same package again, "Update notes: Always".
    again = learner.import_apkg(apkg, update="always")
    assert (again.new, again.updated, again.conflicting) == (0, NOTES, 0)

    assert len(learner.col.find_notes("")) == NOTES
    assert len(learner.col.find_cards("")) == NOTES
    assert learner.col.find_cards("is:new") == []  # tomorrow brings no learnt question as new
    assert _reviews(learner) == REVIEWS
    assert {n["Id"] for n in learner.notes().values()} == {q.id for q in deck.questions}
    assert tips_text(learner.note(deck.questions[0].id)["Tips"]) == ["Reason 0", "Growth"]

    # Later edits reach the learner with the default options, reviews kept.
    edit(deck_path, "- Reason 3\n", "- Reason 3, reworded\n")
    assert run("build", str(deck_path), "-o", str(apkg)).exit_code == 0
    later = learner.import_apkg(apkg)
    assert (later.new, later.updated) == (0, 1)
    assert tips_text(learner.note(deck.questions[3].id)["Tips"])[0] == "Reason 3, reworded"
    assert _reviews(learner) == REVIEWS
    learner.close()


def test_the_search_finds_only_the_imported_notes_of_that_type(tmp_path):
    """Other Basic notes of the learner, in another deck, are not changed with them."""
    old, learner = _studied(tmp_path)
    mine = learner.col.new_note(learner.col.models.by_name("Basic (genanki)"))
    mine["Front"], mine["Back"] = "Unrelated", "Mine"
    learner.col.add_note(mine, learner.col.decks.id("Languages"))
    deck_path = tmp_path / "decks" / "old.yaml"

    result = run("import", str(old), "-o", str(deck_path))

    search = re.search(r"^ +(\"note:.*)$", result.stderr, re.M).group(1)
    assert len(learner.col.find_notes(search)) == NOTES
    learner.close()


def test_names_in_the_search_are_escaped_for_anki(tmp_path):
    model = genanki.Model(
        1607392320,
        'Card "quoted" \\ name',
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
    )
    deck = genanki.Deck(2059400121, 'My "best" deck')
    deck.add_note(genanki.Note(model=model, fields=["Why us?", "Growth"]))
    source = tmp_path / "q.apkg"
    genanki.Package(deck).write_to_file(str(source))
    (tmp_path / "learner").mkdir()
    learner = Anki(tmp_path / "learner")
    learner.import_apkg(source)

    result = run("import", str(source), "-o", str(tmp_path / "decks" / "q.yaml"))

    search = re.search(r"^ +(\"note:.*)$", result.stderr, re.M).group(1)
    assert len(learner.col.find_notes(search)) == 1
    learner.close()


def test_a_prepdeck_package_writes_no_guid_and_says_anki_has_its_notes(tmp_path, deck_file):
    apkg = tmp_path / "o.apkg"
    assert run("build", str(deck_file), "-o", str(apkg)).exit_code == 0
    out = tmp_path / "recovered" / "deck.yaml"

    result = run("import", str(apkg), "-o", str(out))

    assert result.exit_code == 0, result.output
    assert "guid:" not in out.read_text(encoding="utf-8")
    assert "Anki matches them to the notes it already has" in result.stderr
    assert "another note type" not in result.stderr


def test_notes_sharing_a_guid_keep_it_once_and_say_so(tmp_path):
    deck = genanki.Deck(2059400122, "Twins")
    for front in ("First?", "Second?"):
        deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=[front, "A"], guid="same"))
    source = tmp_path / "twins.apkg"
    genanki.Package(deck).write_to_file(str(source))
    out = tmp_path / "decks" / "twins.yaml"

    result = run("import", str(source), "-o", str(out))

    assert result.exit_code == 0, result.output
    assert [q.guid for q in load_deck(out).questions] == ["same", ""]
    assert "its Anki GUID 'same' is not kept (another note has it too)" in result.stderr
    assert run("build", str(out), "-o", str(tmp_path / "t.apkg")).exit_code == 0


def test_a_note_type_with_two_card_types_keeps_the_first_card_as_the_advice_says(tmp_path):
    """Measured: Change Note Type to prepdeck's one card type removes each note's second card
    (its review rows stay in the log, attached to no card)."""
    deck = genanki.Deck(2059400140, "Both ways")
    for i in range(3):
        deck.add_note(
            genanki.Note(model=genanki.BASIC_AND_REVERSED_CARD_MODEL, fields=[f"Q{i}?", f"A{i}"])
        )
    old = tmp_path / "old.apkg"
    genanki.Package(deck).write_to_file(str(old))
    (tmp_path / "learner").mkdir()
    learner = Anki(tmp_path / "learner")
    learner.import_apkg(old)
    for cid in learner.col.find_cards("card:1"):
        card = learner.col.get_card(cid)
        card.start_timer()
        learner.col.sched.answerCard(card, 3)
    deck_path = tmp_path / "decks" / "old.yaml"

    result = run("import", str(old), "-o", str(deck_path))

    assert "keeps only the first card of each note" in result.stderr
    search = re.search(r"^ +(\"note:.*)$", result.stderr, re.M).group(1)
    apkg = tmp_path / "new.apkg"
    assert run("build", str(deck_path), "-o", str(apkg)).exit_code == 0
    assert learner.import_apkg(apkg).conflicting == 3
    _change_note_type(learner, search, f"prepdeck-{load_deck(deck_path).key}")
    assert learner.import_apkg(apkg, update="always").updated == 3
    assert len(learner.col.find_cards("")) == 3  # the first cards, with their reviews
    assert learner.col.find_cards("is:new") == []
    assert _reviews(learner) == 3
    learner.close()


def test_a_note_type_name_with_line_breaks_prints_no_line_of_its_own(tmp_path):
    """A tester's find: the summary's `read:` line printed a note type's name raw, so a name
    could print lines that look like prepdeck's (or YAML's)."""
    model = genanki.Model(
        1607392321,
        "Simple\nquestions:\n  - id: pwn",
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
    )
    deck = genanki.Deck(2059400122, "Names")
    deck.add_note(genanki.Note(model=model, fields=["Why us?", "Growth\n<br>Fit"]))
    source = tmp_path / "q.apkg"
    genanki.Package(deck).write_to_file(str(source))

    result = run("import", str(source), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "  read: note type 'Simple\\nquestions:\\n  - id: pwn'" in result.stderr
    assert not any(line.startswith("questions:") for line in result.stderr.splitlines())
