# ruff: noqa: RUF001 (text in many scripts, on purpose)
"""A deck in any language: topic tags in every script, the card's language, labels and voice.

The multi-script deck (tests/fixtures/multiscript/собеседование.yaml) has one question in
each script: Cyrillic, Greek, Chinese, Japanese, Arabic, Hebrew, Devanagari, accented Latin,
and an English topic over an Arabic question. Its file name is Cyrillic on purpose.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from prepdeck.builds.pipeline import build_deck
from prepdeck.builds.state import state_path
from prepdeck.cards.notetype import Design, back_template
from prepdeck.cards.preview import card_previews, preview_page
from prepdeck.cards.render import render_note
from prepdeck.cards.select import Selection
from prepdeck.cli import cli
from prepdeck.deckfile.dump import dump_deck
from prepdeck.deckfile.labels import LABELS, card_labels, default_voice
from prepdeck.deckfile.load import load_deck, parse_deck_text
from prepdeck.deckfile.slugs import slugify
from prepdeck.errors import DeckFileError

from conftest import ROOT, SHIPPED, edit

MULTI = ROOT / "tests" / "fixtures" / "multiscript" / "собеседование.yaml"

# Every topic of the multi-script deck, with the slug its tag topic::<slug> carries.
SLUGS = {
    "Обслуживание": "обслуживание",
    "Επικοινωνία": "επικοινωνία",
    "沟通": "沟通",
    "チームワーク": "チームワーク",
    "التواصل": "التواصل",
    "תקשורת": "תקשורת",
    "संचार": "संचार",
    "Sécurité des soins": "sécurité-des-soins",
    "Customer service": "customer-service",
    "Other": "other",
}


@pytest.fixture
def multi(tmp_path) -> Path:
    """A copy of the multi-script deck in tmp_path/decks/, under its Cyrillic name."""
    folder = tmp_path / "decks"
    folder.mkdir()
    return Path(shutil.copy(MULTI, folder / MULTI.name))


@pytest.fixture
def run(multi, monkeypatch):
    monkeypatch.chdir(multi.parent.parent)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


# -- slugs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "slug"),
    [
        *SLUGS.items(),
        ("Σεμινάριο ΟΜΑΔΑΣ", "σεμινάριο-ομαδασ"),  # Anki's search finds it as ομαδας too
        ("Straße", "strasse"),  # case folding, as text is compared
        ("प्रबंधन और योजना", "प्रबंधन-और-योजना"),  # vowel signs and virama are kept
        ("می\u200cخواهم", "میخواهم"),  # a zero-width non-joiner changes no word
        ("Se\u0301curite\u0301", "sécurité"),  # decomposed accents are composed (NFC)
        ('a_b*c:d"e(f)g\\h', "a-b-c-d-e-f-g-h"),  # Anki's wildcards and search syntax
        ("東京\u3000大阪", "東京-大阪"),  # the ideographic space would split an Anki tag
        ("C++", "c"),
        ("???", "other"),
    ],
)
def test_a_topic_keeps_every_letter_of_its_script(topic, slug):
    assert slugify(topic) == slug


def _old_slug(text: str) -> str:
    # The rule of earlier releases, which every ASCII deck's tags were made with.
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "other"


@given(st.text(st.characters(max_codepoint=127)))
def test_an_ascii_topic_keeps_the_slug_of_earlier_releases(topic):
    assert slugify(topic) == _old_slug(topic)


@given(st.text(st.characters(exclude_categories=("Cs",))))
def test_a_slug_holds_nothing_anki_would_split_drop_or_read_as_search_syntax(topic):
    slug = slugify(topic)

    assert slug and slug == unicodedata.normalize("NFC", slug)
    assert not re.search(r"[\s\x00-\x1f\x7f*_:\"()\\]", slug)
    assert not slug.startswith("-") and not slug.endswith("-") and "--" not in slug


def test_the_shipped_deck_keeps_its_tags_and_a_rebuild_changes_no_note(tmp_path):
    folder = tmp_path / "decks"
    folder.mkdir()
    deck_file = Path(shutil.copy(SHIPPED, folder / SHIPPED.name))
    shutil.copy(state_path(SHIPPED), state_path(deck_file))

    lines = build_deck(deck_file, out_dir=tmp_path / "dist", dry_run=True).report.lines()

    assert not [line for line in lines if line.startswith(("changed", "added", "moved"))]
    tags = {render_note(q).tags[-1] for q in load_deck(deck_file).questions}
    assert tags == {f"topic::{_old_slug(q.topic)}" for q in load_deck(deck_file).questions}


def test_each_script_gets_its_own_tag_that_anki_finds(multi, tmp_path, anki):
    log = anki.import_apkg(build_deck(multi, out_dir=tmp_path / "dist").output)
    deck = load_deck(multi)

    assert log.new == len(deck.questions) == len(SLUGS)
    for topic, slug in SLUGS.items():
        wanted = sorted(q.id for q in deck.questions if q.topic == topic)
        for search in (f"tag:topic::{slug}", f"tag:topic::{slug.upper()}"):
            found = sorted(anki.col.get_note(n)["Id"] for n in anki.col.find_notes(search))
            assert found == wanted, search
    # Anki stored each tag exactly as written: nothing for it to normalise.
    stored = {t for t in anki.col.tags.all() if t.startswith("topic::")}
    assert stored == {f"topic::{slug}" for slug in SLUGS.values()}


@pytest.mark.parametrize(
    ("first", "second", "why"),
    [
        (
            "Customer service",
            "Customer Service",
            "differ only in case or spacing; write both the same way",
        ),
        ("C++", "C#", "would share the tag topic::c; rename one so each has its own tag"),
        ("Other", "???", "would share the tag topic::other; rename one so each has its own tag"),
    ],
)
def test_two_topics_with_one_tag_are_refused(first, second, why):
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace("topic: Customer service", f'topic: "{first}"', 1)
    text = text.replace("topic: Policies and procedures", f'topic: "{second}"', 1)
    lines = text.splitlines()
    line = lines.index(f'    topic: "{second}"') + 1
    first_line = lines.index(f'    topic: "{first}"')  # its question starts one line above

    with pytest.raises(DeckFileError) as err:
        parse_deck_text(text, "d.yaml")

    assert [str(p) for p in err.value.problems] == [
        f"d.yaml:{line}:12: questions[2].topic: '{second}' and '{first}' (line {first_line}) " + why
    ]


def test_a_clash_is_reported_at_its_own_item_even_on_one_line():
    text = (
        "deck: {key: k, name: N}\n"
        "questions: [ab, {id: a, topic: Teamwork, question: Q, tips: [t]},"
        " {id: b, topic: teamwork, question: Q, tips: [t]}]\n"
    )

    with pytest.raises(DeckFileError) as err:
        parse_deck_text(text, "d.yaml")

    assert [str(p) for p in err.value.problems] == [
        "d.yaml:2:13: questions[0]: expected a mapping (key: value lines), found text",
        "d.yaml:2:82: questions[2].topic: 'teamwork' and 'Teamwork' (line 2) differ only in "
        "case or spacing; write both the same way",
    ]


# -- selecting and listing in any script --------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("Обслуживание", ["service-ru"]),
        ("ОБСЛУЖИВАНИЕ", ["service-ru"]),
        ("επικοινωνία", ["communication-el"]),
        ("沟通", ["communication-zh"]),
        ("التواصل", ["communication-ar"]),
        ("תקשורת", ["communication-he"]),
        ("संचार", ["communication-hi"]),
        ("SÉCURITÉ DES SOINS", ["safety-fr"]),
        ("se\u0301curite\u0301-des-soins", ["safety-fr"]),
        ("other", ["other-en"]),
    ],
)
def test_a_topic_is_selected_by_name_or_slug_in_any_script(value, ids):
    deck = load_deck(MULTI)

    assert [q.id for q in deck.questions if Selection(topics=(value,)).matches(q)] == ids


def test_topics_list_and_build_work_on_a_deck_file_named_in_cyrillic(run, multi):
    topics = json.loads(run("topics", "--json").stdout)
    listed = run("list", "--topic", "沟通", "--topic", "Sécurité des soins")
    built = run("build", "--topic", "التواصل", "--tag", "сервис")
    one = run("build", str(multi.relative_to(multi.parent.parent)), "--topic", "תקשורת")

    assert [(t["topic"], t["slug"]) for t in topics] == list(SLUGS.items())
    assert [line.split()[0] for line in listed.stdout.splitlines()] == [
        "ID",
        "communication-zh",
        "safety-fr",
    ]
    assert (built.exit_code, built.stderr) == (
        1,
        "prepdeck: no question matches the selection (topic التواصل, tag сервис); "
        "nothing was written\n",
    )
    assert one.exit_code == 0, one.stderr
    assert (multi.parent.parent / "dist" / "multiscript-interview__topic-תקשורת.apkg").is_file()
    assert state_path(multi).name == "собеседование.state.json" and state_path(multi).is_file()


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        ("обс", ["обслуживание"]),
        ("ОБС", ["обслуживание"]),
        ("沟", ["沟通"]),
        ("ال", ["التواصل"]),
        ("Séc", ["sécurité-des-soins"]),
        ("secu", ["sécurité-des-soins"]),
        ("CUST", ["customer-service"]),
    ],
)
def test_completion_offers_topic_slugs_in_any_script(run, monkeypatch, typed, offered):
    monkeypatch.setenv("_PREPDECK_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", f"prepdeck list --topic {typed}")
    monkeypatch.setenv("COMP_CWORD", "3")

    result = CliRunner().invoke(cli, [], prog_name="prepdeck")

    assert result.stdout.splitlines() == [f"plain,{v}" for v in offered]


def test_completion_offers_tags_in_any_script(run, monkeypatch):
    monkeypatch.setenv("_PREPDECK_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "prepdeck build --tag СЕ")
    monkeypatch.setenv("COMP_CWORD", "3")

    result = CliRunner().invoke(cli, [], prog_name="prepdeck")

    assert result.stdout == "plain,сервис\n"


# -- the card's language -------------------------------------------------------------------

ARABIC_DECK = """\
deck:
  key: arabic-deck
  name: مقابلة
  language: ar
