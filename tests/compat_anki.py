"""Import prepdeck packages into one `anki` backend, as a learner would, and report what happened.

Run by tests/test_compat.py with the Python of a virtualenv that holds a given `anki` release
(`make compat` makes one per release). It needs only that release, never prepdeck, and speaks
to every API from 2.1.2x to today: a new importer where there is one, the legacy one before.

Input (argv[1], JSON): {"folder": ..., "cases": [{"name", "first", "update", "edited_id",
"edited_text"}, ...]}. Output (stdout, JSON): one result per case.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def _open(path: str):
    try:
        from anki.collection import Collection

        return Collection(path)
    except (ImportError, TypeError):  # 2.1.2x: a factory in anki.storage
        from anki.storage import Collection

        return Collection(path)


def _call(obj, new: str, old: str, *args):
    return getattr(obj, new, None)(*args) if hasattr(obj, new) else getattr(obj, old)(*args)


def _import(col, apkg: str) -> str:
    """Anki's import with the dialog's default options; returns which importer ran."""
    if hasattr(col, "import_anki_package"):
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        col.import_anki_package(
            ImportAnkiPackageRequest(package_path=apkg, options=ImportAnkiPackageOptions())
        )
        col.models._clear_cache()
        return "backend"
    from anki.importing.apkg import AnkiPackageImporter

    importer = AnkiPackageImporter(col, apkg)
    importer.run()
    return "legacy"


def _notes(col) -> dict:
    nids = _call(col, "find_notes", "findNotes", "")
    notes = [_call(col, "get_note", "getNote", nid) for nid in nids]
    return {n["Id"]: n for n in notes}


def _render(card) -> tuple[str, str]:
    if hasattr(card, "question"):
        return card.question(), card.answer()
    return card.q(), card.a()


def _review(col, card) -> None:
    _call(card, "start_timer", "startTimer")
    col.sched.answerCard(card, 3)


def run_case(folder: Path, case: dict) -> dict:
    col = _open(str(folder / f"{case['name']}.anki2"))
    try:
        importer = _import(col, case["first"])
        notes = _notes(col)
        cards = [card for note in notes.values() for card in note.cards()]
        rendered = [_render(card) for card in cards]
        blank = [i for i, (q, a) in enumerate(rendered) if not q.strip() or not a.strip()]
        questions_on_front = all(
            note["Question"].split("&")[0][:20] in _render(note.cards()[0])[0]
            for note in notes.values()
        )
        reviewed = notes[case["edited_id"]].cards()[0]
        preset = _call(col.decks, "config_dict_for_deck_id", "confForDid", reviewed.did)["name"]
        _review(col, reviewed)
        before = (
            reviewed.type,
            col.db.scalar("select count() from revlog where cid = ?", reviewed.id),
        )
        _import(col, case["update"])
        after_notes = _notes(col)
        card = _call(col, "get_card", "getCard", reviewed.id)
        after = (card.type, col.db.scalar("select count() from revlog where cid = ?", card.id))
        media = sorted(p.name for p in Path(col.media.dir()).iterdir() if p.is_file())
        return {
            "importer": importer,
            "preset": preset,
            "notes": len(notes),
            "cards": len(cards),
            "blank_cards": blank,
            "questions_on_front": questions_on_front,
            "notes_after_update": len(after_notes),
            "edited_arrived": case["edited_text"] in after_notes[case["edited_id"]]["Tips"],
            "review_before": list(before),
            "review_after": list(after),
            "media": media,
        }
    finally:
        col.close()


def main() -> int:
    job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    # A collection of this backend's own: an older one would be upgraded, a newer refused.
    folder = Path(tempfile.mkdtemp(dir=job["folder"]))
    results = {case["name"]: run_case(folder, case) for case in job["cases"]}
    import anki

    version = getattr(anki, "version", None) or getattr(anki, "__version__", "?")
    if callable(version):
        version = version()
    print(json.dumps({"version": str(version), "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
