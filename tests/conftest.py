"""Shared fixtures: a copy of the shipped deck to edit, and a real Anki collection."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: deterministic and without deadlines in CI, so a slow machine cannot flake.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200, database=None)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("thorough", deadline=None, max_examples=3000)  # before a release
settings.load_profile(
    os.environ.get("PREPDECK_HYPOTHESIS") or ("ci" if os.environ.get("CI") else "dev")
)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "decks" / "resource-sharing-interview.yaml"


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch):
    """Tests choose their own clock; a SOURCE_DATE_EPOCH in the environment must not leak in."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def deck_file(tmp_path) -> Path:
    """A copy of the shipped deck, without its build state, in tmp_path/decks/."""
    folder = tmp_path / "decks"
    folder.mkdir()
    target = folder / SHIPPED.name
    shutil.copyfile(SHIPPED, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a deck file, failing loudly if the text is not there."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


@dataclass
class ImportLog:
    new: int
    updated: int
    duplicate: int
    conflicting: int


class Anki:
    """A fresh Anki collection driven through the real backend, as Anki's import dialog does."""

    def __init__(self, folder: Path):
        from anki.collection import Collection

        self.path = folder / "collection.anki2"
        self.col = Collection(str(self.path))

    def import_apkg(
        self, apkg: Path, *, update: str = "if_newer", presets: bool = False
    ) -> ImportLog:
        from anki import import_export_pb2 as ie
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        condition = {
            "if_newer": ie.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
            "always": ie.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS,
        }[update]
        result = self.col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(apkg),
                options=ImportAnkiPackageOptions(
                    update_notes=condition,
                    update_notetypes=condition,
                    with_deck_configs=presets,  # "Import any deck presets" in the dialog
                ),
            )
        )
        self.col.models._clear_cache()  # note types are cached in Python (ANKI-FACTS)
        log = result.log
        return ImportLog(len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting))

    def notes(self) -> dict[str, object]:
        """Every note, by its prepdeck question id."""
        return {
            self.col.get_note(nid)["Id"]: self.col.get_note(nid) for nid in self.col.find_notes("")
        }

    def note(self, question_id: str):
        (nid,) = self.col.find_notes(f'"Id:{question_id}"')
        return self.col.get_note(nid)

    def edit_note(self, question_id: str, **fields: str) -> None:
        """Edit a note's fields in Anki, as a learner would on their phone (stamped now)."""
        note = self.note(question_id)
        for name, value in fields.items():
            note[name] = value
        self.col.update_note(note)

    def card(self, question_id: str):
        (card,) = self.note(question_id).cards()
        return card

    def review(self, question_id: str, ease: int = 3) -> int:
        """Answer a card as a learner would; returns the card id."""
        card = self.card(question_id)
        card.start_timer()
        self.col.sched.answerCard(card, ease)
        return card.id

    def revlog(self, card_id: int) -> int:
        return self.col.db.scalar("select count() from revlog where cid = ?", card_id)

    def close(self) -> None:
        self.col.close()


@pytest.fixture
def anki(tmp_path):
    a = Anki(tmp_path)
    yield a
    a.close()


def no_answers_line(deck_file: Path, ids: str) -> str:
    """The report line of a machine without an answers file, for notes that Anki updates."""
    mine = str(deck_file.with_name(deck_file.stem + ".mine.yaml"))
    folder = str(deck_file.with_name(deck_file.stem + ".mine")) + "/"
    return (
        f"own answers: no {mine} here; if you keep one on another machine, copy it (and "
        f"{folder} if it holds recordings) here and build again before importing, or these "
        f"notes arrive without your answers: {ids}"
    )


def shared_part(state_text: str) -> dict:
    """A committed build state without its one mark about own answers: that a package of the
    deck once carried some. Everything else in it depends on the deck file alone."""
    import json

    state = json.loads(state_text)
    state["deck"].pop("answers", None)
    return state


def snapshot(folder: Path, skip: Path) -> dict[str, str]:
    """Every file below `folder` (but `skip`) with a hash of its bytes: taken before and after
    a command, it shows any file the command wrote, however hostile its input."""
    import hashlib

    out = {}
    for here, dirs, names in os.walk(folder):
        if Path(here) == skip:
            dirs[:] = []
            continue
        for name in names:
            path = Path(here, name)
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def add_picture(deck_file: Path) -> None:
    """Give the shipped deck's unhappy-user a tip that shows a picture, images/flow.png, made
    from a test fixture beside the deck."""
    images = Path(__file__).parent / "fixtures" / "media" / "images"
    picture = sorted(p for p in images.iterdir() if p.suffix == ".png")[0]
    (deck_file.parent / "images").mkdir()
    shutil.copyfile(picture, deck_file.parent / "images" / "flow.png")
    edit(
        deck_file,
        "      - Listen first and acknowledge the frustration before explaining anything.\n",
        "      - Listen first and acknowledge the frustration before explaining anything.\n"
        '      - "![The flow](images/flow.png)"\n',
    )


def git(folder: Path, *args: str) -> str:
    """Run git in a test repository (an identity of its own, failing loudly)."""
    import subprocess

    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


# Chromium's flags that work on these machines: no sandbox as root, and nothing that would
# reach for the network (its connections are refused here).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_unavailable(reason: str):
    """Skip a browser test, saying how to enable it; fail instead where CI requires them."""
    if os.environ.get("PREPDECK_REQUIRE_BROWSER"):
        pytest.fail(f"browser tests are required here but cannot run: {reason}")
    pytest.skip(
        f"{reason}; to run the browser tests: apt-get install chromium fonts-dejavu-core "
        "fonts-wqy-microhei fonts-lohit-deva"
    )


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, driven through Playwright (which never downloads a browser)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        browser_unavailable("Chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def tips_text(html: str) -> list[str]:
    """The tips of a Tips field as plain text items."""
    return [re.sub(r"<[^>]+>", "", item) for item in re.findall(r"<li>(.*?)</li>", html)]
