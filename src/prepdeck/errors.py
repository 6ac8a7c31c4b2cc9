"""Errors that reach the user as messages, never as tracebacks."""

from __future__ import annotations

from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong with an input file, at a line and column (1-based; 0 when unknown).

    A NamedTuple (immutable, sorts by path, line, column) rather than a dataclass: every
    command imports this module, and a tuple class costs a fraction of the start-up time."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column}: {self.message}"
        return f"{self.path}: {self.message}"


class PrepdeckError(Exception):
    """Base class: anything prepdeck reports to a user as a message and exit code 1."""

    exit_code = 1


class DeckFileError(PrepdeckError):
    """A deck file (or a learner's answers file) has one or more problems, sorted by line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class OutputError(PrepdeckError):
    """The package or the build state could not be written where asked."""


class SelectionError(PrepdeckError):
    """A selection of topics, tags or ids is unusable; exit_code 2 when it names unknown values."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code
