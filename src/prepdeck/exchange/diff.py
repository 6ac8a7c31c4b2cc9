"""What a learner who imported the decks at one revision sees on importing the next (shown
by diff_report.py).

Each side is built as `prepdeck build` would build it there (a dry run in a temporary
folder, from the deck file and the build state committed beside it), so each note's time is
the one its package carries. Anki updates a note on re-import exactly when the incoming time
is newer than the one it has (ANKI-FACTS): the prediction compares the two build states; the
field-level diff compares the YAML. The learner has imported every release up to the first
revision: a question removed before it is still in their collection (its state entry is kept,
marked removed), so one put back is updated or unchanged by its time, never new.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from prepdeck.builds.changes import source_digest
from prepdeck.builds.moves import renamed_ids, renamed_placement
from prepdeck.builds.pipeline import build_deck
from prepdeck.builds.state import MAX_STATE_BYTES, BuildState, NoteState, read_state, state_path
from prepdeck.cards.notetype import notetype_name
from prepdeck.deckfile.dump import dump_deck
from prepdeck.deckfile.load import MAX_FILE_BYTES, parse_deck_text
from prepdeck.deckfile.media import Files
from prepdeck.deckfile.model import Deck, Question
from prepdeck.deckfile.reader import Reader, read_text
from prepdeck.errors import DeckFileError, PrepdeckError, Problem
from prepdeck.exchange.revisions import (
    WORKTREE,
    Blobs,
    Revision,
    RevisionFiles,
    decks_folder,
    repo_paths,
    repo_root,
    resolve,
)

WORKTREE_LABEL = "working tree"
_FIELDS = ("topic", "question", "tips", "tags", "example", "notes", "retired")


@dataclass(frozen=True)
class NoteChange:
    """One question as the learner meets it: its id, topic, wording and what changed."""

    id: str
    topic: str
    question: str
    fields: tuple[str, ...] = ()  # the YAML keys that differ (updated notes)
    yaml: tuple[str, ...] = ()  # a diff of the question's YAML, '+'/'-'/' ' lines
    media: tuple[str, ...] = ()  # pictures and recordings whose bytes are new to the learner
    why: str = ""  # why an update with no YAML change (fields empty) happens: see WHY


@dataclass
class DeckDiff:
    """One deck file between two revisions, as Anki's importer will treat it."""

    path: str
    name: str
    key: str
    added: list[NoteChange] = field(default_factory=list)
    updated: list[NoteChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[NoteChange] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)  # removed before, back now: not new
    back: list[NoteChange] = field(default_factory=list)  # the same questions
    renamed_ids: list[tuple[str, str, str]] = field(default_factory=list)  # old, new, why
    deck_renamed: tuple[str, str] | None = None
    key_changed: tuple[str, str] | None = None
    design_changed: bool = False  # the templates or CSS differ
    design_updated: bool = False  # ... and the import updates the note type
    schema_changed: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    moves: list[tuple[str, str, list[str]]] = field(default_factory=list)  # to, search, ids
    version: tuple[str, str] | None = None  # deck.version before and after, when it changed
    moved_from: str = ""  # the deck file's path at the first revision, when it moved
    new_deck: bool = False  # not at the first revision
    deck_removed: bool = False  # not at the second revision

    @property
    def counts(self) -> dict[str, int]:
        """What Anki's import log will say with its default options, notes only. After a
        schema change every note the learner has is conflicting (ANKI-FACTS)."""
        if self.schema_changed:
            kept = len(self.updated) + len(self.unchanged)
            return {"new": len(self.added), "updated": 0, "duplicate": 0, "conflicting": kept}
        return {
            "new": len(self.added),
            "updated": len(self.updated),
            "duplicate": len(self.unchanged),
            "conflicting": 0,
        }

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.updated
            or self.removed
            or self.deck_renamed
            or self.key_changed
            or self.design_changed
            or self.schema_changed
            or self.moves
            or self.version
        )


@dataclass
class Diff:
    a: str  # the revisions as the user named them
    b: str
    decks: list[DeckDiff]
    skipped: list[str] = field(default_factory=list)  # tree entries never read, and why
    problems: list[str] = field(default_factory=list)  # decks that could not be compared


