"""Stage 1, the deck file: YAML in, checked, and YAML out.

`yamlnodes` turns YAML text into nodes with their lines, `reader` walks them with the checks
every input shares and `deckformat` checks a deck file's sections against the format; `load`
turns a deck file (and the learner's `answers`) into the frozen `model`, and `named` finds and
loads the deck files a command names; `media` reads and checks the files a deck names;
`labels` and `slugs` hold the words and names a deck may use; `lint` warns about cards that
are hard to study; `dump`, `yamledit` and `starter` write deck files back.
Nothing here knows about Anki.
"""
