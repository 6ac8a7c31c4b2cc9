"""The note type's schema is a contract with every learner: it changes only on purpose."""

from __future__ import annotations

from prepdeck.cards import notetype

# Every schema version ever shipped. Changing FIELDS or CARD_TYPES strands learners' notes
# as "conflicting" in Anki; do it only with a SCHEMA_VERSION bump, a new entry here, and a
# CHANGELOG entry that tells learners to tick "Merge note types" once.
SHIPPED_SCHEMAS = {
    1: (("Question", "Tips", "Example", "Notes", "Topic", "Id", "Extra"), ("Question",)),
}


def test_schema_changes_only_with_a_version_bump():
    assert SHIPPED_SCHEMAS[notetype.SCHEMA_VERSION] == (notetype.FIELDS, notetype.CARD_TYPES)


def test_ids_depend_only_on_the_deck_key_and_question_id():
    assert notetype.note_guid("deck-a", "q1") == notetype.note_guid("deck-a", "q1")
    assert len({notetype.note_guid(k, q) for k in ("deck-a", "deck-b") for q in ("q1", "q2")}) == 4
    assert notetype.notetype_id("deck-a") != notetype.notetype_id("deck-b")
    assert 2**30 <= notetype.stable_id("deck", "deck-a") < 2**31


def test_front_keeps_a_plain_question_reference_with_or_without_speech():
    silent = notetype.front_template(notetype.Design())
    spoken = notetype.front_template(notetype.Design(speak="en_US"))

    assert "{{Question}}" in silent and "{{tts" not in silent
    assert "{{Question}}" in spoken and "{{tts en_US:Question}}" in spoken
    assert "prepdeck:" not in silent + spoken  # every mark is filled or removed


def test_genanki_generates_one_card_for_a_note_with_only_required_fields():
    import genanki

    model = notetype.genanki_model("deck-a", notetype.Design(speak="en_US"))
    note = genanki.Note(model=model, fields=["Q?", "<ul><li>t</li></ul>", "", "", "T", "q", ""])

    assert [c.ord for c in note.cards] == [0]


def test_style_fingerprint_follows_templates_and_speech():
    assert notetype.style_fingerprint("deck-a") == notetype.style_fingerprint("deck-a")
    assert notetype.style_fingerprint("deck-a") != notetype.style_fingerprint(
        "deck-a", notetype.Design(speak="en_US")
    )
