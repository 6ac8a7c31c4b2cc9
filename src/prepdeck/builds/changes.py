"""Compare a build with the last one: new modification times, and a report for the learner.

Per question, the state holds what the last package that carried it sent. A filtered build
advances only the questions it packages; a full build also records questions that left the
deck (so that one coming back is not "new"). A learner's own answers never reach the
committed state: what they add to a note is timed through the machine-local record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from prepdeck.builds.state import (
    PULLED,
    BuildState,
    LocalNote,
    LocalState,
    NoteState,
    assumed_time,
    next_time,
    text_key,
    tip_keys,
)
from prepdeck.cards.notetype import CARD_TYPES, FIELDS, SCHEMA_VERSION, notetype_name
from prepdeck.cards.render import RETIRED_TAG, RenderedNote, topic_tag
from prepdeck.deckfile.model import Deck, Question
from prepdeck.digest import digest


def note_search(deck_key: str, question_id: str) -> str:
    """The Anki search that finds one prepdeck note, wherever the learner moved its card."""
    return f'"note:{notetype_name(deck_key)}" "Id:{question_id}"'


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class Move:
    """Cards that now belong in another Anki deck, and the search that finds them."""

    destination: str
    search: str
    ids: list[str]


@dataclass
class ChangeReport:
    """What a re-import of this build will do, compared with the last package of each note."""

    deck_key: str
    previous: BuildState | None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    rerendered: list[str] = field(default_factory=list)
    answers_changed: list[str] = field(default_factory=list)
    # Changed by a build on another machine; sent from here again with own answers.
    merged: list[str] = field(default_factory=list)
    # Own answers this machine has no record of sending: sent with the deck's own times.
    answers_untimed: list[str] = field(default_factory=list)
    local_file: str = ""
    answers_marked: bool = False  # the committed state now records that answers were packaged
    # New to the build state, with the GUID of a note the learner may already have (`guid:`).
    known_guids: list[str] = field(default_factory=list)
    source: str = ""  # the deck file, for advice that points into it
    media_changed: list[tuple[str, list[str]]] = field(default_factory=list)  # id, paths
    resent: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    renamed_ids: list[tuple[str, str, str]] = field(default_factory=list)  # old, new, why
    unsent: dict[str, list[str]] = field(default_factory=dict)  # filtered build -> ids
    design_unsent: str = ""
    without_answers: list[str] = field(default_factory=list)
    answers_file: str = ""
    answers_file_here: bool = False  # it exists here, but holds no answers
    description_changed: bool = False
    deck_renamed: tuple[str, str] | None = None
    key_changed: tuple[str, str] | None = None
    notetype_changed: bool = False
    schema_changed: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    selection: str = ""
    new_cards: int = 0
    plan: list[str] = field(default_factory=list)  # the interview plan, when there is one
    dry_run: bool = False  # nothing is written: say what a real build would do

    @property
    def unchanged(self) -> bool:
        """Whether importing this package changes nothing, if every earlier one was imported."""
        return not (
            self.added
            or self.changed
            or self.rerendered
            or self.answers_changed
            or self.merged
            or self.resent
            or self.returned
            or self.removed
            or self.moves
            or self.deck_renamed
            or self.key_changed
            or self.notetype_changed
            or self.description_changed
        )

    def lines(self) -> list[str]:
        """The report as lines of text, most important first."""
        out: list[str] = []
        key = self.deck_key
        if self.selection:
            advances = "would advance" if self.dry_run else "advances"
            out.append(
                f"selection: {self.selection} (only these questions' build state {advances})"
            )
        if self.previous is None:
            return [
                *out,
                "first build of this deck in this folder: a question Anki already has (same key "
                "and id, or the same guid:) is matched, keeps its reviews and is not added "
                "again; every other question arrives as new. "
                + (
                    "A build (without --dry-run) saves a build state beside the deck: commit "
                    "it with the deck."
                    if self.dry_run
                    else "Commit the build state saved beside the deck with it."
                ),
                "  built and imported this deck before, and lost its state? See 'If the state "
                "file is lost' in the README before importing.",
                *self._known_guid_lines(),
                *self.plan,
            ]
        if self.key_changed:
            old, new = self.key_changed
            out += [
                f"warning: the deck key changed from '{old}' to '{new}'. Every note's identity "
                "comes from the key, so a re-import adds every question again as a duplicate, "
                "and their review history stays with the old notes.",
                f"  to keep it, set deck.key back to '{old}'. "
                f"Anki search for the old notes: note:{notetype_name(old)}",
            ]
        if self.deck_renamed:
            old, new = self.deck_renamed
            out += [
                f"deck renamed from '{old}' to '{new}'. Before importing, rename the deck "
                f"'{old}' to '{new}' in Anki (deck list, gear, Rename): its cards and subdecks "
                "move with it, and the import then finds it.",
                f"  imported already? Anki then made a second deck '{new}' holding only this "
                f"build's new cards ({self.new_cards}): delete that deck, rename '{old}' to "
                f"'{new}', and import this package again.",
            ]
        if self.schema_changed:
            old, new = self.schema_changed
            out += [
                f"warning: the note type's fields changed ({', '.join(old)} -> {', '.join(new)}).",
                "  for this one import, tick 'Merge note types' and set 'Update notes: Always' "
                "in Anki's import dialog: without the tick every note you have is skipped as "
                "conflicting, and without 'Always' as unchanged. This replaces edits you made "
                "to these notes inside Anki; reviews and scheduling are kept.",
            ]
        elif self.notetype_changed:
            out.append(
                "card design changed (templates or CSS): Anki updates it on import "
                "with the default options."
            )
        if self.description_changed:
            out.append(
                "deck description changed: an import replaces the description the deck has in "
                "Anki (also one you edited there)."
            )
        for old_id, new_id, why in self.renamed_ids:
            out += [
                f"warning: question '{old_id}' is gone and '{new_id}' {why}. A re-import adds "
                "it as a new note: a duplicate, without the old card's history.",
                f"  to keep that history, set its id back to '{old_id}'. "
                f"Anki search: {note_search(key, old_id)}",
            ]
        renamed_new = {new for _, new, _ in self.renamed_ids}
        renamed_old = {old for old, _, _ in self.renamed_ids}
        added = [q for q in self.added if q not in renamed_new and q not in self.known_guids]
        if added:
            out.append(f"new: {len(added)} ({_listing(added)})")
        out += self._known_guid_lines()
        if self.returned:
            out.append(
                f"back in the deck: {len(self.returned)} ({_listing(self.returned)}); they keep "
                "their identity, so Anki updates a note you kept rather than adding a duplicate"
            )
        if self.changed:
            out.append(f"changed: {len(self.changed)} ({_listing(self.changed)})")
        if self.media_changed:
            listed = self.media_changed[:12]
            shown = "; ".join(f"{qid}: {', '.join(paths)}" for qid, paths in listed)
            more = len(self.media_changed) - 12
            out.append(
                f"media changed: {shown}" + (f"; and {more} more questions" if more > 0 else "")
            )
        if self.answers_changed:
            out.append(
                f"own answers changed: {len(self.answers_changed)} "
                f"({_listing(self.answers_changed)})"
            )
        if self.merged:
            out.append(
                f"changed in a build on another machine: {len(self.merged)} "
                f"({_listing(self.merged)}); sent from here with your own answers, so Anki "
                "updates them"
            )
        if self.answers_untimed:
            ids = self.answers_untimed
            out.append(
                f"own answers: this machine has no record of sending them (no {self.local_file} "
                "here), so these notes go with the deck's own times and Anki keeps the version "
                f"it has, edits made there included: {_listing(ids)}. If these answers never "
                f"reached Anki: prepdeck build --resend {ids[0]}"
                + (" (and so on for each)" if len(ids) > 1 else "")
            )
        if self.resent:
            out.append(
                f"sent again (--resend): {len(self.resent)} ({_listing(self.resent)}); a "
                "re-import replaces these notes, edits made inside Anki included"
            )
        if self.rerendered:
            out.append(
                f"this version of prepdeck writes {_plural(len(self.rerendered), 'unedited note')}"
                " differently; Anki updates them on import."
            )
        if self.without_answers:
            folder = self.answers_file.removesuffix(".yaml") + "/"
            here = (
                f"{self.answers_file} here holds none"
                if self.answers_file_here
                else f"no {self.answers_file} here"
            )
            out.append(
                f"own answers: {here}; if you keep one on another machine, "
                f"copy it (and {folder} if it holds recordings) here and build again before "
                "importing, or these notes arrive without your answers: "
                f"{_listing(self.without_answers)}"
            )
        for qid in self.retired:
            out.append(
                f"retired: '{qid}' gets the tag {RETIRED_TAG}; suspend or delete it in Anki "
                f"(search: tag:{RETIRED_TAG})"
            )
        for qid in self.removed:
            if qid in renamed_old:
                continue
            out.append(
                f"removed: '{qid}': Anki keeps this note until you delete it. "
                f"Anki search: {note_search(key, qid)}"
            )
        if self.moves:
            n = sum(len(m.ids) for m in self.moves)
            out.append(
                f"moved: {_plural(n, 'question')} now belong{'s' if n == 1 else ''} in other "
                "decks (subdecks or topics changed), but Anki keeps existing cards where they "
                "are. After importing, to move them, in Browse run each search below, select "
                "all cards, then Cards > Change Deck to the deck named:"
            )
            out += [f"  '{m.destination}': {m.search}" for m in self.moves]
        for build, ids in sorted(self.unsent.items()):
            if build == PULLED:
                out.append(
                    f"edited in Anki and pulled into the deck file: {_listing(ids)}; importing "
                    "this package where you exported from changes nothing, and a device that "
                    "does not have these edits yet updates them."
                )
                continue
            out.append(
                f"sent before only in the filtered package '{build}': {_listing(ids)}; if you "
                "did not import that package, this import updates them."
            )
        if self.design_unsent:
            out.append(
                f"the card design was sent before only in the filtered package "
                f"'{self.design_unsent}'; if you did not import that package, this import "
                "updates it."
            )
        if self.answers_marked:
            out.append(
                "own answers: the build state now records that a package of this deck carries "
                "own answers (never the answers themselves); commit it, so that a clone without "
                "them warns before sending a note without them."
            )
        out += self.plan
        if self.unchanged:
            if self.unsent or self.design_unsent:
                out.append("no other changes since the last build.")
            else:
                out.append(
                    "no changes since the last build: if you imported it, a re-import changes "
                    "nothing in Anki."
                )
        return out

    def _known_guid_lines(self) -> list[str]:
        if not self.known_guids:
            return []
        ids = self.known_guids
        return [
            f"{_plural(len(ids), 'question')} carry the identity of a note that may already be "
            f"in Anki (guid:): {_listing(ids)}. Anki updates such a note of this deck's note "
            "type in place; one of another note type it skips as conflicting (nothing is lost, "
            "nothing is updated) until you change its note type: prepdeck import writes the "
            f"steps at the top of {self.source or 'the deck file'}."
        ]


def _listing(ids: list[str], most: int = 12) -> str:
    """Ids for one report line; a long list is cut short rather than flooding the terminal."""
    if len(ids) <= most:
        return ", ".join(ids)
    return f"{', '.join(ids[:most])}, and {len(ids) - most} more"


def source_digest(q: Question) -> str:
    """The question as written, so a render change can be told from an edit; its media
    files' bytes count (through their names) as part of it."""
    parts = (q.id, q.topic, q.question, *q.tips, "\x1e", *q.tags, q.example, q.notes)
    if q.images or q.audio:
        return digest(*parts, str(q.retired), "\x1d", *media_names(q))
    return digest(*parts, str(q.retired))


