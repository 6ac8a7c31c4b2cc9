"""The library calls behind check, list, topics and preview work without Click: a Python
user gets the same answers, and the same problems, as the commands print."""

from __future__ import annotations

import pytest

from prepdeck.cards.select import Selection, load_chosen
from prepdeck.deckfile.named import check_decks, load_named, topic_counts
from prepdeck.errors import DeckFileError, PrepdeckError, SelectionError

from conftest import edit


def test_check_decks_collects_a_wrong_name_and_a_broken_deck_together(deck_file):
    edit(deck_file, "  - id: ill-systems\n", "  - id: ILL\n")

    checked = check_decks(["notes\n.txt", str(deck_file)])

    problems = {p.path: p.message for p in checked.problems}
    assert problems.pop("notes\\n.txt") == "deck files end in .yaml or .yml; name a deck file"
    assert ["'ILL' is not a valid question id" in m for m in problems.values()] == [True]
    assert checked.decks == []
    assert not checked.ok(strict=False)


def test_check_decks_warnings_fail_only_when_strict(deck_file):
    long_tip = "      - " + "a" * 250 + "\n"
    edit(deck_file, "      - Mention formal training you had on any of them.\n", long_tip)

    checked = check_decks([str(deck_file)])

    assert checked.problems == []
    assert [(w.line, w.message) for w in checked.warnings] == [
        (
            15,
            "question 'ill-systems': tip 2 is 250 characters; over 200 is hard to recall, split "
            "it or move detail to `example`",
        )
    ]
    assert checked.ok(strict=False)
    assert not checked.ok(strict=True)


def test_load_named_raises_every_problem_at_once(deck_file):
    edit(deck_file, "  - id: ill-systems\n", "  - id: ILL\n")

    with pytest.raises(DeckFileError) as raised:
        load_named([str(deck_file.parent / "missing-folder"), str(deck_file)])

    messages = [p.message for p in raised.value.problems]
    assert len(messages) == 2
    assert any("'ILL' is not a valid question id" in m for m in messages)


def test_topic_counts_in_the_order_topics_first_appear(deck_file):
    decks, counts = topic_counts([str(deck_file)])

    assert [d.key for d in decks] == [counts[0].deck]
    assert counts[:2] == [
        (counts[0].deck, "Interlibrary loan systems", "interlibrary-loan-systems", 1),
        (counts[0].deck, "Customer service", "customer-service", 1),
    ]
    teamwork = [c for c in counts if c.topic == "Teamwork and collaboration"]
    assert [c.questions for c in teamwork] == [3]
    assert sum(c.questions for c in counts) == len(decks[0].questions)


def test_a_selection_is_checked_against_the_decks_and_must_pick_a_question(deck_file):
    chosen = load_chosen([str(deck_file)], Selection(tags=("customer-service",)))

    assert [q.topic for _, q in chosen.questions()] == ["Customer service"]
    assert chosen.picked_decks() == list(chosen.decks)

    with pytest.raises(SelectionError) as unknown:
        load_chosen([str(deck_file)], Selection(tags=("no-such-tag",)))
    assert unknown.value.exit_code == 2

    none = load_chosen(
        [str(deck_file)], Selection(tags=("policy",), exclude_topics=("policies-and-procedures",))
    )
    with pytest.raises(PrepdeckError) as nothing:
        none.picked()
    assert "no question matches the selection" in str(nothing.value)
