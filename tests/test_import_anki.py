"""`prepdeck import` from Anki packages: genanki's, the real backend's (both formats), ours."""

from __future__ import annotations

from pathlib import Path

import genanki
import pytest
from click.testing import CliRunner

from prepdeck.cli import cli
from prepdeck.deckfile.load import load_deck

from conftest import Anki, tips_text


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def imported(tmp_path: Path, source: Path, *options: str):
    """Import `source` to a new deck file; return the loaded deck and the command's result."""
    out = tmp_path / "decks" / f"{source.stem}-{len(list(tmp_path.glob('decks/*')))}.yaml"
    result = run("import", str(source), "-o", str(out), *options)
    assert result.exit_code == 0, result.output
    return load_deck(out), result


def build(deck_path: Path, apkg: Path) -> Path:
    result = run("build", str(deck_path), "-o", str(apkg))
    assert result.exit_code == 0, result.output
    return apkg


def shape(deck):
    """What a learner sees of each question. Tags as a set: Anki keeps a note's tags sorted."""
    return [(q.id, q.topic, q.question, q.tips, tuple(sorted(q.tags)), q.example.strip(),
             q.notes.strip(), q.retired) for q in deck.questions]  # fmt: skip


# --- packages made by genanki (the legacy collection.anki2 format) ----------------------


def test_genanki_basic_package_front_and_back(tmp_path, anki):
    deck = genanki.Deck(2059400110, "Library Jobs::Reference")
    for front, back in [
        (
            "What is <b>ILL</b>?",
            "<div>Borrowing between libraries</div><div>Lending&nbsp;too</div>",
        ),
        ("Why reference work?", "<ul><li>People</li><li>Puzzles</li></ul>"),
        ("Name a catalogue", "WorldCat<br>Library Hub Discover"),
    ]:
        deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=[front, back], tags=["jobs"]))
    apkg = tmp_path / "basic.apkg"
    genanki.Package(deck).write_to_file(str(apkg))

    got, result = imported(tmp_path, apkg)

    assert "note type 'Basic (genanki)': Front -> question, Back -> tips" in result.stderr
    assert got.name == "Library Jobs"
    assert [(q.topic, q.question, q.tips, q.tags) for q in got.questions] == [
        ("Reference", "What is ILL?", ("Borrowing between libraries", "Lending too"), ("jobs",)),
        ("Reference", "Why reference work?", ("People", "Puzzles"), ("jobs",)),
        ("Reference", "Name a catalogue", ("WorldCat", "Library Hub Discover"), ("jobs",)),
    ]
    assert [q.id for q in got.questions] == [
        "what-is-ill",
        "why-reference-work",
        "name-a-catalogue",
    ]
    log = anki.import_apkg(build(Path(got.source), tmp_path / "out.apkg"))
    assert log.new == 3
    assert tips_text(anki.note("what-is-ill")["Tips"]) == [
        "Borrowing between libraries",
        "Lending too",
    ]


CUSTOM = genanki.Model(
    1607392319,
    "Interview Card",
    fields=[{"name": "Prompt"}, {"name": "Key points"}, {"name": "My story"}, {"name": "Source"}],
    templates=[{"name": "Card 1", "qfmt": "{{Prompt}}", "afmt": "{{Key points}}<hr>{{My story}}"}],
)


def _custom_package(tmp_path: Path) -> Path:
    deck = genanki.Deck(2059400111, "Interview Prep")
    deck.add_note(
        genanki.Note(
            model=CUSTOM,
            fields=[
                "Describe a project you led",
                "Scope<br>Team<br>Result",
                "The <i>move</i>",
                "web",
            ],
        )
    )
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=["Basic one?", "Yes"]))
    apkg = tmp_path / "custom.apkg"
    genanki.Package(deck).write_to_file(str(apkg))
    return apkg


def test_custom_note_type_with_field_mapping(tmp_path, anki):
    apkg = _custom_package(tmp_path)

    got, result = imported(
        tmp_path,
        apkg,
        "--note-type",
        "interview card",
        "--field",
        "Prompt=question",
        "--field",
        "Key points=tips",
        "--field",
        "My story=notes",
        "--topic",
        "Projects",
    )

    assert shape(got)[0][1:] == (
        "Projects",
        "Describe a project you led",
        ("Scope", "Team", "Result"),
        (),
        "",
        "The *move*",
        False,
    )
    assert len(got.questions) == 1
    assert "1 note of type 'Basic (genanki)' (not --note-type 'interview card')" in result.stderr
    assert "left out: Source" in result.stderr
    assert anki.import_apkg(build(Path(got.source), tmp_path / "o.apkg")).new == 1


def test_custom_note_type_without_mapping_uses_first_two_fields_and_says_so(tmp_path):
    got, result = imported(tmp_path, _custom_package(tmp_path))

    assert "note type 'Interview Card': Prompt -> question, Key points -> tips" in result.stderr
    assert [q.question for q in got.questions] == ["Describe a project you led", "Basic one?"]


