"""The build report's wording: the lines `prepdeck build` prints for a ChangeReport.

The comparison (compare.py) says what changed as data (changes.py's ChangeReport); this
module says it to the learner, most important first: the deck as a whole, then its questions,
then what to do in Anki after importing, then what earlier packages already sent, the
interview plan, and a last word.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prepdeck.builds.state import PULLED
from prepdeck.cards.notetype import notetype_name
from prepdeck.cards.render import RETIRED_TAG

if TYPE_CHECKING:
    from prepdeck.builds.changes import ChangeReport


def note_search(deck_key: str, question_id: str) -> str:
    """The Anki search that finds one prepdeck note, wherever the learner moved its card."""
    return f'"note:{notetype_name(deck_key)}" "Id:{question_id}"'


def report_lines(report: ChangeReport) -> list[str]:
    """The report as lines of text, most important first."""
    out = _selection_lines(report)
    if report.previous is None:
        return [*out, *_first_build_lines(report)]
    return [
        *out,
        *_deck_lines(report),
        *_question_lines(report),
        *_in_anki_lines(report),
        *_sent_before_lines(report),
        *report.plan,
        *_summary_lines(report),
    ]


def _selection_lines(r: ChangeReport) -> list[str]:
    if not r.selection:
        return []
    advances = "would advance" if r.dry_run else "advances"
    return [f"selection: {r.selection} (only these questions' build state {advances})"]


def _first_build_lines(r: ChangeReport) -> list[str]:
    return [
        "first build of this deck in this folder: a question Anki already has (same key "
        "and id, or the same guid:) is matched, keeps its reviews and is not added "
        "again; every other question arrives as new. "
        + (
            "A build (without --dry-run) saves a build state beside the deck: commit "
            "it with the deck."
            if r.dry_run
            else "Commit the build state saved beside the deck with it."
        ),
        "  built and imported this deck before, and lost its state? See 'If the state "
        "file is lost' in the README before importing.",
        *_known_guid_lines(r),
        *r.plan,
    ]


def _deck_lines(r: ChangeReport) -> list[str]:
    """The deck as a whole: its key, name, note type and description."""
    out: list[str] = []
    if r.key_changed:
        old, new = r.key_changed
        out += [
            f"warning: the deck key changed from '{old}' to '{new}'. Every note's identity "
            "comes from the key, so a re-import adds every question again as a duplicate, "
            "and their review history stays with the old notes.",
            f"  to keep it, set deck.key back to '{old}'. "
            f"Anki search for the old notes: note:{notetype_name(old)}",
        ]
    if r.deck_renamed:
        old, new = r.deck_renamed
        out += [
            f"deck renamed from '{old}' to '{new}'. Before importing, rename the deck "
            f"'{old}' to '{new}' in Anki (deck list, gear, Rename): its cards and subdecks "
            "move with it, and the import then finds it.",
            f"  imported already? Anki then made a second deck '{new}' holding only this "
            f"build's new cards ({r.new_cards}): delete that deck, rename '{old}' to "
            f"'{new}', and import this package again.",
        ]
    if r.schema_changed:
        old_fields, new_fields = r.schema_changed
        out += [
            f"warning: the note type's fields changed ({', '.join(old_fields)} -> "
            f"{', '.join(new_fields)}).",
            "  for this one import, tick 'Merge note types' and set 'Update notes: Always' "
            "in Anki's import dialog: without the tick every note you have is skipped as "
            "conflicting, and without 'Always' as unchanged. This replaces edits you made "
            "to these notes inside Anki; reviews and scheduling are kept.",
        ]
    elif r.notetype_changed:
        out.append(
            "card design changed (templates or CSS): Anki updates it on import "
            "with the default options."
        )
    if r.description_changed:
        out.append(
            "deck description changed: an import replaces the description the deck has in "
            "Anki (also one you edited there)."
        )
    return out


def _question_lines(r: ChangeReport) -> list[str]:
    """The questions this package adds or updates, and those it may send without answers."""
    out: list[str] = []
    for old_id, new_id, why in r.renamed_ids:
        out += [
            f"warning: question '{old_id}' is gone and '{new_id}' {why}. A re-import adds "
            "it as a new note: a duplicate, without the old card's history.",
            f"  to keep that history, set its id back to '{old_id}'. "
            f"Anki search: {note_search(r.deck_key, old_id)}",
        ]
    renamed_new = {new for _, new, _ in r.renamed_ids}
    added = [q for q in r.added if q not in renamed_new and q not in r.known_guids]
    if added:
        out.append(f"new: {len(added)} ({_listing(added)})")
    out += _known_guid_lines(r)
    if r.returned:
        out.append(
            f"back in the deck: {len(r.returned)} ({_listing(r.returned)}); they keep "
            "their identity, so Anki updates a note you kept rather than adding a duplicate"
        )
    if r.changed:
        out.append(f"changed: {len(r.changed)} ({_listing(r.changed)})")
    if r.media_changed:
        listed = r.media_changed[:12]
        shown = "; ".join(f"{qid}: {', '.join(paths)}" for qid, paths in listed)
        more = len(r.media_changed) - 12
        out.append(f"media changed: {shown}" + (f"; and {more} more questions" if more > 0 else ""))
    out += _own_answer_lines(r)
    if r.resent:
        out.append(
            f"sent again (--resend): {len(r.resent)} ({_listing(r.resent)}); a "
            "re-import replaces these notes, edits made inside Anki included"
        )
    if r.rerendered:
        out.append(
            f"this version of prepdeck writes {_plural(len(r.rerendered), 'unedited note')}"
            " differently; Anki updates them on import."
        )
    if r.without_answers:
        folder = r.answers_file.removesuffix(".yaml") + "/"
        if r.answers_file_here:
            here = f"{r.answers_file} here holds none"
        else:
            here = f"no {r.answers_file} here"
        out.append(
            f"own answers: {here}; if you keep one on another machine, "
            f"copy it (and {folder} if it holds recordings) here and build again before "
            "importing, or these notes arrive without your answers: "
            f"{_listing(r.without_answers)}"
        )
    return out


def _own_answer_lines(r: ChangeReport) -> list[str]:
    out: list[str] = []
    if r.answers_changed:
        out.append(f"own answers changed: {len(r.answers_changed)} ({_listing(r.answers_changed)})")
    if r.merged:
        out.append(
            f"changed in a build on another machine: {len(r.merged)} "
            f"({_listing(r.merged)}); sent from here with your own answers, so Anki "
            "updates them"
        )
    if r.answers_untimed:
        ids = r.answers_untimed
        out.append(
            f"own answers: this machine has no record of sending them (no {r.local_file} "
            "here), so these notes go with the deck's own times and Anki keeps the version "
            f"it has, edits made there included: {_listing(ids)}. If these answers never "
            f"reached Anki: prepdeck build --resend {ids[0]}"
            + (" (and so on for each)" if len(ids) > 1 else "")
        )
    return out


def _in_anki_lines(r: ChangeReport) -> list[str]:
    """What an import leaves as it was, for the learner to do by hand in Anki."""
    out = [
        f"retired: '{qid}' gets the tag {RETIRED_TAG}; suspend or delete it in Anki "
        f"(search: tag:{RETIRED_TAG})"
        for qid in r.retired
    ]
    renamed_old = {old for old, _, _ in r.renamed_ids}
    out += [
        f"removed: '{qid}': Anki keeps this note until you delete it. "
        f"Anki search: {note_search(r.deck_key, qid)}"
        for qid in r.removed
        if qid not in renamed_old
    ]
    if r.moves:
        n = sum(len(m.ids) for m in r.moves)
        out.append(
            f"moved: {_plural(n, 'question')} now belong{'s' if n == 1 else ''} in other "
            "decks (subdecks or topics changed), but Anki keeps existing cards where they "
            "are. After importing, to move them, in Browse run each search below, select "
            "all cards, then Cards > Change Deck to the deck named:"
        )
        out += [f"  '{m.destination}': {m.search}" for m in r.moves]
    return out


def _sent_before_lines(r: ChangeReport) -> list[str]:
    """What a filtered package or a pull already sent, and the answers mark."""
    out: list[str] = []
    for build, ids in sorted(r.unsent.items()):
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
    if r.design_unsent:
        out.append(
            f"the card design was sent before only in the filtered package "
            f"'{r.design_unsent}'; if you did not import that package, this import "
            "updates it."
        )
    if r.answers_marked:
        out.append(
            "own answers: the build state now records that a package of this deck carries "
            "own answers (never the answers themselves); commit it, so that a clone without "
            "them warns before sending a note without them."
        )
    return out


def _summary_lines(r: ChangeReport) -> list[str]:
    if not r.unchanged:
        return []
    if r.unsent or r.design_unsent:
        return ["no other changes since the last build."]
    return [
        "no changes since the last build: if you imported it, a re-import changes nothing in Anki."
    ]


def _known_guid_lines(r: ChangeReport) -> list[str]:
    if not r.known_guids:
        return []
    ids = r.known_guids
    return [
        f"{_plural(len(ids), 'question')} carry the identity of a note that may already be "
        f"in Anki (guid:): {_listing(ids)}. Anki updates such a note of this deck's note "
        "type in place; one of another note type it skips as conflicting (nothing is lost, "
        "nothing is updated) until you change its note type: prepdeck import writes the "
        f"steps at the top of {r.source or 'the deck file'}."
    ]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _listing(ids: list[str], most: int = 12) -> str:
    """Ids for one report line; a long list is cut short rather than flooding the terminal."""
    if len(ids) <= most:
        return ", ".join(ids)
    return f"{', '.join(ids[:most])}, and {len(ids) - most} more"
