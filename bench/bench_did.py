"""Staggered DiD: Callaway-Sant'Anna (dynamic aggregation, analytic standard errors) and
Sun-Abraham, vcereg against the Python packages that implement them.

One command: ``python bench/bench_did.py`` (default 1e5 units x 20 periods, 5 treated
cohorts and never-treated units; ``--units``/``--periods`` to change, ``--repeat 3`` to
take the best of three). Each (tool, estimator) runs in a fresh subprocess that simulates
the same balanced panel, times one fit from the data frame to the event study with
standard errors, and reports the event-time estimates and standard errors, which are
compared with vcereg's in the same run.

Peers (run with ``--peer-python``, default this interpreter, else this interpreter;
skipped when installed in neither):

* ``moderndid`` (port of R ``did``): ``att_gt(..., est_method="dr", boot=False)`` then
  ``aggte(type="dynamic")``;
* ``csdid`` (d2cml-ai's port): ``ATTgt(...).fit(est_method="dr", bstrap=False)`` then
  ``aggte(typec="dynamic")``;
* ``diff_diff``: ``CallawaySantAnna`` and ``SunAbraham``;
* ``pyfixest``: ``event_study(estimator="saturated")`` (fixest's ``sunab``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time, warnings
    import numpy as np, pandas as pd
    warnings.simplefilter("ignore")
    tool, est, units, periods = sys.argv[1], sys.argv[2], int(float(sys.argv[3])), int(sys.argv[4])
    rng = np.random.default_rng(2024)
    starts = np.linspace(4, periods - 2, 5).round().astype(int)
    g = rng.choice(np.concatenate([[0], starts]), size=units, p=[0.4] + [0.12] * 5)
    unit = np.repeat(np.arange(units), periods)
    t = np.tile(np.arange(1, periods + 1), units)
    gg = np.repeat(g, periods)
    eff = np.where((gg > 0) & (t >= gg), 1.0 + 0.1 * (t - gg), 0.0)
    y = np.repeat(rng.normal(size=units), periods) + 0.05 * t + eff
    y = y + rng.normal(size=units * periods)
    df = pd.DataFrame({"y": y, "id": unit, "t": t, "g": gg})
    mods = {"vcereg": "vcereg", "moderndid": "moderndid", "csdid": "csdid.att_gt",
            "diff_diff": "diff_diff", "pyfixest": "pyfixest"}
    __import__(mods[tool])  # imports are not timed
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    if tool == "vcereg":
        import vcereg
        m = "cs g" if est == "cs" else "sa g"
        es = vcereg.did(f"y ~ 1 | did({m}) | panel(id t)", df).event_study()
        e, b, s = es.index.to_numpy(), es["estimate"].to_numpy(), es["std_error"].to_numpy()
    elif tool == "moderndid":
        import moderndid as md
        r = md.att_gt(data=df, yname="y", tname="t", idname="id", gname="g",
                      est_method="dr", boot=False, cband=False)
        a = md.aggte(r, type="dynamic", boot=False, cband=False)
        e, b, s = np.asarray(a.event_times), np.asarray(a.att_by_event), np.asarray(a.se_by_event)
    elif tool == "csdid":
        from csdid.att_gt import ATTgt
        r = ATTgt(yname="y", gname="g", idname="id", tname="t", xformla="y~1", data=df)
        r = r.fit(est_method="dr", bstrap=False)
        r.aggte(typec="dynamic", bstrap=False)
        a = r.atte
        e, b, s = np.asarray(a["egt"]), np.asarray(a["att_egt"]), np.asarray(a["se_egt"]).ravel()
    elif tool == "diff_diff" and est == "cs":
        from diff_diff import CallawaySantAnna
        r = CallawaySantAnna(control_group="never_treated").fit(
            df, outcome="y", unit="id", time="t", first_treat="g", aggregate="event_study")
        tab = r.to_dataframe(level="event_study")
        e, b, s = tab.iloc[:, 0].to_numpy(), tab["effect"].to_numpy(), tab["se"].to_numpy()
    elif tool == "diff_diff":
        from diff_diff import SunAbraham
        r = SunAbraham().fit(df, outcome="y", unit="id", time="t", first_treat="g")
        tab = r.to_dataframe(level="event_study")
        e, b, s = tab.iloc[:, 0].to_numpy(), tab["effect"].to_numpy(), tab["se"].to_numpy()
    else:
        import pyfixest as pf
        r = pf.event_study(data=df, yname="y", idname="id", tname="t", gname="g",
                           estimator="saturated", cluster="id")
        a = r.aggregate()
        e = np.array([float(i) for i in a.index])
        b, s = a["Estimate"].to_numpy(float), a["Std. Error"].to_numpy(float)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"tool": tool, "est": est, "seconds": elapsed,
                      "extra_peak_bytes": max(0, peak - base), "e": np.asarray(e, float).tolist(),
                      "b": np.asarray(b, float).tolist(), "se": np.asarray(s, float).tolist()}))
    """
)

