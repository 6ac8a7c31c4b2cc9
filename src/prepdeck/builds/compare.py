"""Compare a build with the last one: new modification times, and what changed.

Per question, the state holds what the last package that carried it sent. A filtered build
advances only the questions it packages; a full build also records questions that left the
deck (so that one coming back is not "new"). A learner's own answers never reach the
committed state: what they add to a note is timed through the machine-local record.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import NamedTuple

from prepdeck.builds.changes import (
    ChangeReport,
    Comparison,
    content_digest,
    media_names,
    source_digest,
)
from prepdeck.builds.moves import add_move, renamed_ids, renamed_placement
from prepdeck.builds.state import (
    BuildState,
    LocalNote,
    LocalState,
    NoteState,
    assumed_time,
    next_time,
    text_key,
    tip_keys,
)
from prepdeck.builds.steps import BuildRequest, PreviousBuild, RenderedDeck
from prepdeck.cards.notetype import CARD_TYPES, FIELDS, SCHEMA_VERSION
from prepdeck.cards.render import RETIRED_TAG, RenderedNote
from prepdeck.deckfile.load import answers_path
from prepdeck.deckfile.model import Deck, Question
from prepdeck.digest import digest


class _Times(NamedTuple):
    """The times a build may give what changed."""

    later: int  # newer than every time in the committed state, and not before the clock
    later_local: int  # newer also than every time in this machine's record
    # When own answers were last sent cannot be known here: a first build, or answers that
    # another machine sent (the committed state says a package carried some) and this one
    # has no record of. They are then not sent as newer than an edit made in Anki since.
    untimed: bool


class _Notes(NamedTuple):
    """The chosen questions compared, one by one."""

    questions: dict[str, NoteState]  # the committed state's entries (the others as they were)
    local: dict[str, LocalNote]  # this machine's entries
    mods: dict[str, int]  # the time each packaged note carries
    answered: list[int]  # the times given to notes that carry own answers


class _NoteType(NamedTuple):
    """The note type compared: the deck file's design and the one packaged."""

    mod: int  # the deck file's design's time, for the committed state
    via: str  # the filtered build that first sent it ("" = a full build)
    packaged_mod: int  # the time of the design packaged (own countdown and timer included)
    local: LocalNote | None  # this machine's entry for its own design


def compare(request: BuildRequest, previous: PreviousBuild, rendered: RenderedDeck) -> Comparison:
    """Compare this build with the last package of each note.

    The committed state records `rendered.notes` (the deck file alone) and its card design;
    this machine's record what own answers and own design add to them. A filtered build
    (`request.via`) advances only the questions it packages; `request.resend` ids get a new,
    later time.
    """
    last, local = previous.state, previous.local
    report = ChangeReport(
        deck_key=rendered.written.key,
        previous=last,
        local_file=str(previous.local_file),
        source=str(request.path),
        selection="" if request.selection.empty else request.selection.describe(),
        dry_run=request.dry_run,
    )
    later = next_time(last, request.now)
    times = _Times(
        later=later,
        later_local=max(later, local.latest + 1) if local else later,
        untimed=last is None or (local is None and bool(last.answers)),
    )
    notes = _compare_notes(request, previous, rendered, times, report)
    notetype = _compare_notetype(request.via, previous, rendered, times, report)
    description = _compare_deck(request.via, last, rendered.written, notes.questions, report)
    state = _new_state(request.via, last, rendered, notes, notetype, description)
    report.answers_marked = last is not None and bool(notes.answered) and not last.answers
    new_local = None
    if notes.local or notetype.local is not None or local is not None:
        plans = local.plans if local else ()
        new_local = LocalState(rendered.written.key, notes.local, notetype.local, plans)
    _find_without_answers(request, state, notes.mods, report)
    return Comparison(state, new_local, notes.mods, notetype.packaged_mod, report)


