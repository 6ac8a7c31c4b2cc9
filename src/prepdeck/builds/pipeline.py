"""The pipeline: deck file -> load -> render -> compare with the last build -> select -> package.

This is the library entry point; the CLI only parses options and prints what comes back.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from prepdeck.atomic import remove_stale_temps, write_together
from prepdeck.builds.changes import ChangeReport, compare
from prepdeck.builds.state import (
    BuildState,
    LocalState,
    changed_text,
    clock,
    dump_local_state,
    dump_state,
    local_state_path,
    read_local_state,
    read_state,
    source_date_epoch,
    state_path,
)
from prepdeck.cards.media import package_media
from prepdeck.cards.notetype import Design, genanki_model, note_guid, stable_id, style_fingerprint
from prepdeck.cards.package import (
    PackageDeck,
    PackageNote,
    PackagePreset,
    check_output_name,
    package_bytes,
    prepare_folder,
)
from prepdeck.cards.plan import Plan, make_plan, plan_lines, preset_name
from prepdeck.cards.render import render_description, render_note
from prepdeck.cards.select import Selection
from prepdeck.deckfile.load import answers_path, load_deck, sibling_problems
from prepdeck.deckfile.media import PACKAGE_LIMIT
from prepdeck.deckfile.model import Deck, as_written
from prepdeck.deckfile.slugs import fold, words
from prepdeck.digest import digest
from prepdeck.errors import SelectionError
from prepdeck.gcpause import paused_gc

DEFAULT_OUT_DIR = Path("dist")
ALL = Selection()
# Between a deck key and a filtered build's selection: keys never contain "_", so no key
# and no other selection can produce the same file name.
SELECTION_MARK = "__"


@dataclass(frozen=True)
class BuildResult:
    """What one deck's build produced (or, on a dry run, would produce)."""

    deck: Deck
    output: Path
    notes: int
    topics: int
    size: int
    report: ChangeReport
    state_path: Path
    state_written: bool
    dry_run: bool
    plan: Plan | None = None
    # The build state this package stands for (the one a real build saves): each note's time,
    # placement and content, and the card design's. `prepdeck diff` compares two of them.
    state: BuildState | None = None


def _name_part(value: str) -> str:
    """A value as a file-name word: letters of any script, digits and hyphens, never empty."""
    part = re.sub(r"[^\w-]+|_", "-", words(value)).strip("-")
    return part or "x" + digest(fold(value))[:8]


def selection_name(selection: Selection, limit: int = 80) -> str:
    """What a filtered build's file name says it holds, e.g. 'topic-customer-service'.

    At most `limit` characters and 2 * `limit` bytes of UTF-8, so that every file system
    takes the name whatever the script."""
    parts = [
        *(f"topic-{_name_part(t)}" for t in selection.topics),
        *(f"tag-{_name_part(t)}" for t in selection.tags),
        *(f"id-{_name_part(i)}" for i in selection.ids),
        *(f"not-topic-{_name_part(t)}" for t in selection.exclude_topics),
        *(f"not-tag-{_name_part(t)}" for t in selection.exclude_tags),
    ]
    name = SELECTION_MARK.join(parts)
    if len(name) <= limit and len(name.encode()) <= 2 * limit:
        return name
    short = name[: limit - 9]
    while len(short.encode()) > 2 * limit - 9:
        short = short[:-1]
    return f"{short.rstrip('-_')}-{digest(name)[:8]}"


def output_path(deck: Deck, selection: Selection, out_dir: Path) -> Path:
    """`dist/<key>.apkg`, or `dist/<key>__<selection>.apkg` for a filtered build."""
    if selection.empty:
        return out_dir / f"{deck.key}.apkg"
    return out_dir / f"{deck.key}{SELECTION_MARK}{selection_name(selection)}.apkg"


def placement(deck: Deck, topic: str) -> str:
    """The Anki deck a question's card goes to; a property of the deck file, not the build."""
    return f"{deck.name}::{topic}" if deck.subdecks == "by-topic" else deck.name


def anki_decks(deck: Deck, topics: list[str]) -> list[PackageDeck]:
    """The deck (and, with subdecks, one per topic in file order) with stable ids."""
    description = render_description(deck.description, deck.images)
    if deck.version:  # checked plain text (deckformat.VERSION_RE)
        description += f'<p class="pd-version"><small>{deck.version}</small></p>'
    top = PackageDeck(stable_id("deck", deck.key), deck.name, description)
    if deck.subdecks != "by-topic":
        return [top]
    return [top] + [
        PackageDeck(stable_id("deck", deck.key, placement(deck, t)), placement(deck, t), "")
        for t in topics
    ]


