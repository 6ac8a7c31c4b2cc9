"""`prepdeck new`: a commented starter deck to begin from."""

from __future__ import annotations

import click

from prepdeck.commands.common import echo


@click.command()
@click.argument("file")
def new(file) -> None:
    """Write a commented starter deck to FILE, with a fresh key.

    \b
    Example:
      prepdeck new decks/data-analyst.yaml
    """
    import shlex
    from pathlib import Path

    from prepdeck.deckfile.starter import write_starter

    key = write_starter(Path(file))
    echo(f"wrote {file} (deck key '{key}'); edit it, then run: prepdeck build {shlex.quote(file)}")
