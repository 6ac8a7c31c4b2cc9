"""prepdeck's packages in the oldest `anki` backend that installs here and the newest.

`make compat` makes one virtualenv per backend (build/compat/anki-VERSION) and runs this file
with PREPDECK_COMPAT_PYTHONS naming their Pythons; CI runs it. Each backend imports the
shipped deck, a deck built with an interview plan and a deck with pictures and a recording,
with the import dialog's default options, as a learner's Anki would: every note arrives, every
card renders, and a review survives the import of an edited package.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SHIPPED, edit

PYTHONS = os.environ.get("PREPDECK_COMPAT_PYTHONS", "").split()

pytestmark = pytest.mark.skipif(
    not PYTHONS,
    reason="needs a virtualenv per Anki release: run `make compat`",
)


def _build(deck_file: Path, out: Path, epoch: int, *args: str) -> Path:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    subprocess.run(
        [sys.executable, "-m", "prepdeck", "build", str(deck_file), "-o", str(out), *args],
        check=True,
        capture_output=True,
        env=env,
    )
    return out


def _case(tmp: Path, name: str, source: Path, question_id: str, old: str, new: str, *args):
    folder = tmp / name
    shutil.copytree(source.parent, folder, ignore=shutil.ignore_patterns("*.state.json"))
    deck_file = folder / source.name
    first = _build(deck_file, tmp / f"{name}-1.apkg", 1_780_000_000, *args)
    edit(deck_file, old, new)
    update = _build(deck_file, tmp / f"{name}-2.apkg", 1_780_000_100, *args)
    return {
        "name": name,
        "first": str(first),
        "update": str(update),
        "edited_id": question_id,
        "edited_text": new.strip(" -\n"),
    }


@pytest.fixture(scope="module")
def job(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("compat packages")
    interview = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    tip = "      - Put a number on your volume"
    cases = [
        _case(tmp, "shipped", SHIPPED, "ill-systems", tip, tip + " (edited)"),
        _case(
            tmp, "plan", SHIPPED, "ill-systems", tip, tip + " (planned)", "--interview", interview
        ),
        _case(
            tmp,
            "media",
            ROOT / "tests" / "fixtures" / "media" / "media-example.yaml",
            "plain",
            "      - Budgets, and no library holds everything",
            "      - Budgets, and no library holds every book",
        ),
    ]
    path = tmp / "job.json"
    path.write_text(json.dumps({"folder": str(tmp), "cases": cases}), encoding="utf-8")
    return path


@pytest.mark.parametrize("python", PYTHONS)
def test_a_backend_imports_renders_and_keeps_reviews(python, job):
    run = subprocess.run(
        [python, str(ROOT / "tests" / "compat_anki.py"), str(job)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    results = report["results"]
    expected_notes = {"shipped": 10, "plan": 10, "media": 2}

    for name, result in results.items():
        where = f"anki {report['version']}, {name}"
        assert result["notes"] == result["cards"] == expected_notes[name], where
        assert result["blank_cards"] == [], where
        assert result["questions_on_front"], where
        assert result["notes_after_update"] == expected_notes[name], where
        assert result["edited_arrived"], where
        # The review is kept: the card is still in learning, with its one answer logged.
        assert result["review_after"] == result["review_before"], where
        assert result["review_before"][0] != 0 and result["review_before"][1] == 1, where
    # The interview preset, with the import dialog's default options (docs/anki-versions.md):
    # the legacy importer (2.1.54 and older) applies it on every import; the backend's
    # importer (23.12.1 and later) leaves the deck on Default without the tick.
    preset = results["plan"]["preset"]
    if results["plan"]["importer"] == "legacy":
        assert ": interview " in preset, preset
    else:
        assert preset == "Default", preset
    assert results["shipped"]["preset"] == "Default"
    picture, recording = ".png", ".wav"
    assert any(f.endswith(picture) for f in results["media"]["media"])
    assert any(f.endswith(recording) for f in results["media"]["media"])