PEERS = {"cs": ("moderndid", "csdid", "diff_diff"), "sa": ("pyfixest", "diff_diff")}


def run(tool: str, est: str, units: float, periods: int, python: str, timeout: float) -> dict:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [python, "-c", CHILD, tool, est, str(units), str(periods)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "est": est, "error": f"timeout after {timeout:g} s"}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["failed"])[-1]
        return {"tool": tool, "est": est, "error": last[:120]}
    result: dict = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _agreement(ours: dict, other: dict) -> str:
    """Largest difference in estimates and standard errors over common event times."""
    if "error" in other or "error" in ours:
        return "-"
    mine = {e: (b, s) for e, b, s in zip(ours["e"], ours["b"], ours["se"], strict=True)}
    common = [(mine[e], (b, s)) for e, b, s in zip(other["e"], other["b"], other["se"],
                                                  strict=True) if e in mine]  # fmt: skip
    if not common:
        return "no common event times"
    db = max(abs(a[0] - c[0]) for a, c in common)
    ds = max(abs(a[1] - c[1]) / max(abs(a[1]), 1e-300) for a, c in common)
    return f"max |diff| est {db:.1e}, rel. se {ds:.1e}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=float, default=1e5)
    ap.add_argument("--periods", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--peer-python", default=sys.executable)
    ap.add_argument("--timeout", type=float, default=1800.0)
    args = ap.parse_args()
    rows = int(args.units) * args.periods
    print(f"{int(args.units):,} units x {args.periods} periods = {rows:,} rows, 5 cohorts")
    for est in ("cs", "sa"):
        results = []
        for tool in ("vcereg", *PEERS[est]):
            python = sys.executable if tool == "vcereg" else args.peer_python
            runs = [run(tool, est, args.units, args.periods, python, args.timeout)
                    for _ in range(args.repeat)]  # fmt: skip
            if "ModuleNotFoundError" in runs[0].get("error", "") and python != sys.executable:
                runs = [run(tool, est, args.units, args.periods, sys.executable, args.timeout)
                        for _ in range(args.repeat)]  # fmt: skip
            ok = [r for r in runs if "error" not in r]
            results.append(min(ok, key=lambda r: r["seconds"]) if ok else runs[0])
        ours = results[0]
        print(f"\n{'Callaway-Sant-Anna, dynamic' if est == 'cs' else 'Sun-Abraham'}:")
        for r in results:
            if "error" in r:
                print(f"  {r['tool']:<10} {r['error']}")
                continue
            ratio = r["seconds"] / ours["seconds"] if "seconds" in ours else float("nan")
            mem = r["extra_peak_bytes"] / 2**30
            print(f"  {r['tool']:<10} {r['seconds']:8.2f} s  ({ratio:6.2f} x vcereg)  "
                  f"+{mem:5.2f} GiB  {_agreement(ours, r) if r is not ours else ''}")  # fmt: skip


if __name__ == "__main__":
    main()
