"""Hostile and unlucky input: markup stays text, limits hold, parallel builds stay whole."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
import zipfile

import pytest
from click.testing import CliRunner

from prepdeck.builds.pipeline import build_deck
from prepdeck.builds.state import state_path
from prepdeck.cli import cli
from prepdeck.deckfile.load import MAX_FILE_BYTES, load_deck, parse_deck_text
from prepdeck.errors import DeckFileError, OutputError, PrepdeckError

from conftest import edit

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
        "the file is 64.0 MiB; the limit is 64 MiB (for a deck: split it into several decks)"
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
        "from prepdeck.builds.pipeline import build_deck\n"
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


# -- special files: a clear message at once, never a hang or an endless read ---------------


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_as_the_deck_is_refused_at_once(device):
    with pytest.raises(DeckFileError) as err:
        load_deck(device)

    assert str(err.value) == f"{device}: is a device, not a file; name a deck file"


def test_a_fifo_as_the_deck_is_refused_at_once(tmp_path):
    fifo = tmp_path / "deck.yaml"
    os.mkfifo(fifo)

    with pytest.raises(DeckFileError) as err:
        load_deck(fifo)

    assert str(err.value) == f"{fifo}: is a named pipe (FIFO), not a file; name a deck file"


def test_a_fifo_as_the_answers_file_is_refused_at_once(deck_file):
    os.mkfifo(deck_file.with_name("resource-sharing-interview.mine.yaml"))

    with pytest.raises(DeckFileError) as err:
        load_deck(deck_file)

    assert "is a named pipe (FIFO), not a file" in str(err.value)


def test_a_fifo_as_the_state_file_is_refused_at_once(deck_file, tmp_path):
    os.mkfifo(state_path(deck_file))

    with pytest.raises(PrepdeckError) as err:
        build_deck(deck_file, out_dir=tmp_path / "dist")

    assert str(err.value).startswith(
        f"{state_path(deck_file)}: the build state cannot be read (is a named pipe (FIFO), not "
        "a file)"
    )


# -- the state file: any value gives a located message, never a traceback ------------------


def _state_with(deck_file, tmp_path, change) -> str:
    build_deck(deck_file, out_dir=tmp_path / "dist")
    path = state_path(deck_file)
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["questions"]["ill-systems"].update(mod=10**30),
            "questions.ill-systems.mod 1000000000000000000000000000000 is not a time between "
            "1970 and 2100",
        ),
        (
            lambda d: d["questions"]["ill-systems"].update(mod=99999999999),
            "questions.ill-systems.mod 99999999999 is not a time between 1970 and 2100",
        ),
        (
            lambda d: d["notetype"].update(mod=10**20),
            "notetype.mod 100000000000000000000 is not a time between 1970 and 2100",
        ),
        (
            lambda d: d["questions"]["ill-systems"].update(mod=1.5),
            "questions.ill-systems.mod is 1.5, not a whole number",
        ),
        (
            lambda d: d["questions"]["ill-systems"].update(mod=True),
            "questions.ill-systems.mod is True, not a whole number",
        ),
        (
            lambda d: d["questions"]["ill-systems"].update(content=7),
            "questions.ill-systems.content is 7, not text",
        ),
        (lambda d: d.update(questions=[]), "questions is not an object"),
    ],
)
def test_a_damaged_state_value_is_a_clear_error(deck_file, tmp_path, change, expected):
    text = _state_with(deck_file, tmp_path, change)
    state_path(deck_file).write_text(text, encoding="utf-8")

    with pytest.raises(PrepdeckError) as err:
        build_deck(deck_file, out_dir=tmp_path / "dist")

    assert str(err.value) == (
        f"{state_path(deck_file)}: the build state is damaged ({expected}); see 'If the state "
        "file is lost' in the README"
    )


@pytest.mark.parametrize(
    "text",
    [
        '{"prepdeck-state": 2, "notetype": {"mod": Infinity}}',
        '{"prepdeck-state": 2, "notetype": {"mod": NaN}}',
        "[" * 100_000 + "]" * 100_000,
        '{"prepdeck-state": 2}',
        "null",
    ],
    ids=["infinity", "nan", "deep", "no-keys", "null"],
)
def test_a_state_that_is_not_one_prepdeck_wrote_is_a_clear_error(deck_file, tmp_path, text):
    state_path(deck_file).write_text(text, encoding="utf-8")

    with pytest.raises(PrepdeckError) as err:
        build_deck(deck_file, out_dir=tmp_path / "dist")

    assert str(err.value).startswith(f"{state_path(deck_file)}: the build state is ")
    assert str(err.value).endswith("see 'If the state file is lost' in the README")


def test_a_state_from_a_newer_prepdeck_says_to_upgrade(deck_file, tmp_path):
    state_path(deck_file).write_text('{"prepdeck-state": 99}', encoding="utf-8")

    with pytest.raises(PrepdeckError) as err:
        build_deck(deck_file, out_dir=tmp_path / "dist")

    assert str(err.value) == (
        f"{state_path(deck_file)}: this build state was written by a newer prepdeck (state "
        "format 99); upgrade prepdeck (pip install -U prepdeck) and build again"
    )


@pytest.mark.parametrize("value", ["99999999999", "1" * 20, "-5", "1e9"])
def test_source_date_epoch_out_of_range_is_a_clear_error(deck_file, tmp_path, monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)

    with pytest.raises(PrepdeckError) as err:
        build_deck(deck_file, out_dir=tmp_path / "dist")

    assert str(err.value).startswith(f"SOURCE_DATE_EPOCH={value!r} is not a whole number")


# -- bounded cost: values are counted while composing -----------------------------------------


def test_a_flat_list_of_too_many_values_stops_while_composing(monkeypatch):
    from prepdeck.deckfile import yamlnodes

    monkeypatch.setattr(yamlnodes, "MAX_NODES", 1000)
    text = "deck: {key: d, name: D}\nquestions: [" + "a," * 2000 + "a]\n"

    with pytest.raises(DeckFileError) as err:
        parse_deck_text(text)

    assert [p.message for p in err.value.problems] == [
        "the file holds more than 1,000 values; split it into several decks"
    ]


def test_explicitly_tagged_values_count_too(monkeypatch):
    from prepdeck.deckfile import yamlnodes

    monkeypatch.setattr(yamlnodes, "MAX_NODES", 1000)
    text = "deck: {key: d, name: D}\nquestions: [" + "!!str a," * 600 + "a]\n"

    with pytest.raises(DeckFileError) as err:
        parse_deck_text(text)

    assert "more than 1,000 values" in str(err.value)


def test_a_deck_within_the_limits_still_loads_with_its_tags_checked(monkeypatch):
    text = (
        "deck: {key: d, name: D}\nquestions:\n  - {id: q, topic: t, question: !!str Q, tips: [a]}\n"
    )

    deck = parse_deck_text(text)

    assert deck.questions[0].question == "Q"


# -- what reaches a terminal ----------------------------------------------------------------


def test_terminal_escapes_in_a_deck_are_shown_not_run(tmp_path, monkeypatch):
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "x.yaml").write_text(
        "deck: {key: x, name: X}\nquestions:\n  - id: q\n    topic: T\n    question: Q?\n"
        '    tips: [a]\n    "\\e]0;PWNED\\a\\e]52;c;ZXZpbA==\\a\\x9b2J": 1\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(cli, ["check"])

    assert result.exit_code == 1
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.output)
    assert "unknown key '\\x1b]0;PWNED\\x07\\x1b]52;c;ZXZpbA==\\x07\\x9b2J'" in result.stderr


def test_json_output_escapes_every_control_character():
    from prepdeck.commands.output import json_text

    text = json_text({"t": "a\x1b]0;x\x07b\x9bc\x7f"})

    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
    assert json.loads(text) == {"t": "a\x1b]0;x\x07b\x9bc\x7f"}


def _prepdeck(args, cwd, **env):
    return subprocess.run(
        [sys.executable, "-m", "prepdeck", *args],
        cwd=cwd,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), **env},
        check=False,
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_output_is_a_message_not_a_traceback(deck_file):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "prepdeck", "list"],
            cwd=deck_file.parent.parent,
            stdout=full,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
            check=False,
        )

    assert proc.returncode == 1
    assert proc.stderr.decode() == ("prepdeck: cannot write the output: No space left on device\n")


def test_a_console_that_cannot_show_the_script_gets_replacement_characters(tmp_path):
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "ru.yaml").write_text(
        "deck: {key: ru, name: Собеседование}\nquestions:\n"
        "  - {id: q, topic: Обслуживание, question: Как вы работаете с читателями?, tips: [a]}\n",  # noqa: RUF001
        encoding="utf-8",
    )

    for args in (["list"], ["topics"], ["build"]):
        proc = _prepdeck(args, tmp_path, PYTHONIOENCODING="cp1252")
        assert proc.returncode == 0, proc.stderr
        assert b"Traceback" not in proc.stderr
    assert "?" in _prepdeck(["list"], tmp_path, PYTHONIOENCODING="cp1252").stdout.decode("cp1252")


def test_a_folder_named_like_a_deck_file_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "x.yaml").mkdir()
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(cli, ["build", "x.yaml"])

    assert result.exit_code == 1
    assert result.stderr == "prepdeck: x.yaml: is a folder with no deck files (*.yaml) in it\n"


def test_a_state_saved_with_a_byte_order_mark_is_read(deck_file, tmp_path):
    build_deck(deck_file, out_dir=tmp_path / "dist")
    state = state_path(deck_file)
    state.write_bytes(b"\xef\xbb\xbf" + state.read_bytes())

    assert build_deck(deck_file, out_dir=tmp_path / "dist").report.unchanged


def test_a_number_too_long_for_python_in_a_state_is_a_message(deck_file, tmp_path):
    build_deck(deck_file, out_dir=tmp_path / "dist")
    state = state_path(deck_file)
    text = state.read_text(encoding="utf-8")
    state.write_text(re.sub(r'"mod": \d+', '"mod": ' + "1" * 5000, text, count=1))

    with pytest.raises(PrepdeckError) as err:
        build_deck(deck_file, out_dir=tmp_path / "dist")

    assert "the build state is damaged" in str(err.value)


def test_source_date_epoch_stops_a_year_before_the_states_limit(deck_file, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "4102444799")

    with pytest.raises(PrepdeckError):
        build_deck(deck_file, out_dir=tmp_path / "dist")


def test_a_flood_of_problems_is_cut_short(tmp_path):
    path = tmp_path / "flood.yaml"
    path.write_text("deck: {key: d, name: D}\nquestions: [" + "[]," * 5000 + "[]]\n")

    with pytest.raises(DeckFileError) as err:
        load_deck(path)

    assert len(err.value.problems) == 1001
    assert "more than 1,000 problems" in str(err.value)


@pytest.mark.parametrize(
    "name",
    ['"A\\nB"', '"A\\u2028B"', '"A::\\u3164::B"', '"\\u2800x"', '"x\\u034fy"', '"T\\U000E0041"'],
)
def test_names_refuse_line_breaks_and_blank_looking_characters(tmp_path, name):
    with pytest.raises(DeckFileError):
        parse_deck_text(
            f"deck: {{key: d, name: {name}}}\nquestions:\n"
            "  - {id: q, topic: T, question: Q?, tips: [a]}\n"
        )


def test_a_question_cannot_print_a_row_of_its_own(tmp_path, monkeypatch):
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "f.yaml").write_text(
        'deck: {key: f, name: F}\nquestions:\n  - {id: q, topic: T, question: "Real?\\nq2  T  '
        'Injected", tips: [a]}\n'
    )
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(cli, ["list"])

    assert result.stdout.splitlines() == [
        "ID  TOPIC  QUESTION",
        "q   T      Real?\\nq2  T  Injected",
    ]


def test_a_closed_stdout_is_no_traceback(deck_file):
    proc = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.close(1); sys.stdout = None; "
         "from prepdeck.cli import cli; cli.main(['list'], prog_name='prepdeck')"],
        cwd=deck_file.parent.parent,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )  # fmt: skip

    assert b"Traceback" not in proc.stderr


def test_only_yaml_files_are_deck_files_when_named(deck_file, tmp_path, monkeypatch):
    shutil.copyfile(deck_file, deck_file.with_name("d.apkg"))
    monkeypatch.chdir(deck_file.parent.parent)

    result = CliRunner().invoke(cli, ["build", "decks/d.apkg", "-o", "decks/d.apkg"])

    assert result.exit_code == 1
    assert (
        result.stderr
        == "prepdeck: decks/d.apkg: deck files end in .yaml or .yml; name a deck file\n"
    )


def test_the_same_name_in_another_case_is_the_same_deck_file(deck_file, tmp_path):
    other = deck_file.with_name("RESOURCE-SHARING-INTERVIEW.YAML")
    shutil.copyfile(deck_file, other)
    edit(other, "key: resource-sharing-interview", "key: other-key")

    with pytest.raises(DeckFileError) as err:
        build_deck(deck_file, out_dir=tmp_path / "dist")

    assert "has the same name with another ending" in str(err.value)


def test_every_character_a_deck_may_hold_reaches_anki_as_written(tmp_path, anki):
    """What the loader lets through (tabs, line and paragraph separators written as YAML
    escapes, joiners, direction marks, emoji) never makes Anki refuse the package, and
    arrives as written (composed, as Anki stores all text); what it refuses (the field
    separator \\x1f among them) is in the catalogue of broken files."""
    text = "a\\tb \\u2028c\\u2029d \\u200dx\\u200cy \\u200fז\\u200e 👩\\u200d💻 e\\u0301"
    path = tmp_path / "chars.yaml"
    path.write_text(
        "deck: {key: chars, name: Chars}\nquestions:\n"
        f'  - {{id: q, topic: T, question: "{text}", tips: ["{text}"], notes: "{text}"}}\n',
        encoding="utf-8",
    )
    deck = load_deck(path)

    log = anki.import_apkg(build_deck(path, out_dir=tmp_path / "dist").output)

    note = anki.note("q")
    assert log.new == 1
    # Anki stores text composed (NFC), as it does for anything typed into it.
    assert note["Question"] == unicodedata.normalize("NFC", deck.questions[0].question)
    assert "\x1f" not in "".join(note.fields) and len(note.fields) == 7


def test_a_picture_heavy_tip_aliased_into_many_questions_is_parsed_once(tmp_path, monkeypatch):
    """Issue 20.4: the image scan parsed Markdown once per use of a text; one tip of `![`
    aliased into 200 questions cost 200 parses (99 s for a 21 KB file)."""
    from prepdeck.deckfile import media

    parses = []
    real = media.markdown()

    class Counting:
        def parse(self, text):
            parses.append(len(text))
            return real.parse(text)

    media.image_refs.cache_clear()
    monkeypatch.setattr(media, "markdown", lambda: Counting())
    tip = "![" * 2000
    lines = ["deck:", "  key: pictures", "  name: Pictures", "questions:"]
    for i in range(200):
        tips = f"[&tip '{tip}', plain]" if i == 0 else "[*tip, plain]"
        lines += [
            f"  - id: q{i}",
            "    topic: T",
            f"    question: Question {i}?",
            f"    tips: {tips}",
        ]
    deck_file = tmp_path / "decks" / "pictures.yaml"
    deck_file.parent.mkdir()
    deck_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    deck = load_deck(deck_file)

    assert len(deck.questions) == 200 and deck.questions[199].tips[0] == tip
    assert parses == [len(tip)]
