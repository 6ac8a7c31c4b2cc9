"""Where questions went between two builds: an id renamed by mistake, a card bound for
another Anki deck. Shared by the build's comparison and by `prepdeck diff`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from prepdeck.builds.state import NoteState
from prepdeck.cards.notetype import notetype_name
from prepdeck.cards.render import topic_tag
from prepdeck.deckfile.model import Deck, Question


@dataclass
class Move:
    """Cards that now belong in another Anki deck, and the search that finds them."""

    destination: str
    search: str
    ids: list[str]


def renamed_ids(
    old: dict[str, NoteState],
    now: dict[str, NoteState],
    added: Sequence[str],
    removed: Sequence[str],
) -> list[tuple[str, str, str]]:
    """Removed ids whose question came back under a new (added) id: same wording, or mostly
    the same tips. Each as (old id, new id, why)."""
    by_text = {now[qid].text: qid for qid in added}
    by_tip: dict[str, list[str]] = {}
    for qid in added:
        for tip in set(now[qid].tips):
            by_tip.setdefault(tip, []).append(qid)
    out = []
    for gone in removed:
        if old[gone].text in by_text:
            out.append((gone, by_text[old[gone].text], "has the same wording"))
            continue
        tips = set(old[gone].tips)
        shared: dict[str, int] = {}
        for tip in tips:
            holders = by_tip.get(tip, ())
            if len(holders) > 20:  # a tip many questions share tells nothing about identity
                continue
            for qid in holders:
                shared[qid] = shared.get(qid, 0) + 1
        best = max(shared.items(), key=lambda kv: (kv[1], kv[0]), default=None)
        if best and best[1] * 2 >= len(tips):
            out.append((gone, best[0], f"has {best[1]} of its {len(tips)} tips"))
    return out


def add_move(moves: list[Move], deck: Deck, q: Question, place: str) -> None:
    """Group a card that belongs elsewhere with the others bound for the same deck."""
    by_topic = place != deck.name
    search = f'"note:{notetype_name(deck.key)}"'
    if by_topic:
        search += f' "tag:{topic_tag(q.topic)}"'
    for move in moves:
        if move.destination == place:
            move.ids.append(q.id)
            return
    moves.append(Move(place, search, [q.id]))


def renamed_placement(place: str, old_name: str, new_name: str) -> str:
    """Where a card was, had only the deck's name changed (a rename is reported on its own)."""
    if place == old_name or place.startswith(old_name + "::"):
        return new_name + place[len(old_name) :]
    return place
