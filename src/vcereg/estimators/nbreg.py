"""Negative binomial regression (NB2) with the dispersion estimated: Stata's ``nbreg``.

``y ~ NB(mu, alpha)`` with ``mu = exp(x b + offset)`` and ``Var(y) = mu + alpha mu^2``;
the parameters are ``(b, ln alpha)``, as Stata estimates and reports them (``/lnalpha``,
with ``alpha = exp(lnalpha)`` below the table). Per observation (``m = 1/alpha``)::

    l = lgamma(y + m) - lgamma(m) - lgamma(y + 1) + y ln(alpha mu) - (y + m) ln(1 + alpha mu)

The scores and the observed information are analytic (see :func:`nb_derivatives`);
Newton's method (:mod:`.newton`) starts from the Poisson estimates and a moment estimate
of alpha. Stata's LR test of alpha = 0 compares with the Poisson fit: ``chibar2(01) =
2 (ll_nb - ll_poisson)``, p = P(chi2(1) > chibar2) / 2 (the null is on the boundary).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from scipy import special, stats

from .._types import FloatArray, IntArray
from ..design import Design
from ..errors import DataError, EstimationError
from ..linalg import least_squares
from ..spec import ModelSpec, WeightKind
from .glm import fit_glm_arrays
from .glm_model import MLInputs, MLModelFit, omit_collinear
from .mlinfo import MLInfo
from .newton import maximize
from .ols import Fit

__all__ = ["LNALPHA", "fit_nbreg_arrays", "fit_nbreg_model", "nb_derivatives"]

#: The name of the ancillary parameter among the result's terms (Stata's ``/lnalpha``).
LNALPHA = "/lnalpha"


def nb_derivatives(
    theta: FloatArray, x: FloatArray, y: FloatArray, w: FloatArray, off: FloatArray
) -> tuple[float, FloatArray, FloatArray]:
    """Log likelihood, per-row scores (N, k + 1) and negative Hessian at ``(b, ln alpha)``."""
    b, lna = theta[:-1], float(theta[-1])
    a = np.exp(lna)
    m = 1.0 / a
    mu = np.exp(np.minimum(x @ b + off, 709.0))
    am = a * mu
    lg = np.log1p(am)
    ll_i = (
        special.gammaln(y + m)
        - special.gammaln(m)
        - special.gammaln(y + 1.0)
        + special.xlogy(y, am)
        - (y + m) * lg
    )
    r = (y - mu) / (1.0 + am)
    dig = special.digamma(y + m) - special.digamma(m)
    big_a = lg - dig
    s_a = big_a / a + r
    scores = np.column_stack([x * (w * r)[:, None], w * s_a])
    h_bb = mu * (1.0 + a * y) / (1.0 + am) ** 2
    h_ba = a * mu * (y - mu) / (1.0 + am) ** 2
    trig = special.polygamma(1, y + m) - special.polygamma(1, m)
    h_aa = -(mu / (1.0 + am) + trig / a**2 - big_a / a - a * (y - mu) * mu / (1.0 + am) ** 2)
    k = x.shape[1]
    neg_h = np.empty((k + 1, k + 1))
    neg_h[:k, :k] = x.T @ (x * (w * h_bb)[:, None])
    neg_h[:k, k] = neg_h[k, :k] = x.T @ (w * h_ba)
    neg_h[k, k] = float(w @ h_aa)
    return float(w @ ll_i), scores, neg_h


def fit_nbreg_arrays(
    x: FloatArray,
    y: FloatArray,
    *,
    weights: FloatArray | None = None,
    offset: FloatArray | None = None,
    start: FloatArray | None = None,
    tol: float = 1e-6,
    ltol: float | None = None,
    nrtol: float = 1e-5,
    maxiter: int = 300,
) -> tuple[FloatArray, float, FloatArray, FloatArray, int]:
    """``(theta, loglik, scores, negative Hessian, iterations)`` of NB2 by Newton."""
    n = len(y)
    w = np.ones(n) if weights is None else weights
    off = np.zeros(n) if offset is None else offset
    if np.any(y < 0) or np.any(y != np.round(y)):
        raise DataError("the outcome of nbreg must be a count (non-negative whole numbers)")
    if start is None:  # Stata: Poisson coefficients, ln(alpha) of the constant-only model
        pois = fit_glm_arrays(x, y, family="poisson", weights=w, offset=off)
        start = np.append(pois.params, _constant_only_lnalpha(y, w, off))

    def objective(theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        ll, scores, neg_h = nb_derivatives(theta, x, y, w, off)
        return ll, scores.sum(axis=0), neg_h

    out = maximize(
        objective,
        start,
        tol=tol,
        ltol=1e-7 if ltol is None else ltol,
        nrtol=nrtol,
        maxiter=maxiter,
    )
    ll, scores, neg_h = nb_derivatives(out.theta, x, y, w, off)
    return out.theta, ll, scores, neg_h, out.iterations


def _constant_only_lnalpha(y: FloatArray, w: FloatArray, off: FloatArray) -> float:
    """ln(alpha) of the constant-only NB2 model, from alpha = 1 (Stata's start for the
    full model: the Poisson fit's moment estimate of alpha can sit on the wrong side of
    a flat likelihood and run off to alpha = 0)."""
    ones = np.ones((len(y), 1))
    mean = float(w @ y / w.sum()) if off is None or not off.any() else 1.0
    theta0 = np.array([np.log(max(mean, 1e-8)), 0.0])

    def objective(theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        ll, scores, neg_h = nb_derivatives(theta, ones, y, w, off)
        return ll, scores.sum(axis=0), neg_h

    try:
        return float(maximize(objective, theta0, maxiter=100).theta[-1])
    except EstimationError:
        return 0.0


def fit_nbreg_model(
    spec: ModelSpec, design: Design, inputs: MLInputs, names: Any = None
) -> MLModelFit:
    """``nbreg`` on a design: Poisson start and LR test, constant-only NB for ``ll_0``."""
    fam = spec.family
    assert fam is not None
    w = inputs.weights
    keep = omit_collinear(design, w)
    x = np.asfortranarray(design.x[:, keep])
    y = design.y
    fw = w if design.weight_kind is WeightKind.FWEIGHT else None
    nobs = float(fw.sum()) if fw is not None else float(len(y))
    k = int(keep.sum()) + 1
    if nobs <= k:
        raise EstimationError(f"insufficient observations: {nobs:g} for {k} parameters")
    opts = {
        "tol": fam.tolerance,
        "ltol": fam.ltolerance,
        "nrtol": fam.nrtolerance,
        "maxiter": fam.iterate,
    }
    wv = np.ones(len(y)) if w is None else w
    off = np.zeros(len(y)) if inputs.offset is None else inputs.offset
    pois = fit_glm_arrays(x, y, family="poisson", weights=wv, offset=off, maxiter=fam.iterate)
    theta, ll, scores, neg_h, iters = fit_nbreg_arrays(
        x,
        y,
        weights=wv,
        offset=off,
        **opts,  # type: ignore[arg-type]
    )
    ll_0: float | None = None
    if design.has_intercept:
        try:
            ll_0 = fit_nbreg_arrays(np.ones((len(y), 1)), y, weights=wv, offset=off, **opts)[1]  # type: ignore[arg-type]
        except EstimationError:
            ll_0 = None
    chibar2 = max(2.0 * (ll - pois.loglik), 0.0)
    alpha = float(np.exp(theta[-1]))
    mu = np.exp(x @ theta[:-1] + off)
    try:
        bread: FloatArray = np.asarray(np.linalg.inv(neg_h), dtype=np.float64)
    except np.linalg.LinAlgError:
        raise EstimationError("nbreg: the information matrix is singular") from None
    info = MLInfo(
        model="nbreg",
        family="nbinomial",
        link="log",
        loglik=ll,
        ll_0=ll_0,
        deviance=float(
            wv
            @ (
                2.0
                * (
                    special.xlogy(y, y / mu)
                    - (y + 1 / alpha) * np.log((1 + alpha * y) / (1 + alpha * mu))
                )
            )
        ),
        pearson=float(wv @ ((y - mu) ** 2 / (mu + alpha * mu**2))),
        scale=1.0,
        scale_kind="1",
        k_params=k,
        df_model=k - 1 - (1 if design.has_intercept and "Intercept" in design.terms else 0),
        iterations=iters,
        method="newton",
        y=y,
        mu=mu,
        eta=x @ theta[:-1] + off,
        offset=inputs.offset,
        trials=1.0,
        weights=w,
        oim_bread=bread,
        eim_bread=None,
        design=None,
        alpha=alpha,
        extra={
            "alpha": alpha,
            "lnalpha": float(theta[-1]),
            "chibar2": chibar2,
            "chibar2_p": float(0.5 * stats.chi2.sf(chibar2, 1)) if chibar2 > 0 else 1.0,
            "ll_poisson": pois.loglik,
        },
    )
    terms = (*design.terms, LNALPHA)
    full_keep = np.append(keep, True)
    params = np.zeros(len(terms))
    params[full_keep] = theta
    root = np.sqrt(wv * mu / (1 + alpha * mu))
    lstsq = least_squares(np.asfortranarray(x * root[:, None]), np.zeros(len(y)))
    omitted = tuple(t for t, kk in zip(design.terms, keep, strict=True) if not kk)

    def leave_out(codes: IntArray) -> FloatArray:
        g = int(codes.max()) + 1
        out = np.empty((g, theta.size))
        for j in range(g):
            rest = codes != j
            refit = fit_nbreg_arrays(
                x[rest],
                y[rest],
                weights=wv[rest],
                offset=off[rest],
                start=theta,
                **opts,  # type: ignore[arg-type]
            )
            out[j] = refit[0] - theta
        return out

    fit = Fit(
        params=params,
        keep=full_keep,
        lstsq=lstsq,
        x_w=np.asfortranarray(scores),
        y_w=y,
        resid_w=np.ones(len(y)),
        nobs=nobs,
        k=k,
        df_resid=nobs - k,
        rss=float("nan"),
        tss=float("nan"),
        omitted=omitted,
        bread=bread,
        leave_out=leave_out,
        ml=info,
    )
    return MLModelFit(fit, replace(design, terms=terms), (), "Negative binomial regression")
