"""Data as users have it for the data-command tests: missing values, strings (with ``""``
and None), ties, groups that are neither sorted nor contiguous, small integer types."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import vcereg


@pytest.fixture(scope="session")
def messy() -> pd.DataFrame:
    rng = np.random.default_rng(20260501)
    n = 80
    x = rng.normal(10, 3, n).round(1)
    x[rng.random(n) < 0.15] = np.nan
    x[40:50] = x[10:20]  # ties
    g = rng.choice([3.0, 1.0, 2.0], n)
    g[rng.random(n) < 0.08] = np.nan  # a missing group
    s = rng.choice(["beta", "alpha", "gamma", "", None], n).astype(object)
    return pd.DataFrame(
        {
            "id": rng.permutation(n) + 1,
            "g": g,
            "x": x,
            "k": pd.array(rng.integers(-5, 90, n), dtype="Int8"),
            "w": rng.integers(1, 4, n).astype(np.int16),
            "s": s,
            "t": rng.integers(2000, 2010, n),
        }
    )


def run(text: str, data: pd.DataFrame, **kwargs: object) -> vcereg.DoRun:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vcereg.run_do(text, data, **kwargs)  # type: ignore[arg-type]


def stata_sorted(data: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Reference sort: missing numbers last, ties in their previous order (stable)."""
    return data.sort_values(keys, kind="mergesort", na_position="last")
