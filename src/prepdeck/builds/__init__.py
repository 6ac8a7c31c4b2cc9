"""Stage 3, the build: compare with the last build, then write the package and the state.

`state` reads and writes the committed build state (`decks/<name>.state.json`) and the
machine's own record of answers; `changes` compares the rendered deck with that state and
says what Anki will do on import; `pipeline` runs the stages for one deck and writes the
package and the state together.
"""
