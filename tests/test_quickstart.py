"""The README's Quick start, run literally in a fresh clone, as a newcomer would.

`make quickstart` runs it (CI too): it clones this repository at HEAD (commit first: edits
not committed are not in the clone) into a folder whose name has a space and a non-ASCII
letter, and runs the shell blocks of the README's "Quick start" in order, in one shell, with
a PATH that holds no project virtualenv. It installs a virtualenv from scratch (about a
minute with pip's cache), which is why it is not part of `make test`.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(
    os.environ.get("PREPDECK_QUICKSTART") != "1",
    reason="installs a virtualenv from scratch: run `make quickstart`",
)


def quick_start() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"\n## Quick start\n(.*?)\n## ", readme, re.S).group(1)


def clean_environment() -> dict[str, str]:
    """The user's environment without any virtualenv of this project (or another)."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.pop("PIP_CONSTRAINT", None)  # the Makefile sets its own
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    parts = env.get("PATH", "").split(os.pathsep)
    env["PATH"] = os.pathsep.join(
        p for p in parts if not (Path(p).parent / "pyvenv.cfg").exists() and ".venv" not in p
    )
    return env


def test_the_quick_start_runs_literally_in_a_fresh_clone(tmp_path):
    folder = tmp_path / "my prepdeck ñ"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(folder)], check=True)
    section = quick_start()
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    script = "set -eu\n" + "".join(blocks)
    env = clean_environment()

    run = subprocess.run(
        ["bash", "-c", script], cwd=folder, env=env, capture_output=True, text=True
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # make deck prints what the README shows, line for line.
    for line in shown.splitlines():
        assert line in run.stdout.splitlines(), line
    # The commands after it worked: topics, a filtered list, check and the preview.
    assert "Customer service" in run.stdout
    assert "unhappy-user" in run.stdout
    assert (folder / "dist" / "preview.html").is_file()
    # Import and pull of Anki's default export (zstd-compressed) need nothing more installed.
    subprocess.run([str(folder / ".venv" / "bin" / "python"), "-c", "import zstandard"], check=True)
    # And a fresh clone's build leaves git status clean.
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=folder, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
