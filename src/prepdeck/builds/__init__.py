"""Stage 3, the build: compare with the last build, then write the package and the state.

`pipeline` runs the steps for one deck and writes the package and the state together; the
objects the steps hand each other are in `model`. `state` reads and writes the committed
build state (`decks/<name>.state.json`) and the machine's own record of answers; `compare`
compares the rendered deck with them, giving new times and `changes` (what changed, as
data), which `report` words for the learner; `moves` finds renamed ids and moved cards;
`pacing` sets the interview plan's pace.
"""
