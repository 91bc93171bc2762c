"""Random effects (Swamy-Arora) with a cluster-robust covariance: vcereg vs linearmodels.

One command: ``python bench/bench_panel.py`` (``--sizes 1e6 5e6`` by default; add
``--repeat 3``). Each (package, N) runs in a fresh subprocess that builds the same
unbalanced panel (K = 6 regressors incl. the constant, N / 8 panels of 1 to 15 rows),
times one ``xtreg y x1..x5, re vce(cluster id)`` fit and records the peak resident memory
the fit adds; the standard errors are compared with vcereg's in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time, warnings
    import numpy as np, pandas as pd
    warnings.simplefilter("ignore")
    tool, n = sys.argv[1], int(float(sys.argv[2]))
    rng = np.random.default_rng(12345)
    ids = np.sort(rng.integers(0, max(n // 8, 2), n))
    t = np.arange(n) - np.searchsorted(ids, ids)  # position within the panel
    cols = {f"x{j}": rng.normal(size=n) for j in range(1, 6)}
    u = rng.normal(size=ids.max() + 1)[ids]
    y = 1 + sum(0.2 * j * cols[f"x{j}"] for j in range(1, 6)) + u + rng.normal(size=n)
    df = pd.DataFrame({"y": y, **cols, "id": ids, "t": t})
    del cols, u, y
    data_bytes = int(df.memory_usage(deep=True).sum())
    xs = [f"x{j}" for j in range(1, 6)]
    if tool == "vcereg":
        import vcereg
    else:
        from linearmodels import RandomEffects
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    if tool == "vcereg":
        r = vcereg.regress("y ~ " + " + ".join(xs) + " | panel(id t)", df, vce="cluster id")
        se = r.se[["Intercept", *xs]].to_numpy()
    else:
        idx = df.set_index(["id", "t"])
        r = RandomEffects(idx["y"], idx[xs].assign(const=1.0)[["const", *xs]]).fit(
            cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True
        )
        se = r.std_errors.to_numpy()
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"tool": tool, "n": n, "seconds": elapsed, "data_bytes": data_bytes,
                      "extra_peak_bytes": max(0, peak - base), "se": se.tolist()}))
    """
)


def run(tool: str, n: float) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, tool, str(n)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        return {"tool": tool, "n": int(n), "error": out.stderr.strip().splitlines()[-1:]}
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", nargs="+", type=float, default=[1e6, 5e6])
    ap.add_argument("--tools", nargs="+", default=["vcereg", "linearmodels"])
    ap.add_argument("--repeat", type=int, default=1, help="best of R runs per cell")
    args = ap.parse_args()
    for n in args.sizes:
        rows = {}
        for tool in args.tools:
            runs = [run(tool, n) for _ in range(args.repeat)]
            ok = [r for r in runs if "error" not in r]
            rows[tool] = min(ok, key=lambda r: r["seconds"]) if ok else runs[0]
        ours = rows.get("vcereg", {})
        print(f"\nN = {int(n):,}  K = 6  panels = {int(n) // 8:,} (unbalanced)")
        print(f"{'tool':<13} {'seconds':>9} {'x vcereg':>9} {'peak extra / data':>18}  rel se diff")
        for tool, r in rows.items():
            if "error" in r:
                print(f"{tool:<13} failed: {r['error']}")
                continue
            ratio = r["seconds"] / ours["seconds"] if "seconds" in ours else float("nan")
            mem = r["extra_peak_bytes"] / r["data_bytes"]
            pairs = zip(r["se"], ours.get("se", r["se"]), strict=True)
            diff = max(abs(a - b) / abs(b) for a, b in pairs)
            print(f"{tool:<13} {r['seconds']:9.2f} {ratio:9.2f} {mem:18.2f}  {diff:.1e}")


if __name__ == "__main__":
    main()
