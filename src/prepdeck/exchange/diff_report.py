"""How a diff is shown: lines for a terminal, Markdown release notes, and JSON for scripts."""

from __future__ import annotations

from prepdeck.builds.report import note_search
from prepdeck.cards.render import RETIRED_TAG
from prepdeck.exchange.diff import DeckDiff, Diff, NoteChange

SCHEMA_ADVICE = (
    "for this one import, tick 'Merge note types' and set 'Update notes: Always' in Anki's "
    "import dialog: without the tick every note you have is skipped as conflicting"
)


def warnings(d: DeckDiff) -> list[str]:
    """What a learner must do before or after importing, most important first."""
    out = []
    if d.key_changed:
        old, new = d.key_changed
        out.append(
            f"the deck key changed from '{old}' to '{new}': every question arrives again as a "
            "duplicate, and review history stays with the old notes"
        )
    if d.deck_renamed:
        old, new = d.deck_renamed
        out.append(
            f"the deck was renamed from '{old}' to '{new}': before importing, rename the deck "
            f"'{old}' to '{new}' in Anki, or new cards land in a second deck"
        )
    if d.schema_changed:
        old, new = d.schema_changed
        out.append(
            f"the note type's fields changed ({', '.join(old)} -> {', '.join(new)}): "
            + SCHEMA_ADVICE
        )
    for old_id, new_id, why in d.renamed_ids:
        out.append(
            f"question '{old_id}' is gone and '{new_id}' {why}: it arrives as a new note, a "
            f"duplicate without the old card's history (set its id back to '{old_id}' to keep it)"
        )
    return out


def design_line(d: DeckDiff) -> str:
    if d.version and not d.schema_changed:
        old, new = (v or "none" for v in d.version)
        updated = (
            "Anki updates the card design on import"
            if d.design_updated
            else ("its time is not newer: Anki keeps the design it has")
        )
        return f"version {old} -> {new}, shown on the back of every card: {updated}"
    if not d.design_changed:
        return ""
    if d.design_updated:
        return "card design changed (templates or CSS): Anki updates it on import"
    return "card design changed, but its time is not newer: Anki keeps the design it has"


def summary(d: DeckDiff) -> str:
    c = d.counts
    removed = f", {len(d.removed)} removed" if d.removed else ""
    if d.schema_changed:
        return (
            f"{c['new']} new, {c['conflicting']} conflicting unless you merge note types "
            f"(see the warning){removed}"
        )
    return f"{c['new']} new, {c['updated']} updated, {c['duplicate']} unchanged{removed}"


def text_lines(diff: Diff) -> list[str]:
    """The diff for a terminal."""
    out = [f"from {diff.a} to {diff.b}:"]
    if not diff.decks:
        if diff.problems:  # every deck was refused at one revision: said on stderr
            return [*out, "no deck could be compared (see the problems above)."]
        return [*out, "no deck files at either revision."]
    for d in diff.decks:
        head = f"{d.path}: {d.name}"
        if d.moved_from:
            head += f" (moved from {d.moved_from})"
        if d.new_deck:
            head += " (new deck file)"
        if d.deck_removed:
            out += [f"{head}: deck file removed; Anki keeps its {len(d.removed)} notes"]
            continue
        out.append(f"{head}: {summary(d)}")
        out += [f"  warning: {w}" for w in warnings(d)]
        if design_line(d):
            out.append(f"  {design_line(d)}")
        for n in d.added:
            out.append(f"  new: {n.id}: {_one_line(n.question)}")
        for qid in d.returned:
            updated = any(n.id == qid for n in d.updated)
            out.append(
                f"  back in the deck: {qid}: Anki kept this note from an earlier release, so it "
                + ("is updated, not new" if updated else "is neither new nor changed")
            )
        for n in d.updated:
            what = f" ({', '.join(n.fields) or n.why})"
            retired = f"; retired, tagged {RETIRED_TAG}" if n.id in d.retired else ""
            out.append(f"  updated: {n.id}{what}{retired}")
            out += [f"    {line}" for line in n.yaml]
            out += [f"    media changed: {path}" for path in n.media]
        for n in d.removed:
            out.append(
                f"  removed: {n.id}: Anki keeps this note until you delete it "
                f"(search: {note_search(d.key, n.id)})"
            )
        for to, search, ids in d.moves:
            out.append(
                f"  moved to '{to}': {', '.join(ids)}; Anki keeps cards where they are "
                f"(search: {search})"
            )
    return out


