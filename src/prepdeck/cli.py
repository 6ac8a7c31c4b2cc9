"""The `prepdeck` command: parse options, call the library, print results and errors.

Heavy modules (genanki, markdown-it, the loader) are imported inside commands, so `--help`
and completion stay instant.
"""

from __future__ import annotations

import contextlib
import os
import sys

import click

from prepdeck import __version__
from prepdeck.commands.output import visible
from prepdeck.errors import DeckFileError, PrepdeckError


def _echo(text: str = "", err: bool = False) -> None:
    """Print one line; control characters from deck files are shown, never run."""
    click.echo(visible(text), err=err)


# Commands that exchange decks with other tools: imported only when asked for.
_LAZY = {
    "import": ("prepdeck.commands.exchange", "import_"),
    "pull": ("prepdeck.commands.exchange", "pull"),
    "diff": ("prepdeck.commands.history", "diff"),
    "share": ("prepdeck.commands.deliver", "share"),
    "push": ("prepdeck.commands.deliver", "push"),
}


class _Group(click.Group):
    """Turns every PrepdeckError into one message on stderr and its exit code, no traceback.

    Commands that exchange decks with other tools live in prepdeck/commands/ and are imported
    only when asked for, so the everyday ones start as fast as before."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY])

    def get_command(self, ctx: click.Context, name: str):
        if name in _LAZY:
            import importlib

            module, attr = _LAZY[name]
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def main(self, *args, **kwargs):
        # A console that cannot show a deck's script (cp1252, LANG=C) gets replacement
        # characters, not a UnicodeEncodeError.
        if sys.stdout is None:  # started with stdout closed (prepdeck list >&-)
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (for the life of the process)
        for stream in (sys.stdout, sys.stderr):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None and getattr(stream, "errors", "") == "strict":
                reconfigure(errors="replace")
        try:
            return super().main(*args, **kwargs)
        except OSError as err:  # the output itself broke: a full disk, a closed pipe
            _quiet_stdout()
            with contextlib.suppress(OSError):
                sys.stderr.write(f"prepdeck: cannot write the output: {err.strerror or err}\n")
            sys.exit(1)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DeckFileError as err:
            for problem in err.problems:
                _echo(str(problem), err=True)
            n = len(err.problems)
            from prepdeck.deckfile.reader import MAX_PROBLEMS

            count = (
                f"more than {MAX_PROBLEMS:,} problems"
                if n > MAX_PROBLEMS
                else (f"{n} problem{'s' if n != 1 else ''}")
            )
            # Only a command that writes files can say it wrote none: check, list, topics and
            # diff never write.
            writes = ctx.invoked_subcommand in {"build", "new", "import", "pull", "preview"}
            tail = " (nothing was written)" if writes else ""
            _echo(f"prepdeck: {count} found; fix and run again{tail}.", err=True)
            ctx.exit(1)
        except PrepdeckError as err:
            _echo(f"prepdeck: {err}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            from prepdeck.atomic import COMMITTED

            written = list(dict.fromkeys(str(p) for p in COMMITTED))
            if written:
                message = (
                    f"interrupted; written in full: {', '.join(written)}; nothing else changed."
                )
            else:
                message = "interrupted; no output was changed."
            _echo(f"prepdeck: {message}", err=True)
            ctx.exit(130)


def _quiet_stdout() -> None:
    """Point stdout at nothing, so that the final flush at exit cannot fail again."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):
        pass


