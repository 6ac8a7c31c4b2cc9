"""Read an SQLite database that came from someone else, at a bounded cost.

A database file carries its own schema, and a schema can hold code: a view, a generated
column or a column default is SQL that runs when a row is read. So the file is opened
read-only and immutable, with SQLite's untrusted-schema defense on; every table read must be
a plain table whose columns are stored values; no single value may be larger than a limit
(SQLite refuses it before allocating it, on Python 3.11+); and all work stops at a
wall-clock deadline, checked by SQLite's progress handler between virtual-machine steps and
by the caller between rows.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from prepdeck.errors import PrepdeckError

MAX_VALUE_BYTES = 64 * 1024 * 1024  # any one string or blob SQLite hands over
MAX_SQL_CHARS = 1_000_000  # any one statement, the schema's CREATE statements included
_STEPS = 10_000  # virtual-machine steps between two looks at the clock
# The only defaults a column may declare: values, never expressions (which run on read).
_LITERAL = re.compile(
    r"(?:NULL|TRUE|FALSE|[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
    r"|'(?:[^']|'')*'|[xX]'[0-9a-fA-F]*')",
    re.IGNORECASE,
)


class DatabaseRefused(PrepdeckError):
    """The database cannot be read safely; the message says which table and why."""


class Deadline:
    """A wall-clock limit on a whole read, for SQLite's progress handler and Python loops."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def passed(self) -> bool:
        return time.monotonic() > self.end

    def check(self, what: str) -> None:
        if self.passed():
            raise DatabaseRefused(self.message(what))

    def message(self, what: str) -> str:
        return f"{what}: reading took longer than {self.seconds:g} s, the limit"


def open_untrusted(db_path: str | Path, deadline: Deadline) -> sqlite3.Connection:
    """A read-only connection to a database file nobody vouches for."""
    uri = Path(db_path).resolve().as_uri() + "?mode=ro&immutable=1"
    con = sqlite3.connect(uri, uri=True, isolation_level=None)
    # Invalid UTF-8 must not raise (CPython's error message would quote the whole value).
    con.text_factory = functools.partial(bytes.decode, encoding="utf-8", errors="replace")
    if hasattr(con, "setlimit"):  # Python 3.11+
        con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        con.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_CHARS)
    con.set_progress_handler(lambda: 1 if deadline.passed() else 0, _STEPS)
    for pragma in ("trusted_schema = OFF", "query_only = ON", "mmap_size = 0"):
        con.execute(f"PRAGMA {pragma}")
    return con


def tables(con: sqlite3.Connection, deadline: Deadline) -> dict[str, str]:
    """Each table's or view's name, lower-cased: "table", "view" or "virtual table"."""
    found = rows(
        con,
        "select name, type, sql from main.sqlite_master where type in ('table', 'view')",
        deadline=deadline,
        what="its schema",
        limit=10_000,
        noun="tables",
    )
    return {
        str(name).lower(): "virtual table"
        if str(sql).lstrip().upper().startswith("CREATE VIRTUAL")
        else str(kind)
        for name, kind, sql in found
    }


def columns(
    con: sqlite3.Connection, table: str, wanted: tuple[str, ...], deadline: Deadline
) -> set[str]:
    """Which of `wanted` the plain table has, each a stored value (refused otherwise)."""
    kind = tables(con, deadline).get(table.lower())
    if kind != "table":  # a view or a virtual table runs code of its own on every read
        raise DatabaseRefused(
            f"table {table}: {f'is a {kind}' if kind else 'missing'}, not a table"
        )
    found: set[str] = set()
    described = rows(
        con,
        f'pragma main.table_xinfo("{table}")',
        deadline=deadline,
        what=f"table {table}",
        limit=10_000,
        noun="columns",
    )
    for _cid, name, _type, _notnull, default, _pk, hidden in described:
        name = str(name).lower()
        if name not in wanted:
            continue
        if hidden:  # 2, 3: a generated column; 1: a virtual table's hidden column
            raise DatabaseRefused(f"table {table}: column {name} is computed, not stored")
        if default is not None and not _LITERAL.fullmatch(str(default)):
            raise DatabaseRefused(
                f"table {table}: column {name} has an expression as its default value"
            )
        found.add(name)
    return found


def rows(
    con: sqlite3.Connection,
    sql: str,
    args: tuple = (),
    *,
    deadline: Deadline,
    what: str,
    limit: int,
    noun: str = "rows",
) -> Iterator[tuple]:
    """The rows of a query, at most `limit` of them; every failure a DatabaseRefused."""
    count = 0
    try:
        for row in con.execute(sql, args):
            count += 1
            if count > limit:
                raise DatabaseRefused(f"{what}: holds more than {limit:,} {noun}, the limit")
            if not count % 1000:
                deadline.check(what)
            yield row
    except sqlite3.DataError as err:
        if "too big" in str(err):
            raise DatabaseRefused(
                f"{what}: holds a value larger than {MAX_VALUE_BYTES // 2**20} MiB, the limit"
                + (f" (after {count:,} {noun})" if count else "")
            ) from None
        raise DatabaseRefused(f"{what}: {_short(err)}") from None
    except sqlite3.DatabaseError as err:  # also OperationalError "interrupted"
        if deadline.passed():
            raise DatabaseRefused(deadline.message(what)) from None
        raise DatabaseRefused(f"{what}: damaged ({_short(err)})") from None
    except UnicodeDecodeError:  # CPython decodes SQLite's own messages, which quote the file
        raise DatabaseRefused(f"{what}: damaged (its schema is not UTF-8 text)") from None
    except (OverflowError, MemoryError) as err:
        raise DatabaseRefused(f"{what}: a value cannot be read ({_short(err)})") from None


def _short(err: BaseException) -> str:
    text = str(err)
    return text if len(text) <= 200 else text[:200] + "…"
