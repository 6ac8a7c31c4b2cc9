# ruff: noqa: RUF001 (the labels are written in their own scripts on purpose)
"""What a card says in its deck's language: its own labels, and the voice that reads it aloud.

A deck chooses `language: de` (a BCP 47 code); the card's labels come from the table below,
and any of them can be replaced under `deck.labels`. Languages without a table get English
labels until the deck names its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Every label a card shows, with what it names; `deck.labels` accepts exactly these keys.
LABEL_KEYS = {
    "tips": "the heading above the tips",
    "example": "the heading above the example answer",
    "notes": "the heading above your own notes",
    "interview_days": "the countdown on the front, '#' standing for the number of days",
    "interview_tomorrow": "the countdown on the day before the interview",
    "interview_today": "the countdown on the day of the interview",
    "time_up": "what the answer timer says when its time has run out",
}

MAX_LABEL_CHARS = 40
# Labels are plain words. Braces would be read as Anki template syntax, brackets as sound
# tags, a backslash as the start of maths, angle brackets as HTML: none belongs in a heading.
LABEL_FORBIDDEN = "{}[]<>\\"

# language, optional script, optional region: de, pt-BR, zh-Hant, zh-Hant-TW, es-419.
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|[0-9]{3}))?\Z")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "tips": "Tips",
        "example": "Example answer",
        "notes": "My notes",
        "interview_days": "Interview in # days",
        "interview_tomorrow": "Interview tomorrow",
        "interview_today": "Interview today",
        "time_up": "Time is up",
    },
    "de": {
        "tips": "Tipps",
        "example": "Beispielantwort",
        "notes": "Meine Notizen",
        "interview_days": "Vorstellungsgespräch in # Tagen",
        "interview_tomorrow": "Vorstellungsgespräch morgen",
        "interview_today": "Vorstellungsgespräch heute",
        "time_up": "Die Zeit ist um",
    },
    "fr": {
        "tips": "Conseils",
        "example": "Exemple de réponse",
        "notes": "Mes notes",
        "interview_days": "Entretien dans # jours",
        "interview_tomorrow": "Entretien demain",
        "interview_today": "Entretien aujourd’hui",
        "time_up": "Temps écoulé",
    },
    "es": {
        "tips": "Consejos",
        "example": "Respuesta de ejemplo",
        "notes": "Mis notas",
        "interview_days": "Entrevista en # días",
        "interview_tomorrow": "Entrevista mañana",
        "interview_today": "Entrevista hoy",
        "time_up": "Se acabó el tiempo",
    },
    "pt": {
        "tips": "Dicas",
        "example": "Exemplo de resposta",
        "notes": "Minhas notas",
        "interview_days": "Entrevista em # dias",
        "interview_tomorrow": "Entrevista amanhã",
        "interview_today": "Entrevista hoje",
        "time_up": "Tempo esgotado",
    },
    "it": {
        "tips": "Suggerimenti",
        "example": "Risposta di esempio",
        "notes": "Le mie note",
        "interview_days": "Colloquio tra # giorni",
        "interview_tomorrow": "Colloquio domani",
        "interview_today": "Colloquio oggi",
        "time_up": "Tempo scaduto",
    },
    "nl": {
        "tips": "Tips",
        "example": "Voorbeeldantwoord",
        "notes": "Mijn notities",
        "interview_days": "Sollicitatiegesprek over # dagen",
        "interview_tomorrow": "Sollicitatiegesprek morgen",
        "interview_today": "Sollicitatiegesprek vandaag",
        "time_up": "De tijd is om",
    },
    "pl": {
        "tips": "Wskazówki",
        "example": "Przykładowa odpowiedź",
        "notes": "Moje notatki",
        "interview_days": "Rozmowa za # dni",
        "interview_tomorrow": "Rozmowa jutro",
        "interview_today": "Rozmowa dzisiaj",
        "time_up": "Czas minął",
    },
    "ru": {
        "tips": "Советы",
        "example": "Пример ответа",
        "notes": "Мои заметки",
        "interview_days": "Собеседование через # дн.",
        "interview_tomorrow": "Собеседование завтра",
        "interview_today": "Собеседование сегодня",
        "time_up": "Время вышло",
    },
    "uk": {
        "tips": "Поради",
        "example": "Приклад відповіді",
        "notes": "Мої нотатки",
        "interview_days": "Співбесіда через # дн.",
        "interview_tomorrow": "Співбесіда завтра",
        "interview_today": "Співбесіда сьогодні",
        "time_up": "Час вийшов",
    },
    "el": {
        "tips": "Συμβουλές",
        "example": "Παράδειγμα απάντησης",
        "notes": "Οι σημειώσεις μου",
        "interview_days": "Συνέντευξη σε # ημέρες",
        "interview_tomorrow": "Συνέντευξη αύριο",
        "interview_today": "Συνέντευξη σήμερα",
        "time_up": "Ο χρόνος τελείωσε",
    },
    "tr": {
        "tips": "İpuçları",
        "example": "Örnek cevap",
        "notes": "Notlarım",
        "interview_days": "Mülakata # gün var",
        "interview_tomorrow": "Mülakat yarın",
        "interview_today": "Mülakat bugün",
        "time_up": "Süre doldu",
    },
    "zh": {
        "tips": "要点",
        "example": "参考回答",
        "notes": "我的笔记",
        "interview_days": "距面试还有 # 天",
        "interview_tomorrow": "明天面试",
        "interview_today": "今天面试",
        "time_up": "时间到",
    },
    "zh-Hant": {
        "tips": "要點",
        "example": "參考回答",
        "notes": "我的筆記",
        "interview_days": "距面試還有 # 天",
        "interview_tomorrow": "明天面試",
        "interview_today": "今天面試",
        "time_up": "時間到",
    },
    "ja": {
        "tips": "ポイント",
        "example": "回答例",
        "notes": "自分のメモ",
        "interview_days": "面接まであと # 日",
        "interview_tomorrow": "面接は明日",
        "interview_today": "面接は今日",
        "time_up": "時間切れ",
    },
    "ko": {
        "tips": "팁",
        "example": "모범 답변",
        "notes": "내 메모",
        "interview_days": "면접까지 # 일",
        "interview_tomorrow": "내일 면접",
        "interview_today": "오늘 면접",
        "time_up": "시간 종료",
    },
    "ar": {
        "tips": "نصائح",
        "example": "إجابة نموذجية",
        "notes": "ملاحظاتي",
        "interview_days": "الأيام المتبقية حتى المقابلة: #",
        "interview_tomorrow": "المقابلة غدًا",
        "interview_today": "المقابلة اليوم",
        "time_up": "انتهى الوقت",
    },
    "he": {
        "tips": "טיפים",
        "example": "תשובה לדוגמה",
        "notes": "ההערות שלי",
        "interview_days": "הראיון בעוד # ימים",
        "interview_tomorrow": "הראיון מחר",
        "interview_today": "הראיון היום",
        "time_up": "הזמן נגמר",
    },
    "hi": {
        "tips": "सुझाव",
        "example": "उदाहरण उत्तर",
        "notes": "मेरे नोट्स",
        "interview_days": "इंटरव्यू # दिन में",
        "interview_tomorrow": "इंटरव्यू कल",
        "interview_today": "इंटरव्यू आज",
        "time_up": "समय समाप्त",
    },
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
    invisible = [c for c in text if unicodedata.category(c) == "Cf" and c not in "\u200c\u200d"]
    if invisible:
        return f"contains the invisible character U+{ord(invisible[0]):04X}; delete it"
    bad = sorted({c for c in text if c in LABEL_FORBIDDEN})
    if bad:
        return f"contains {' '.join(bad)}; labels are plain text, without {LABEL_FORBIDDEN}"
    return ""
