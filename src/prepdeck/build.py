"""The pipeline: deck file -> load -> render -> compare with the last build -> select -> package.

This is the library entry point; the CLI only parses options and prints what comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prepdeck.changes import ChangeReport, compare
from prepdeck.errors import SelectionError
from prepdeck.gcpause import paused_gc
from prepdeck.load import load_deck
from prepdeck.model import Deck
from prepdeck.notetype import genanki_model, note_guid, stable_id, style_fingerprint
from prepdeck.package import (
    PackageDeck,
    PackageNote,
    check_output_name,
    package_bytes,
    write_package,
)
from prepdeck.render import markdown_block, render_note
from prepdeck.select import Selection
from prepdeck.state import clock, read_state, source_date_epoch, state_path, write_state

DEFAULT_OUT_DIR = Path("dist")
ALL = Selection()


@dataclass(frozen=True)
class BuildResult:
    """What one deck's build produced (or, on a dry run, would produce)."""

    deck: Deck
    output: Path
    notes: int
    topics: int
    size: int
    report: ChangeReport
    state_path: Path
    state_written: bool
    dry_run: bool


def output_path(deck: Deck, selection: Selection, out_dir: Path) -> Path:
    """`dist/<key>.apkg`, or `dist/<key>--<selection>.apkg` for a filtered build."""
    if selection.empty:
        return out_dir / f"{deck.key}.apkg"
    return out_dir / f"{deck.key}--{selection.slug()}.apkg"


def placement(deck: Deck, topic: str) -> str:
    """The Anki deck a question's card goes to; a property of the deck file, not the build."""
    return f"{deck.name}::{topic}" if deck.subdecks == "by-topic" else deck.name


def anki_decks(deck: Deck, topics: list[str]) -> list[PackageDeck]:
    """The deck (and, with subdecks, one per topic in file order) with stable ids."""
    description = markdown_block(deck.description)
    top = PackageDeck(stable_id("deck", deck.key), deck.name, description)
    if deck.subdecks != "by-topic":
        return [top]
    return [top] + [
        PackageDeck(stable_id("deck", deck.key, placement(deck, t)), placement(deck, t), "")
        for t in topics
    ]


def build_deck(
    path: Path | str,
    *,
    deck: Deck | None = None,
    selection: Selection = ALL,
    output: Path | str | None = None,
    out_dir: Path | str = DEFAULT_OUT_DIR,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build one deck file into an .apkg and update its build state beside it."""
    path = Path(path)
    if deck is None:
        deck = load_deck(path)
    target = Path(output) if output is not None else output_path(deck, selection, Path(out_dir))
    check_output_name(target)
    # The pipeline builds many small objects and no cycles: the collector would only
    # rescan them (see gcpause.py).
    with paused_gc():
        return _build(path, deck, selection, target, dry_run, progress)


def _build(
    path: Path,
    deck: Deck,
    selection: Selection,
    target: Path,
    dry_run: bool,
    progress: Callable[[str], None] | None,
) -> BuildResult:
    if progress:
        progress("rendering")
    notes = [render_note(q) for q in deck.questions]
    places = [placement(deck, q.topic) for q in deck.questions]
    state_file = state_path(path)
    previous = read_state(state_file)
    style = style_fingerprint(deck.key, deck.speak, deck.language, deck.labels)
    new_state, report = compare(previous, deck, notes, places, style, clock())
    if not selection.empty:
        report.selection = selection.describe()

    chosen = [i for i, q in enumerate(deck.questions) if selection.matches(q)]
    if not chosen:
        raise SelectionError(
            f"{path}: no question matches the selection ({selection.describe()}); "
            "nothing was written"
        )
    topics = list(dict.fromkeys(deck.questions[i].topic for i in chosen))
    decks = anki_decks(deck, topics)
    deck_ids = {d.name: d.id for d in decks}
    package_notes = [
        PackageNote(
            guid=note_guid(deck.key, deck.questions[i].id),
            fields=notes[i].fields,
            tags=notes[i].tags,
            mod=new_state.questions[deck.questions[i].id].mod,
            deck_id=deck_ids[places[i]],
        )
        for i in chosen
    ]
    if progress:
        progress("packaging")
    # The package's own times: SOURCE_DATE_EPOCH when set, else the newest note time, so an
    # unchanged deck gives the same bytes without it.
    sde = source_date_epoch()
    package_time = new_state.latest if sde is None else sde
    data = package_bytes(
        decks,
        genanki_model(deck.key, deck.speak, deck.language, deck.labels),
        new_state.notetype_mod,
        package_notes,
        package_time,
    )
    state_written = False
    if not dry_run:
        write_package(target, data)
        # Only after the package is in place: a failed build must not advance the state.
        state_written = write_state(state_file, new_state)
    return BuildResult(
        deck=deck,
        output=target,
        notes=len(package_notes),
        topics=len(topics),
        size=len(data),
        report=report,
        state_path=state_file,
        state_written=state_written,
        dry_run=dry_run,
    )
