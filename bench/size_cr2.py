"""Size of 5% tests with few clusters: CRV1 t(G-1) against CR2 with Bell-McCaffrey df.

Not a test: a Monte Carlo that prints a table (paste it into docs/variance.md#cr2 when
rerun at full size). The design follows MacKinnon & Webb (2017): unbalanced clusters
(sizes proportional to exp(gamma * g / G)), a regressor with a cluster component,
errors with a cluster random effect and heteroskedasticity; the null beta_x = 0 is true.
The wild cluster bootstrap column belongs to the wild-bootstrap benchmark (issue 10).

    python bench/size_cr2.py                  # 2,000 replications per G (minutes)
    python bench/size_cr2.py --reps 50        # quick check (seconds)
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import vcereg


def _sample(rng: np.random.Generator, g: int, n_obs: int, gamma: float = 2.0) -> pd.DataFrame:
    weights = np.exp(gamma * np.arange(1, g + 1) / g)
    sizes = np.maximum(2, np.round(n_obs * weights / weights.sum())).astype(int)
    cl = np.repeat(np.arange(g), sizes)
    n = cl.size
    x = rng.normal(size=g)[cl] + rng.normal(size=n)  # within-cluster correlated regressor
    z = rng.normal(size=n)
    e = rng.normal(size=g)[cl] + rng.normal(size=n) * np.sqrt(0.5 + 0.5 * x**2)
    return pd.DataFrame({"y": 1 + 0.5 * z + e, "x": x, "z": z, "g": cl})


def run(reps: int, gs: list[int], n_obs: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for g in gs:
        rejections = {"CRV1, t(G-1)": 0, "CR2, t(G-1)": 0, "CR2, Bell-McCaffrey df": 0}
        start = time.perf_counter()
        for _ in range(reps):
            d = _sample(rng, g, n_obs)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                crv1 = vcereg.regress("y ~ x + z | vce(cluster g)", d)
                cr2 = crv1.with_vce("hc2 g")
                bm = crv1.with_vce("hc2 g, dfadjust")
            rejections["CRV1, t(G-1)"] += bool(crv1.pvalue["x"] < 0.05)
            rejections["CR2, t(G-1)"] += bool(cr2.pvalue["x"] < 0.05)
            rejections["CR2, Bell-McCaffrey df"] += bool(bm.pvalue["x"] < 0.05)
        rows.append(
            {"G": g, **{k: v / reps for k, v in rejections.items()},
             "seconds": time.perf_counter() - start}
        )  # fmt: skip
    return pd.DataFrame(rows).set_index("G")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reps", type=int, default=2000)
    p.add_argument("--clusters", default="6,10,20,50")
    p.add_argument("--nobs", type=int, default=1000, help="observations per sample")
    p.add_argument("--seed", type=int, default=20261129)
    a = p.parse_args()
    table = run(a.reps, [int(g) for g in a.clusters.split(",")], a.nobs, a.seed)
    mc = 1.96 * np.sqrt(0.05 * 0.95 / a.reps)
    print(f"Rejection rate of H0: beta_x = 0 at the 5% level ({a.reps} replications; "
          f"Monte Carlo 95% band 0.05 +/- {mc:.3f})")  # fmt: skip
    print(table.to_markdown(floatfmt=".3f"))


if __name__ == "__main__":
    main()
