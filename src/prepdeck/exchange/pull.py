"""`prepdeck pull`: edits made in Anki, brought back to the deck file (and own answers).

An exported package holds each prepdeck note with its GUID and the time it last changed.
A note whose time is later than the one prepdeck last sent was edited in Anki. Its fields
are turned back into YAML values (ankifields.py, over sources/htmlmd.py), compared with the
deck file value by value, and, with --write, spliced into the files in place (pullwrite.py,
deckfile/yamledit.py). The state then records the pulled content with Anki's time, so the
next build sends nothing for those notes and the learner's edit stays as it is. For a note
that held own answers, Anki's time goes to the machine-local state only: the committed one
keeps this machine's last time, so a clone without the answers never sends the note as newer.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from prepdeck.builds.changes import content_digest
from prepdeck.builds.state import (
    LocalNote,
    NoteState,
    local_state_path,
    read_local_state,
    read_state,
    state_path,
)
from prepdeck.cards.notetype import FIELDS, note_guid, notetype_name
from prepdeck.cards.render import RETIRED_TAG, TOPIC_TAG_PREFIX, render_note
from prepdeck.deckfile.load import load_deck
from prepdeck.deckfile.model import Deck, Question, as_written
from prepdeck.errors import PrepdeckError
from prepdeck.exchange.ankifields import field_words, keep_layout, markdown_back, tips_back
from prepdeck.sources.ankipkg import AnkiNote, read_package
from prepdeck.sources.draft import question_id
from prepdeck.sources.htmlmd import to_markdown, to_text, to_tips

# Tags Anki sets for one learner (Browse > Toggle Mark, a leech, Check Database's and Find
# Duplicates' markers): that learner's, never the deck's. Anki ignores a tag's case.
ANKI_TAGS = frozenset({"marked", "leech", "duplicate"})
MACHINE_TAG_PREFIXES = (TOPIC_TAG_PREFIX, "prepdeck::")


def deck_tags(tags) -> tuple[str, ...]:
    """The tags of a note that belong in the deck file: not Anki's per-learner tags, and not
    the ones prepdeck sets itself (topic, retired)."""
    return tuple(
        t
        for t in tags
        if t.casefold() not in ANKI_TAGS and not t.casefold().startswith(MACHINE_TAG_PREFIXES)
    )


@dataclass
class Edit:
    """One question edited in Anki: its values as Anki has them, and what differs."""

    id: str
    mod: int  # the note's time in Anki
    values: dict[str, object]  # the changed keys, YAML values
    lines: list[str]  # the differences in YAML terms, for the report
    conflict: bool = False  # also edited in the YAML since the last build


@dataclass
class PullResult:
    deck: Deck
    edits: list[Edit] = field(default_factory=list)
    added: list[Question] = field(default_factory=list)  # notes made in Anki
    added_mods: dict[str, int] = field(default_factory=dict)  # their times in Anki
    not_imported: list[str] = field(default_factory=list)  # Anki has an older version
    other_notes: int = 0  # notes of other note types or decks
    found: int = 0  # notes of this deck in the export
    export: str = ""
    written: list[Path] = field(default_factory=list)


def pull(
    deck_path: Path,
    export: str,
    *,
    write: bool = False,
    theirs: bool = False,
    add_new: bool = False,
) -> PullResult:
    """Compare an exported Anki package with a deck file; with `write`, apply the edits.

    `deck_path` is a deck file that has been built (its build state says what Anki was sent);
    `export` is a package exported from Anki (.apkg or .colpkg). `theirs` takes Anki's version
    of a question edited in both places; `add_new` adds notes made in Anki as questions.
    prepdeck.exchange.pull.report_lines(result, theirs, write) words the result as `prepdeck
    pull` prints it."""
    deck = load_deck(deck_path)
    state = read_state(state_path(deck_path))
    if state is None:
        raise PrepdeckError(
            f"{deck_path}: has no build state, so prepdeck cannot tell what it sent to Anki; "
            "build it and import it first"
        )
    local = read_local_state(local_state_path(deck_path))
    if not os.path.lexists(export):
        raise PrepdeckError(
            f"{export}: no such file; export it from Anki first (File > Export, a deck package "
            "or the whole collection)"
        )
    package = read_package(export)
    ours = {nt.id for nt in package.notetypes.values() if nt.name == notetype_name(deck.key)}
    by_guid = {q.guid or note_guid(deck.key, q.id): q for q in deck.questions}
    known = {note_guid(deck.key, qid) for qid in state.questions}
    result = PullResult(deck, export=export)
    taken = {q.id for q in deck.questions}
    result.other_notes = sum(note.notetype not in ours for note in package.notes)
    removed: dict[int, int] = {}  # control characters taken out, by note id
    for note in _our_notes(package, ours, export, removed):
        result.found += 1
        q = by_guid.get(note.guid)
        if q is None:
            if note.guid not in known:  # made in Anki, not a question removed from the YAML
                new = _new_question(note, taken)
                result.added.append(new)
                result.added_mods[new.id] = note.mod
            continue
        sent = _sent(state, local, q)
        if sent is None:
            continue
        if note.mod < sent.mod:
            result.not_imported.append(q.id)
        elif note.mod > sent.mod:
            edit = _edit(q, note)
            if removed.get(note.id) and edit.values:
                n = removed[note.id]
                edit.lines.append(
                    f"removed {n} control character{'s' if n != 1 else ''} (invisible on a "
                    "card; a deck file may not hold them)"
                )
            if edit.values or edit.lines:
                edit.conflict = _edited_in_yaml(state, local, q)
                result.edits.append(edit)
    if write:
        from prepdeck.exchange.pullwrite import write_edits

        result.written = write_edits(deck_path, deck, result, theirs, add_new)
    return result


def _sent(state, local, q: Question) -> NoteState | LocalNote | None:
    """What prepdeck last sent for this question from this machine."""
    if local is not None and q.id in local.questions:
        return local.questions[q.id]
    return state.questions.get(q.id)


def _edited_in_yaml(state, local, q: Question) -> bool:
    """Whether the question changed in the YAML since the last build."""
    shared = state.questions.get(q.id)
    if shared is None or shared.content != content_digest(render_note(as_written(q))):
        return True
    mine = local.questions.get(q.id) if local else None
    return mine is not None and mine.content != content_digest(render_note(q))


def _our_notes(package, ours: set[int], export: str, removed: dict[int, int]) -> list[AnkiNote]:
    """The deck's notes, each with its fields in prepdeck's order, read by name: a learner
    may have reordered the fields in Anki. Two notes with one identity are refused: their
    values would merge."""
    out: list[AnkiNote] = []
    seen: dict[str, tuple[int, str]] = {}  # GUID -> the first note's id and question
    for note in package.notes:
        if note.notetype not in ours:
            continue
        names = package.notetypes[note.notetype].fields
        missing = [f for f in FIELDS if f not in names]
        if missing:
            listed = ", ".join(missing)
            raise PrepdeckError(
                f"{export}: the note type '{package.notetypes[note.notetype].name}' has no "
                f"field {listed} (renamed or removed in Anki); give it back that name in Anki "
                "(Tools > Manage Note Types > Fields), export again and pull"
            )
        named = dict(zip(names, note.fields, strict=False))
        if note.guid in seen:
            first, question = seen[note.guid]
            raise PrepdeckError(
                f"{export}: two notes share one identity (GUID {note.guid!r}): note {first} "
                f"({_short(to_text(question).markdown)}) and note {note.id} "
                f"({_short(to_text(named.get('Question', '')).markdown)}); pulling would merge "
                f'them. Keep one: in Anki, search "nid:{first},{note.id}", delete the other, '
                "export again and pull. Nothing was written"
            )
        seen[note.guid] = (note.id, named.get("Question", ""))
        fields = [_without_controls(named.get(f, "")) for f in FIELDS]
        tags = [_without_controls(t) for t in note.tags]
        removed[note.id] = sum(n for _, n in fields) + sum(n for _, n in tags)
        out.append(
            note._replace(fields=tuple(f for f, _ in fields), tags=tuple(t for t, _ in tags if t))
        )
    return out


# What a deck file may not hold, as `prepdeck import` strips it: control characters (a tab
# and a line break stay; a lone CR becomes a line break).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff]")


def _without_controls(text: str) -> tuple[str, int]:
    """`text` without control characters, and how many went (a CR, CRLF's too, counts)."""
    returns = text.count("\r")
    if returns:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept, count = _CONTROL.subn("", text)
    return kept, count + returns


def _fields(note: AnkiNote) -> dict[str, str]:
    return dict(zip(FIELDS, (*note.fields, *[""] * len(FIELDS)), strict=False))


def _edit(q: Question, note: AnkiNote) -> Edit:
    """What the Anki note changed, value by value, against the question as written."""
    have = _fields(note)
    ours = dict(zip(FIELDS, render_note(q).fields, strict=True))
    values: dict[str, object] = {}
    lines: list[str] = []
    for key, name in (("question", "Question"), ("topic", "Topic")):
        if have[name] != ours[name]:
            text = to_text(have[name]).markdown
            if field_words(text) != field_words(getattr(q, key)):
                values[key] = text
                lines.append(_changed(key, getattr(q, key), text))
    if have["Tips"] != ours["Tips"]:
        tips = tips_back(q, have["Tips"], ours["Tips"])
        if tips and tips != q.tips:
            values["tips"] = tips
            lines += _tip_lines(q.tips, tips)
    for key, name in (("example", "Example"), ("notes", "Notes")):
        if have[name] != ours[name]:
            text = keep_layout(getattr(q, key), markdown_back(have[name], q))
            if field_words(text) != field_words(getattr(q, key)):
                values[key] = text
                lines.append(_changed(key, getattr(q, key), text))
    own = deck_tags(note.tags)
    folded = {t.casefold() for t in own}
    written = deck_tags(q.tags)  # a tag the YAML itself gives the Anki-managed name stays
    if folded != {t.casefold() for t in written}:
        kept = [t for t in q.tags if t.casefold() in folded or t not in written]
        new = [t for t in own if t.casefold() not in {k.casefold() for k in kept}]
        values["tags"] = (*kept, *new)
        lines.append(_changed("tags", ", ".join(q.tags), ", ".join(values["tags"])))
    if have["Extra"] != ours["Extra"]:  # prepdeck's own [sound:] tags live there
        lines.append(
            "recordings changed in Anki: not brought back (set `audio:` in the YAML, or put "
            "the files beside the deck)"
        )
    retired = RETIRED_TAG in {t.lower() for t in note.tags}
    if retired != q.retired:
        values["retired"] = retired
        lines.append(f"retired: {str(q.retired).lower()} -> {str(retired).lower()}")
    return Edit(q.id, note.mod, values, lines)


def _short(text: str, most: int = 70) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= most else text[: most - 1] + "…")


