"""Edit, rebuild, re-import: only what was edited changes in Anki, and nothing is lost."""

from __future__ import annotations

from prepdeck.builds import compare
from prepdeck.builds.pipeline import build_deck
from prepdeck.builds.state import BASELINE_TIME, read_state, state_path
from prepdeck.cards import notetype
from prepdeck.cards.render import RETIRED_TAG

from conftest import edit


def _build(deck_file, tmp_path):
    return build_deck(deck_file, out_dir=tmp_path / "dist")


def test_rebuild_without_edits_changes_nothing_and_keeps_edits_made_in_anki(
    deck_file, tmp_path, anki
):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    mine = anki.note("staying-current")
    mine["Notes"] = "I follow the ILL-L list every morning."
    mine.tags.append("marked")
    anki.col.update_note(mine)

    result = _build(deck_file, tmp_path)
    log = anki.import_apkg(result.output)

    assert (log.new, log.updated, log.conflicting) == (0, 0, 0)
    assert anki.note("staying-current")["Notes"] == "I follow the ILL-L list every morning."
    assert "marked" in anki.note("staying-current").tags
    assert result.report.lines() == [
        "no changes since the last build: if you imported it, a re-import changes nothing in Anki."
    ]


def test_one_edit_updates_exactly_one_note_and_keeps_its_schedule(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    card_id = anki.review("special-project", ease=3)
    due_before, ivl_before = anki.card("special-project").due, anki.card("special-project").ivl
    edit(deck_file, "Show attention to detail", "Show care for detail")

    result = _build(deck_file, tmp_path)
    log = anki.import_apkg(result.output)

    assert (log.new, log.updated, log.duplicate, log.conflicting) == (0, 1, 9, 0)
    assert "Show care for detail" in anki.note("special-project")["Tips"]
    assert anki.revlog(card_id) == 1
    card = anki.card("special-project")
    assert (card.due, card.ivl, card.reps) == (due_before, ivl_before, 1)
    assert result.report.lines() == [
        "changed: 1 (special-project)",
    ]


def test_edits_in_the_same_second_still_reach_anki(deck_file, tmp_path, anki, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    anki.import_apkg(_build(deck_file, tmp_path).output)
    edit(deck_file, "Show attention to detail", "Show care for detail")
    anki.import_apkg(_build(deck_file, tmp_path).output)
    edit(deck_file, "Show care for detail", "Show great care for detail")

    log = anki.import_apkg(_build(deck_file, tmp_path).output)

    assert (log.new, log.updated) == (0, 1)
    assert "Show great care for detail" in anki.note("special-project")["Tips"]
    assert read_state(state_path(deck_file)).questions["special-project"].mod == 1_800_000_001


def test_changed_css_reaches_the_learner_with_default_options(
    deck_file, tmp_path, anki, monkeypatch
):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    card_id = anki.review("ill-systems")
    original = notetype.css
    monkeypatch.setattr(notetype, "css", lambda: original() + "\n.pd { border: 2px solid; }\n")

    result = _build(deck_file, tmp_path)
    log = anki.import_apkg(result.output)

    assert (log.new, log.updated, log.conflicting) == (0, 0, 0)
    model = anki.note("ill-systems").note_type()
    assert model["css"].endswith(".pd { border: 2px solid; }\n")
    assert len(anki.notes()) == 10 and anki.revlog(card_id) == 1
    assert result.report.lines() == [
        "card design changed (templates or CSS): Anki updates it on import with the default "
        "options."
    ]


def test_turning_on_speech_changes_the_template_in_anki(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    edit(
        deck_file,
        "  name: Resource Sharing Librarian Interview\n",
        "  name: Resource Sharing Librarian Interview\n  speak: en_US\n",
    )

    anki.import_apkg(_build(deck_file, tmp_path).output)

    template = anki.note("ill-systems").note_type()["tmpls"][0]
    assert "{{tts en_US:Question}}" in template["qfmt"]
    assert "{{Question}}" in template["qfmt"]


def test_reordering_adds_and_updates_no_note(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    before = sorted(anki.col.find_notes(""))
    text = deck_file.read_text(encoding="utf-8")
    first, second = text.index("  - id: ill-systems"), text.index("  - id: unhappy-user")
    deck_file.write_text(text[:first] + text[second:] + "\n" + text[first:second])

    result = _build(deck_file, tmp_path)
    log = anki.import_apkg(result.output)

    assert (log.new, log.updated, log.conflicting) == (0, 0, 0)
    assert sorted(anki.col.find_notes("")) == before
    assert result.report.unchanged


def test_deleted_state_adds_nothing_and_overwrites_nothing(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    edit(deck_file, "Show attention to detail", "Show care for detail")
    anki.import_apkg(_build(deck_file, tmp_path).output)
    state_path(deck_file).unlink()

    result = _build(deck_file, tmp_path)
    log = anki.import_apkg(result.output)

    assert (log.new, log.updated, log.conflicting) == (0, 0, 0)
    assert state_path(deck_file).exists()
    assert all(s.mod < BASELINE_TIME for s in read_state(state_path(deck_file)).questions.values())
    assert result.report.lines() == [
        "first build of this deck in this folder: a question Anki already has (same key and id, "
        "or the same guid:) is matched, keeps its reviews and is not added again; every other "
        "question arrives as new. Commit the build state saved beside the deck with it.",
        "  built and imported this deck before, and lost its state? See 'If the state file is "
        "lost' in the README before importing.",
    ]


def test_always_after_a_deleted_state_brings_every_note_up_to_date(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    edit(deck_file, "Show attention to detail", "Show care for detail")
    state_path(deck_file).unlink()

    log = anki.import_apkg(_build(deck_file, tmp_path).output, update="always")

    assert log.new == 0 and log.conflicting == 0
    assert "Show care for detail" in anki.note("special-project")["Tips"]


def test_retired_question_reaches_anki_with_its_tag(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    edit(deck_file, "  - id: questions-for-us\n", "  - id: questions-for-us\n    retired: true\n")

    result = _build(deck_file, tmp_path)
    log = anki.import_apkg(result.output)

    assert (log.new, log.updated) == (0, 1)
    assert RETIRED_TAG in anki.note("questions-for-us").tags
    assert anki.col.find_notes(f"tag:{RETIRED_TAG}") == [anki.note("questions-for-us").id]
    assert result.report.lines() == [
        "changed: 1 (questions-for-us)",
        f"retired: 'questions-for-us' gets the tag {RETIRED_TAG}; suspend or delete it in Anki "
        f"(search: tag:{RETIRED_TAG})",
    ]


def test_removed_question_is_reported_with_its_search(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    text = deck_file.read_text()
    start, end = text.index("  - id: promote-services"), text.index("  - id: team-qualities")
    deck_file.write_text(text[:start] + text[end:])

    result = _build(deck_file, tmp_path)
    anki.import_apkg(result.output)

    search = '"note:prepdeck-resource-sharing-interview" "Id:promote-services"'
    assert result.report.lines() == [
        f"removed: 'promote-services': Anki keeps this note until you delete it. "
        f"Anki search: {search}"
    ]
    assert len(anki.col.find_notes(search)) == 1  # the search finds it, as the report says


def test_a_renamed_id_is_warned_about(deck_file, tmp_path):
    _build(deck_file, tmp_path)
    edit(deck_file, "id: unhappy-user", "id: upset-user")

    result = _build(deck_file, tmp_path)

    assert result.report.lines() == [
        "warning: question 'unhappy-user' is gone and 'upset-user' has the same wording. A "
        "re-import adds it as a new note: a duplicate, without the old card's history.",
        "  to keep that history, set its id back to 'unhappy-user'. Anki search: "
        '"note:prepdeck-resource-sharing-interview" "Id:unhappy-user"',
    ]


def test_a_changed_deck_key_is_warned_about(deck_file, tmp_path):
    _build(deck_file, tmp_path)
    edit(deck_file, "key: resource-sharing-interview", "key: ill-interview")

    lines = _build(deck_file, tmp_path).report.lines()

    assert lines[0].startswith(
        "warning: the deck key changed from 'resource-sharing-interview' to 'ill-interview'."
    )
    assert "note:prepdeck-resource-sharing-interview" in lines[1]


def test_a_prepdeck_upgrade_that_renders_differently_is_reported(deck_file, tmp_path, monkeypatch):
    _build(deck_file, tmp_path)
    from prepdeck.builds import pipeline as build
    from prepdeck.cards import render

    original = render.render_note

    def upgraded(question):
        note = original(question)
        return render.RenderedNote(note.id, (note.fields[0] + " ", *note.fields[1:]), note.tags)

    monkeypatch.setattr(build, "render_note", upgraded)

    lines = _build(deck_file, tmp_path).report.lines()

    assert lines[0] == (
        "this version of prepdeck writes 10 unedited notes differently; Anki updates them on "
        "import."
    )
    assert len(lines) == 1  # no answers were ever packaged: no own-answers warning


def test_schema_change_is_explained_and_merge_note_types_keeps_notes_updating(
    deck_file, tmp_path, anki, monkeypatch
):
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS as ALWAYS

    anki.import_apkg(_build(deck_file, tmp_path).output)
    # Anki restamps merged notes with the current time; a build time in the past keeps
    # the comparison below independent of the clock.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    renamed = (*notetype.FIELDS[:-1], "Reserved")
    monkeypatch.setattr(notetype, "FIELDS", renamed)
    monkeypatch.setattr(compare, "FIELDS", renamed)
    edit(deck_file, "Show attention to detail", "Show care for detail")

    result = _build(deck_file, tmp_path)
    default = anki.import_apkg(result.output)

    assert result.report.lines()[:2] == [
        "warning: the note type's fields changed (Question, Tips, Example, Notes, Topic, Id, "
        "Extra -> Question, Tips, Example, Notes, Topic, Id, Reserved).",
        "  for this one import, tick 'Merge note types' and set 'Update notes: Always' in "
        "Anki's import dialog: without the tick every note you have is skipped as conflicting, "
        "and without 'Always' as unchanged. This replaces edits you made to these notes inside "
        "Anki; reviews and scheduling are kept.",
    ]
    assert default.conflicting == 10  # what the warning says happens without the tick
    merged = anki.col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(result.output),
            options=ImportAnkiPackageOptions(merge_notetypes=True, update_notes=ALWAYS),
        )
    )
    assert len(merged.log.conflicting) == 0 and len(merged.log.new) == 0
    assert len(merged.log.updated) == 10
    assert "Show care for detail" in anki.note("special-project")["Tips"]


def test_personal_answers_file_is_merged_by_id(deck_file, tmp_path, anki):
    mine = deck_file.with_name("resource-sharing-interview.mine.yaml")
    mine.write_text(
        "answers:\n  unhappy-user:\n    notes: |\n      The *missing thesis* story.\n",
        encoding="utf-8",
    )

    anki.import_apkg(_build(deck_file, tmp_path).output)

    assert anki.note("unhappy-user")["Notes"] == "<p>The <em>missing thesis</em> story.</p>"
    assert anki.note("ill-systems")["Notes"] == ""


def test_a_long_list_of_changes_is_cut_short(deck_file, tmp_path):
    _build(deck_file, tmp_path)
    text = deck_file.read_text(encoding="utf-8")
    for n in range(20):
        text += f"  - id: extra-{n:02d}\n    topic: More\n    question: Extra {n}?\n    tips: [t]\n"
    deck_file.write_text(text, encoding="utf-8")

    lines = _build(deck_file, tmp_path).report.lines()

    assert lines == [
        "new: 20 (extra-00, extra-01, extra-02, extra-03, extra-04, extra-05, extra-06, "
        "extra-07, extra-08, extra-09, extra-10, extra-11, and 8 more)"
    ]


# The README's regeneration table, row by row, where no test above covers a row.


def test_a_yaml_edit_built_after_an_anki_edit_wins(deck_file, tmp_path, anki, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    anki.import_apkg(_build(deck_file, tmp_path).output)
    note = anki.note("unhappy-user")
    note["Notes"] = "phone edit"
    anki.col.update_note(note)
    anki.col.db.execute("update notes set mod = ? where id = ?", 1800000050, note.id)
    edit(deck_file, "Listen first", "Hear them out")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000100")  # built after the phone edit

    log = anki.import_apkg(_build(deck_file, tmp_path).output)

    assert (log.new, log.updated) == (0, 1)
    assert "Hear them out" in anki.note("unhappy-user")["Tips"]
    assert anki.note("unhappy-user")["Notes"] == ""  # the YAML's version, as the table says


def test_an_added_question_adds_one_card(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    edit(
        deck_file,
        "questions:\n",
        "questions:\n  - id: brand-new\n    topic: New\n    question: New?\n    tips: [a]\n",
    )

    result = _build(deck_file, tmp_path)
    log = anki.import_apkg(result.output)

    assert (log.new, log.updated) == (1, 0)
    assert result.report.lines() == ["new: 1 (brand-new)"]


def test_a_changed_id_arrives_as_a_new_note_without_history(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output)
    card_id = anki.review("unhappy-user")
    edit(deck_file, "id: unhappy-user", "id: upset-user")

    log = anki.import_apkg(_build(deck_file, tmp_path).output)

    assert (log.new, log.updated) == (1, 0)
    assert anki.revlog(anki.card("upset-user").id) == 0
    assert anki.revlog(card_id) == 1  # the history stays with the old note
