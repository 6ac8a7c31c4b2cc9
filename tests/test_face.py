"""The package's face: `import prepdeck` names the calls a Python program makes, and stays light."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys

import pytest

import prepdeck

from conftest import ROOT


@pytest.mark.parametrize("name", prepdeck._FACE)
def test_every_name_of_the_face_is_the_stages_own_and_documented(name):
    value = getattr(prepdeck, name)

    assert value is getattr(importlib.import_module(prepdeck._FACE[name]), name)
    assert inspect.getdoc(value), f"prepdeck.{name} has no docstring"
    assert sorted(prepdeck.__all__) == sorted(["__version__", *prepdeck._FACE])
    assert name in dir(prepdeck)
    # The module docstring lists each call a user may make.
    if inspect.isfunction(value):
        assert f"    {name}(" in prepdeck.__doc__


def test_an_unknown_name_is_an_attribute_error_and_submodules_still_import():
    with pytest.raises(AttributeError) as raised:
        prepdeck.build_everything  # noqa: B018 (the access is the test)
    from prepdeck import cli

    assert "build_everything" in str(raised.value)
    assert cli.cli.name == "cli"


def test_import_prepdeck_loads_no_stage():
    code = (
        "import sys, prepdeck; prepdeck.__version__; "
        "print(sorted(m for m in sys.modules if m.startswith('prepdeck') or m in "
        "('yaml', 'genanki', 'markdown_it', 'sqlite3')))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert run.stdout.strip() == "['prepdeck']"


def test_a_python_program_builds_a_topic_and_anki_imports_it(deck_file, tmp_path, anki):
    deck = prepdeck.load_deck(deck_file)
    topic = deck.questions[0].topic
    wanted = [q.id for q in deck.questions if q.topic == topic]

    assert prepdeck.lint_deck(deck) == []
    result = prepdeck.build_deck(
        deck_file, deck=deck, selection=prepdeck.Selection(topics=(topic,)), out_dir=tmp_path
    )
    log = anki.import_apkg(result.output)

    assert isinstance(result, prepdeck.BuildResult)
    assert result.notes == len(wanted) == log.new
    assert sorted(anki.notes()) == sorted(wanted)


def test_bad_yaml_through_the_face_is_one_located_deck_file_error():
    with pytest.raises(prepdeck.DeckFileError) as raised:
        prepdeck.parse_deck_text("deck:\n  key: x\n  nam: y\n", "decks/x.yaml")

    assert isinstance(raised.value, prepdeck.PrepdeckError)
    assert all(str(p).startswith("decks/x.yaml:") for p in raised.value.problems)


def test_the_python_example_in_the_docs_runs_as_written(deck_file, tmp_path, anki):
    page = (ROOT / "docs" / "how-prepdeck-is-built.md").read_text(encoding="utf-8")
    code = page.split("```python\n", 1)[1].split("```", 1)[0]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

    run = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )

    assert run.returncode == 0, run.stderr
    output, notes, word = run.stdout.split()
    assert (notes, word) == ("3", "notes")
    assert anki.import_apkg(tmp_path / output).new == 3


def test_the_page_on_how_prepdeck_is_built_names_every_module_of_every_stage():
    page = (ROOT / "docs" / "how-prepdeck-is-built.md").read_text(encoding="utf-8")
    package = ROOT / "src" / "prepdeck"
    stages = ("deckfile", "cards", "builds", "sources", "exchange", "deliver")
    modules = [p for p in package.glob("*.py") if not p.name.startswith("__")]
    modules += [p for s in stages for p in (package / s).glob("*.py") if p.name != "__init__.py"]

    missing = [
        str(p.relative_to(package))
        for p in modules
        if p.stem != "cli" and f"`{p.stem}`" not in page and f"`{p.name}`" not in page
    ]

    assert missing == []


def test_one_string_where_a_tuple_goes_is_one_value_not_its_letters(deck_file, tmp_path):
    topic = "Teamwork and collaboration"

    assert prepdeck.Selection(topics=topic) == prepdeck.Selection(topics=(topic,))
    assert prepdeck.Selection(ids=["a", "b"]).ids == ("a", "b")
    assert [d.key for d in prepdeck.load_decks(str(deck_file))] == [
        prepdeck.load_deck(deck_file).key
    ]
    first = prepdeck.build_deck(deck_file, out_dir=tmp_path / "dist")
    again = prepdeck.build_deck(deck_file, out_dir=tmp_path / "dist", resend="ill-systems")
    assert first.report.resent == [] and again.report.resent == ["ill-systems"]


@pytest.mark.parametrize("date", ["soon", "2001-01-01"])
def test_a_bad_interview_date_from_python_is_a_prepdeck_error(deck_file, tmp_path, date):
    with pytest.raises(prepdeck.PrepdeckError) as raised:
        prepdeck.build_deck(deck_file, out_dir=tmp_path / "dist", interview=date)

    assert "interview" in str(raised.value)
    assert not (tmp_path / "dist").exists()


def test_build_deck_writes_to_the_projects_dist_from_any_folder(deck_file, tmp_path, monkeypatch):
    monkeypatch.chdir(deck_file.parent)  # decks/, inside the project

    result = prepdeck.build_deck(deck_file.name)

    assert result.output.resolve().parent == (tmp_path / "dist").resolve()
    assert result.output.exists()


def test_the_page_states_the_stage_order_and_floor_that_test_layers_enforces():
    from test_layers import FLOOR, STAGES

    page = (ROOT / "docs" / "how-prepdeck-is-built.md").read_text(encoding="utf-8")
    order = " ".join(page.split("in this order:", 1)[1].split(";", 1)[0].split())
    floor = page.split("## The floor", 1)[1].split("\n## ", 1)[0]

    assert order == ", ".join(f"`{s}`" for s in STAGES[1:])
    assert sorted(m for m in FLOOR if f"`{m}.py`" in floor) == sorted(FLOOR - {"__version__"})
