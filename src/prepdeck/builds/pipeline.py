"""The pipeline for one deck: the request checked, then (see `_build`)

    read the previous build -> render -> compare -> pace -> package -> write together

each step a function taking the objects of steps.py and what the steps before it returned
(compare is compare.py's, pace is pacing.py's). This is the library entry point; the CLI
only parses options and prints what comes back.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from prepdeck.atomic import remove_stale_temps, write_together
from prepdeck.builds.changes import ChangeReport, Comparison
from prepdeck.builds.compare import compare
from prepdeck.builds.pacing import Pacing, pace, preset, with_plans
from prepdeck.builds.state import (
    BuildState,
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
from prepdeck.builds.steps import BuildRequest, PreviousBuild, RenderedDeck
from prepdeck.cards.media import package_media
from prepdeck.cards.notetype import Design, genanki_model, note_guid, stable_id, style_fingerprint
from prepdeck.cards.package import (
    PackageDeck,
    PackageNote,
    check_output_name,
    package_bytes,
    prepare_folder,
)
from prepdeck.cards.plan import Plan
from prepdeck.cards.render import render_description, render_note
from prepdeck.cards.select import Chosen, Selection
from prepdeck.deckfile.load import answers_path, load_deck, sibling_problems
from prepdeck.deckfile.media import PACKAGE_LIMIT
from prepdeck.deckfile.model import Deck, as_written
from prepdeck.deckfile.slugs import fold, words
from prepdeck.digest import digest
from prepdeck.errors import SelectionError
from prepdeck.gcpause import paused_gc
from prepdeck.project import default_out_dir

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
    out_dir: Path | str | None = None,
    dry_run: bool = False,
    resend: Collection[str] = (),
    interview: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build one deck file into an .apkg and update its build state beside it.

    The package and the state change together or not at all. `deck` is `path` already loaded
    (with load_deck), to save reading it again; `selection` picks the questions of a filtered
    build, whose package gets a name of its own. The package goes to `output`, or to
    `out_dir` (by default the dist/ of the deck file's project, as `prepdeck build` does) as
    `<key>.apkg`. `dry_run` writes nothing; `resend` names question ids (or one id) to send
    again as newer. `interview`, a YYYY-MM-DD date after today, replaces the answers file's
    date; another value is a PrepdeckError. `progress` is told
    the name of each long step. The result's `report.lines()` are the report `prepdeck build`
    prints under the deck's first line.
    """
    path = Path(path)
    if isinstance(resend, str):
        resend = (resend,)
    if interview is not None:
        interview = check_interview(interview)
    if deck is None:
        deck = load_deck(path)
    if out_dir is None:
        folder = str(path.parent)
        out_dir = os.path.normpath(os.path.join(folder, default_out_dir(folder)))
    sibling_problems(path, deck)
    check_resend(resend, [deck], selection)
    target = Path(output) if output is not None else output_path(deck, selection, Path(out_dir))
    check_output_name(target)
    chosen = tuple(selection.matches(q) for q in deck.questions)
    if not any(chosen):
        raise SelectionError(
            f"{path}: no question matches the selection ({selection.describe()}); "
            "nothing was written"
        )
    request = BuildRequest(
        path=path,
        deck=deck,
        selection=selection,
        chosen=chosen,
        via="" if selection.empty else selection_name(selection),
        target=target,
        dry_run=dry_run,
        resend=frozenset(resend),
        interview=interview,
        now=clock(),
        progress=progress,
    )
    # The pipeline builds many small objects and no cycles: the collector would only
    # rescan them (see gcpause.py).
    with paused_gc():
        return _build(request)


def build_decks(
    paths: Sequence[Path | str],
    chosen: Chosen,
    *,
    output: Path | str | None = None,
    out_dir: Path | str | None = None,
    dry_run: bool = False,
    resend: Collection[str] = (),
    interview: str | None = None,
    progress: Callable[[Deck], Callable[[str], None] | None] | None = None,
) -> Iterator[tuple[Deck, BuildResult | None]]:
    """Build each deck file in turn, as `prepdeck build` does: each deck with its result as
    soon as it is written, or with None when the selection picks none of its questions.

    Nothing is written when the selection picks no question of any deck, or `resend` names
    an id that no deck has or that the selection leaves out. `progress(deck)` gives the
    callback for one deck's steps (None: quiet)."""
    picked = chosen.picked()
    check_resend(resend, chosen.decks, chosen.selection)
    for path, deck, has_match in zip(paths, chosen.decks, picked, strict=True):
        if not has_match:
            yield deck, None
            continue
        ids = {q.id for q in deck.questions}
        yield (
            deck,
            build_deck(
                path,
                deck=deck,
                selection=chosen.selection,
                output=output,
                out_dir=out_dir,
                dry_run=dry_run,
                resend=[qid for qid in resend if qid in ids],
                interview=interview,
                progress=progress(deck) if progress else None,
            ),
        )


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