questions:
  - id: q1
    topic: التواصل
    question: كيف تشرح سياسة الإعارة؟
    tips: [ابدأ بالهدف.]
"""


def test_every_listed_language_has_all_labels():
    wanted = {"en", "de", "fr", "es", "pt", "it", "nl", "pl", "ru", "zh", "ja", "ar"}

    assert wanted <= set(LABELS)
    for language, labels in LABELS.items():
        assert set(labels) == set(LABELS["en"]), language
        assert len(set(labels.values())) == len(labels), language


def test_the_language_sets_lang_labels_and_voice():
    deck = parse_deck_text(ARABIC_DECK)

    back = back_template(Design.of(deck))
    assert (deck.language, deck.speak) == ("ar", "ar_SA")
    assert '<div class="pd pd-back" lang="ar">' in back
    assert [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2[^>]*>.*?</h2>", back)] == [
        "نصائح",
        "إجابة نموذجية",
        "ملاحظاتي",
    ]


@pytest.mark.parametrize(
    ("language", "speak", "voice"),
    [
        ("de", None, "de_DE"),
        ("pt-PT", None, "pt_PT"),
        ("zh-Hant", None, "zh_TW"),
        ("sw", None, "sw"),
        ("de", "de_AT", "de_AT"),
        ("de", "off", ""),
        (None, None, ""),
        (None, "en_GB", "en_GB"),
    ],
)
def test_speak_follows_the_language_unless_told_otherwise(language, speak, voice):
    lines = ["deck:", "  key: k", "  name: N"]
    lines += [f"  language: {language}"] if language else []
    lines += [f"  speak: {speak}"] if speak else []
    text = "\n".join(lines) + "\nquestions:\n  - {id: q, topic: T, question: Q, tips: [t]}\n"

    deck = parse_deck_text(text)

    assert deck.speak == voice
    again = parse_deck_text(dump_deck(deck))
    assert (again.speak, again.language) == (deck.speak, deck.language)


def test_a_deck_can_rename_any_label():
    text = ARABIC_DECK.replace(
        "  language: ar\n", "  language: de\n  labels:\n    tips: Hinweise\n"
    )

    deck = parse_deck_text(text)

    assert deck.labels == (("tips", "Hinweise"),)
    words = card_labels(deck.language, deck.labels)
    assert (words["tips"], words["example"], words["notes"]) == (
        "Hinweise",
        "Beispielantwort",
        "Meine Notizen",
    )
    assert ">Hinweise</h2>" in back_template(Design.of(deck))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            "  language: German\n",
            "4:13: deck.language: 'German' is not a language code such as de, fr, pt-BR or "
            "zh-Hant (language in lowercase, region in capitals, joined by '-')",
        ),
        (
            "  language: pt_BR\n",
            "4:13: deck.language: 'pt_BR' is not a language code such as de, fr, pt-BR or "
            "zh-Hant (language in lowercase, region in capitals, joined by '-')",
        ),
        (
            "  labels:\n    tipps: Tipps\n",
            "5:5: deck.labels: unknown key 'tipps'; did you mean 'tips'?",
        ),
        (
            "  labels:\n    tips: '{{Question}}'\n",
            "5:11: deck.labels.tips: contains { }; labels are plain text, without {}[]<>\\",
        ),
        (
            "  labels:\n    notes: '<b>Notes</b>'\n",
            "5:12: deck.labels.notes: contains < >; labels are plain text, without {}[]<>\\",
        ),
        (
            "  labels: Tips\n",
            "4:11: deck.labels: expected a mapping (key: value lines), found text",
        ),
        ("  labels:\n    tips:\n", "5:10: deck.labels.tips: is empty; write some text here"),
    ],
)
def test_bad_language_and_labels_are_reported_at_their_line(lines, message):
    text = "deck:\n  key: k\n  name: N\n" + lines
    text += "questions:\n  - {id: q, topic: T, question: Q, tips: [t]}\n"

    with pytest.raises(DeckFileError) as err:
        parse_deck_text(text)

    assert [f"{p.line}:{p.column}: {p.message}" for p in err.value.problems] == [message]


def test_default_voice_prefers_the_region_written():
    assert [default_voice(c) for c in ("", "en", "en-GB", "zh", "zh-Hans", "es-419")] == [
        "",
        "en_US",
        "en_GB",
        "zh_CN",
        "zh_CN",
        "es_ES",
    ]


def test_changing_the_language_updates_the_card_design_and_keeps_reviews(multi, tmp_path, anki):
    anki.import_apkg(build_deck(multi, out_dir=tmp_path / "dist").output)
    card_id = anki.review("communication-ar")
    edit(
        multi,
        "  name: Собеседование::Every script\n",
        "  name: Собеседование::Every script\n  language: ar\n",
    )

    result = build_deck(multi, out_dir=tmp_path / "dist")
    log = anki.import_apkg(result.output)

    assert result.report.lines() == [
        "card design changed (templates or CSS): Anki updates it on import with the default "
        "options."
    ]
    assert (log.new, log.updated, log.conflicting) == (0, 0, 0)
    assert anki.revlog(card_id) == 1
    notetype = anki.col.models.by_name("prepdeck-multiscript-interview")
    assert 'lang="ar"' in notetype["tmpls"][0]["qfmt"]
    answer = anki.card("communication-ar").answer()
    assert 'lang="ar"' in answer and "نصائح" in answer and "إجابة نموذجية" in answer
    assert [(t.lang, t.field_text) for t in anki.card("service-ru").question_av_tags()] == [
        ("ar_SA", "Как вы работаете с недовольным читателем?")
    ]


def test_preview_shows_a_deck_in_any_language_exactly_as_anki_does(multi, tmp_path, anki):
    arabic = multi.with_name("arabic.yaml")
    arabic.write_text(ARABIC_DECK.replace("tips: [", "example: مثال\n    tips: ["), "utf-8")
    for path in (multi, arabic):
        anki.import_apkg(build_deck(path, out_dir=tmp_path / "dist").output)
    decks = [load_deck(multi), load_deck(arabic)]

    previews = [p for d in decks for p in card_previews(d, [render_note(q) for q in d.questions])]

    assert len(previews) == 11
    for preview in previews:
        card = anki.card(preview.id)
        assert re.sub(r"^<style>.*?</style>", "", card.question(), flags=re.S) == preview.front
        assert re.sub(r"^<style>.*?</style>", "", card.answer(), flags=re.S) == preview.back
    page = preview_page(previews, "t")
    # Each frame is a document in a srcdoc attribute, so its tags appear HTML-escaped.
    assert page.count(html.escape('<html class="mobile" lang="ar">')) == 4  # 2 sides, 2 modes
    assert page.count(html.escape('<html class="mobile">')) == 40


# -- paths with spaces ---------------------------------------------------------------------


def test_make_installs_with_constraints_from_a_folder_with_spaces(tmp_path):
    """pip splits PIP_CONSTRAINT at spaces: the Makefile must not hand it an absolute path."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    folder = tmp_path / "my dir" / "prépdeck"
    folder.mkdir(parents=True)
    for name in ("Makefile", "constraints.txt"):
        shutil.copy(ROOT / name, folder / name)
    # This checkout's venv, by a path without spaces (it may itself live under one).
    venv = tmp_path / "venv"
    venv.symlink_to(sys.prefix, target_is_directory=True)
    # The Makefile's own pip command, reading PIP_CONSTRAINT; setuptools is installed already.
    check = "pipcheck: ; $(PIP) install --dry-run --no-index --no-deps setuptools"

    proc = subprocess.run(
        [make, f"VENV={venv}", "--eval", check, "pipcheck"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )

    assert proc.returncode == 0, proc.stderr


def test_one_topic_typed_in_two_unicode_forms_is_one_topic():
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace("topic: Customer service", 'topic: "Sécurité"', 1)
    text = text.replace("topic: Policies and procedures", 'topic: "Se\u0301curite\u0301"', 1)

    deck = parse_deck_text(text)

    assert deck.topics.count("Sécurité") == 1 and "Se\u0301curite\u0301" not in deck.topics


def test_turkish_dotted_capital_i_matches_a_plain_i():
    from prepdeck.cards.select import Selection
    from prepdeck.deckfile.slugs import slugify

    deck = parse_deck_text(
        "deck: {key: tr, name: Mülakat}\nquestions:\n"
        "  - {id: q, topic: İstanbul şubesi, question: Neden?, tips: [a], tags: [İş]}\n"
    )
    (q,) = deck.questions

    assert slugify("İstanbul şubesi") == "istanbul-şubesi"
    assert Selection(topics=("istanbul şubesi",)).matches(q)
    assert Selection(topics=("ISTANBUL-ŞUBESI",)).matches(q)
    assert Selection(tags=("iş",)).matches(q)
