"""Deck files, their build states and their media as they were at a git revision.

A revision's files are listed once per folder (`git ls-tree -r -l`: the mode, object and size
of each), and read through one `git cat-file --batch` process per diff: only the files a deck
needs (the deck file, its state, the media it names), each only when its listed size is
within the limit the build sets for its kind. Nothing is ever written by a path from the
tree: a deck file and its state are copied into a temporary folder under names made here,
and media reach the loader through `RevisionFiles`, read from git by their listed path.
Entries that no checkout could hold safely (`..`, `.git`, control characters, names that are
not UTF-8) and symbolic links or submodules are never read; each gets a message.

The working tree (revision None) is read from disk with the build's own readers.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import BinaryIO

from prepdeck.deckfile.media import Files
from prepdeck.errors import PrepdeckError
from prepdeck.files import read_bounded
from prepdeck.project import DECKS_DIR, project_root

WORKTREE = None  # the revision that stands for the files on disk
MAX_ENTRIES = 200_000  # files listed below one deck folder at one revision
MAX_SKIPPED_SHOWN = 20
_OID = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_KINDS = {b"100644": "file", b"100755": "file", b"120000": "link", b"160000": "submodule"}


_NO_GIT = "git is not installed; prepdeck diff reads decks with git"


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise PrepdeckError(_NO_GIT) from None


def _git_stream(args: list[str], cwd: str, stdin: bool = False) -> subprocess.Popen[bytes]:
    """A git process whose output is read as it comes (stderr dropped)."""
    try:
        return subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            stdin=subprocess.PIPE if stdin else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise PrepdeckError(_NO_GIT) from None


def repo_root(start: str = ".") -> str:
    """The top folder of the git repository around `start`, or a clear PrepdeckError."""
    done = _git(["rev-parse", "--show-toplevel"], start)
    if done.returncode != 0:
        raise PrepdeckError(
            f"{os.path.abspath(start)} is not inside a git repository; prepdeck diff compares "
            "decks at two git revisions (run it in a clone of the deck's repository)"
        )
    return os.fsdecode(done.stdout.rstrip(b"\n"))


def resolve(root: str, rev: str) -> str:
    """The commit a revision names (a tag, branch, HEAD~2, a hash), or a clear PrepdeckError."""
    if not rev or rev.startswith("-"):
        raise PrepdeckError(f"'{rev}' is not a revision")
    done = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], root)
    if done.returncode != 0:
        raise PrepdeckError(
            f"unknown revision '{rev}': no commit, tag or branch has that name in this "
            "repository (see: git log --oneline, git tag)"
        )
    return done.stdout.decode().strip()


def decks_folder(root: str, start: str) -> str:
    """The project's decks/ folder relative to the repository's top ('decks' at the top)."""
    project = project_root(start) or root
    rel = os.path.relpath(os.path.join(project, DECKS_DIR), root)
    return rel.replace(os.sep, "/")


def is_deck(name: str) -> bool:
    """A deck file's name, as load.deck_paths judges it (not a learner's own answers)."""
    low = name.lower()
    return low.endswith((".yaml", ".yml")) and not low.endswith((".mine.yaml", ".mine.yml"))


def repo_paths(root: str, files: tuple[str, ...], start: str = ".") -> list[str]:
    """Deck files named on the command line as paths from the repository's top folder."""
    out = []
    for f in files:
        full = os.path.abspath(os.path.join(start, f))
        rel = os.path.relpath(full, root)
        if rel == ".." or rel.startswith(".." + os.sep):
            raise PrepdeckError(f"{f}: is outside the git repository at {root}")
        out.append(rel.replace(os.sep, "/"))
    return out


def shown(path: str | bytes) -> str:
    """A path from a tree for a message: undecodable bytes and control characters escaped."""
    text = path.decode("utf-8", "backslashreplace") if isinstance(path, bytes) else path
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def unsafe_part(part: str) -> str | None:
    """Why one name in a path could not be checked out safely, or None when it can."""
    if part in ("", ".", ".."):
        return f"a path part named '{part}'"
    if part.casefold().rstrip(". ") == ".git":
        return "a path part named '.git'"
    if any(ord(c) < 32 or ord(c) == 127 for c in part):
        return "a control character in its name"
    if "\\" in part:
        return "a backslash in its name"
    return None


@dataclass(frozen=True)
class Entry:
    """One file listed at a revision."""

    path: str  # from the repository's top, with '/'
    kind: str  # "file", "link" or "submodule"
    size: int
    oid: str


