"""The `prepdeck` command: parse options, call the library, print results and errors.

Heavy modules (genanki, markdown-it, the loader) are imported inside commands, so `--help`
and completion stay instant.
"""

from __future__ import annotations

import os
import sys

import click

from prepdeck import __version__
from prepdeck.errors import DeckFileError, PrepdeckError

DECKS_DIR = "decks"


class _Group(click.Group):
    """Turns every PrepdeckError into one message on stderr and its exit code, no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DeckFileError as err:
            for problem in err.problems:
                click.echo(str(problem), err=True)
            n = len(err.problems)
            click.echo(
                f"prepdeck: {n} problem{'s' if n != 1 else ''} found; fix and run again "
                "(nothing was written).",
                err=True,
            )
            ctx.exit(1)
        except PrepdeckError as err:
            click.echo(f"prepdeck: {err}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("prepdeck: interrupted; no output was changed.", err=True)
            ctx.exit(130)


def _deck_files(paths: tuple[str, ...]) -> list[str]:
    """The deck files named, or every deck in ./decks when none are."""
    from prepdeck.load import deck_paths

    if paths:
        out: list[str] = []
        for p in paths:
            out.extend(deck_paths(p) if os.path.isdir(p) else [p])
        return out
    found = deck_paths(DECKS_DIR) if os.path.isdir(DECKS_DIR) else []
    if not found:
        raise PrepdeckError(
            f"no deck files in {DECKS_DIR}/; name one, or start one with: "
            "prepdeck new decks/my-deck.yaml"
        )
    return found


def _load(paths: tuple[str, ...]):
    from prepdeck.load import load_decks

    files = _deck_files(paths)
    return files, load_decks(files)


def _complete_values(kind: str):
    """Shell completion for --topic/--tag from the decks named so far (or ./decks)."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str):
        from click.shell_completion import CompletionItem

        try:
            _, decks = _load(tuple(ctx.params.get("deck_files") or ()))
        except Exception:  # completion must never print a traceback into the shell
            return []
        if kind == "topic":
            values = {t for d in decks for t in d.topics}
        else:
            values = {t for d in decks for q in d.questions for t in q.tags}
        from prepdeck.load import slugify

        out = sorted({slugify(v) or v for v in values})
        return [CompletionItem(v) for v in out if v.startswith(incomplete.lower())]

    return complete


# The options that choose questions, shared by build, list and preview:
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


def _selection_options(f):
    """Add the --topic/--tag/--exclude-topic/--exclude-tag/--id options to a command."""
    for flag, name, metavar, kind, text in reversed(_SELECTORS):
        complete = _complete_values(kind) if kind else None
        f = click.option(
            flag, name, multiple=True, metavar=metavar, shell_complete=complete, help=text
        )(f)
    return f


def _selection(topics=(), tags=(), exclude_topics=(), exclude_tags=(), ids=()):
    from prepdeck.select import Selection

    return Selection(
        tuple(topics), tuple(tags), tuple(exclude_topics), tuple(exclude_tags), tuple(ids)
    )


def _validate(selection, decks) -> None:
    from prepdeck.errors import SelectionError

    try:
        selection.validate(decks)
    except SelectionError as err:
        if err.exit_code == 2:
            raise click.UsageError(str(err)) from None
        raise


def _with_matches(decks, selection) -> list[bool]:
    """Which decks the selection picks questions from; an error when it picks none at all."""
    matching = [any(map(selection.matches, d.questions)) for d in decks]
    if not any(matching):
        raise PrepdeckError(
            f"no question matches the selection ({selection.describe()}); nothing was written"
        )
    return matching


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # Click's version_option looks up gettext catalogues at import: a few ms on every run.
    if value and not ctx.resilient_parsing:
        click.echo(f"prepdeck, version {__version__}")
        ctx.exit()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
def cli() -> None:
    """Turn interview questions written in YAML into Anki decks.

    Rebuilding after an edit keeps every review: only notes you changed are updated in Anki.

    \b
    Start:  prepdeck build              (every decks/*.yaml into dist/)
            prepdeck check              (validate without building)
    """


