"""The golden summaries hold the right numbers, not only the same ones.

``test_golden.py`` checks that the output does not change; this module reads the numbers
back out of ``tests/tables/golden/summary_*.txt`` and compares each with statsmodels on
the same data (``smf.ols`` with ``cov_type`` HC1 / cluster and ``use_t=True``, the mapping
of tests/vce/test_reference.py), to half a unit in the last printed digit. So a golden file
regenerated with a wrong number (as once happened with the model F) fails here.

The model F is the Wald statistic b' V⁻¹ b / q on the slopes with statsmodels' V and
df (q, df of t). Model 3 clusters on school (G = 2): its covariance has rank 1 on three
slopes, and which single constraint Stata keeps is the correctness engineer's decision
(issue 8); for it only the F's denominator df (G - 1) and a numerator df of at most 1 are
checked.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from tests.tables.test_golden import GOLDEN

NAMES = {"_cons": "Intercept", "MS": "C(school)[T.MS]"}
MODELS = [
    ("G3 ~ absences", {"cov_type": "nonrobust"}),
    ("G3 ~ absences + age", {"cov_type": "HC1"}),
    ("G3 ~ absences + age + C(school)", {"cov_type": "cluster"}),
]


def _half_ulp(text: str) -> float:
    """Half a unit in the last printed digit ('.0196052' -> 5e-8, '393' -> 0.5)."""
    mantissa = text.lower().split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exp = int(text.lower().split("e")[1]) if "e" in text.lower() else 0
    return 0.5 * 10.0 ** (exp - decimals)


def _header(text: str) -> dict[str, str]:
    """The 'label = value' items on the right of the header."""
    labels = r"Number of obs|Adj R-squared|R-squared|Root MSE|Prob > F|F\([\d., ]+\)"
    return dict(re.findall(rf"({labels})\s*=\s*(\S+)", text))


def _rows(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\s*(\S+)\s*\|\s+(-?[\d.]+(?:\s+-?[\d.]+){5})\s*$", line)
        if m:
            rows[m[1]] = m[2].split()
    return rows


def _close(printed: str, value: float, what: str) -> None:
    assert float(printed) == pytest.approx(value, abs=_half_ulp(printed)), (what, printed, value)


@pytest.mark.parametrize("i", [0, 1, 2])
def test_golden_summary_numbers_match_statsmodels(student_data: pd.DataFrame, i: int) -> None:
    formula, kw = MODELS[i]
    text = (GOLDEN / f"summary_{i + 1}.txt").read_text(encoding="utf-8")
    model = smf.ols(formula, student_data)
    if kw["cov_type"] == "cluster":
        groups = pd.factorize(student_data["school"])[0]
        ref = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        df_t = 1.0
    else:
        ref = model.fit(cov_type=kw["cov_type"], use_t=True)
        df_t = ref.df_resid
    # the coefficient table, every column
    rows = _rows(text)
    assert len(rows) == len(ref.params), rows
    ci = ref.conf_int()
    for name, cells in rows.items():
        term = NAMES.get(name, name)
        want = [
            ref.params[term],
            ref.bse[term],
            ref.tvalues[term],
            ref.pvalues[term],
            ci.loc[term, 0],
            ci.loc[term, 1],
        ]
        for cell, value, col in zip(cells, want, ["b", "se", "t", "p", "lo", "hi"], strict=True):
            _close(cell, value, f"{name} {col}")
    # the header
    head = _header(text)
    assert int(head["Number of obs"].replace(",", "")) == ref.nobs
    _close(head["R-squared"], ref.rsquared, "R-squared")
    _close(head["Root MSE"], np.sqrt(ref.mse_resid), "Root MSE")
    if "Adj R-squared" in head:
        _close(head["Adj R-squared"], ref.rsquared_adj, "Adj R-squared")
    (f_label,) = [k for k in head if k.startswith("F(")]
    df1, df2 = (float(v) for v in re.findall(r"[\d.]+", f_label))
    assert df2 == df_t
    slopes = [t for t in ref.params.index if t != "Intercept"]
    if kw["cov_type"] == "cluster":
        assert df1 <= df_t  # rank of a 2-cluster covariance (see module docstring)
        return
    b = ref.params[slopes].to_numpy()
    v = ref.cov_params().loc[slopes, slopes].to_numpy()
    f = float(b @ np.linalg.solve(v, b)) / len(slopes)
    assert df1 == len(slopes)
    _close(head[f_label], f, "F")
    _close(head["Prob > F"], float(stats.f.sf(f, df1, df2)), "Prob > F")
    if kw["cov_type"] == "nonrobust":  # the ANOVA table
        assert f == pytest.approx(ref.fvalue, rel=1e-10)
        ss = re.findall(r"^\s*(Model|Residual|Total) \|\s+(\S+)\s+(\d+)\s+(\S+)", text, re.M)
        want = {
            "Model": (ref.ess, ref.df_model),
            "Residual": (ref.ssr, ref.df_resid),
            "Total": (ref.centered_tss, ref.df_model + ref.df_resid),
        }
        assert [s[0] for s in ss] == ["Model", "Residual", "Total"]
        for source, total, df, mean in ss:
            _close(total, want[source][0], f"{source} SS")
            assert float(df) == want[source][1]
            _close(mean, want[source][0] / want[source][1], f"{source} MS")
