"""Growth checks for converters of foreign text: four times the input, at most six times the time.

A ratio, not a time limit: the same machine runs both sizes back to back, so a slow or busy
machine slows both alike. Each size is timed a few times and the fastest run counts, which
keeps a garbage collection or another process from deciding the result. A quadratic converter
grows x16 and fails by a wide margin; a linear one grows about x4.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

FACTOR = 4
LIMIT = 6.0


def _fastest(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def growth(convert: Callable[[object], object], make: Callable[[int], object], n: int, repeat=3):
    """How much longer `convert(make(FACTOR * n))` takes than `convert(make(n))`."""
    small, large = make(n), make(FACTOR * n)
    convert(small)  # warm caches and lazy imports outside the timing
    base = _fastest(lambda: convert(small), repeat)
    grown = _fastest(lambda: convert(large), repeat)
    # Below a millisecond, timer noise dominates: n is too small to say anything.
    assert base > 1e-3, f"n={n} runs in {base * 1e3:.2f} ms: choose a larger n"
    return grown / base


def assert_linear(convert: Callable[[object], object], make: Callable[[int], object], n: int):
    """Fail when x4 input costs more than x6 time (after one retry, for a noisy machine)."""
    ratio = growth(convert, make, n)
    if ratio > LIMIT:
        ratio = min(ratio, growth(convert, make, n))
    assert ratio <= LIMIT, f"x{FACTOR} input took x{ratio:.1f} time (limit x{LIMIT:g})"
