"""`prepdeck --help` starts light: the modules only some commands need are not imported.

Not timed (benchmarks/bench.py measures start-up against `import click`); this checks the cause
of a slow start instead: zstandard, SQLite and the importers load only for import and pull.
"""

from __future__ import annotations

import subprocess
import sys


def imported_by(*args: str) -> set[str]:
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "prepdeck", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line.split("|")[-1].strip() for line in run.stderr.splitlines() if "|" in line]
    return {name for name in lines if name and not name.startswith("imported package")}


def test_help_does_not_load_zstandard_sqlite_or_the_importers():
    loaded = imported_by("--help")

    assert "click" in loaded  # the check sees imports at all
    assert not {m for m in loaded if m.split(".")[0] in {"zstandard", "sqlite3", "compression"}}
    # The library's stages load when a command runs, not for its help.
    stages = ("prepdeck.sources", "prepdeck.exchange", "prepdeck.deliver", "prepdeck.builds")
    assert not {m for m in loaded if m.startswith(stages)}
