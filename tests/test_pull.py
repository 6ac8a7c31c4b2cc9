"""`prepdeck pull`: edits made in Anki come back to the YAML, in place, and lose nothing."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from prepdeck.builds.pipeline import build_deck
from prepdeck.cli import cli
from prepdeck.deckfile.load import load_deck
from prepdeck.exchange.pull import pull

from conftest import edit, git


@pytest.fixture
def project(deck_file, tmp_path, anki):
    """The shipped deck, built, committed and imported into a learner's collection."""
    result = build_deck(deck_file, out_dir=tmp_path / "dist")
    git(deck_file.parent, "init", "-q")
    git(deck_file.parent, "add", ".")
    git(deck_file.parent, "commit", "-qm", "deck")
    anki.import_apkg(result.output)
    return deck_file


def _export(anki, tmp_path, kind: str):
    from anki.collection import ExportAnkiPackageOptions

    if kind == "colpkg":
        path = tmp_path / "collection.colpkg"
        anki.col.export_collection_package(str(path), include_media=False, legacy=False)
        return path
    path = tmp_path / f"export-{kind}.apkg"
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=False, legacy=kind == "legacy"
    )
    anki.col.export_anki_package(out_path=str(path), options=options, limit=None)
    return path


def _edit_in_anki(anki, qid: str, later: int = 60, **changes) -> None:
    """Edit a note on the phone, `later` seconds after the last build (Anki stamps it)."""
    note = anki.note(qid)
    for name, (old, new) in changes.items():
        assert old in note[name], (name, old)
        note[name] = note[name].replace(old, new)
    anki.col.update_note(note)
    anki.col.db.execute("update notes set mod = mod + ? where id = ?", later, note.id)


@pytest.mark.parametrize("kind", ["apkg", "legacy", "colpkg"])
def test_edits_made_in_anki_come_back_and_the_next_build_sends_nothing(
    project, tmp_path, anki, kind
):
    _edit_in_anki(
        anki,
        "unhappy-user",
        Tips=("Listen first", "Listen carefully first"),
        Example=("a late or lost loan", "a lost thesis"),
    )
    card_id = anki.review("unhappy-user")
    export = _export(anki, tmp_path, kind)
    if kind == "colpkg":  # exporting a whole collection closes it
        from anki.collection import Collection

        anki.col = Collection(str(anki.path))

    result = pull(project, str(export), write=True)

    diff = git(project.parent, "diff", "-U0", project.name)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    assert changed == [
        "-      - Listen first and acknowledge the frustration before explaining anything.",
        "+      - Listen carefully first and acknowledge the frustration before explaining "
        "anything.",
        "-      Use **STAR**: the *situation* (a late or lost loan), your *task*, the *actions* "
        "you",
        "+      Use **STAR**: the *situation* (a lost thesis), your *task*, the *actions* you",
    ]
    assert [e.id for e in result.edits] == ["unhappy-user"]
    kept = anki.note("unhappy-user")
    rebuilt = build_deck(project, out_dir=tmp_path / "dist")
    log = anki.import_apkg(rebuilt.output)
    assert (log.new, log.updated, log.conflicting) == (0, 0, 0)
    assert anki.note("unhappy-user").fields == kept.fields  # as the learner left it
    assert anki.revlog(card_id) == 1
    assert rebuilt.report.unchanged


def test_without_write_the_edits_are_shown_in_yaml_terms(project, tmp_path, anki, monkeypatch):
    _edit_in_anki(anki, "unhappy-user", Tips=("Listen first", "Listen carefully first"))
    export = _export(anki, tmp_path, "apkg")
    before = project.read_bytes()
    monkeypatch.chdir(project.parent.parent)

    result = CliRunner().invoke(cli, ["pull", str(export)])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "resource-sharing-interview:",
        "  edited in Anki: 'unhappy-user'",
        "    tip 2: 'Listen first and acknowledge the frustration before explaining anythi…' "
        "-> 'Listen carefully first and acknowledge the frustration before explain…'",
        "  run with --write to apply these edits to the deck file.",
    ]
    assert project.read_bytes() == before


