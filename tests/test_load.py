"""Loading deck files: every broken file gets its exact message, with line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from prepdeck.deckfile.load import MAX_TEXT_CHARS, load_deck, load_decks, parse_deck_text
from prepdeck.errors import DeckFileError

from conftest import SHIPPED

INVALID = Path(__file__).parent / "fixtures" / "invalid"

# Each broken file in tests/fixtures/invalid/ and the problems it must report, in order.
CATALOGUE = [
    (
        "alias-bomb.yaml",
        [
            "1:1: YAML aliases expand to more than 5,000,000 values; write the values out instead of nesting aliases"
        ],
    ),
    (
        "alias-self-reference.yaml",
        ["1:1: a YAML alias refers to the value that contains it; remove the alias"],
    ),
    (
        "comments-only.yaml",
        [
            "1:1: the file is empty; a deck file needs a `deck:` and a `questions:` key (prepdeck new FILE writes a starter)"
        ],
    ),
    (
        "control-character.yaml",
        ["9:17: control character U+0007 is not allowed in YAML; delete it"],
    ),
    (
        "custom-tag.yaml",
        [
            "6:12: the YAML tag '!secret' is not allowed; deck files hold only text, lists and mappings"
        ],
    ),
    ("deck-is-text.yaml", ["1:7: deck: expected a mapping (key: value lines), found text"]),
    (
        "deck-key-backup.yaml",
        [
            "2:8: deck.key: 'backup-2026' is refused: Anki would treat backup-2026.apkg as a whole collection and replace the learner's; choose another key"
        ],
    ),
    (
        "deck-key-collection.yaml",
        [
            "2:8: deck.key: 'collection' is refused: Anki would treat collection.apkg as a whole collection and replace the learner's; choose another key"
        ],
    ),
    (
        "deck-key-windows-device.yaml",
        [
            "2:8: deck.key: 'con' is refused: on Windows, con.apkg names a device, not a file, so the package could not be written there; choose another key"
        ],
    ),
    ("deck-key-missing.yaml", ["2:3: deck.key: is missing; add a line `key: …` here"]),
    (
        "deck-key-too-long.yaml",
        [
            "2:8: deck.key: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is not a valid deck key: use 1-64 lowercase letters, digits and hyphens, starting with a letter or digit; for example 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"
        ],
    ),
    (
        "deck-name-empty-part.yaml",
        ["3:9: deck.name: 'Jobs::::ILL' has an empty part around '::'; remove it"],
    ),
    ("deck-name-is-list.yaml", ["3:9: deck.name: expected text, found a list"]),
    (
        "duplicate-ids.yaml",
        [
            "10:5: questions[1].id: 'ill-systems' is already used on line 5; every question needs its own id"
        ],
    ),
    (
        "duplicate-key.yaml",
        ["7:5: questions[0]: key 'topic' appears twice (first on line 6); keep one"],
    ),
    (
        "empty.yaml",
        [
            "1:1: the file is empty; a deck file needs a `deck:` and a `questions:` key (prepdeck new FILE writes a starter)"
        ],
    ),
    ("example-is-list.yaml", ["11:7: questions[0].example: expected text, found a list"]),
    (
        "id-is-number.yaml",
        [
            "5:9: questions[0].id: '-5' is not a valid question id: use 1-64 lowercase letters, digits and hyphens, starting with a letter or digit; for example '5'"
        ],
    ),
    (
        "id-uppercase.yaml",
        [
            "5:9: questions[0].id: 'ILL Systems' is not a valid question id: use 1-64 lowercase letters, digits and hyphens, starting with a letter or digit; for example 'ill-systems'"
        ],
    ),
    (
        "many-problems.yaml",
        [
            "2:8: deck.key: 'Test Deck' is not a valid deck key: use 1-64 lowercase letters, digits and hyphens, starting with a letter or digit; for example 'test-deck'",
            "8:5: questions[0]: unknown key 'tipss'; did you mean 'tips'?",
            "10:5: questions[1].id: 'ill-systems' is already used on line 5; every question needs its own id",
            "11:11: questions[1].topic: is empty; write some text here",
        ],
    ),
    ("missing-deck.yaml", ["1:1: the top level is missing the `deck:` key"]),
    ("missing-id.yaml", ["5:5: questions[0].id: is missing; add a line `id: …` here"]),
    (
        "missing-question.yaml",
        ["5:5: questions[0].question: is missing; add a line `question: …` here"],
    ),
    ("missing-questions.yaml", ["1:1: the top level is missing the `questions:` key"]),
    ("missing-tips.yaml", ["5:5: questions[0].tips: is missing; add a line `tips: …` here"]),
    ("missing-topic.yaml", ["5:5: questions[0].topic: is missing; add a line `topic: …` here"]),
    ("not-utf8.yaml", ["9:24: byte 0xe8 is not UTF-8 text; save the file as UTF-8"]),
    (
        "notes-is-mapping.yaml",
        [
            "11:7: questions[0].notes: expected text, found a mapping; text with ': ' in it must be put in quotes"
        ],
    ),
    (
        "python-object-tag.yaml",
        [
            "6:12: the YAML tag '!!python/object/apply:os.system' is not allowed; deck files hold only text, lists and mappings"
        ],
    ),
    ("question-empty.yaml", ["7:15: questions[0].question: is empty; write some text here"]),
    ("question-is-list.yaml", ["7:15: questions[0].question: expected text, found a list"]),
    (
        "question-is-text.yaml",
        ["5:5: questions[0]: expected a mapping (key: value lines), found text"],
    ),
    ("questions-empty.yaml", ["4:12: questions: is empty; add at least one question"]),
    (
        "questions-is-mapping.yaml",
        [
            "5:3: questions: expected a list of questions, each starting with '- id:', found a mapping"
        ],
    ),
    ("retired-not-bool.yaml", ["10:14: questions[0].retired: expected true or false"]),
    (
        "timer-superscript-digits.yaml",
        ["4:10: deck.timer: '²⁰' is not a number of seconds from 5 to 3600, such as 90"],
    ),
    (
        "timer-circled-digits.yaml",
        ["4:10: deck.timer: '①⑤' is not a number of seconds from 5 to 3600, such as 90"],
    ),
    (
        "speak-bad-language.yaml",
        ["4:10: deck.speak: 'english' is not a language code such as en_US or de_DE"],
    ),
    ("subdecks-unknown.yaml", ["4:13: deck.subdecks: 'by-tag' is not one of: none, by-topic"]),
    (
        "syntax-bad-indent.yaml",
        [
            "6:4: YAML syntax error: did not find expected '-' indicator (while parsing a block collection that starts on line 5); check the indentation and quoting here and on the line above"
        ],
    ),
    (
        "syntax-unclosed-bracket.yaml",
        [
            "10:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence that starts on line 8); check the indentation and quoting here and on the line above"
        ],
    ),
    (
        "syntax-unclosed-quote.yaml",
        [
            "10:1: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar that starts on line 9); check the indentation and quoting here and on the line above"
        ],
    ),
    ("tab-indent.yaml", ["6:1: a tab is used for indentation; YAML needs spaces here"]),
    (
        "tag-reserved-prefix.yaml",
        [
            "10:12: questions[0].tags: 'topic::systems' starts with a prefix prepdeck adds itself (topic::, prepdeck::); choose another tag"
        ],
    ),
    (
        "tag-with-space.yaml",
        ["10:12: questions[0].tags: 'ILL systems' has a space; use '-' instead"],
    ),
    (
        "tags-is-text.yaml",
        ["10:11: questions[0].tags: expected a list (one '- item' per line), found text"],
    ),
    ("tip-empty.yaml", ["10:9: questions[0].tips[1]: is empty; write some text here"]),
    (
        "tip-is-mapping.yaml",
        [
            "10:9: questions[0].tips[1]: expected text, found a mapping; text with ': ' in it must be put in quotes"
        ],
    ),
    ("tips-empty-list.yaml", ["8:11: questions[0].tips: is empty; add at least one tip"]),
    (
        "tips-is-text.yaml",
        ["8:11: questions[0].tips: expected a list (one '- item' per line), found text"],
    ),
    (
        "top-level-list.yaml",
        [
            "1:1: the top level is a list; a deck file is a mapping with a `deck:` and a `questions:` key (see the README for an example)"
        ],
    ),
    (
        "top-level-scalar.yaml",
        [
            "1:1: the top level is text; a deck file is a mapping with a `deck:` and a `questions:` key (see the README for an example)"
        ],
    ),
    (
        "topic-is-mapping.yaml",
        [
            "6:12: questions[0].topic: expected text, found a mapping; text with ': ' in it must be put in quotes"
        ],
    ),
    (
        "two-documents.yaml",
        ["10:1: a deck file holds one YAML document; remove this '---' and what follows"],
    ),
    (
        "unknown-deck-key.yaml",
        ["4:3: deck: unknown key 'titel'; did you mean 'timer'?"],
    ),
    ("unknown-key-typo.yaml", ["8:5: questions[0]: unknown key 'tipss'; did you mean 'tips'?"]),
    (
        "unknown-top-level-key.yaml",
        ["10:1: top level: unknown key 'extra'; allowed keys: deck, questions"],
    ),
    # Hostile input (see the issue 'Nothing in a deck file runs, fetches or plays'):
    (
        "alias-amplifies-text.yaml",
        [
            "1:1: YAML aliases expand to more than 67,108,864 characters of text; write the values out instead of repeating them through aliases"
        ],
    ),
    (
        "alias-bomb-after-carriage-returns.yaml",
        [
            "1:1: YAML aliases expand to more than 5,000,000 values; write the values out instead of nesting aliases"
        ],
    ),
    (
        "c1-control-in-topic.yaml",
        [
            "6:12: questions[0].topic: contains the control character U+009B, which Anki cannot store and a terminal may run; delete it"
        ],
    ),
    (
        "control-after-cjk.yaml",
        ["7:32: control character U+0001 is not allowed in YAML; delete it"],
    ),
    (
        "control-in-question.yaml",
        [
            "7:15: questions[0].question: contains the control character U+001F, which Anki cannot store and a terminal may run; delete it"
        ],
    ),
    (
        "control-in-tag.yaml",
        [
            "10:18: questions[0].tags[1]: contains the control character U+0007, which Anki cannot store and a terminal may run; delete it"
        ],
    ),
    (
        "deck-name-invisible.yaml",
        [
            "3:9: deck.name: contains the invisible character U+00AD (soft hyphen), which makes it look like another name; delete it"
        ],
    ),
    (
        "line-separator-in-question.yaml",
        [
            "7:27: U+2028 (LINE SEPARATOR) is read by YAML as a line break, which would split this text; replace it with a space or a normal line break"
        ],
    ),
    (
        "next-line-in-tip.yaml",
        [
            "9:14: U+0085 (NEXT LINE) is read by YAML as a line break, which would split this text; replace it with a space or a normal line break"
        ],
    ),
    (
        "tag-after-carriage-return.yaml",
        [
            "9:1: the YAML tag '!!python/object/new:os.system' is not allowed; deck files hold only text, lists and mappings"
        ],
    ),
    (
        "tag-after-line-separator.yaml",
        [
            "8:14: U+2028 (LINE SEPARATOR) is read by YAML as a line break, which would split this text; replace it with a space or a normal line break"
        ],
    ),
    (
        "tag-bidi-override.yaml",
        [
            "10:12: questions[0].tags: contains the invisible character U+202E (right-to-left override), which makes it look like another name; delete it"
        ],
    ),
    (
        "tag-empty-parts.yaml",
        ["10:12: questions[0].tags: 'a::::b' has an empty part around '::'; remove it"],
    ),
    (
        "terminal-escape-in-tip.yaml",
        [
            "9:9: questions[0].tips[0]: contains the control character U+001B, which Anki cannot store and a terminal may run; delete it"
        ],
    ),
    (
        "topic-empty-part.yaml",
        ["6:12: questions[0].topic: 'Basics::' has an empty part around '::'; remove it"],
    ),
    (
        "topic-zero-width-space.yaml",
        [
            "6:12: questions[0].topic: contains the invisible character U+200B (zero width space), which makes it look like another name; delete it"
        ],
    ),
    (
        "utf16-no-bom.yaml",
        ["1:1: the file is UTF-16 or UTF-32 text; save it as UTF-8 and try again"],
    ),
    (
        "utf16-with-bom.yaml",
        ["1:1: the file is UTF-16 or UTF-32 text; save it as UTF-8 and try again"],
    ),
    (
        "image-remote.yaml",
        [
            "9:9: questions[0].tips[0]: 'https://tracker.example/p.gif' is not a file beside the deck: a picture from the web would not load offline on a phone, and could track who studies; save the file in the deck's folder and give its path, such as images/diagram.png",
        ],
    ),
    (
        "image-missing.yaml",
        [
            "4:16: deck.description: 'images/nowhere.png': no such file; check the path",
            "11:12: questions[0].notes: 'flow.png': no such file; check the path",
        ],
    ),
    (
        "image-outside.yaml",
        [
            "9:9: questions[0].tips[0]: '../../../pyproject.toml' leaves the deck's folder; media must be in the folder of the deck file or below it",
            "10:14: questions[0].example: '/etc/hostname' leaves the deck's folder; media must be in the folder of the deck file or below it",
        ],
    ),
    (
        "image-not-a-picture.yaml",
        [
            "9:9: questions[0].tips[0]: 'not-a-picture.png' is not a PNG, JPEG, GIF, WebP or SVG picture (judged by the file's content, not its name); convert it to one of these",
            "11:9: questions[0].audio[0]: 'empty.yaml' is not an MP3, M4A/AAC, Ogg/Opus or WAV recording (judged by the file's content, not its name); convert it to one of these",
            "12:9: questions[0].audio[1]: 'http://example.org/a.mp3' is not a file beside the deck: a recording from the web would not load offline on a phone, and could track who studies; save the file in the deck's folder and give its path, such as answers/my-answer.m4a",
        ],
    ),
]


def test_the_catalogue_covers_every_fixture_file():
    assert sorted(name for name, _ in CATALOGUE) == sorted(p.name for p in INVALID.glob("*.yaml"))


@pytest.mark.parametrize(("name", "expected"), CATALOGUE, ids=[n for n, _ in CATALOGUE])
def test_broken_file_reports_its_problems(name, expected):
    path = INVALID / name

    with pytest.raises(DeckFileError) as err:
        load_deck(path)

    assert [f"{p.line}:{p.column}: {p.message}" for p in err.value.problems] == expected
    assert all(p.path == str(path) for p in err.value.problems)
    assert str(err.value).splitlines()[0] == f"{path}:{expected[0]}"


def test_the_shipped_deck_loads():
    deck = load_deck(SHIPPED)

    assert deck.key == "resource-sharing-interview"
    assert len(deck.questions) == 10
    assert all(3 <= len(q.tips) <= 6 for q in deck.questions)
    assert all(q.topic and q.tags for q in deck.questions)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SHIPPED.read_bytes())

    assert load_deck(path).key == "resource-sharing-interview"


def test_plain_scalars_are_kept_as_written():
    deck = parse_deck_text(
        "deck: {key: d, name: D}\n"
        "questions:\n"
        "  - {id: q, topic: 2024, question: yes, tips: [1.50, no, ~tilde]}\n"
    )

    (q,) = deck.questions
    assert (q.topic, q.question, q.tips) == ("2024", "yes", ("1.50", "no", "~tilde"))


def test_over_long_text_is_refused_with_the_limit():
    long_tip = "x" * (MAX_TEXT_CHARS + 1)

    with pytest.raises(DeckFileError) as err:
        parse_deck_text(
            f"deck: {{key: d, name: D}}\nquestions:\n  - {{id: q, topic: t, question: q, "
            f"tips: [{long_tip}]}}\n"
        )

    (problem,) = err.value.problems
    assert problem.message == (
        f"questions[0].tips[0]: is {MAX_TEXT_CHARS + 1:,} characters long; "
        f"the limit is {MAX_TEXT_CHARS:,}"
    )


def test_the_same_deck_key_in_two_files_is_refused(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_bytes(SHIPPED.read_bytes())
    second.write_bytes(SHIPPED.read_bytes())

    with pytest.raises(DeckFileError) as err:
        load_decks([first, second])

    assert [str(p) for p in err.value.problems] == [
        f"{second}: deck key 'resource-sharing-interview' is already used by {first}; "
        "every deck needs its own key"
    ]


def test_an_answers_file_naming_an_unknown_id_is_an_error(tmp_path):
    deck = tmp_path / "resource-sharing-interview.yaml"
    deck.write_bytes(SHIPPED.read_bytes())
    mine = tmp_path / "resource-sharing-interview.mine.yaml"
    mine.write_text("answers:\n  ill-system:\n    notes: My ILLiad story.\n", encoding="utf-8")

    with pytest.raises(DeckFileError) as err:
        load_deck(deck)

    assert [str(p) for p in err.value.problems] == [
        f"{mine}:2:3: answers: 'ill-system' matches no question in the deck; "
        "did you mean 'ill-systems'?"
    ]
