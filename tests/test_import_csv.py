"""`prepdeck import` from CSV and TSV files, as spreadsheets export them."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from prepdeck.cli import cli
from prepdeck.deckfile.load import load_deck

from conftest import tips_text

ROWS = [
    ["Category", "Front", "Back", "Tags", "My notes"],
    [
        "Systems",
        "Which ILL systems have you used?",
        "- ILLiad, daily\n- WorldShare ILL; lending",
        "systems technical",
        "The *batch-load* story",
    ],
    ["Customer service", 'A patron says "it\'s lost". What now?', "Listen first\nOwn it", "", ""],
    ["Systems", "Which ILL systems have you used?", "Same wording, new row", "", ""],
]
EXPECTED = [
    (
        "which-ill-systems-have-you-used",
        "Systems",
        "Which ILL systems have you used?",
        ("ILLiad, daily", "WorldShare ILL; lending"),
        ("systems", "technical"),
        "The *batch-load* story",
    ),
    (
        "a-patron-says-it-s-lost-what-now",
        "Customer service",
        'A patron says "it\'s lost". What now?',
        ("Listen first", "Own it"),
        (),
        "",
    ),
    (
        "which-ill-systems-have-you-used-2",
        "Systems",
        "Which ILL systems have you used?",
        ("Same wording, new row",),
        (),
        "",
    ),
]


def _csv(rows, sep: str) -> str:
    def cell(value: str) -> str:
        if any(ch in value for ch in (sep, '"', "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(sep.join(cell(v) for v in row) + "\r\n" for row in rows)


DIALECTS = {
    # name: (file name, bytes as the program writes them)
    "comma": ("questions.csv", lambda: _csv(ROWS, ",").encode("utf-8")),
    # Excel in a locale with a decimal comma: semicolons, UTF-8 with a byte-order mark, CRLF
    "excel-semicolon-bom": ("questions.csv", lambda: b"\xef\xbb\xbf" + _csv(ROWS, ";").encode()),
    "tsv": ("questions.tsv", lambda: _csv(ROWS, "\t").encode("utf-8")),
    # Excel's "Unicode text": UTF-16 with a BOM, tab-separated
    "excel-utf16-tab": ("questions.tsv", lambda: _csv(ROWS, "\t").encode("utf-16")),
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def shape(deck):
    return [(q.id, q.topic, q.question, q.tips, q.tags, q.notes) for q in deck.questions]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_dialect_gives_the_same_deck_which_builds_and_imports_into_anki(
    dialect, tmp_path, anki
):
    name, make = DIALECTS[dialect]
    source = tmp_path / name
    source.write_bytes(make())
    out = tmp_path / "decks" / "ill.yaml"

    result = run("import", str(source), "-o", str(out))

    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {out}; check it, then run: prepdeck build {out}\n"
    assert "3 questions in 2 topics" in result.stderr
    deck = load_deck(out)
    assert shape(deck) == EXPECTED
    assert (deck.key[:4], deck.name) == ("ill-", "Ill")  # from the file named, as `new` does
    assert out.read_text(encoding="utf-8").startswith("# Imported by prepdeck from")

    apkg = tmp_path / "ill.apkg"
    assert run("build", str(out), "-o", str(apkg)).exit_code == 0
    log = anki.import_apkg(apkg)
    assert (log.new, log.updated) == (3, 0)
    notes = anki.notes()
    assert sorted(notes) == sorted(e[0] for e in EXPECTED)
    assert tips_text(notes["a-patron-says-it-s-lost-what-now"]["Tips"]) == [
        "Listen first",
        "Own it",
    ]


def test_without_output_the_deck_goes_to_stdout_and_loads(tmp_path):
    source = tmp_path / "q.csv"
    source.write_text(_csv(ROWS, ","), encoding="utf-8")

    result = run("import", str(source))

    assert result.exit_code == 0
    deck_file = tmp_path / "printed.yaml"
    deck_file.write_text(result.stdout, encoding="utf-8")
    assert shape(load_deck(deck_file)) == EXPECTED


def test_column_mapping_and_tip_separator(tmp_path):
    source = tmp_path / "sheet.csv"
    rows = [
        ["Interview question", "Points to make", "Section", "Ignore me"],
        ["Why this library?", "Mission | Collections | Team", "Motivation", "x"],
    ]
    source.write_text(_csv(rows, ","), encoding="utf-8")

    result = run(
        "import",
        str(source),
        "--column",
        "interview question=question",
        "--column",
        "Points to make=tips",
        "--column",
        "Ignore me=-",
        "--tip-separator",
        "|",
    )

    assert result.exit_code == 0, result.output
    assert "  - Mission\n      - Collections\n      - Team\n" in result.stdout
    assert "topic: Motivation" in result.stdout
    assert "left out" not in result.stderr


def test_an_unknown_column_is_reported_not_lost_silently(tmp_path):
    source = tmp_path / "sheet.csv"
    source.write_text("Question,Tips,Source\nWhy?,Because,Book\n", encoding="utf-8")

    result = run("import", str(source))

    assert result.exit_code == 0
    assert "column 3 'Source' left out; to keep it, map it with --column 'Source=KEY'" in (
        result.stderr
    )


def test_topic_option_fills_rows_without_a_topic(tmp_path):
    source = tmp_path / "q.csv"
    source.write_text("Question,Tips,Topic\nA?,x,Given\nB?,y,\n", encoding="utf-8")

    result = run("import", str(source), "--topic", "Behavioural")

    assert [line for line in result.stdout.splitlines() if "topic:" in line] == [
        "    topic: Given",
        "    topic: Behavioural",
    ]


BAD = [
    ('Question,Tips\n"open quote,x\nb,c\n', "q.csv:2:1: unexpected end of data; check the quotes"),
    ('Question;Tips\n"Bad "quote" here;x\n', "q.csv:2:1: ';' expected after '\"'"),
    ("Question,Tips\na,b,c\n", "q.csv:2:1: has 3 cells but the header row has 2"),
    ("Question,Tips\n,b\n", "q.csv:2:1: the question cell is empty; fill it or delete the row"),
    ("Question,Tips\nWhy?,\n", "q.csv:2:1: 'Why?' has no tips; add at least one"),
    (
        "Frage,Antwort\na,b\n",
        "q.csv:1:1: no column holds the question; name one 'Question or Front' in the header row,"
        " or map yours with --column 'HEADER=question' (the header row has: 'Frage', 'Antwort')",
    ),
    ("Front,Question\na,b\n", "q.csv:1:1: columns 'Front' and 'Question' both hold the question"),
    ("", "q.csv: is empty; write a header row and one question per row"),
    (
        b"\xef\xbb\xbfQuestion,Tips\n\xff,x\n",
        "q.csv:2:1: is not valid UTF-8; save it again as UTF-8",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD, ids=[m[1][:40] for m in BAD])
def test_malformed_csv_gets_a_located_message_and_exit_1(tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "q.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())

    result = run("import", "q.csv", "-o", "decks/q.yaml")

    assert result.exit_code == 1
    assert result.stderr.startswith(message) or result.stderr.startswith(f"prepdeck: {message}")
    assert "Traceback" not in result.output
    assert not (tmp_path / "decks").exists()


def test_never_overwrites_an_existing_file(tmp_path):
    source = tmp_path / "q.csv"
    source.write_text("Question,Tips\nWhy?,Because\n", encoding="utf-8")
    out = tmp_path / "mine.yaml"
    out.write_text("precious", encoding="utf-8")

    result = run("import", str(source), "-o", str(out))

    assert result.exit_code == 1
    assert "already exists; prepdeck import never overwrites a file" in result.stderr
    assert out.read_text(encoding="utf-8") == "precious"


def test_dry_run_writes_nothing_and_prints_deck_and_summary(tmp_path):
    source = tmp_path / "q.csv"
    source.write_text("Question,Tips\nWhy?,Because\n", encoding="utf-8")
    out = tmp_path / "decks" / "q.yaml"

    result = run("import", str(source), "-o", str(out), "--dry-run")

    assert result.exit_code == 0
    assert not out.exists()
    assert "question: Why?" in result.stdout
    assert "1 question in 1 topic" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--column", "nokey"], "--column 'nokey': write NAME=KEY"),
        (["--column", "A=answer"], "--column 'A=answer': 'answer' is not one of: question, tips"),
    ],
)
def test_bad_mapping_option_is_a_usage_error(tmp_path, args, message):
    source = tmp_path / "q.csv"
    source.write_text("Question,Tips\nWhy?,Because\n", encoding="utf-8")

    result = run("import", str(source), *args)

    assert result.exit_code == 2
    assert message in result.stderr


def test_unknown_format_is_refused_with_the_formats_it_knows(tmp_path):
    source = tmp_path / "q.qz"
    source.write_bytes(b"PK")

    result = run("import", str(source))

    assert result.exit_code == 1
    assert "cannot tell its format from the name; prepdeck imports .csv, .tsv" in result.stderr
    assert "save it as one of them from the program that made it" in result.stderr
    assert "rename it" not in result.stderr


def test_control_characters_never_reach_the_deck_or_anki(tmp_path, anki):
    source = tmp_path / "q.csv"
    # \x1f separates fields inside Anki's database; NUL and the others are invisible
    source.write_bytes(
        b'Question,Tips,Topic\r\n"Why\x07 us?","Tip\x1f one\r\nTip\x00 two",Basics\x0b\r\n'
    )
    out = tmp_path / "q.yaml"

    assert run("import", str(source), "-o", str(out)).exit_code == 0

    q = load_deck(out).questions[0]
    assert (q.question, q.tips, q.topic) == ("Why us?", ("Tip one", "Tip two"), "Basics")
    apkg = tmp_path / "q.apkg"
    assert run("build", str(out), "-o", str(apkg)).exit_code == 0
    assert anki.import_apkg(apkg).new == 1


def test_the_separator_is_the_one_the_header_row_uses_outside_quotes(tmp_path):
    source = tmp_path / "q.csv"
    source.write_text('"Question, in full";Tips\n"Why, really?";"a, b"\n', encoding="utf-8")

    result = run("import", str(source), "--column", "Question, in full=question")

    assert result.exit_code == 0, result.output
    assert "semicolon-separated" in result.stderr
    assert "question: Why, really?" in result.stdout
    assert "- a, b" in result.stdout


def test_a_file_that_is_not_utf8_is_read_as_windows_1252_and_says_so(tmp_path):
    source = tmp_path / "q.csv"
    source.write_bytes(
        "Question;Tips\nQu'est-ce qu'un prêt entre bibliothèques ?;Un échange\n".encode("cp1252")
    )

    result = run("import", str(source))

    assert result.exit_code == 0
    assert "as Windows-1252, semicolon-separated" in result.stderr
    assert "question: Qu'est-ce qu'un prêt entre bibliothèques ?" in result.stdout


def test_pictures_in_a_spreadsheet_become_links_and_the_deck_builds(tmp_path):
    source = tmp_path / "q.csv"
    source.write_text(
        'Question,Answer\nQ?,"![x](https://e.example/x.png)\nsee ![local](a.png)"\n',
        encoding="utf-8",
    )
    out = tmp_path / "decks" / "q.yaml"

    result = run("import", str(source), "-o", str(out))
    check = run("check", str(out))

    assert result.exit_code == 0, result.output
    assert "2 pictures in the text became links" in result.stderr
    assert check.exit_code == 0, check.output
    assert load_deck(out).questions[0].tips == (
        "\\![x](https://e.example/x.png)",
        "see \\![local](a.png)",
    )


def test_what_import_removes_from_the_text_is_said(tmp_path):
    source = tmp_path / "q.csv"
    source.write_bytes(b'Question,Answer,Tags\nQ\x1b?,"a\x07 tip",prepdeck::x topic::y ok\n')

    result = run("import", str(source))

    assert result.exit_code == 0, result.output
    assert "removed 2 control characters" in result.stderr
    assert "left out the tag 'prepdeck::x'" in result.stderr
    assert "left out the tag 'topic::y'" in result.stderr
    assert "tags: [ok]" in result.stdout


def test_names_with_invisible_characters_or_empty_parts_are_cleaned_and_said(tmp_path):
    """A tester's find: a trailing '::' or a zero-width space pasted from the web in a topic
    or tag made the whole import fail as "a prepdeck bug". Names are cleaned as the deck
    format needs them, and the summary says so."""
    source = tmp_path / "q.csv"
    source.write_text(
        "question,tips,topic,tags\n"
        "Why us?,Growth,Topic::Sub::,x\u200by\n"
        "Why now?,Timing,\u202eevil,a::::b\n",
        encoding="utf-8",
    )
    out = tmp_path / "decks" / "q.yaml"

    result = CliRunner().invoke(cli, ["import", str(source), "-o", str(out)])

    assert result.exit_code == 0, result.output
    deck = load_deck(out)
    assert [(q.topic, q.tags) for q in deck.questions] == [
        ("Topic::Sub", ("xy",)),
        ("evil", ("a::b",)),
    ]
    assert "4 names (deck, topic or tag) lost invisible characters" in result.stderr
    assert "a prepdeck bug" not in result.stderr
