"""`prepdeck import` from articles: numbered questions, headings, paragraphs and lists.

The fixtures are articles written for these tests, with the shape of a typical
"N interview questions" web article: title, introduction, numbered questions each followed
by paragraphs, closing words, then page furniture (share links, an FAQ, a comment form).
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from prepdeck.cli import cli
from prepdeck.deckfile.load import load_deck

from conftest import tips_text

FIXTURES = Path(__file__).parent / "fixtures" / "import"
TOPIC = "Getting Ready for Your Archivist Interview"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_plain_text_article_numbered_questions_become_cards(tmp_path, anki):
    out = tmp_path / "decks" / "archivist.yaml"

    result = run("import", str(FIXTURES / "archivist-article.txt"), "-o", str(out))

    assert result.exit_code == 0, result.output
    deck = load_deck(out)
    assert deck.name == f"{TOPIC}: 4 Questions to Expect"
    assert [(q.topic, q.question) for q in deck.questions] == [
        (TOPIC, "How do you decide what a collection should keep?"),
        (TOPIC, "Which description standards have you worked with?"),
        (TOPIC, "Tell me about a time you helped a difficult researcher."),
        (TOPIC, "What would you digitise first, and why?"),
        ("Frequently asked", "Is it worth bringing a portfolio?"),
    ]
    first, _, story, *_ = deck.questions
    # Short paragraphs are tips as they stand; a long one is split into its sentences.
    assert first.tips[0].startswith("Panels want to hear that you apply a written appraisal")
    assert len(first.tips) == 2
    assert story.tips == (
        "Pick a story with a clear turning point.",
        "Show that you listened, set expectations about what the archive holds, and "
        "followed up by e-mail.",
        "Close with what the researcher published or found thanks to your help, because "
        "results persuade panels more than adjectives.",
        "Keep it under two minutes.",
    )
    assert [q.id for q in deck.questions][:2] == [
        "how-do-you-decide-what-a-collection-should",
        "which-description-standards-have-you-worked-with",
    ]
    # The article's closing words do not become tips of its last numbered question.
    assert deck.questions[3].tips == (
        "Talk about demand, fragility and rights. Give one example of a series you would scan "
        "before anything else.",
        "Mention metadata too: a scan nobody can find helps no one.",
    )
    # Introduction (3), closing words (2) and the comment form (1) are left out, and said:
    # where each run is, and why.
    source = FIXTURES / "archivist-article.txt"
    assert [line for line in result.stderr.splitlines() if "skipped:" in line] == [
        f"  skipped: {source}:3-7: 3 paragraphs or list items before the first question "
        "(an introduction)",
        f"  skipped: {source}:33-35: 2 paragraphs or list items after question 'What would you "
        "digitise first, and why?' (line 27), taken as the article's closing words: it is the "
        "last of its numbered questions and the others have at most 2 paragraphs or items",
        f"  skipped: {source}:51: 1 paragraph or list item under the heading 'Leave a comment' "
        "(line 49), which is not a question: to keep it, make that heading a question (end it "
        "with '?')",
    ]
    assert not any("Share this post" in q.question for q in deck.questions)

    apkg = tmp_path / "a.apkg"
    assert run("build", str(out), "-o", str(apkg)).exit_code == 0
    assert anki.import_apkg(apkg).new == 5
    assert tips_text(anki.note(story.id)["Tips"])[0] == "Pick a story with a clear turning point."


def test_markdown_article_headings_give_topics_and_lists_give_tips(tmp_path, anki):
    out = tmp_path / "decks" / "archivist.yaml"

    result = run("import", str(FIXTURES / "archivist-article.md"), "-o", str(out))

    assert result.exit_code == 0, result.output
    deck = load_deck(out)
    assert deck.name == "Getting Ready for Your Archivist Interview"
    assert [(q.topic, q.question, q.tips) for q in deck.questions] == [
        (
            "Collections",
            "How do you decide what a collection should keep?",
            (
                "Panels want to hear that you apply a written appraisal policy rather than "
                "personal taste.",
                "Name the policy you used in your last post.",
                "Describe a hard call, such as declining a donation **outside the scope**.",
            ),
        ),
        (
            "Collections",
            "Which description standards have you worked with?",
            ("Mention *DACS*, EAD or `ISAD(G)`.", "Say how many finding aids you wrote."),
        ),
        (
            "Researchers",
            "Tell me about a time you helped a difficult researcher",
            (
                "Pick a story with a clear turning point.",
                "Show that you listened and followed up:",
                "set expectations",
                "follow up by e-mail",
            ),
        ),
    ]
    apkg = tmp_path / "a.apkg"
    assert run("build", str(out), "-o", str(apkg)).exit_code == 0
    assert anki.import_apkg(apkg).new == 3
    tips = anki.note(deck.questions[0].id)["Tips"]
    assert "<strong>outside the scope</strong>" in tips  # the Markdown survived as Markdown


def test_topic_option_names_the_topic_of_questions_outside_any_section(tmp_path):
    result = run("import", str(FIXTURES / "archivist-article.txt"), "--topic", "Archives")

    topics = {line.strip() for line in result.stdout.splitlines() if "topic:" in line}
    assert topics == {"topic: Archives", "topic: Frequently asked"}


def test_a_numbered_list_inside_an_answer_stays_tips(tmp_path):
    source = tmp_path / "a.md"
    source.write_text(
        "1. How do you plan a migration?\n\n"
        "   Three steps:\n\n"
        "1. Inventory\n2. Pilot\n3. Cut over\n\n"
        "2. Why this library?\n\n   Its mission.\n",
        encoding="utf-8",
    )

    result = run("import", str(source))

    assert result.exit_code == 0, result.output
    deck_file = tmp_path / "d.yaml"
    deck_file.write_text(result.stdout, encoding="utf-8")
    deck = load_deck(deck_file)
    assert [(q.question, q.tips) for q in deck.questions] == [
        ("How do you plan a migration?", ("Three steps:", "Inventory", "Pilot", "Cut over")),
        ("Why this library?", ("Its mission.",)),
    ]


def test_an_article_without_questions_says_what_it_needs(tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text("Just a paragraph of prose, with no questions in it at all.\n")

    result = run("import", str(source))

    assert result.exit_code == 1
    assert "notes.txt: no questions found" in result.stderr