def today() -> dt.date:
    """The learner's calendar day (SOURCE_DATE_EPOCH's, when set)."""
    return dt.date.fromtimestamp(clock())


def personal_design(
    deck: Deck, interview: str | None = None, on: dt.date | None = None
) -> tuple[Design, str]:
    """The design the learner's package carries: the deck's, with their own interview date
    (the command line's over the answers file's) and answer timer. Also a warning when the
    answers file's date has passed (the deck then builds without a plan and countdown)."""
    date, warning = interview or deck.interview, ""
    day = on or today()
    if date and not interview and dt.date.fromisoformat(date) <= day:
        when = "is today" if dt.date.fromisoformat(date) == day else "has passed"
        warning = (
            f"the interview date {date} in {answers_path(deck.source)} {when}: this build "
            "has no plan and no countdown (see 'After the interview' in the README)"
        )
        date = ""
    return Design.of(deck, interview=date, timer=deck.mine_timer), warning


def check_interview(text: str, on: dt.date | None = None) -> str:
    """A date from the command line: a real YYYY-MM-DD day after today, or a PrepdeckError."""
    from prepdeck.deckfile.reader import parse_date
    from prepdeck.errors import PrepdeckError

    try:
        date = parse_date(text)
    except ValueError as err:
        raise PrepdeckError(f"--interview: {err}") from None
    on = on or today()
    if date <= on:
        when = "today" if date == on else "in the past"
        raise PrepdeckError(
            f"--interview: {date} is {when}; give the date of an interview still to come"
        )
    return date.isoformat()


