"""The .apkg file itself: compressed, reproducible, atomic, and never a collection."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import zipfile

import pytest

from prepdeck.builds.pipeline import build_deck
from prepdeck.builds.state import read_state, state_path
from prepdeck.errors import DeckFileError, OutputError

from conftest import edit


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_package_is_a_deflated_zip_with_the_collection_and_no_media(deck_file, tmp_path):
    result = build_deck(deck_file, out_dir=tmp_path / "dist")

    with zipfile.ZipFile(result.output) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert set(infos) == {"collection.anki2", "media"}
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos.values())
        assert infos["collection.anki2"].compress_size < infos["collection.anki2"].file_size / 2
        assert zf.read("media") == b"{}"
    assert result.size == result.output.stat().st_size


def test_no_temporary_file_is_left_anywhere(deck_file, tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    result = build_deck(deck_file, out_dir=tmp_path / "dist")

    assert list(scratch.iterdir()) == []
    assert sorted(p.name for p in result.output.parent.iterdir()) == [result.output.name]
    assert sorted(p.name for p in deck_file.parent.iterdir()) == sorted(
        [deck_file.name, state_path(deck_file).name]
    )


def test_source_date_epoch_makes_builds_byte_identical(deck_file, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    first = build_deck(deck_file, out_dir=tmp_path / "a").output.read_bytes()
    state_path(deck_file).unlink()  # even starting over gives the same bytes

    second = build_deck(deck_file, out_dir=tmp_path / "b").output.read_bytes()

    assert first == second
    with zipfile.ZipFile(tmp_path / "a" / "resource-sharing-interview.apkg") as zf:
        assert zf.getinfo("collection.anki2").date_time == (2026, 9, 21, 14, 13, 20)


def test_unchanged_inputs_with_state_are_byte_identical_without_sde(deck_file, tmp_path):
    build_deck(deck_file, out_dir=tmp_path / "a")
    first = (tmp_path / "a" / "resource-sharing-interview.apkg").read_bytes()

    second = build_deck(deck_file, out_dir=tmp_path / "b").output.read_bytes()

    assert first == second


def test_note_times_come_from_the_state_not_from_source_date_epoch(
    deck_file, tmp_path, monkeypatch
):
    build_deck(deck_file, out_dir=tmp_path / "a")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")

    result = build_deck(deck_file, out_dir=tmp_path / "b")

    db = _database(result.output, tmp_path)
    first = read_state(state_path(deck_file))
    assert {m for (m,) in db.execute("select mod from notes")} == {
        q.mod for q in first.questions.values()
    }
    assert all(q.mod < 1_790_000_000 for q in first.questions.values())


@pytest.mark.parametrize("name", ["collection.apkg", "Collection.apkg", "backup-2026.apkg"])
def test_names_anki_reads_as_a_whole_collection_are_refused(deck_file, tmp_path, name):
    with pytest.raises(OutputError) as err:
        build_deck(deck_file, output=tmp_path / name)

    assert "whole collection" in str(err.value)
    assert not (tmp_path / name).exists()
    assert not state_path(deck_file).exists()


def test_broken_yaml_leaves_the_previous_package_untouched(deck_file, tmp_path):
    result = build_deck(deck_file, out_dir=tmp_path / "dist")
    before = result.output.read_bytes()
    state_before = state_path(deck_file).read_bytes()
    edit(deck_file, "    tips:\n", "    tipss:\n")

    with pytest.raises(DeckFileError):
        build_deck(deck_file, out_dir=tmp_path / "dist")

    assert result.output.read_bytes() == before
    assert state_path(deck_file).read_bytes() == state_before
    assert _leftovers(result.output.parent) == []


def test_a_failed_write_leaves_the_previous_package_and_state(deck_file, tmp_path, monkeypatch):
    result = build_deck(deck_file, out_dir=tmp_path / "dist")
    before = result.output.read_bytes()
    state_before = state_path(deck_file).read_bytes()
    edit(deck_file, "Listen first", "Hear them out")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OutputError) as err:
        build_deck(deck_file, out_dir=tmp_path / "dist")

    assert "No space left on device" in str(err.value)
    assert result.output.read_bytes() == before
    assert state_path(deck_file).read_bytes() == state_before
    assert _leftovers(result.output.parent) == []


def test_interrupting_the_write_leaves_no_partial_output(deck_file, tmp_path, monkeypatch):
    result = build_deck(deck_file, out_dir=tmp_path / "dist")
    before = result.output.read_bytes()

    def ctrl_c(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        build_deck(deck_file, out_dir=tmp_path / "dist2")
    with pytest.raises(KeyboardInterrupt):
        build_deck(deck_file, out_dir=tmp_path / "dist")

    assert not (tmp_path / "dist2" / result.output.name).exists()
    assert _leftovers(tmp_path / "dist2") == []
    assert result.output.read_bytes() == before
    assert _leftovers(result.output.parent) == []


def test_writing_onto_a_folder_is_a_clear_error(deck_file, tmp_path):
    (tmp_path / "x.apkg").mkdir()

    with pytest.raises(OutputError) as err:
        build_deck(deck_file, output=tmp_path / "x.apkg")

    assert "is a folder, not a file" in str(err.value)


def test_dry_run_writes_nothing(deck_file, tmp_path):
    result = build_deck(deck_file, out_dir=tmp_path / "dist", dry_run=True)

    assert result.dry_run and result.notes == 10
    assert not (tmp_path / "dist").exists()
    assert not state_path(deck_file).exists()


def test_state_has_one_sorted_line_per_question_and_is_not_rewritten(deck_file, tmp_path):
    build_deck(deck_file, out_dir=tmp_path / "dist")
    path = state_path(deck_file)
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = [ln.strip().split('"')[1] for ln in lines if ln.startswith('    "')]
    stamp = path.stat().st_mtime_ns

    result = build_deck(deck_file, out_dir=tmp_path / "dist")

    assert entries == sorted(entries) and len(entries) == 10
    assert not result.state_written
    assert path.stat().st_mtime_ns == stamp


def _database(apkg, tmp_path) -> sqlite3.Connection:
    with zipfile.ZipFile(apkg) as zf:
        target = tmp_path / "unpacked.anki2"
        target.write_bytes(zf.read("collection.anki2"))
    return sqlite3.connect(target)


def test_state_hashes_never_change_for_the_same_content():
    # Committed states hold these values; a different hash for the same text would make
    # every learner's next build report (and re-send) every note as edited.
    from prepdeck.builds.state import text_key
    from prepdeck.digest import digest

    # sha256 of "Question?\x1f<ul><li>tip</li></ul>\x1f", first 16 hex digits
    assert digest("Question?", "<ul><li>tip</li></ul>") == "64e6628f82ed04f8"
    assert text_key("  What   IS this? ") == text_key("what is this?")