def test_a_question_edited_in_both_places_is_a_conflict_and_the_yaml_wins(project, tmp_path, anki):
    _edit_in_anki(anki, "unhappy-user", Tips=("Listen first", "Listen carefully first"))
    export = _export(anki, tmp_path, "apkg")
    edit(project, "Own the problem", "Take ownership of the problem")
    yaml_side = project.read_text(encoding="utf-8")

    kept = pull(project, str(export), write=True)
    after_kept = project.read_text(encoding="utf-8")
    theirs = pull(project, str(export), write=True, theirs=True)

    assert kept.edits[0].conflict and after_kept == yaml_side
    assert theirs.edits[0].conflict
    assert "Listen carefully first" in project.read_text(encoding="utf-8")


def test_notes_added_in_anki_come_in_with_add_new_and_never_duplicate(
    project, tmp_path, anki, monkeypatch
):
    model = anki.col.models.by_name("prepdeck-resource-sharing-interview")
    note = anki.col.new_note(model)
    note["Question"] = "How do you handle a rush request?"
    note["Tips"] = "<ul><li>Ask for the deadline</li><li>Check local holdings first</li></ul>"
    note["Topic"] = "Customer service"
    note.tags = ["rush"]
    deck_id = anki.col.decks.id_for_name("Resource Sharing Librarian Interview")
    anki.col.add_note(note, deck_id)
    export = _export(anki, tmp_path, "apkg")

    listed = pull(project, str(export))
    added = pull(project, str(export), write=True, add_new=True)
    deck = load_deck(project)
    later = anki.col.get_note(note.id).mod + 60
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(later))  # the next build, later on
    log = anki.import_apkg(build_deck(project, out_dir=tmp_path / "dist").output)

    assert [q.question for q in listed.added] == ["How do you handle a rush request?"]
    new = deck.questions[-1]
    assert (new.id, new.tips, new.tags, new.guid) == (
        added.added[0].id,
        ("Ask for the deadline", "Check local holdings first"),
        ("rush",),
        note.guid,
    )
    # Sent once more (the same note, by its GUID), so that Anki's note gets its Id field
    # and topic tag: an update, never a copy.
    assert (log.new, log.updated) == (0, 1)
    assert len(anki.notes()) == 11
    assert "topic::customer-service" in anki.note(new.id).tags


def test_notes_of_other_note_types_are_left_alone(project, tmp_path, anki):
    basic = anki.col.models.by_name("Basic")
    other = anki.col.new_note(basic)
    other["Front"], other["Back"] = "Unrelated?", "Yes"
    anki.col.add_note(other, 1)
    export = _export(anki, tmp_path, "apkg")

    result = pull(project, str(export), write=True, add_new=True)

    assert result.other_notes == 1 and result.added == [] and result.edits == []


def test_own_answers_edited_in_anki_go_back_to_the_answers_file(project, tmp_path, anki):
    mine = project.with_name("resource-sharing-interview.mine.yaml")
    mine.write_text("answers:\n  ill-systems:\n    notes: My ILLiad story.\n", encoding="utf-8")
    anki.import_apkg(build_deck(project, out_dir=tmp_path / "dist").output)
    _edit_in_anki(anki, "ill-systems", Notes=("My ILLiad story.", "My ILLiad and Tipasa story."))
    export = _export(anki, tmp_path, "apkg")
    deck_before = project.read_bytes()

    pull(project, str(export), write=True)
    log = anki.import_apkg(build_deck(project, out_dir=tmp_path / "dist").output)

    assert project.read_bytes() == deck_before
    assert mine.read_text(encoding="utf-8") == (
        "answers:\n  ill-systems:\n    notes: My ILLiad and Tipasa story.\n"
    )
    assert (log.new, log.updated) == (0, 0)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("a b\n  c d", "a b c d", "a b\n  c d"),  # the author's wrap is kept
        ("a b\n  c d", "a x c d", "a x c d"),  # around a changed word, Anki's space
        ("one\n\ntwo", "one two", "one two"),  # a paragraph break is never invented
        ("one two", "one\n\ntwo", "one\n\ntwo"),  # nor dropped
        ("", "new text", "new text"),
    ],
)
def test_keep_layout_keeps_only_breaks_between_unchanged_words(old, new, expected):
    from prepdeck.cards.render import markdown_block
    from prepdeck.exchange.ankifields import keep_layout

    def reads(text):  # what a card shows: a soft break and a space read alike
        return " ".join(markdown_block(text).split())

    assert keep_layout(old, new) == expected
    assert reads(keep_layout(old, new)) == reads(new)


