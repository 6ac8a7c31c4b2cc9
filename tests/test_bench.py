"""The benchmark script runs end to end (on a tiny size; timings are never asserted)."""

from __future__ import annotations

import subprocess
import sys

from prepdeck.deckfile.load import load_deck

from conftest import ROOT


def test_benchmark_script_runs_on_a_tiny_deck():
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench.py"),
            "--sizes",
            "30",
            "--runs",
            "1",
            "--quick",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[2].startswith("| questions | YAML | floor | prepdeck |")
    assert proc.stdout.splitlines()[4].startswith("| 30 |")


def test_generated_decks_are_valid_and_repeatable(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench

    bench.generate(200, tmp_path / "a.yaml")
    bench.generate(200, tmp_path / "b.yaml")
    deck = load_deck(tmp_path / "a.yaml")

    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()
    assert len(deck.questions) == 200
    assert all(3 <= len(q.tips) <= 5 for q in deck.questions)
    assert 15 <= len(deck.topics) <= 20
    markdown = sum(any(c in t for c in "*`[") for q in deck.questions for t in q.tips)
    total = sum(len(q.tips) for q in deck.questions)
    assert 0.1 < markdown / total < 0.3