def _changed(key: str, before: object, after: object) -> str:
    return f"{key}: {_short(str(before))} -> {_short(str(after))}"


def _tip_lines(before: tuple[str, ...], after: tuple[str, ...]) -> list[str]:
    out = []
    for i in range(max(len(before), len(after))):
        old = before[i] if i < len(before) else None
        new = after[i] if i < len(after) else None
        if old == new:
            continue
        if old is None:
            out.append(f"tip {i + 1} added: {_short(new)}")
        elif new is None:
            out.append(f"tip {i + 1} removed: {_short(old)}")
        else:
            out.append(f"tip {i + 1}: {_short(old)} -> {_short(new)}")
    return out


def _new_question(note: AnkiNote, taken: set[str]) -> Question:
    have = _fields(note)
    text = to_text(have["Question"]).markdown or "New question"
    tips = to_tips(have["Tips"]).tips or ("(no tips yet)",)
    own = deck_tags(note.tags)
    return Question(
        id=question_id(text, taken),
        topic=to_text(have["Topic"]).markdown or "New",
        question=text,
        tips=tips,
        tags=own,
        example=to_markdown(have["Example"]).markdown,
        notes=to_markdown(have["Notes"]).markdown,
        guid=note.guid,
    )


def report_lines(result: PullResult, theirs: bool, write: bool) -> list[str]:
    """What the pull found, in YAML terms."""
    out = []
    for edit in result.edits:
        if edit.conflict and not theirs:
            out.append(
                f"conflict: '{edit.id}' was edited both in Anki and in the YAML since the last "
                "build; the YAML is kept (--theirs takes Anki's version):"
            )
        else:
            out.append(f"edited in Anki: '{edit.id}'")
        out += [f"  {line}" for line in edit.lines]
    for q in result.added:
        out.append(f"added in Anki: {_short(q.question)} (--add-new adds it as '{q.id}')")
    if result.not_imported:
        out.append(
            f"not imported yet: {', '.join(result.not_imported)} (Anki has an older version "
            "than the last build; import the package first)"
        )
    if not result.found:
        return [
            f"{result.export} holds no note of this deck: nothing to pull (export this deck "
            "from Anki, or the whole collection)."
        ]
    if not out:
        out.append("no edits in Anki since the last build.")
    elif not write:
        out.append("run with --write to apply these edits to the deck file.")
    elif result.written:
        out += devices_lines(result, theirs)
    return out


def devices_lines(result: PullResult, theirs: bool) -> list[str]:
    """What each device sees from the next build, once the edits are in the deck file."""
    ids = [e.id for e in result.edits if e.values and (theirs or not e.conflict)]
    if not ids:
        return []
    listed = ", ".join(ids)
    return [
        f"the next build sends {len(ids)} pulled note(s) as Anki has them ({listed}): "
        "importing it where you exported from changes nothing; another device that does not "
        f"have these edits yet updates {len(ids)} note(s)."
    ]