@dataclass(frozen=True)
class _Side:
    deck: Deck
    state: BuildState  # what this prepdeck's package at the revision carries
    committed: BuildState | None  # the state committed there (what that prepdeck sent)


def _located(err: PrepdeckError, names: dict[str, str], tmp: str, where: str) -> list[str]:
    """Messages that name the files at their revision, not their copies in the temporary
    folder; one that names no file is put at `where`."""

    def at(text: str) -> str:
        for local, label in names.items():
            text = text.replace(local, label)
        return text.replace(tmp + os.sep, "")

    if isinstance(err, DeckFileError):
        return [str(Problem(at(p.path), p.line, p.column, at(p.message))) for p in err.problems]
    text = at(str(err))
    return [text if any(label in text for label in names.values()) else f"{where}: {text}"]


class _Unreadable(Exception):
    """A deck that cannot be built at a revision; the messages say where and why."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def _build_side(rev: Revision, path: str) -> _Side:
    """Build the deck at one revision (a dry run) in a temporary folder of its own, from
    copies under names made here: the tree's own paths are never written."""
    tree_state = state_path(path).as_posix()
    with tempfile.TemporaryDirectory(prefix="prepdeck-diff-") as tmp:
        local = os.path.join(tmp, "deck")
        os.mkdir(local)
        copy = os.path.join(local, "deck.yaml")
        state_copy = str(state_path(copy))
        source = os.path.join(rev.root, path) if rev.commit is WORKTREE else copy
        names = {state_copy: f"{rev.label}:{tree_state}", source: f"{rev.label}:{path}"}
        names[copy] = f"{rev.label}:{path}"
        files: Files | None = None
        try:
            if rev.commit is WORKTREE:
                files = Files()
            else:
                rev.copy_to(path, copy, MAX_FILE_BYTES, "deck file")
                files = RevisionFiles(rev, path.rsplit("/", 1)[0] if "/" in path else "", local)
            rev.copy_to(tree_state, state_copy, MAX_STATE_BYTES, "build state")
            committed = read_state(Path(state_copy))
            reader = Reader(source)
            text = read_text(source, reader)
            if reader.problems:
                raise DeckFileError(reader.problems)
            deck = parse_deck_text(text, source, files=files)
            result = build_deck(copy, deck=deck, dry_run=True, out_dir=Path(tmp, "dist"))
        except PrepdeckError as err:
            raise _Unreadable(_located(err, names, tmp, f"{rev.label}:{path}")) from None
        finally:
            if isinstance(files, RevisionFiles):
                files.cleanup()
    assert result.state is not None
    return _Side(_without_bytes(deck), result.state, committed)


def _without_bytes(deck: Deck) -> Deck:
    """The deck without its media's bytes (their names and paths stay): a diff holds every
    deck of two revisions at once, and needs no picture twice."""

    def light(media: tuple) -> tuple:
        return tuple(m._replace(data=b"") for m in media)

    questions = tuple(
        q._replace(images=light(q.images), audio=light(q.audio)) for q in deck.questions
    )
    return deck._replace(questions=questions, images=light(deck.images))


def question_yaml(deck: Deck, q: Question) -> list[str]:
    """One question as the deck file's YAML writes it, line by line."""
    text = dump_deck(deck._replace(questions=(q,), description="", labels=()))
    lines = text.split("\nquestions:\n", 1)[1].splitlines()
    return [line[2:] if line.startswith("  ") else line for line in lines]


def _yaml_diff(a: Deck, qa: Question, b: Deck, qb: Question) -> tuple[str, ...]:
    old, new = question_yaml(a, qa), question_yaml(b, qb)
    lines = difflib.unified_diff(old, new, lineterm="", n=len(old) + len(new))
    return tuple(line for line in lines if not line.startswith(("---", "+++", "@@")))


def _note(
    q: Question,
    fields: tuple[str, ...] = (),
    yaml: tuple[str, ...] = (),
    media: tuple[str, ...] = (),
    why: str = "",
) -> NoteChange:
    return NoteChange(q.id, q.topic, q.question, fields, yaml, media, why)