def _deck_files(paths: tuple[str, ...], problems: list | None = None) -> list[str]:
    """The deck files named, or every deck in the project's decks/ folder when none are.

    A name that is no deck file is a problem: added to `problems` when given (so that the
    other files' problems are shown with it, as a pre-commit hook needs), else raised."""
    from prepdeck.commands.output import one_line
    from prepdeck.deckfile.load import deck_paths
    from prepdeck.errors import Problem
    from prepdeck.project import decks_dir

    if paths:
        out: list[str] = []
        for p in paths:
            if os.path.isdir(p) and deck_paths(p):
                out.extend(deck_paths(p))
                continue
            if os.path.isdir(p):
                message = "is a folder with no deck files (*.yaml) in it"
            elif not p.lower().endswith((".yaml", ".yml")):
                message = "deck files end in .yaml or .yml; name a deck file"
            else:
                out.append(p)
                continue
            problem = Problem(one_line(p), 0, 0, message)  # a name can hold a line break
            if problems is None:
                raise PrepdeckError(str(problem))
            problems.append(problem)
        return out
    folder = decks_dir()
    found = deck_paths(folder) if folder else []
    if not found:
        where = f"{folder}/" if folder else "decks/ (here or in a folder above)"
        raise PrepdeckError(
            f"no deck files in {where}; name one, or start one with: "
            "prepdeck new decks/my-deck.yaml"
        )
    return found


def _load(paths: tuple[str, ...]):
    from prepdeck.deckfile.load import load_decks

    named: list = []
    files = _deck_files(paths, named)
    try:
        decks = load_decks(files)
    except DeckFileError as err:
        raise DeckFileError([*named, *err.problems]) from None
    if named:
        raise DeckFileError(named)
    return files, decks


def _complete_values(kind: str):
    """Shell completion for --topic/--tag from the decks named so far (or ./decks).

    Offers slugs (no spaces, nothing a shell would need quoted) in any script; what was typed
    so far matches the start of a slug or of a name, in any case and with or without accents.
    """

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str):
        from click.shell_completion import CompletionItem

        from prepdeck.deckfile.slugs import bare, fold, slugify, words

        try:
            _, decks = _load(tuple(ctx.params.get("deck_files") or ()))
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


def _format_options(third: str):
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


def _selection(topics=(), tags=(), exclude_topics=(), exclude_tags=(), ids=()):
    from prepdeck.cards.select import Selection

    return Selection(
        tuple(topics), tuple(tags), tuple(exclude_topics), tuple(exclude_tags), tuple(ids)
    )


def _validate(selection, decks) -> None:
    from prepdeck.errors import SelectionError

    try:
        selection.validate(decks)
    except SelectionError as err:
        if err.exit_code == 2:
            raise click.UsageError(visible(str(err))) from None
        raise


def _with_matches(decks, selection) -> list[bool]:
    """Which decks the selection picks questions from; an error when it picks none at all."""
    matching = [any(map(selection.matches, d.questions)) for d in decks]
    if not any(matching):
        raise PrepdeckError(
            f"no question matches the selection ({selection.describe()}); nothing was written"
        )
    return matching


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # Click's version_option looks up gettext catalogues at import: a few ms on every run.
    if value and not ctx.resilient_parsing:
        _echo(f"prepdeck, version {__version__}")
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
@_selection_options
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
    build_decks(deck_files, output, out_dir, dry_run, interview, resend, select)


def build_decks(deck_files, output, out_dir, dry_run=False, interview=None, resend=(), select=None):
    """What `prepdeck build` does, printing its report; shared by the commands that build
    before they deliver (share, push). Returns the BuildResult of each deck built."""
    from prepdeck.builds.pipeline import build_deck, check_interview, check_resend
    from prepdeck.commands.output import plural, size
    from prepdeck.deckfile.load import load_decks
    from prepdeck.project import default_out_dir

    files = _deck_files(deck_files)
    interview = check_interview(interview) if interview else None
    if output is not None and len(files) > 1:
        raise click.UsageError(
            "-o/--output names one file, but several decks are being built; use --out-dir instead"
        )
    _announce_reading(files)
    decks = load_decks(files)
    selection = _selection(**(select or {}))
    _validate(selection, decks)
    matching = _with_matches(decks, selection)
    check_resend(resend, decks, selection)
    out_dir = out_dir if out_dir is not None else default_out_dir()
    results = []
    for path, deck, has_match in zip(files, decks, matching, strict=True):
        if not has_match:
            _echo(f"{deck.key}: skipped, no question matches the selection")
            continue
        result = build_deck(
            path,
            deck=deck,
            selection=selection,
            output=output,
            out_dir=out_dir,
            dry_run=dry_run,
            resend=[qid for qid in resend if any(q.id == qid for q in deck.questions)],
            interview=interview,
            progress=_progress(deck),
        )
        verb = "would write" if dry_run else "->"
        _echo(
            f"{deck.key}: {plural(result.notes, 'note')}, {plural(result.topics, 'topic')} "
            f"{verb} {result.output} ({size(result.size)})"
        )
        for line in result.report.lines():
            _echo(f"  {line}")
        if result.state_written:
            _echo(f"  build state saved to {result.state_path}; commit it with the deck.")
        results.append(result)
    return results


