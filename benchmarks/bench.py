"""How fast is prepdeck against the parts it is built from? Prints a table of medians.

    python benchmarks/bench.py                  # 1,000, 10,000 and 100,000 questions
    python benchmarks/bench.py --sizes 1000 --runs 3
    python benchmarks/bench.py --sizes 50 --runs 1 --quick   # a smoke run (the tests do this)
    python benchmarks/bench.py --markdown       # Markdown time on hostile shapes, by length

The floor is the same data loaded with PyYAML's C loader (yaml.CSafeLoader) and written with
genanki directly (Package.write_to_file). Every measurement runs in a fresh process, so times
include interpreter start-up and peak memory is that process's own.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

SEED = 20261128
TOPICS = 20

FLOOR = textwrap.dedent(
    """
    import resource, sys, json, genanki, yaml
    data = yaml.load(open(sys.argv[1], encoding="utf-8"), Loader=yaml.CSafeLoader)
    model = genanki.Model(1607392319, "floor", fields=[{"name": n} for n in
        ("Question", "Tips", "Example", "Notes", "Topic", "Id", "Extra")],
        templates=[{"name": "Card", "qfmt": "{{Question}}", "afmt": "{{Tips}}"}])
    deck = genanki.Deck(2059400110, data["deck"]["name"])
    for q in data["questions"]:
        deck.add_note(genanki.Note(model=model, tags=q.get("tags", []), fields=[
            q["question"], "<br>".join(q["tips"]), q.get("example", ""), q.get("notes", ""),
            q["topic"], q["id"], ""]))
    genanki.Package(deck).write_to_file(sys.argv[2])
    print(json.dumps({"rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
    """
)

PREPDECK = textwrap.dedent(
    """
    import resource, sys, json
    from prepdeck.cli import cli
    try:
        cli.main(sys.argv[1:], prog_name="prepdeck", standalone_mode=False)
    finally:
        print(json.dumps({"rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}),
              file=sys.stderr)
    """
)


def vocabulary(rng: random.Random, size: int = 2000) -> list[str]:
    """About 2,000 pronounceable made-up words, the same for the same seed."""
    onsets = ["b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "st", "tr", "pl"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ou", "ea"]
    codas = ["", "n", "r", "s", "t", "l", "nd", "rk"]
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.randint(1, 2)
        words.add(
            "".join(
                rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                for _ in range(syllables)
            )
        )
    return sorted(words)


def _sentence(rng: random.Random, words: list[str], lo: int, hi: int) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(lo, hi))).capitalize()


def _tip(rng: random.Random, words: list[str]) -> str:
    tip = _sentence(rng, words, 4, 8)
    if rng.random() < 0.2:  # about one tip in five uses Markdown
        w = rng.choice(words)
        tip += rng.choice([f" *{w}*", f" [{w}](https://example.org/{w})", f" `{w}`", f" **{w}**"])
    return tip + "."


def generate(n: int, path: Path) -> None:
    """A deck of n questions in prepdeck's format, written without any YAML library."""
    rng = random.Random(SEED + n)
    words = vocabulary(rng)
    topics = [_sentence(rng, words, 1, 3) for _ in range(TOPICS)]
    tags = [rng.choice(words) for _ in range(60)]

    def q(text: str) -> str:
        return json.dumps(text)  # a JSON string is a valid double-quoted YAML scalar

    out = [
        "deck:\n",
        f"  key: bench-{n}\n",
        f"  name: Benchmark {n}\n",
        "  description: Synthetic questions for timing prepdeck.\n",
        "questions:\n",
    ]
    for i in range(n):
        out.append(f"  - id: q-{i:06d}\n")
        out.append(f"    topic: {q(rng.choice(topics))}\n")
        out.append(f"    question: {q(_sentence(rng, words, 5, 10) + '?')}\n")
        out.append(f"    tags: [{', '.join(sorted(set(rng.sample(tags, rng.randint(1, 3)))))}]\n")
        out.append("    tips:\n")
        out.extend(f"      - {q(_tip(rng, words))}\n" for _ in range(rng.randint(3, 5)))
    path.write_text("".join(out), encoding="utf-8")


# Measure what users get: Python caches compiled modules unless told not to.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _run(args: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one fresh process."""
    import time

    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=ENV, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{proc.stdout}\n{proc.stderr}")
    rss = 0
    for stream in (proc.stdout, proc.stderr):
        for line in stream.splitlines():
            if line.startswith('{"rss_kb"'):
                rss = json.loads(line)["rss_kb"]
    return elapsed, rss


def median(values: list[float]) -> float:
    return statistics.median(values)


def measure_size(n: int, runs: int, work: Path) -> dict:
    deck = work / f"bench-{n}.yaml"
    generate(n, deck)
    floor_out = work / "floor.apkg"
    ours_dir = work / "dist"
    floor_cmd = [sys.executable, "-c", FLOOR, str(deck), str(floor_out)]
    ours_cmd = [sys.executable, "-c", PREPDECK, "build", str(deck), "--out-dir", str(ours_dir)]
    _run(ours_cmd)  # the first build writes the state; later builds regenerate, as users do
    floor_t, floor_m, ours_t, ours_m = [], [], [], []
    for _ in range(runs):  # interleaved, so drift on the machine hits both alike
        t, m = _run(floor_cmd)
        floor_t.append(t)
        floor_m.append(m)
        t, m = _run(ours_cmd)
        ours_t.append(t)
        ours_m.append(m)
    return {
        "n": n,
        "file_mb": deck.stat().st_size / 2**20,
        "floor_s": median(floor_t),
        "ours_s": median(ours_t),
        "floor_mb": max(floor_m) / 1024,
        "ours_mb": max(ours_m) / 1024,
        "floor_apkg_kb": floor_out.stat().st_size / 1024,
        "ours_apkg_kb": (ours_dir / f"bench-{n}.apkg").stat().st_size / 1024,
    }


def measure_startup(runs: int) -> dict:
    shipped = Path(__file__).resolve().parent.parent / "decks"
    # The console script users run, installed beside this Python (make deck puts it there).
    script = Path(sys.executable).with_name("prepdeck")
    prepdeck = [str(script)] if script.exists() else [sys.executable, "-m", "prepdeck"]
    cases = {
        "import click": [sys.executable, "-c", "import click"],
        "prepdeck --help": [*prepdeck, "--help"],
        "prepdeck topics": [*prepdeck, "topics", str(shipped)],
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):  # interleaved: a busy moment on the machine hits every case alike
        for name, cmd in cases.items():
            times[name].append(_run(cmd)[0])
    return {name: median(values) for name, values in times.items()}


# Inputs known to make Markdown parsers slow (most from cmark's pathological tests), each as
# a function of its length in characters.
MARKDOWN_SHAPES = {
    "[ run": lambda n: "[" * n,
    "![ run": lambda n: "![" * (n // 2),
    "[* pairs": lambda n: "[*" * (n // 2),
    "link openers, no closers": lambda n: "[a" * (n // 2),
    "nested brackets": lambda n: "[" * (n // 2) + "a" + "]" * (n // 2),
    "unclosed links": lambda n: "[a](b" * (n // 5),
    "nested strong emphasis": lambda n: "*a **a " * (n // 14) + "b" + " a** a*" * (n // 14),
    "emphasis openers, no closers": lambda n: "_a " * (n // 3),
    "mismatched emphasis": lambda n: "*a_ " * (n // 4),
    "* run": lambda n: "*" * n,
    "_ run": lambda n: "_" * n,
    "backtick runs of growing length": lambda n: "".join(
        "e" + "`" * i for i in range(1, int((2 * n) ** 0.5))
    ),
    "< run": lambda n: "<" * n,
    "unclosed autolinks": lambda n: "<http:" * (n // 6),
    "deep list nesting": lambda n: "- " * (n // 2) + "a",
    "deep quote nesting": lambda n: "> " * (n // 2) + "a",
    "link reference definitions": lambda n: (
        "".join(f"[x{i}]: /u\n" for i in range(n // 20))
        + "\n"
        + "".join(f"[x{i}] " for i in range(n // 20))
    ),
    "backslash run": lambda n: "\\" * n,
    "MathJax and Anki tags": lambda n: "\\(x\\) [sound:a] " * (n // 18),
}


def markdown_scaling(lengths: list[int], runs: int) -> str:
    """Time to render one tip and one example of each shape, best of `runs`, by length."""
    import time

    from prepdeck.cards import render
    from prepdeck.deckfile.model import Question

    lines = [
        "Markdown rendering of hostile shapes (one tip + one example; best of "
        f"{runs}; python {sys.version.split()[0]})",
        "",
        "| shape | " + " | ".join(f"{n:,} chars" for n in lengths) + " | time growth |",
        "| --- |" + " ---: |" * (len(lengths) + 1),
    ]
    for name, shape in MARKDOWN_SHAPES.items():
        times = []
        for n in lengths:
            text = shape(n)
            question = Question("q", "t", "q", (text,), example=text)
            best = float("inf")
            for _ in range(runs):
                render._render_inline.cache_clear()
                render._render_block.cache_clear()
                start = time.perf_counter()
                render.render_note(question)
                best = min(best, time.perf_counter() - start)
            times.append(best)
        growth = times[-1] / max(times[0], 1e-9)
        cells = " | ".join(f"{t * 1000:.1f} ms" for t in times)
        lines.append(f"| {name} | {cells} | {growth:.0f}x for {lengths[-1] // lengths[0]}x text |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smoke run: skip start-up timing")
    parser.add_argument("--keep", type=Path, help="keep the generated decks in this folder")
    parser.add_argument(
        "--markdown",
        nargs="?",
        const="1000,10000,20000",
        metavar="LENGTHS",
        help="instead: Markdown time on hostile shapes at these lengths (default 1000,10000,20000)",
    )
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown_scaling([int(s) for s in args.markdown.split(",")], args.runs))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="prepdeck-bench-"))
    try:
        rows = []
        for n in sizes:
            print(f"measuring {n:,} questions ({args.runs} runs)…", file=sys.stderr, flush=True)
            rows.append(measure_size(n, args.runs, work))
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(work / f"bench-{n}.yaml", args.keep)
        print(report(rows, None if args.quick else measure_startup(max(args.runs * 4, 21))))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def report(rows: list[dict], startup: dict | None) -> str:
    lines = [
        f"prepdeck benchmark (medians; python {sys.version.split()[0]}, {os.cpu_count()} cores)",
        "",
        "| questions | YAML | floor | prepdeck | ratio | floor peak | prepdeck peak | ratio "
        "| genanki .apkg | prepdeck .apkg | ratio |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['file_mb']:.1f} MB | {r['floor_s']:.2f} s | {r['ours_s']:.2f} s "
            f"| {r['ours_s'] / r['floor_s']:.2f}x | {r['floor_mb']:.0f} MB | {r['ours_mb']:.0f} MB "
            f"| {r['ours_mb'] / r['floor_mb']:.2f}x | {r['floor_apkg_kb']:,.0f} KB "
            f"| {r['ours_apkg_kb']:,.0f} KB | {r['ours_apkg_kb'] / r['floor_apkg_kb']:.0%} |"
        )
    by_n = {r["n"]: r for r in rows}
    if 10_000 in by_n and 100_000 in by_n:
        scale = by_n[100_000]["ours_s"] / by_n[10_000]["ours_s"]
        lines += ["", f"100,000 vs 10,000 questions: {scale:.1f}x the time (linear would be 10x)"]
    if startup:
        base = startup["import click"]
        lines += ["", "| start-up | time | vs `import click` |", "| --- | ---: | ---: |"]
        for name, t in startup.items():
            lines.append(f"| `{name}` | {t * 1000:.0f} ms | {t / base:.2f}x |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