# Why Anki updates a note whose YAML did not change between the two revisions.
RERENDERED = "this version of prepdeck writes it differently"
RESENT = (
    "sent again with the same text and a newer time: build --resend, or an edit pulled from Anki"
)
CHANGED_AWAY = "changed while it was out of the deck"
CHANGED = "its entry in the deck file changed"


def _why(had: NoteState, now: NoteState, returned: bool) -> str:
    """Why a note is updated although no YAML key differs (or, back in the deck, is known)."""
    if had.content == now.content:
        return RESENT
    if had.source == now.source:
        return RERENDERED
    return CHANGED_AWAY if returned else CHANGED


def _new_media(before: Question, after: Question) -> tuple[str, ...]:
    """The paths of `after`'s pictures and recordings whose bytes `before` did not carry."""
    had = {m.name for m in (*before.images, *before.audio)}
    return tuple(sorted({m.path for m in (*after.images, *after.audio) if m.name not in had}))


def compare_sides(path: str, a: _Side | None, b: _Side | None) -> DeckDiff:
    """What importing the package built at `b` does after the one built at `a`."""
    if b is None:
        assert a is not None
        out = DeckDiff(path, a.deck.name, a.deck.key, deck_removed=True)
        out.removed = [_note(q) for q in a.deck.questions]
        return out
    out = DeckDiff(path, b.deck.name, b.deck.key, new_deck=a is None)
    if a is None or a.deck.key != b.deck.key:
        if a is not None:
            out.key_changed = (a.deck.key, b.deck.key)
            out.removed = [_note(q) for q in a.deck.questions]
        out.added = [_note(q) for q in b.deck.questions]
        return out
    old = {q.id: q for q in a.deck.questions}
    present = {q.id for q in b.deck.questions}
    sa, sb = _as_sent(a), b.state
    moved: dict[str, tuple[str, list[str]]] = {}
    for q in b.deck.questions:
        before = old.get(q.id)
        # What a learner who imported every release up to `a` has: a question removed
        # before `a` is still in their collection (the state keeps it, marked removed).
        had = sa.questions.get(q.id)
        if had is None:
            out.added.append(_note(q))
            continue
        now = sb.questions[q.id]
        if before is None:
            out.returned.append(q.id)
            out.back.append(_note(q))
        if now.mod > had.mod:
            changed: tuple[str, ...] = ()
            yaml: tuple[str, ...] = ()
            media: tuple[str, ...] = ()
            if before is not None:
                changed = tuple(f for f in _FIELDS if getattr(before, f) != getattr(q, f))
                yaml = _yaml_diff(a.deck, before, b.deck, q) if changed else ()
                media = _new_media(before, q)
                if media and "media" not in changed:
                    changed = (*changed, "media")
                if q.retired and not before.retired:
                    out.retired.append(q.id)
            why = "" if changed else _why(had, now, returned=before is None)
            out.updated.append(_note(q, changed, yaml, media, why))
        else:
            out.unchanged.append(q.id)
        was = renamed_placement(had.deck, sa.deck_name, sb.deck_name)
        if was != now.deck:
            search = f'"note:{notetype_name(b.deck.key)}"'
            if now.deck != b.deck.name:
                search += f' "tag:{_topic_tag(q.topic)}"'
            moved.setdefault(now.deck, (search, []))[1].append(q.id)
    out.moves = [(to, search, ids) for to, (search, ids) in moved.items()]
    out.removed = [_note(q) for q in a.deck.questions if q.id not in present]
    added, removed = [n.id for n in out.added], [n.id for n in out.removed]
    out.renamed_ids = renamed_ids(sa.questions, sb.questions, added, removed)
    if a.deck.name != b.deck.name:
        out.deck_renamed = (a.deck.name, b.deck.name)
    if a.deck.version != b.deck.version:
        out.version = (a.deck.version, b.deck.version)
    out.design_changed = sa.style != sb.style
    out.design_updated = sb.notetype_mod > sa.notetype_mod
    if (sa.fields, sa.card_types) != (sb.fields, sb.card_types):
        out.schema_changed = (sa.fields, sb.fields)
    return out


