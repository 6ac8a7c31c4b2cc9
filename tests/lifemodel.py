"""The world of tests/test_learner_life.py: machines (git clones), devices (Anki collections),
and what the learner meant, kept as plain dicts.

Everything here drives the real program and the real Anki backend; nothing is mocked. The
model holds only what the learner did (the tokens they wrote, and when), never what prepdeck
should compute: the invariants compare Anki's state before and after each import with that.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from conftest import ROOT, SHIPPED

DECK = "decks/resource-sharing-interview.yaml"
MINE = "decks/resource-sharing-interview.mine.yaml"
MINE_STATE = "decks/resource-sharing-interview.mine.state.json"
MINE_DIR = "decks/resource-sharing-interview.mine"
DECK_NAME = "Resource Sharing Librarian Interview"
OWN_FIELDS = {"example": "Example", "notes": "Notes"}


def git(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run git with an identity of its own; never reads the user's configuration."""
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=check,
        env={"PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(folder)},
    )


# -- the deck file, edited as a learner edits it --------------------------------------------


def question_block(text: str, qid: str) -> tuple[int, int] | None:
    """Where one question's YAML starts and ends in the deck file."""
    start = text.find(f"  - id: {qid}\n")
    if start < 0:
        return None
    end = text.find("\n  - id: ", start + 1)
    return start, len(text) if end < 0 else end + 1


def append_to_line(text: str, qid: str, prefix: str, token: str) -> str | None:
    """Append ` token` to the first line of a question that starts with `prefix` (a tip or
    the question), inside quotes when the value is quoted."""
    where = question_block(text, qid)
    if where is None:
        return None
    start, end = where
    block = text[start:end]
    lines = block.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(prefix):
            if line.endswith('"'):
                lines[i] = line[:-1] + f' {token}"'
            else:
                lines[i] = line + f" {token}"
            return text[:start] + "\n".join(lines) + text[end:]
    return None


def cut_question(text: str, qid: str) -> tuple[str, str] | None:
    where = question_block(text, qid)
    if where is None:
        return None
    start, end = where
    return text[:start] + text[end:], text[start:end]


def put_back(text: str, block: str) -> str:
    if not text.endswith("\n"):
        text += "\n"
    if not block.endswith("\n"):
        block += "\n"
    return text + ("\n" if not text.endswith("\n\n") else "") + block


def new_question(qid: str, token: str) -> str:
    return (
        f"  - id: {qid}\n    topic: Customer service\n"
        f"    question: What would you do about {token}?\n"
        f"    tips:\n      - Say what {token} means to you.\n"
    )


def question_ids(text: str) -> list[str]:
    return [
        line[len("  - id: ") :].strip() for line in text.splitlines() if line.startswith("  - id: ")
    ]


# -- a machine: one git clone of the learner's repository ------------------------------------


@dataclass
class Build:
    """One build as the learner ran it, and its package copied aside."""

    number: int
    machine: str
    package: Path
    report: object  # ChangeReport
    topic: str | None  # the --topic of a filtered build
    at: int  # the build's clock second
    answers: dict  # the answers file's own answers at build time ({} when none)
    answers_file: bool  # whether the machine had an answers file at all
    untimed_answers: bool = False  # answers copied in without their .mine.state.json
    after_pull: bool = False  # pull --write applied edits on this machine since its last build
    answers_edited: frozenset = frozenset()  # questions whose answers were edited here since
    # Each packaged question's YAML source digest and note time, as the package carries them.
    sent: dict = field(default_factory=dict)
    # The machine's committed state says a package once carried own answers.
    knows_answers: bool = False


@dataclass
class Machine:
    name: str
    root: Path
    builds: list[Build] = field(default_factory=list)
    cut: dict[str, str] = field(default_factory=dict)  # removed question -> its YAML
    untimed_answers: bool = False  # answers copied in without their .mine.state.json
    pulled: bool = False  # pull --write applied edits here since the last build
    answers_edited: set = field(default_factory=set)  # answers edited here since the last build

    @property
    def deck(self) -> Path:
        return self.root / DECK

    @property
    def mine(self) -> Path:
        return self.root / MINE

    def text(self) -> str:
        return self.deck.read_text(encoding="utf-8")

    def write(self, text: str) -> None:
        self.deck.write_text(text, encoding="utf-8")

    def ids(self) -> list[str]:
        return sorted(question_ids(self.text()))

    def own(self) -> tuple[dict, str | None]:
        """The answers file as the learner has it now: answers and interview date."""
        if not self.mine.exists():
            return {}, None
        data = yaml.safe_load(self.mine.read_text(encoding="utf-8")) or {}
        answers = {
            qid: {k: str(v) for k, v in (values or {}).items() if k in OWN_FIELDS}
            for qid, values in (data.get("answers") or {}).items()
        }
        interview = data.get("interview")
        return answers, (str(interview) if interview else None)

    def write_own(self, answers: dict, interview: str | None) -> None:
        data: dict = {}
        if interview:
            data["interview"] = interview
        kept = {qid: v for qid, v in answers.items() if v}
        if kept:
            data["answers"] = kept
        self.mine.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    def commit(self, message: str) -> bool:
        """Commit what git tracks (the answers stay ignored); False when nothing changed."""
        git(self.root, "add", "-A")
        done = git(self.root, "commit", "-q", "-m", message, check=False)
        return done.returncode == 0

    def head(self) -> str:
        return git(self.root, "rev-parse", "HEAD").stdout.strip()


