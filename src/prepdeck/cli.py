"""The `prepdeck` command: the root group, which finds each command in prepdeck/commands/
and turns the library's errors into one message and an exit code.

A command's module is imported only when the command is asked for (or listed by --help), and
the library only when the command runs, so `--help` and completion stay instant.
"""

from __future__ import annotations

import contextlib
import os
import sys

import click

from prepdeck import __version__
from prepdeck.commands.common import echo
from prepdeck.errors import DeckFileError, PrepdeckError

# Every command: its module in prepdeck/commands/ and its function there.
COMMANDS = {
    "build": ("build", "build"),
    "check": ("check", "check"),
    "list": ("listing", "list_"),
    "topics": ("listing", "topics"),
    "new": ("new", "new"),
    "preview": ("preview", "preview"),
    "import": ("exchange", "import_"),
    "pull": ("exchange", "pull"),
    "diff": ("history", "diff"),
    "share": ("deliver", "share"),
    "push": ("deliver", "push"),
}
# Only a command that writes files can say it wrote none: check, list, topics and diff never
# write; share and push build packages first.
WRITES = {"build", "new", "import", "pull", "preview", "share", "push"}


class _Group(click.Group):
    """Turns every PrepdeckError into one message on stderr and its exit code, no traceback.

    Each command lives in prepdeck/commands/ and is imported only when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str):
        if name not in COMMANDS:
            return None
        import importlib

        module, attr = COMMANDS[name]
        return getattr(importlib.import_module(f"prepdeck.commands.{module}"), attr)

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
                echo(str(problem), err=True)
            n = len(err.problems)
            from prepdeck.deckfile.reader import MAX_PROBLEMS

            count = (
                f"more than {MAX_PROBLEMS:,} problems"
                if n > MAX_PROBLEMS
                else (f"{n} problem{'s' if n != 1 else ''}")
            )
            tail = " (nothing was written)" if ctx.invoked_subcommand in WRITES else ""
            echo(f"prepdeck: {count} found; fix and run again{tail}.", err=True)
            ctx.exit(1)
        except PrepdeckError as err:
            echo(f"prepdeck: {err}", err=True)
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
            echo(f"prepdeck: {message}", err=True)
            ctx.exit(130)


def _quiet_stdout() -> None:
    """Point stdout at nothing, so that the final flush at exit cannot fail again."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):
        pass


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # Click's version_option looks up gettext catalogues at import: a few ms on every run.
    if value and not ctx.resilient_parsing:
        echo(f"prepdeck, version {__version__}")
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
