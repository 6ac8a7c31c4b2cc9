"""Deck files and their build states as they were at a git revision, read with git itself.

`git show REV:path` and `git ls-tree` give the committed bytes; the working tree (revision
None) is read from disk. Paths are relative to the repository's top folder.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from prepdeck.errors import PrepdeckError
from prepdeck.project import DECKS_DIR, project_root
from prepdeck.state import state_path

WORKTREE = None  # the revision that stands for the files on disk
_MAX_BYTES = 64 * 1024 * 1024
_MAX_MEDIA_BYTES = 200 * 1024 * 1024  # a deck's media at most (media.py)
_MAX_MEDIA_FILES = 10_000


@dataclass(frozen=True)
class DeckAt:
    """One deck file and its committed build state (None when it has none) at a revision."""

    path: str  # relative to the repository's top folder, with '/'
    text: bytes
    state: bytes | None
    files: tuple[tuple[str, bytes], ...] = ()  # other files in its folder: its media


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise PrepdeckError("git is not installed; prepdeck diff reads decks with git") from None


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


def _decks_folder(root: str, start: str) -> str:
    """The project's decks/ folder relative to the repository's top ('decks' at the top)."""
    project = project_root(start) or root
    rel = os.path.relpath(os.path.join(project, DECKS_DIR), root)
    return rel.replace(os.sep, "/")


def _is_deck(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) and not name.endswith((".mine.yaml", ".mine.yml"))


def repo_paths(root: str, files: tuple[str, ...], start: str = ".") -> list[str]:
    """Deck files named on the command line as paths from the repository's top folder."""
    out = []
    for f in files:
        full = os.path.abspath(os.path.join(start, f))
        rel = os.path.relpath(full, root)
        if rel.startswith(".."):
            raise PrepdeckError(f"{f}: is outside the git repository at {root}")
        out.append(rel.replace(os.sep, "/"))
    return out


def deck_paths_at(root: str, commit: str | None, start: str = ".") -> list[str]:
    """The deck files in the project's decks/ folder at a commit (None: on disk), sorted."""
    folder = _decks_folder(root, start)
    if commit is WORKTREE:
        full = os.path.join(root, folder)
        if not os.path.isdir(full):
            return []
        names = [n for n in os.listdir(full) if os.path.isfile(os.path.join(full, n))]
        return sorted(f"{folder}/{n}" for n in names if _is_deck(n))
    done = _git(["ls-tree", "-z", "--name-only", commit, "--", f"{folder}/"], root)
    if done.returncode != 0:
        raise PrepdeckError(f"git ls-tree failed: {done.stderr.decode(errors='replace').strip()}")
    names = [os.fsdecode(n) for n in done.stdout.split(b"\0") if n]
    return sorted(n for n in names if _is_deck(n.rsplit("/", 1)[-1]))


def read_at(root: str, commit: str | None, path: str) -> bytes | None:
    """A file's bytes at a commit (None: on disk), or None when it does not exist there."""
    if commit is WORKTREE:
        full = os.path.join(root, path)
        if not os.path.isfile(full):
            return None
        with open(full, "rb") as f:
            data = f.read(_MAX_BYTES + 1)
    else:
        done = _git(["show", f"{commit}:{path}"], root)
        if done.returncode != 0:
            return None
        data = done.stdout
    if len(data) > _MAX_BYTES:
        raise PrepdeckError(f"{path}: larger than {_MAX_BYTES // 1024 // 1024} MB")
    return data


def decks_at(
    root: str, commit: str | None, paths: list[str] | None, start: str = "."
) -> list[DeckAt]:
    """The deck files (all of decks/ when `paths` is None) and their states at a commit."""
    chosen = paths if paths is not None else deck_paths_at(root, commit, start)
    out = []
    for path in chosen:
        text = read_at(root, commit, path)
        if text is None:
            continue  # named, but not in this revision: added or removed in between
        state = read_at(root, commit, state_path(path).as_posix())
        out.append(DeckAt(path, text, state, media_at(root, commit, path)))
    return out


def _is_media(name: str) -> bool:
    """Not a deck, answers or state file: a picture or recording a deck may name."""
    return not (
        name.endswith((".yaml", ".yml", ".state.json")) or ".mine." in name or name.startswith(".")
    )


def media_at(root: str, commit: str | None, deck_path: str) -> tuple[tuple[str, bytes], ...]:
    """Every file below a deck file's folder at a commit that could be one of its pictures or
    recordings, so that the deck builds there as it did (symbolic links are left out: the
    loader would refuse one that leads out of the folder anyway)."""
    folder = deck_path.rsplit("/", 1)[0] if "/" in deck_path else ""
    found: list[str] = []
    if commit is WORKTREE:
        top = os.path.join(root, folder)
        for here, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if not d.startswith(".") and not d.endswith(".mine")]
            for name in names:
                full = os.path.join(here, name)
                if _is_media(name) and os.path.isfile(full) and not os.path.islink(full):
                    found.append(os.path.relpath(full, root).replace(os.sep, "/"))
    else:
        done = _git(["ls-tree", "-r", "-z", commit, "--", f"{folder}/" if folder else "."], root)
        for entry in done.stdout.split(b"\0") if done.returncode == 0 else ():
            meta, _, name = entry.partition(b"\t")
            path = os.fsdecode(name)
            blob = meta.startswith((b"100644", b"100755"))  # not a link, not a submodule
            if blob and _is_media(path.rsplit("/", 1)[-1]) and ".mine/" not in path:
                found.append(path)
    out, total = [], 0
    for path in sorted(found)[:_MAX_MEDIA_FILES]:
        data = read_at(root, commit, path)
        if data is None:
            continue
        total += len(data)
        if total > _MAX_MEDIA_BYTES:
            break  # the build then names the file it misses
        out.append((path, data))
    return tuple(out)
