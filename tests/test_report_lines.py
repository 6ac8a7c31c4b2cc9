"""Build report lines that no other test writes out in full: their exact text, as printed.

The report's wording lives apart from the comparison (builds/report.py); these pin the
lines the other test files only reach through the report's data.
"""

from __future__ import annotations

import shutil

from prepdeck.builds.pipeline import build_deck
from prepdeck.builds.state import state_path
from prepdeck.cards.select import Selection

from conftest import edit

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{0}"/>'


def test_a_design_sent_only_in_a_filtered_package_is_named_by_the_next_full_build(
    deck_file, tmp_path
):
    dist = tmp_path / "dist"
    build_deck(deck_file, out_dir=dist)
    edit(
        deck_file,
        "  key: resource-sharing-interview\n",
        "  key: resource-sharing-interview\n  timer: 60\n",
    )
    build_deck(deck_file, out_dir=dist, selection=Selection(topics=("customer-service",)))

    full = build_deck(deck_file, out_dir=dist)

    assert full.report.lines() == [
        "the card design was sent before only in the filtered package "
        "'topic-customer-service'; if you did not import that package, this import updates it.",
        "no other changes since the last build.",
    ]


def test_a_clone_whose_answers_file_holds_no_answers_is_told_so(deck_file, tmp_path):
    mine = deck_file.with_name("resource-sharing-interview.mine.yaml")
    mine.write_text("answers:\n  ill-systems:\n    example: ILLiad daily for three years.\n")
    build_deck(deck_file, out_dir=tmp_path / "dist")  # the committed state marks answers
    folder = tmp_path / "clone" / "decks"
    folder.mkdir(parents=True)
    clone = folder / deck_file.name
    shutil.copyfile(deck_file, clone)
    shutil.copyfile(state_path(deck_file), state_path(clone))
    clone.with_name(mine.name).write_text("# answers to come\n")
    edit(clone, "Listen first", "Hear them out")

    lines = build_deck(clone, out_dir=tmp_path / "clone" / "dist").report.lines()

    answers, recordings = clone.with_name(mine.name), folder / "resource-sharing-interview.mine"
    assert lines == [
        "changed: 1 (unhappy-user)",
        f"own answers: {answers} here holds none; if you keep one on another machine, copy it "
        f"(and {recordings}/ if it holds recordings) here and build again before importing, "
        "or these notes arrive without your answers: unhappy-user",
    ]


def test_media_changed_in_many_questions_is_cut_short(tmp_path):
    deck_file = tmp_path / "decks" / "d.yaml"
    (deck_file.parent / "images").mkdir(parents=True)
    picture = deck_file.parent / "images" / "p.svg"
    picture.write_text(SVG.format(10))
    questions = "".join(
        f"  - id: q{i:02}\n    topic: t\n    question: Question {i}?\n"
        f"    tips:\n      - 'Tip {i}: ![a picture](images/p.svg)'\n"
        for i in range(14)
    )
    deck_file.write_text(f"deck:\n  key: d\n  name: D\nquestions:\n{questions}")
    build_deck(deck_file, out_dir=tmp_path / "dist")
    picture.write_text(SVG.format(20))

    lines = build_deck(deck_file, out_dir=tmp_path / "dist").report.lines()

    ids = [f"q{i:02}" for i in range(14)]
    assert lines[:2] == [
        f"changed: 14 ({', '.join(ids[:12])}, and 2 more)",
        "media changed: "
        + "; ".join(f"{qid}: images/p.svg" for qid in ids[:12])
        + "; and 2 more questions",
    ]
