"""The pre-commit hook this repository offers, run by the real pre-commit tool.

pre-commit builds the hook's environment as it would for a deck project: it clones this
repository, makes a virtualenv and pip-installs prepdeck into it from the package registry.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SHIPPED, edit, git

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None,
    reason="pre-commit is not installed (it is in the test extra: pip install -e '.[test]')",
)

DECK = "decks/resource-sharing-interview.yaml"


def snapshot(target: Path) -> Path:
    """This repository's files as they are now (edits included), committed once, so that
    both runs below share one hook environment (try-repo of a dirty tree makes a new commit,
    and so a new environment, every time)."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            (target / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / os.fsdecode(name))
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "snapshot")
    return target


def try_repo(hooks: Path, project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    constraints = ROOT / "constraints.txt"
    if " " in str(constraints):  # pip splits the variable at spaces
        env.pop("PIP_CONSTRAINT", None)
    else:  # the Makefile's relative path would not resolve in the hook's own folder
        env["PIP_CONSTRAINT"] = str(constraints)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "prepdeck-check"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_broken_deck_is_stopped_and_a_clean_one_passes(tmp_path):
    hooks = snapshot(tmp_path / "prepdeck")
    project = tmp_path / "my-decks"
    (project / "decks").mkdir(parents=True)
    git(project, "init", "-q")
    shutil.copyfile(SHIPPED, project / DECK)
    edit(project / DECK, "    tips:\n", "    tipss:\n")
    # A learner's own answers file is not a deck file: the hook does not check it as one
    # (it would fail: no deck key, no questions), only with its deck.
    (project / "decks" / "resource-sharing-interview.mine.yaml").write_text(
        "answers:\n  ill-systems:\n    notes: The story about the lost thesis.\n"
    )
    git(project, "add", "-A")

    broken = try_repo(hooks, project, tmp_path / "cache")
    edit(project / DECK, "    tipss:\n", "    tips:\n")
    git(project, "add", "-A")
    clean = try_repo(hooks, project, tmp_path / "cache")

    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert f"{DECK}:19:5: questions[0]: unknown key 'tipss'; did you mean 'tips'?" in broken.stdout
    assert "mine.yaml" not in broken.stdout + clean.stdout
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "prepdeck check" in clean.stdout and "Passed" in clean.stdout
