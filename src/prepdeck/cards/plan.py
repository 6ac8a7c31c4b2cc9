"""The interview plan: how many new cards a day, and how far apart reviews may fall.

The rule (justified in the README, "Before the interview"), for N questions and D days from
the day of the build to the interview:

- New cards are shown on the first D - 2 days only, evenly: ceil(N / (D - 2)) a day (Deadline2's
  formula, with the last two days kept for review, as Deckline's cut-off does). So every
  question is first shown at least two days before the interview.
- The maximum interval is K = D // 4 days, at least 2 and at most 7: a card answered on day r
  comes back by day r + K, so every card is reviewed within the last K days before the
  interview (reviews fall due on study days, and a card due after the interview was last seen
  within K days of it).

The plan travels inside the package as a deck options preset (see package.py); Anki applies
it when the learner ticks "Import any deck presets".
"""

from __future__ import annotations

import datetime as dt
import math
from typing import NamedTuple

REVIEW_ONLY_DAYS = 2  # the last days before the interview bring no new cards
HEAVY_PACE = 20  # Anki's default new cards a day: past it, a plan is hard to keep
MIN_WINDOW, MAX_WINDOW = 2, 7


class Plan(NamedTuple):
    interview: dt.date
    planned_on: dt.date  # the day the pace was set (kept while date and questions stay)
    questions: int
    new_per_day: int
    max_interval: int

    @property
    def days(self) -> int:
        """Days from the day the pace was set to the interview."""
        return (self.interview - self.planned_on).days

    @property
    def new_days(self) -> int:
        """How many days bring new cards (the first of them is planned_on)."""
        return math.ceil(self.questions / self.new_per_day)

    @property
    def last_new_day(self) -> dt.date:
        return self.planned_on + dt.timedelta(days=self.new_days - 1)

    @property
    def too_close(self) -> bool:
        """Whether some question is first shown less than two days before the interview."""
        return (self.interview - self.last_new_day).days < REVIEW_ONLY_DAYS

    @property
    def too_fast(self) -> bool:
        """Whether the pace asks for more new cards a day than Anki's default of 20."""
        return self.new_per_day > HEAVY_PACE


def make_plan(questions: int, today: dt.date, interview: dt.date) -> Plan:
    """The pace for `questions` new cards from `today` to the day before `interview`."""
    days = (interview - today).days
    if days < 1:
        raise ValueError(f"the interview date {interview} is not after {today}")
    new_days = max(1, days - REVIEW_ONLY_DAYS)
    per_day = max(1, math.ceil(questions / new_days))
    window = min(MAX_WINDOW, max(MIN_WINDOW, days // 4))
    return Plan(interview, today, questions, per_day, min(window, max(1, days - 1)))


def _day(date: dt.date, today: dt.date) -> str:
    """'Tue 15 Dec', with the year when it is not this year's."""
    year = f" {date.year}" if date.year != today.year else ""
    return f"{date:%a} {date.day} {date:%b}{year}"


def plan_lines(plan: Plan, today: dt.date, filtered: bool) -> list[str]:
    """What the build report says about the plan."""
    left = (plan.interview - today).days
    days = "1 day" if left == 1 else f"{left} days"
    questions = "1 question" if plan.questions == 1 else f"{plan.questions} questions"
    scope = " in the whole deck" if filtered else ""
    new = "1 new card" if plan.new_per_day == 1 else f"{plan.new_per_day} new cards"
    if plan.new_days <= 1:
        pace = f"{plan.questions} new on {_day(plan.planned_on, today)}"
    else:
        pace = f"{new} a day until {_day(plan.last_new_day, today)}"
    window = "1 day" if plan.max_interval == 1 else f"{plan.max_interval} days"
    when = _day(plan.interview, today)
    out = [
        f"interview plan: {questions}{scope}, {days} to {when}: {pace}, then "
        f"review only; every card comes back within {window}.",
        "  to apply it, tick 'Import any deck presets' in Anki's import dialog (or set the "
        f"deck's options by hand: New cards/day {plan.new_per_day}, Maximum interval "
        f"{window}).",
    ]
    if filtered:
        out.append(
            "  this filtered package carries the whole deck's plan (the full build's preset), "
            "so importing it never gives your deck a pace of its own."
        )
    if plan.too_close:
        out.append(
            "  warning: the interview is too close for this deck: some questions are first "
            "shown less than two days before it. Focus on what matters most with --topic or "
            "--tag."
        )
    elif plan.too_fast:
        out.append(
            f"  warning: {plan.new_per_day} new cards a day is a heavy pace (Anki's default is "
            f"{HEAVY_PACE}). Focus on what matters most with --topic or --tag."
        )
    return out


def preset_name(deck_name: str, plan: Plan) -> str:
    """The preset's name in Anki's options: the date, and the pace, since more questions give
    the same date another pace (and another preset)."""
    return (
        f"{deck_name}: interview {plan.interview.isoformat()} "
        f"({plan.new_per_day} new a day, back within {plan.max_interval} days)"
    )
