"""Predictive margins after absorbed fixed effects carry the uncertainty of the effects'
average (issue 20, item 4).

The average of the estimated effects is ``_cons = ybar - xbar'b``: it has a variance, and
before this fix margins added it as a known constant (SE 0 and t = inf at ``at(x=1)``
after ``fe(id)``, 0.114 in the dummy-variable regression). Reference: the same model with
the effects as dummies (statsmodels, ``C(id)``), whose predictive margin is the average of
its predictions with x set, ``g'b`` for the averaged design row ``g``, with variance
``g'Vg`` under the same variance type. Stata's ``margins`` after ``areg``/``reghdfe``/
``xtreg, fe`` averages ``xb = x b + _cons``, which over the whole sample is the same number
(``_cons`` is the weighted mean of the effects). With ``over()`` it keeps ``_cons`` for every
group (the groups' own effects do not enter), which the dummy regression reproduces with
the sample's shares of the effects in ``g``. Tolerance: REL_REFERENCE (two least-squares
solvers on a well-conditioned problem).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import vcereg
from tests.tolerances import REL_REFERENCE as RTOL


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(10)
    d = pd.DataFrame({"id": np.repeat(np.arange(40), 6), "t": np.tile(np.arange(6), 40)})
    d["x"] = rng.normal(size=240)
    d["y"] = 1 + 0.5 * d.x + rng.normal(size=40)[d.id] + rng.normal(size=240)
    d["w"] = rng.uniform(0.5, 2.0, 240)
    d["g"] = d["id"] % 3
    return d


def _dummy_margin(fit, d: pd.DataFrame, at: float, rows: np.ndarray, w: np.ndarray | None):
    """Margin and SE of the dummy regression: rows ``rows`` averaged (weighted) for x and
    the constant, the whole sample's shares for the effects' dummies."""
    names = fit.model.exog_names
    exog = np.asarray(fit.model.exog, dtype=float).copy()
    exog[:, names.index("x")] = at
    weights = np.ones(len(d)) if w is None else w
    g = weights @ exog / weights.sum()  # the effects' shares over the sample
    group = weights[rows] @ exog[rows] / weights[rows].sum()
    keep = [i for i, n in enumerate(names) if not n.startswith("C(")]
    g[keep] = group[keep]
    v = np.asarray(fit.cov_params())
    return float(g @ fit.params.to_numpy()), float(np.sqrt(g @ v @ g))


CASES = [
    ("areg y x, absorb(id)", "y ~ x + C(id)", {}),
    ("areg y x, absorb(id) vce(robust)", "y ~ x + C(id)", {"cov_type": "HC1"}),
    ("areg y x, absorb(id) vce(cluster g)", "y ~ x + C(id)", {"cov_type": "cluster"}),
    ("reghdfe y x, absorb(id t)", "y ~ x + C(id) + C(t)", {}),
    ("reghdfe y x [aw=w], absorb(id t) vce(robust)", "y ~ x + C(id) + C(t)", {"cov_type": "HC1"}),
]


@pytest.mark.parametrize(("line", "formula", "cov"), CASES, ids=[c[0] for c in CASES])
def test_margin_at_a_value_matches_the_dummy_regression(line, formula, cov):
    d = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = vcereg.stata(line, d)
    weighted = "[aw=w]" in line
    model = smf.wls(formula, d, weights=d["w"]) if weighted else smf.ols(formula, d)
    kw = dict(cov)
    if kw.get("cov_type") == "cluster":
        kw["cov_kwds"] = {"groups": d["g"].to_numpy()}
    fit = model.fit(**kw, use_t=True)
    w = d["w"].to_numpy() if weighted else None
    m = r.margins(at={"x": [1.0, -2.0]})
    for at in (1.0, -2.0):
        est, se = _dummy_margin(fit, d, at, np.ones(len(d), dtype=bool), w)
        row = m.loc[f"x={at:g}"]
        np.testing.assert_allclose(row["estimate"], est, rtol=RTOL)
        np.testing.assert_allclose(row["std_error"], se, rtol=RTOL)
        assert se > 0 and np.isfinite(row["t"])


def test_the_issue_example():
    d = _data()
    r = vcereg.regress("y ~ x | fe(id)", d)
    m = r.margins(at={"x": 1})
    assert m.loc["x=1", "std_error"] > 0.1 and np.isfinite(m.loc["x=1", "t"])
    fit = smf.ols("y ~ x + C(id)", d).fit()
    est, se = _dummy_margin(fit, d, 1.0, np.ones(len(d), dtype=bool), None)
    np.testing.assert_allclose([m.loc["x=1", "estimate"], m.loc["x=1", "std_error"]], [est, se])


def test_over_groups_keep_the_overall_constant():
    d = _data()
    r = vcereg.stata("areg y x, absorb(id) vce(robust)", d)
    fit = smf.ols("y ~ x + C(id)", d).fit(cov_type="HC1", use_t=True)
    m = r.margins(at={"x": 1.0}, over="g")
    for g in (0, 1, 2):
        est, se = _dummy_margin(fit, d, 1.0, (d["g"] == g).to_numpy(), None)
        row = m.loc[f"x=1 | g={g}"]
        np.testing.assert_allclose([row["estimate"], row["std_error"]], [est, se], rtol=RTOL)


def test_xtreg_fe_margin_uses_cons_and_its_covariance():
    """xtreg, fe: Stata's margins averages xb + _cons with V over (b, _cons)."""
    d = _data()
    r = vcereg.stata("xtreg y x, fe", d, panel=vcereg.spec.PanelSpec("id", "t"))
    v = r.cov.loc[["Intercept", "x"], ["Intercept", "x"]].to_numpy()
    g = np.array([1.0, 1.0])
    m = r.margins(at={"x": 1.0})
    np.testing.assert_allclose(m.loc["x=1", "estimate"], r.params["Intercept"] + r.params["x"])
    np.testing.assert_allclose(m.loc["x=1", "std_error"], np.sqrt(g @ v @ g), rtol=1e-12)
