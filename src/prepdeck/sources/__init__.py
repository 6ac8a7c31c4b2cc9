"""Bringing questions in: other formats -> a new deck file (`prepdeck import`).

One module per source format (`table` for CSV/TSV, `article` for Markdown and plain text,
`anki` for Anki packages, read by `ankipkg`), `htmlmd` for HTML back to Markdown, `draft`
for what every source produces, and `importer` for the library call the command makes.
"""
