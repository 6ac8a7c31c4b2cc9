"""What the README and the docs (docs/*.md) promise matches what the tool does."""

from __future__ import annotations

import importlib.util
import re

import pytest

from prepdeck.builds.pipeline import build_deck
from prepdeck.builds.state import read_state, state_path
from prepdeck.deckfile.load import parse_deck_text

from conftest import ROOT, SHIPPED

DOCS = ROOT / "docs"


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _docs_help():
    spec = importlib.util.spec_from_file_location("docs_help", ROOT / "scripts" / "docs_help.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_command_reference_matches_help():
    module = _docs_help()
    text = module.PAGE.read_text(encoding="utf-8")

    assert module.updated(text) == text, "run: python scripts/docs_help.py"
    assert len(module.BLOCK.findall(text)) == 12


def test_docs_format_example_is_a_valid_deck():
    page = _page("deck-format.md")
    example = re.search(r"# The deck format.*?```yaml\n(.*?)```", page, re.S).group(1)

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


def test_docs_error_example_is_what_prepdeck_prints(deck_file, monkeypatch):
    from click.testing import CliRunner

    from prepdeck.cli import cli

    from conftest import edit

    page = _page("limits-and-safety.md")
    shown = re.search(r"## When something goes wrong.*?```text\n(.*?)```", page, re.S).group(1)
    monkeypatch.chdir(deck_file.parent.parent)
    edit(deck_file, "    tips:\n", "    tipss:\n")

    result = CliRunner().invoke(cli, ["build"])

    assert result.stderr == shown


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("README.md", "## The interview date"),
        ("docs/before-the-interview.md", "# Before the interview"),
    ],
)
def test_plan_example_is_what_prepdeck_prints(name, heading):
    import datetime as dt

    from prepdeck.cards.plan import make_plan, plan_lines

    text = (ROOT / name).read_text(encoding="utf-8")
    shown = re.search(rf"{heading}.*?```text\n(.*?)```", text, re.S).group(1)
    day = dt.date(2026, 11, 30)

    lines = plan_lines(make_plan(22, day, dt.date(2026, 12, 15)), day, filtered=False)

    assert shown.splitlines() == lines[:2]


def test_anki_versions_page_shows_the_plan_line_that_names_the_two_numbers():
    import datetime as dt

    from prepdeck.cards.plan import make_plan, plan_lines

    shown = re.search(r"```text\n(.*?)```", _page("anki-versions.md"), re.S).group(1)
    day = dt.date(2026, 11, 30)

    lines = plan_lines(make_plan(22, day, dt.date(2026, 12, 15)), day, filtered=False)

    assert shown.splitlines() == [lines[1]]


def test_readme_is_short_and_starts_with_a_quick_start():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert len(readme.splitlines()) <= 250
    assert "\n## Quick start\n" in readme


def test_readme_links_lead_to_files_and_headings_that_exist():
    """mkdocs checks the links inside docs/; the README is outside it, so it is checked here."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#([^)\s]+))?\)|src=\"([^\"]+)\"", readme)
    assert targets

    for link, anchor, image in targets:
        path = ROOT / (link or image)
        assert path.exists(), link or image
        if anchor:
            headings = re.findall(r"^#+ (.*)$", path.read_text(encoding="utf-8"), re.M)
            slugs = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}
            assert anchor in slugs, f"{link}#{anchor}"


def test_every_docs_page_is_in_the_site_nav():
    """mkdocs --strict fails on a page left out of the nav (validation in mkdocs.yml); this
    says which, without building the site."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")

    missing = [p.name for p in sorted(DOCS.glob("*.md")) if f": {p.name}" not in nav]

    assert missing == []
    assert "omitted_files: warn" in nav and "strict: true" in nav
