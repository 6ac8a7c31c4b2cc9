"""The build state: what each note looked like in the last package that held it, and its time.

Anki updates a note on re-import only when the incoming modification time is newer than the
one it has. So a note's time must change exactly when its content changes (and then be newer
than anything before), and stay put otherwise. The state file beside each deck remembers the
content and time of every note, so the times are the same on every machine and in every
fresh clone. It is meant to be committed with the deck, and depends only on the deck file.

A learner's own answers (`<deck>.mine.yaml`) are personal and git-ignored, so what they add to
a note is recorded apart, in the machine-local `<deck>.mine.state.json` (see LocalState).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from prepdeck.deckfile.model import wording
from prepdeck.digest import digest
from prepdeck.errors import PrepdeckError
from prepdeck.files import read_bounded

STATE_FORMAT = 2
READABLE_FORMATS = (1, 2)
LOCAL_FORMAT = 1
STATE_SUFFIX = ".state.json"
LOCAL_SUFFIX = ".mine.state.json"
# A state holds about 200 bytes a question: 64 MiB is 300,000 questions. Parsing JSON takes
# several times its size in memory, so no larger file is read.
MAX_STATE_BYTES = 64 * 1024 * 1024
# Without a state file, prepdeck cannot know what a learner already imported. It then gives
# each note an early time below this one (2026-01-01 UTC, before any prepdeck build) that
# depends only on the note's content: Anki's default "if newer" then never overwrites a
# note the learner has, while "Always" updates exactly the notes whose content differs.
BASELINE_TIME = 1_767_225_600
# Times a state may hold: after 1970 and before 2100. A later time would block every update
# that follows it, and zip files cannot record years after 2107.
MAX_TIME = 4_102_444_800
# SOURCE_DATE_EPOCH stops a year earlier, so the +1 second of each later build never
# reaches MAX_TIME.
MAX_CLOCK = MAX_TIME - 366 * 86_400
_RECOVER = "see 'If the state file is lost' in the README"
# The `via` of content that an edit in Anki sent, brought into the deck file by `prepdeck pull`:
# the device it came from has it; the next full build sends it to the others. (Filtered
# builds are named from slugs with a prefix, so none is named this.)
PULLED = "pulled-from-anki"


@dataclass(frozen=True)
class NoteState:
    """One question as the last package that held it carried it."""

    mod: int
    content: str  # hash of the exact fields and tags written into the package
    source: str  # hash of the question as written in YAML (tells edits from render changes)
    text: str  # hash of the question's wording, to spot an id renamed by mistake
    deck: str  # the Anki deck its card goes to
    tips: tuple[str, ...] = ()  # short hashes of each tip, to spot an id renamed with its wording
    via: str = ""  # the filtered build that first sent this content ("" = a full build)
    removed: bool = False  # gone from the deck file; kept so that a return is not "new"
    media: tuple[str, ...] = ()  # the package names of its pictures and recordings


@dataclass(frozen=True)
class BuildState:
    deck_key: str
    deck_name: str
    schema_version: int
    fields: tuple[str, ...]
    card_types: tuple[str, ...]
    style: str  # fingerprint of the note type's templates and CSS
    notetype_mod: int
    questions: dict[str, NoteState] = field(default_factory=dict)
    notetype_via: str = ""  # the filtered build that first sent this card design
    description: str = ""  # hash of the deck's description as packaged ("" = not recorded)
    # When a package of this deck first carried own answers (on some machine), as the newest
    # time that package gave a note; 0 for never. Their text and timing stay machine-local;
    # this mark lets a clone without them warn before it sends a note newer than that without
    # them, and tells a machine without their local timing not to guess it.
    answers: int = 0

    @property
    def latest(self) -> int:
        """The newest modification time this deck has ever been given."""
        return max([self.notetype_mod, *(n.mod for n in self.questions.values())])


@dataclass(frozen=True)
class LocalNote:
    """A note as this machine last sent it, own answers included."""

    mod: int
    content: str
    via: str = ""  # the filtered build that first sent this content ("" = a full build)
    base: str = ""  # the deck file's part of that content, to tell an answer edit from a merge


@dataclass(frozen=True)
class LocalState:
    """What a learner's own file added, on this machine only (never committed): own answers
    in notes, their interview countdown and timer in the note type, their interview plans."""

    deck_key: str
    questions: dict[str, LocalNote] = field(default_factory=dict)
    notetype: LocalNote | None = None  # content: the style fingerprint sent
    plans: tuple[dict, ...] = ()  # the paces set for interview dates, newest last

    @property
    def latest(self) -> int:
        mods = [n.mod for n in self.questions.values()]
        if self.notetype is not None:
            mods.append(self.notetype.mod)
        return max(mods, default=0)


def _stem(deck_path: Path | str) -> Path:
    p = Path(deck_path)
    return p.with_name(p.name.rsplit(".", 1)[0])


def state_path(deck_path: Path | str) -> Path:
    """`decks/x.yaml` -> `decks/x.state.json`."""
    stem = _stem(deck_path)
    return stem.with_name(stem.name + STATE_SUFFIX)


def local_state_path(deck_path: Path | str) -> Path:
    """`decks/x.yaml` -> `decks/x.mine.state.json`, beside the learner's own answers."""
    stem = _stem(deck_path)
    return stem.with_name(stem.name + LOCAL_SUFFIX)


