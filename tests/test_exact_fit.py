"""Exact fits have one rule (issue 20, item 5): residuals zero up to rounding, relative to the
size of the dependent variable, give standard errors 0 and missing t statistics and
p-values, with a note, whatever the number of regressors, the variance, weights or absorbed
effects. Before, one regressor gave SE 0 by luck (exactly zero residuals) and two or more
gave SEs near 1e-15 with p = 0 and three stars.

The reference for an exact fit is its definition (y is built as an exact combination);
for the nearly exact fits that must *not* be flagged, statsmodels' OLS standard errors
(tolerance 1e-6: residuals of 1e-9 of y's size carry y's rounding, 1e-16 of it, so the
residual variance and the s.e. are good to about 1e-7).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import vcereg
from vcereg.estimators import absorb
from vcereg.results.vcefit import EXACT_NOTE


def _quiet(model: str, d: pd.DataFrame, **kw: object) -> vcereg.Results:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vcereg.regress(model, d, **kw)


def _assert_exact(r: vcereg.Results) -> None:
    kept = [t for t in r.terms if t not in r.omitted]
    assert np.all(r.se[kept].to_numpy() == 0.0), r.se
    assert r.tstat[kept].isna().all() and r.pvalue[kept].isna().all()
    ci = r.conf_int().loc[kept]
    np.testing.assert_array_equal(ci["lower"].to_numpy(), r.params[kept].to_numpy())
    assert EXACT_NOTE in r.notes
    assert np.isnan(r.fstat) or r.f_df[0] == 0


def _random_exact(rng: np.random.Generator) -> tuple[pd.DataFrame, str]:
    n, k = int(rng.integers(8, 300)), int(rng.integers(1, 6))
    spread = 10.0 ** rng.integers(-6, 10, size=k)
    level = rng.normal(size=k) * 10.0 ** rng.integers(-3, 9, size=k)
    x = rng.normal(size=(n, k)) * spread + level
    b = rng.normal(size=k) * 10.0 ** rng.integers(-3, 3, size=k)
    d = pd.DataFrame(x, columns=[f"x{j}" for j in range(k)])
    d["y"] = rng.normal() * 10.0 ** rng.integers(-3, 10) + x @ b
    d["w"] = rng.uniform(0.1, 5.0, n)
    return d, " + ".join(d.columns[:k])


def test_two_hundred_random_exact_fits() -> None:
    rng = np.random.default_rng(20)
    for _ in range(200):
        d, rhs = _random_exact(rng)
        _assert_exact(_quiet(f"y ~ {rhs}", d))
        _assert_exact(_quiet(f"y ~ {rhs} | weights(w) | vce(robust)", d))


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e9])
def test_the_issue_example_at_every_scale(scale: float) -> None:
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"x": rng.normal(size=30), "z": rng.normal(size=30)})
    d["y"] = (2 + 3 * d.x - 0.7 * d.z) * scale
    r = _quiet("y ~ x + z", d)
    _assert_exact(r)
    assert "*" not in str(r)


@pytest.mark.parametrize(
    "vce", ["robust", "hc2", "hc3", "cluster g", "cr3 g", "hc2 g, dfadjust", "wild g, reps(99)"]
)
def test_every_variance_type(vce: str) -> None:
    rng = np.random.default_rng(2)
    d = pd.DataFrame({"x": rng.normal(size=60), "z": rng.normal(size=60)})
    d["g"] = np.repeat(np.arange(12), 5)
    d["y"] = 1 + d.x + 2 * d.z
    _assert_exact(_quiet(f"y ~ x + z | vce({vce})", d))


@pytest.mark.parametrize("method", ["direct", "cg"])
@pytest.mark.parametrize(
    "model",
    [
        "y ~ x + z | fe(g)",
        "y ~ x + z | fe(g t) | vce(cluster g)",
        "y ~ x + z | fe(g t) | weights(w)",
        "y ~ x + z | panel(g t, fe)",
    ],
)
def test_absorbed_effects_and_weights(model: str, method: str, monkeypatch) -> None:
    """Group effects of size 1e6 against slopes near 1: the residual rounding follows the
    level of y (1e6), not its within spread, so exactness is judged on y before demeaning."""
    if method == "cg":
        monkeypatch.setattr(absorb, "_DIRECT_MAX_LEVELS", 0)
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"g": np.repeat(np.arange(20), 6), "t": np.tile(np.arange(6), 20)})
    d["x"], d["z"] = rng.normal(size=120), rng.normal(size=120)
    d["w"] = rng.uniform(0.5, 2.0, 120)
    effect = (rng.normal(size=20) * 1e6)[d.g]
    if "fe(g t)" in model:
        effect = effect + rng.normal(size=6)[d.t]
    d["y"] = 0.3 * d.x - 2 * d.z + effect
    _assert_exact(_quiet(model, d))


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e9])
def test_a_nearly_exact_fit_keeps_its_standard_errors(scale: float) -> None:
    rng = np.random.default_rng(4)
    d = pd.DataFrame({"x": rng.normal(size=50), "z": rng.normal(size=50)})
    d["y"] = (2 + 3 * d.x - 0.7 * d.z + 1e-9 * rng.normal(size=50)) * scale
    r = _quiet("y ~ x + z", d)
    ref = sm.OLS(d["y"], sm.add_constant(d[["x", "z"]])).fit()
    assert EXACT_NOTE not in r.notes
    np.testing.assert_allclose(r.se.to_numpy(), ref.bse.to_numpy(), rtol=1e-6)
    assert r.pvalue.max() < 1e-10
