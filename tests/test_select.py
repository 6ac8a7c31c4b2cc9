"""Filtered builds and subdecks: identity and placement never depend on the selection."""

from __future__ import annotations

import re

from prepdeck.build import build_deck
from prepdeck.load import load_deck
from prepdeck.select import Selection

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
    assert name.startswith("resource-sharing-interview--interlibrary-loan-systems--policies")
    assert len(name) <= len("resource-sharing-interview--") + 60 + len(".apkg")


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


def test_a_filtered_build_updates_the_whole_state_and_names_the_selection(deck_file, tmp_path):
    build_deck(deck_file, out_dir=tmp_path / "dist")
    edit(deck_file, "Listen first", "Hear them out")
    edit(deck_file, "Show attention to detail", "Show care for detail")

    filtered = build_deck(
        deck_file, selection=Selection(topics=("customer-service",)), out_dir=tmp_path / "dist"
    )
    full = build_deck(deck_file, out_dir=tmp_path / "dist")

    assert filtered.report.lines() == [
        "selection: topic customer-service (the build state still covers every question)",
        "changed: 2 (unhappy-user, special-project)",
    ]
    assert full.report.lines() == [
        "no changes since the last build: a re-import changes nothing in Anki."
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

    assert lines == [
        "moved: 10 questions now belong in other decks (subdecks or topics changed), but Anki "
        "keeps existing cards where they are. To move them: Browse, search "
        '"note:prepdeck-resource-sharing-interview", select the cards, Cards > Change Deck.',
    ]


def test_renaming_a_topic_with_subdecks_reports_the_move(deck_file, tmp_path):
    edit(
        deck_file,
        "  name: Resource Sharing Librarian Interview\n",
        "  name: Resource Sharing Librarian Interview\n  subdecks: by-topic\n",
    )
    build_deck(deck_file, out_dir=tmp_path / "dist")
    edit(deck_file, "topic: Customer service", "topic: Patron service")

    lines = build_deck(deck_file, out_dir=tmp_path / "dist").report.lines()

    assert lines == [
        "changed: 1 (unhappy-user)",
        "moved: 'unhappy-user' now belongs in 'Resource Sharing Librarian Interview::Patron "
        "service', but Anki keeps the existing card in 'Resource Sharing Librarian "
        "Interview::Customer service' (Browse > Change Deck moves it). Anki search: "
        '"note:prepdeck-resource-sharing-interview" "Id:unhappy-user"',
    ]


def test_a_filtered_build_is_named_in_the_topic_s_own_script():
    assert Selection(topics=("Sécurité des soins", "沟通")).slug() == "sécurité-des-soins--沟通"
    assert Selection(exclude_topics=("Обслуживание",)).slug() == "not-обслуживание"


def test_a_selection_file_name_is_short_and_never_a_path():
    long_topic = Selection(topics=("𠀀" * 100,)).slug()  # 4 bytes each in UTF-8
    symbols = Selection(tags=("../..",), exclude_tags=("?*",)).slug()

    assert len(long_topic) <= 60 and len(long_topic.encode()) <= 180
    assert re.fullmatch(r"[0-9a-f]{8}--not-[0-9a-f]{8}", symbols)
