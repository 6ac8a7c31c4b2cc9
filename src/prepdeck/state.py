"""The build state: what each note looked like at the last build, and its modification time.

Anki updates a note on re-import only when the incoming modification time is newer than the
one it has. So a note's time must change exactly when its content changes (and then be newer
than anything before), and stay put otherwise. The state file beside each deck remembers the
content and time of every note, so the times are the same on every machine and in every
fresh clone. It is meant to be committed with the deck.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from prepdeck.atomic import write_atomically
from prepdeck.errors import PrepdeckError
from prepdeck.model import wording

STATE_FORMAT = 1
STATE_SUFFIX = ".state.json"
# Without a state file, prepdeck cannot know what a learner already imported. It then gives
# each note an early time below this one (2026-01-01 UTC, before any prepdeck build) that
# depends only on the note's content: Anki's default "if newer" then never overwrites a
# note the learner has, while "Always" updates exactly the notes whose content differs.
BASELINE_TIME = 1_767_225_600


@dataclass(frozen=True)
class NoteState:
    """One question at the last build."""

    mod: int
    content: str  # hash of the exact fields and tags written into the package
    source: str  # hash of the question as written in YAML (tells edits from render changes)
    text: str  # hash of the question's wording, to spot an id renamed by mistake
    deck: str  # the Anki deck its card goes to


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

    @property
    def latest(self) -> int:
        """The newest modification time this deck has ever been given."""
        return max([self.notetype_mod, *(n.mod for n in self.questions.values())])


def state_path(deck_path: Path | str) -> Path:
    """`decks/x.yaml` -> `decks/x.state.json`."""
    p = Path(deck_path)
    return p.with_name(p.name.rsplit(".", 1)[0] + STATE_SUFFIX)


def digest(*parts: str) -> str:
    """A short, stable hash of some strings (64 bits: collisions are not a practical risk).

    Each part is followed by \x1f. Committed build states hold these hashes, so the bytes
    hashed must never change: a change would report every note as edited.
    """
    joined = "".join(part + "\x1f" for part in parts)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def text_key(question: str) -> str:
    """Wording with case and spacing folded, for "same question under a new id" warnings."""
    return digest(wording(question))


def source_date_epoch() -> int | None:
    """The reproducible-builds convention's fixed build time, when it is set."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise PrepdeckError(
            f"SOURCE_DATE_EPOCH={raw!r} is not a whole number of seconds; unset it or fix it"
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


def read_state(path: Path) -> BuildState | None:
    """The state at `path`, or None when there is none yet."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise PrepdeckError(
            f"{path}: the build state cannot be read ({err}); "
            "delete it and rebuild (see 'Editing and regenerating' in the README)"
        ) from None
    try:
        data = json.loads(raw)
        if data.get("prepdeck-state") != STATE_FORMAT:
            raise ValueError(f"unknown format {data.get('prepdeck-state')!r}")
        nt = data["notetype"]
        return BuildState(
            deck_key=data["deck"]["key"],
            deck_name=data["deck"]["name"],
            schema_version=int(nt["schema"]),
            fields=tuple(nt["fields"]),
            card_types=tuple(nt["card_types"]),
            style=nt["style"],
            notetype_mod=int(nt["mod"]),
            questions={
                qid: NoteState(
                    mod=int(q["mod"]),
                    content=q["content"],
                    source=q["source"],
                    text=q["text"],
                    deck=q["deck"],
                )
                for qid, q in data["questions"].items()
            },
        )
    except json.JSONDecodeError as err:
        hint = " (a merge conflict?)" if "<<<<<<<" in raw else ""
        raise PrepdeckError(
            f"{path}:{err.lineno}:{err.colno}: the build state is not valid JSON{hint}; "
            "repair it, or delete it and rebuild (see 'Editing and regenerating' in the README)"
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise PrepdeckError(
            f"{path}: the build state is damaged ({err}); "
            "delete it and rebuild (see 'Editing and regenerating' in the README)"
        ) from None


def dump_state(state: BuildState) -> str:
    """JSON with one sorted line per question, so teammates' edits merge cleanly."""

    def line(obj: object) -> str:
        return json.dumps(obj, ensure_ascii=False, sort_keys=True)

    head = {
        "prepdeck-state": STATE_FORMAT,
        "deck": {"key": state.deck_key, "name": state.deck_name},
        "notetype": {
            "schema": state.schema_version,
            "fields": list(state.fields),
            "card_types": list(state.card_types),
            "style": state.style,
            "mod": state.notetype_mod,
        },
    }
    lines = ["{"]
    lines += [f'  "{k}": {line(v)},' for k, v in head.items()]
    lines.append('  "questions": {')
    items = sorted(state.questions.items())
    for i, (qid, q) in enumerate(items):
        entry = {
            "mod": q.mod,
            "content": q.content,
            "source": q.source,
            "text": q.text,
            "deck": q.deck,
        }
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"    {line(qid)}: {line(entry)}{comma}")
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def write_state(path: Path, state: BuildState) -> bool:
    """Write atomically; leave the file untouched (and return False) when nothing changed."""
    text = dump_state(state)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass  # missing or unreadable: write it anew
    write_atomically(path, text.encode("utf-8"))
    return True
