"""Wide designs: many collinear regressors relative to rows (issue 8).

One command: ``python bench/bench_wide.py`` (``--quick`` for a smoke run). K columns in a
30-dimensional span on N rows, so K - 30 columns are omitted as collinear, as Stata would.
Before the one-pass drop each omission cost a QR (1,500 x 50 took 25 s); numpy's lstsq
(which does not drop columns, only reports the rank) is timed in the same run for scale.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import vcereg


def _time(f: object, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        f()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    sizes = [(50, 300)] if parser.parse_args().quick else [(50, 300), (50, 1500), (200, 5000)]
    rng = np.random.default_rng(0)
    print(f"{'N':>6} {'K':>6} {'vcereg s':>10} {'lstsq s':>10} {'ratio':>7} omitted")
    for n, k in sizes:
        x = rng.normal(size=(n, 30)) @ rng.normal(size=(30, k))
        d = pd.DataFrame(x, columns=[f"x{i}" for i in range(k)]).assign(y=rng.normal(size=n))
        model = "y ~ " + " + ".join(d.columns[:-1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = _time(lambda: vcereg.regress(model, d))  # noqa: B023
            omitted = len(vcereg.regress(model, d).omitted)
        xx = np.column_stack([np.ones(n), x])
        theirs = _time(lambda: np.linalg.lstsq(xx, d["y"].to_numpy(), rcond=None))  # noqa: B023
        print(f"{n:>6} {k:>6} {ours:>10.3f} {theirs:>10.4f} {ours / theirs:>7.0f} {omitted}")


if __name__ == "__main__":
    main()
