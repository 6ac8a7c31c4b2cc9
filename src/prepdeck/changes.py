"""Compare a build with the last one: new modification times, and a report for the learner."""

from __future__ import annotations

from dataclasses import dataclass, field

from prepdeck.model import Deck, Question
from prepdeck.notetype import CARD_TYPES, FIELDS, SCHEMA_VERSION, notetype_name
from prepdeck.render import RETIRED_TAG, RenderedNote
from prepdeck.state import BuildState, NoteState, assumed_time, digest, next_time, text_key


def note_search(deck_key: str, question_id: str) -> str:
    """The Anki search that finds one prepdeck note, wherever the learner moved its card."""
    return f'"note:{notetype_name(deck_key)}" "Id:{question_id}"'


@dataclass
class ChangeReport:
    """What a re-import of this build will do, compared with the last build."""

    deck_key: str
    previous: BuildState | None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    rerendered: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)
    renamed_ids: list[tuple[str, str]] = field(default_factory=list)
    deck_renamed: tuple[str, str] | None = None
    key_changed: tuple[str, str] | None = None
    notetype_changed: bool = False
    schema_changed: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    selection: str = ""

    @property
    def unchanged(self) -> bool:
        return not (
            self.added
            or self.changed
            or self.rerendered
            or self.removed
            or self.moved
            or self.deck_renamed
            or self.key_changed
            or self.notetype_changed
        )

    def lines(self) -> list[str]:
        """The report as lines of text, most important first."""
        out: list[str] = []
        key = self.deck_key
        if self.selection:
            out.append(f"selection: {self.selection} (the build state still covers every question)")
        if self.previous is None:
            out += [
                "no build state was found, so this build starts one; commit it with the deck.",
                "  prepdeck cannot tell which questions changed since your last import, so it "
                "gave every note an early time that depends only on its content:",
                "  - never imported this deck? nothing to do: every question arrives as new.",
                "  - imported it before? Anki's default ('Update notes: If newer') keeps every "
                "note as you have it, so edits made since then do not arrive;",
                "    choose 'Update notes: Always' once to bring every note up to date (this "
                "also replaces edits you made inside Anki).",
            ]
            return out
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
            out.append(
                f"deck renamed from '{old}' to '{new}': Anki keeps existing cards under "
                f"'{old}' and puts only new cards in '{new}'; rename the deck in Anki to match."
            )
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
        for old_id, new_id in self.renamed_ids:
            out += [
                f"warning: question '{old_id}' is gone and '{new_id}' has the same wording. "
                "A re-import adds it as a new note: a duplicate, without the old card's history.",
                f"  to keep that history, set its id back to '{old_id}'. "
                f"Anki search: {note_search(key, old_id)}",
            ]
        renamed_new = {new for _, new in self.renamed_ids}
        renamed_old = {old for old, _ in self.renamed_ids}
        added = [q for q in self.added if q not in renamed_new]
        if added:
            out.append(f"new: {len(added)} ({_listing(added)})")
        if self.changed:
            out.append(f"changed: {len(self.changed)} ({_listing(self.changed)})")
        if self.rerendered:
            out.append(
                f"this version of prepdeck writes {len(self.rerendered)} unedited notes "
                "differently; Anki updates them on import."
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
        if len(self.moved) > 3:
            out.append(
                f"moved: {len(self.moved)} questions now belong in other decks (subdecks or "
                "topics changed), but Anki keeps existing cards where they are. To move them: "
                f'Browse, search "note:{notetype_name(key)}", select the cards, '
                "Cards > Change Deck."
            )
        for qid, old, new in self.moved if len(self.moved) <= 3 else ():
            out.append(
                f"moved: '{qid}' now belongs in '{new}', but Anki keeps the existing card in "
                f"'{old}' (Browse > Change Deck moves it). Anki search: {note_search(key, qid)}"
            )
        if not out or self.unchanged:
            out.append("no changes since the last build: a re-import changes nothing in Anki.")
        return out


def _listing(ids: list[str], most: int = 12) -> str:
    """Ids for one report line; a long list is cut short rather than flooding the terminal."""
    if len(ids) <= most:
        return ", ".join(ids)
    return f"{', '.join(ids[:most])}, and {len(ids) - most} more"


def source_digest(q: Question) -> str:
    """The question as written, so a render change can be told from an edit."""
    return digest(
        q.id, q.topic, q.question, *q.tips, "\x1e", *q.tags, q.example, q.notes, str(q.retired)
    )


def content_digest(note: RenderedNote) -> str:
    return digest(*note.fields, "\x1e", *note.tags)


def compare(
    previous: BuildState | None,
    deck: Deck,
    notes: list[RenderedNote],
    placements: list[str],
    style: str,
    now: int,
) -> tuple[BuildState, ChangeReport]:
    """The new state (with every note's modification time) and what changed since `previous`."""
    report = ChangeReport(deck_key=deck.key, previous=previous)
    later = next_time(previous, now)
    old = previous.questions if previous else {}
    questions: dict[str, NoteState] = {}
    for q, note, place in zip(deck.questions, notes, placements, strict=True):
        content = content_digest(note)
        before = old.get(q.id)
        if previous is None:
            mod = assumed_time(content)
        elif before is not None and before.content == content:
            mod = before.mod
        else:
            mod = later
        state = NoteState(
            mod=mod, content=content, source=source_digest(q), text=text_key(q.question), deck=place
        )
        questions[q.id] = state
        if previous is None:
            continue
        if before is None:
            report.added.append(q.id)
            continue
        if before.content != content:
            if before.source == state.source:
                report.rerendered.append(q.id)
            else:
                report.changed.append(q.id)
                if q.retired and RETIRED_TAG in note.tags:
                    report.retired.append(q.id)
        if _renamed_placement(before.deck, previous.deck_name, deck.name) != place:
            report.moved.append((q.id, before.deck, place))

    if previous is None:
        notetype_mod = assumed_time(style)
    elif previous.style == style:
        notetype_mod = previous.notetype_mod
    else:
        notetype_mod = later
        report.notetype_changed = True

    new_state = BuildState(
        deck_key=deck.key,
        deck_name=deck.name,
        schema_version=SCHEMA_VERSION,
        fields=FIELDS,
        card_types=CARD_TYPES,
        style=style,
        notetype_mod=notetype_mod,
        questions=questions,
    )
    if previous is not None:
        report.removed = sorted(set(old) - set(questions))
        by_text = {s.text: qid for qid, s in questions.items() if qid in report.added}
        report.renamed_ids = [
            (qid, by_text[old[qid].text]) for qid in report.removed if old[qid].text in by_text
        ]
        if previous.deck_name != deck.name:
            report.deck_renamed = (previous.deck_name, deck.name)
        if previous.deck_key != deck.key:
            report.key_changed = (previous.deck_key, deck.key)
        if (previous.fields, previous.card_types) != (FIELDS, CARD_TYPES):
            report.schema_changed = (previous.fields, FIELDS)
    return new_state, report


def _renamed_placement(place: str, old_name: str, new_name: str) -> str:
    """Where a card was, had only the deck's name changed (a rename is reported on its own)."""
    if place == old_name or place.startswith(old_name + "::"):
        return new_name + place[len(old_name) :]
    return place
