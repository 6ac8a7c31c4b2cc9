"""Where a project's decks live: the nearest folder, from here upwards, with a decks/ folder.

So `prepdeck build` works from any folder inside a project (decks/ included) and always
writes to the project's dist/, never to a dist/ inside decks/.
"""

from __future__ import annotations

import os

DECKS_DIR = "decks"
DIST_DIR = "dist"


def project_root(start: str = ".") -> str | None:
    """The nearest folder from `start` upwards that holds a decks/ folder, or None."""
    folder = os.path.abspath(start)
    while True:
        if os.path.isdir(os.path.join(folder, DECKS_DIR)):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def default_out_dir(start: str = ".") -> str:
    """The project's dist/ folder, or dist/ here outside a project."""
    root = project_root(start)
    if root is None:
        return DIST_DIR
    return os.path.relpath(os.path.join(root, DIST_DIR), start)


def decks_dir(start: str = ".") -> str | None:
    """The project's decks/ folder, relative to `start`, or None outside a project."""
    root = project_root(start)
    if root is None:
        return None
    return os.path.relpath(os.path.join(root, DECKS_DIR), start)
