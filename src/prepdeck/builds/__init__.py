"""Stage 3, the build: compare with the last build, then write the package and the state.

`state` reads and writes the committed build state (`decks/<name>.state.json`) and the
machine's own record of answers. `pipeline` runs one deck's build as a chain of steps that
hand each other the objects of `steps` (the request, the previous build, the rendered deck):
`compare` sets each note's time against the last build and returns a `Comparison`, whose
`ChangeReport` (`changes`) `report` words as the lines the build prints; `moves` finds ids
renamed by mistake and cards bound for another deck; `pacing` keeps the interview plan
(cards' `plan`) as first set and makes the preset that carries it. The package and the state
are written together, or neither is.
"""
