"""Extract Stata's ``ivregress gmm`` output on linearmodels' simulated data into
stata_ivregress_gmm.json, and the data into tests/data/ivregress_simulated.csv.

Source: linearmodels 7.1 (NCSA licence), ``linearmodels/tests/iv/results/``:
``simulated-data.dta`` and ``stata-iv-simulated-results.txt``, written by Stata 13 from
the do-file that ``execute-stata-simulated-data.py`` generates there (``tsset time``, then
for every combination ``ivregress gmm y x3 x4 x5 (x1 [x2] = z1 [z2]) [aw=weights],
wmatrix(...) [small] [center] [noconstant]`` and ``estout`` of e(b), e(V) and e(J) at
``%13.12g``). The dependent variable follows the weight matrix: y_unadjusted, y_robust,
y_clustered or y_kernel. No ``vce()`` is given, so the variance is Stata's default after
GMM: of the weight-matrix type.

Run this script (with linearmodels installed) to rebuild both files; tests only read them.
"""

from __future__ import annotations

import json
from pathlib import Path

import linearmodels
import pandas as pd

SRC = Path(linearmodels.__file__).parent / "tests" / "iv" / "results"
OUT = Path(__file__).with_name("stata_ivregress_gmm.json")
DATA = Path(__file__).parents[1] / "data" / "ivregress_simulated.csv"
COLUMNS = ["time", "y_unadjusted", "y_robust", "y_clustered", "y_kernel"]
COLUMNS += ["x1", "x2", "x3", "x4", "x5", "z1", "z2", "cluster_id", "weights"]


def _blocks(path: Path) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    key = None
    for line in path.read_text().splitlines():
        if line.startswith("####"):
            key = line.split("!")[1]
            out[key] = []
        elif key is not None and line.strip():
            out[key].append(line.split("\t"))
    return out


def _matrix(block: list[list[str]], start: int) -> tuple[list[str], list[list[float]], int]:
    names = [n for n in block[start + 2][1:] if n]
    rows, j = [], start + 3
    while j < len(block) and not block[j][0].startswith("***"):
        rows.append([float(v) for v in block[j][1 : 1 + len(names)]])
        j += 1
    return names, rows, j


def _parse(block: list[list[str]]) -> dict[str, object]:
    b: dict[str, float] = {}
    stats: dict[str, float] = {}
    i = 0
    while not block[i][0].startswith("***"):
        row = block[i]
        if len(row) == 2 and row[0] not in ("", ".") and row[1] not in ("b/t", ""):
            nxt = block[i + 1]
            if len(nxt) == 2 and nxt[0] == "":  # a coefficient: b, then t on the next line
                b[row[0]] = float(row[1])
                i += 2
                continue
            stats[row[0]] = float(row[1])
        i += 1
    names, cov, _ = _matrix(block, i)
    return {"b": b, "V_names": names, "V": cov, "J": stats["J"]}


def main() -> None:
    out = {}
    for key, block in _blocks(SRC / "stata-iv-simulated-results.txt").items():
        if key.startswith("gmm-"):
            out[key] = _parse(block)
    OUT.write_text(json.dumps({"provenance": __doc__, "cases": out}) + "\n", encoding="utf-8")
    d = pd.read_stata(SRC / "simulated-data.dta")[COLUMNS]
    d["cluster_id"] = d["cluster_id"].astype(int)
    d["time"] = d["time"].astype(int)
    d.to_csv(DATA, index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