def text_key(question: str) -> str:
    """Wording with case and spacing folded, for "same question under a new id" warnings."""
    return digest(wording(question))


def tip_keys(tips: tuple[str, ...]) -> tuple[str, ...]:
    """A short hash per tip, wording folded: enough to tell that two questions share tips."""
    return tuple(digest(wording(t))[:8] for t in tips)


def _check_time(value: int, what: str) -> int:
    if not 0 <= value < MAX_TIME:
        raise ValueError(f"{what} {value} is not a time between 1970 and 2100")
    return value


def source_date_epoch() -> int | None:
    """The reproducible-builds convention's fixed build time, when it is set."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        value = int(raw) if len(raw) <= 24 else -1
        if not 0 <= value < MAX_CLOCK:
            raise ValueError
        return value
    except ValueError:
        shown = raw if len(raw) <= 24 else raw[:24] + "…"
        raise PrepdeckError(
            f"SOURCE_DATE_EPOCH={shown!r} is not a whole number of seconds between 1970 and "
            "2099; unset it or fix it"
        ) from None


def clock() -> int:
    """Now, or SOURCE_DATE_EPOCH when a reproducible build asks for it."""
    sde = source_date_epoch()
    return int(time.time()) if sde is None else sde


def assumed_time(content_digest: str) -> int:
    """A state-less build's time for some content: early, and the same for the same content."""
    return BASELINE_TIME - 1 - int(content_digest[:6], 16)  # at most ~194 days earlier


def next_time(previous: BuildState | None, now: int) -> int:
    """A time later than every time in the state, and not earlier than the clock."""
    if previous is None:
        return max(now, BASELINE_TIME + 1)
    return max(now, previous.latest + 1)


# -- reading -------------------------------------------------------------------------------


def _load_json(path: Path, what: str) -> dict | None:
    """A JSON object from `path`, None when the file does not exist; errors name the file."""
    try:
        data = read_bounded(path, MAX_STATE_BYTES)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise PrepdeckError(
            f"{path}: the {what} cannot be read ({err.strerror or err}); {_RECOVER}"
        ) from None
    try:
        raw = data.decode("utf-8-sig")  # a byte order mark from Windows Notepad is fine
    except UnicodeDecodeError:
        raise PrepdeckError(f"{path}: the {what} is not UTF-8 text; {_RECOVER}") from None
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as err:
        hint = " (a merge conflict?)" if "<<<<<<<" in raw else ""
        raise PrepdeckError(
            f"{path}:{err.lineno}:{err.colno}: the {what} is not valid JSON{hint}; "
            f"repair it, or {_RECOVER}"
        ) from None
    except RecursionError:
        raise PrepdeckError(f"{path}: the {what} is nested too deeply; {_RECOVER}") from None
    except ValueError as err:  # a number too long for Python's int, say
        raise PrepdeckError(f"{path}: the {what} is damaged ({err}); {_RECOVER}") from None
    if not isinstance(parsed, dict):
        raise PrepdeckError(f"{path}: the {what} is damaged (not a JSON object); {_RECOVER}")
    return parsed


def _int(value: object, what: str) -> int:
    if type(value) is not int:
        raise ValueError(f"{what} is {value!r}, not a whole number")
    return value


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} is {value!r}, not text")
    return value


