"""`prepdeck preview`: every card on one offline HTML page, as Anki will show it."""

from __future__ import annotations

import click

from prepdeck.commands.common import echo, selection_from, selection_options, usage_errors


@click.command()
@click.argument("deck_files", nargs=-1)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Where to write the HTML page.  [default: the project's dist/preview.html]",
)
@click.option("--open", "open_", is_flag=True, help="Open the page in your browser.")
@click.option(
    "--interview",
    metavar="YYYY-MM-DD",
    help="Show the countdown to this interview date (over the answers file's).",
)
@selection_options
def preview(deck_files, output, open_, interview, **select) -> None:
    """Write one offline HTML page showing every card, front and back, at phone width in
    light and night mode, as Anki will show it.

    \b
    Examples:
      prepdeck preview --open
      prepdeck preview --topic customer-service -o ~/cards.html
    """
    from pathlib import Path

    from prepdeck.builds.pipeline import check_interview, personal_design
    from prepdeck.cards.preview import write_preview
    from prepdeck.cards.select import load_chosen
    from prepdeck.project import default_out_dir

    interview = check_interview(interview) if interview else None
    with usage_errors():
        chosen = load_chosen(deck_files, selection_from(select))
    decks = chosen.picked_decks()
    target = Path(output) if output else Path(default_out_dir()) / "preview.html"
    designs = [personal_design(d, interview)[0] for d in decks]
    count = write_preview(target, decks, chosen.selection, designs)
    echo(f"preview of {count} card{'s' if count != 1 else ''} -> {target}")
    if open_:
        import webbrowser

        # webbrowser says whether it found a browser to start (click.launch does not): on a
        # machine without one (a server, a container), say where the page is instead.
        if not webbrowser.open(target.resolve().as_uri()):
            echo(
                f"prepdeck: no web browser found to open it; open this file in one: "
                f"{target.resolve()}",
                err=True,
            )
