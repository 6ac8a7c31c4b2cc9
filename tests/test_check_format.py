"""prepdeck check --format text|json|github: GitHub annotations put problems on PR lines."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from prepdeck.cli import cli
from prepdeck.commands.output import github_annotation

from conftest import edit

DECK = "decks/resource-sharing-interview.yaml"
ONE_TIP = [
    "      - Mention formal training you had on any of them.\n",
    "      - Show you understand the whole request workflow, from borrowing to lending.\n",
    "      - Put a number on your volume, e.g. requests handled per month.\n",
    '      - "Point to concrete tasks: importing and exporting records, setting up custom '
    'holdings, running reports."\n',
]


@pytest.fixture
def run(deck_file, monkeypatch):
    monkeypatch.chdir(deck_file.parent.parent)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def _unescape(text: str) -> str:
    """What the Actions runner reads back from an escaped value."""
    return (
        text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


def test_a_broken_deck_is_annotated_on_its_line_and_fails(run, deck_file):
    edit(deck_file, "    tips:\n", "    tipss:\n")

    result = run("check", "--format", "github")

    assert result.exit_code == 1
    assert result.stdout == (
        f"::error file={DECK},line=19,col=5::questions[0]: unknown key 'tipss'; "
        "did you mean 'tips'?\n"
    )
    assert result.stderr == "prepdeck: 1 problem found.\n"


def test_warnings_are_warnings_and_errors_with_strict(run, deck_file):
    for line in ONE_TIP:
        edit(deck_file, line, "")

    relaxed = run("check", "--format", "github")
    strict = run("check", "--format", "github", "--strict")

    message = "question 'ill-systems' has a single tip; 3 to 6 short points are easier to recall"
    assert relaxed.exit_code == 0
    assert relaxed.stdout.splitlines()[0] == f"::warning file={DECK},line=15::{message}"
    assert strict.exit_code == 1
    assert strict.stdout.splitlines()[0] == f"::error file={DECK},line=15::{message}"


def test_a_clean_deck_gives_no_annotation(run):
    result = run("check", "--format", "github", "--strict")

    assert result.exit_code == 0
    assert not [line for line in result.stdout.splitlines() if line.startswith("::")]


def test_percent_newline_comma_and_colon_are_escaped(run, deck_file):
    odd = deck_file.with_name("a,b:c.yaml")
    shutil.copyfile(deck_file, odd)
    deck_file.unlink()
    edit(odd, "    tips:\n", '    "ti%ps\\nx": 1\n    tips:\n')

    result = run("check", "--format", "github", "decks/a,b:c.yaml")

    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line == (
        "::error file=decks/a%2Cb%3Ac.yaml,line=19,col=5::questions[0]: unknown key "
        "'ti%25ps%0Ax'; did you mean 'tips'?"
    )


@given(st.text(), st.text(min_size=1))
def test_any_text_stays_one_command_that_reads_back_as_given(message, path):
    line = github_annotation("error", message, path, 3, 4)

    assert "\n" not in line and "\r" not in line
    head, _, data = line.partition("::error ")[2].partition("::")
    props = dict(p.split("=", 1) for p in head.split(","))
    assert list(props) == ["file", "line", "col"]
    shown = re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m.group()):02x}", path)
    assert _unescape(props["file"]) == shown
    assert _unescape(data) == re.sub(
        "[\x00-\x08\x0b-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m.group()):02x}", message
    )


def test_json_is_the_same_by_either_spelling(run, deck_file):
    edit(deck_file, "    tips:\n", "    tipss:\n")

    short = run("check", "--json")
    long = run("check", "--format", "json")

    assert (short.exit_code, long.exit_code) == (1, 1)
    assert short.stdout == long.stdout
    assert json.loads(long.stdout)["errors"][0]["line"] == 19
