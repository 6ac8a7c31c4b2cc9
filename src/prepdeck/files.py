"""Read input files safely: only regular files, never past a size limit, never blocking.

Deck, answers and state files may come from anyone. A FIFO would hang a plain open(), and
/dev/zero or /dev/urandom would be read until memory runs out.
"""

from __future__ import annotations

import os
import stat


class NotAFileError(OSError):
    """The path exists but is not a regular file (a folder, FIFO, device or socket)."""


class TooLargeError(OSError):
    """The file is larger than the limit for its kind."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"{size} bytes, over the limit of {limit}")
        self.size = size
        self.limit = limit


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bounded(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Raises FileNotFoundError, NotAFileError (strerror says what it is instead),
    TooLargeError, or another OSError.
    """
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise TooLargeError(size, limit)
        chunks, total = [], 0
        while chunk := f.read(min(1 << 20, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # the file grew while being read
                raise TooLargeError(total, limit)
        return b"".join(chunks)


def prepare_output(path) -> None:
    """Refuse an output path that is a folder, pipe or device; create the folder it goes in.

    Raises OutputError with a message for the user."""
    from prepdeck.errors import OutputError

    kind = not_a_file(path)
    if kind:
        raise OutputError(f"{path}: is {kind}, not a file; choose another name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(
            f"{path.parent}: cannot create this folder: {err.strerror or err}"
        ) from None


def not_a_file(path: str | os.PathLike) -> str | None:
    """What stands at `path` if it is neither a regular file nor absent ("a folder", …)."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as err:
        return f"unreadable ({err.strerror or err})"
    return None if stat.S_ISREG(mode) else _kind(mode)


def open_regular(path: str | os.PathLike):
    """A regular file, opened for reading in binary; never blocks on a FIFO.

    Raises FileNotFoundError, NotAFileError (strerror says what it is instead), or another
    OSError."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise NotAFileError(0, "is a folder, not a file") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotAFileError(0, f"is {_kind(mode)}, not a file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
