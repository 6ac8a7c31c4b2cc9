"""Warnings about things that load fine but make poor flash cards."""

from __future__ import annotations

from dataclasses import dataclass

from prepdeck.deckfile.model import Deck, wording

LONG_TIP_CHARS = 200


@dataclass(frozen=True, order=True)
class Warning_:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: warning: {self.message}"


def lint_deck(deck: Deck) -> list[Warning_]:
    """Warnings for one deck, sorted by line."""
    out: list[Warning_] = []
    if deck.language:
        from prepdeck.deckfile.labels import LABEL_KEYS, has_labels

        missing = [k for k in LABEL_KEYS if k not in dict(deck.labels)]
        if not has_labels(deck.language) and missing:
            out.append(
                Warning_(
                    deck.source,
                    1,
                    f"deck.language '{deck.language}' has no built-in card labels, so the cards "
                    f"show English ones; set them under deck.labels ({', '.join(missing)})",
                )
            )
    first_by_text: dict[str, str] = {}
    for q in deck.questions:
        where = f"question '{q.id}'"
        if len(q.tips) == 1:
            out.append(
                Warning_(
                    deck.source,
                    q.line,
                    f"{where} has a single tip; 3 to 6 short points are easier to recall",
                )
            )
        for i, tip in enumerate(q.tips):
            if len(tip) > LONG_TIP_CHARS:
                out.append(
                    Warning_(
                        deck.source,
                        q.line,
                        f"{where}: tip {i + 1} is {len(tip)} characters; over "
                        f"{LONG_TIP_CHARS} is hard to recall, split it or move detail to `example`",
                    )
                )
        text = wording(q.question)
        if text in first_by_text:
            out.append(
                Warning_(
                    deck.source,
                    q.line,
                    f"{where} asks the same as '{first_by_text[text]}'; merge them or reword one",
                )
            )
        else:
            first_by_text[text] = q.id
    return sorted(out)