def _media_project(tmp_path, anki):
    """The media example deck (pictures in tips and the description, a recording), built,
    committed and imported."""
    import shutil
    from pathlib import Path

    folder = tmp_path / "media" / "decks"
    shutil.copytree(Path(__file__).parent / "fixtures" / "media", folder)
    deck_file = folder / "media-example.yaml"
    anki.import_apkg(build_deck(deck_file, out_dir=tmp_path / "media" / "dist").output)
    return deck_file


def test_a_deck_with_pictures_and_recordings_pulls_and_keeps_its_pictures(tmp_path, anki):
    deck_file = _media_project(tmp_path, anki)
    deck = load_deck(deck_file)
    with_picture = next(q for q in deck.questions if q.images and len(q.tips) > 1)
    second = with_picture.tips[1]
    word = second.split()[0]
    _edit_in_anki(anki, with_picture.id, Tips=(word, word + " (edited)"))
    export = _export(anki, tmp_path, "apkg")

    result = pull(deck_file, str(export), write=True)

    after = load_deck(deck_file)
    pulled = next(q for q in after.questions if q.id == with_picture.id)
    assert [e.id for e in result.edits] == [with_picture.id]
    assert pulled.tips[0] == with_picture.tips[0]  # the picture's tip, untouched
    assert pulled.tips[1] == second.replace(word, word + " (edited)", 1)
    log = anki.import_apkg(build_deck(deck_file, out_dir=tmp_path / "media" / "dist").output)
    assert (log.new, log.updated) == (0, 0)


def test_retiring_in_anki_writes_a_yaml_boolean(project, tmp_path, anki):
    note = anki.note("staying-current")
    note.tags.append("prepdeck::retired")
    anki.col.update_note(note)
    anki.col.db.execute("update notes set mod = mod + 60 where id = ?", note.id)
    export = _export(anki, tmp_path, "apkg")

    pull(project, str(export), write=True)

    assert next(q for q in load_deck(project).questions if q.id == "staying-current").retired
    assert "retired: true\n" in project.read_text(encoding="utf-8")


@pytest.mark.parametrize("guid", ["- x", "'q", '"q', "x: y", "x #y", "!abc", "yes"])
def test_notes_from_other_tools_with_any_guid_come_in(project, tmp_path, anki, guid):
    model = anki.col.models.by_name("prepdeck-resource-sharing-interview")
    note = anki.col.new_note(model)
    note["Question"], note["Tips"] = "A question from elsewhere?", "<ul><li>a tip</li></ul>"
    note["Topic"] = "Imported"
    anki.col.add_note(note, 1)
    anki.col.db.execute("update notes set guid = ? where id = ?", guid, note.id)
    export = _export(anki, tmp_path, "apkg")

    pull(project, str(export), write=True, add_new=True)
    log = anki.import_apkg(build_deck(project, out_dir=tmp_path / "dist").output)

    assert load_deck(project).questions[-1].guid == guid
    assert log.new == 0 and len(anki.notes()) == 11


def test_a_field_anki_stores_without_paragraph_tags_is_no_edit(project, tmp_path, anki):
    note = anki.note("staying-current")
    note["Notes"] = "My own words."  # Anki's editor keeps plain text without <p>
    anki.col.update_note(note)
    anki.col.db.execute("update notes set mod = mod + 60 where id = ?", note.id)
    pull(project, str(_export(anki, tmp_path, "apkg")), write=True)
    _edit_in_anki(anki, "staying-current", later=120, Tips=("<li>", "<li>New: "))
    again = pull(project, str(_export(anki, tmp_path, "apkg")))

    assert [list(e.values) for e in again.edits] == [["tips"]]


def test_a_missing_export_says_so(project):
    from prepdeck.errors import PrepdeckError

    with pytest.raises(PrepdeckError) as err:
        pull(project, "no-such-export.apkg")

    assert str(err.value).startswith("no-such-export.apkg: no such file; export it from Anki")


