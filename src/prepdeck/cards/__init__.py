"""Stage 2, the cards: what goes on a card and into the package.

`select` picks the questions (topics, tags, ids); `render` turns a question into field HTML,
with `media` placing pictures and recordings; `notetype` holds the note type and its
templates; `plan` paces new cards to the interview; `package` writes the `.apkg`; `preview`
draws the same cards as one offline page.
"""
