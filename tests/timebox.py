"""Time-boxed property runs with a reproducible, printed seed.

The default test run spends a fixed time (not a fixed number of examples) on the random
differential and fuzz tests, with a fresh seed each run so that successive runs explore
different examples. The seed is printed, and a failure names the seed of the batch that
failed: ``VCEREG_TEST_SEED=<seed> pytest tests/test_differential.py`` replays it first
(batches use seeds base, base + 1, ...).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

__all__ = ["base_seed", "run_for"]


def base_seed() -> int:
    """``VCEREG_TEST_SEED`` when set, else a fresh random seed."""
    raw = os.environ.get("VCEREG_TEST_SEED", "").strip()
    return int(raw) if raw else secrets.randbelow(2**31)


def run_for(
    seconds: float,
    strategy: st.SearchStrategy[Any],
    check: Callable[[Any], None],
    *,
    batch: int = 10,
    name: str = "",
) -> int:
    """Run ``check`` on examples of ``strategy`` in seeded batches of ``batch`` until
    ``seconds`` have passed (at least one batch); returns the number of batches."""
    base = base_seed()
    print(f"{name}: VCEREG_TEST_SEED={base} ({seconds:g} s budget)")
    deadline = time.monotonic() + seconds
    i = 0
    while i == 0 or time.monotonic() < deadline:
        s = base + i

        @seed(s)
        @settings(
            max_examples=batch,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        @given(strategy)
        def one(example: Any) -> None:
            check(example)

        try:
            one()
        except BaseException as exc:
            raise AssertionError(
                f"{name} failed in the batch with seed {s}: rerun with VCEREG_TEST_SEED={s}"
            ) from exc
        i += 1
    print(f"{name}: {i} batch(es) of {batch} examples")
    return i
