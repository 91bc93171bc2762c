"""Weighted summaries as Stata's ``summarize`` (issue 20, item 7).

Rows with weight zero are left out (``regress`` leaves them out too, and so does Stata's
``summarize``: they used to be counted in N and in the rescaling of analytic weights, which
changed N and the standard deviation). Frequency weights count observations: N = sum(w),
``sd = sqrt(sum w (x - mean)^2 / (sum w - 1))``.

References, computed independently: for frequency weights the data with each row repeated
w times (numpy's mean, std with ddof=1, len, sum); for analytic weights statsmodels' WLS of
x on a constant with the weights rescaled to sum to n over the rows with positive weight
(its constant is the mean and sqrt(scale) Stata's sd), and ``regress`` of the same model in
vcereg for N. Tolerance 1e-11: the tables print 12 decimals of numbers near 3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import vcereg
from vcereg.errors import DataError


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 40
    d = pd.DataFrame(
        {
            "x": rng.normal(3, 2, n),
            "f": rng.integers(0, 4, n),  # frequency weights with zeros
            "w": rng.uniform(0.2, 3, n),
            "g": np.where(np.arange(n) % 2 == 0, "a", "b"),
        }
    )
    d.loc[[3, 7, 11], "w"] = 0.0
    d.loc[5, "x"] = np.nan
    return d


def _numbers(table) -> dict[str, list[float]]:
    out = {}
    for row in table.table.panels[0].rows:
        out[row.key] = [float(c.text.replace(",", "")) for c in row.cells]
    return out


def test_aweights_leave_zero_weights_out(data):
    t = vcereg.describe(data, ["x"], stats=["n", "mean", "sd", "min", "max", "sum"],
                        weights="w", digits=12)  # fmt: skip
    n, mean, sd, lo, hi, total = _numbers(t)["x"]
    sub = data[(data.w > 0) & data.x.notna()]
    wn = sub.w * len(sub) / sub.w.sum()
    fit = sm.WLS(sub.x, np.ones(len(sub)), weights=wn).fit()
    assert n == len(sub) == vcereg.regress("x ~ 1 | weights(w)", data).nobs
    assert mean == pytest.approx(float(fit.params.iloc[0]), rel=1e-11)
    assert sd == pytest.approx(float(np.sqrt(fit.scale)), rel=1e-11)
    assert (lo, hi) == pytest.approx((sub.x.min(), sub.x.max()), rel=1e-11)
    assert total == pytest.approx(len(sub) * mean, rel=1e-11)
    assert "3 row(s) with weight 0 left out, as Stata does." in t.table.notes


def test_fweights_are_counts(data):
    t = vcereg.describe(data, ["x"], stats=["n", "mean", "sd", "semean", "sum"], weights="f",
                        weight_type="fweight", digits=12)  # fmt: skip
    n, mean, sd, se, total = _numbers(t)["x"]
    ok = data.x.notna()
    expanded = np.repeat(data.x[ok].to_numpy(), data.f[ok].to_numpy())
    assert n == len(expanded)
    assert mean == pytest.approx(expanded.mean(), rel=1e-11)
    assert sd == pytest.approx(expanded.std(ddof=1), rel=1e-11)
    assert se == pytest.approx(expanded.std(ddof=1) / np.sqrt(len(expanded)), rel=1e-11)
    assert total == pytest.approx(expanded.sum(), rel=1e-11)


def test_fweights_difference_test_is_the_t_test_on_expanded_data(data):
    from scipy import stats

    t = vcereg.describe(data, ["x"], by="g", stats=["mean"], weights="f",
                        weight_type="fweight", digits=12)  # fmt: skip
    ok = data.x.notna()
    a = np.repeat(data.x[ok & (data.g == "a")], data.f[ok & (data.g == "a")])
    b = np.repeat(data.x[ok & (data.g == "b")], data.f[ok & (data.g == "b")])
    res = stats.ttest_ind(a, b)
    values = _numbers(t)["x"]
    assert values[2] == pytest.approx(a.mean() - b.mean(), rel=1e-11)
    assert values[3] == pytest.approx(float(res.pvalue), abs=5e-4)  # printed with 3 decimals


def test_do_file_summarize_with_both_weights(data):
    run = vcereg.run_do("summarize x [aw=w]\nsummarize x [fw=f]", data)
    (_, _, aw), (_, _, fw) = run.log
    sub = data[(data.w > 0) & data.x.notna()]
    assert _numbers(aw)["x"][0] == len(sub)
    ok = data.x.notna()
    assert _numbers(fw)["x"][0] == data.f[ok].sum()


def test_bad_frequency_weights(data):
    with pytest.raises(DataError, match="whole numbers"):
        vcereg.describe(data, ["x"], weights="w", weight_type="fweight")
