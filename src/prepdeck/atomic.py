"""Replace files all at once: readers see the old files or the new ones, never a mix.

A build writes a package and its build state. They must change together: a new package
with an old state would make the next build re-send or hide edits. So every new file is
first written in full beside its target, then all are renamed into place with Ctrl-C held
back, and if one rename fails the ones before it are undone.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from prepdeck.errors import OutputError

# Every file put in place in this process, in order: what an interrupted command has changed
# (Ctrl-C can arrive just after the renames, before the caller hears they happened).
COMMITTED: list[Path] = []
_TEMP = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp\Z")


class InterruptedAfterWrite(KeyboardInterrupt):
    """Ctrl-C arrived while files were being put in place; they were all put in place."""

    def __init__(self, paths: Sequence[Path]):
        super().__init__()
        self.paths = list(paths)


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # cannot tell cheaply: leave it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_temps(path: Path) -> None:
    """Remove temporary files that a killed build left beside `path` (never a live one's)."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        m = _TEMP.match(name)
        same = m is not None and m["name"].split(".", 1)[0] == path.name.split(".", 1)[0]
        if same and not _alive(int(m["pid"])):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)


def _temp_beside(path: Path, tag: str = "") -> tuple[int, str]:
    try:
        return tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{os.getpid()}.{tag}", suffix=".tmp"
        )
    except FileNotFoundError:
        raise OutputError(f"{path.parent}: no such folder") from None
    except OSError as err:
        raise OutputError(f"{path}: cannot write here: {err.strerror or err}") from None


def _write_temp(path: Path, data: bytes) -> str:
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name")
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode())
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise OutputError(f"{path}: cannot write: {err.strerror or err}") from None
        raise
    return tmp


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[list[int]]:
    """Hold Ctrl-C back for the few renames that must happen together."""
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    got: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: got.append(signum))
    try:
        yield got
    finally:
        signal.signal(signal.SIGINT, previous)


def _backup(path: Path) -> str | None:
    """A hard link to the current file (cheap, same bytes), to undo a rename with."""
    if not path.exists():
        return None
    fd, backup = _temp_beside(path, "old.")
    os.close(fd)
    os.unlink(backup)
    try:
        os.link(path, backup)
    except OSError:  # no hard links here: copy instead
        import shutil

        shutil.copy2(path, backup)
    return backup


def write_together(files: Sequence[tuple[Path, bytes]]) -> None:
    """Replace every `path` with its `data`: afterwards all are new, or all are as they were.

    Raises OutputError (nothing changed) or InterruptedAfterWrite (everything changed).
    """
    temps: list[tuple[Path, str]] = []
    done: list[tuple[Path, str | None]] = []
    try:
        for path, data in files:
            temps.append((path, _write_temp(path, data)))
        with _ctrl_c_held() as interrupted:
            for path, tmp in temps:
                backup = None
                try:
                    backup = _backup(path)
                    os.replace(tmp, path)
                except BaseException as err:
                    if backup:
                        with contextlib.suppress(OSError):
                            os.unlink(backup)
                    _undo(done)
                    done.clear()
                    if isinstance(err, OSError):
                        raise OutputError(
                            f"{path}: cannot write: {err.strerror or err}; nothing was changed"
                        ) from None
                    raise
                done.append((path, backup))
            COMMITTED.extend(path for path, _ in temps)
        if interrupted:
            raise InterruptedAfterWrite([p for p, _ in temps])
    finally:
        for _, tmp in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for _, backup in done:
            if backup:
                with contextlib.suppress(OSError):
                    os.unlink(backup)


def _undo(done: list[tuple[Path, str | None]]) -> None:
    """Put back what the renames replaced, newest first."""
    for path, backup in reversed(done):
        with contextlib.suppress(OSError):
            if backup:
                os.replace(backup, path)
            else:
                os.unlink(path)


def write_atomically(path: Path, data: bytes) -> None:
    """Write one file through a temporary file in the same folder and one rename."""
    write_together([(path, data)])
