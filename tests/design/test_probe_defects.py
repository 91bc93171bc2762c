"""Defects found by the issue-8 probe at the data/design level, each with its fix.

References: statsmodels (patsy) fits on the same data cleaned by hand, or the error
class and the name it must mention. Tolerance REL_REFERENCE (see tests/tolerances.py).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import vcereg
from tests.tolerances import REL_REFERENCE
from vcereg.errors import DataError, EstimationError, FormulaError
from vcereg.linalg import least_squares
from vcereg.spec import PanelSpec


@pytest.fixture(scope="module")
def d() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 60
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "g": rng.integers(0, 5, n),
        }
    )


@pytest.mark.parametrize("name", ["Intercept", "_cons"])
def test_column_named_like_the_constant_is_refused(d, name):
    data = d.assign(**{name: d["z"]})
    with pytest.raises(DataError, match=name):
        vcereg.regress(f"y ~ x + {name}", data)


def test_string_dtype_is_categorical_like_text(d):
    s = pd.array(["a", "b", "c"] * 20, dtype="string")
    ours = vcereg.regress("y ~ x + s", d.assign(s=s))
    ref = smf.ols("y ~ x + s", d.assign(s=np.asarray(s, dtype=object))).fit()
    names = list(ref.params.index)
    assert sorted(names) == sorted(ours.terms)
    np.testing.assert_allclose(ours.params[names], ref.params, rtol=REL_REFERENCE)


def test_duplicated_column_names_name_the_column(d):
    dup = d.copy()
    dup.columns = ["y", "x", "x", "g"]
    with pytest.raises(DataError, match="'x' appears 2 times"):
        vcereg.regress("y ~ x", dup)


@pytest.mark.parametrize(("col", "factor"), [("y", 1e160), ("x", 1e154)])
def test_overflowing_magnitudes_are_named(d, col, factor):
    with pytest.raises(EstimationError, match=f"^{col} reaches .*overflows"):
        vcereg.regress("y ~ x", d.assign(**{col: d[col] * factor}))


def test_large_but_safe_magnitudes_fit(d):
    big = vcereg.regress("y ~ x", d.assign(y=d["y"] * 1e140, x=d["x"] * 1e140))
    ref = vcereg.regress("y ~ x", d)
    np.testing.assert_allclose(big.tstat.to_numpy(), ref.tstat.to_numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    "model", ["y ~ z | iv(x ~ x)", "y ~ x | iv(x ~ z)", "y ~ x + z | iv(x ~ g)"]
)
def test_iv_refuses_self_instrumenting_and_exog_endog(d, model):
    with pytest.raises(FormulaError, match="x is both"):
        vcereg.regress(model, d)


def test_stata_iv_refuses_the_same(d):
    with pytest.raises(vcereg.errors.VceregError, match="x is both"):
        vcereg.stata("ivregress 2sls y z (x = x)", d)


def test_q_names_a_column_with_a_space(d):
    data = d.assign(**{"x y": d["x"]})
    ours = vcereg.regress("y ~ Q('x y')", data)
    ref = vcereg.regress("y ~ x", d)
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params.to_numpy(), rtol=REL_REFERENCE)


def test_wide_design_drops_collinear_columns_in_one_pass():
    """1,500 columns in a 30-dimensional span on 50 rows: Stata keeps the first 30 that are
    independent (here columns 0..29) and omits the rest; one QR per omission took 25 s."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 30)) @ rng.normal(size=(30, 1500))
    y = rng.normal(size=50)
    start = time.perf_counter()
    fit = least_squares(x, y)
    assert time.perf_counter() - start < 5.0
    assert fit.keep[:30].all() and not fit.keep[30:].any()
    ref, *_ = np.linalg.lstsq(x[:, :30], y, rcond=None)
    np.testing.assert_allclose(fit.beta, ref, rtol=1e-8)


def test_collinear_drop_order_is_statas():
    """x3 = x1 + x2 is dropped (the later column), not x1."""
    rng = np.random.default_rng(2)
    x1, x2 = rng.normal(size=40), rng.normal(size=40)
    x = np.column_stack([np.ones(40), x1, x2, x1 + x2, rng.normal(size=40), 2 * x2])
    fit = least_squares(x, rng.normal(size=40))
    assert fit.keep.tolist() == [True, True, True, False, True, False]


@pytest.mark.parametrize(
    ("values", "what"),
    [
        (lambda d: pd.cut(d["x"], 3).astype("interval"), "intervals"),
        (lambda d: d["x"] + 1j, "complex"),
        (lambda d: [[1, 2]] * len(d), "lists"),
    ],
)
def test_unusable_column_types_are_named(d, values, what):
    with pytest.raises(DataError, match=f"'c' holds {what}"):
        vcereg.regress("y ~ x + c", d.assign(c=values(d)))


@pytest.mark.parametrize("value", [[1, 2], {1: 2}])
def test_unhashable_cluster_values_are_named(d, value):
    with pytest.raises(DataError, match="'c' holds"):
        vcereg.regress("y ~ x | vce(cluster c)", d.assign(c=[value] * len(d)))


def test_unused_categorical_levels_are_not_omitted(d):
    cat = pd.Categorical(["a", "b"] * 30, categories=["a", "b", "c"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", vcereg.errors.CollinearityWarning)
        r = vcereg.regress("y ~ x + C(cat)", d.assign(cat=cat))
    assert not r.omitted and not any("omitted" in n for n in r.notes)
    assert list(r.terms) == ["Intercept", "x", "C(cat)[T.b]"]


def test_datetime_time_variable_with_ts_operators_is_a_clear_error(d):
    data = d.assign(t=pd.date_range("2000-01-01", periods=len(d), freq="D"))
    with pytest.raises(DataError, match=r"holds dates.*whole-number time"):
        vcereg.stata("regress y L.x", data, panel=PanelSpec(None, "t"))