def _announce_reading(files: list[str]) -> None:
    """Large files take seconds to read: say so on a terminal, so it does not look stuck."""
    if not sys.stderr.isatty():
        return
    from prepdeck.commands.output import size

    for path in files:
        length = os.path.getsize(path) if os.path.isfile(path) else 0
        if length > 2 * 1024 * 1024:
            _echo(f"reading {path} ({size(length)})…", err=True)


def _progress(deck):
    """Progress on stderr for large decks, and only when stderr is a terminal."""
    if len(deck.questions) < 2000 or not sys.stderr.isatty():
        return None
    return lambda step: _echo(f"{deck.key}: {step} {len(deck.questions):,} questions…", err=True)


@cli.command()
@click.argument("deck_files", nargs=-1)
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@_format_options("github: GitHub Actions annotations on the deck's lines")
def check(deck_files, strict, format_, as_json) -> None:
    """Validate decks without building; warn about cards that are hard to study.

    Exit 1 on errors (or on warnings with --strict), 0 otherwise.

    \b
    Examples:
      prepdeck check decks/resource-sharing-interview.yaml
      prepdeck check --strict --format github    # in a GitHub Actions workflow
    """
    from prepdeck.commands.output import github_annotation, json_text, plural
    from prepdeck.deckfile.lint import lint_deck
    from prepdeck.deckfile.load import load_decks, sibling_problems

    as_json = as_json or format_ == "json"
    named: list = []
    files = _deck_files(deck_files, named)
    try:
        decks = load_decks(files)
        for path, deck in zip(files, decks, strict=True):
            sibling_problems(path, deck)
        problems = []
    except DeckFileError as err:
        decks, problems = [], err.problems
    problems = sorted([*named, *problems])
    if problems and format_ == "text" and not as_json:
        raise DeckFileError(problems)
    warnings = [w for d in decks for w in lint_deck(d)]
    if as_json:
        _echo(
            json_text(
                {
                    "ok": not problems and not (strict and warnings),
                    "errors": [
                        {"path": p.path, "line": p.line, "column": p.column, "message": p.message}
                        for p in problems
                    ],
                    "warnings": [
                        {"path": w.path, "line": w.line, "message": w.message} for w in warnings
                    ],
                }
            )
        )
    else:
        if format_ == "github":  # workflow commands go to stdout, where the runner reads them
            for p in problems:
                click.echo(github_annotation("error", p.message, p.path, p.line, p.column))
            for w in warnings:
                click.echo(
                    github_annotation("error" if strict else "warning", w.message, w.path, w.line)
                )
            if problems:
                _echo(f"prepdeck: {plural(len(problems), 'problem')} found.", err=True)
        else:
            for w in warnings:
                _echo(str(w), err=True)
        for d in decks:
            mine = [w for w in warnings if w.path == d.source]
            counts = f"{plural(len(d.questions), 'question')}, {plural(len(d.topics), 'topic')}"
            if strict and mine:
                _echo(f"{d.source}: {counts}: {plural(len(mine), 'warning')} (--strict: fails)")
            elif mine:
                _echo(f"{d.source}: {counts}: ok, {plural(len(mine), 'warning')}")
            else:
                _echo(f"{d.source}: {counts}: ok")
    if problems or (strict and warnings):
        sys.exit(1)


