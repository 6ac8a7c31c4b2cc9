"""`prepdeck build`, and the build-and-report run that share and push start with."""

from __future__ import annotations

import click

from prepdeck.commands.common import (
    announce_reading,
    echo,
    progress,
    selection_from,
    selection_options,
    usage_errors,
)


@click.command()
@click.argument("deck_files", nargs=-1)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write the package here (one deck only; a name ending in .apkg).",
)
@click.option(
    "--out-dir",
    metavar="DIR",
    help="Folder for <key>.apkg files.  [default: the project's dist/]",
)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option(
    "--interview",
    metavar="YYYY-MM-DD",
    help="Pace the deck to this interview date (over the answers file's `interview:`).",
)
@click.option(
    "--resend",
    "resend",
    multiple=True,
    metavar="ID",
    help="Send this question again as newer, so a re-import replaces the note in Anki "
    "(repeatable).",
)
@selection_options
def build(deck_files, output, out_dir, dry_run, interview, resend, **select) -> None:
    """Build decks into Anki packages (.apkg) and report what changed.

    With no DECK_FILES, builds every deck in the project's decks/ folder (found from here
    upwards) into its dist/<key>.apkg. A filtered build (--topic, --tag, ...) writes its own
    file, dist/<key>__<selection>.apkg, for example
    dist/<key>__topic-customer-service__tag-behavioral.apkg.

    \b
    Examples:
      prepdeck build
      prepdeck build decks/resource-sharing-interview.yaml -o ~/Desktop/ill.apkg
      prepdeck build --topic "Customer service" --tag behavioral
      prepdeck build --dry-run
      prepdeck build --interview 2026-12-15
      prepdeck build --resend unhappy-user
    """
    build_and_report(deck_files, output, out_dir, dry_run, interview, resend, select)


def build_and_report(
    deck_files, output, out_dir, dry_run=False, interview=None, resend=(), select=None
):
    """What `prepdeck build` does: each deck built in turn, its report printed as soon as it
    is done. Returns the BuildResult of each deck built (share and push deliver them)."""
    from prepdeck.builds.pipeline import build_decks, check_interview
    from prepdeck.cards.select import choose
    from prepdeck.commands.output import built_lines
    from prepdeck.deckfile.load import load_decks
    from prepdeck.deckfile.named import deck_files as named_files
    from prepdeck.project import default_out_dir

    files = named_files(deck_files)
    interview = check_interview(interview) if interview else None
    if output is not None and len(files) > 1:
        raise click.UsageError(
            "-o/--output names one file, but several decks are being built; use --out-dir instead"
        )
    announce_reading(files)
    decks = load_decks(files)
    with usage_errors():
        chosen = choose(decks, selection_from(select))
    results = []
    for deck, result in build_decks(
        files,
        chosen,
        output=output,
        out_dir=out_dir if out_dir is not None else default_out_dir(),
        dry_run=dry_run,
        resend=resend,
        interview=interview,
        progress=progress,
    ):
        if result is None:
            echo(f"{deck.key}: skipped, no question matches the selection")
            continue
        for line in built_lines(result, dry_run):
            echo(line)
        results.append(result)
    return results
