"""What a newcomer reads in their first minutes tells the truth: messages and docs snippets."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from prepdeck.cli import cli

from conftest import ROOT, SHIPPED, edit, git

BIN = Path(sys.executable).parent


@pytest.fixture
def run(deck_file, monkeypatch):
    """Run prepdeck in the folder that holds decks/ (a copy of the shipped deck)."""
    monkeypatch.chdir(deck_file.parent.parent)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_preview_of_one_card_says_1_card(run, deck_file):
    result = run("preview", "--id", "unhappy-user")

    assert result.stdout == "preview of 1 card -> dist/preview.html\n"
    page = (deck_file.parent.parent / "dist" / "preview.html").read_text(encoding="utf-8")
    assert "<p>1 card. Rendered" in page


def test_preview_open_without_a_browser_says_where_the_page_is(deck_file):
    project = deck_file.parent.parent
    # No display, no terminal, no $BROWSER: Python's webbrowser finds nothing to start.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "TERM", "BROWSER")
    }

    result = subprocess.run(
        [sys.executable, "-m", "prepdeck", "preview", "--open"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )

    page = (project / "dist" / "preview.html").resolve()
    assert result.returncode == 0
    assert result.stderr == (
        f"prepdeck: no web browser found to open it; open this file in one: {page}\n"
    )
    assert page.is_file()


def test_check_of_a_broken_deck_does_not_say_nothing_was_written(run, deck_file):
    edit(deck_file, "    tips:\n", "    tipss:\n")

    result = run("check")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "prepdeck: 1 problem found; fix and run again."


def test_a_build_of_a_broken_deck_still_says_nothing_was_written(run, deck_file):
    edit(deck_file, "    tips:\n", "    tipss:\n")

    result = run("build")

    assert result.stderr.splitlines()[-1] == (
        "prepdeck: 1 problem found; fix and run again (nothing was written)."
    )


def test_a_filtered_dry_run_does_not_say_the_state_advances(run, deck_file):
    run("build")

    result = run("build", "--dry-run", "--topic", "Customer service")

    assert "  selection: topic customer-service (only these questions' build state would " in (
        result.stdout
    )
    assert "advances" not in result.stdout


def test_a_first_dry_run_does_not_say_a_state_was_saved(run):
    result = run("build", "--dry-run")

    assert "saved beside the deck" not in result.stdout
    assert "A build (without --dry-run) saves a build state beside the deck" in result.stdout


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("team", "Teamwork and collaboration"),
        ("customer", "Customer service"),
        ("cust serv", "Customer service"),
        ("PROF dev", "Professional development"),
        ("teemwork", "Teamwork and collaboration"),
    ],
)
def test_a_topic_given_by_its_first_letters_is_suggested(run, typed, suggested):
    result = run("list", "--topic", typed)

    assert result.exit_code == 2
    assert f"no deck has the topic '{typed}'. Did you mean '{suggested}'?" in result.stderr


def test_a_tag_given_by_its_first_letters_is_suggested(run):
    result = run("list", "--tag", "profession")

    assert "Did you mean 'professional-development'?" in result.stderr


# The snippets for a deck repository of one's own (docs/shared-decks.md), run as written.

SHARED = (ROOT / "docs" / "shared-decks.md").read_text(encoding="utf-8")


def _deck_repository(tmp_path: Path) -> Path:
    repo = tmp_path / "my decks"
    (repo / "decks").mkdir(parents=True)
    for path in SHIPPED.parent.glob(SHIPPED.stem + ".*"):
        shutil.copyfile(path, repo / "decks" / path.name)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "decks")
    return repo


def _with_prepdeck_on_path() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def test_diff_example_works_after_the_tag_the_docs_make(tmp_path):
    block = re.search(r"```sh\n(prepdeck diff .*?)```", SHARED, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines()]
    repo = _deck_repository(tmp_path)
    env = _with_prepdeck_on_path()

    for command in commands:
        result = subprocess.run(
            ["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, (command, result.stderr)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_snippet_runs_as_written(tmp_path):
    pytest.importorskip("pre_commit")
    section = SHARED.split("## Stop broken decks")[1]
    config = re.search(r"```yaml\n(repos:.*?)```", section, re.S).group(1)
    repo = _deck_repository(tmp_path)
    (repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    env = {**_with_prepdeck_on_path(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit")}

    def hook():
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
        )

    passed = hook()
    edit(repo / "decks" / SHIPPED.name, "    tips:\n", "    tipss:\n")
    blocked = hook()

    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert blocked.returncode == 1
    assert "unknown key 'tipss'; did you mean 'tips'?" in blocked.stdout


def test_ci_snippet_runs_as_written(tmp_path):
    workflow = re.search(r"```yaml\n(name: decks.*?)```", SHARED, re.S).group(1)
    steps = re.findall(r"^      - run: (.*)$", workflow, re.M)
    install, *commands = steps
    repo = _deck_repository(tmp_path)
    env = _with_prepdeck_on_path()

    # The install names prepdeck's repository; the docs say what to put for its placeholders,
    # and it needs no file that a deck repository does not have.
    assert "constraints.txt" not in install
    for placeholder in re.findall(r"\b[A-Z]{4,}\b", install):
        assert f"`{placeholder}" in SHARED.split("name: decks")[0], placeholder
    for command in commands:
        result = subprocess.run(
            ["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, (command, result.stdout, result.stderr)


def test_make_screenshots_writes_no_tracked_file():
    make = shutil.which("make")
    if make is None:
        pytest.skip("needs make")

    plan = subprocess.run(
        [make, "-n", "screenshots"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert "pytest" in plan
    assert "docs/" not in plan.replace("make readme-images puts three in docs/", "")
