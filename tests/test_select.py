"""Filtered builds and subdecks: identity and placement never depend on the selection."""

from __future__ import annotations

import re

from prepdeck.builds.pipeline import build_deck, selection_name
from prepdeck.cards.select import Selection
from prepdeck.deckfile.load import load_deck

from conftest import edit


def test_topic_and_tag_match_by_name_or_slug_case_insensitively(deck_file):
    deck = load_deck(deck_file)

    by_name = [q.id for q in deck.questions if Selection(topics=("Customer service",)).matches(q)]
    by_slug = [q.id for q in deck.questions if Selection(topics=("customer-service",)).matches(q)]
    by_tag = [q.id for q in deck.questions if Selection(tags=("SOFT-SKILLS",)).matches(q)]

    assert by_name == by_slug == ["unhappy-user"]
    assert by_tag == ["team-qualities"]


def test_long_selections_get_a_short_readable_file_name(deck_file, tmp_path):
    selection = Selection(
        topics=("Interlibrary loan systems", "Policies and procedures", "Outreach and marketing"),
        exclude_tags=("behavioral",),
    )

    result = build_deck(deck_file, selection=selection, out_dir=tmp_path, dry_run=True)

    name = result.output.name
    assert name.startswith(
        "resource-sharing-interview__topic-interlibrary-loan-systems__topic-policies"
    )
    assert len(name) <= len("resource-sharing-interview__") + 80 + len(".apkg")


def test_filtered_then_full_import_leaves_one_note_per_question(deck_file, tmp_path, anki):
    edit(
        deck_file,
        "  name: Resource Sharing Librarian Interview\n",
        "  name: Resource Sharing Librarian Interview\n  subdecks: by-topic\n",
    )
    tonight = build_deck(
        deck_file,
        selection=Selection(topics=("teamwork-and-collaboration",)),
        out_dir=tmp_path / "dist",
    )
    anki.import_apkg(tonight.output)
    card_id = anki.review("team-qualities")

    full = build_deck(deck_file, out_dir=tmp_path / "dist")
    log = anki.import_apkg(full.output)

    notes = anki.notes()
    assert (log.new, log.conflicting) == (7, 0)
    assert sorted(notes) == sorted(q.id for q in load_deck(deck_file).questions)
    assert len(anki.col.find_cards("")) == 10
    assert anki.revlog(card_id) == 1
    for q in load_deck(deck_file).questions:
        deck = anki.col.decks.name(anki.card(q.id).did)
        assert deck == f"Resource Sharing Librarian Interview::{q.topic}"


def test_a_filtered_build_advances_and_reports_only_what_it_packages(deck_file, tmp_path):
    build_deck(deck_file, out_dir=tmp_path / "dist")
    edit(deck_file, "Listen first", "Hear them out")
    edit(deck_file, "Show attention to detail", "Show care for detail")

    filtered = build_deck(
        deck_file, selection=Selection(topics=("customer-service",)), out_dir=tmp_path / "dist"
    )
    full = build_deck(deck_file, out_dir=tmp_path / "dist")
    again = build_deck(deck_file, out_dir=tmp_path / "dist")

    assert filtered.report.lines()[:2] == [
        "selection: topic customer-service (only these questions' build state advances)",
        "changed: 1 (unhappy-user)",
    ]
    assert full.report.lines()[0] == "changed: 1 (special-project)"
    assert full.report.lines()[1] == (
        "sent before only in the filtered package 'topic-customer-service': unhappy-user; if you "
        "did not import that package, this import updates them."
    )
    assert again.report.lines() == [
        "no changes since the last build: if you imported it, a re-import changes nothing in Anki."
    ]


def test_every_note_carries_its_topic_tag(deck_file, tmp_path, anki):
    anki.import_apkg(build_deck(deck_file, out_dir=tmp_path / "dist").output)

    assert len(anki.col.find_notes("tag:topic::teamwork-and-collaboration")) == 3


def test_switching_to_subdecks_reports_that_cards_stay_put(deck_file, tmp_path):
    build_deck(deck_file, out_dir=tmp_path / "dist")
    edit(
        deck_file,
        "  name: Resource Sharing Librarian Interview\n",
        "  name: Resource Sharing Librarian Interview\n  subdecks: by-topic\n",
    )

    lines = build_deck(deck_file, out_dir=tmp_path / "dist").report.lines()

    note = '"note:prepdeck-resource-sharing-interview"'
    assert lines[0] == (
        "moved: 10 questions now belong in other decks (subdecks or topics changed), but Anki "
        "keeps existing cards where they are. After importing, to move them, in Browse run each "
        "search below, select all cards, then Cards > Change Deck to the deck named:"
    )
    assert lines[1:3] == [
        f"  'Resource Sharing Librarian Interview::Interlibrary loan systems': {note} "
        '"tag:topic::interlibrary-loan-systems"',
        f"  'Resource Sharing Librarian Interview::Customer service': {note} "
        '"tag:topic::customer-service"',
    ]
    assert len(lines) == 9


def test_renaming_a_topic_with_subdecks_reports_the_move(deck_file, tmp_path):
    edit(
        deck_file,
        "  name: Resource Sharing Librarian Interview\n",
        "  name: Resource Sharing Librarian Interview\n  subdecks: by-topic\n",
    )
    build_deck(deck_file, out_dir=tmp_path / "dist")
    edit(deck_file, "topic: Customer service", "topic: Patron service")

    lines = build_deck(deck_file, out_dir=tmp_path / "dist").report.lines()

    assert lines[0] == "changed: 1 (unhappy-user)"
    assert lines[2] == (
        "  'Resource Sharing Librarian Interview::Patron service': "
        '"note:prepdeck-resource-sharing-interview" "tag:topic::patron-service"'
    )


def test_a_filtered_build_is_named_in_the_topic_s_own_script():
    assert selection_name(Selection(topics=("Sécurité des soins", "沟通"))) == (
        "topic-sécurité-des-soins__topic-沟通"
    )
    assert selection_name(Selection(exclude_topics=("Обслуживание",))) == "not-topic-обслуживание"


def test_a_selection_file_name_is_short_and_never_a_path():
    long_topic = selection_name(Selection(topics=("𠀀" * 100,)))  # 4 bytes each in UTF-8
    symbols = selection_name(Selection(tags=("../..",), exclude_tags=("?*",)))

    assert len(long_topic.encode()) <= 160
    assert re.fullmatch(r"tag-x[0-9a-f]{8}__not-tag-x[0-9a-f]{8}", symbols)
