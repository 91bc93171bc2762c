"""Hausman's specification test (Stata's ``hausman``) and its cluster-robust alternative, the
Mundlak (correlated random effects) auxiliary-regression test.

Hausman (1978): with b consistent under H0 and Ha (``xtreg, fe``) and B efficient under H0
(``xtreg, re``), over the coefficients they share (the constant excluded)::

    chi2 = (b - B)' (V_b - V_B)^- (b - B),   df = rank(V_b - V_B)

with ^- the symmetric generalised inverse, as Stata. ``sigmamore`` scales V_b by
s_B^2 / s_b^2 (both covariances on the efficient model's disturbance variance),
``sigmaless`` scales V_B by s_b^2 / s_B^2; s is each model's Root MSE (Stata's e(rmse),
which is e(sigma_e) after ``xtreg, fe``). The test needs B fully efficient: with robust or
clustered standard errors it is invalid, and the output says so.

Mundlak (1978), Wooldridge (2010, sec. 10.7.3): add the panel means of the time-varying
regressors to the random-effects GLS regression (quasi-demeaned with the same theta, so
the means enter as (1 - theta_i) xbar_i) and Wald-test them with the cluster-robust
covariance by panel (Stata's G/(G-1) (N-1)/(N-K) factor, chi2 inference). Valid under any
within-panel correlation and heteroskedasticity; Stata: ``xtreg y x xbar, re vce(cluster
id)`` then ``test xbar``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._lazy import lazy_import
from .._types import FloatArray
from ..errors import EstimationError, SpecError, VceregWarning, warn
from ..estimators.panel import group_means
from ..linalg import least_squares
from ..results import Results
from ..tables.panel_summary import render_hausman, render_mundlak
from ..vce.kernels import cluster_sandwich

stats = lazy_import("scipy.stats")

__all__ = ["HausmanTest", "MundlakTest", "hausman", "mundlak"]

_INTERCEPTS = ("Intercept", "_cons", "const")
_ROBUST_NOTE = (
    "the classic Hausman test is invalid with robust or clustered standard errors (the "
    "efficient model is not fully efficient, so V_b - V_B is not the variance of b - B); "
    "use the cluster-robust Mundlak test, vcereg.mundlak(re_result)"
)


@dataclass(frozen=True, slots=True)
class HausmanTest:
    """Result of :func:`hausman`: ``stat`` ~ chi2(``df``) under H0, ``table`` the
    coefficients compared (``b`` consistent, ``B`` efficient, difference, its std. err.)."""

    stat: float
    df: int
    pvalue: float
    table: pd.DataFrame
    sigma: str | None
    notes: tuple[str, ...]
    labels: tuple[str, str] = ("consistent", "efficient")

    def summary(self) -> str:
        """Stata-like ``hausman`` output."""
        return render_hausman(self)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True, slots=True)
class MundlakTest:
    """Result of :func:`mundlak`: Wald ``stat`` ~ chi2(``df``) that the coefficients on the
    panel means (``gamma``, with cluster-robust ``cov``) are zero."""

    stat: float
    df: int
    pvalue: float
    gamma: pd.Series
    cov: pd.DataFrame
    n_clusters: int
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """The test, as Stata's ``test`` prints it."""
        return render_mundlak(self)

    def __str__(self) -> str:
        return self.summary()


def _robust(r: Results) -> bool:
    return r.vce_name not in ("ols",)


