"""Decks and other places: edits made in Anki pulled back, and what a release changes.

`pull` reads an Anki export and finds the edits made there (`ankifields` turns each field
back into the deck's values); `pullwrite` writes them into the deck files; `revisions` reads
deck files out of git; `diff` builds two revisions and says what a learner sees on importing
the second; `diff_report` words it.
"""