def _one_line(text: str, most: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= most else flat[: most - 1] + "…"


def _md(text: str) -> str:
    """Text as inert Markdown: no markup, links or HTML from a deck file's wording."""
    flat = " ".join(text.split())
    flat = "".join("\\" + c if c in "\\`*_[]|~" else c for c in flat)
    return flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    ticks = "``" if "`" in text else "`"
    return f"{ticks} {text} {ticks}" if ticks == "``" else f"`{text}`"


def markdown(diff: Diff) -> str:
    """Release notes a maintainer can paste: per deck, the changes grouped by topic."""
    out = [f"# Changes from {_md(diff.a)} to {_md(diff.b)}", ""]
    if not diff.decks:
        return "\n".join([*out, "No deck files at either revision.", ""])
    for d in diff.decks:
        release = f" {d.version[1]}" if d.version and d.version[1] else ""
        out += [f"## {_md(d.name)}{release}", ""]
        if d.deck_removed:
            out += [f"This deck was removed. Anki keeps its {len(d.removed)} notes.", ""]
            continue
        if d.new_deck:
            out += ["A new deck.", ""]
        out += [f"{summary(d)}.", ""]
        for w in warnings(d):
            out += [f"> **Warning:** {_md(w)}", ">"]
        if warnings(d):
            out[-1] = ""
        if design_line(d):
            out += [f"{design_line(d)[0].upper()}{design_line(d)[1:]}.", ""]
        topics: dict[str, list[str]] = {}
        for n in d.added:
            topics.setdefault(n.topic, []).append(f"- **New:** {_md(n.question)}")
        for n in d.back:
            if n.id in d.unchanged:
                topics.setdefault(n.topic, []).append(
                    f"- **Back in the deck:** {_md(n.question)} (Anki kept it from an earlier "
                    "release: not new, and unchanged)"
                )
        for n in d.updated:
            what = ", ".join(f for f in n.fields if f != "retired") or n.why
            head = f"- **Updated** ({what}): {_md(n.question)}"
            if n.id in d.retired:
                rest = [f for f in n.fields if f != "retired"]
                head = f"- **Retired** (tagged `{RETIRED_TAG}`): {_md(n.question)}"
                if rest:
                    head += f" ({', '.join(rest)} changed too)"
            item = [head]
            item += [f"  - media changed: {_code(path)}" for path in n.media]
            if n.yaml:
                fence = "````" if any("```" in line for line in n.yaml) else "```"
                item += [f"  {fence}diff", *(f"  {line}" for line in n.yaml), f"  {fence}"]
            topics.setdefault(n.topic, []).append("\n".join(item))
        for n in d.removed:
            topics.setdefault(n.topic, []).append(
                f"- **Removed:** {_md(n.question)} (Anki keeps it until you delete it: search "
                f"{_code(note_search(d.key, n.id))})"
            )
        for topic, items in topics.items():
            out += [f"### {_md(topic)}", "", *items, ""]
        if d.moves:
            out += ["After importing, move these cards (Browse, search, Cards > Change Deck):", ""]
            out += [f"- to {_md(to)}: {_code(search)}" for to, search, _ in d.moves]
            out.append("")
    return "\n".join(out)


def as_json(diff: Diff) -> dict:
    """The diff as plain data for scripts."""

    def note(n: NoteChange) -> dict:
        item: dict = {"id": n.id, "topic": n.topic, "question": n.question}
        if n.fields:
            item["fields"] = list(n.fields)
        if n.yaml:
            item["yaml_diff"] = list(n.yaml)
        if n.media:
            item["media"] = list(n.media)
        if n.why:
            item["why"] = n.why
        return item

    return {
        "from": diff.a,
        "to": diff.b,
        "decks": [
            {
                "path": d.path,
                "moved_from": d.moved_from or None,
                "name": d.name,
                "key": d.key,
                "import": d.counts,
                "new_deck": d.new_deck,
                "deck_removed": d.deck_removed,
                "added": [note(n) for n in d.added],
                "updated": [note(n) for n in d.updated],
                "unchanged": d.unchanged,
                "removed": [note(n) for n in d.removed],
                "retired": d.retired,
                "returned": d.returned,
                "renamed_ids": [{"old": o, "new": n, "why": w} for o, n, w in d.renamed_ids],
                "deck_renamed": list(d.deck_renamed) if d.deck_renamed else None,
                "key_changed": list(d.key_changed) if d.key_changed else None,
                "version": list(d.version) if d.version else None,
                "design_changed": d.design_changed,
                "design_updated": d.design_updated,
                "schema_changed": [list(x) for x in d.schema_changed] if d.schema_changed else None,
                "moves": [{"to": t, "search": s, "ids": i} for t, s, i in d.moves],
                "warnings": warnings(d),
            }
            for d in diff.decks
        ],
    }
