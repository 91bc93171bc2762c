"""Size of cluster-robust tests with few clusters: CRV1, CR2-BM (if available) and the
wild cluster bootstrap. Not a test: a simulation that prints a table of rejection rates.

One command: ``python bench/size_wild.py`` (defaults: 1,000 replications per G, 399
bootstrap draws). Quick check: ``python bench/size_wild.py --sims 100 --draws 199``.

Design (in the spirit of MacKinnon & Webb 2017): G clusters of unequal sizes
(20 to 100 observations), a regressor and an error that both have a cluster component
(intra-cluster correlation 0.5 each) and heteroskedastic noise; the true slope is 0 and
every method tests ``x = 0`` at the 5% level:

- CRV1: ``vce(cluster g)``, t(G - 1), Stata's default;
- CR2-BM: ``vce(hc2 g, dfadjust)`` (bias-reduced CR2 with Bell-McCaffrey degrees of
  freedom), when this vcereg has it; otherwise the column is left out;
- WCR: ``vce(wild g, reps(B))``, the restricted wild cluster bootstrap with Rademacher
  weights (all 2^G sign vectors when 2^G <= B);
- WCR-Webb: the same with Webb's six-point weights, the usual remedy when G < 10 leaves
  Rademacher too few distinct draws (2^6 = 64, only 32 distinct |t*|).

A correct test rejects 5% of the time; the Monte Carlo standard error of each rate is
printed with the table.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np
import pandas as pd

import vcereg


def simulate(g: int, rng: np.random.Generator) -> pd.DataFrame:
    sizes = rng.integers(20, 101, g)
    cl = np.repeat(np.arange(g), sizes)
    n = cl.size
    x = rng.normal(size=g)[cl] + rng.normal(size=n)
    u = rng.normal(size=g)[cl] + rng.normal(size=n) * np.sqrt(0.5 + 0.5 * x**2)
    return pd.DataFrame({"y": 1.0 + u, "x": x, "g": cl})


def has_cr2() -> bool:
    d = simulate(6, np.random.default_rng(0))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vcereg.regress("y ~ x", d, vce="hc2 g, dfadjust")
    except vcereg.VceregError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clusters", nargs="+", type=int, default=[6, 10, 20, 50])
    ap.add_argument("--sims", type=int, default=1000, help="replications per G")
    ap.add_argument("--draws", type=int, default=399, help="bootstrap draws per test")
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args()
    methods = {"CRV1": "cluster g"}
    if has_cr2():
        methods["CR2-BM"] = "hc2 g, dfadjust"
    methods["WCR"] = f"wild g, reps({args.draws})"
    methods["WCR-Webb"] = f"wild g, reps({args.draws}) weights(webb)"
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    print(
        f"Rejection rates of x = 0 at 5% ({args.sims:,} replications per G, "
        f"{args.draws:,} bootstrap draws; MC s.e. of a 5% rate: "
        f"{math.sqrt(0.05 * 0.95 / args.sims):.3f})\n"
    )
    print("| G | " + " | ".join(methods) + " |")
    print("|---|" + "---|" * len(methods))
    for g in args.clusters:
        rejected = dict.fromkeys(methods, 0)
        for i in range(args.sims):
            d = simulate(g, rng)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                base = vcereg.regress("y ~ x", d, vce="cluster g")
                for name, vce in methods.items():
                    if name.startswith("WCR"):
                        vce = f"{vce} seed({i})"
                    r = base if name == "CRV1" else base.with_vce(vce)
                    rejected[name] += bool(r.pvalue["x"] < 0.05)
        rates = " | ".join(f"{rejected[m] / args.sims:.3f}" for m in methods)
        print(f"| {g} | {rates} |")
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
