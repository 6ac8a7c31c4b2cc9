"""`prepdeck --help` and each command's --help start light: no library stage is imported.

Not timed (benchmarks/bench.py measures start-up against `import click`); this checks the cause
of a slow start instead. It reads `sys.modules` after the command ran, so it also sees what
was imported through importlib (the root group loads each command's module that way).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from prepdeck.cli import COMMANDS

RUN = """
import json, sys
from prepdeck.cli import cli
try:
    cli.main(sys.argv[2:], prog_name="prepdeck")
except SystemExit:
    pass
with open(sys.argv[1], "w") as f:
    json.dump(sorted(sys.modules), f)
"""
HEAVY = {"zstandard", "sqlite3", "compression", "genanki", "markdown_it", "yaml"}
STAGES = ("deckfile", "cards", "builds", "sources", "exchange", "deliver")


def imported_by(tmp_path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    subprocess.run([sys.executable, "-c", RUN, str(out), *args], capture_output=True, check=True)
    return set(json.loads(out.read_text()))


def heavy(loaded: set[str]) -> set[str]:
    stages = tuple(f"prepdeck.{s}" for s in STAGES)
    return {m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(stages)}


def test_help_lists_every_command_without_loading_the_library(tmp_path):
    loaded = imported_by(tmp_path, "--help")

    # The check sees what importlib loaded: --help reads every command's short help.
    assert {f"prepdeck.commands.{module}" for module, _ in COMMANDS.values()} <= loaded
    assert heavy(loaded) == set()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_commands_help_does_not_load_the_library(tmp_path, command):
    loaded = imported_by(tmp_path, command, "--help")

    assert f"prepdeck.commands.{COMMANDS[command][0]}" in loaded
    assert heavy(loaded) == set()


def test_topics_loads_the_deck_file_stage_and_nothing_after_it(tmp_path):
    """`prepdeck topics` reads YAML, but renders and packages nothing (and the check sees a
    stage when one is loaded)."""
    loaded = imported_by(tmp_path, "topics", "decks")

    assert {"prepdeck.deckfile.load", "yaml"} <= heavy(loaded)
    assert {m.split(".")[1] for m in heavy(loaded) if m.startswith("prepdeck.")} == {"deckfile"}
    assert not {"genanki", "markdown_it"} & loaded
