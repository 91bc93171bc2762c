"""One rule for time (issue 20, item 3): ``vce(hac t)``, ``vce(dk t)``, ``newey`` and ``xtscc``
order periods by the values of a whole-number time variable, as ``L.x`` does, and refuse
what ``L.x`` refuses (text, categories, dates, fractions) with the same message.

Before, a text time ("1".."30") was ordered as text ("10" before "2") and a categorical by its
categories, so the lags paired the wrong periods and the standard errors were wrong with no
warning. Reference for the numbers: statsmodels' HAC on rows sorted by the numeric time
(tolerance REL_REFERENCE, the same sums in another order), see tests/vce/test_hac.py for the
convention mapping.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import vcereg
from tests.tolerances import REL_REFERENCE
from vcereg.errors import DataError
from vcereg.spec import PanelSpec


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 30
    e = np.zeros(n)
    u = rng.normal(size=n)
    for i in range(1, n):
        e[i] = 0.8 * e[i - 1] + u[i]
    x = np.cumsum(rng.normal(size=n))
    return pd.DataFrame({"t": np.arange(1, n + 1), "x": x, "y": x + e})


def _reference(d: pd.DataFrame, lags: int) -> np.ndarray:
    ordered = d.sort_values("t")
    fit = sm.OLS(ordered["y"], sm.add_constant(ordered[["x"]])).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
    )
    return np.asarray(fit.bse)


def _as(kind: str, t: pd.Series) -> pd.Series:
    if kind == "str":
        return t.astype(str)
    if kind == "category":
        return pd.Series(pd.Categorical(t.astype(str)), index=t.index)
    if kind == "numeric category":  # numbers as categories, in a scrambled category order
        cats = sorted(t.unique(), key=lambda v: (v * 7) % 31)
        return pd.Series(pd.Categorical(t, categories=cats), index=t.index)
    if kind == "date":
        return pd.Series(pd.to_datetime(2000 + t, format="%Y"), index=t.index)
    if kind == "fraction":
        return t / 4
    raise AssertionError(kind)


@pytest.mark.parametrize("dtype", ["int64", "int8", "int16", "float32", "Int64", "float"])
def test_numeric_time_in_any_dtype_matches_statsmodels(series, dtype):
    d = series.assign(t=series["t"].astype(dtype)).sample(frac=1.0, random_state=3)
    r = vcereg.regress("y ~ x | vce(hac t, lags(2))", d)
    np.testing.assert_allclose(r.se.to_numpy(), _reference(series, 2), rtol=REL_REFERENCE)


@pytest.mark.parametrize("kind", ["str", "category", "numeric category", "date", "fraction"])
def test_hac_refuses_what_lags_refuse_with_the_same_message(series, kind):
    d = series.assign(t=_as(kind, series["t"]))
    with pytest.raises(DataError) as lag_err:
        vcereg.stata("regress y L.x", d, panel=PanelSpec(None, "t"))
    for run in (
        lambda: vcereg.regress("y ~ x | vce(hac t, lags(2))", d),
        lambda: vcereg.stata("newey y x, lag(2)", d, panel=PanelSpec(None, "t")),
    ):
        with pytest.raises(DataError) as err:
            run()
        assert str(err.value) == str(lag_err.value)
        assert "'t'" in str(err.value)


def _panel() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n_id, n_t = 12, 14
    d = pd.DataFrame({"id": np.repeat(np.arange(n_id), n_t), "t": np.tile(np.arange(n_t), n_id)})
    shock = rng.normal(size=n_t)
    d["x"] = rng.normal(size=len(d)) + shock[d.t]
    d["y"] = d.x + shock[d.t] + rng.normal(size=len(d))
    return d


@pytest.mark.parametrize("kind", ["str", "category"])
def test_driscoll_kraay_and_xtscc_refuse_text_time(kind):
    d = _panel()
    d["t"] = _as(kind, d["t"] + 1)
    with pytest.raises(DataError, match="whole numbers"):
        vcereg.regress("y ~ x | vce(dk t, lags(2))", d)
    with pytest.raises(DataError, match="whole numbers"):
        vcereg.stata("xtscc y x, lag(2)", d, panel=PanelSpec("id", "t"))


def test_driscoll_kraay_orders_periods_by_value():
    """Periods 1..14 relabelled so that text order differs from numeric order (``9`` < ``10``
    as numbers, not as text): the statsmodels reference sorts by the numeric time."""
    d = _panel()
    d["t"] = d["t"] + 1
    r = vcereg.regress("y ~ x | vce(dk t, lags(3))", d.sample(frac=1.0, random_state=2))
    ordered = d.sort_values(["t", "id"])
    ref = sm.OLS(ordered["y"], sm.add_constant(ordered[["x"]])).fit(
        cov_type="hac-groupsum",
        cov_kwds={"time": ordered["t"].to_numpy(), "maxlags": 3, "use_correction": "cluster"},
        use_t=True,
    )
    np.testing.assert_allclose(r.se.to_numpy(), np.asarray(ref.bse), rtol=REL_REFERENCE)


def test_with_vce_recodes_a_cluster_variable_used_as_time(series):
    """A variable first used to cluster is coded in value order, not reused for lags."""
    d = series.assign(t=series["t"].astype(str))
    r = vcereg.regress("y ~ x | vce(cluster t)", d)
    with pytest.raises(DataError, match="whole numbers"):
        r.with_vce("hac t, lags(2)")
    numeric = vcereg.regress("y ~ x | vce(cluster t)", series.sample(frac=1.0, random_state=5))
    hac = numeric.with_vce("hac t, lags(2)")
    np.testing.assert_allclose(hac.se.to_numpy(), _reference(series, 2), rtol=REL_REFERENCE)