def _compare_notes(
    request: BuildRequest,
    previous: PreviousBuild,
    rendered: RenderedDeck,
    times: _Times,
    report: ChangeReport,
) -> _Notes:
    """Each chosen question's time and state entries, and what the report says of it."""
    last, local = previous.state, previous.local
    deck, via, resend = rendered.written, request.via, request.resend
    later, untimed = times.later, times.untimed
    answered: list[int] = []
    old = last.questions if last else {}
    old_local = local.questions if local else {}
    questions = dict(old)  # a filtered build leaves the other questions as they were
    new_local = dict(old_local)
    mods: dict[str, int] = {}
    for q, note, pnote, place, chosen in zip(
        deck.questions,
        rendered.notes,
        rendered.packaged,
        rendered.placements,
        request.chosen,
        strict=True,
    ):
        if not chosen:
            continue
        content = content_digest(note)
        before = old.get(q.id)
        if before is None and q.guid:
            report.known_guids.append(q.id)
        if q.id in resend:
            mod = later
        elif last is None:
            mod = assumed_time(content)
        elif before is not None and before.content == content:
            mod = before.mod
        else:
            mod = later
        # The filtered build that first sent this content; a full build sends everything.
        sent_via = via
        if before is not None and mod == before.mod:
            sent_via = before.via if via else ""
        questions[q.id] = NoteState(
            mod=mod,
            content=content,
            source=source_digest(q),
            text=text_key(q.question),
            # Where the card was put: a filtered build leaves it to the full one to say, so
            # that its move advice is not used up by a package the learner may not import.
            deck=before.deck if via and before is not None else place,
            tips=tip_keys(q.tips),
            via=sent_via,
            media=media_names(q),
        )
        # A note that carries own answers, or once did on this machine, is timed locally.
        pcontent = content if pnote is note else content_digest(pnote)
        mine = old_local.get(q.id)
        pmod = mod
        if pcontent != content or mine is not None:
            resent = q.id in resend
            pmod, changed = _local_time(mine, pcontent, mod, times.later_local, untimed, resent)
            if pnote is not note:
                answered.append(pmod)
            if changed and before is not None and before.content == content:
                # The deck file's part is as the last build sent it: either the answers
                # changed, or that build ran on another machine (a merge or pull brought it).
                if mine is not None and mine.base and mine.base != content:
                    report.merged.append(q.id)
                else:
                    report.answers_changed.append(q.id)
            elif untimed and mine is None and before and pcontent != content and not resent:
                report.answers_untimed.append(q.id)  # sent with the deck file's own time
            if changed or mine is None:
                mine_via = via
            else:
                mine_via = mine.via if via else ""
                if mine.via and mine.via != via and q.id not in report.unsent.get(mine.via, []):
                    report.unsent.setdefault(mine.via, []).append(q.id)
            new_local[q.id] = LocalNote(pmod, pcontent, mine_via, content)
        mods[q.id] = pmod
        if last is None:
            continue
        _classify(report, q, note, before, questions[q.id], q.id in resend, via)
        if before is not None and before.content != content and (q.images or q.audio):
            paths = sorted(
                {m.path for m in (*q.images, *q.audio) if m.name not in set(before.media)}
            )
            if paths:
                report.media_changed.append((q.id, paths))
        if before is not None:  # a removed question's card is still in Anki, where it was
            was = renamed_placement(before.deck, last.deck_name, deck.name)
            if was != place:
                add_move(report.moves, deck, q, place)
    return _Notes(questions, new_local, mods, answered)


def _local_time(
    mine: LocalNote | None,
    content: str,
    shared_mod: int,
    later: int,
    untimed: bool,
    resend: bool = False,
) -> tuple[int, bool]:
    """The time of something this machine adds to (own answers, own design), and whether it
    changed since this machine last sent it. Never earlier than the shared time. `untimed`:
    this machine cannot know when it was last sent (a first build, or no local record)."""
    if resend:
        return later, False
    if mine is not None and mine.content == content:
        return max(mine.mod, shared_mod), False
    if mine is None and untimed:
        # Never earlier than the deck file's own time: a clone without the answers file
        # sends that time, and must not count as newer than what this machine sent.
        return max(assumed_time(content), shared_mod), False
    return max(later, shared_mod), True


def _classify(
    report: ChangeReport,
    q: Question,
    note: RenderedNote,
    before: NoteState | None,
    now: NoteState,
    resent: bool,
    via: str,
) -> None:
    """Put one packaged question in the report's lists."""
    if before is None:
        report.added.append(q.id)
        report.new_cards += 1
        return
    if before.removed:
        report.returned.append(q.id)
    if resent:
        report.resent.append(q.id)
    elif before.content != now.content:
        if before.source == now.source:
            report.rerendered.append(q.id)
        elif not before.removed:
            report.changed.append(q.id)
            if q.retired and RETIRED_TAG in note.tags:
                report.retired.append(q.id)
    elif before.via and before.via != via and q.id not in report.unsent.get(before.via, []):
        report.unsent.setdefault(before.via, []).append(q.id)