def _as_sent(side: _Side) -> BuildState:
    """What the package released at a revision carried. The state committed there records
    what the prepdeck of that time sent (its card design and fields, and each note built from
    the YAML as it stands there); a question edited after that build is timed as this
    prepdeck would time it."""
    then = side.committed
    if then is None:
        return side.state
    questions = dict(side.state.questions)
    for q in side.deck.questions:
        sent = then.questions.get(q.id)
        if sent is not None and not sent.removed and sent.source == source_digest(q):
            questions[q.id] = sent
    return replace(
        side.state,
        questions=questions,
        style=then.style,
        notetype_mod=then.notetype_mod,
        fields=then.fields,
        card_types=then.card_types,
    )


def _topic_tag(topic: str) -> str:
    from prepdeck.cards.render import topic_tag

    return topic_tag(topic)


def diff_revisions(
    a: str | None, b: str | None = None, files: tuple[str, ...] = (), start: str = "."
) -> Diff:
    """Compare the decks at revision `a` with those at `b` (None: the working tree).

    `a` and `b` are git revisions (a commit, tag or branch; `prepdeck diff` uses "HEAD" and
    None). `files` is a tuple of deck file paths (or one path) to compare (empty: every deck in the
    project's decks/), relative to `start`, a folder inside the git repository (by default
    the current one). A deck that cannot be built at either revision is left out, with a
    located message in `problems`; the other decks are compared all the same."""
    if isinstance(files, str):
        files = (files,)
    root = repo_root(start)
    ca = WORKTREE if a is None else resolve(root, a)
    cb = WORKTREE if b is None else resolve(root, b)
    label_a = a or WORKTREE_LABEL
    label_b = b or WORKTREE_LABEL
    paths = repo_paths(root, files, start) if files else None
    folder = decks_folder(root, start)
    problems: list[str] = []
    failed: set[str] = set()
    with Blobs(root) as blobs:
        revs = [Revision(root, ca, label_a, blobs), Revision(root, cb, label_b, blobs)]
        chosen = [_chosen(rev, paths, folder) for rev in revs]
        if paths:
            missing = [p for p in paths if p not in chosen[0] and p not in chosen[1]]
            if missing:
                raise PrepdeckError(f"{missing[0]}: no such deck file at {label_a} or at {label_b}")
        built: list[dict[str, _Side]] = [{}, {}]
        for rev, here, out in zip(revs, chosen, built, strict=True):
            for path in here:
                if path in failed:
                    continue
                try:
                    out[path] = _build_side(rev, path)
                except _Unreadable as err:
                    problems += err.messages
                    failed.add(path)
        skipped = list(dict.fromkeys(revs[0].skipped + revs[1].skipped))
    built_a, built_b = ({p: s for p, s in side.items() if p not in failed} for side in built)
    # A deck file moved to another name (git mv) keeps its key, and so its notes.
    moved_from = {}
    only_a = {built_a[p].deck.key: p for p in sorted(set(built_a) - set(built_b))}
    for p in sorted(set(built_b) - set(built_a)):
        old = only_a.pop(built_b[p].deck.key, None)
        if old is not None:
            moved_from[p] = old
    decks = []
    for path in sorted((set(built_a) | set(built_b)) - set(moved_from.values())):
        a_path = moved_from.get(path, path)
        result = compare_sides(path, built_a.get(a_path), built_b.get(path))
        if a_path != path:
            result.moved_from = a_path
        decks.append(result)
    return Diff(label_a, label_b, decks, skipped, problems)


def _chosen(rev: Revision, paths: list[str] | None, folder: str) -> list[str]:
    """The deck files to compare that exist at a revision: those named, or all of decks/."""
    if paths is None:
        return rev.deck_paths(folder)
    if rev.commit is WORKTREE:
        return [p for p in paths if os.path.isfile(os.path.join(rev.root, p))]
    return [p for p in paths if rev.entry(p) is not None]