def _build(request: BuildRequest) -> BuildResult:
    """The pipeline: what the last build left, the deck rendered, the two compared, the
    interview's pace, the package, and the package and states written together."""
    previous = read_previous(request.path)
    rendered = render_deck(request)
    comparison = compare(request, previous, rendered)
    pacing = pace(request, previous, rendered)
    data = package_deck(request, rendered, comparison, pacing)
    state_written = write_build(request, previous, comparison, pacing, data)
    return BuildResult(
        deck=request.deck,
        output=request.target,
        notes=len(request.picked),
        topics=len(rendered.topics),
        size=len(data),
        report=replace(comparison.report, plan=pacing.lines),
        state_path=previous.state_file,
        state_written=state_written,
        dry_run=request.dry_run,
        plan=pacing.plan,
        state=comparison.state,
    )


def read_previous(path: Path) -> PreviousBuild:
    """The build state committed beside the deck file and this machine's own record."""
    state_file, local_file = state_path(path), local_state_path(path)
    local = read_local_state(local_file)
    return PreviousBuild(read_state(state_file), local, state_file, local_file)


def render_deck(request: BuildRequest) -> RenderedDeck:
    """The chosen questions' notes (as the deck file has them, and as packaged with own
    answers), the card design, the Anki decks and the media the package carries."""
    if request.progress:
        request.progress("rendering")
    deck, chosen = request.deck, request.chosen
    # The committed state sees the deck file alone; the package carries own answers too.
    written = deck._replace(questions=tuple(as_written(q) for q in deck.questions))
    notes = tuple(
        render_note(q) if c else None for q, c in zip(written.questions, chosen, strict=True)
    )
    packaged = tuple(
        render_note(q) if c and q.shared is not None else n
        for q, n, c in zip(deck.questions, notes, chosen, strict=True)
    )
    design, warning = personal_design(deck, request.interview, request.day)
    picked = request.picked
    topics = tuple(dict.fromkeys(deck.questions[i].topic for i in picked))
    decks = tuple(anki_decks(deck, list(topics)))
    media = package_media(
        [deck.images, *(deck.questions[i].images + deck.questions[i].audio for i in picked)],
        [d.description for d in decks] + [f for i in picked for f in packaged[i].fields],
    )
    _check_media_size(request.path, media)
    return RenderedDeck(
        written=written,
        notes=notes,
        packaged=packaged,
        placements=tuple(placement(deck, q.topic) for q in deck.questions),
        style=style_fingerprint(deck.key, Design.of(deck)),
        design=design,
        packaged_style=style_fingerprint(deck.key, design),
        design_warning=warning,
        topics=topics,
        decks=decks,
        media=media,
    )


def package_deck(
    request: BuildRequest, rendered: RenderedDeck, comparison: Comparison, pacing: Pacing
) -> bytes:
    """The .apkg's bytes: the chosen notes with their times, decks, design, preset, media."""
    if request.progress:
        request.progress("packaging")
    deck = request.deck
    deck_ids = {d.name: d.id for d in rendered.decks}
    notes = [
        PackageNote(
            guid=deck.questions[i].guid or note_guid(deck.key, deck.questions[i].id),
            fields=rendered.packaged[i].fields,
            tags=rendered.packaged[i].tags,
            mod=comparison.mods[deck.questions[i].id],
            deck_id=deck_ids[rendered.placements[i]],
        )
        for i in request.picked
    ]
    # The package's own times: SOURCE_DATE_EPOCH when set, else the newest note time, so an
    # unchanged deck gives the same bytes without it.
    sde = source_date_epoch()
    mod = comparison.notetype_mod
    package_time = max([mod, *comparison.mods.values()]) if sde is None else sde
    return package_bytes(
        rendered.decks,
        genanki_model(deck.key, rendered.design),
        mod,
        notes,
        package_time,
        preset(deck, pacing.plan, mod) if pacing.plan else None,
        rendered.media,
    )


def write_build(
    request: BuildRequest,
    previous: PreviousBuild,
    comparison: Comparison,
    pacing: Pacing,
    data: bytes,
) -> bool:
    """Write the package, the build state and this machine's record together, or nothing on
    a dry run; whether the build state changed (and was written)."""
    if request.dry_run:
        return False
    state_data = changed_text(previous.state_file, dump_state(comparison.state))
    files = [(request.target, data)]
    if state_data is not None:
        files.append((previous.state_file, state_data))
    local = with_plans(comparison.local, pacing)
    if local is not None:
        local_data = changed_text(previous.local_file, dump_local_state(local))
        if local_data is not None:
            files.append((previous.local_file, local_data))
    prepare_folder(request.target)
    remove_stale_temps(request.target)
    write_together(files)
    return state_data is not None


def _check_media_size(path: Path, media: dict[str, bytes]) -> None:
    from prepdeck.errors import PrepdeckError

    total = sum(len(data) for data in media.values())
    if total > PACKAGE_LIMIT:
        raise PrepdeckError(
            f"{path}: the pictures and recordings of this package add up to "
            f"{total / 2**20:.1f} MiB; the limit is {PACKAGE_LIMIT // 2**20} MiB: make some "
            "smaller, or build a part of the deck (--topic, --tag)"
        )