def test_edits_from_anki_that_would_break_the_deck_name_the_notes_not_a_line(
    project, tmp_path, anki
):
    from prepdeck.errors import PrepdeckError

    note = anki.note("staying-current")
    note.tags.append("weird\u200btag")
    anki.col.update_note(note)
    anki.col.db.execute("update notes set mod = mod + 60 where id = ?", note.id)
    before = project.read_bytes()

    with pytest.raises(PrepdeckError) as err:
        pull(project, str(_export(anki, tmp_path, "apkg")), write=True)

    assert str(err.value).startswith(
        f"{project}: the edits from Anki (staying-current) hold values a deck file may not: "
    )
    assert "Nothing was written" in str(err.value)
    assert project.read_bytes() == before


def test_a_recording_removed_in_anki_is_said(tmp_path, anki):
    deck_file = _media_project(tmp_path, anki)
    with_audio = next(q for q in load_deck(deck_file).questions if q.audio)
    note = anki.note(with_audio.id)
    note["Extra"] = ""
    anki.col.update_note(note)
    anki.col.db.execute("update notes set mod = mod + 60 where id = ?", note.id)

    result = pull(deck_file, str(_export(anki, tmp_path, "apkg")))

    (edit,) = result.edits
    assert edit.lines == [
        "recordings changed in Anki: not brought back (set `audio:` in the YAML, or put the "
        "files beside the deck)"
    ]


def test_tags_anki_sets_for_the_learner_never_reach_the_deck_file(project, tmp_path, anki):
    """Issue 19.6: marked, leech (any case) and Anki's duplicate marker are the learner's."""
    note = anki.note("staying-current")
    note.tags += ["marked", "Leech", "DUPLICATE", "topic::elsewhere", "Prepdeck::x", "shared"]
    anki.col.update_note(note)
    anki.col.db.execute("update notes set mod = mod + 60 where id = ?", note.id)
    marked_only = anki.note("unhappy-user")
    marked_only.tags.append("marked")
    anki.col.update_note(marked_only)
    anki.col.db.execute("update notes set mod = mod + 60 where id = ?", marked_only.id)

    result = pull(project, str(_export(anki, tmp_path, "apkg")), write=True)

    assert [(e.id, e.values) for e in result.edits] == [
        ("staying-current", {"tags": ("professional-development", "shared")})
    ]
    text = project.read_text(encoding="utf-8")
    assert "marked" not in text.lower() and "leech" not in text.lower()
    assert "duplicate" not in text.lower()


def test_an_export_without_the_deck_says_so_not_no_edits(project, tmp_path, monkeypatch):
    """Issue 19.5: an export of another deck holds nothing of this one."""
    from conftest import Anki

    folder = tmp_path / "other"
    folder.mkdir()
    other = Anki(folder)
    note = other.col.new_note(other.col.models.by_name("Basic"))
    note["Front"], note["Back"] = "Unrelated?", "Yes"
    other.col.add_note(note, 1)
    export = _export(other, folder, "apkg")
    other.close()
    monkeypatch.chdir(project.parent.parent)

    result = CliRunner().invoke(cli, ["pull", str(export)])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "resource-sharing-interview:",
        f"  {export} holds no note of this deck: nothing to pull (export this deck from Anki, "
        "or the whole collection).",
    ]