def first_machine(folder: Path) -> Machine:
    (folder / "decks").mkdir(parents=True)
    shutil.copyfile(SHIPPED, folder / DECK)
    shutil.copyfile(ROOT / ".gitignore", folder / ".gitignore")
    git(folder, "init", "-q", "-b", "main")
    machine = Machine("A", folder)
    machine.commit("the deck")
    return machine


def clone(source: Machine, folder: Path, name: str) -> Machine:
    """A fresh `git clone`: the committed files only, none of the git-ignored ones."""
    if folder.exists():
        shutil.rmtree(folder)
    git(source.root.parent, "clone", "-q", str(source.root), str(folder))
    return Machine(name, folder)


def merge(into: Machine, source: Machine) -> bool:
    """`git pull` of the other machine's commits; a conflict is given up (merge --abort)."""
    git(into.root, "fetch", "-q", str(source.root), "HEAD")
    done = git(into.root, "merge", "-q", "--no-edit", "FETCH_HEAD", check=False)
    if done.returncode != 0:
        git(into.root, "merge", "--abort", check=False)
        return False
    return True


def tracked_at(machine: Machine, rev: str, folder: Path) -> Path:
    """The decks/ folder as git holds it at `rev` (what a fresh clone at `rev` has)."""
    git(machine.root.parent, "clone", "-q", str(machine.root), str(folder))
    git(folder, "checkout", "-q", rev)
    return folder / DECK


# -- a device: one Anki collection -------------------------------------------------------------


@dataclass
class Snapshot:
    """What a learner can lose in one collection."""

    notes: dict[str, list[dict]]  # question id -> its notes' fields (more than one: duplicate)
    mods: dict[str, int]
    cards: dict[int, tuple]  # card id -> scheduling
    revlog: dict[int, int]  # card id -> reviews
    preset: int | None  # the deck's options preset id


def snapshot(col) -> Snapshot:
    notes: dict[str, list[dict]] = {}
    mods: dict[str, int] = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        if "Id" not in note:
            continue
        fields = dict(zip(note.keys(), note.fields, strict=True))
        fields["tags"] = " ".join(note.tags)
        notes.setdefault(note["Id"], []).append(fields)
        mods[note["Id"]] = note.mod
    cards = {
        row[0]: tuple(row[1:])
        for row in col.db.all("select id, due, ivl, type, queue, reps, lapses, factor from cards")
    }
    revlog = dict(col.db.all("select cid, count() from revlog group by cid"))
    deck_id = col.decks.id_for_name(DECK_NAME)
    preset = col.decks.get(deck_id)["conf"] if deck_id else None
    return Snapshot(notes, mods, cards, revlog, preset)


@dataclass
class Imported:
    """What Anki's import log says: question ids of new and updated notes, and how many
    notes it skipped as unchanged ("duplicate")."""

    new: set[str]
    updated: set[str]
    duplicate: int


def import_package(col, package: Path, presets: bool) -> Imported:
    """Import as Anki's dialog does (update "if newer")."""
    from anki import import_export_pb2 as ie
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    newer = ie.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
    result = col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(package),
            options=ImportAnkiPackageOptions(
                update_notes=newer, update_notetypes=newer, with_deck_configs=presets
            ),
        )
    )
    col.models._clear_cache()  # note types are cached in Python (ANKI-FACTS)

    def ids(entries) -> set[str]:
        return {col.get_note(e.id.nid)["Id"] for e in entries}

    log = result.log
    return Imported(ids(log.new), ids(log.updated), len(log.duplicate))


def export(col, path: Path) -> Path:
    from anki.collection import ExportAnkiPackageOptions

    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
    )
    col.export_anki_package(out_path=str(path), options=options, limit=None)
    return path


def edit_in_anki(col, qid: str, field_name: str, token: str, at: int) -> None:
    """The learner edits a note in Anki at second `at` (Anki stamps edits with its clock)."""
    (nid,) = col.find_notes(f'"Id:{qid}"')
    note = col.get_note(nid)
    value = note[field_name]
    if field_name == "Tips" and "</li>" in value:
        note[field_name] = value.replace("</li>", f" {token}</li>", 1)
    elif value.endswith("</p>"):
        note[field_name] = value[: -len("</p>")] + f" {token}</p>"
    else:
        note[field_name] = (value + f" {token}").strip()
    col.update_note(note)
    col.db.execute("update notes set mod = ? where id = ?", at, nid)


def tag_in_anki(col, qid: str, tag: str, at: int) -> None:
    (nid,) = col.find_notes(f'"Id:{qid}"')
    note = col.get_note(nid)
    note.add_tag(tag)
    col.update_note(note)
    col.db.execute("update notes set mod = ? where id = ?", at, nid)


def study(col, qid: str) -> None:
    for cid in col.find_cards(f'"Id:{qid}"'):
        card = col.get_card(cid)
        if card.queue < 0:  # suspended or buried: the learner cannot answer it today
            continue
        card.start_timer()
        col.sched.answerCard(card, 3)
