"""Wild cluster bootstrap: vcereg ``vce(wild g)`` vs the ``wildboottest`` package.

One command: ``python bench/bench_wild.py`` (defaults: N = 1,000,000, K = 10 regressors
incl. the constant, G = 50 clusters, 9,999 Rademacher draws, WCR, every coefficient).
Each tool runs in a fresh subprocess on the same data and reports its wall time; the
p-values are compared (they agree within Monte Carlo error: the random draws differ).

- vcereg: ``regress(formula, df, vce="wild g, reps(9999) seed(1)")``, which fits OLS,
  computes CRV1, and bootstraps p-values *and* test-inversion confidence intervals for
  all K coefficients ("Fast and wild": one pass over the data, O(G*K) per draw).
- wildboottest: ``wildboottest(sm.OLS(y, X), B=9999, cluster=g)`` for every
  coefficient (p-values only, no intervals; its first call includes numba compilation).

Each tool is called twice on the full data in its process and the second call is timed
(the first pays for numba compilation in wildboottest and for first-touch page faults
and allocator growth in both).

Check it quickly at small size: ``python bench/bench_wild.py --n 20000 --reps 999``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import json, sys, time, warnings
    import numpy as np, pandas as pd
    warnings.simplefilter("ignore")
    tool, n, g, reps = sys.argv[1], int(float(sys.argv[2])), int(sys.argv[3]), int(sys.argv[4])
    rng = np.random.default_rng(12345)
    k = 9
    cl = rng.integers(0, g, n)
    cols = {f"x{j}": rng.normal(size=n) + 0.5 * rng.normal(size=g)[cl] for j in range(1, k + 1)}
    y = 1 + sum(0.01 * j * cols[f"x{j}"] for j in range(1, k + 1))
    y = y + rng.normal(size=g)[cl] + rng.normal(size=n)
    df = pd.DataFrame({"y": y, **cols, "g": cl})
    names = [f"x{j}" for j in range(1, k + 1)]
    if tool == "vcereg":
        import vcereg
        formula = "y ~ " + " + ".join(names)
        calls = []
        for _ in range(2):  # the same protocol as the peer: the second call is reported
            t0 = time.perf_counter()
            r = vcereg.regress(formula, df, vce=f"wild g, reps({reps}) seed(1)")
            p = r.pvalue[names].to_numpy()
            r.conf_int()
            elapsed = time.perf_counter() - t0
            calls.append(elapsed)
    else:
        import statsmodels.api as sm
        from wildboottest.wildboottest import wildboottest
        x = sm.add_constant(df[names])
        calls = []
        for _ in range(2):  # the first call compiles numba code
            t0 = time.perf_counter()
            model = sm.OLS(df["y"], x)
            out = wildboottest(model, B=reps, cluster=df["g"].to_numpy(), seed=1, show=False)
            elapsed = time.perf_counter() - t0
            calls.append(elapsed)
        p = out.loc[names, "p-value"].to_numpy()
    print(json.dumps({"tool": tool, "seconds": elapsed, "first": calls[0],
                      "p": [float(v) for v in p]}))
    """
)


def run(tool: str, n: float, g: int, reps: int) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, tool, str(n), str(g), str(reps)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return {"tool": tool, "error": out.stderr.strip().splitlines()[-1:]}
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=float, default=1e6)
    ap.add_argument("--clusters", type=int, default=50)
    ap.add_argument("--reps", type=int, default=9999)
    ap.add_argument("--tools", nargs="+", default=["vcereg", "wildboottest"])
    args = ap.parse_args()
    rows = {tool: run(tool, args.n, args.clusters, args.reps) for tool in args.tools}
    print(f"\nN = {int(args.n):,}  K = 10  G = {args.clusters}  draws = {args.reps:,} (WCR)")
    print(f"{'tool':<14} {'seconds':>9} {'x vcereg':>9} {'1st call':>9}  max |p diff|")
    ours = rows.get("vcereg", {})
    for tool, r in rows.items():
        if "error" in r:
            print(f"{tool:<14} failed: {r['error']}")
            continue
        ratio = r["seconds"] / ours["seconds"] if "seconds" in ours else float("nan")
        diff = max(abs(a - b) for a, b in zip(r["p"], ours.get("p", r["p"]), strict=True))
        print(f"{tool:<14} {r['seconds']:9.2f} {ratio:9.1f} {r['first']:9.2f}  {diff:.4f}")
    peer = rows.get("wildboottest", {})
    if "seconds" in ours and "seconds" in peer:
        print(
            f"vcereg is {peer['seconds'] / ours['seconds']:.1f}x faster (and also computes "
            "confidence intervals by test inversion)"
        )


if __name__ == "__main__":
    main()
