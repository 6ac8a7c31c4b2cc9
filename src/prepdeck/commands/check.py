"""`prepdeck check`: validate decks without building, and warn about cards hard to study."""

from __future__ import annotations

import sys

import click

from prepdeck.commands.common import echo, format_options


@click.command()
@click.argument("deck_files", nargs=-1)
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@format_options("github: GitHub Actions annotations on the deck's lines")
def check(deck_files, strict, format_, as_json) -> None:
    """Validate decks without building; warn about cards that are hard to study.

    Exit 1 on errors (or on warnings with --strict), 0 otherwise.

    \b
    Examples:
      prepdeck check decks/resource-sharing-interview.yaml
      prepdeck check --strict --format github    # in a GitHub Actions workflow
    """
    from prepdeck.commands.output import (
        check_annotations,
        check_json,
        check_summary,
        json_text,
        plural,
    )
    from prepdeck.deckfile.named import check_decks
    from prepdeck.errors import DeckFileError

    as_json = as_json or format_ == "json"
    checked = check_decks(deck_files)
    if as_json:
        echo(json_text(check_json(checked, strict)))
    elif format_ == "github":
        for line in check_annotations(checked, strict):
            click.echo(line)  # workflow commands go to stdout, where the runner reads them
        if checked.problems:
            echo(f"prepdeck: {plural(len(checked.problems), 'problem')} found.", err=True)
    elif checked.problems:
        raise DeckFileError(checked.problems)
    else:
        for w in checked.warnings:
            echo(str(w), err=True)
    if not as_json:
        for line in check_summary(checked, strict):
            echo(line)
    if not checked.ok(strict):
        sys.exit(1)
