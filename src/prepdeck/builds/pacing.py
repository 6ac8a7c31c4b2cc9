"""The build's interview plan: the pace for the learner's interview date, kept from the day
it was first set, and the deck options preset that carries it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import NamedTuple

from prepdeck.builds.state import LocalState
from prepdeck.builds.steps import BuildRequest, PreviousBuild, RenderedDeck
from prepdeck.cards.notetype import stable_id
from prepdeck.cards.package import PackagePreset
from prepdeck.cards.plan import Plan, make_plan, plan_lines, preset_name
from prepdeck.deckfile.model import Deck


class Pacing(NamedTuple):
    """The plan a build packages, if any, and what the report says about it."""

    plan: Plan | None  # the pace for the interview date; None without a date to come
    plans: tuple[dict, ...] | None  # the paces to record on this machine; None: unchanged
    lines: list[str]  # the report's lines about the plan, or the warning of a date passed


def pace(request: BuildRequest, previous: PreviousBuild, rendered: RenderedDeck) -> Pacing:
    """The plan for the packaged design's interview date, paced for the whole deck.

    Also in a filtered package: Anki switches a deck to any preset it already holds
    (ANKI-FACTS), so a filtered package with a pace of its own would change the deck's plan
    on import, even with the default options."""
    interview = rendered.design.interview
    if not interview:
        warning = rendered.design_warning
        return Pacing(None, None, [f"warning: {warning}"] if warning else [])
    day = request.day
    plan, plans = _plan(previous.local, len(request.deck.questions), day, interview)
    return Pacing(plan, plans, plan_lines(plan, day, filtered=not request.selection.empty))


def with_plans(local: LocalState | None, pacing: Pacing) -> LocalState | None:
    """This machine's record with the paces set so far, when there is a record to save."""
    if local is None or pacing.plans is None:
        return local
    return replace(local, plans=pacing.plans)


def _plan(
    local: LocalState | None, questions: int, day: dt.date, interview: str
) -> tuple[Plan, tuple[dict, ...]]:
    """The pace for this interview date and number of questions: the one set on an earlier
    day if there is one (so the package and its preset stay the same), else a new one."""
    recorded = local.plans if local else ()
    for entry in reversed(recorded):
        if entry.get("interview") == interview and entry.get("questions") == questions:
            try:
                return (
                    Plan(
                        dt.date.fromisoformat(entry["interview"]),
                        dt.date.fromisoformat(entry["planned_on"]),
                        questions,
                        int(entry["new_per_day"]),
                        int(entry["max_interval"]),
                    ),
                    recorded,
                )
            except (KeyError, TypeError, ValueError):
                break  # a damaged entry: plan anew
    plan = make_plan(questions, day, dt.date.fromisoformat(interview))
    entry = {
        "interview": interview,
        "planned_on": plan.planned_on.isoformat(),
        "questions": questions,
        "new_per_day": plan.new_per_day,
        "max_interval": plan.max_interval,
    }
    return plan, (*recorded, entry)[-8:]


def preset(deck: Deck, plan: Plan, mod: int) -> PackagePreset:
    """The plan as a deck options preset. Anki never updates a preset it has, so a new date
    or pace gets a new id, and the import switches the deck to it (ANKI-FACTS)."""
    parts = (plan.interview.isoformat(), str(plan.new_per_day), str(plan.max_interval))
    return PackagePreset(
        id=stable_id("preset", deck.key, *parts),
        name=preset_name(deck.name, plan),
        new_per_day=plan.new_per_day,
        max_interval=plan.max_interval,
        mod=mod,
    )