class Blobs:
    """One `git cat-file --batch` process for the whole diff; blobs are asked for by object
    id, each only once its listed size has been checked, and streamed in bounded chunks."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Blobs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()

    def _process(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            self._proc = _git_stream(["cat-file", "--batch"], self.root, stdin=True)
        return self._proc

    def copy(self, entry: Entry, out: BinaryIO) -> None:
        """Write a listed blob's bytes to `out`, never more than its listed size."""
        proc = self._process()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(entry.oid.encode("ascii") + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline(256).split()
            if len(header) != 3 or header[1] != b"blob" or int(header[2]) != entry.size:
                # Not the blob listed (a tree behind a file's mode, a missing object): what
                # follows in the pipe is unknown, so this process is not asked again.
                self.close()
                raise PrepdeckError(f"{shown(entry.path)}: git could not read this file")
            left = entry.size
            while left:
                chunk = proc.stdout.read(min(1 << 20, left))
                if not chunk:
                    raise PrepdeckError(f"{shown(entry.path)}: git stopped while reading it")
                out.write(chunk)
                left -= len(chunk)
            proc.stdout.read(1)  # the newline after each object
        except (OSError, ValueError):
            self.close()
            raise PrepdeckError(f"{shown(entry.path)}: git could not read this file") from None


@dataclass
class Revision:
    """The files of one revision, as far as a diff needs them."""

    root: str
    commit: str | None  # None: the working tree
    label: str  # as the user named it, for messages
    blobs: Blobs
    skipped: list[str] = field(default_factory=list)
    _listed: dict[str, dict[str, Entry]] = field(default_factory=dict)

    def listing(self, folder: str) -> dict[str, Entry]:
        """Every safe file below `folder` (from the repository's top) at this commit."""
        if folder not in self._listed:
            self._listed[folder] = self._list(folder)
        return self._listed[folder]

    def _list(self, folder: str) -> dict[str, Entry]:
        assert self.commit is not None
        spec = f"{folder}/" if folder not in ("", ".") else "."
        args = ["--literal-pathspecs", "ls-tree", "-r", "-l", "-z", self.commit, "--", spec]
        proc = _git_stream(args, self.root)
        assert proc.stdout is not None
        out: dict[str, Entry] = {}
        prefix = "" if spec == "." else spec
        rest = b""
        try:
            while True:
                chunk = proc.stdout.read(1 << 16)
                records = (rest + chunk).split(b"\0")
                rest = records.pop() if chunk else b""
                for record in records:
                    if record:
                        self._add(record, prefix, out)
                if len(out) > MAX_ENTRIES:
                    raise PrepdeckError(
                        f"{self.label}:{folder}/: holds more than {MAX_ENTRIES:,} files; "
                        "prepdeck diff reads at most that many below a deck folder"
                    )
                if not chunk:
                    break
            if proc.wait() != 0:
                raise PrepdeckError(
                    f"{self.label}:{folder}/: git cannot list this folder (a damaged or "
                    "incomplete tree: run git fsck)"
                )
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        return out

    def _add(self, record: bytes, prefix: str, out: dict[str, Entry]) -> None:
        meta, _, raw = record.partition(b"\t")
        parts = meta.split()
        if len(parts) != 4 or not _OID.fullmatch(parts[2]):
            return
        mode, _kind, oid, size = parts
        try:
            path = raw.decode("utf-8")
        except UnicodeDecodeError:
            self._skip(raw, "a name that is not UTF-8")
            return
        if not path.startswith(prefix):
            self._skip(raw, "a path outside the folder listed")
            return
        for part in path[len(prefix) :].split("/"):
            why = unsafe_part(part)
            if why:
                self._skip(raw, why)
                return
        kind = _KINDS.get(mode)
        if kind is None:
            self._skip(raw, f"an unknown file mode {mode.decode('ascii', 'replace')}")
            return
        out[path] = Entry(path, kind, int(size) if size.isdigit() else 0, oid.decode("ascii"))

    def _skip(self, raw: bytes, why: str) -> None:
        if len(self.skipped) < MAX_SKIPPED_SHOWN:
            self.skipped.append(
                f"{self.label}:{shown(raw)}: skipped ({why}); prepdeck diff never reads or "
                "writes such an entry"
            )
        elif len(self.skipped) == MAX_SKIPPED_SHOWN:
            self.skipped.append(f"{self.label}: more entries like these were skipped")

    def deck_paths(self, folder: str) -> list[str]:
        """The deck files directly in `folder` at this revision, sorted."""
        if self.commit is WORKTREE:
            full = os.path.join(self.root, folder)
            if not os.path.isdir(full):
                return []
            names = [n for n in os.listdir(full) if os.path.isfile(os.path.join(full, n))]
            return sorted(f"{folder}/{n}" for n in names if is_deck(n))
        prefix = f"{folder}/" if folder not in ("", ".") else ""
        return sorted(p for p in self.listing(folder) if "/" not in p[len(prefix) :] and is_deck(p))

    def entry(self, path: str) -> Entry | None:
        """The listed file at `path` (from the repository's top), or None."""
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        above = folder
        while above:  # a folder listed already lists everything below it
            if above in self._listed:
                return self._listed[above].get(path)
            above = above.rsplit("/", 1)[0] if "/" in above else ""
        return self.listing(folder).get(path)

    def copy_to(self, path: str, target: str, limit: int, what: str) -> bool:
        """Copy the file at `path` to `target` (a name the caller made); False when it does not
        exist here. Raises a located PrepdeckError for a link, a submodule or a file over
        `limit` bytes, before reading any of it."""
        if self.commit is WORKTREE:
            try:
                data = read_bounded(os.path.join(self.root, path), limit)
            except FileNotFoundError:
                return False
            except OSError as err:
                raise PrepdeckError(
                    f"{self.label}:{path}: the {what} cannot be read: {err.strerror or err}"
                ) from None
            with open(target, "wb") as f:
                f.write(data)
            return True
        entry = self.entry(path)
        if entry is None:
            return False
        self.check(entry, limit, what)
        with open(target, "wb") as f:
            self.blobs.copy(entry, f)
        return True

    def check(self, entry: Entry, limit: int, what: str) -> None:
        """Refuse a link, a submodule or an oversized file, before reading it."""
        where = f"{self.label}:{shown(entry.path)}"
        if entry.kind == "link":
            raise PrepdeckError(
                f"{where}: the {what} is a symbolic link; prepdeck diff follows no links in "
                "a revision (commit the file itself)"
            )
        if entry.kind != "file":
            raise PrepdeckError(f"{where}: the {what} is a {entry.kind}, not a file")
        if entry.size > limit:
            raise PrepdeckError(
                f"{where}: the {what} is {entry.size / 2**20:.1f} MiB; the limit is "
                f"{limit / 2**20:g} MiB"
            )


class RevisionFiles(Files):
    """The loader's media reader for a deck copied out of a revision: a path the deck names
    is looked up in the revision's listing and read from git, within the build's limits.
    Links and submodules are refused; nothing is read by a path from the tree."""

    def __init__(self, revision: Revision, tree_folder: str, local_folder: str) -> None:
        super().__init__()
        self.revision = revision
        self.tree_folder = tree_folder  # the deck file's folder in the tree
        self.local_folder = os.path.realpath(local_folder)  # where its copy is
        self.scratch = os.path.join(local_folder, ".prepdeck-blobs")
        self._count = 0

    def _read(self, real: str, ref: str, kind: str, description: bool) -> tuple[str, bytes]:  # type: ignore[override]
        from prepdeck.deckfile.media import AUDIO_LIMIT, IMAGE_LIMIT, MediaProblem

        rel = os.path.relpath(real, self.local_folder).replace(os.sep, "/")
        path = f"{self.tree_folder}/{rel}" if self.tree_folder not in ("", ".") else rel
        entry = self.revision.entry(path)
        os.makedirs(self.scratch, exist_ok=True)
        self._count += 1
        copy = os.path.join(self.scratch, f"{self._count}")  # a name made here
        if entry is None:
            return Files._read(copy, ref, kind, description)  # "no such file"
        if entry.kind != "file":
            what = "a symbolic link" if entry.kind == "link" else f"a {entry.kind}"
            raise MediaProblem(
                f"'{ref}' is {what} at {self.revision.label}; prepdeck diff reads only files "
                "committed as files"
            )
        limit = IMAGE_LIMIT if kind == "image" else AUDIO_LIMIT
        # Refused by its listed size, unread (as deckfile/media.py words it).
        if entry.size > limit:
            what = "pictures" if kind == "image" else "recordings"
            raise MediaProblem(
                f"'{ref}' is {entry.size / 2**20:.1f} MiB; {what} are limited to "
                f"{limit // 2**20} MiB: make it smaller"
            )
        try:
            with open(copy, "wb") as f:
                self.revision.blobs.copy(entry, f)
            return Files._read(copy, ref, kind, description)
        finally:
            if os.path.exists(copy):
                os.remove(copy)

    def cleanup(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)
