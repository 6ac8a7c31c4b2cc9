"""What the README promises matches what the tool does."""

from __future__ import annotations

import importlib.util
import re

from prepdeck.build import build_deck
from prepdeck.load import parse_deck_text
from prepdeck.state import read_state, state_path

from conftest import ROOT, SHIPPED


def _readme_help():
    spec = importlib.util.spec_from_file_location(
        "readme_help", ROOT / "scripts" / "readme_help.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_command_reference_matches_help():
    module = _readme_help()
    text = module.README.read_text(encoding="utf-8")

    assert module.updated(text) == text, "run: python scripts/readme_help.py"
    assert len(module.BLOCK.findall(text)) == 10


def test_readme_format_example_is_a_valid_deck():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"## The deck format.*?```yaml\n(.*?)```", readme, re.S).group(1)

    deck = parse_deck_text(example)

    assert (deck.key, deck.subdecks, deck.speak) == (
        "my-ill-interview",  # its own key: saved beside the shipped deck, it still builds
        "by-topic",
        "en_US",
    )


def test_shipped_deck_state_is_committed_and_current(tmp_path):
    """A fresh clone builds the shipped deck with the committed times, changing nothing."""
    assert read_state(state_path(SHIPPED)) is not None, "run make deck and commit the state"

    result = build_deck(SHIPPED, out_dir=tmp_path, dry_run=True)

    assert result.report.lines() == [
        "no changes since the last build: if you imported it, a re-import changes nothing in Anki."
    ]


def test_readme_error_example_is_what_prepdeck_prints(deck_file, monkeypatch):
    from click.testing import CliRunner

    from prepdeck.cli import cli

    from conftest import edit

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"## When something goes wrong.*?```text\n(.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(deck_file.parent.parent)
    edit(deck_file, "    tips:\n", "    tipss:\n")

    result = CliRunner().invoke(cli, ["build"])

    assert result.stderr == shown


def test_readme_plan_example_is_what_prepdeck_prints():
    import datetime as dt

    from prepdeck.plan import make_plan, plan_lines

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"## Before the interview.*?```text\n(.*?)```", readme, re.S).group(1)
    day = dt.date(2026, 11, 30)

    lines = plan_lines(make_plan(22, day, dt.date(2026, 12, 15)), day, filtered=False)

    assert shown.splitlines() == lines[:2]