@cli.command(name="list")
@click.argument("deck_files", nargs=-1)
@_selection_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_(deck_files, as_json, **select) -> None:
    """List questions: id, topic and question, one per line (with the deck, for several).

    \b
    Example:
      prepdeck list --topic customer-service
    """
    from prepdeck.commands.output import clip, json_text, one_line, table

    _, decks = _load(deck_files)
    selection = _selection(**select)
    _validate(selection, decks)
    rows = [(d, q) for d in decks for q in d.questions if selection.matches(q)]
    if as_json:
        _echo(
            json_text(
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
                ]
            )
        )
        return
    if not rows:
        raise PrepdeckError("no question matches the selection")
    several = len(decks) > 1
    header = (*(("DECK",) if several else ()), "ID", "TOPIC", "QUESTION")
    cells = [
        (*((d.key,) if several else ()), q.id, one_line(q.topic), one_line(q.question))
        for d, q in rows
    ]
    widths = (*((0,) if several else ()), 0, 30, 0)
    lines = table(header, cells, widths)
    columns = click.get_terminal_size()[0] if sys.stdout.isatty() else 0
    for line in lines:
        _echo(clip(line, max(20, columns)) if columns else line)


@cli.command()
@click.argument("deck_files", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def topics(deck_files, as_json) -> None:
    """Each topic with its number of questions (per deck, for several).

    \b
    Example:
      prepdeck topics
    """
    from collections import Counter

    from prepdeck.commands.output import table
    from prepdeck.deckfile.slugs import slugify

    _, decks = _load(deck_files)
    counts: Counter[tuple[str, str]] = Counter((d.key, q.topic) for d in decks for q in d.questions)
    order = list(dict.fromkeys((d.key, q.topic) for d in decks for q in d.questions))
    if as_json:
        from prepdeck.commands.output import json_text

        _echo(
            json_text(
                [
                    {"deck": k, "topic": t, "slug": slugify(t), "questions": counts[k, t]}
                    for k, t in order
                ]
            )
        )
        return
    several = len(decks) > 1
    rows = [(*((k,) if several else ()), t, f"{counts[k, t]:>3}") for k, t in order]
    header = (*(("",) if several else ()), "", "")
    for line in table(header, rows, (0,) * len(header))[1:]:
        _echo(line)


@cli.command()
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
    _echo(f"wrote {file} (deck key '{key}'); edit it, then run: prepdeck build {shlex.quote(file)}")


@cli.command()
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
@_selection_options
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
    from prepdeck.cards.preview import preview_decks, save_page
    from prepdeck.project import default_out_dir

    interview = check_interview(interview) if interview else None
    _, decks = _load(deck_files)
    selection = _selection(**select)
    _validate(selection, decks)
    matching = _with_matches(decks, selection)
    chosen = [d for d, has_match in zip(decks, matching, strict=True) if has_match]
    target = Path(output) if output else Path(default_out_dir()) / "preview.html"
    designs = [personal_design(d, interview)[0] for d in chosen]
    save_page(target, preview_decks(chosen, selection, designs))
    count = sum(1 for d in chosen for q in d.questions if selection.matches(q))
    _echo(f"preview of {count} card{'s' if count != 1 else ''} -> {target}")
    if open_:
        import webbrowser

        # webbrowser says whether it found a browser to start (click.launch does not): on a
        # machine without one (a server, a container), say where the page is instead.
        if not webbrowser.open(target.resolve().as_uri()):
            _echo(
                f"prepdeck: no web browser found to open it; open this file in one: "
                f"{target.resolve()}",
                err=True,
            )