def hausman(
    consistent: Results,
    efficient: Results,
    *,
    sigmamore: bool = False,
    sigmaless: bool = False,
    constant: bool = False,
    labels: tuple[str, str] = ("consistent", "efficient"),
) -> HausmanTest:
    """Hausman test of ``efficient`` (e.g. random effects) against ``consistent`` (fixed
    effects); Stata's ``hausman fe re [, sigmamore sigmaless constant]``.

    Parameters
    ----------
    consistent, efficient
        Fitted models on the same sample; coefficients with the same term name are compared.
    sigmamore, sigmaless
        Base both covariances on the efficient (``sigmamore``) or the consistent
        (``sigmaless``) model's disturbance variance.
    constant
        Include the constant in the comparison.
    labels
        Column headings of the two models in the printed table (Stata: the stored names).

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("grunfeld")
    >>> fe = vcereg.regress("invest ~ value + capital | panel(firm year, fe)", d)
    >>> re = vcereg.regress("invest ~ value + capital | panel(firm year)", d)
    >>> h = vcereg.hausman(fe, re)
    >>> h.df, round(h.stat, 2) >= 0
    (2, True)
    """
    if sigmamore and sigmaless:
        raise SpecError("hausman: sigmamore and sigmaless cannot be combined; choose one")
    names = [
        t
        for t in consistent.terms
        if t in efficient.terms
        and t not in consistent.omitted
        and t not in efficient.omitted
        and (constant or t not in _INTERCEPTS)
    ]
    if not names:
        raise SpecError(
            "hausman: the two models have no coefficients in common",
            hint="compare models of the same dependent variable and regressors",
        )
    notes: list[str] = []
    if consistent.depvar != efficient.depvar or consistent.nobs != efficient.nobs:
        notes.append(
            f"the models differ in sample or dependent variable ({consistent.depvar}, N = "
            f"{consistent.nobs} vs {efficient.depvar}, N = {efficient.nobs})"
        )
    if _robust(consistent) or _robust(efficient):
        notes.append(_ROBUST_NOTE)
    vb = consistent.cov.loc[names, names].to_numpy()
    vB = efficient.cov.loc[names, names].to_numpy()
    sigma = None
    if sigmamore:
        vb = vb * (efficient.rmse / consistent.rmse) ** 2
        sigma = "efficient"
    elif sigmaless:
        vB = vB * (consistent.rmse / efficient.rmse) ** 2
        sigma = "consistent"
    b = consistent.params[names].to_numpy()
    bB = efficient.params[names].to_numpy()
    # Scaled by the consistent estimator's standard errors, so the rank decision and the
    # statistic do not change when a regressor is rescaled (issue 8).
    d = np.sqrt(np.clip(np.diag(vb), 1e-300, None))
    diff_v = (vb - vB + (vb - vB).T) / 2 / np.outer(d, d)
    delta = (b - bB) / d
    vals, vecs = np.linalg.eigh(diff_v)
    tol = 1e-12 * max(float(np.abs(vals).max(initial=0.0)), 1e-300) * len(names)
    nonzero = np.abs(vals) > tol
    z = vecs[:, nonzero].T @ delta
    stat = float(np.sum(z * z / vals[nonzero]))
    df = int(nonzero.sum())
    if np.any(vals[nonzero] < 0):
        notes.append("V_b - V_B is not positive definite; a generalised inverse was used")
    pvalue = float(stats.chi2.sf(stat, df)) if stat >= 0 and df > 0 else float("nan")
    if stat < 0:
        notes.append(
            "chi2 < 0: the model fitted on these data fails to meet the asymptotic "
            "assumptions of the Hausman test (try sigmamore, or vcereg.mundlak)"
        )
    for n in notes:
        warn(n, VceregWarning)
    se = np.sqrt(np.where(np.diag(diff_v) >= 0, np.diag(diff_v), np.nan))
    shown = [consistent.display_names.get(t, t) for t in names]
    table = pd.DataFrame({"b": b, "B": bB, "difference": delta, "std_error": se}, index=shown)
    return HausmanTest(stat, df, pvalue, table, sigma, tuple(notes), labels)


def mundlak(result: Results) -> MundlakTest:
    """Cluster-robust Mundlak test that random effects are consistent (the alternative to
    :func:`hausman` that stays valid with heteroskedastic or serially correlated errors).

    ``result`` is a random-effects fit (``xtreg, re`` or ``| panel(id)``); its theta is
    reused. The means of regressors constant within panels (the constant, time-invariant
    variables) are not added: they are collinear with the regressors themselves.

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("grunfeld")
    >>> m = vcereg.mundlak(vcereg.regress("invest ~ value + capital | panel(firm year)", d))
    >>> m.df, m.n_clusters
    (2, 11)
    """
    p = result.panel
    if p is None or p.model != "re" or p.theta is None or p._x is None or p._codes is None:
        raise SpecError(
            "mundlak() needs a random-effects result",
            hint="fit it with 'xtreg y x, re' or 'y ~ x | panel(id)'",
        )
    y, x, codes, theta = p._y, p._x, p._codes, p.theta
    assert y is not None
    xb = group_means(x, codes)
    within = x - xb[codes]
    size = np.sqrt(np.einsum("ij,ij->j", x, x))
    varying = np.sqrt(np.einsum("ij,ij->j", within, within)) > 1e-10 * size
    if not varying.any():
        raise EstimationError("mundlak(): no regressor varies within panels")
    means = xb[:, varying]
    scale = (1.0 - theta)[codes][:, None]
    aug = np.column_stack([x - theta[codes][:, None] * xb[codes], scale * means[codes]])
    y_star = y - theta[codes] * group_means(y, codes)[codes]
    ls = least_squares(np.asfortranarray(aug), y_star)
    if not ls.keep.all():
        raise EstimationError("mundlak(): the panel means are collinear with the regressors")
    bread = ls.bread()
    inner, g = cluster_sandwich(np.asfortranarray(aug), ls.resid, codes, bread)
    n, k = aug.shape
    cov: FloatArray = g / (g - 1) * (n - 1) / (n - k) * inner
    q = int(varying.sum())
    gamma = ls.beta[-q:]
    v = cov[-q:, -q:]
    stat = float(gamma @ np.linalg.solve(v, gamma))
    terms = [t for t, keep in zip(p._terms, varying, strict=True) if keep]
    names = [f"mean({result.display_names.get(t, t)})" for t in terms]
    return MundlakTest(
        stat,
        q,
        float(stats.chi2.sf(stat, q)),
        pd.Series(gamma, index=names, name="gamma"),
        pd.DataFrame(v, index=names, columns=names),
        int(g),
    )
