"""The array-level maximum-likelihood core against statsmodels (tolerances: tests/tolerances.py).

statsmodels is fitted by Newton with tol=1e-12 (its GLM by IRLS with tol=1e-13, which
stops on the deviance, hence REL_ML rather than REL_REFERENCE).
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from tests.tolerances import REL_IDENTITY, REL_ML
from vcereg.errors import ConvergenceError, DataError, SpecError
from vcereg.estimators.glm import fit_glm_arrays
from vcereg.estimators.glm_family import make_family, make_link

L = sm.families.links


def _data(kind: str, seed: int = 3, n: int = 400):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n), rng.normal(size=n), rng.uniform(-1, 1, size=n)])
    eta = 0.2 + 0.7 * x[:, 1] - 0.4 * x[:, 2]
    if kind == "binary":
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    elif kind == "count":
        y = rng.poisson(np.exp(eta)).astype(float)
    elif kind == "positive":
        y = rng.gamma(3.0, np.exp(eta) / 3.0)
    else:
        y = eta + rng.normal(size=n)
    return x, y, rng


CASES = [
    ("binomial", "logit", "binary", sm.families.Binomial()),
    ("binomial", "probit", "binary", sm.families.Binomial(L.Probit())),
    ("binomial", "cloglog", "binary", sm.families.Binomial(L.CLogLog())),
    ("poisson", "log", "count", sm.families.Poisson()),
    ("gaussian", "identity", "normal", sm.families.Gaussian()),
    ("gaussian", "log", "positive", sm.families.Gaussian(L.Log())),
    ("gamma", "log", "positive", sm.families.Gamma(L.Log())),
    ("inverse_gaussian", "log", "positive", sm.families.InverseGaussian(L.Log())),
    ("nbinomial", "log", "count", sm.families.NegativeBinomial(alpha=0.6)),
]


@pytest.mark.parametrize(("family", "link", "kind", "ref_family"), CASES)
def test_matches_statsmodels_glm(family, link, kind, ref_family):
    x, y, _ = _data(kind)
    fit = fit_glm_arrays(x, y, family=family, link=link, alpha=0.6)
    ref = sm.GLM(y, x, family=ref_family).fit(tol=1e-13, maxiter=200)
    np.testing.assert_allclose(fit.params, ref.params, rtol=REL_ML)
    np.testing.assert_allclose(fit.deviance, ref.deviance, rtol=REL_ML)
    np.testing.assert_allclose(fit.pearson, ref.pearson_chi2, rtol=REL_ML)
    # observed information and per-row scores at scale 1, statsmodels' own derivatives
    np.testing.assert_allclose(fit.hessian, -ref.model.hessian(fit.params, scale=1), rtol=1e-8)
    score_obs = ref.model.score_obs(fit.params, scale=1)
    np.testing.assert_allclose(fit.scores, score_obs, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.mu, ref.mu, rtol=REL_ML)


@pytest.mark.parametrize(
    ("family", "model"),
    [("binomial", sm.Logit), ("poisson", sm.Poisson)],
)
def test_loglik_and_newton_match_discrete_models(family, model):
    x, y, _ = _data("binary" if family == "binomial" else "count")
    fit = fit_glm_arrays(x, y, family=family)
    ref = model(y, x).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
    np.testing.assert_allclose(fit.params, ref.params, rtol=1e-9)
    np.testing.assert_allclose(fit.loglik, ref.llf, rtol=1e-12)
    assert fit.converged and fit.iterations < 10


def test_probit_loglik_matches_statsmodels():
    x, y, _ = _data("binary")
    fit = fit_glm_arrays(x, y, link="probit")
    ref = sm.Probit(y, x).fit(method="newton", tol=1e-12, disp=0)
    np.testing.assert_allclose(fit.params, ref.params, rtol=1e-9)
    np.testing.assert_allclose(fit.loglik, ref.llf, rtol=1e-12)
    np.testing.assert_allclose(fit.hessian, -ref.model.hessian(ref.params), rtol=1e-8)


def test_weights_offset_and_trials():
    x, y, rng = _data("count")
    w = rng.uniform(0.5, 2.0, size=len(y))
    off = rng.normal(scale=0.2, size=len(y))
    fit = fit_glm_arrays(x, y, family="poisson", weights=w, offset=off)
    ref = sm.GLM(y, x, family=sm.families.Poisson(), var_weights=w, offset=off).fit(tol=1e-13)
    np.testing.assert_allclose(fit.params, ref.params, rtol=REL_ML)
    np.testing.assert_allclose(fit.loglik, ref.llf, rtol=REL_ML)
    # binomial with trials: counts out of m
    m = rng.integers(1, 8, size=len(y)).astype(float)
    p = 1 / (1 + np.exp(-(x @ [0.1, 0.5, -0.3])))
    k = rng.binomial(m.astype(int), p).astype(float)
    fit = fit_glm_arrays(x, k, family="binomial", trials=m)
    ref = sm.GLM(np.column_stack([k, m - k]), x, family=sm.families.Binomial()).fit(tol=1e-13)
    np.testing.assert_allclose(fit.params, ref.params, rtol=REL_ML)
    np.testing.assert_allclose(fit.loglik, ref.llf, rtol=REL_ML)
    np.testing.assert_allclose(fit.mu, m * ref.mu, rtol=REL_ML)


def test_irls_reaches_the_same_optimum():
    x, y, _ = _data("positive")
    a = fit_glm_arrays(x, y, family="gamma", link="log")
    b = fit_glm_arrays(x, y, family="gamma", link="log", method="irls", ltol=1e-14)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-8)
    assert b.method == "irls"


def test_rescaling_a_regressor_rescales_its_coefficient_only():
    x, y, _ = _data("binary")
    base = fit_glm_arrays(x, y)
    for c in (1e-6, 1e9):
        xs = x.copy()
        xs[:, 1] *= c
        fit = fit_glm_arrays(xs, y)
        np.testing.assert_allclose(fit.params * [1, c, 1], base.params, rtol=1e-9)
        np.testing.assert_allclose(fit.loglik, base.loglik, rtol=REL_IDENTITY)


def test_complete_separation_does_not_converge():
    x = np.column_stack([np.ones(20), np.arange(20.0)])
    y = (np.arange(20) >= 10).astype(float)
    with pytest.raises(ConvergenceError, match="complete separation"):
        fit_glm_arrays(x, y, maxiter=50)


def test_iteration_limit_is_an_error_not_a_result():
    x, y, _ = _data("binary")
    with pytest.raises(ConvergenceError, match="after 1 iterations"):
        fit_glm_arrays(x, y, maxiter=1)


def test_bad_input_is_named():
    x, y, _ = _data("count")
    with pytest.raises(SpecError, match="unknown family"):
        fit_glm_arrays(x, y, family="poison")
    with pytest.raises(SpecError, match="does not take the probit link"):
        fit_glm_arrays(x, y, family="poisson", link="probit")
    with pytest.raises(DataError, match="must not be negative"):
        fit_glm_arrays(x, -y, family="poisson")
    bad = y.copy()
    bad[0] = np.nan
    with pytest.raises(DataError, match="non-finite"):
        fit_glm_arrays(x, bad, family="poisson")


def test_link_derivatives_are_consistent():
    eta = np.linspace(-6, 6, 41)
    for name in ("identity", "log", "logit", "probit", "cloglog", "power(-1)", "power(0.5)"):
        link = make_link(name)
        e = eta if not name.startswith("power") else np.linspace(0.2, 3, 41)
        h = 1e-6
        num1 = (link.inverse(e + h) - link.inverse(e - h)) / (2 * h)
        num2 = (link.dmu(e + h) - link.dmu(e - h)) / (2 * h)
        np.testing.assert_allclose(link.dmu(e), num1, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(link.d2mu(e), num2, rtol=1e-5, atol=1e-8)
        inner = e[(e >= -5) & (e <= 3)]  # beyond, the mean rounds to 1 (probit, cloglog)
        np.testing.assert_allclose(link.link(link.inverse(inner)), inner, rtol=1e-9, atol=1e-9)


def test_binary_tails_stay_finite():
    # far in the tails the closed forms must not produce 0/0
    eta = np.array([-40.0, -10.0, 10.0, 40.0])
    for name in ("logit", "probit", "cloglog"):
        d1, d2 = make_link(name).bernoulli(np.array([1.0, 0.0, 1.0, 0.0]), eta)
        assert np.all(np.isfinite(d1)) and np.all(np.isfinite(d2)), name
    assert make_family("nb", alpha=2.0).name == "nbinomial"
