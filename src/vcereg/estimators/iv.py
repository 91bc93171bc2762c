"""Two-stage least squares (Stata's ``ivregress 2sls``).

First stage: each endogenous regressor is projected on Z = [exogenous regressors,
excluded instruments] (a least-squares fit per column, so no (Z'Z)^{-1} is formed).
Second stage: y on X_hat. Residuals are structural, ``u = y - X b`` with the original X,
and variance estimators receive ``X_hat`` as the regressors, so every registered vce
gives the IV sandwich ``(X_hat'X_hat)^{-1} (sum s_i s_i') (X_hat'X_hat)^{-1}`` with
``s_i = x_hat_i u_i`` (linearmodels' IV2SLS covariances; Stata's ``ivregress``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._types import FloatArray
from ..design import Design
from ..errors import CollinearityWarning, EstimationError, warn
from ..linalg import least_squares
from .ols import Fit, make_fit, weighted

__all__ = ["FirstStage", "exact_fit", "fit_iv"]


@dataclass(frozen=True, slots=True)
class FirstStage:
    """Partial R-squared and F statistic (conventional) of the excluded instruments."""

    endog: str
    partial_r2: float
    f: float
    df: tuple[int, float]


def fit_iv(design: Design) -> tuple[Fit, tuple[FirstStage, ...]]:
    """2SLS on a design with instruments (``design.z``)."""
    if design.z is None:
        raise EstimationError("instrumental-variables estimation needs instruments")
    w = design.weights
    x_w, z_w, y_w = weighted(design.x, w), weighted(design.z, w), weighted(design.y, w)
    endog = design.endog_terms
    z_fit = least_squares(z_w, y_w)
    z_kept = np.asfortranarray(z_w[:, z_fit.keep])
    exog_cols = [design.z_terms[i] for i in np.flatnonzero(z_fit.keep)]
    n_excluded = sum(t not in design.terms for t in exog_cols)
    if n_excluded < len(endog):
        raise EstimationError(
            f"the model is underidentified: {len(endog)} endogenous regressor(s) "
            f"({', '.join(endog)}) but {n_excluded} usable excluded instrument(s)"
        )
    x_hat = x_w.copy(order="F")
    first: list[FirstStage] = []
    exog_only = [i for i, t in enumerate(exog_cols) if t in design.terms]
    for name in endog:
        j = design.terms.index(name)
        stage = least_squares(z_kept, x_w[:, j])
        x_hat[:, j] = x_w[:, j] - stage.resid
        first.append(_first_stage(name, x_w[:, j], stage.resid, z_kept, exog_only, len(design.y)))
    ls = least_squares(x_hat, y_w)
    resid_w = y_w - x_w[:, ls.keep] @ ls.beta  # structural residuals, with the original X
    fit = make_fit(design, ls, x_hat, y_w, resid_w)
    return fit, tuple(first)


def _first_stage(
    name: str,
    x: FloatArray,
    resid_full: FloatArray,
    z: FloatArray,
    exog_only: list[int],
    n: int,
) -> FirstStage:
    """F test of the excluded instruments in the first stage (conventional variance)."""
    exog = np.asfortranarray(z[:, exog_only])
    restricted = least_squares(exog, x).resid if exog_only else x
    rss_r = float(restricted @ restricted)
    rss_u = float(resid_full @ resid_full)
    q = z.shape[1] - len(exog_only)
    df = n - z.shape[1]
    if exact_fit(rss_u, rss_r):
        warn(
            f"the instruments fit {name} exactly in the first stage (partial R-squared 1): "
            f"{name} is a linear function of the instruments (an instrument identical to "
            "it, or as many instruments as observations?), so IV is OLS and the first-stage "
            "F is infinite",
            CollinearityWarning,
        )
        return FirstStage(name, 1.0, float("inf"), (q, float(df)))
    f = ((rss_r - rss_u) / q) / (rss_u / df) if rss_u > 0 and df > 0 else float("inf")
    partial = 1 - rss_u / rss_r if rss_r > 0 else float("nan")
    return FirstStage(name, partial, f, (q, float(df)))


def exact_fit(rss: float, tss: float) -> bool:
    """A residual sum of squares that is rounding noise: the fit is exact. Rounding leaves
    residuals of ~1e-16 of the data, i.e. rss/tss ~ 1e-32; any real fit is far above
    1e-20 (a partial R-squared of 1 - 1e-20)."""
    return tss > 0 and rss <= 1e-20 * tss
