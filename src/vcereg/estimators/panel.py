"""Panel estimators of Stata's ``xtreg``: random effects (``re``), between (``be``), and the
panel statistics ``xtreg, fe`` prints (sigma_u, sigma_e, rho, corr(u_i, Xb), F test u_i = 0).

Notation: panel i has T_i rows, N = sum T_i rows in n panels, K estimated coefficients
(the constant included); a bar is a panel mean, a tilde the within deviation.

Random effects, Swamy-Arora as Stata computes it (``xtreg, re``, Stata's default)::

    sigma_e^2 = RSS_within / (N - n - k_w)           k_w: slopes of the within regression
    sigma_u^2 = max(0, RSS_between / (n - k_b) - sigma_e^2 / T_h)
                T_h = n / sum(1 / T_i), the harmonic mean; k_b: rank of the between fit
    theta_i   = 1 - sqrt(sigma_e^2 / (T_i sigma_u^2 + sigma_e^2))      (per panel)
    y*_it = y_it - theta_i ybar_i,  x*_it = x_it - theta_i xbar_i (the constant too)

then OLS of y* on x*: the covariance is any registered variance on the quasi-demeaned data
(``vce(ols)`` is s^2 (X*'X*)^-1 with s^2 = RSS*/(N - K), Stata's e(rmse)^2), with normal
inference and a Wald chi-squared, as Stata. R-squared within/between/overall are squared
correlations (Stata): of y~ and x~ b, of ybar_i and xbar_i b over panels, of y and x b.
Reference: Baltagi (2013), *Econometric Analysis of Panel Data*, 5th ed., ch. 2 and 9.

Between (``xtreg, be``): OLS of ybar_i on xbar_i over the n panels, t(n - K); ``be wls``
weights panel i by T_i (as analytic weights, normalised to mean 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from .._types import FloatArray, IntArray
from ..design import Design
from ..errors import EstimationError, NotSupportedError, VceregWarning, warn
from ..linalg import least_squares
from ..spec import ModelSpec, WeightKind
from .fe import AbsorbedFit, varies_within
from .ols import Fit, fit_ols
from .panel_stats import PanelStats, group_means

__all__ = [
    "PANEL_ESTIMATORS",
    "PanelFit",
    "PanelStats",
    "fe_panel_stats",
    "fit_between",
    "fit_panel",
    "fit_random_effects",
    "group_means",
]

#: ModelSpec.estimator values fitted here (``xtreg_fe`` is absorbed, see :mod:`.fe`).
PANEL_ESTIMATORS = ("xtreg_re", "xtreg_be", "xtreg_be_wls")

_MODEL_OPTION = re.compile(r"\b(re|fe|be)\b")


@dataclass(frozen=True, slots=True, eq=False)
class PanelFit:
    """A fit on transformed data (quasi-demeaned or panel means) and its panel statistics.

    ``design`` is the transformed design the variance step uses; ``nobs`` the observations
    behind it (the between regression runs on panel means but reports N observations);
    ``normal`` whether Stata uses z and chi-squared inference (``re``).
    """

    fit: Fit
    design: Design
    stats: PanelStats
    label: str
    nobs: int
    normal: bool
    notes: tuple[str, ...] = ()


def _corr2(a: FloatArray, b: FloatArray) -> float:
    """Squared correlation; NaN when either side is constant."""
    sa, sb = float(np.std(a)), float(np.std(b))
    if not (sa > 0 and sb > 0):
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1] ** 2)


def _panel_var(spec: ModelSpec) -> str:
    if spec.panel is None or spec.panel.id is None:
        raise NotSupportedError(
            f"{spec.estimator}: a panel model needs the panel variable",
            hint="declare it: 'xtset id year' before xtreg, or '| panel(id year)' in a model "
            "string",
        )
    return spec.panel.id


def _no_weights(spec: ModelSpec, design: Design, what: str) -> None:
    if design.weights is not None:
        raise NotSupportedError(
            f"weights are not allowed with {what} (Stata's xtreg, re and xtreg, be refuse them)",
            hint="xtreg, fe takes aweights; 'xtreg, be wls' weights panels by their sizes",
        )


def _compact(codes: IntArray) -> IntArray:
    """Codes relabelled 0..n-1 over the panels present (no empty panel in the counts)."""
    out: IntArray = np.unique(codes, return_inverse=True)[1].astype(np.int64).ravel()
    return out


def _counts(codes: IntArray) -> IntArray:
    return np.bincount(codes)


def _size_stats(t: IntArray) -> tuple[int, float, int, float]:
    return int(t.min()), float(t.mean()), int(t.max()), float(t.size / np.sum(1.0 / t))


def _r2s(
    y: FloatArray, x: FloatArray, b: FloatArray, codes: IntArray
) -> tuple[float, float, float]:
    """Stata's R-squared within, between, overall for coefficients ``b`` (over x's columns)."""
    yb, xb = group_means(y, codes), group_means(x, codes)
    fitted = x @ b
    within = _corr2(y - yb[codes], fitted - (xb @ b)[codes])
    between = _corr2(yb, xb @ b)
    return within, between, _corr2(y, fitted)


def fit_random_effects(spec: ModelSpec, design: Design) -> PanelFit:
    """Swamy-Arora random-effects GLS (Stata's ``xtreg, re``); see the module docstring."""
    panel_var = _panel_var(spec)
    _no_weights(spec, design, "random effects")
    codes = _compact(design.groups[panel_var])
    t = _counts(codes)
    n, n_obs = t.size, design.y.size
    y, x = design.y, design.x
    yb, xb = group_means(y, codes), group_means(x, codes)
    y_w, x_w = y - yb[codes], x - xb[codes]
    varying = varies_within(x, x_w)  # the constant, time-invariant regressors: out
    within = least_squares(np.asfortranarray(x_w[:, varying]), y_w)
    between = least_squares(np.asfortranarray(xb), yb)
    df_w, df_b = n_obs - n - within.rank, n - between.rank
    if df_w <= 0 or df_b <= 0:
        which = "within" if df_w <= 0 else "between"
        raise EstimationError(
            f"random effects: the {which} regression has no residual degrees of freedom "
            f"({n_obs} observations in {n} panels), so the variance components cannot be "
            "estimated",
            hint="random effects need more panels than regressors and panels with several "
            "observations",
        )
    sigma2_e = float(within.resid @ within.resid) / df_w
    t_min, t_avg, t_max, t_h = _size_stats(t)
    raw_u = float(between.resid @ between.resid) / df_b - sigma2_e / t_h
    sigma2_u = max(0.0, raw_u)
    notes: tuple[str, ...] = ()
    if raw_u < 0:
        notes = (
            "the Swamy-Arora estimate of var(u_i) is negative and was set to 0: random "
            "effects reduce to pooled OLS",
        )
        warn(notes[0], VceregWarning)
    theta = 1.0 - np.sqrt(sigma2_e / (t * sigma2_u + sigma2_e))
    x_star = np.asfortranarray(x - theta[codes][:, None] * xb[codes])
    y_star = y - theta[codes] * yb[codes]
    transformed = replace(design, y=y_star, x=x_star, absorb={})
    fit = fit_ols(transformed)
    r2w, r2b, r2o = _r2s(y, x, fit.params, codes)
    rho = sigma2_u / (sigma2_u + sigma2_e) if sigma2_u + sigma2_e > 0 else float("nan")
    keep = fit.keep
    pstats = PanelStats(
        model="re",
        panel_var=panel_var,
        n_panels=n,
        t_min=t_min,
        t_avg=t_avg,
        t_max=t_max,
        t_harmonic=t_h,
        sigma_u=float(np.sqrt(sigma2_u)),
        sigma_e=float(np.sqrt(sigma2_e)),
        rho=rho,
        r2_within=r2w,
        r2_between=r2b,
        r2_overall=r2o,
        theta=theta,
        sigma_u_truncated=raw_u < 0,
        _y=y,
        _x=np.asfortranarray(x[:, keep]),
        _terms=tuple(tm for tm, k in zip(design.terms, keep, strict=True) if k),
        _codes=codes,
    )
    label = "Random-effects GLS regression"
    if spec.command == "xtreg" and not _MODEL_OPTION.search(spec.source.partition(",")[2]):
        notes += ("xtreg without fe, re or be fits random effects (Stata's default)",)
    return PanelFit(fit, transformed, pstats, label, n_obs, normal=True, notes=notes)


def fit_between(spec: ModelSpec, design: Design, *, wls: bool = False) -> PanelFit:
    """Between regression (Stata's ``xtreg, be`` and ``be wls``) on the panel means."""
    panel_var = _panel_var(spec)
    _no_weights(spec, design, "the between estimator")
    if spec.vce.args:
        raise NotSupportedError(
            f"{spec.vce} is not available with the between estimator: it runs on one row "
            "per panel (Stata's xtreg, be allows only vce(conventional))",
            hint="use vce(ols), vce(robust) or vce(hc3) on the panel means",
        )
    codes = _compact(design.groups[panel_var])
    t = _counts(codes)
    y, x = design.y, design.x
    yb, xb = group_means(y, codes), group_means(x, codes)
    w = t / t.mean() if wls else None
    means = replace(
        design,
        y=yb,
        x=np.asfortranarray(xb),
        weights=w,
        weight_kind=WeightKind.AWEIGHT if wls else None,
        groups={},
        absorb={},
        index=design.index[np.unique(codes, return_index=True)[1]],  # first row per panel
    )
    fit = fit_ols(means)
    r2w, _, r2o = _r2s(y, x, fit.params, codes)
    t_min, t_avg, t_max, t_h = _size_stats(t)
    nan = float("nan")
    r2b = 1.0 - fit.rss / fit.tss if fit.tss > 0 else nan
    pstats = PanelStats(
        model="be",
        panel_var=panel_var,
        n_panels=int(t.size),
        t_min=t_min,
        t_avg=t_avg,
        t_max=t_max,
        t_harmonic=t_h,
        sigma_u=nan,
        sigma_e=nan,
        rho=nan,
        r2_within=r2w,
        r2_between=r2b,
        r2_overall=r2o,
    )
    label = "Between regression (regression on group means)"
    if wls:
        label += ", WLS"
    return PanelFit(fit, means, pstats, label, int(y.size), normal=False)


def fit_panel(spec: ModelSpec, design: Design) -> PanelFit:
    """Dispatch on ``spec.estimator`` (one of :data:`PANEL_ESTIMATORS`)."""
    if spec.iv is not None:  # never fitted with the instrumented regressors as exogenous
        which = "random effects" if spec.estimator == "xtreg_re" else "the between estimator"
        raise NotSupportedError(
            f"instrumental variables with {which} (Stata's xtivreg, "
            f"{'re: G2SLS or EC2SLS' if spec.estimator == 'xtreg_re' else 'be'}) are not "
            "available: vcereg has no verified implementation of their variance components",
            hint="for the within 2SLS (xtivreg, fe) write panel(id, fe) | iv(w ~ z) or "
            "fe(id) | iv(w ~ z); for pooled 2SLS with panel-robust errors, "
            "iv(w ~ z) | vce(cluster id)",
        )
    if spec.estimator == "xtreg_re":
        return fit_random_effects(spec, design)
    return fit_between(spec, design, wls=spec.estimator == "xtreg_be_wls")


def fe_panel_stats(design: Design, absorbed: AbsorbedFit, panel_var: str) -> PanelStats:
    """The panel statistics Stata prints under ``xtreg, fe``.

    ``design`` is the design before demeaning, ``absorbed`` the within fit. With
    u_i = ybar_i - xbar_i b - _cons (weighted means; _cons = ybar - xbar b over all rows):
    sigma_u is the standard deviation of u_i over panels (n - 1 divisor, unweighted, as
    Stata), sigma_e = sqrt(RSS / (N - n - k)), corr(u_i, Xb) is over the observations, and
    the F test compares the pooled OLS fit: ((RSS_pooled - RSS) / (n - 1)) / sigma_e^2.
    """
    codes = _compact(design.absorb[panel_var])
    fit = absorbed.fit
    slopes = [i for i, tm in enumerate(design.terms) if tm != "Intercept"]
    x = np.asfortranarray(design.x[:, slopes])
    fitted_terms = absorbed.design.terms  # with the reported constant, when there is one
    b = fit.params[[fitted_terms.index(design.terms[i]) for i in slopes]]
    w = design.weights
    wsum = float(design.y.size) if w is None else float(w.sum())
    ones = np.ones(design.y.size) if w is None else w
    cons = float(ones @ design.y) / wsum - float((ones @ x) @ b) / wsum
    yb, xb = group_means(design.y, codes, w), group_means(x, codes, w)
    u = yb - xb @ b - cons
    xbeta = x @ b + cons
    t = _counts(codes)
    n, n_obs = int(t.size), design.y.size
    sigma_e = float(np.sqrt(fit.rss / absorbed.df_fit))
    sigma_u = float(np.std(u, ddof=1)) if n > 1 else float("nan")
    rho = sigma_u**2 / (sigma_u**2 + sigma_e**2)
    corr = float(np.corrcoef(u[codes], xbeta)[0, 1]) if np.std(u) > 0 else float("nan")
    pooled_x = np.column_stack([np.ones(n_obs), x])
    sw = None if w is None else np.sqrt(w)
    px = pooled_x if sw is None else pooled_x * sw[:, None]
    py = design.y if sw is None else design.y * sw
    pooled = least_squares(np.asfortranarray(px), py)
    rss_pooled = float(pooled.resid @ pooled.resid)
    df2 = float(absorbed.df_fit)
    f_u = ((rss_pooled - fit.rss) / (n - 1)) / (fit.rss / df2) if n > 1 else float("nan")
    _, r2b, r2o = _r2s(design.y, x, b, codes)
    t_min, t_avg, t_max, t_h = _size_stats(t)
    return PanelStats(
        model="fe",
        panel_var=panel_var,
        n_panels=n,
        t_min=t_min,
        t_avg=t_avg,
        t_max=t_max,
        t_harmonic=t_h,
        sigma_u=sigma_u,
        sigma_e=sigma_e,
        rho=rho,
        r2_within=absorbed.rsquared_within,
        r2_between=r2b,
        r2_overall=r2o,
        corr_u_xb=corr,
        f_u=f_u,
        f_u_df=(n - 1, df2),
        f_u_pvalue=float(stats.f.sf(f_u, n - 1, df2)) if n > 1 else float("nan"),
    )
