"""`prepdeck diff`: what a release changes for learners, between two git revisions."""

from __future__ import annotations

import click

from prepdeck.commands.common import echo, format_options


class _DiffCommand(click.Command):
    """Deck files come after `--`, revisions before it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            at = args.index("--")
            ctx.meta["prepdeck.diff_files"] = tuple(args[at + 1 :])
            args = args[:at]
        return super().parse_args(ctx, args)


@click.command(cls=_DiffCommand)
@click.argument("revisions", nargs=-1, metavar="[REV_A] [REV_B] [-- DECK_FILES]...")
@format_options("markdown: release notes grouped by topic")
@click.pass_context
def diff(ctx, revisions, format_, as_json) -> None:
    """What a learner who imported the decks at REV_A sees on importing REV_B.

    REV_A defaults to the last commit (HEAD), REV_B to the working tree. Notes added,
    updated (with a diff of each question's YAML), unchanged, removed; renamed ids, a renamed
    deck or key, card design and note type changes, each with what to do in Anki.

    \b
    Examples:
      prepdeck diff                       # uncommitted edits
      prepdeck diff v1.0 HEAD --format markdown > release-notes.md
      prepdeck diff v1.0 -- decks/resource-sharing-interview.yaml
    """
    from prepdeck.commands.output import json_text
    from prepdeck.exchange.diff import diff_revisions
    from prepdeck.exchange.diff_report import as_json as diff_json
    from prepdeck.exchange.diff_report import markdown, text_lines

    if len(revisions) > 2:
        raise click.UsageError("give at most two revisions; deck files go after '--'")
    files = ctx.meta.get("prepdeck.diff_files", ())
    a = revisions[0] if revisions else "HEAD"
    b = revisions[1] if len(revisions) > 1 else None
    result = diff_revisions(a, b, files)
    if as_json or format_ == "json":
        echo(json_text(diff_json(result)))
    elif format_ == "markdown":
        echo(markdown(result).rstrip("\n"))
    else:
        for line in text_lines(result):
            echo(line)
    for line in result.skipped:
        echo(f"prepdeck: {line}", err=True)
    for line in result.problems:
        echo(line, err=True)
    if result.problems:
        n = len(result.problems)
        echo(
            f"prepdeck: {n} problem{'s' if n != 1 else ''} found; the deck files they name are "
            "left out of the comparison.",
            err=True,
        )
        ctx.exit(1)
