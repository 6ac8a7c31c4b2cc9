"""Keep the docs' command reference (docs/commands.md) equal to `prepdeck CMD --help`.

python scripts/docs_help.py          # rewrite the blocks in docs/commands.md
python scripts/docs_help.py --check  # exit 1 if they are out of date (the tests and make docs)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from click.testing import CliRunner

from prepdeck.cli import cli

PAGE = Path(__file__).resolve().parent.parent / "docs" / "commands.md"
BLOCK = re.compile(r"(<!-- help: (?P<cmd>[a-z ]*) -->\n```text\n)(?P<body>.*?)(```\n)", re.S)


def help_text(command: str) -> str:
    args = [*command.split(), "--help"] if command else ["--help"]
    result = CliRunner().invoke(cli, args, prog_name="prepdeck", terminal_width=88)
    return result.output


def updated(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + help_text(m.group("cmd")) + m.group(4), text)


def main() -> int:
    text = PAGE.read_text(encoding="utf-8")
    new = updated(text)
    if "--check" in sys.argv:
        if new != text:
            print(
                "docs/commands.md's command reference differs from --help; run "
                "python scripts/docs_help.py",
                file=sys.stderr,
            )
            return 1
        return 0
    PAGE.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
