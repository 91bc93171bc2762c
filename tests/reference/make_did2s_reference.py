"""R ``did2s`` reference values for the two-stage estimator, on pyfixest's ``df_het`` data.

The numbers are R ``did2s`` output that pyfixest's test suite carries
(github.com/py-econometrics/pyfixest, ``tests/data/all_did2s_dfs.csv`` and
``all_did2s_dfs_weights.csv``, written by ``tests/test_did.py::_get_r_did2s_results``):

* model1: ``did2s(df_het, yname="dep_var", first_stage=~0 | state + year,
  second_stage=~i(treat, ref=FALSE), treatment="treat", cluster_var="state")``
* model2: the same with ``second_stage=~i(rel_year, ref=-1.0)`` (never-treated rows have
  rel_year = -Inf, a level of their own)
* model3: model2 with ``first_stage=~X | state + year``, X = numpy
  ``default_rng(12345).normal(size=46500)``

and the ``_weights`` variants with ``weights = default_rng(1243).uniform(0, 10, 46500)``.
``df_het`` itself ships with pyfixest (``pyfixest/did/data/df_het.csv``).

Run ``python tests/reference/make_did2s_reference.py PATH/TO/pyfixest`` to rewrite
``did2s_r_reference.json`` from a pyfixest checkout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def main(pyfixest: Path) -> None:
    out: dict[str, object] = {}
    for suffix in ("", "_weights"):
        table = pd.read_csv(pyfixest / "tests" / "data" / f"all_did2s_dfs{suffix}.csv", index_col=0)
        for model in ("model1", "model2", "model3"):
            rows = table[table.index == model]
            out[f"{model}{suffix}"] = {
                "term": rows.iloc[:, 1].tolist(),
                "estimate": rows.iloc[:, 2].astype(float).tolist(),
                "std_error": rows.iloc[:, 3].astype(float).tolist(),
            }
    (HERE / "did2s_r_reference.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
