"""The prepdeck command as a user runs it: exact output, exit codes, stdout vs stderr."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from prepdeck import __version__
from prepdeck.builds.state import state_path
from prepdeck.cli import cli
from prepdeck.deckfile.load import load_deck

from conftest import SHIPPED, edit


@pytest.fixture
def run(deck_file, monkeypatch):
    """Run prepdeck in the folder that holds decks/ (a copy of the shipped deck)."""
    monkeypatch.chdir(deck_file.parent.parent)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_version():
    result = CliRunner().invoke(cli, ["--version"])

    assert (result.exit_code, result.stdout) == (0, f"prepdeck, version {__version__}\n")


def test_python_dash_m_works(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "prepdeck", "--version"], capture_output=True, text=True, check=False
    )

    assert (proc.returncode, proc.stdout) == (0, f"prepdeck, version {__version__}\n")


def test_build_with_no_arguments_builds_every_deck_into_dist(run, deck_file):
    shutil.copyfile(SHIPPED, deck_file.with_name("second.yaml"))
    edit(deck_file.with_name("second.yaml"), "key: resource-sharing-interview", "key: second")

    result = run("build")

    size_a = (deck_file.parent.parent / "dist" / "resource-sharing-interview.apkg").stat().st_size
    size_b = (deck_file.parent.parent / "dist" / "second.apkg").stat().st_size
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and result.stderr == ""
    assert lines[0] == (
        f"resource-sharing-interview: 10 notes, 8 topics -> "
        f"dist/resource-sharing-interview.apkg ({size_a / 1024:.1f} KB)"
    )
    assert f"second: 10 notes, 8 topics -> dist/second.apkg ({size_b / 1024:.1f} KB)" in lines
    assert "  build state saved to decks/second.state.json; commit it with the deck." in lines


def test_rebuild_reports_no_changes(run):
    run("build")

    result = run("build")

    assert result.stdout.splitlines()[1:] == [
        "  no changes since the last build: if you imported it, a re-import changes nothing "
        "in Anki."
    ]


def test_dry_run_prints_the_report_and_writes_nothing(run, deck_file):
    run("build")
    edit(deck_file, "Listen first", "Hear them out")
    before = state_path(deck_file).read_bytes()

    result = run("build", "--dry-run")

    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [
        "  changed: 1 (unhappy-user)",
    ]
    assert "would write dist/resource-sharing-interview.apkg" in result.stdout
    assert state_path(deck_file).read_bytes() == before


def test_broken_deck_exits_1_with_every_problem_and_no_traceback(run, deck_file):
    edit(deck_file, "    tips:\n", "    tipss:\n")
    edit(deck_file, "id: unhappy-user", "id: Unhappy User")

    result = run("build")

    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "decks/resource-sharing-interview.yaml:19:5: questions[0]: unknown key 'tipss'; "
        "did you mean 'tips'?",
        "decks/resource-sharing-interview.yaml:30:9: questions[1].id: 'Unhappy User' is not a "
        "valid question id: use 1-64 lowercase letters, digits and hyphens, starting with a "
        "letter or digit; for example 'unhappy-user'",
        "prepdeck: 2 problems found; fix and run again (nothing was written).",
    ]
    assert not (deck_file.parent.parent / "dist").exists()


def test_share_with_a_broken_deck_says_nothing_was_written(run, deck_file):
    edit(deck_file, "    tips:\n", "    tipss:\n")

    result = run("share", "--host", "127.0.0.1")

    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "prepdeck: 1 problem found; fix and run again (nothing was written)."
    )
    assert not (deck_file.parent.parent / "dist").exists()


def test_output_to_collection_apkg_is_refused(run):
    result = run("build", "-o", "collection.apkg")

    assert result.exit_code == 1
    assert result.stderr.startswith("prepdeck: collection.apkg: refusing this name:")


def test_output_option_with_several_decks_is_a_usage_error(run, deck_file):
    shutil.copyfile(SHIPPED, deck_file.with_name("second.yaml"))
    edit(deck_file.with_name("second.yaml"), "key: resource-sharing-interview", "key: second")

    result = run("build", "-o", "x.apkg")

    assert result.exit_code == 2
    assert "Error: -o/--output names one file, but several decks are being built" in result.stderr


def test_filtered_build_writes_its_own_file(run, deck_file):
    result = run("build", "--topic", "Customer service", "--topic", "teamwork-and-collaboration")

    out = (
        "dist/resource-sharing-interview__topic-customer-service"
        "__topic-teamwork-and-collaboration.apkg"
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith(
        f"resource-sharing-interview: 4 notes, 2 topics -> {out} ("
    )
    assert not (deck_file.parent.parent / "dist" / "resource-sharing-interview.apkg").exists()


def test_options_combine_or_within_and_across_with_exclusions_last(run):
    result = run(
        "list",
        "--json",
        "--tag",
        "behavioral",
        "--tag",
        "closing",
        "--exclude-topic",
        "project-management",
    )

    ids = [row["id"] for row in json.loads(result.stdout)]
    assert ids == [
        "unhappy-user",
        "questions-for-us",
        "worked-with-colleagues",
        "disagreed-with-coworker",
    ]


def test_unknown_topic_exits_2_with_a_suggestion(run):
    result = run("build", "--topic", "custmer-service")

    assert result.exit_code == 2
    assert "Error: no deck has the topic 'custmer-service'. Did you mean 'Customer service'?" in (
        result.stderr
    )
    assert "known topics: Closing the interview, Customer service," in result.stderr


def test_included_and_excluded_at_once_is_a_usage_error(run):
    result = run("build", "--tag", "teamwork", "--exclude-tag", "Teamwork")

    assert result.exit_code == 2
    assert "Error: tag 'teamwork' is both included and excluded; drop one of them" in result.stderr


def test_selection_matching_nothing_exits_1_and_writes_nothing(run, deck_file):
    result = run("build", "--topic", "customer-service", "--tag", "closing")

    assert result.exit_code == 1
    assert result.stderr == (
        "prepdeck: no question matches the selection (topic customer-service, tag closing); "
        "nothing was written\n"
    )
    assert not (deck_file.parent.parent / "dist").exists()


def test_topics_lists_each_topic_with_its_count(run):
    result = run("topics")

    assert result.stdout.splitlines() == [
        "Interlibrary loan systems     1",
        "Customer service              1",
        "Policies and procedures       1",
        "Professional development      1",
        "Project management            1",
        "Outreach and marketing        1",
        "Teamwork and collaboration    3",
        "Closing the interview         1",
    ]


def test_topics_json(run):
    result = run("topics", "--json")

    assert json.loads(result.stdout)[1] == {
        "deck": "resource-sharing-interview",
        "topic": "Customer service",
        "slug": "customer-service",
        "questions": 1,
    }


def test_list_prints_a_table(run):
    result = run("list", "--topic", "customer-service")

    assert result.stdout.splitlines() == [
        "ID            TOPIC             QUESTION",
        "unhappy-user  Customer service  How would you handle an unhappy or frustrated library "
        "user?",
    ]


def test_check_passes_the_shipped_deck(run):
    result = run("check")

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "decks/resource-sharing-interview.yaml: 10 questions, 8 topics: ok\n"


def test_check_of_a_name_that_is_no_deck_still_shows_the_other_decks_problems(run, deck_file):
    """Issue 20.13: a file name ending in a line break (as a pre-commit hook can pass one)
    stopped `check` before the other decks were read, hiding their problems."""
    edit(deck_file, "  - id: ill-systems\n", "  - id: ILL\n")

    result = run("check", "decks/notes.yaml\n", "decks/resource-sharing-interview.yaml")

    assert result.exit_code == 1
    problems = result.stderr.splitlines()
    assert problems[0] == "decks/notes.yaml\\n: deck files end in .yaml or .yml; name a deck file"
    assert "questions[0].id: 'ILL' is not a valid question id" in problems[1]
    assert problems[2] == "prepdeck: 2 problems found; fix and run again."


def test_check_warns_and_strict_fails(run, deck_file):
    edit(deck_file, "      - Mention formal training you had on any of them.\n", "")
    edit(
        deck_file,
        "      - Show you understand the whole request workflow, from borrowing to lending.\n",
        "",
    )
    edit(deck_file, "      - Put a number on your volume, e.g. requests handled per month.\n", "")
    edit(
        deck_file,
        '      - "Point to concrete tasks: importing and exporting records, setting up custom '
        'holdings, running reports."\n',
        "",
    )

    relaxed = run("check")
    strict = run("check", "--strict")

    warning = (
        "decks/resource-sharing-interview.yaml:15: warning: question 'ill-systems' has a single "
        "tip; 3 to 6 short points are easier to recall"
    )
    assert (relaxed.exit_code, relaxed.stderr.splitlines()) == (0, [warning])
    assert (strict.exit_code, strict.stderr.splitlines()) == (1, [warning])
    assert relaxed.stdout == (
        "decks/resource-sharing-interview.yaml: 10 questions, 8 topics: ok, 1 warning\n"
    )
    assert strict.stdout == (
        "decks/resource-sharing-interview.yaml: 10 questions, 8 topics: 1 warning (--strict: "
        "fails)\n"
    )


def test_check_json_reports_errors_with_positions(run, deck_file):
    edit(deck_file, "    tips:\n", "    tipss:\n")

    result = run("check", "--json")

    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "ok": False,
        "errors": [
            {
                "path": "decks/resource-sharing-interview.yaml",
                "line": 19,
                "column": 5,
                "message": "questions[0]: unknown key 'tipss'; did you mean 'tips'?",
            }
        ],
        "warnings": [],
    }


def test_new_writes_a_starter_deck_that_builds(run, tmp_path):
    result = run("new", "decks/data-analyst.yaml")

    deck = load_deck(tmp_path / "decks" / "data-analyst.yaml")
    assert result.exit_code == 0
    assert deck.key.startswith("data-analyst-") and len(deck.key) == len("data-analyst-") + 4
    assert result.stdout == (
        f"wrote decks/data-analyst.yaml (deck key '{deck.key}'); edit it, then run: "
        "prepdeck build decks/data-analyst.yaml\n"
    )
    assert run("build", "decks/data-analyst.yaml").exit_code == 0


def test_new_quotes_a_path_with_spaces_in_its_hint(run):
    result = run("new", "decks/my deck.yaml")

    assert result.stdout.endswith("then run: prepdeck build 'decks/my deck.yaml'\n")
    assert run("build", "decks/my deck.yaml").exit_code == 0


@pytest.mark.parametrize("name", ["backup", "backup-2024", "collection"])
def test_new_never_writes_a_key_that_build_refuses(run, name):
    result = run("new", f"decks/{name}.yaml")

    assert result.exit_code == 0
    assert run("build", f"decks/{name}.yaml").exit_code == 0


def test_a_one_question_deck_reads_one_note_one_topic(run):
    run("new", "decks/solo.yaml")

    result = run("build", "decks/solo.yaml")

    assert result.stdout.splitlines()[0].startswith("solo-")
    assert ": 1 note, 1 topic -> dist/solo-" in result.stdout.splitlines()[0]


def test_list_and_topics_over_several_decks_name_the_deck(run, deck_file):
    second = deck_file.with_name("second.yaml")
    second.write_text(
        "deck:\n  key: second\n  name: Second\nquestions:\n"
        "  - id: only\n    topic: Customer service\n    question: One?\n    tips: [t]\n"
    )

    listed = run("list", "--topic", "customer-service")
    topics = run("topics")

    assert listed.stdout.splitlines() == [
        "DECK                        ID            TOPIC             QUESTION",
        "resource-sharing-interview  unhappy-user  Customer service  How would you handle an "
        "unhappy or frustrated library user?",
        "second                      only          Customer service  One?",
    ]
    row = "Customer service".ljust(len("Teamwork and collaboration")) + "    1"
    assert topics.stdout.splitlines()[1] == f"resource-sharing-interview  {row}"
    assert topics.stdout.splitlines()[-1] == f"second                      {row}"


def test_new_never_overwrites(run):
    result = run("new", "decks/resource-sharing-interview.yaml")

    assert result.exit_code == 1
    assert result.stderr == (
        "prepdeck: decks/resource-sharing-interview.yaml: already exists; choose a new file name\n"
    )


def test_shell_completion_offers_topics_from_the_decks(run, deck_file, monkeypatch):
    monkeypatch.setenv("_PREPDECK_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "prepdeck build --topic cu")
    monkeypatch.setenv("COMP_CWORD", "3")

    result = CliRunner().invoke(cli, [], prog_name="prepdeck")

    assert result.stdout == "plain,customer-service\n"


def test_no_decks_folder_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(cli, ["build"])

    assert result.exit_code == 1
    assert result.stderr == (
        "prepdeck: no deck files in decks/ (here or in a folder above); name one, or start one "
        "with: "
        "prepdeck new decks/my-deck.yaml\n"
    )


def test_check_warns_about_long_tips_and_repeated_questions(run, deck_file):
    edit(
        deck_file,
        "      - Mention formal training you had on any of them.\n",
        "      - " + "Mention formal training in great detail " * 6 + "\n",
    )
    edit(
        deck_file,
        "question: What questions do you have for us?",
        "question: What experience do you have with interlibrary loan systems?",
    )

    result = run("check", "--json")

    assert result.exit_code == 0
    assert [w["message"] for w in json.loads(result.stdout)["warnings"]] == [
        "question 'ill-systems': tip 2 is 239 characters; over 200 is hard to recall, split it "
        "or move detail to `example`",
        "question 'questions-for-us' asks the same as 'ill-systems'; merge them or reword one",
    ]


def test_large_builds_show_progress_on_a_terminal_only(deck_file, monkeypatch, capsys):
    from prepdeck.commands.common import progress as _progress
    from prepdeck.deckfile.model import Deck, Question

    big = Deck("big", "Big", "", tuple(Question(f"q{i}", "t", "q?", ("tip",)) for i in range(2500)))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert _progress(big) is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert _progress(load_deck(deck_file)) is None  # a small deck is instant

    _progress(big)("rendering")

    assert capsys.readouterr().err == "big: rendering 2,500 questions…\n"


def test_a_state_file_with_a_merge_conflict_is_a_clear_error(run, deck_file):
    run("build")
    state = state_path(deck_file)
    lines = state.read_text(encoding="utf-8").splitlines(keepends=True)
    state.write_text(
        "".join(
            [*lines[:5], "<<<<<<< HEAD\n", *lines[5:7], "=======\n", ">>>>>>> x\n", *lines[7:]]
        ),
        encoding="utf-8",
    )

    result = run("build")

    assert result.exit_code == 1
    assert result.stderr == (
        "prepdeck: decks/resource-sharing-interview.state.json:6:1: the build state is not "
        "valid JSON (a merge conflict?); repair it, or see 'If the state file is lost' in the "
        "README\n"
    )


def test_a_state_file_that_is_not_text_is_a_clear_error(run, deck_file):
    state_path(deck_file).write_bytes(b"\xff\xfe\x00garbage")

    result = run("build")

    assert result.exit_code == 1
    assert result.stderr.startswith(
        "prepdeck: decks/resource-sharing-interview.state.json: the build state is not UTF-8 "
        "text; see 'If the state file is lost' in the README"
    )
    assert "Traceback" not in result.output


def test_topics_and_list_align_wide_characters_by_terminal_columns(tmp_path, monkeypatch):
    from prepdeck.commands.output import width

    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "zh.yaml").write_text(
        "deck: {key: zh, name: 面试}\nquestions:\n"
        "  - {id: a, topic: 沟通, question: 你好吗, tips: [x]}\n"
        "  - {id: b, topic: Other topic, question: Why?, tips: [x]}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)

    topics = CliRunner().invoke(cli, ["topics"]).stdout.splitlines()
    listed = CliRunner().invoke(cli, ["list"]).stdout.splitlines()

    assert len({width(line) for line in topics}) == 1
    marks = ["QUESTION", "你", "Why"]
    starts = [width(line[: line.index(q)]) for line, q in zip(listed, marks, strict=True)]
    assert len(set(starts)) == 1


def test_check_warns_when_a_language_has_no_built_in_labels(run, deck_file):
    edit(
        deck_file,
        "  name: Resource Sharing Librarian Interview\n",
        "  name: Resource Sharing Librarian Interview\n  language: sw\n",
    )

    result = run("check")

    assert result.exit_code == 0
    assert (
        "decks/resource-sharing-interview.yaml:1: warning: deck.language 'sw' has no built-in "
        "card labels, so the cards show English ones; set them under deck.labels"
    ) in result.stderr
