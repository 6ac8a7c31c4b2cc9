"""Fuzzing `prepdeck import` of spreadsheets and articles: a message or a deck that builds.

For any CSV/TSV bytes (encodings, byte-order marks, quotes, separators, huge and odd cells)
and any Markdown or text article (headings, lists, nesting, odd Unicode), `prepdeck import`
either fails with a message (exit 1 or 2, no traceback) or writes exactly the deck file it
was given, and that file passes `prepdeck check` and builds. Nothing is written anywhere
else. These run with the hypothesis profile tests/conftest.py loads; run them longer with
`PREPDECK_HYPOTHESIS=thorough pytest tests/test_fuzz_sources.py`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from prepdeck.cli import cli

# Text a learner's file or an attacker's may hold: separators, quotes, line breaks of every
# kind, controls, a BOM, combining marks, right-to-left and wide characters, digits Python
# calls digits but int() refuses, Markdown and HTML syntax.
ODD = list(",;\t|\"' \r\n\x00\x07\x0b\x0c\x1c\x1f\x7f\x85\u00a0\u2028\u2029\ufeff\u0301")
ODD += list("²①٣#*-+>`[]()!<>&\\_~:?.é日本\u202e\U0001f600")
HEADERS = ["Question", "Tips", "Front", "Back", "Topic", "Tags", "Example", "Notes", "Id"]
HEADERS += ["", "Answer", "Extra", "Comments", "x"]

cells = st.text(st.sampled_from(ODD) | st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["", "Why us?", "prepdeck::retired", "topic::x", "a\nb\nc", '"', "- a\n- b", "x" * 300]
)


@st.composite
def tables(draw) -> tuple[str, bytes]:
    extra = draw(st.lists(st.sampled_from(HEADERS) | cells, max_size=4))
    header = ["Question", "Tips", *extra]
    if draw(st.integers(0, 4)) == 0:  # now and then a header of anything at all
        header = draw(st.lists(st.sampled_from(HEADERS) | cells, min_size=1, max_size=6))
    filled = st.text(st.sampled_from(ODD) | st.characters(codec="utf-8"), min_size=1, max_size=30)
    row = st.tuples(filled, filled, st.lists(cells, max_size=len(extra), min_size=len(extra)))
    rows = [[q, t, *rest] for q, t, rest in draw(st.lists(row, max_size=8))]
    if draw(st.integers(0, 4)) == 0:  # and rows of any shape
        rows = draw(st.lists(st.lists(cells, max_size=7), max_size=8))
    separator = draw(st.sampled_from([",", ";", "\t", "|"]))
    quote = draw(st.booleans())

    def line(row: list[str]) -> str:
        if quote:
            row = ['"' + c.replace('"', '""') + '"' for c in row]
        return separator.join(row)

    text = "\r\n".join(line(r) for r in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "raw"]))
    if encoding == "raw":
        data = draw(st.binary(max_size=200)) + text.encode("utf-8", "surrogatepass")
    else:
        data = text.encode(encoding, errors="replace")
    names = ["q.csv", "q.tsv", "q.tab"] if separator == "\t" else ["q.csv"]
    return draw(st.sampled_from(names)), data


@st.composite
def articles(draw) -> tuple[str, bytes]:
    words = st.text(st.sampled_from(ODD) | st.characters(codec="utf-8"), max_size=25)
    parts = []
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(["h", "n", "b", "p", "blank", "nest", "fence", "html"]))
        text = draw(
            words
            | st.sampled_from(["Why us?", "Tell us about a time.", "Intro", "Q.", "Question 2:"])
        )
        number = draw(st.integers(0, 12))
        if kind == "h":
            prefix = f"{number}. " if draw(st.booleans()) else ""
            parts.append("#" * draw(st.integers(1, 6)) + f" {prefix}{text}")
        elif kind == "n":
            parts.append(f"{number}. {text}")
        elif kind == "b":
            parts.append(f"{draw(st.sampled_from(['-', '*', '+', '•']))} {text}")
        elif kind == "nest":
            parts.append(f"{' ' * draw(st.integers(1, 8))}- {text}")
        elif kind == "fence":
            parts.append(f"```\n{text}\n```")
        elif kind == "html":
            parts.append(f"<div>{text}</div>")
        elif kind == "blank":
            parts.append("")
        else:
            parts.append(text)
    name = draw(st.sampled_from(["a.md", "a.markdown", "a.txt", "a.text"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    return name, "\n".join(parts).encode(encoding, errors="replace")


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _imports_or_says_why(name: str, data: bytes) -> None:
    runner = CliRunner()
    with tempfile.TemporaryDirectory(prefix="prepdeck-fuzz-") as tmp:
        root = Path(tmp)
        source = root / name
        source.write_bytes(data)
        out = root / "decks" / "imported.yaml"
        before = _files(root)
        cwd = os.getcwd()
        os.chdir(root)  # a stray relative write would land here, and be seen
        try:
            result = runner.invoke(cli, ["import", str(source), "-o", str(out)])
        finally:
            os.chdir(cwd)
        if result.exit_code != 0:
            assert isinstance(result.exception, SystemExit), result.exception
            assert result.exit_code in (1, 2), result.output
            assert result.stderr.strip(), "a failure says why"
            assert _files(root) == before, "a failed import writes nothing"
            event(f"refused: {result.stderr.splitlines()[0].split(': ', 2)[-1][:60]}")
            return
        event("imported")
        assert _files(root) == before | {"decks", "decks/imported.yaml"}
        checked = runner.invoke(cli, ["check", str(out)])
        assert checked.exit_code == 0, checked.output
        built = runner.invoke(cli, ["build", str(out), "-o", str(root / "out.apkg")])
        assert built.exit_code == 0, built.output


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tables())
def test_any_spreadsheet_imports_or_fails_with_a_message(table):
    _imports_or_says_why(*table)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(articles())
def test_any_article_imports_or_fails_with_a_message(article):
    _imports_or_says_why(*article)
