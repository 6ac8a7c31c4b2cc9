"""Ready on interview day: the plan, its preset in the real backend, simulated study days,
and the countdown and timer in Chromium."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from click.testing import CliRunner

from prepdeck.builds.pipeline import build_deck
from prepdeck.builds.state import local_state_path, state_path
from prepdeck.cards.plan import make_plan, plan_lines
from prepdeck.cards.select import Selection
from prepdeck.cli import cli

from conftest import Anki, chromium, edit

# Builds happen at noon UTC on Tue 1 Dec 2026: the same calendar day in any time zone within
# eleven hours of UTC, whatever day the tests run.
TODAY = dt.date(2026, 12, 1)
NOON = int(dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc).timestamp())


@pytest.fixture(autouse=True)
def _fixed_day(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(NOON))


def _mine(deck_file, text: str) -> None:
    deck_file.with_name("resource-sharing-interview.mine.yaml").write_text(text, encoding="utf-8")


def _build(deck_file, tmp_path, **options):
    return build_deck(deck_file, out_dir=tmp_path / "dist", **options)


def _preset(anki, deck_name: str) -> dict:
    return anki.col.decks.config_dict_for_deck_id(anki.col.decks.id_for_name(deck_name))


NAME = "Resource Sharing Librarian Interview"


# -- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize("questions", [1, 7, 22, 60, 300])
@pytest.mark.parametrize("days", [3, 5, 15, 21, 60, 120])
def test_the_rule_shows_every_question_two_days_ahead_at_an_even_pace(questions, days):
    plan = make_plan(questions, TODAY, TODAY + dt.timedelta(days=days))

    assert plan.new_per_day * (days - 2) >= questions  # every question fits in the new days
    assert (plan.interview - plan.last_new_day).days >= 2
    assert plan.new_per_day == math.ceil(questions / (days - 2))  # even: no day over the rest
    assert 2 <= plan.max_interval <= 7 and plan.max_interval <= days - 1


def test_the_plan_text_for_a_normal_case():
    plan = make_plan(22, TODAY, dt.date(2026, 12, 16))

    assert plan_lines(plan, TODAY, filtered=False) == [
        "interview plan: 22 questions, 15 days to Wed 16 Dec: 2 new cards a day until Fri 11 "
        "Dec, then review only; every card comes back within 3 days.",
        "  to apply it, tick 'Import any deck presets' in Anki's import dialog (or set the "
        "deck's options by hand: New cards/day 2, Maximum interval 3 days).",
    ]


def test_the_plan_text_when_the_date_is_too_close():
    plan = make_plan(10, TODAY, dt.date(2026, 12, 2))

    lines = plan_lines(plan, TODAY, filtered=False)

    assert lines[0] == (
        "interview plan: 10 questions, 1 day to Wed 2 Dec: 10 new on Tue 1 Dec, then review "
        "only; every card comes back within 1 day."
    )
    assert lines[2] == (
        "  warning: the interview is too close for this deck: some questions are first shown "
        "less than two days before it. Focus on what matters most with --topic or --tag."
    )


def test_the_plan_text_when_the_deck_is_large_for_the_time_left():
    plan = make_plan(300, TODAY, dt.date(2026, 12, 11))

    lines = plan_lines(plan, TODAY, filtered=False)

    assert lines[0].startswith("interview plan: 300 questions, 10 days to Fri 11 Dec: 38 new")
    assert lines[2] == (
        "  warning: 38 new cards a day is a heavy pace (Anki's default is 20). Focus on what "
        "matters most with --topic or --tag."
    )


def test_a_filtered_build_carries_the_whole_decks_plan(deck_file, tmp_path):
    full = _build(deck_file, tmp_path, interview="2026-12-11")
    filtered = _build(
        deck_file,
        tmp_path,
        selection=Selection(topics=("teamwork-and-collaboration",)),
        interview="2026-12-11",
    )

    assert filtered.notes == 3
    assert filtered.plan == full.plan and full.plan.questions == 10
    assert filtered.report.plan[:3] == [
        "interview plan: 10 questions in the whole deck, 10 days to Fri 11 Dec: 2 new cards a "
        "day until Sat 5 Dec, then review only; every card comes back within 2 days.",
        full.report.plan[1],
        "  this filtered package carries the whole deck's plan (the full build's preset), so "
        "importing it never gives your deck a pace of its own.",
    ]


# -- the date: command line and answers file -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-11-30", "--interview: 2026-11-30 is in the past; give the date of an interview "
         "still to come"),
        ("2026-12-01", "--interview: 2026-12-01 is today; give the date of an interview still to "
         "come"),
        ("2026-02-30", "--interview: '2026-02-30' is not a date written YYYY-MM-DD, such as "
         "2026-12-15"),
        ("15/12/2026", "--interview: '15/12/2026' is not a date written YYYY-MM-DD, such as "
         "2026-12-15"),
    ],
)  # fmt: skip
def test_a_command_line_date_that_cannot_be_an_interview_is_refused(
    deck_file, monkeypatch, value, message
):
    monkeypatch.chdir(deck_file.parent.parent)

    result = CliRunner().invoke(cli, ["build", "--interview", value])

    assert (result.exit_code, result.stderr) == (1, f"prepdeck: {message}\n")
    assert not (deck_file.parent.parent / "dist").exists()


def test_a_passed_date_in_the_answers_file_builds_without_a_plan(deck_file, tmp_path):
    _mine(deck_file, "interview: 2026-11-20\n")

    result = _build(deck_file, tmp_path)

    assert result.plan is None
    assert result.report.plan == [
        f"warning: the interview date 2026-11-20 in {deck_file.with_suffix('')}.mine.yaml has "
        "passed: this build has no plan and no countdown (see 'After the interview' in the "
        "README)"
    ]
    assert "pd-countdown" not in _front(result)


def test_an_interview_today_is_not_called_passed(deck_file, tmp_path):
    _mine(deck_file, f"interview: {TODAY.isoformat()}\n")

    result = _build(deck_file, tmp_path)

    assert result.plan is None
    assert result.report.plan == [
        f"warning: the interview date {TODAY.isoformat()} in "
        f"{deck_file.with_suffix('')}.mine.yaml is today: this build has no plan and no "
        "countdown (see 'After the interview' in the README)"
    ]


def test_the_command_line_date_wins_over_the_answers_file(deck_file, tmp_path):
    _mine(deck_file, "interview: 2026-12-20\n")

    result = _build(deck_file, tmp_path, interview="2026-12-10")

    assert result.plan.interview == dt.date(2026, 12, 10)


def test_a_date_is_personal_it_never_touches_the_committed_state(deck_file, tmp_path):
    _build(deck_file, tmp_path)
    committed = state_path(deck_file).read_bytes()
    _mine(deck_file, "interview: 2026-12-20\ntimer: 90\n")

    result = _build(deck_file, tmp_path)
    again = _build(deck_file, tmp_path)

    assert state_path(deck_file).read_bytes() == committed
    assert result.report.notetype_changed  # the countdown and timer reach Anki
    assert local_state_path(deck_file).exists()
    assert again.report.unchanged and again.output.read_bytes() == result.output.read_bytes()


def _front(result) -> str:
    import sqlite3
    import zipfile

    with zipfile.ZipFile(result.output) as zf:
        data = zf.read("collection.anki2")
    db = result.output.with_suffix(".db")
    db.write_bytes(data)
    with sqlite3.connect(db) as con:
        (models,) = con.execute("select models from col").fetchone()
    import json

    (model,) = json.loads(models).values()
    return model["tmpls"][0]["qfmt"]


# -- the preset in the real backend ---------------------------------------------------------


def test_the_plan_reaches_anki_as_a_preset_when_presets_are_imported(deck_file, tmp_path, anki):
    result = _build(deck_file, tmp_path, interview="2026-12-21")

    log = anki.import_apkg(result.output, presets=True)

    preset = _preset(anki, NAME)
    assert log.new == 10
    assert preset["name"] == f"{NAME}: interview 2026-12-21 (1 new a day, back within 5 days)"
    assert (preset["new"]["perDay"], preset["rev"]["maxIvl"]) == (
        result.plan.new_per_day,
        result.plan.max_interval,
    )
    assert (result.plan.new_per_day, result.plan.max_interval) == (1, 5)


def test_default_import_options_keep_the_learners_preset(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path, interview="2026-12-21").output)

    assert _preset(anki, NAME)["id"] == 1


def test_a_new_date_switches_the_deck_to_the_new_plan_and_loses_nothing(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path, interview="2026-12-21").output, presets=True)
    first = _preset(anki, NAME)["id"]
    card_id = anki.review("ill-systems")

    result = _build(deck_file, tmp_path, interview="2026-12-08")
    log = anki.import_apkg(result.output, presets=True)

    preset = _preset(anki, NAME)
    assert preset["id"] != first
    assert preset["name"] == f"{NAME}: interview 2026-12-08 (2 new a day, back within 2 days)"
    assert (preset["new"]["perDay"], preset["rev"]["maxIvl"]) == (2, 2)
    assert (log.new, log.updated, log.conflicting) == (0, 0, 0)
    assert len(anki.notes()) == 10 and anki.revlog(card_id) == 1


def test_every_deck_the_package_creates_uses_the_plan(deck_file, tmp_path, anki):
    edit(deck_file, f"  name: {NAME}\n", f"  name: {NAME}\n  subdecks: by-topic\n")

    anki.import_apkg(_build(deck_file, tmp_path, interview="2026-12-21").output, presets=True)

    names = [d.name for d in anki.col.decks.all_names_and_ids() if d.name.startswith(NAME)]
    assert len(names) == 9  # the deck and its 8 topics
    assert {_preset(anki, name)["id"] for name in names} != {1}
    assert len({_preset(anki, name)["id"] for name in names}) == 1


def test_a_filtered_package_never_switches_the_decks_plan(deck_file, tmp_path, anki):
    """Issue 19.3: once a filtered package's preset was in the collection, importing that
    package again switched the deck to its own pace, even with the default options."""
    topic = Selection(topics=("teamwork-and-collaboration",))
    full = _build(deck_file, tmp_path, interview="2026-12-11")
    anki.import_apkg(full.output, presets=True)
    planned = _preset(anki, NAME)
    filtered = _build(deck_file, tmp_path, selection=topic, interview="2026-12-11")

    seen = []
    for apkg, presets in [
        (filtered.output, True),
        (full.output, True),
        (filtered.output, False),
        (filtered.output, True),
    ]:
        anki.import_apkg(apkg, presets=presets)
        preset = _preset(anki, NAME)
        seen.append((preset["id"], preset["new"]["perDay"], preset["rev"]["maxIvl"]))

    assert planned["id"] != 1
    assert seen == [(planned["id"], 2, 2)] * 4
    assert len(anki.notes()) == 10


def test_without_a_date_the_package_carries_no_preset(deck_file, tmp_path, anki):
    anki.import_apkg(_build(deck_file, tmp_path).output, presets=True)

    assert _preset(anki, NAME)["id"] == 1


# -- simulated study days in the real backend ------------------------------------------------


def _deck_of(n: int) -> str:
    lines = ["deck:", "  key: sim", "  name: Sim", "questions:"]
    for i in range(n):
        lines += [
            f"  - id: q{i:02d}",
            "    topic: T",
            f"    question: Question {i}?",
            "    tips: [a]",
        ]
    return "\n".join(lines) + "\n"


def _study(tmp_path, apkg, days: int, presets: bool) -> dict:
    """A learner who imports the package and studies every day until the interview, answering
    Good, and Again on every fifth answer. Anki's day is moved on by moving the collection's
    creation back a day (reopened, since the backend keeps today until the next day)."""
    from anki.collection import Collection

    folder = tmp_path / ("with" if presets else "without")
    folder.mkdir()
    learner = Anki(folder)
    learner.import_apkg(apkg, presets=presets)
    learner.close()
    first_seen: dict[str, int] = {}
    last_seen: dict[str, int] = {}
    new_per_day: list[int] = []
    answers = 0
    for day in range(days):
        col = Collection(str(folder / "collection.anki2"))
        col.decks.select(col.decks.id_for_name("Sim"))  # the learner opens the deck
        new_today = 0
        for _ in range(10_000):
            card = col.sched.getCard()
            if card is None:
                break
            qid = card.note()["Id"]
            if card.type == 0:
                first_seen[qid] = day
                new_today += 1
            answers += 1
            card.start_timer()
            col.sched.answerCard(card, 1 if answers % 5 == 0 else 3)
            last_seen[qid] = day
        new_per_day.append(new_today)
        col.crt = col.crt - 86400
        col.close()
    col = Collection(str(folder / "collection.anki2"))
    interview_day = col.sched.today
    due = {col.get_card(cid).note()["Id"]: col.get_card(cid).due for cid in col.find_cards("")}
    col.close()
    return {
        "first_seen": first_seen,
        "last_seen": last_seen,
        "new_per_day": new_per_day,
        "due": due,
        "today": interview_day,
        "reviews": answers,
    }


def test_a_simulated_learner_is_ready_on_interview_day(tmp_path):
    deck_file = tmp_path / "decks" / "sim.yaml"
    deck_file.parent.mkdir()
    deck_file.write_text(_deck_of(40), encoding="utf-8")
    days = 20
    result = build_deck(
        deck_file, out_dir=tmp_path / "dist", interview=(TODAY + dt.timedelta(days)).isoformat()
    )
    plan = result.plan

    planned = _study(tmp_path, result.output, days, presets=True)
    default = _study(tmp_path, result.output, days, presets=False)

    # Every question is first shown at least two days before the interview (day `days`).
    assert len(planned["first_seen"]) == 40
    assert max(planned["first_seen"].values()) <= days - 2
    # No card is due after the interview without a review in the last max_interval days.
    window = plan.max_interval
    stale = [q for q, d in planned["due"].items() if d > days - 1 and
             planned["last_seen"][q] < days - window]  # fmt: skip
    assert stale == []
    # The daily new-card count never exceeds the plan.
    assert max(planned["new_per_day"]) <= plan.new_per_day

    # Side by side, for the README.
    def stale_in(run):
        return sum(1 for q in run["last_seen"] if run["last_seen"][q] < days - window)

    print(f"\n40 questions, {days} days, Good (Again every fifth answer), every day:")
    print(f"{'':24}{'with the plan':>16}{'Anki defaults':>16}")
    rows = [
        ("new cards a day (most)", max(planned["new_per_day"]), max(default["new_per_day"])),
        ("last new card on day", max(planned["first_seen"].values()),
         max(default["first_seen"].values())),
        (f"not seen in last {window} days", stale_in(planned), stale_in(default)),
        ("answers in all", planned["reviews"], default["reviews"]),
    ]  # fmt: skip
    for label, a, b in rows:
        print(f"{label:24}{a:>16}{b:>16}")
    assert stale_in(default) > 0  # what the plan prevents actually happens without it


# -- the countdown and the timer in Chromium ---------------------------------------------------


@pytest.fixture
def chromium_page():
    with chromium() as browser:
        yield browser.new_page(viewport={"width": 360, "height": 740})


def _card_page(deck_file, tmp_path, night: bool) -> str:
    from prepdeck.builds.pipeline import personal_design
    from prepdeck.cards.notetype import css
    from prepdeck.cards.preview import card_previews
    from prepdeck.cards.render import render_note
    from prepdeck.deckfile.load import load_deck

    deck = load_deck(deck_file)
    design, _ = personal_design(deck)
    (card,) = card_previews(deck, [render_note(deck.questions[0])], design)
    body = "card card1 nightMode night_mode" if night else "card card1"
    return (
        '<!doctype html><html class="mobile"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width"><style>{css()}</style></head><body class="{body}">'
        f"{card.front}</body></html>"
    )


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
@pytest.mark.parametrize(
    ("now", "shown"),
    [
        (dt.datetime(2026, 12, 1, 9), "Interview in 14 days"),
        (dt.datetime(2026, 12, 14, 23, 59), "Interview tomorrow"),
        (dt.datetime(2026, 12, 15, 7), "Interview today"),
        (dt.datetime(2026, 12, 16, 7), ""),
    ],
)
def test_the_countdown_is_counted_on_the_device(
    deck_file, tmp_path, chromium_page, now, shown, night
):
    _mine(deck_file, "interview: 2026-12-15\n")
    page = chromium_page
    page.clock.set_fixed_time(now)

    page.set_content(_card_page(deck_file, tmp_path, night))

    countdown = page.locator(".pd-countdown")
    assert (countdown.inner_text() if countdown.is_visible() else "") == shown
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
def test_the_timer_bar_empties_and_then_says_the_time_is_up(
    deck_file, tmp_path, chromium_page, night
):
    _mine(deck_file, "timer: 90\n")
    page = chromium_page
    page.set_content(_card_page(deck_file, tmp_path, night))
    bar, done = page.locator(".pd-timer-bar"), page.locator(".pd-timer-done")
    width = "el => el.getBoundingClientRect().width"
    full = bar.evaluate(width)

    page.evaluate("document.getAnimations().forEach(a => { a.pause(); a.currentTime = 45000; })")
    half = bar.evaluate(width)
    halfway_hidden = not done.is_visible()
    page.evaluate("document.getAnimations().forEach(a => { a.currentTime = 90000; })")

    assert full > 300 and abs(half - full / 2) < 2 and halfway_hidden
    assert bar.evaluate(width) == 0
    assert done.is_visible() and done.inner_text() == "Time is up"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