def _strs(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list")
    return tuple(_str(v, what) for v in value)


def _note_state(qid: str, q: object) -> NoteState:
    if not isinstance(q, dict):
        raise ValueError(f"question '{qid}' is not an object")
    where = f"questions.{qid}"
    return NoteState(
        mod=_check_time(_int(q.get("mod"), f"{where}.mod"), f"{where}.mod"),
        content=_str(q.get("content"), f"{where}.content"),
        source=_str(q.get("source"), f"{where}.source"),
        text=_str(q.get("text"), f"{where}.text"),
        deck=_str(q.get("deck"), f"{where}.deck"),
        tips=_strs(q.get("tips", []), f"{where}.tips"),
        via=_str(q.get("via", ""), f"{where}.via"),
        removed=q.get("removed", False) is True,
        media=_strs(q.get("media", []), f"{where}.media"),
    )


def read_state(path: Path) -> BuildState | None:
    """The state at `path`, or None when there is none yet."""
    data = _load_json(path, "build state")
    if data is None:
        return None
    version = data.get("prepdeck-state")
    if type(version) is int and version > STATE_FORMAT:
        raise PrepdeckError(
            f"{path}: this build state was written by a newer prepdeck (state format "
            f"{version}); upgrade prepdeck (pip install -U prepdeck) and build again"
        )
    try:
        if version not in READABLE_FORMATS:
            raise ValueError("not a prepdeck build state (no known 'prepdeck-state' format)")
        nt = data["notetype"]
        questions = data["questions"]
        if not isinstance(questions, dict):
            raise ValueError("questions is not an object")
        return BuildState(
            deck_key=_str(data["deck"]["key"], "deck.key"),
            deck_name=_str(data["deck"]["name"], "deck.name"),
            schema_version=_int(nt["schema"], "notetype.schema"),
            fields=_strs(nt["fields"], "notetype.fields"),
            card_types=_strs(nt["card_types"], "notetype.card_types"),
            style=_str(nt["style"], "notetype.style"),
            notetype_mod=_check_time(_int(nt["mod"], "notetype.mod"), "notetype.mod"),
            notetype_via=_str(nt.get("via", ""), "notetype.via"),
            description=_str(data["deck"].get("description", ""), "deck.description"),
            answers=_check_time(
                _int(data["deck"].get("answers", 0), "deck.answers"), "deck.answers"
            ),
            questions={qid: _note_state(qid, q) for qid, q in questions.items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise PrepdeckError(f"{path}: the build state is damaged ({err}); {_RECOVER}") from None


def read_local_state(path: Path) -> LocalState | None:
    """The machine-local record of own answers sent, or None when there is none."""
    data = _load_json(path, "local build state")
    if data is None:
        return None
    try:
        if data.get("prepdeck-local-state") != LOCAL_FORMAT:
            raise ValueError("not a prepdeck local state (no known format)")
        questions = {}
        for qid, q in data["questions"].items():
            if not isinstance(q, dict):
                raise ValueError(f"question '{qid}' is not an object")
            mod = _check_time(_int(q.get("mod"), f"{qid}.mod"), f"{qid}.mod")
            questions[qid] = LocalNote(
                mod,
                _str(q.get("content"), f"{qid}.content"),
                _str(q.get("via", ""), f"{qid}.via"),
                _str(q.get("base", ""), f"{qid}.base"),
            )
        notetype = None
        if data.get("notetype") is not None:
            nt = data["notetype"]
            mod = _check_time(_int(nt.get("mod"), "notetype.mod"), "notetype.mod")
            notetype = LocalNote(mod, _str(nt.get("style"), "notetype.style"))
        plans = data.get("plans", [])
        if not isinstance(plans, list) or not all(isinstance(p, dict) for p in plans):
            raise ValueError("plans is not a list of objects")
        return LocalState(
            deck_key=_str(data["deck"], "deck"),
            questions=questions,
            notetype=notetype,
            plans=tuple(plans),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise PrepdeckError(
            f"{path}: the local build state is damaged ({err}); delete it and build again "
            "(see 'Own answers on two machines' in the README)"
        ) from None


# -- writing -------------------------------------------------------------------------------


def _line(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def _lines(head: dict, entries: dict[str, dict]) -> str:
    """JSON with one sorted line per question, so teammates' edits merge cleanly."""
    lines = ["{"]
    lines += [f'  "{k}": {_line(v)},' for k, v in head.items()]
    lines.append('  "questions": {')
    items = sorted(entries.items())
    for i, (qid, entry) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"    {_line(qid)}: {_line(entry)}{comma}")
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def dump_state(state: BuildState) -> str:
    notetype = {
        "schema": state.schema_version,
        "fields": list(state.fields),
        "card_types": list(state.card_types),
        "style": state.style,
        "mod": state.notetype_mod,
    }
    if state.notetype_via:
        notetype["via"] = state.notetype_via
    head = {
        "prepdeck-state": STATE_FORMAT,
        "deck": {
            "key": state.deck_key,
            "name": state.deck_name,
            **({"description": state.description} if state.description else {}),
            **({"answers": state.answers} if state.answers else {}),
        },
        "notetype": notetype,
    }
    entries = {}
    for qid, q in state.questions.items():
        entry: dict[str, object] = {
            "mod": q.mod,
            "content": q.content,
            "source": q.source,
            "text": q.text,
            "deck": q.deck,
            "tips": list(q.tips),
        }
        if q.via:
            entry["via"] = q.via
        if q.removed:
            entry["removed"] = True
        if q.media:
            entry["media"] = list(q.media)
        entries[qid] = entry
    return _lines(head, entries)


def dump_local_state(state: LocalState) -> str:
    head: dict[str, object] = {"prepdeck-local-state": LOCAL_FORMAT, "deck": state.deck_key}
    if state.notetype is not None:
        head["notetype"] = {"mod": state.notetype.mod, "style": state.notetype.content}
    if state.plans:
        head["plans"] = list(state.plans)
    entries = {
        qid: {
            "mod": n.mod,
            "content": n.content,
            **({"via": n.via} if n.via else {}),
            **({"base": n.base} if n.base else {}),
        }
        for qid, n in state.questions.items()
    }
    return _lines(head, entries)


def changed_text(path: Path, text: str) -> bytes | None:
    """The bytes to write at `path`, or None when the file already holds exactly `text`."""
    try:
        if read_bounded(path, MAX_STATE_BYTES).decode("utf-8") == text:
            return None
    except (OSError, UnicodeDecodeError):
        pass  # missing or unreadable: write it anew
    return text.encode("utf-8")