def media_names(q: Question) -> tuple[str, ...]:
    """The package names of a question's pictures and recordings, each once, sorted."""
    return tuple(sorted({m.name for m in (*q.images, *q.audio)}))


def content_digest(note: RenderedNote) -> str:
    return digest(*note.fields, "\x1e", *note.tags)


@dataclass
class Comparison:
    """What a build sends: the states to save, each packaged note's time, and the report."""

    state: BuildState
    local: LocalState | None
    mods: dict[str, int]
    notetype_mod: int  # the packaged note type's time (the learner's own design included)
    report: ChangeReport


def compare(
    previous: BuildState | None,
    local: LocalState | None,
    deck: Deck,
    notes: Sequence[RenderedNote],
    packaged: Sequence[RenderedNote],
    placements: Sequence[str],
    selected: Sequence[bool],
    via: str,
    style: str,
    now: int,
    resend: frozenset[str] = frozenset(),
    packaged_style: str | None = None,
) -> Comparison:
    """Compare this build with the last package of each note.

    `notes` are rendered from the deck file alone, `packaged` with the learner's own answers;
    `style` fingerprints the deck file's card design, `packaged_style` the one packaged (with
    the learner's own countdown and timer); `via` names a filtered build ("" for a full one);
    `resend` ids get a new, later time.
    """
    report = ChangeReport(deck_key=deck.key, previous=previous)
    later = next_time(previous, now)
    later_local = max(later, local.latest + 1) if local else later
    # Own answers another machine sent (the committed state says a package carried some), on a
    # machine without their local timing: their time cannot be known here, so they are not
    # sent as newer than what the learner may have edited in Anki since.
    untimed = previous is None or (local is None and previous.answers)
    answered: list[int] = []  # the times this package gives notes that carry own answers
    old = previous.questions if previous else {}
    old_local = local.questions if local else {}
    questions = dict(old)  # a filtered build leaves the other questions as they were
    new_local = dict(old_local)
    mods: dict[str, int] = {}
    for q, note, pnote, place, chosen in zip(
        deck.questions, notes, packaged, placements, selected, strict=True
    ):
        if not chosen:
            continue
        content = content_digest(note)
        before = old.get(q.id)
        if before is None and q.guid:
            report.known_guids.append(q.id)
        if q.id in resend:
            mod = later
        elif previous is None:
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
            pmod, changed = _local_time(mine, pcontent, mod, later_local, untimed, resent)
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
        if previous is None:
            continue
        _classify(report, q, note, before, content, questions[q.id], q.id in resend, via)
        if before is not None and before.content != content and (q.images or q.audio):
            paths = sorted(
                {m.path for m in (*q.images, *q.audio) if m.name not in set(before.media)}
            )
            if paths:
                report.media_changed.append((q.id, paths))
        if before is not None:  # a removed question's card is still in Anki, where it was
            was = _renamed_placement(before.deck, previous.deck_name, deck.name)
            if was != place:
                _add_move(report, deck, q, place)

    notetype_mod, notetype_via = _notetype_time(previous, style, later, via, report)
    # The learner's own design (countdown, timer) is timed locally, like own answers.
    package_style = style if packaged_style is None else packaged_style
    mine_design = local.notetype if local else None
    package_notetype_mod = notetype_mod
    new_notetype = None
    if package_style != style or mine_design is not None:
        package_notetype_mod, changed = _local_time(
            mine_design, package_style, notetype_mod, later_local, previous is None
        )
        report.notetype_changed |= changed
        new_notetype = LocalNote(package_notetype_mod, package_style)
    if previous is not None and not via:
        present = {q.id for q in deck.questions}
        gone = [qid for qid, s in old.items() if not s.removed and qid not in present]
        for qid in sorted(gone):
            questions[qid] = replace(old[qid], removed=True)
        report.removed = sorted(gone)
        report.renamed_ids = _renamed_ids(old, questions, report)
    description = digest(deck.description, deck.version, *(m.name for m in deck.images))
    if previous is not None:
        if previous.description and previous.description != description:
            report.description_changed = True
        if previous.deck_name != deck.name:
            report.deck_renamed = (previous.deck_name, deck.name)
        if previous.deck_key != deck.key:
            report.key_changed = (previous.deck_key, deck.key)
        if (previous.fields, previous.card_types) != (FIELDS, CARD_TYPES):
            report.schema_changed = (previous.fields, FIELDS)

    # The deck's name, key and schema as the last full build had them: a filtered build
    # reports a change of them but leaves it to the full build to report again.
    keep = previous if via and previous is not None else None
    state = BuildState(
        deck_key=keep.deck_key if keep else deck.key,
        deck_name=keep.deck_name if keep else deck.name,
        schema_version=keep.schema_version if keep else SCHEMA_VERSION,
        fields=keep.fields if keep else FIELDS,
        card_types=keep.card_types if keep else CARD_TYPES,
        style=style,
        notetype_mod=notetype_mod,
        notetype_via=notetype_via,
        questions=questions,
        description=description,
        # The newest time of the first package with answers: a note changed after it may be
        # newer than what a device holding only that package has.
        answers=(previous.answers if previous else 0) or (max(mods.values()) if answered else 0),
    )
    report.answers_marked = previous is not None and bool(answered) and not previous.answers
    new_local_state = None
    if new_local or new_notetype is not None or local is not None:
        plans = local.plans if local else ()
        new_local_state = LocalState(deck.key, new_local, new_notetype, plans)
    return Comparison(state, new_local_state, mods, package_notetype_mod, report)


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
    content: str,
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
    elif before.content != content:
        if before.source == now.source:
            report.rerendered.append(q.id)
        elif not before.removed:
            report.changed.append(q.id)
            if q.retired and RETIRED_TAG in note.tags:
                report.retired.append(q.id)
    elif before.via and before.via != via and q.id not in report.unsent.get(before.via, []):
        report.unsent.setdefault(before.via, []).append(q.id)