def test_after_a_pull_each_device_sees_what_pull_said(project, tmp_path, anki, monkeypatch):
    """Issue 19.5: the device exported from changes nothing; one without the edit updates."""
    from conftest import Anki

    folder = tmp_path / "desktop"
    folder.mkdir()
    desktop = Anki(folder)
    desktop.import_apkg(build_deck(project, out_dir=tmp_path / "dist").output)
    _edit_in_anki(anki, "unhappy-user", Tips=("Listen first", "Listen carefully first"))
    _edit_in_anki(anki, "ill-systems", Tips=("Relais ILL", "Relais D2D"))
    export = _export(anki, tmp_path, "apkg")
    monkeypatch.chdir(project.parent.parent)

    result = CliRunner().invoke(cli, ["pull", str(export), "--write"])
    build = build_deck(project, out_dir=tmp_path / "dist")
    logs = [device.import_apkg(build.output) for device in (anki, desktop)]
    again = build_deck(project, out_dir=tmp_path / "dist")
    desktop.close()

    assert result.exit_code == 0, result.output
    assert (
        "  the next build sends 2 pulled note(s) as Anki has them (ill-systems, unhappy-user): "
        "importing it where you exported from changes nothing; another device that does not "
        "have these edits yet updates 2 note(s)."
    ) in result.stdout.splitlines()
    assert [log.updated for log in logs] == [0, 2]
    # The build after the pull says the same, not "no changes": the pulled notes were never
    # in a package until this one (once, then the state records them as sent).
    assert build.report.lines() == [
        "edited in Anki and pulled into the deck file: ill-systems, unhappy-user; importing "
        "this package where you exported from changes nothing, and a device that does not have "
        "these edits yet updates them.",
        "no other changes since the last build.",
    ]
    assert again.report.lines() == [
        "no changes since the last build: if you imported it, a re-import changes nothing in Anki."
    ]


def test_two_notes_with_one_identity_are_refused_naming_both(project, tmp_path, anki):
    """Issue 20.5: their values would merge (`BBB- CCC`); nothing is written."""
    from prepdeck.errors import PrepdeckError

    original = anki.note("staying-current")
    model = anki.col.models.by_name("prepdeck-resource-sharing-interview")
    copy = anki.col.new_note(model)
    copy["Question"], copy["Tips"] = "Answer from tablet", "<ul><li>CCC</li></ul>"
    anki.col.add_note(copy, 1)
    anki.col.db.execute(
        "update notes set guid = ?, mod = mod + 60 where id = ?", original.guid, copy.id
    )
    before = project.read_bytes()

    with pytest.raises(PrepdeckError) as err:
        pull(project, str(_export(anki, tmp_path, "apkg")), write=True)

    message = str(err.value)
    assert f"two notes share one identity (GUID {original.guid!r})" in message
    assert f"note {original.id} ('How do you stay current" in message
    assert f"note {copy.id} ('Answer from tablet')" in message
    assert project.read_bytes() == before


def test_fields_reordered_in_anki_are_read_by_name(project, tmp_path, anki):
    """Issue 20.5: a note type whose fields were moved in Anki must not swap question and tips."""
    model = anki.col.models.by_name("prepdeck-resource-sharing-interview")
    anki.col.models.reposition_field(model, model["flds"][1], 0)  # Tips first
    anki.col.models.update_dict(model)
    _edit_in_anki(anki, "unhappy-user", Tips=("Listen first", "Listen carefully first"))

    result = pull(project, str(_export(anki, tmp_path, "apkg")), write=True)

    assert [(e.id, sorted(e.values)) for e in result.edits] == [("unhappy-user", ["tips"])]
    pulled = next(q for q in load_deck(project).questions if q.id == "unhappy-user")
    assert pulled.tips[1].startswith("Listen carefully first")
    assert pulled.question == "How would you handle an unhappy or frustrated library user?"


def test_a_field_renamed_in_anki_is_named_in_the_message(project, tmp_path, anki):
    from prepdeck.errors import PrepdeckError

    model = anki.col.models.by_name("prepdeck-resource-sharing-interview")
    anki.col.models.rename_field(model, model["flds"][1], "Points")
    anki.col.models.update_dict(model)

    with pytest.raises(PrepdeckError) as err:
        pull(project, str(_export(anki, tmp_path, "apkg")))

    assert "has no field Tips (renamed or removed in Anki)" in str(err.value)


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_an_export_that_is_not_a_file_says_what_it_is(project, tmp_path, kind):
    """A FIFO, a device or a folder given as the export is named for what it is, as import
    names it, never as "no such file"."""
    from prepdeck.errors import PrepdeckError

    path = {"fifo": tmp_path / "x.apkg", "device": "/dev/zero", "folder": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(path)

    with pytest.raises(PrepdeckError) as err:
        pull(project, str(path), write=True)

    what = {"fifo": "is a named pipe (FIFO)", "device": "is a device", "folder": "is a folder"}
    assert what[kind] in str(err.value)
    assert "no such file" not in str(err.value)
