"""GLMs with absorbed fixed effects (the array-level IRLS) against references.

- pyfixest ``fepois`` / ``feglm`` (its own IRLS with demeaning), both solved to 1e-12 on
  the deviance: coefficients at REL_ML;
- statsmodels with explicit dummies on small data (an unrelated algorithm): coefficients,
  deviance, log likelihood, the inverse Hessian (the x block of the full model's inverse
  information, which equals the inverse of the profiled one) and the HC0 sandwich (the x
  block of the full sandwich equals the one built from the demeaned scores);
- identities: units of y and x, row order, integer dtypes, warm starts.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from tests.tolerances import REL_IDENTITY, REL_ML
from vcereg.errors import ConvergenceError
from vcereg.estimators.glm_fe import fit_glm_fe

pf = pytest.importorskip("pyfixest")

#: pyfixest's feglm stops ~1e-7 (relative) short of the optimum with a probit link even
#: at iwls_tol=1e-12 (statsmodels' exact Newton with dummies agrees with vcereg to 1e-9 on
#: the same data, see test_probit_observed_information_against_dummies); 1e-6 is the
#: comparison the brief asks for and still catches any wrong factor or weight.
REL_PYFIXEST_GLM = 1e-6


def _panel(kind: str, n: int = 3000, seed: int = 7, levels=(150, 40)):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, levels[0], n)
    b = rng.integers(0, levels[1], n)
    x = np.column_stack([rng.normal(size=n), rng.uniform(-1, 1, n), rng.integers(0, 3, n)])
    eta = x @ np.array([0.4, -0.3, 0.2]) + rng.normal(0, 0.5, levels[0])[a]
    eta += rng.normal(0, 0.5, levels[1])[b]
    if kind == "poisson":
        y = rng.poisson(np.exp(eta)).astype(float)
    else:
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    df = pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2], "a": a, "b": b})
    return df


def _codes(df, names):
    return [pd.factorize(df[c])[0].astype(np.int64) for c in names]


def _informative(df, names, binary):
    """Rows pyfixest keeps: groups with variation in y (all-zero / all-one groups go)."""
    keep = np.ones(len(df), dtype=bool)
    while True:
        bad = np.zeros(len(df), dtype=bool)
        for c in names:
            s = df.loc[keep].groupby(c)["y"].agg(["sum", "count"])
            allzero = s.index[(s["sum"] == 0) | (binary & (s["sum"] == s["count"]))]
            bad |= keep & df[c].isin(allzero).to_numpy()
        if not bad.any():
            return keep
        keep &= ~bad


@pytest.mark.parametrize("fe", [("a",), ("a", "b")])
def test_poisson_matches_pyfixest(fe):
    df = _panel("poisson")
    keep = _informative(df, fe, False)
    sub = df[keep].reset_index(drop=True)
    fit = fit_glm_fe(
        sub[["x1", "x2", "x3"]].to_numpy(),
        sub["y"].to_numpy(),
        _codes(sub, fe),
        tol=1e-12,
        itol=1e-13,
    )
    ref = pf.fepois(
        f"y ~ x1 + x2 + x3 | {'+'.join(fe)}",
        data=df,
        iwls_tol=1e-12,
        fixef_tol=1e-12,
        iwls_maxiter=100,
    )
    assert len(sub) == ref._N
    np.testing.assert_allclose(fit.params, ref.coef().to_numpy(), rtol=REL_ML)
    np.testing.assert_allclose(fit.deviance, ref.deviance, rtol=REL_ML)


@pytest.mark.parametrize("link", ["logit", "probit"])
@pytest.mark.parametrize("fe", [("a",), ("a", "b")])
def test_binary_matches_pyfixest(fe, link):
    df = _panel("binary")
    keep = _informative(df, fe, True)
    sub = df[keep].reset_index(drop=True)
    fit = fit_glm_fe(
        sub[["x1", "x2", "x3"]].to_numpy(),
        sub["y"].to_numpy(),
        _codes(sub, fe),
        family="binomial",
        link=link,
        tol=1e-12,
        itol=1e-13,
        hessian="eim",
    )
    ref = pf.feglm(
        f"y ~ x1 + x2 + x3 | {'+'.join(fe)}",
        data=sub,
        family=link,
        iwls_tol=1e-12,
        fixef_tol=1e-12,
        iwls_maxiter=100,
    )
    np.testing.assert_allclose(fit.params, ref.coef().to_numpy(), rtol=REL_PYFIXEST_GLM)
    # the expected-information bread is pyfixest's iid covariance before its ssc factor
    bread = np.linalg.inv(fit.hessian)
    _close_cov(bread, ref._bread, REL_PYFIXEST_GLM)


def _close_cov(a, b, rtol):
    """Covariances agree to ``rtol`` of the variances (off-diagonal elements near zero
    are compared on the scale of the diagonal)."""
    b = np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * float(np.abs(np.diag(b)).max()))


def _dummy_design(df, fe):
    parts = [df[["x1", "x2", "x3"]]]
    parts += [pd.get_dummies(df[c].astype(str), prefix=c, drop_first=True, dtype=float) for c in fe]
    return sm.add_constant(pd.concat(parts, axis=1))


@pytest.mark.parametrize("fe", [("a",), ("a", "b")])
def test_poisson_against_dummies(fe):
    df = _panel("poisson", n=600, levels=(20, 8))
    keep = _informative(df, fe, False)
    sub = df[keep].reset_index(drop=True)
    fit = fit_glm_fe(
        sub[["x1", "x2", "x3"]].to_numpy(),
        sub["y"].to_numpy(),
        _codes(sub, fe),
        tol=1e-12,
        itol=1e-13,
    )
    model = sm.GLM(sub["y"], _dummy_design(sub, fe), family=sm.families.Poisson())
    ref = model.fit(tol=1e-13)
    names = ["x1", "x2", "x3"]
    np.testing.assert_allclose(fit.params, ref.params[names], rtol=REL_ML)
    np.testing.assert_allclose(fit.deviance, ref.deviance, rtol=REL_ML)
    np.testing.assert_allclose(fit.loglik, ref.llf, rtol=REL_ML)
    np.testing.assert_allclose(
        np.linalg.inv(fit.hessian), ref.cov_params().loc[names, names], rtol=1e-6
    )
    hc0 = model.fit(tol=1e-13, cov_type="HC0").cov_params().loc[names, names].to_numpy()
    bread = np.linalg.inv(fit.hessian)
    np.testing.assert_allclose(bread @ (fit.scores.T @ fit.scores) @ bread, hc0, rtol=1e-6)


def test_probit_observed_information_against_dummies():
    """Non-canonical link: the observed-information bread and the sandwich need the
    regressors demeaned with the observed weights (statsmodels Probit uses the observed
    Hessian)."""
    df = _panel("binary", n=800, levels=(25, 6))
    keep = _informative(df, ("a",), True)
    sub = df[keep].reset_index(drop=True)
    fit = fit_glm_fe(
        sub[["x1", "x2", "x3"]].to_numpy(),
        sub["y"].to_numpy(),
        _codes(sub, ("a",)),
        family="binomial",
        link="probit",
        tol=1e-12,
        itol=1e-13,
    )
    design = _dummy_design(sub, ("a",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.Probit(sub["y"], design).fit(method="newton", tol=1e-12, disp=0, maxiter=100)
        hc0 = sm.Probit(sub["y"], design).fit(
            method="newton", tol=1e-12, disp=0, cov_type="HC0", maxiter=100
        )
    names = ["x1", "x2", "x3"]
    np.testing.assert_allclose(fit.params, ref.params[names], rtol=REL_ML)
    bread = np.linalg.inv(fit.hessian)
    np.testing.assert_allclose(bread, ref.cov_params().loc[names, names], rtol=1e-6)
    sandwich = bread @ (fit.scores.T @ fit.scores) @ bread
    np.testing.assert_allclose(sandwich, hc0.cov_params().loc[names, names], rtol=1e-6)
    np.testing.assert_allclose(fit.loglik, ref.llf, rtol=REL_ML)


def test_units_and_order_do_not_matter():
    df = _panel("poisson", n=2000)
    x = df[["x1", "x2", "x3"]].to_numpy()
    y = df["y"].to_numpy()
    codes = _codes(df, ("a", "b"))
    base = fit_glm_fe(x, y, codes, tol=1e-12, itol=1e-13)
    scaled = fit_glm_fe(x * np.array([1e-6, 1.0, 1e9]), y * 1e6, codes, tol=1e-12, itol=1e-13)
    np.testing.assert_allclose(scaled.params * np.array([1e-6, 1.0, 1e9]), base.params, rtol=1e-8)
    np.testing.assert_allclose(scaled.deviance, base.deviance * 1e6, rtol=1e-8)
    perm = np.random.default_rng(1).permutation(len(y))
    moved = fit_glm_fe(x[perm], y[perm], [c[perm] for c in codes], tol=1e-12, itol=1e-13)
    np.testing.assert_allclose(moved.params, base.params, rtol=REL_IDENTITY * 100)
    small = fit_glm_fe(
        x, y.astype(np.int8), [c.astype(np.int16) for c in codes], tol=1e-12, itol=1e-13
    )
    np.testing.assert_allclose(small.params, base.params, rtol=REL_IDENTITY * 100)


def test_collinear_with_fixed_effects_is_omitted():
    df = _panel("poisson", n=1000)
    x = df[["x1", "x2"]].to_numpy()
    within = (df["a"] % 7).to_numpy(float)  # constant within a: absorbed
    with pytest.warns(Warning, match="collinearity"):
        fit = fit_glm_fe(np.column_stack([x, within]), df["y"].to_numpy(), _codes(df, ("a",)))
    assert fit.keep.tolist() == [True, True, False]
    assert fit.params[2] == 0


def test_non_convergence_is_an_error():
    df = _panel("poisson", n=500)
    with pytest.raises(ConvergenceError, match="after 2 iterations"):
        fit_glm_fe(df[["x1"]].to_numpy(), df["y"].to_numpy(), _codes(df, ("a",)), maxiter=2)


def test_huge_working_response_keeps_its_digits():
    """A tiny fitted mean with a positive outcome makes z = eta + (y - mu) / mu huge; the
    linear predictor must still be right (ppmlhdfe's set 11: x1 down to -716)."""
    rng = np.random.default_rng(3)
    n = 400
    x = rng.normal(size=n)
    x[:3] = [-700.0, -650.0, -500.0]
    g = rng.integers(0, 10, n)
    y = rng.poisson(np.exp(0.5 + 0.04 * x)).astype(float)
    y[:3] = [1.0, 2.0, 1.0]
    fit = fit_glm_fe(x[:, None], y, [g], tol=1e-12, itol=1e-13)
    design = sm.add_constant(np.column_stack([x, np.eye(10)[g][:, 1:]]))
    ref = sm.GLM(y, design, family=sm.families.Poisson()).fit(tol=1e-14)
    np.testing.assert_allclose(fit.params[0], ref.params[1], rtol=REL_ML)
    np.testing.assert_allclose(fit.deviance, ref.deviance, rtol=REL_ML)
