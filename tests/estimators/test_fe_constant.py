"""Absorbed fixed effects report ``_cons``, the average of the effects (issue 20, item 10).

Stata's ``areg``, ``reghdfe`` and ``xtreg, fe`` all report it, with a standard error, by
fitting ``y - ybar_i + ybar`` on ``1, x - xbar_i + xbar`` ([XT] xtreg, Methods and
formulas; reghdfe adds it back with the same partitioned inverse). References here: the
dummy-variable regression (statsmodels), where the average of the effects over the sample
is the linear combination ``g'b`` of its intercept and dummies (``g``: 1 and each dummy's
share of the rows, weighted as the fit), so its value and standard error under the same
variance type are independent of the demeaning; and Stata's printed output (Stata 16 on
Grunfeld in tests/test_hausman.py, Stata 13's full covariance including ``_cons`` for every
``xtreg, fe`` variant in tests/stata_lang/test_panel_reference.py).

Also ``e(r2_a)`` after ``xtreg, fe``: Stata adjusts the within R-squared,
``1 - (1 - r2_w)(N - 1)/(N - n - K)`` (n panels, K slopes; the formula Sergio Correia reads
off xtreg on Statalist, "Adjusted within-R2 in fixed effects regression", 10 Apr 2015),
not the dummy regression's R-squared as ``areg`` does. Reference: linearmodels' within
R-squared and the counts. Tolerance REL_REFERENCE throughout.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from linearmodels.panel import PanelOLS

import vcereg
from tests.tolerances import REL_REFERENCE as RTOL
from vcereg.spec import PanelSpec


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"id": np.repeat(np.arange(30), 5), "t": np.tile(np.arange(5), 30)})
    d = d.sample(frac=0.9, random_state=2).sort_index().reset_index(drop=True)  # unbalanced
    d["x"] = rng.normal(size=len(d)) + (rng.normal(size=30) * 2)[d.id]
    d["y"] = 3 + 0.5 * d.x + (rng.normal(size=30) * 3)[d.id] + rng.normal(size=len(d))
    d["w"] = rng.uniform(0.5, 2.0, len(d))
    d["g"] = d["id"] % 7
    return d


def _average_effect(fit, weights: np.ndarray) -> tuple[float, float]:
    names = fit.model.exog_names
    exog = np.asarray(fit.model.exog, dtype=float)
    g = weights @ exog / weights.sum()
    g[names.index("x")] = 0.0  # only the intercept and the dummies
    return float(g @ fit.params.to_numpy()), float(np.sqrt(g @ np.asarray(fit.cov_params()) @ g))


CASES = [
    ("areg y x, absorb(id)", "ols", {}),
    ("areg y x, absorb(id) vce(robust)", "ols", {"cov_type": "HC1"}),
    ("areg y x, absorb(id) vce(cluster g)", "ols", {"cov_type": "cluster"}),
    ("areg y x [aw=w], absorb(id) vce(robust)", "wls", {"cov_type": "HC1"}),
    ("xtreg y x, fe", "ols", {}),
]


@pytest.mark.parametrize(("line", "kind", "cov"), CASES, ids=[c[0] for c in CASES])
def test_cons_is_the_average_effect_of_the_dummy_regression(line, kind, cov):
    d = _data()
    r = vcereg.stata(line, d, panel=PanelSpec("id", "t"))
    assert r.display_names["Intercept"] == "_cons" and "Intercept" in r.terms
    formula = "y ~ x + C(id)"
    model = smf.wls(formula, d, weights=d["w"]) if kind == "wls" else smf.ols(formula, d)
    kw = dict(cov)
    if kw.get("cov_type") == "cluster":
        kw["cov_kwds"] = {"groups": d["g"].to_numpy()}
    fit = model.fit(**kw, use_t=True)
    w = d["w"].to_numpy() if kind == "wls" else np.ones(len(d))
    est, se = _average_effect(fit, w)
    np.testing.assert_allclose(r.params["Intercept"], est, rtol=RTOL)
    np.testing.assert_allclose(r.se["Intercept"], se, rtol=RTOL)
    np.testing.assert_allclose(r.se["x"], fit.bse["x"], rtol=RTOL)  # the slope is untouched
    assert r.df_resid == fit.df_resid  # the constant is one of the absorbed levels


def test_two_effects_and_the_model_test_are_unchanged():
    d = _data()
    r = vcereg.stata("reghdfe y x, absorb(id t)", d)
    fit = smf.ols("y ~ x + C(id) + C(t)", d).fit()
    est, se = _average_effect(fit, np.ones(len(d)))
    np.testing.assert_allclose([r.params["Intercept"], r.se["Intercept"]], [est, se], rtol=RTOL)
    assert r.f_df[0] == 1  # the model F tests the slope only
    np.testing.assert_allclose(r.fstat, fit.tvalues["x"] ** 2, rtol=RTOL)


def test_no_constant_when_the_model_has_none():
    d = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = vcereg.regress("y ~ x - 1 | fe(id)", d)
    assert r.terms == ("x",)


def test_predictions_stay_consistent():
    """xb includes _cons, d is net of it (Stata's d), xbd = xb + d is the dummy regression's
    fitted value, and fixef still returns the effects with the constant in them."""
    d = _data()
    r = vcereg.regress("y ~ x | fe(id)", d)
    fit = smf.ols("y ~ x + C(id)", d).fit()
    xb, dd, xbd = (r.predict(what=k) for k in ("xb", "d", "xbd"))
    np.testing.assert_allclose(xb + dd, xbd, rtol=1e-12)
    np.testing.assert_allclose(xbd, fit.fittedvalues, rtol=RTOL)
    np.testing.assert_allclose(xb, r.params["Intercept"] + r.params["x"] * d["x"], rtol=1e-12)
    assert abs(dd.mean()) < 1e-9 * d["y"].abs().mean()
    effects = r.fixef()["id"]
    np.testing.assert_allclose(effects.loc[d["id"]].to_numpy(), (xbd - r.params["x"] * d.x))
    new = d.head(5)
    np.testing.assert_allclose(r.predict(new, what="xbd"), xbd.head(5), rtol=1e-12)
    np.testing.assert_allclose(r.predict(new, what="d"), dd.head(5), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("vce", ["", " vce(robust)"])
def test_xtreg_fe_adjusted_r2_is_built_from_the_within_r2(vce):
    d = _data()
    r = vcereg.stata(f"xtreg y x, fe{vce}", d, panel=PanelSpec("id", "t"))
    lm = PanelOLS.from_formula("y ~ 1 + x + EntityEffects", d.set_index(["id", "t"])).fit()
    n, panels, k = len(d), d["id"].nunique(), 1
    want = 1 - (1 - lm.rsquared_within) * (n - 1) / (n - panels - k)
    assert r.rsquared_adj == pytest.approx(want, rel=RTOL)
    areg = vcereg.stata("areg y x, absorb(id)", d)  # areg keeps the dummy regression's
    assert areg.rsquared_adj == pytest.approx(smf.ols("y ~ x + C(id)", d).fit().rsquared_adj)