def _notetype_time(
    previous: BuildState | None, style: str, later: int, via: str, report: ChangeReport
) -> tuple[int, str]:
    """The note type's time and the build that first sent its design."""
    if previous is None:
        return assumed_time(style), via
    if previous.style != style:
        report.notetype_changed = True
        return later, via
    if previous.notetype_via and previous.notetype_via != via:
        report.design_unsent = previous.notetype_via
    return previous.notetype_mod, previous.notetype_via if via else ""


def _renamed_ids(
    old: dict[str, NoteState], now: dict[str, NoteState], report: ChangeReport
) -> list[tuple[str, str, str]]:
    """Removed ids whose question came back under a new id: same wording, or mostly same tips."""
    by_text = {now[qid].text: qid for qid in report.added}
    by_tip: dict[str, list[str]] = {}
    for qid in report.added:
        for tip in set(now[qid].tips):
            by_tip.setdefault(tip, []).append(qid)
    out = []
    for gone in report.removed:
        if old[gone].text in by_text:
            out.append((gone, by_text[old[gone].text], "has the same wording"))
            continue
        tips = set(old[gone].tips)
        shared: dict[str, int] = {}
        for tip in tips:
            holders = by_tip.get(tip, ())
            if len(holders) > 20:  # a tip many questions share tells nothing about identity
                continue
            for qid in holders:
                shared[qid] = shared.get(qid, 0) + 1
        best = max(shared.items(), key=lambda kv: (kv[1], kv[0]), default=None)
        if best and best[1] * 2 >= len(tips):
            out.append((gone, best[0], f"has {best[1]} of its {len(tips)} tips"))
    return out


def _add_move(report: ChangeReport, deck: Deck, q: Question, place: str) -> None:
    """Group a card that belongs elsewhere with the others bound for the same deck."""
    by_topic = place != deck.name
    search = f'"note:{notetype_name(deck.key)}"'
    if by_topic:
        search += f' "tag:{topic_tag(q.topic)}"'
    for move in report.moves:
        if move.destination == place:
            move.ids.append(q.id)
            return
    report.moves.append(Move(place, search, [q.id]))


def _renamed_placement(place: str, old_name: str, new_name: str) -> str:
    """Where a card was, had only the deck's name changed (a rename is reported on its own)."""
    if place == old_name or place.startswith(old_name + "::"):
        return new_name + place[len(old_name) :]
    return place
