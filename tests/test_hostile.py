"""Hostile and unlucky input: markup stays text, limits hold, parallel builds stay whole."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile

import pytest

from prepdeck.build import build_deck
from prepdeck.errors import DeckFileError, OutputError
from prepdeck.load import MAX_FILE_BYTES, load_deck
from prepdeck.state import state_path

ATTACK = "<img src=x onerror=alert(1)><script>alert(2)</script>"

LINK = "<a href=javascript:x>a</a>"
HOSTILE_DECK = f"""\
deck:
  key: hostile
  name: "Hostile {ATTACK}"
  description: "{ATTACK} [x](javascript:alert(3))"
questions:
  - id: q1
    topic: "{ATTACK}"
    question: "{ATTACK}"
    tips:
      - "{ATTACK}"
      - "[click](javascript:alert(4)) [ok](https://example.org) [vb](vbscript:x) {LINK}"
    example: "<iframe src=https://evil.example></iframe>"
    notes: "<style>body{{display:none}}</style>"
"""


def test_html_and_scripts_in_every_field_reach_anki_as_text(tmp_path, anki):
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE_DECK, encoding="utf-8")

    anki.import_apkg(build_deck(path, out_dir=tmp_path / "dist").output)

    note = anki.note("q1")
    card = anki.card("q1")
    rendered = card.question() + card.answer()
    for field in note.fields:
        assert not re.search(r"<(img|script|iframe|style)\b", field, re.I), field
    assert not re.search(r"<(img|script|iframe)\b", rendered, re.I)
    assert re.findall(r'href="([^"]*)"', note["Tips"]) == ["https://example.org"]
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in note["Question"]
    description = anki.col.decks.by_name(f"Hostile {ATTACK}")["desc"]
    assert "<script" not in description
    assert "href" not in description  # the javascript: link stayed inert text


def test_a_file_past_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk

    with pytest.raises(DeckFileError) as err:
        load_deck(path)

    assert [p.message for p in err.value.problems] == [
        "the file is 64.0 MiB; deck files are limited to 64 MiB: split it into several decks"
    ]


def test_an_out_dir_that_is_a_file_is_a_clear_error(deck_file, tmp_path):
    blocker = tmp_path / "dist"
    blocker.write_text("not a folder")

    with pytest.raises(OutputError) as err:
        build_deck(deck_file, out_dir=blocker)

    assert str(err.value).startswith(f"{blocker}: cannot create this folder:")
    assert blocker.read_text() == "not a folder"


def test_a_missing_deck_file_is_a_clear_error(tmp_path):
    with pytest.raises(DeckFileError) as err:
        load_deck(tmp_path / "nope.yaml")

    assert str(err.value) == f"{tmp_path / 'nope.yaml'}: cannot be read: No such file or directory"


def test_parallel_builds_of_the_same_output_never_leave_a_broken_file(deck_file, tmp_path):
    """Several processes build the same deck into the same file at once, over and over."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from prepdeck.build import build_deck\n"
        "for i in range(15):\n"
        "    build_deck(Path(sys.argv[1]), out_dir=Path(sys.argv[2]))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(deck_file), str(tmp_path / "dist")], env=env
        )
        for _ in range(3)
    ]

    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    apkg = tmp_path / "dist" / "resource-sharing-interview.apkg"
    with zipfile.ZipFile(apkg) as zf:
        assert zf.testzip() is None
    assert len(json.loads(state_path(deck_file).read_text())["questions"]) == 10
    assert sorted(p.name for p in apkg.parent.iterdir()) == [apkg.name]
    assert sorted(p.name for p in deck_file.parent.iterdir()) == sorted(
        [deck_file.name, state_path(deck_file).name]
    )
