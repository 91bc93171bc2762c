"""Time predict, fixef and margins after a two-way fixed-effects fit, against pyfixest.

    python bench/bench_postestimation.py                 # N = 1e6, 10,000 firms x 100 years
    python bench/bench_postestimation.py --n 2e4         # a quick check

Prints seconds per call and the largest difference of xbd from pyfixest's predict().
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import vcereg


def make(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    firms = max(2, n // 100)
    firm = rng.integers(0, firms, n)
    year = rng.integers(0, 100, n)
    x1 = rng.normal(size=n) + 0.1 * (firm % 7)
    x2 = rng.normal(size=n)
    y = 1 + 0.5 * x1 - 0.2 * x2 + 0.1 * x1**2 + rng.normal(size=firms)[firm] + 0.01 * year
    return pd.DataFrame(
        {"y": y + rng.normal(size=n), "x1": x1, "x2": x2, "firm": firm, "year": year}
    )


def clock(label: str, fn: object) -> object:
    t = time.perf_counter()
    out = fn()  # type: ignore[operator]
    print(f"{label:<28} {time.perf_counter() - t:8.3f} s")
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=float, default=1e6)
    n = int(p.parse_args().n)
    d = make(n)
    warnings.simplefilter("ignore")
    print(f"N = {n:,}")
    r = clock(
        "fit y ~ x1 + I(x1**2) + x2",
        lambda: vcereg.regress("y ~ x1 + I(x1**2) + x2 | fe(firm year)", d),
    )
    clock("predict xb", lambda: r.predict())
    xbd = clock("predict xbd", lambda: r.predict(what="xbd"))
    clock("fixef", lambda: r.fixef())
    clock("margins dydx(x1 x2)", lambda: r.margins(dydx=["x1", "x2"]))
    clock("predict xbd on new data", lambda: r.predict(d, what="xbd"))
    try:
        import pyfixest as pf
    except ImportError:
        return
    fit = clock("pyfixest feols", lambda: pf.feols("y ~ x1 + I(x1**2) + x2 | firm + year", d))
    theirs = clock("pyfixest predict", lambda: np.asarray(fit.predict()))  # type: ignore[attr-defined]
    gap = float(np.nanmax(np.abs(np.asarray(xbd) - np.asarray(theirs))))  # type: ignore[arg-type]
    print(f"max |xbd - pyfixest| = {gap:.2e}")


if __name__ == "__main__":
    main()
