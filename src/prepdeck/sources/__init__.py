"""Bringing questions in: other formats -> a new deck file (`prepdeck import`).

One module per source format (`table` for CSV/TSV, `article` for Markdown and plain text,
`anki` for Anki notes, read out of packages by `ankipkg` through `sqlitesafe` and `ankidb`),
`htmlmd` for HTML back to Markdown (over the bounded tree of `htmltree`), `fields` for column
and field names, `draft` for what every source produces, and `importer` for the call the
command makes.
"""
