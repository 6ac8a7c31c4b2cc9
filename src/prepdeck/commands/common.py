"""What the commands share: printing, the options that choose questions or a format, the
shell completion of their values, and a word on stderr while a large deck is read."""

from __future__ import annotations

import contextlib
import os
import sys

import click

from prepdeck.commands.output import visible


def echo(text: str = "", err: bool = False) -> None:
    """Print one line; control characters from deck files are shown, never run."""
    click.echo(visible(text), err=err)


def _complete_values(kind: str):
    """Shell completion for --topic/--tag from the decks named so far (or ./decks).

    Offers slugs (no spaces, nothing a shell would need quoted) in any script; what was typed
    so far matches the start of a slug or of a name, in any case and with or without accents.
    """

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str):
        from click.shell_completion import CompletionItem

        from prepdeck.deckfile.named import load_named
        from prepdeck.deckfile.slugs import bare, fold, slugify, words

        try:
            _, decks = load_named(tuple(ctx.params.get("deck_files") or ()))
        except Exception:  # completion must never print a traceback into the shell
            return []
        if kind == "topic":
            names = {t: slugify(t) for d in decks for t in d.topics}
        else:
            names = {t: words(t) or t for d in decks for q in d.questions for t in q.tags}
        typed = fold(incomplete)
        out = {
            value
            for name, value in names.items()
            if any(
                form(value).startswith(form(typed)) or form(fold(name)).startswith(form(typed))
                for form in (str, bare)
            )
        }
        return [CompletionItem(v) for v in sorted(out)]

    return complete


# The options that choose questions, shared by build, list, preview, share and push:
# (flag, parameter, metavar, what shell completion offers, help)
_SELECTORS = (
    (
        "--topic",
        "topics",
        "TOPIC",
        "topic",
        "Only questions of this topic (name or slug; repeatable, OR).",
    ),
    ("--tag", "tags", "TAG", "tag", "Only questions with this tag (repeatable, OR)."),
    (
        "--exclude-topic",
        "exclude_topics",
        "TOPIC",
        "topic",
        "Leave out this topic (repeatable; applied last).",
    ),
    (
        "--exclude-tag",
        "exclude_tags",
        "TAG",
        "tag",
        "Leave out questions with this tag (repeatable; applied last).",
    ),
    ("--id", "ids", "ID", None, "Only the question with this id (repeatable, OR)."),
)


def selection_options(f):
    """Add the --topic/--tag/--exclude-topic/--exclude-tag/--id options to a command."""
    for flag, name, metavar, kind, text in reversed(_SELECTORS):
        complete = _complete_values(kind) if kind else None
        f = click.option(
            flag, name, multiple=True, metavar=metavar, shell_complete=complete, help=text
        )(f)
    return f


def format_options(third: str):
    """--format text|json|<third> and --json (short for --format json), as on every command
    with a choice of output; `third` is 'name: what it is'."""
    name, _, what = third.partition(": ")

    def add(f):
        f = click.option("--json", "as_json", is_flag=True, help="Short for --format json.")(f)
        return click.option(
            "--format",
            "format_",
            type=click.Choice(["text", "json", name]),
            default="text",
            help=f"text (default), json, or {name}: {what}.",
        )(f)

    return add


def selection_from(options: dict | None):
    """The Selection that the options of `selection_options` ask for."""
    from prepdeck.cards.select import Selection

    get = (options or {}).get
    return Selection(
        *(
            tuple(get(name, ()))
            for name in ("topics", "tags", "exclude_topics", "exclude_tags", "ids")
        )
    )


@contextlib.contextmanager
def usage_errors():
    """A selection naming a value no deck has is a usage error (exit 2, with the usage line)."""
    from prepdeck.errors import SelectionError

    try:
        yield
    except SelectionError as err:
        if err.exit_code == 2:
            raise click.UsageError(visible(str(err))) from None
        raise


def announce_reading(files: list[str]) -> None:
    """Large files take seconds to read: say so on a terminal, so it does not look stuck."""
    if not sys.stderr.isatty():
        return
    from prepdeck.commands.output import size

    for path in files:
        length = os.path.getsize(path) if os.path.isfile(path) else 0
        if length > 2 * 1024 * 1024:
            echo(f"reading {path} ({size(length)})…", err=True)


def progress(deck):
    """Progress on stderr for large decks, and only when stderr is a terminal."""
    if len(deck.questions) < 2000 or not sys.stderr.isatty():
        return None
    return lambda step: echo(f"{deck.key}: {step} {len(deck.questions):,} questions…", err=True)