def build_deck(
    path: Path | str,
    *,
    deck: Deck | None = None,
    selection: Selection = ALL,
    output: Path | str | None = None,
    out_dir: Path | str = DEFAULT_OUT_DIR,
    dry_run: bool = False,
    resend: Collection[str] = (),
    interview: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build one deck file into an .apkg and update its build state beside it.

    The package and the state change together or not at all. `interview` (YYYY-MM-DD, see
    check_interview) is the command line's date, over the answers file's.
    """
    path = Path(path)
    if deck is None:
        deck = load_deck(path)
    sibling_problems(path, deck)
    check_resend(resend, [deck], selection)
    target = Path(output) if output is not None else output_path(deck, selection, Path(out_dir))
    check_output_name(target)
    options = _Options(dry_run, frozenset(resend), interview, progress)
    # The pipeline builds many small objects and no cycles: the collector would only
    # rescan them (see gcpause.py).
    with paused_gc():
        return _build(path, deck, selection, target, options)


def check_resend(resend: Collection[str], decks: Collection[Deck], selection: Selection) -> None:
    """Refuse a --resend id that no deck has, or that the selection leaves out (it would be
    silently not sent)."""
    for qid in resend:
        found = [q for d in decks for q in d.questions if q.id == qid]
        if not found:
            raise SelectionError(f"--resend names no question with the id '{qid}'")
        if not any(selection.matches(q) for q in found):
            raise SelectionError(
                f"--resend {qid}: the selection leaves this question out, so it would not be "
                "sent; drop the selection or add --id " + qid
            )


class _Options(NamedTuple):
    dry_run: bool
    resend: frozenset[str]
    interview: str | None
    progress: Callable[[str], None] | None


def _build(
    path: Path, deck: Deck, selection: Selection, target: Path, options: _Options
) -> BuildResult:
    chosen = [selection.matches(q) for q in deck.questions]
    if not any(chosen):
        raise SelectionError(
            f"{path}: no question matches the selection ({selection.describe()}); "
            "nothing was written"
        )
    if options.progress:
        options.progress("rendering")
    # The committed state sees the deck file alone; the package carries own answers too.
    written = deck._replace(questions=tuple(as_written(q) for q in deck.questions))
    notes = [render_note(q) if c else None for q, c in zip(written.questions, chosen, strict=True)]
    packaged = [
        render_note(q) if c and q.shared is not None else n
        for q, n, c in zip(deck.questions, notes, chosen, strict=True)
    ]
    places = [placement(deck, q.topic) for q in deck.questions]
    state_file, local_file = state_path(path), local_state_path(path)
    via = "" if selection.empty else selection_name(selection)
    day = today()
    design, warning = personal_design(deck, options.interview, day)
    local = read_local_state(local_file)
    result = compare(
        read_state(state_file),
        local,
        written,
        notes,
        packaged,
        places,
        chosen,
        via,
        style_fingerprint(deck.key, Design.of(deck)),
        clock(),
        options.resend,
        style_fingerprint(deck.key, design),
    )
    report = result.report
    report.dry_run = options.dry_run
    report.source = str(path)
    if not selection.empty:
        report.selection = selection.describe()
    answers_file = answers_path(path)
    report.local_file = str(local_file)
    # Only where answers exist somewhere to lose: a package of this deck once carried some.
    # An answers file with only an interview date (or nothing) holds no answers either.
    if result.state.answers and not any(q.mine for q in deck.questions):
        report.answers_file = answers_file
        report.answers_file_here = os.path.exists(answers_file)
        # Every note this package may update: edits, design, resends, returns, and what only a
        # filtered package (or a pull) sent before.
        updated = [*report.changed, *report.rerendered, *report.resent, *report.returned]
        updated += [qid for ids in report.unsent.values() for qid in ids]
        # And every note changed since answers were first packaged: a device that did not
        # import the builds made with them since would take this package's copy as newer.
        since = result.state.answers
        updated += [
            q.id
            for q, c in zip(deck.questions, chosen, strict=True)
            if c and result.mods[q.id] > since
        ]
        report.without_answers = list(dict.fromkeys(updated))

    picked = [i for i, c in enumerate(chosen) if c]
    plan = None
    if design.interview:
        # Paced for the whole deck, also in a filtered package: Anki switches a deck to any
        # preset it already holds (ANKI-FACTS), so a filtered package with a pace of its own
        # would change the deck's plan on import, even with the default options.
        plan, plans = _plan(local, len(deck.questions), day, design.interview)
        report.plan = plan_lines(plan, day, filtered=not selection.empty)
        if result.local is not None:
            result.local = replace(result.local, plans=plans)
    elif warning:
        report.plan = [f"warning: {warning}"]
    topics = list(dict.fromkeys(deck.questions[i].topic for i in picked))
    decks = anki_decks(deck, topics)
    deck_ids = {d.name: d.id for d in decks}
    package_notes = [
        PackageNote(
            guid=deck.questions[i].guid or note_guid(deck.key, deck.questions[i].id),
            fields=packaged[i].fields,
            tags=packaged[i].tags,
            mod=result.mods[deck.questions[i].id],
            deck_id=deck_ids[places[i]],
        )
        for i in picked
    ]
    media = package_media(
        [deck.images, *(deck.questions[i].images + deck.questions[i].audio for i in picked)],
        [d.description for d in decks] + [f for n in package_notes for f in n.fields],
    )
    _check_media_size(path, media)
    if options.progress:
        options.progress("packaging")
    # The package's own times: SOURCE_DATE_EPOCH when set, else the newest note time, so an
    # unchanged deck gives the same bytes without it.
    sde = source_date_epoch()
    package_time = max([result.notetype_mod, *result.mods.values()]) if sde is None else sde
    data = package_bytes(
        decks,
        genanki_model(deck.key, design),
        result.notetype_mod,
        package_notes,
        package_time,
        _preset(deck, plan, result.notetype_mod) if plan else None,
        media,
    )
    state_data = changed_text(state_file, dump_state(result.state))
    if not options.dry_run:
        files = [(target, data)]
        if state_data is not None:
            files.append((state_file, state_data))
        if result.local is not None:
            local_data = changed_text(local_file, dump_local_state(result.local))
            if local_data is not None:
                files.append((local_file, local_data))
        prepare_folder(target)
        remove_stale_temps(target)
        write_together(files)
    return BuildResult(
        deck=deck,
        output=target,
        notes=len(package_notes),
        topics=len(topics),
        size=len(data),
        report=report,
        state_path=state_file,
        state_written=state_data is not None and not options.dry_run,
        dry_run=options.dry_run,
        plan=plan,
        state=result.state,
    )


def _check_media_size(path: Path, media: dict[str, bytes]) -> None:
    from prepdeck.errors import PrepdeckError

    total = sum(len(data) for data in media.values())
    if total > PACKAGE_LIMIT:
        raise PrepdeckError(
            f"{path}: the pictures and recordings of this package add up to "
            f"{total / 2**20:.1f} MiB; the limit is {PACKAGE_LIMIT // 2**20} MiB: make some "
            "smaller, or build a part of the deck (--topic, --tag)"
        )


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


def _preset(deck: Deck, plan: Plan, mod: int) -> PackagePreset:
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
