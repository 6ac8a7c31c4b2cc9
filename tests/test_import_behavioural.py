"""`prepdeck import` of articles whose behavioural questions end with a full stop.

"Tell us about a time …" is asked as an instruction, so its heading often ends in "." beside
numbered headings that end in "?". The articles here are written for these tests.
"""

from __future__ import annotations

from click.testing import CliRunner

from prepdeck.cli import cli
from prepdeck.deckfile.load import load_deck

ARTICLE = """\
# Interviewing for the food bank

A short introduction that is not a question.

## Volunteer coordinator questions

### 1. Why do you want to coordinate volunteers?

- You like matching people to jobs
- You have run rotas before

### 2. Recount a time two volunteers disagreed over how a shift should run.

- Heard both sides first
- Agreed a trial of each way
- Kept the one that served more families

### 3. How do you keep volunteers coming back?

- Thank them by name
- Give them a say in the rota

## Closing thoughts

Good luck with your interview.
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_numbered_heading_among_numbered_questions_is_a_question(tmp_path):
    source = tmp_path / "food-bank.md"
    source.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "decks" / "food-bank.yaml"

    result = run("import", str(source), "-o", str(out))

    assert result.exit_code == 0, result.output
    deck = load_deck(out)
    assert [(q.topic, q.question) for q in deck.questions] == [
        ("Volunteer coordinator questions", "Why do you want to coordinate volunteers?"),
        (
            "Volunteer coordinator questions",
            "Recount a time two volunteers disagreed over how a shift should run.",
        ),
        ("Volunteer coordinator questions", "How do you keep volunteers coming back?"),
    ]
    assert deck.questions[1].tips == (
        "Heard both sides first",
        "Agreed a trial of each way",
        "Kept the one that served more families",
    )
    # What is left out is said: each run's lines, and why.
    assert [line.strip() for line in result.stderr.splitlines() if "skipped:" in line] == [
        f"skipped: {source}:3: 1 paragraph or list item before the first question "
        "(an introduction)",
        f"skipped: {source}:25: 1 paragraph or list item under the heading 'Closing thoughts' "
        "(line 23), which is not a question: to keep it, make that heading a question "
        "(end it with '?')",
    ]


def test_a_section_heading_says_which_lines_it_left_out_and_how_to_keep_them(tmp_path):
    source = tmp_path / "a.md"
    source.write_text(
        "# Title\n\n## 1. Why this library?\n\n- Its users\n\n"
        "## Tell us your story\n\nA paragraph kept.\n\n"
        "## Our history\n\nFounded long ago.\n\nStill open.\n",
        encoding="utf-8",
    )

    result = run("import", str(source))

    assert result.exit_code == 0, result.output
    assert (
        f"skipped: {source}:13-15: 2 paragraphs or list items under the heading 'Our history' "
        "(line 11), which is not a question" in result.stderr
    )
    assert "question: Tell us your story" in result.stdout


def test_a_numbered_section_heading_at_another_level_stays_a_section(tmp_path):
    source = tmp_path / "a.md"
    source.write_text(
        "# Title\n\n## 1. Teamwork\n\n### 1. Why teams?\n\n- Reach\n\n"
        "### 2. Name a time a team let you down.\n\n- Owned my part\n",
        encoding="utf-8",
    )
    out = tmp_path / "decks" / "a.yaml"

    assert run("import", str(source), "-o", str(out)).exit_code == 0

    assert [(q.topic, q.question) for q in load_deck(out).questions] == [
        ("1. Teamwork", "Why teams?"),
        ("1. Teamwork", "Name a time a team let you down."),
    ]


def test_a_question_with_nothing_under_it_is_named_with_its_line(tmp_path):
    source = tmp_path / "a.md"
    source.write_text("# T\n\n## Why us?\n\n## Why now?\n\n- Timing\n", encoding="utf-8")

    result = run("import", str(source))

    assert f"skipped: {source}:3: the question 'Why us?' has no text under it" in result.stderr


def test_a_numbered_line_that_is_only_a_question_prefix_is_kept_as_written(tmp_path):
    source = tmp_path / "a.txt"
    source.write_text("1. Q.\n\n- a tip\n", encoding="utf-8")
    out = tmp_path / "decks" / "a.yaml"

    result = run("import", str(source), "-o", str(out))

    assert result.exit_code == 0, result.output
    assert [q.question for q in load_deck(out).questions] == ["Q."]


def test_a_question_of_invisible_characters_is_a_located_message(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text("Question,Tips\n\x07\ufeff,A tip\n", encoding="utf-8")

    result = run("import", str(source))

    assert result.exit_code == 1
    assert f"{source}:2:1: the question is empty once its invisible characters" in result.stderr