def test_unknown_note_type_lists_the_ones_there(tmp_path):
    result = run("import", str(_custom_package(tmp_path)), "--note-type", "Nope")

    assert result.exit_code == 1
    assert (
        "has no note type 'Nope'; it has: 'Interview Card' (1 notes), 'Basic (genanki)' (1 notes)"
        in (result.stderr)
    )


# --- packages made by the real Anki backend --------------------------------------------


def _backend_collection(folder: Path) -> Anki:
    """A collection as a learner makes it in Anki: Basic notes, a cloze note, an image."""
    a = Anki(folder)
    col = a.col
    did = col.decks.id("Interviews::Behavioural")
    basic = col.models.by_name("Basic")
    for front, back in [
        ("Tell me about a conflict", "<div>Situation</div><div>What <b>you</b> did</div>"),
        ("Why this role?", 'Growth<br>See <a href="https://example.org/job">the ad</a>'),
    ]:
        note = col.new_note(basic)
        note["Front"], note["Back"] = front, back
        col.add_note(note, did)
    image = col.media.write_data("chart.png", b"\x89PNG\r\n\x1a\n fake")
    note = col.new_note(basic)
    note["Front"], note["Back"] = "Read this chart", f'Trend up<img src="{image}">'
    col.add_note(note, col.decks.id("Interviews::Data"))
    cloze = col.new_note(col.models.by_name("Cloze"))
    cloze["Text"] = "ILL stands for {{c1::interlibrary loan}}"
    col.add_note(cloze, did)
    return a


@pytest.mark.parametrize("kind", ["apkg-new", "apkg-legacy", "colpkg-new", "colpkg-legacy"])
def test_backend_package_both_formats(kind, tmp_path, anki):
    from anki.collection import ExportAnkiPackageOptions

    (tmp_path / "src").mkdir()
    source = _backend_collection(tmp_path / "src")
    legacy = kind.endswith("legacy")
    package = tmp_path / f"export.{kind.split('-')[0]}"
    if kind.startswith("apkg"):
        options = ExportAnkiPackageOptions(
            with_scheduling=False, with_deck_configs=False, with_media=True, legacy=legacy
        )
        source.col.export_anki_package(out_path=str(package), options=options, limit=None)
    else:
        source.col.export_collection_package(str(package), include_media=True, legacy=legacy)
    source.close()

    got, result = imported(tmp_path, package)

    assert got.name == "Interviews"
    assert [(q.topic, q.question, q.tips) for q in got.questions] == [
        ("Behavioural", "Tell me about a conflict", ("Situation", "What **you** did")),
        ("Behavioural", "Why this role?", ("Growth", "See [the ad](https://example.org/job)")),
        ("Data", "Read this chart", ("Trend up",)),
    ]
    assert "skipped: 1 note of type 'Cloze' (a cloze note type)" in result.stderr
    assert "skipped: 2 media items (files, images, sounds: not imported)" in result.stderr
    log = anki.import_apkg(build(Path(got.source), tmp_path / "o.apkg"))
    assert log.new == 3
    assert '<a href="https://example.org/job">the ad</a>' in anki.note("why-this-role")["Tips"]


# HTML as Anki's editor stores it (set through the backend and read back), and what the
# learner gets: Markdown tips, one per line break, list item or block.
EDITOR_SAMPLES = [
    (
        "<b>bold</b> and <i>slanted</i> and <u>underlined</u>",
        ["**bold** and *slanted* and underlined"],
    ),
    ("one<br>two<br><br>three", ["one", "two", "three"]),
    ("<div>first</div><div>second&nbsp;point</div>", ["first", "second point"]),
    (
        '<a href="https://example.org/x?a=1&amp;b=2">site</a>',
        ["[site](https://example.org/x?a=1&b=2)"],
    ),
    ('<a href="javascript:alert(1)">click</a>', ["click"]),
    ("<ul><li>a</li><li><b>b</b></li></ul>", ["a", "**b**"]),
    ("<ol><li>first</li><li>second</li></ol>", ["first", "second"]),
    ("2 * 3 &lt; 4 &amp; [x] _y_", ["2 \\* 3 \\< 4 & \\[x\\] \\_y\\_"]),
    ('<span style="color: rgb(255, 0, 0);">red</span> text', ["red text"]),
    ("<div><br></div><div>after a blank line</div>", ["after a blank line"]),
    ("- not a list<br>1. not a number", ["\\- not a list", "1\\. not a number"]),
]


