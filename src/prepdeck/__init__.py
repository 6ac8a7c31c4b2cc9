"""prepdeck: interview questions in YAML, Anki decks out, study history kept."""

__version__ = "0.1.0"
