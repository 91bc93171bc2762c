"""Conditional logit and conditional Poisson (array level) against references.

- the conditional log likelihood, gradient and Hessian against brute force: every subset
  of each small group enumerated (written here), at 1e-12;
- ``fit_clogit`` against statsmodels' ``ConditionalLogit`` (Newton, gtol 1e-12):
  coefficients and standard errors at REL_ML;
- ``fit_conditional_poisson`` against a Poisson GLM with panel dummies (statsmodels):
  coefficients and the inverse Hessian; its log likelihood against the multinomial pmf
  of each panel's counts (scipy.stats.multinomial).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.conditional_models import ConditionalLogit

from tests.tolerances import REL_ML
from vcereg.errors import EmptySampleError
from vcereg.estimators.clogit import fit_clogit
from vcereg.estimators.clogit_lik import ConditionalLogitData, conditional_logit_loglik
from vcereg.estimators.cpoisson import conditional_poisson_loglik, fit_conditional_poisson


def _groups(seed=0, n_groups=60, lo=2, hi=9, k=3):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(lo, hi, n_groups)
    group = rng.permutation(np.repeat(np.arange(n_groups), sizes))
    x = rng.normal(size=(group.size, k))
    alpha = rng.normal(0, 1, n_groups)[group]
    y = (
        rng.uniform(size=group.size) < 1 / (1 + np.exp(-(x @ np.r_[0.5, -0.3, 0.8][:k] + alpha)))
    ).astype(float)
    return x, y, group


def _brute(beta, x, y, group):
    ll, grad, hess = 0.0, np.zeros(x.shape[1]), np.zeros((x.shape[1],) * 2)
    for g in np.unique(group):
        idx = np.flatnonzero(group == g)
        k = int(y[idx].sum())
        sums = np.array([x[list(s)].sum(axis=0) for s in itertools.combinations(idx, k)])
        e = sums @ beta
        p = np.exp(e - e.max())
        p /= p.sum()
        ll += x[idx][y[idx] == 1].sum(axis=0) @ beta - (np.log(np.exp(e - e.max()).sum()) + e.max())
        mean = p @ sums
        grad += x[idx][y[idx] == 1].sum(axis=0) - mean
        hess += (sums * p[:, None]).T @ sums - np.outer(mean, mean)
    return ll, grad, hess


@pytest.mark.parametrize("scale", [1.0, 30.0, 300.0])
def test_likelihood_against_enumeration(scale):
    x, y, group = _groups()
    for g in range(60):  # both outcomes in every group
        idx = np.flatnonzero(group == g)
        y[idx[0]], y[idx[1]] = 1.0, 0.0
    beta = scale * np.array([0.3, -0.5, 0.8])
    ll, grad, hess, scores = conditional_logit_loglik(beta, ConditionalLogitData.build(x, y, group))
    ref = _brute(beta, x, y, group)
    np.testing.assert_allclose(ll, ref[0], rtol=1e-12)
    np.testing.assert_allclose(grad, ref[1], rtol=1e-10, atol=1e-10 * scale)
    np.testing.assert_allclose(hess, ref[2], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(scores.sum(axis=0), grad, rtol=1e-12, atol=1e-12)


def test_large_groups_do_not_overflow():
    """Groups of 200 with 120 positives: C(200, 120) ~ 1e58 subsets (flipped to 80)."""
    rng = np.random.default_rng(2)
    group = np.repeat(np.arange(4), 200)
    x = rng.normal(size=(800, 2)) * 5
    y = np.zeros(800)
    for g in range(4):
        y[g * 200 + rng.choice(200, 120, replace=False)] = 1.0
    data = ConditionalLogitData.build(x, y, group)
    ll, grad, hess, _ = conditional_logit_loglik(np.array([0.7, -0.4]), data)
    assert np.isfinite(ll) and np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))
    # at b = 0 every subset is equally likely: ln B = ln C(n, k)
    ll0 = conditional_logit_loglik(np.zeros(2), data)[0]
    np.testing.assert_allclose(ll0, -4 * math.log(math.comb(200, 120)), rtol=1e-12)


def test_fit_matches_statsmodels():
    x, y, group = _groups(seed=4, n_groups=300)
    fit = fit_clogit(x, y, group)
    s = fit.sample
    ref = ConditionalLogit(y[s], x[s], groups=group[s]).fit(method="newton", disp=0, gtol=1e-12)
    np.testing.assert_allclose(fit.params, ref.params, rtol=REL_ML)
    np.testing.assert_allclose(np.sqrt(np.diag(np.linalg.inv(fit.hessian))), ref.bse, rtol=REL_ML)
    np.testing.assert_allclose(fit.loglik, ref.llf, rtol=REL_ML)
    assert fit.notes[0].endswith("dropped because of all positive or all negative outcomes")
    assert fit.dropped_obs == int((~s).sum())


def test_group_scores_sum_to_the_gradient_and_sit_in_their_group():
    x, y, group = _groups(seed=5, n_groups=80)
    fit = fit_clogit(x, y, group)
    rows = np.flatnonzero(np.abs(fit.scores).sum(axis=1) > 0)
    assert len(np.unique(group[fit.sample][rows])) == rows.size  # one row per group
    np.testing.assert_allclose(fit.scores.sum(axis=0), 0, atol=1e-8)


def test_separation_within_groups_is_dropped():
    """x2 is non-zero only in group 0, where it orders the outcome perfectly: without the
    check its coefficient would run off to infinity; with it, group 0 goes (and x2 with
    it), and the fit equals the fit without group 0."""
    x, y, group = _groups(seed=6, n_groups=100, k=1)
    idx = np.flatnonzero(group == 0)
    x2 = np.zeros(group.size)
    x2[idx] = np.arange(idx.size, dtype=float)
    y[idx] = (np.arange(idx.size) >= idx.size // 2).astype(float)
    with pytest.warns(Warning, match="within-group variance"):
        fit = fit_clogit(np.c_[x, x2], y, group)
    assert fit.n_separated == idx.size and not fit.sample[idx].any()
    assert fit.keep.tolist() == [True, False]
    assert "separated by" in fit.notes[-1]
    other = group != 0
    ref = fit_clogit(x[other], y[other], group[other])
    np.testing.assert_allclose(fit.params[:1], ref.params, rtol=1e-10)


def test_flipped_groups_give_the_same_fit():
    x, y, group = _groups(seed=7, n_groups=150)
    a = fit_clogit(x, y, group)
    b = fit_clogit(-x, 1 - y, group)  # positives and negatives swapped
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10)


def test_no_informative_group():
    with pytest.raises(EmptySampleError):
        fit_clogit(np.ones((4, 1)), np.array([0.0, 0, 1, 1]), np.array([0, 0, 1, 1]))


def test_conditional_poisson_equals_poisson_with_dummies():
    rng = np.random.default_rng(8)
    group = np.repeat(np.arange(150), rng.integers(1, 8, 150))
    x = rng.normal(size=(group.size, 2))
    y = rng.poisson(np.exp(x @ [0.5, -0.3] + rng.normal(0, 1, 150)[group] - 0.5)).astype(float)
    fit = fit_conditional_poisson(x, y, group)
    s = fit.sample
    dummies = np.eye(group.max() + 1)[group[s]]
    dummies = dummies[:, dummies.sum(axis=0) > 0][:, 1:]
    ref = sm.GLM(y[s], sm.add_constant(np.c_[x[s], dummies]), family=sm.families.Poisson()).fit(
        tol=1e-13
    )
    np.testing.assert_allclose(fit.fit.params, ref.params[1:3], rtol=REL_ML)
    np.testing.assert_allclose(
        np.linalg.inv(fit.fit.hessian), ref.cov_params()[1:3, 1:3], rtol=1e-6
    )
    # the conditional log likelihood: each panel's counts are multinomial given the total
    mu = fit.fit.mu
    codes = np.unique(group[s], return_inverse=True)[1]
    ll = 0.0
    for g in np.unique(codes):
        m = codes == g
        ll += stats.multinomial.logpmf(y[s][m], int(y[s][m].sum()), mu[m] / mu[m].sum())
    np.testing.assert_allclose(fit.loglik, ll, rtol=1e-12)
    np.testing.assert_allclose(conditional_poisson_loglik(y[s], mu, codes), ll, rtol=1e-12)
    assert any("all zero outcomes" in n for n in fit.notes)
    assert any("only one obs per group" in n for n in fit.notes)
