"""Speed at every size: vcereg against statsmodels, pyfixest and linearmodels, one run.

One command: ``python bench/bench_speed.py`` (``--quick`` for a smoke run). The tasks:

* ``ols``: ``y ~ x1 + ... + x4`` (K = 5 with the constant) with a one-way cluster-robust
  covariance, N = 1e3, 1e4, 1e5 (and 1e6). Small fits are timed in one process per
  library after warm-up: the median of many fits, as a Monte Carlo or by-group loop sees it.
  Each fit returns its standard errors as a numpy array, by position (every library puts
  the constant first): selecting them by label from a pandas Series costs about 0.2 ms,
  the same for every library, and would be most of what is measured at N = 1e3.
* fixed effects, ``y ~ x1 + ... + x9`` with a one-way cluster (10,000 clusters),
  N = 1e5, 1e6, 5e6, 1e7 (``--fe-tasks`` picks among them):

  - ``fe2``: two absorbed effects, N/20 and 1,000 levels;
  - ``fe3``: three, N/20, 1,000 and 100 levels;
  - ``fe1``: one absorbed effect of N/10 levels (1e6 at N = 1e7).

  Each (library, N) runs in a fresh subprocess: a warm-up fit on a 50,000-row slice, then
  three fits of the full data; the median is reported (and the first, which pays for
  first-touch page faults), with the peak memory the fits add (``ru_maxrss``). The
  processes alternate between libraries (``--rounds`` 2: A B A B) and each library's
  better round counts: on a shared VM the same fit can take twice as long a minute later.
* ``floor``: OLS + one-way cluster, K = 10, at N = 1e7 (``--floor-sizes``), timed as in
  ``bench_cluster.py``, against the floor of this machine measured in the same run (one
  read pass over the design's columns plus ``X'X``; see ``bench_cluster.py``).

Every library's standard errors are compared with vcereg's. Results print as ratios
against the fastest peer of the same run, and a log-log plot (time against N, one line per
library and task) is written to ``docs/img/bench_speed.png``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_cluster  # the floor and the OLS + cluster child

DATA = """
import numpy as np, pandas as pd
EFFECTS = {"fe2": ("f1", "f2"), "fe3": ("f1", "f2", "f3"), "fe1": ("f1",)}
def make(n, k, fe):
    rng = np.random.default_rng(12345)
    cols = {f"x{j}": rng.normal(size=n) for j in range(1, k + 1)}
    df = pd.DataFrame(cols)
    df["g"] = rng.integers(0, min(10_000, max(n // 20, 2)), n)
    y = 1 + sum(0.1 * j * cols[f"x{j}"] for j in range(1, k + 1)) + rng.normal(size=n)
    if fe in ("fe2", "fe3"):
        df["f1"] = rng.integers(0, n // 20, n)
        df["f2"] = rng.integers(0, 1_000, n)
        y = y + rng.normal(size=n // 20)[df["f1"]] + rng.normal(size=1_000)[df["f2"]]
    if fe == "fe3":
        df["f3"] = rng.integers(0, 100, n)
        y = y + rng.normal(size=100)[df["f3"]]
    if fe == "fe1":
        df["f1"] = rng.integers(0, n // 10, n)
        y = y + rng.normal(size=n // 10)[df["f1"]]
    df["y"] = y
    return df
"""

FIT = """
import warnings
warnings.simplefilter("ignore")
def fitter(tool, k, fe):
    rhs = " + ".join(f"x{j}" for j in range(1, k + 1))
    names = [f"x{j}" for j in range(1, k + 1)]
    eff = EFFECTS.get(fe, ())
    # without effects every library puts the constant first: the slopes by position
    pick = (lambda se: se[names].to_numpy()) if eff else (lambda se: np.asarray(se)[1:])
    if tool == "vcereg":
        import vcereg
        model = f"y ~ {rhs}" + (f" | fe({' '.join(eff)})" if eff else "") + " | vce(cluster g)"
        return lambda df: pick(vcereg.regress(model, df).se)
    if tool == "pyfixest":
        import pyfixest as pf
        f = f"y ~ {rhs}" + (f" | {' + '.join(eff)}" if eff else "")
        return lambda df: pick(pf.feols(f, df, vcov={"CRV1": "g"}).se())
    if tool == "statsmodels":
        import statsmodels.formula.api as smf
        f = f"y ~ {rhs}" + "".join(f" + C({e})" for e in eff)
        def run_sm(df):
            fit = smf.ols(f, df).fit(cov_type="cluster", cov_kwds={"groups": df["g"]})
            return pick(fit.bse)
        return run_sm
    if tool == "linearmodels":
        import linearmodels as lm
        import statsmodels.api as sm
        def run(df):
            x = sm.add_constant(df[names])
            if eff:
                m = lm.AbsorbingLS(df["y"], x, absorb=df[list(eff)].astype("category"))
            else:
                m = lm.IV2SLS(df["y"], x, None, None)
            return pick(m.fit(cov_type="clustered", clusters=df["g"]).std_errors)
        return run
    raise SystemExit(f"unknown tool {tool}")
"""

SMALL_CHILD = (
    DATA
    + FIT
    + textwrap.dedent(
        """
    import json, sys, time
    tool, n, k, reps = sys.argv[1], int(float(sys.argv[2])), int(sys.argv[3]), int(sys.argv[4])
    df = make(n, k, "")
    fit = fitter(tool, k, "")
    se = fit(df); fit(df)  # warm-up: imports, caches, JIT
    times = []
    for _ in range(reps):
        t0 = time.perf_counter(); fit(df); times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps({"seconds": times[len(times) // 2], "se": se.tolist()}))
    """
    )
)

BIG_CHILD = (
    DATA
    + FIT
    + textwrap.dedent(
        """
    import json, resource, sys, time
    tool, n, k, fe = sys.argv[1], int(float(sys.argv[2])), int(sys.argv[3]), sys.argv[4]
    df = make(n, k, fe)
    data_bytes = int(df.memory_usage(deep=True).sum())
    fit = fitter(tool, k, fe)
    fit(df.head(50_000))  # warm-up on a slice: imports and JIT, not the big fit
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    times = []
    for _ in range(3):  # one fit on a shared VM varies by up to 2x: report the median
        t0 = time.perf_counter(); se = fit(df); times.append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": sorted(times)[1], "first": times[0], "se": se.tolist(),
                      "data_bytes": data_bytes, "extra_peak_bytes": max(0, peak - base)}))
    """
    )
)


def _child(code: str, *args: object) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1]}
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _interleaved(tools: list[str], n: float, rounds: int, fe: str) -> dict[str, dict[str, object]]:
    """Each tool in ``rounds`` fresh processes, alternating (A B A B), so a slow spell of
    the shared machine hits every tool; per tool the round with the lower median counts."""
    best: dict[str, dict[str, object]] = {}
    for _ in range(rounds):
        for t in tools:
            r = _child(BIG_CHILD, t, n, 9, fe)
            old = best.get(t)
            if (
                old is None
                or "error" in old
                or (
                    "seconds" in r and float(r["seconds"]) < float(old["seconds"])  # type: ignore[arg-type]
                )
            ):
                best[t] = r
    return best


def _report(task: str, n: float, rows: dict[str, dict[str, object]]) -> None:
    ours = rows.get("vcereg", {})
    print(f"\n{task}: N = {int(n):,}")
    print(
        f"{'tool':<13} {'seconds':>9} {'vs vcereg':>10} {'1st fit':>8} {'peak extra/data':>16}"
        "  max|rel se diff|"
    )
    for tool, r in rows.items():
        if "error" in r:
            print(f"{tool:<13} failed: {r['error']}")
            continue
        ratio = float(r["seconds"]) / float(ours.get("seconds", float("nan")))
        mem = (
            f"{float(r['extra_peak_bytes']) / float(r['data_bytes']):16.2f}"
            if "data_bytes" in r
            else f"{'':>16}"
        )
        ref = ours.get("se", r["se"])
        diff = max(abs(a - b) / abs(b) for a, b in zip(r["se"], ref, strict=True))  # type: ignore[call-overload]
        first = f"{float(r['first']):8.3f}" if "first" in r else f"{'':>8}"
        print(f"{tool:<13} {float(r['seconds']):9.4f} {ratio:10.2f} {first} {mem}  {diff:.1e}")
    peers = [(t, r) for t, r in rows.items() if t != "vcereg" and "seconds" in r]
    if peers and "seconds" in ours:
        tool, best = min(peers, key=lambda tr: float(tr[1]["seconds"]))
        ratio = float(ours["seconds"]) / float(best["seconds"])
        print(f"vcereg / fastest peer ({tool}) = {ratio:.2f}")


def _plot(results: dict[str, dict[str, dict[float, float]]], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    styles = {"ols": "-", "fe2": "--", "fe3": "-.", "fe1": ":"}
    for task, by_tool in results.items():
        for tool, points in by_tool.items():
            if points:
                ns = sorted(points)
                ax.plot(ns, [points[n] for n in ns], styles[task], marker="o",
                        label=f"{tool} ({task})")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("observations N")
    ax.set_ylabel("seconds per fit")
    ax.set_title("OLS + cluster (K = 5), absorbed effects + cluster (K = 10)")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"\nplot written to {path}")


TASKS = {
    "fe2": "two absorbed effects (N/20, 1,000 levels) + cluster, K = 10",
    "fe3": "three absorbed effects (N/20, 1,000, 100 levels) + cluster, K = 10",
    "fe1": "one absorbed effect (N/10 levels) + cluster, K = 10",
}
#: The targets of issue 23: vcereg's time over pyfixest's (absorbed effects), seconds per
#: fit (small OLS), vcereg over the floor (big OLS).
FE_TARGET, SMALL_TARGET, FLOOR_TARGET = 0.5, 0.001, 1.5


def _floor_cell(n: float, rounds: int) -> tuple[float, dict[str, float]] | None:
    """vcereg's OLS + cluster fit (bench_cluster's child) and the floor, alternating."""
    fits, floors = [], []
    for _ in range(rounds):
        fits.append(bench_cluster.run("vcereg", n))
        floors.append(bench_cluster.floor(n))
    ok = [r for r in fits if "seconds" in r]
    measured = [f for f in floors if "floor" in f]
    print(f"\nOLS + one-way cluster, K = 10, against the floor: N = {int(n):,}")
    if not ok or not measured:
        print(f"failed: {fits[0].get('error', '?')} / floor {'ok' if measured else 'failed'}")
        return None
    best = min(ok, key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]
    fl = min(measured, key=lambda f: f["floor"])
    print(f"vcereg {float(best['seconds']):.3f} s (1st fit {float(best['first']):.3f} s)")  # type: ignore[arg-type]
    print(bench_cluster.floor_line(float(best["seconds"]), fl))  # type: ignore[arg-type]
    return float(best["seconds"]), fl  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only (smoke test)")
    ap.add_argument("--ols-sizes", nargs="*", type=float, default=[1e3, 1e4, 1e5, 1e6])
    ap.add_argument("--fe-sizes", nargs="*", type=float, default=[1e5, 1e6, 5e6, 1e7])
    ap.add_argument("--fe-tasks", nargs="*", choices=list(TASKS), default=list(TASKS))
    ap.add_argument("--floor-sizes", nargs="*", type=float, default=[1e7])
    ap.add_argument("--tools", nargs="+",
                    default=["vcereg", "statsmodels", "pyfixest", "linearmodels"])  # fmt: skip
    ap.add_argument("--rounds", type=int, default=2, help="alternating processes per FE size")
    ap.add_argument("--plot", default=str(Path(__file__).parents[1] / "docs/img/bench_speed.png"))
    args = ap.parse_args()
    if args.quick:
        args.ols_sizes, args.fe_sizes, args.floor_sizes = [1e3, 1e4], [1e5], [1e6]
    results: dict[str, dict[str, dict[float, float]]] = {"ols": {}, **{t: {} for t in TASKS}}
    targets: list[tuple[str, float, float, str]] = []  # (cell, value, target, unit)
    for n in args.ols_sizes:
        reps = max(5, min(200, int(2e6 / n)))
        rows = {t: _child(SMALL_CHILD, t, n, 4, reps) for t in args.tools}
        _report("OLS + one-way cluster, K = 5", n, rows)
        for t, r in rows.items():
            if "seconds" in r:
                results["ols"].setdefault(t, {})[n] = float(r["seconds"])
        if n == 1e3 and "seconds" in rows.get("vcereg", {}):
            seconds = float(rows["vcereg"]["seconds"])  # type: ignore[arg-type]
            targets.append(
                ("OLS + cluster, K = 5, N = 1e3: seconds per fit", seconds, SMALL_TARGET, "s")
            )
    for fe in args.fe_tasks:
        for n in args.fe_sizes:
            # statsmodels can only build dummies (two effects at 1e5: a 1e5 x 6,000 dense
            # design, over 20 minutes per process on the 2-core machine): left out of the
            # absorbed cells; linearmodels absorbs, but slowly: up to 1e5
            small = n <= 1e5 and fe != "fe1"
            tools = [
                t
                for t in args.tools
                if t in ("vcereg", "pyfixest") or (small and t == "linearmodels")
            ]
            rows = _interleaved(tools, n, args.rounds, fe)
            _report(TASKS[fe], n, rows)
            for t, r in rows.items():
                if "seconds" in r:
                    results[fe].setdefault(t, {})[n] = float(r["seconds"])
            ours, peer = rows.get("vcereg", {}), rows.get("pyfixest", {})
            if "seconds" in ours and "seconds" in peer:
                ratio = float(ours["seconds"]) / float(peer["seconds"])  # type: ignore[arg-type]
                targets.append((f"{fe}, N = {n:.0e}: vcereg / pyfixest", ratio, FE_TARGET, "x"))
    for n in args.floor_sizes:
        cell = _floor_cell(n, args.rounds)
        if cell is not None:
            seconds, fl = cell
            targets.append((f"OLS + cluster, K = 10, N = {n:.0e}: vcereg / floor",
                            seconds / fl["floor"], FLOOR_TARGET, "x"))  # fmt: skip
            targets.append(("  the same / (assembling the design + X'X)",
                            seconds / (fl["assemble"] + fl["xtx"]), FLOOR_TARGET, "x"))  # fmt: skip
    print("\ntargets (issue 23)")
    for name, value, target, unit in targets:
        verdict = "met" if value <= target else f"missed by {value / target:.2f}x"
        print(f"  {name:<58} {value:8.4g} {unit}  target <= {target:g}: {verdict}")
    _plot(results, Path(args.plot))


if __name__ == "__main__":
    main()
