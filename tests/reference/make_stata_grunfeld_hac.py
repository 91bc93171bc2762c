"""Extract Stata's newey and xtscc output on the Grunfeld data into stata_grunfeld_hac.json.

Source: statsmodels 0.15 (BSD licence),
``statsmodels/regression/tests/results/results_grunfeld_ols_robust_cluster.py``: Stata
output on the first 200 rows of statsmodels' Grunfeld data (10 firms x 20 years,
``xtset company year``; mvalue = value, kstock = capital):

- ``newey invest mvalue kstock, lag(4) force`` (after xtset: lags within panels),
  N/(N-K) factor, t(197);
- ``xtscc invest mvalue kstock, lag(4)`` with xtscc 1.1 (before its 1.3 added the
  small-sample factor and the ``ase`` option), i.e. no factor.

Run this script (with statsmodels installed) to rebuild the JSON; tests only read it.
"""

from __future__ import annotations

import json
from pathlib import Path

from statsmodels.regression.tests.results import results_grunfeld_ols_robust_cluster as res

OUT = Path(__file__).with_name("stata_grunfeld_hac.json")


def main() -> None:
    out = {
        "provenance": __doc__,
        "terms": ["value", "capital", "Intercept"],
        "newey_lag4": {
            "cov": res.results_nw_panel4.cov.tolist(),
            "se": res.results_nw_panel4.params_table[:, 1].tolist(),
            "df_r": res.results_nw_panel4.df_r,
        },
        "xtscc_lag4_v1_1": {
            "cov": res.results_nw_groupsum4.cov.tolist(),
            "se": res.results_nw_groupsum4.params_table[:, 1].tolist(),
        },
    }
    OUT.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
