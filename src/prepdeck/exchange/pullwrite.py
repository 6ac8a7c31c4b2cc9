"""`prepdeck pull --write`: the edits found in Anki, spliced into the deck file (and own
answers) in place, and the states recording what the next build sends for them.

Every file is checked before anything is written (the YAML still composes, the deck still
loads), then all are written together (atomic.write_together).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from prepdeck.atomic import write_together
from prepdeck.builds.changes import content_digest, source_digest
from prepdeck.builds.state import (
    PULLED,
    LocalNote,
    LocalState,
    NoteState,
    changed_text,
    dump_local_state,
    dump_state,
    local_state_path,
    read_local_state,
    read_state,
    state_path,
    text_key,
    tip_keys,
)
from prepdeck.cards.render import render_note
from prepdeck.deckfile.load import MAX_FILE_BYTES, answers_path
from prepdeck.deckfile.model import Deck, as_written
from prepdeck.deckfile.yamlnodes import compose_checked
from prepdeck.errors import DeckFileError, PrepdeckError
from prepdeck.files import read_bounded

if TYPE_CHECKING:
    from prepdeck.exchange.pull import PullResult


def write_edits(
    deck_path: Path, deck: Deck, result: PullResult, theirs: bool, add_new: bool
) -> list[Path]:
    from prepdeck.deckfile import yamledit

    edits = [e for e in result.edits if (theirs or not e.conflict) and e.values]
    deck_file = _Source.read(deck_path)
    deck_text = deck_file.text
    mine_path = Path(answers_path(deck_path))
    deck_root = _root(deck_text, deck_path)
    questions = yamledit.entry(deck_root, "questions")[1]
    by_id = {yamledit.entry(m, "id")[1].value: m for m in questions.value}
    found = yamledit.aliases(deck_text)
    deck_splices: list[yamledit.Splice] = []
    mine_values: dict[str, dict[str, str]] = {}
    for edit in edits:
        q = next(q for q in deck.questions if q.id == edit.id)
        mapping = by_id[edit.id]
        for key, value in edit.values.items():
            if key in q.mine:
                mine_values.setdefault(edit.id, {})[key] = str(value)
                continue
            deck_splices += _splice_at(deck_path, edit.id, deck_text, mapping, key, value, found)
    if add_new and result.added:
        from prepdeck.deckfile.dump import question_yaml

        block = "".join(question_yaml(q, annotate=False) for q in result.added)
        deck_splices.append(yamledit.append_item(deck_text, questions, block))
    files: list[tuple[Path, bytes]] = []
    if deck_splices:
        files.append((deck_path, deck_file.edited(deck_splices)))
    if mine_values:
        mine_file = _Source.read(mine_path)
        files.append((mine_path, mine_file.edited(_mine_splices(mine_file, mine_values))))
    if not files:
        return []
    # The state records what the next build will send for the pulled notes, with Anki's time,
    # so that build sends nothing new for them and the learner's edit stays in Anki.
    staged = {path: data for path, data in files}
    for path, data in files:
        root, _ = compose_checked(data.decode("utf-8-sig"), str(path))
        if root is None:  # the splices broke the YAML itself: prepdeck's fault, not the notes'
            raise PrepdeckError(
                f"{path}: prepdeck could not write the edits from Anki in place (a prepdeck "
                "bug; please report it with the deck file). Nothing was written"
            )
    try:
        deck_after = _load_staged(deck_path, staged)
    except DeckFileError as err:
        ids = ", ".join([*(e.id for e in edits), *(q.id for q in result.added if add_new)])
        reasons = "; ".join(p.message for p in err.problems[:5])
        raise PrepdeckError(
            f"{deck_path}: the edits from Anki ({ids}) hold values a deck file may not: "
            f"{reasons}. Nothing was written; fix those notes in Anki, or edit the YAML by hand"
        ) from None
    # A note added in Anki is not recorded as sent: the next build sends it once more, so
    # that Anki's note gets its Id field and topic tag (it matches by GUID: no copy).
    mods = {e.id: e.mod for e in edits if e.values}
    files += _states(deck_path, deck_after, mods)
    write_together(files)
    return [p for p, _ in files]


@dataclass
class _Source:
    """A YAML file to edit in place: its text, and what it is written with (a byte order
    mark, CRLF line ends), kept as they were."""

    path: Path
    text: str
    bom: bool
    newline: str

    @classmethod
    def read(cls, path: Path) -> _Source:
        raw = read_bounded(path, MAX_FILE_BYTES)
        text = raw.decode("utf-8-sig")
        crlf = text.count("\r\n")
        newline = "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"
        return cls(path, text, raw.startswith(b"\xef\xbb\xbf"), newline)

    def edited(self, splices) -> bytes:
        from prepdeck.deckfile import yamledit

        text = yamledit.apply(self.text, splices, self.newline)
        return ("\ufeff" if self.bom else "").encode() + text.encode("utf-8")


def _mine_splices(source: _Source, values: dict[str, dict[str, str]]) -> list:
    from prepdeck.deckfile import yamledit

    text = source.text
    root = _root(text, source.path)
    answers = yamledit.entry(root, "answers")[1]
    found = yamledit.aliases(text)
    splices = []
    for qid, entries in values.items():
        mapping = yamledit.entry(answers, qid)[1]
        for key, value in entries.items():
            splices += _splice_at(source.path, qid, text, mapping, key, value, found)
    return splices


def _splice_at(path, qid: str, text: str, mapping, key: str, value: object, found) -> list:
    """The splices of one edited value, or a message locating the value that cannot take it."""
    from prepdeck.deckfile import yamledit

    try:
        return _splice(text, mapping, key, value, found)
    except yamledit.EditError as err:
        raise PrepdeckError(
            f"{path}:{mapping.start_mark.line + 1}: '{qid}': {key} edited in Anki cannot be "
            f"written in place: {err}. Nothing was written"
        ) from None


def _splice(text: str, mapping, key: str, value: object, found) -> list:
    from prepdeck.deckfile import yamledit

    entry = yamledit.entry(mapping, key)
    flow = bool(mapping.flow_style)
    if key == "retired":
        literal = "true" if value else "false"
        if entry:
            start, end, _ = yamledit.value_span(text, entry[0].end_mark.index, entry[1], found)
            return [yamledit.Splice(start, end, literal)]
        return [yamledit.add_entry(text, mapping, key, literal, raw=True)] if value else []
    if key in ("tips", "tags"):
        items = list(value)  # type: ignore[arg-type]
        if entry:
            return yamledit.replace_list(text, *entry, items, flow=flow, found=found)
        return [yamledit.add_list_entry(text, mapping, key, items)]
    if entry:
        return [yamledit.replace_value(text, *entry, str(value), flow=flow, found=found)]
    return [yamledit.add_entry(text, mapping, key, str(value))]


def _root(text: str, path: Path):
    root, problems = compose_checked(text, str(path))
    if root is None:
        raise PrepdeckError(f"{path}: cannot be read to write the pulled edits: {problems}")
    return root


def _load_staged(deck_path: Path, staged: dict[Path, bytes]) -> Deck:
    """The deck as the next build will read it, from the files about to be written, read
    in place (so pictures and recordings resolve beside it, and messages name the file)."""
    from prepdeck.deckfile.answers import merge_answers
    from prepdeck.deckfile.load import parse_deck_text
    from prepdeck.deckfile.media import Files

    files = Files()
    text = staged.get(deck_path) or deck_path.read_bytes()
    deck = parse_deck_text(text.decode("utf-8-sig"), str(deck_path), files=files)
    mine = Path(answers_path(deck_path))
    if mine in staged or mine.exists():
        mine_text = (staged.get(mine) or mine.read_bytes()).decode("utf-8-sig")
        deck = merge_answers(deck, str(mine), files, text=mine_text)
    return deck


def _states(deck_path: Path, deck: Deck, mods: dict[str, int]) -> list[tuple[Path, bytes]]:
    from prepdeck.builds.pipeline import placement

    state = read_state(state_path(deck_path))
    local = read_local_state(local_state_path(deck_path))
    questions = dict(state.questions)
    mine = dict(local.questions) if local else {}
    for q in deck.questions:
        if q.id not in mods:
            continue
        shared = render_note(as_written(q))
        before = questions.get(q.id)
        held = mine.get(q.id)
        mod = max(mods[q.id], before.mod if before else 0)
        shared_mod = mod
        if q.shared is not None or held is not None:
            # Anki's note held own answers. A package without them (a fresh clone's) must
            # never be newer than what the learner's devices hold with them: the committed
            # time stays at most this machine's last time for the note. The answers' own
            # time, Anki's, lives in the local state.
            sent = max(held.mod, before.mod) if held and before else (before.mod if before else 0)
            shared_mod = min(mod, sent)
        questions[q.id] = NoteState(
            mod=shared_mod,
            content=content_digest(shared),
            source=source_digest(as_written(q)),
            text=text_key(q.question),
            deck=placement(deck, q.topic),
            tips=tip_keys(q.tips),
            # Sent by the device it was edited on; a package from the deck file alone carries
            # it at Anki's time only where that time is not held back for own answers.
            via=PULLED if shared_mod == mod else "",
        )
        if q.shared is not None or q.id in mine:
            mine[q.id] = LocalNote(
                mod, content_digest(render_note(q)), PULLED, content_digest(shared)
            )
    # Through the state module's writer, as the build writes them: unchanged files stay.
    out = []
    shared_data = changed_text(
        state_path(deck_path), dump_state(replace(state, questions=questions))
    )
    if shared_data is not None:
        out.append((state_path(deck_path), shared_data))
    if mine:
        base = local or LocalState(deck.key)
        local_data = changed_text(
            local_state_path(deck_path), dump_local_state(replace(base, questions=mine))
        )
        if local_data is not None:
            out.append((local_state_path(deck_path), local_data))
    return out
