"""Stage 1, the deck file: YAML in, checked, and YAML out.

`reader` and `yamlnodes` read YAML nodes with their lines; `load` turns a deck file (and the
learner's `answers`) into the frozen `model`; `media` reads and checks the files a deck
names; `labels` and `slugs` hold the words and names a deck may use; `lint` warns about cards
that are hard to study; `dump`, `yamledit` and `starter` write deck files back.
Nothing here knows about Anki.
"""
