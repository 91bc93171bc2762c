"""Extract real Stata output for the simulated panel into stata_simulated_panel.json.

Source: linearmodels 7.1 (NCSA licence), ``linearmodels/tests/panel/results/``:
``stata-panel-simulated-results.txt`` was written by Stata 13 running the do-file built by
``execute-stata-simulated-data.py`` on ``simulated-panel.dta`` (``xtset firm_id time``;
variables y x1..x5, and their ``_light``/``_heavy`` copies with missing values). The data
is tests/data/simulated_panel.csv. The log holds ``xtreg, fe``, ``xtreg, re`` (Swamy-Arora,
the default), ``xtreg, be`` and ``xtreg, be wls`` (each with vce(conventional), and re/fe
with vce(robust) and vce(cluster firm_id)) and ``regress``; the ``_heavy`` variables give an
unbalanced panel (639 firms with 1 to 3 years, 891 rows) after listwise deletion.
Run this script (with linearmodels installed) to rebuild
the JSON; the tests only read the JSON.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import linearmodels

SRC = Path(linearmodels.__file__).parent / "tests" / "panel" / "results"
COMMANDS = {
    "fixed_effect-conventional-": "xtreg {vars}, fe vce(conventional)",
    "fixed_effect-robust-": "xtreg {vars}, fe vce(robust)",
    "fixed_effect-cluster-": "xtreg {vars}, fe vce(cluster firm_id)",
    "fixed_effect-conventional-weighted": "xtreg {vars} [aweight=w], fe vce(conventional)",
    "fixed_effect-robust-weighted": "xtreg {vars} [aweight=w], fe vce(robust)",
    "fixed_effect-cluster-weighted": "xtreg {vars} [aweight=w], fe vce(cluster firm_id)",
    "pooled-conventional-": "regress {vars}, vce(ols)",
    "pooled-robust-": "regress {vars}, vce(robust)",
    "pooled-cluster-": "regress {vars}, vce(cluster firm_id)",
    "pooled-conventional-weighted": "regress {vars} [aweight=w], vce(ols)",
    "pooled-robust-weighted": "regress {vars} [aweight=w], vce(robust)",
    "pooled-cluster-weighted": "regress {vars} [aweight=w], vce(cluster firm_id)",
    "random_effect-conventional-": "xtreg {vars}, re vce(conventional)",
    "random_effect-robust-": "xtreg {vars}, re vce(robust)",
    "random_effect-cluster-": "xtreg {vars}, re vce(cluster firm_id)",
    "between-conventional-": "xtreg {vars}, be vce(conventional)",
    "between-conventional-wls": "xtreg {vars}, be wls vce(conventional)",
}
#: e() scalars kept. xtreg's panel statistics: sigma_u, sigma_e, rho, corr (corr(u_i, Xb),
#: fe), F_f (F test that all u_i = 0, fe), r2_w/r2_b/r2_o, N_g (panels), Tbar (re: the
#: harmonic mean of the panel sizes; be/fe: the arithmetic mean), g_min/g_avg/g_max.
STATS = (
    "N", "df_r", "df_m", "r2", "rmse", "r2_w", "r2_b", "r2_o", "F", "F_f", "rss", "mss",
    "sigma_e", "sigma_u", "sigma", "rho", "corr", "N_g", "Tbar", "g_min", "g_avg", "g_max",
)  # fmt: skip


def parse(text: str) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    blocks = re.split(r"#################!(.+?)!####################", text)
    for name, body in zip(blocks[1::2], blocks[2::2], strict=True):
        config, _, ending = name.rpartition("-")
        if config not in COMMANDS:
            continue
        lines = [ln.rstrip("\n") for ln in body.strip().splitlines()]
        coef: dict[str, float] = {}
        stats: dict[str, float] = {}
        i = 2
        while i < len(lines) and not lines[i].startswith("*"):
            parts = lines[i].split("\t")
            if parts[0] and len(parts) > 1 and parts[1]:
                key, value = parts[0], parts[1]
                if key in STATS:
                    stats[key] = float(value)
                elif i + 2 < len(lines) and lines[i + 1].startswith("\t"):
                    coef[key] = float(value)
                    i += 2
            i += 1
        vstart = next(k for k, ln in enumerate(lines) if ln.startswith("*********")) + 2
        names = lines[vstart].split("\t")[1:]
        cov = [
            [float(v) for v in ln.split("\t")[1:]]
            for ln in lines[vstart + 1 :]
            if ln and ln.split("\t")[0] in names
        ]
        suffix = ending
        variables = " ".join(f"{v}{suffix}" for v in ("y", "x1", "x2", "x3", "x4", "x5"))
        out[f"{config}|{ending}"] = {
            "command": COMMANDS[config].format(vars=variables),
            "coef": coef,
            "cov_names": names,
            "cov": cov,
            "stats": stats,
        }
    return out


def main() -> None:
    text = (SRC / "stata-panel-simulated-results.txt").read_text()
    result = {
        "_about": __doc__,
        "_panel": "xtset firm_id time (firm_id and year in tests/data/simulated_panel.csv)",
        "results": parse(text),
    }
    out = Path(__file__).with_name("stata_simulated_panel.json")
    out.write_text(json.dumps(result, indent=1))
    print(f"wrote {len(result['results'])} Stata results to {out}")


if __name__ == "__main__":
    main()