def _compare_notetype(
    via: str, previous: PreviousBuild, rendered: RenderedDeck, times: _Times, report: ChangeReport
) -> _NoteType:
    """The note type's times: the deck file's design, and the learner's own (countdown,
    timer), which is timed locally like own answers."""
    last = previous.state
    if last is None:
        mod, first_via = assumed_time(rendered.style), via
    elif last.style != rendered.style:
        report.notetype_changed = True
        mod, first_via = times.later, via
    else:
        if last.notetype_via and last.notetype_via != via:
            report.design_unsent = last.notetype_via
        mod, first_via = last.notetype_mod, last.notetype_via if via else ""
    mine = previous.local.notetype if previous.local else None
    if rendered.packaged_style == rendered.style and mine is None:
        return _NoteType(mod, first_via, mod, None)
    packaged_mod, changed = _local_time(
        mine, rendered.packaged_style, mod, times.later_local, last is None
    )
    report.notetype_changed |= changed
    return _NoteType(mod, first_via, packaged_mod, LocalNote(packaged_mod, rendered.packaged_style))


def _compare_deck(
    via: str,
    last: BuildState | None,
    deck: Deck,
    questions: dict[str, NoteState],
    report: ChangeReport,
) -> str:
    """Report what changed in the deck as a whole, mark the questions that left it (a full
    build only) in `questions`, and return the description's digest."""
    if last is not None and not via:
        present = {q.id for q in deck.questions}
        gone = [qid for qid, s in last.questions.items() if not s.removed and qid not in present]
        for qid in sorted(gone):
            questions[qid] = replace(last.questions[qid], removed=True)
        report.removed = sorted(gone)
        report.renamed_ids = renamed_ids(last.questions, questions, report.added, report.removed)
    description = digest(deck.description, deck.version, *(m.name for m in deck.images))
    if last is not None:
        if last.description and last.description != description:
            report.description_changed = True
        if last.deck_name != deck.name:
            report.deck_renamed = (last.deck_name, deck.name)
        if last.deck_key != deck.key:
            report.key_changed = (last.deck_key, deck.key)
        if (last.fields, last.card_types) != (FIELDS, CARD_TYPES):
            report.schema_changed = (last.fields, FIELDS)
    return description


def _new_state(
    via: str,
    last: BuildState | None,
    rendered: RenderedDeck,
    notes: _Notes,
    notetype: _NoteType,
    description: str,
) -> BuildState:
    """The committed build state this package stands for."""
    deck = rendered.written
    # The deck's name, key and schema as the last full build had them: a filtered build
    # reports a change of them but leaves it to the full build to report again.
    keep = last if via and last is not None else None
    return BuildState(
        deck_key=keep.deck_key if keep else deck.key,
        deck_name=keep.deck_name if keep else deck.name,
        schema_version=keep.schema_version if keep else SCHEMA_VERSION,
        fields=keep.fields if keep else FIELDS,
        card_types=keep.card_types if keep else CARD_TYPES,
        style=rendered.style,
        notetype_mod=notetype.mod,
        notetype_via=notetype.via,
        questions=notes.questions,
        description=description,
        # The newest time of the first package with answers: a note changed after it may be
        # newer than what a device holding only that package has.
        answers=(last.answers if last else 0)
        or (max(notes.mods.values()) if notes.answered else 0),
    )


def _find_without_answers(
    request: BuildRequest, state: BuildState, mods: dict[str, int], report: ChangeReport
) -> None:
    """The notes this package may send without the learner's own answers, when a package
    of this deck once carried some and this machine has none (a clone without the file)."""
    # An answers file with only an interview date (or nothing) holds no answers either.
    if not state.answers or any(q.mine for q in request.deck.questions):
        return
    report.answers_file = answers_path(request.path)
    report.answers_file_here = os.path.exists(report.answers_file)
    # Every note this package may update: edits, design, resends, returns, and what only a
    # filtered package (or a pull) sent before.
    updated = [*report.changed, *report.rerendered, *report.resent, *report.returned]
    updated += [qid for ids in report.unsent.values() for qid in ids]
    # And every note changed since answers were first packaged: a device that did not
    # import the builds made with them since would take this package's copy as newer.
    updated += [
        q.id
        for q, c in zip(request.deck.questions, request.chosen, strict=True)
        if c and mods[q.id] > state.answers
    ]
    report.without_answers = list(dict.fromkeys(updated))
