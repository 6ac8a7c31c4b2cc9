"""`prepdeck list` and `prepdeck topics`: what the decks hold, as a table or as JSON."""

from __future__ import annotations

import sys

import click

from prepdeck.commands.common import echo, selection_from, selection_options, usage_errors


@click.command(name="list")
@click.argument("deck_files", nargs=-1)
@selection_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_(deck_files, as_json, **select) -> None:
    """List questions: id, topic and question, one per line (with the deck, for several).

    \b
    Example:
      prepdeck list --topic customer-service
    """
    from prepdeck.cards.select import load_chosen
    from prepdeck.commands.output import json_text, questions_json, questions_table
    from prepdeck.errors import PrepdeckError

    with usage_errors():
        chosen = load_chosen(deck_files, selection_from(select))
    rows = chosen.questions()
    if as_json:
        echo(json_text(questions_json(rows)))
        return
    if not rows:
        raise PrepdeckError("no question matches the selection")
    columns = click.get_terminal_size()[0] if sys.stdout.isatty() else 0
    for line in questions_table(rows, several=len(chosen.decks) > 1, columns=columns):
        echo(line)


@click.command()
@click.argument("deck_files", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def topics(deck_files, as_json) -> None:
    """Each topic with its number of questions (per deck, for several).

    \b
    Example:
      prepdeck topics
    """
    from prepdeck.commands.output import json_text, topics_table
    from prepdeck.deckfile.named import topic_counts

    decks, counts = topic_counts(deck_files)
    if as_json:
        echo(json_text([c._asdict() for c in counts]))
        return
    for line in topics_table(counts, several=len(decks) > 1):
        echo(line)