@cli.command()
@click.argument("deck_files", nargs=-1)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write the package here (one deck only).",
)
@click.option(
    "--out-dir",
    default="dist",
    metavar="DIR",
    show_default=True,
    help="Folder for <key>.apkg files.",
)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@_selection_options
def build(deck_files, output, out_dir, dry_run, **select) -> None:
    """Build decks into Anki packages (.apkg) and report what changed.

    With no DECK_FILES, builds every decks/*.yaml into dist/<key>.apkg. A filtered build
    (--topic, --tag, ...) writes its own file, dist/<key>--<selection>.apkg.

    \b
    Examples:
      prepdeck build
      prepdeck build decks/resource-sharing-interview.yaml -o ~/Desktop/ill.apkg
      prepdeck build --topic "Customer service" --tag teamwork
      prepdeck build --dry-run
    """
    from prepdeck.build import build_deck
    from prepdeck.load import load_decks

    files = _deck_files(deck_files)
    if output is not None and len(files) > 1:
        raise click.UsageError(
            "-o/--output names one file, but several decks are being built; use --out-dir instead"
        )
    _announce_reading(files)
    decks = load_decks(files)
    selection = _selection(**select)
    _validate(selection, decks)
    matching = _with_matches(decks, selection)
    for path, deck, has_match in zip(files, decks, matching, strict=True):
        if not has_match:
            click.echo(f"{deck.key}: skipped, no question matches the selection")
            continue
        result = build_deck(
            path,
            deck=deck,
            selection=selection,
            output=output,
            out_dir=out_dir,
            dry_run=dry_run,
            progress=_progress(deck),
        )
        verb = "would write" if dry_run else "->"
        click.echo(
            f"{deck.key}: {result.notes} notes, {result.topics} topics {verb} "
            f"{result.output} ({_size(result.size)})"
        )
        for line in result.report.lines():
            click.echo(f"  {line}")
        if result.state_written:
            click.echo(f"  build state saved to {result.state_path}; commit it with the deck.")


def _announce_reading(files: list[str]) -> None:
    """Large files take seconds to read: say so on a terminal, so it does not look stuck."""
    if not sys.stderr.isatty():
        return
    for path in files:
        size = os.path.getsize(path) if os.path.isfile(path) else 0
        if size > 2 * 1024 * 1024:
            click.echo(f"reading {path} ({_size(size)})…", err=True)


def _progress(deck):
    """Progress on stderr for large decks, and only when stderr is a terminal."""
    if len(deck.questions) < 2000 or not sys.stderr.isatty():
        return None
    return lambda step: click.echo(
        f"{deck.key}: {step} {len(deck.questions):,} questions…", err=True
    )


@cli.command()
@click.argument("deck_files", nargs=-1)
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def check(deck_files, strict, as_json) -> None:
    """Validate decks without building; warn about cards that are hard to study.

    Exit 1 on errors (or on warnings with --strict), 0 otherwise.

    \b
    Example:
      prepdeck check decks/resource-sharing-interview.yaml
    """
    import json

    from prepdeck.lint import lint_deck
    from prepdeck.load import load_decks

    files = _deck_files(deck_files)
    try:
        decks = load_decks(files)
        problems = []
    except DeckFileError as err:
        if not as_json:
            raise
        decks, problems = [], err.problems
    warnings = [w for d in decks for w in lint_deck(d)]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": not problems and not (strict and warnings),
                    "errors": [
                        {"path": p.path, "line": p.line, "column": p.column, "message": p.message}
                        for p in problems
                    ],
                    "warnings": [
                        {"path": w.path, "line": w.line, "message": w.message} for w in warnings
                    ],
                },
                indent=2,
            )
        )
    else:
        for w in warnings:
            click.echo(str(w), err=True)
        for d in decks:
            click.echo(f"{d.source}: {len(d.questions)} questions, {len(d.topics)} topics: ok")
    if problems or (strict and warnings):
        sys.exit(1)