def test_html_from_anki_editor_becomes_markdown_tips(tmp_path, anki):
    from anki.collection import ExportAnkiPackageOptions

    (tmp_path / "src").mkdir()
    source = Anki(tmp_path / "src")
    did = source.col.decks.id("Editor")
    for n, (html, _) in enumerate(EDITOR_SAMPLES):
        note = source.col.new_note(source.col.models.by_name("Basic"))
        note["Front"] = f"Sample {n}"
        source.col.add_note(note, did)
        note["Back"] = html
        source.col.update_note(note)  # as the editor saves a field
    stored = [source.col.get_note(nid)["Back"] for nid in sorted(source.col.find_notes(""))]
    package = tmp_path / "editor.apkg"
    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=False, legacy=False
    )
    source.col.export_anki_package(out_path=str(package), options=options, limit=None)
    source.close()

    got, _ = imported(tmp_path, package)

    assert stored == [html for html, _ in EDITOR_SAMPLES]  # what the backend keeps
    assert [list(q.tips) for q in got.questions] == [tips for _, tips in EDITOR_SAMPLES]
    # and each builds into a card that shows the same words
    anki.import_apkg(build(Path(got.source), tmp_path / "o.apkg"))
    assert tips_text(anki.note("sample-7")["Tips"]) == ["2 * 3 &lt; 4 &amp; [x] _y_"]
    assert "<strong>bold</strong>" in anki.note("sample-0")["Tips"]


def test_cloze_note_type_chosen_explicitly_is_refused_with_the_reason(tmp_path):
    (tmp_path / "src").mkdir()
    source = _backend_collection(tmp_path / "src")
    package = tmp_path / "c.colpkg"
    source.col.export_collection_package(str(package), include_media=False, legacy=False)
    source.close()

    result = run("import", str(package), "--note-type", "cloze")

    assert result.exit_code == 1
    assert "'Cloze' is a cloze note type; prepdeck cards are questions with tips" in result.stderr


# --- a package prepdeck built comes back with its identity -----------------------------


@pytest.mark.parametrize("via", ["prepdeck-apkg", "anki-export-new", "anki-export-legacy"])
def test_prepdeck_package_round_trip_keeps_identity_and_adds_no_notes(via, tmp_path, deck_file):
    from anki.collection import ExportAnkiPackageOptions

    original = load_deck(deck_file, with_answers=False)
    apkg = build(deck_file, tmp_path / "original.apkg")
    (tmp_path / "learner").mkdir()
    learner = Anki(tmp_path / "learner")
    assert learner.import_apkg(apkg).new == len(original.questions)
    reviewed = learner.review("ill-systems")
    if via == "prepdeck-apkg":
        source = apkg
    else:
        source = tmp_path / "exported.apkg"
        options = ExportAnkiPackageOptions(
            with_scheduling=True,
            with_deck_configs=False,
            with_media=False,
            legacy=via.endswith("legacy"),
        )
        learner.col.export_anki_package(out_path=str(source), options=options, limit=None)

    got, result = imported(tmp_path, source)

    assert "kept from the package" in result.stderr
    assert (got.key, got.name, got.subdecks, got.speak) == (
        original.key,
        original.name,
        original.subdecks,
        original.speak,
    )
    assert got.description == original.description.strip()
    assert shape(got) == shape(original)
    # The use: the deck file was lost. (Beside it, the copy would be refused: one key, one
    # deck file per folder.)
    deck_file.unlink()
    log = learner.import_apkg(build(Path(got.source), tmp_path / "rebuilt.apkg"))
    assert (log.new, log.conflicting) == (0, 0)
    assert len(learner.col.find_notes("")) == len(original.questions)
    assert learner.revlog(reviewed) == 1
    learner.close()


def test_subdecks_by_topic_and_speech_come_back(tmp_path, deck_file):
    from anki.collection import ExportAnkiPackageOptions

    text = deck_file.read_text(encoding="utf-8")
    settings = "deck:\n  subdecks: by-topic\n  speak: en_GB\n"
    deck_file.write_text(text.replace("deck:\n", settings, 1), encoding="utf-8")
    apkg = build(deck_file, tmp_path / "o.apkg")
    (tmp_path / "learner").mkdir()
    learner = Anki(tmp_path / "learner")
    learner.import_apkg(apkg)
    exported = tmp_path / "exported.apkg"  # the current format: settings read from protobuf
    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=False, legacy=False
    )
    learner.col.export_anki_package(out_path=str(exported), options=options, limit=None)
    learner.close()

    for source in (apkg, exported):
        got, _ = imported(tmp_path, source)

        assert (got.name, got.subdecks, got.speak) == (
            load_deck(deck_file).name,
            "by-topic",
            "en_GB",
        )
        assert {q.topic for q in got.questions} == set(load_deck(deck_file).topics)


def test_retired_questions_and_tags_come_back(tmp_path, deck_file):
    text = deck_file.read_text(encoding="utf-8")
    first_id = load_deck(deck_file).questions[0].id
    deck_file.write_text(
        text.replace(f"id: {first_id}\n", f"id: {first_id}\n    retired: true\n", 1),
        encoding="utf-8",
    )

    got, _ = imported(tmp_path, build(deck_file, tmp_path / "o.apkg"))

    assert shape(got) == shape(load_deck(deck_file, with_answers=False))
    assert got.questions[0].retired
