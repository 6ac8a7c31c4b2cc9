"""`prepdeck import` and `prepdeck pull`: questions in from other tools, and edits made in
Anki back to the YAML."""

from __future__ import annotations

import click

from prepdeck.commands.common import echo
from prepdeck.commands.output import one_line, visible


@click.command(name="import")
@click.argument("source")
@click.option("-o", "--output", metavar="FILE", help="Write the deck here (never over a file).")
@click.option("--topic", metavar="TOPIC", help="Topic for questions whose source gives none.")
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="HEADER=KEY",
    help="CSV/TSV: the column HEADER holds KEY (question, tips, topic, tags, example, notes, "
    "id, or - to leave out). Repeatable.",
)
@click.option(
    "--tip-separator", metavar="TEXT", help="CSV/TSV: split tips on TEXT, not on line breaks."
)
@click.option("--note-type", metavar="NAME", help="Anki: import only notes of this note type.")
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="FIELD=KEY",
    help="Anki: the note field FIELD holds KEY (as for --column). Repeatable.",
)
@click.option("--dry-run", is_flag=True, help="Print the deck and the summary; write nothing.")
def import_(source, output, topic, columns, tip_separator, note_type, fields, dry_run) -> None:
    """Make a new deck from a spreadsheet, an article or an Anki package.

    SOURCE is a .csv or .tsv file (a header row, one question per row), a .md or .txt
    article (numbered questions or headings, tips under them), or an Anki package (.apkg,
    .colpkg). Without -o, the deck is printed. A summary goes to stderr.

    \b
    Examples:
      prepdeck import questions.csv -o decks/data-analyst.yaml
      prepdeck import sheet.csv --column 'Points to make=tips' --tip-separator ';'
      prepdeck import article.md --topic Behavioural -o decks/behavioural.yaml
      prepdeck import shared.apkg --note-type 'Interview card' --field 'Prompt=question'
    """
    import shlex
    from pathlib import Path

    from prepdeck.sources.importer import import_source, summary, write_new

    result = import_source(
        source,
        output=output,
        topic=topic,
        columns=columns,
        tip_separator=tip_separator,
        note_type=note_type,
        fields=fields,
    )
    for line in summary(result, source):
        echo(one_line(line), err=True)  # a foreign name cannot print a line of its own
    if output and not dry_run:
        write_new(Path(output), result.text)
        echo(one_line(f"wrote {output}; check it, then run: prepdeck build {shlex.quote(output)}"))
    else:
        click.echo(visible(result.text), nl=False)


@click.command()
@click.argument("export")
@click.argument("deck_files", nargs=-1)
@click.option("--write", is_flag=True, help="Apply the edits to the deck files.")
@click.option(
    "--theirs", is_flag=True, help="Take Anki's version of questions edited in both places."
)
@click.option("--add-new", is_flag=True, help="Add notes made in Anki as new questions.")
def pull(export, deck_files, write, theirs, add_new) -> None:
    """Bring edits made in Anki back to the deck files.

    EXPORT is a package exported from Anki (.apkg or .colpkg, File > Export). Without
    --write, prints what differs, question by question, in YAML terms.

    \b
    Examples:
      prepdeck pull ~/Downloads/collection.colpkg
      prepdeck pull ~/Downloads/ill.apkg decks/resource-sharing-interview.yaml --write
    """
    from pathlib import Path

    from prepdeck.deckfile.named import deck_files as named_files
    from prepdeck.exchange.pull import pull as pull_edits
    from prepdeck.exchange.pull import report_lines

    for path in named_files(deck_files):
        result = pull_edits(Path(path), export, write=write, theirs=theirs, add_new=add_new)
        echo(f"{result.deck.key}:")
        for line in report_lines(result, theirs, write):
            echo(f"  {line}")
        for written in result.written:
            echo(f"  wrote {written}")