@cli.command(name="list")
@click.argument("deck_files", nargs=-1)
@_selection_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_(deck_files, as_json, **select) -> None:
    """List questions: id, topic and question, one per line.

    \b
    Example:
      prepdeck list --topic customer-service
    """
    import json

    _, decks = _load(deck_files)
    selection = _selection(**select)
    _validate(selection, decks)
    rows = [(d, q) for d in decks for q in d.questions if selection.matches(q)]
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "deck": d.key,
                        "id": q.id,
                        "topic": q.topic,
                        "question": q.question,
                        "tags": list(q.tags),
                        "tips": len(q.tips),
                        "retired": q.retired,
                    }
                    for d, q in rows
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not rows:
        raise PrepdeckError("no question matches the selection")
    id_w = max(len("ID"), *(len(q.id) for _, q in rows))
    topic_w = min(30, max(len("TOPIC"), *(len(q.topic) for _, q in rows)))
    width = click.get_terminal_size()[0] if sys.stdout.isatty() else 0
    click.echo(f"{'ID':<{id_w}}  {'TOPIC':<{topic_w}}  QUESTION")
    for _, q in rows:
        text = q.question
        if width:
            room = max(20, width - id_w - topic_w - 4)
            text = text if len(text) <= room else text[: room - 1] + "…"
        topic = q.topic if len(q.topic) <= topic_w else q.topic[: topic_w - 1] + "…"
        click.echo(f"{q.id:<{id_w}}  {topic:<{topic_w}}  {text}")


@cli.command()
@click.argument("deck_files", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def topics(deck_files, as_json) -> None:
    """Each topic with its number of questions.

    \b
    Example:
      prepdeck topics
    """
    from collections import Counter

    from prepdeck.load import slugify

    _, decks = _load(deck_files)
    counts: Counter[str] = Counter(q.topic for d in decks for q in d.questions)
    order = list(dict.fromkeys(q.topic for d in decks for q in d.questions))
    if as_json:
        import json

        click.echo(
            json.dumps(
                [{"topic": t, "slug": slugify(t), "questions": counts[t]} for t in order],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    width = max(len(t) for t in order)
    for t in order:
        click.echo(f"{t:<{width}}  {counts[t]:>3}")


@cli.command()
@click.argument("file")
def new(file) -> None:
    """Write a commented starter deck to FILE, with a fresh key.

    \b
    Example:
      prepdeck new decks/data-analyst.yaml
    """
    from pathlib import Path

    from prepdeck.starter import write_starter

    key = write_starter(Path(file))
    click.echo(f"wrote {file} (deck key '{key}'); edit it, then run: prepdeck build {file}")


@cli.command()
@click.argument("deck_files", nargs=-1)
@click.option(
    "-o",
    "--output",
    default="dist/preview.html",
    show_default=True,
    metavar="FILE",
    help="Where to write the HTML page.",
)
@click.option("--open", "open_", is_flag=True, help="Open the page in your browser.")
@_selection_options
def preview(deck_files, output, open_, **select) -> None:
    """Write one offline HTML page showing every card, front and back, at phone width in
    light and night mode, as Anki will show it.

    \b
    Examples:
      prepdeck preview --open
      prepdeck preview --topic customer-service -o ~/cards.html
    """
    from pathlib import Path

    from prepdeck.atomic import write_atomically
    from prepdeck.preview import preview_decks

    output = Path(output)
    _, decks = _load(deck_files)
    selection = _selection(**select)
    _validate(selection, decks)
    matching = _with_matches(decks, selection)
    chosen = [d for d, has_match in zip(decks, matching, strict=True) if has_match]
    page = preview_decks(chosen, selection)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise PrepdeckError(f"{output.parent}: cannot create this folder: {err.strerror}") from None
    write_atomically(output, page.encode("utf-8"))
    count = sum(1 for d in chosen for q in d.questions if selection.matches(q))
    click.echo(f"preview of {count} cards -> {output}")
    if open_:
        click.launch(str(output))


@cli.command(name="import")
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
        click.echo(line, err=True)
    if output and not dry_run:
        write_new(Path(output), result.text)
        click.echo(f"wrote {output}; check it, then run: prepdeck build {output}")
    else:
        click.echo(result.text, nl=False)
