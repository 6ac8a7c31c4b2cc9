# ruff: noqa: RUF001 (the labels are written in their own scripts on purpose)
"""What a card says in its deck's language: its own labels, and the voice that reads it aloud.

A deck chooses `language: de` (a BCP 47 code); the card's labels come from the table below,
and any of them can be replaced under `deck.labels`. Languages without a table get English
labels until the deck names its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Every label a card shows, with what it names; `deck.labels` accepts exactly these keys.
LABEL_KEYS = {
    "tips": "the heading above the tips",
    "example": "the heading above the example answer",
    "notes": "the heading above your own notes",
}

MAX_LABEL_CHARS = 40
# Labels are plain words. Braces would be read as Anki template syntax, brackets as sound
# tags, a backslash as the start of maths, angle brackets as HTML: none belongs in a heading.
LABEL_FORBIDDEN = "{}[]<>\\"

# language, optional script, optional region: de, pt-BR, zh-Hant, zh-Hant-TW, es-419.
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|[0-9]{3}))?\Z")

LABELS: dict[str, dict[str, str]] = {
    "en": {"tips": "Tips", "example": "Example answer", "notes": "My notes"},
    "de": {"tips": "Tipps", "example": "Beispielantwort", "notes": "Meine Notizen"},
    "fr": {"tips": "Conseils", "example": "Exemple de réponse", "notes": "Mes notes"},
    "es": {"tips": "Consejos", "example": "Respuesta de ejemplo", "notes": "Mis notas"},
    "pt": {"tips": "Dicas", "example": "Exemplo de resposta", "notes": "Minhas notas"},
    "it": {"tips": "Suggerimenti", "example": "Risposta di esempio", "notes": "Le mie note"},
    "nl": {"tips": "Tips", "example": "Voorbeeldantwoord", "notes": "Mijn notities"},
    "pl": {"tips": "Wskazówki", "example": "Przykładowa odpowiedź", "notes": "Moje notatki"},
    "ru": {"tips": "Советы", "example": "Пример ответа", "notes": "Мои заметки"},
    "uk": {"tips": "Поради", "example": "Приклад відповіді", "notes": "Мої нотатки"},
    "el": {"tips": "Συμβουλές", "example": "Παράδειγμα απάντησης", "notes": "Οι σημειώσεις μου"},
    "tr": {"tips": "İpuçları", "example": "Örnek cevap", "notes": "Notlarım"},
    "zh": {"tips": "要点", "example": "参考回答", "notes": "我的笔记"},
    "zh-Hant": {"tips": "要點", "example": "參考回答", "notes": "我的筆記"},
    "ja": {"tips": "ポイント", "example": "回答例", "notes": "自分のメモ"},
    "ko": {"tips": "팁", "example": "모범 답변", "notes": "내 메모"},
    "ar": {"tips": "نصائح", "example": "إجابة نموذجية", "notes": "ملاحظاتي"},
    "he": {"tips": "טיפים", "example": "תשובה לדוגמה", "notes": "ההערות שלי"},
    "hi": {"tips": "सुझाव", "example": "उदाहरण उत्तर", "notes": "मेरे नोट्स"},
}

# The text-to-speech voice for a language when the deck sets `language` but not `speak`.
VOICES = {
    "en": "en_US",
    "de": "de_DE",
    "fr": "fr_FR",
    "es": "es_ES",
    "pt": "pt_BR",
    "it": "it_IT",
    "nl": "nl_NL",
    "pl": "pl_PL",
    "ru": "ru_RU",
    "uk": "uk_UA",
    "el": "el_GR",
    "tr": "tr_TR",
    "zh": "zh_CN",
    "zh-Hant": "zh_TW",
    "ja": "ja_JP",
    "ko": "ko_KR",
    "ar": "ar_SA",
    "he": "he_IL",
    "hi": "hi_IN",
}


def _candidates(language: str) -> list[str]:
    """'zh-Hant-TW' -> ['zh-Hant-TW', 'zh-Hant', 'zh'], the most specific first."""
    parts = language.split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def card_labels(language: str = "", overrides: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """Every label key with the text the card shows for this language and these overrides."""
    table = next((LABELS[c] for c in _candidates(language) if c in LABELS), LABELS["en"])
    return {**table, **dict(overrides)}


def has_labels(language: str) -> bool:
    """Whether prepdeck knows this language's labels (else they are English)."""
    return any(c in LABELS for c in _candidates(language))


def default_voice(language: str) -> str:
    """The `speak` code for a language: 'de' -> 'de_DE', 'pt-PT' -> 'pt_PT', 'sw' -> 'sw'."""
    if not language:
        return ""
    parts = language.split("-")
    region = next((p for p in parts[1:] if len(p) == 2 and p.isupper()), "")
    if region:
        return f"{parts[0]}_{region}"
    return next((VOICES[c] for c in _candidates(language) if c in VOICES), parts[0])


def label_problem(text: str) -> str:
    """Why a label text cannot go on a card, or '' when it can."""
    if len(text.splitlines()) > 1:
        return "must be one line"
    if len(text) > MAX_LABEL_CHARS:
        return f"is {len(text)} characters long; a label has at most {MAX_LABEL_CHARS}"
    bad = sorted({c for c in text if c in LABEL_FORBIDDEN})
    if bad:
        return f"contains {' '.join(bad)}; labels are plain text, without {LABEL_FORBIDDEN}"
    return ""
