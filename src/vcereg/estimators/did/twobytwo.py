"""The 2x2 DiD estimators of Sant'Anna & Zhao (2020) on a panel, with influence functions.

Each takes one comparison -- treated units (``d = 1``) and their controls (``d = 0``), the
change in the outcome between the base and the current period ``dy``, covariates ``x``
(with an intercept column) and weights ``w`` -- and returns the ATT and its influence
function ``psi`` (length n), scaled so that ``att_hat - att = mean(psi) + o_p(n^-1/2)``;
the variance of ``att_hat`` is ``mean(psi^2) / n``. Weights are normalised to mean one.

=========  =================================================================  ============
method     estimator                                                          R ``DRDID``
=========  =================================================================  ============
``reg``    outcome regression: ATT = mean_treated(dy - x'b), b from WLS of    reg_did_panel
           dy on x among the controls
``ipw``    standardised (Hajek) inverse probability weighting with a logit    std_ipw_did_panel
           propensity score p(x); controls weighted by p/(1-p)
``dr``     doubly robust: IPW on the outcome-regression residuals             drdid_panel
=========  =================================================================  ============

Propensity scores are capped at 1 - 1e-6 and controls with p >= 0.995 get weight zero
(DRDID's trimming). The influence functions include the estimation effect of the
regression coefficients and the propensity-score logit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import scipy.linalg as sla

from ..._types import FloatArray
from ...errors import EstimationError
from ..glm import fit_glm_arrays

__all__ = ["Method", "did_panel", "ps_weights", "wls"]

Method = Literal["reg", "ipw", "dr"]

#: DRDID's caps: fitted probabilities at most 1 - 1e-6; controls above 0.995 trimmed
_PS_CAP = 1.0 - 1e-6
_TRIM = 0.995


def wls(x: FloatArray, y: FloatArray, w: FloatArray) -> FloatArray:
    """Weighted least-squares coefficients; an error for a singular design."""
    sw = np.sqrt(w)
    xw = x * sw[:, None]
    beta, _, rank, _ = np.linalg.lstsq(xw, y * sw, rcond=None)
    if rank < x.shape[1]:
        raise EstimationError(
            "the covariates are collinear (or constant) among the comparison units; "
            "the outcome regression is not identified"
        )
    out: FloatArray = np.asarray(beta, dtype=np.float64)
    return out


def _solve(a: FloatArray, b: FloatArray) -> FloatArray:
    try:
        out: FloatArray = sla.solve(a, b, assume_a="sym")
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise EstimationError("a covariate cross-product matrix is singular") from exc
    return out


def ps_weights(
    x: FloatArray, d: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Propensity score ``p`` (capped), the trimming indicator, and the linear
    representation direction ``L = n (X' W X)^{-1}`` applied later to the scores.

    Returns ``(p, trim, hinv)`` with ``hinv = n * H^{-1}``, H the negative Hessian."""
    n = d.shape[0]
    if x.shape[1] == 1 and np.all(x[:, 0] == x[0, 0]):  # intercept only: the weighted share
        share = float(w @ d) / float(w.sum())
        p = np.full(n, share)
        hess = np.array([[float(w @ (p * (1.0 - p))) * x[0, 0] ** 2]])
    else:
        # the package's logit; with its prior weights, as R's glm(weights = w)
        fit = fit_glm_arrays(x, d, family="binomial", link="logit", weights=w)
        p, hess = fit.mu, fit.hessian
    p = np.minimum(p, _PS_CAP)
    trim = np.where(d == 1, 1.0, (p < _TRIM).astype(np.float64))
    if not np.all(p > 0) or np.any(~np.isfinite(p)):
        raise EstimationError("the propensity score is 0 for some units (overlap fails)")
    try:
        hinv = n * sla.inv(hess)
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise EstimationError("the propensity-score information matrix is singular") from exc
    return p, trim, hinv


def _reg(dy: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray) -> tuple[float, FloatArray]:
    n = d.shape[0]
    ctrl = d == 0
    beta = wls(x[ctrl], dy[ctrl], w[ctrl])
    out = x @ beta
    w_t = w * d
    m_t = float(w_t.mean())
    eta_t = float((w_t * dy).mean()) / m_t
    eta_c = float((w_t * out).mean()) / m_t
    w_ols = w * (1.0 - d)
    xpx = (x * w_ols[:, None]).T @ x / n
    # asymptotic linear representation of b, projected on M1 = mean(w_t x)
    v = _solve(xpx, (x * w_t[:, None]).mean(axis=0))
    lin_b = w_ols * (dy - out) * (x @ v)
    inf_t = (w_t * dy - w_t * eta_t) / m_t
    inf_c = (w_t * out - w_t * eta_c + lin_b) / m_t
    return eta_t - eta_c, inf_t - inf_c


def _ipw(dy: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray) -> tuple[float, FloatArray]:
    p, trim, hinv = ps_weights(x, d, w)
    w_t = trim * w * d
    w_c = trim * w * p * (1.0 - d) / (1.0 - p)
    m_t, m_c = float(w_t.mean()), float(w_c.mean())
    eta_t = float((w_t * dy).mean()) / m_t
    eta_c = float((w_c * dy).mean()) / m_c
    m2 = (x * (w_c * (dy - eta_c))[:, None]).mean(axis=0)
    lin_ps = w * (d - p) * (x @ (hinv @ m2))
    inf_t = (w_t * dy - w_t * eta_t) / m_t
    inf_c = (w_c * dy - w_c * eta_c + lin_ps) / m_c
    return eta_t - eta_c, inf_t - inf_c


def _dr(dy: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray) -> tuple[float, FloatArray]:
    n = d.shape[0]
    p, trim, hinv = ps_weights(x, d, w)
    ctrl = d == 0
    beta = wls(x[ctrl], dy[ctrl], w[ctrl])
    resid = dy - x @ beta
    w_t = trim * w * d
    w_c = trim * w * p * (1.0 - d) / (1.0 - p)
    m_t, m_c = float(w_t.mean()), float(w_c.mean())
    eta_t = float((w_t * resid).mean()) / m_t
    eta_c = float((w_c * resid).mean()) / m_c
    w_ols = w * (1.0 - d)
    xpx = (x * w_ols[:, None]).T @ x / n
    lin_ols = w_ols * resid  # times x_i' XpX^{-1} m for a direction m
    m1 = (x * w_t[:, None]).mean(axis=0)
    m2 = (x * (w_c * (resid - eta_c))[:, None]).mean(axis=0)
    m3 = (x * w_c[:, None]).mean(axis=0)
    inf_t = (w_t * resid - w_t * eta_t - lin_ols * (x @ _solve(xpx, m1))) / m_t
    lin_ps = w * (d - p) * (x @ (hinv @ m2))
    inf_c = (w_c * resid - w_c * eta_c + lin_ps - lin_ols * (x @ _solve(xpx, m3))) / m_c
    return eta_t - eta_c, inf_t - inf_c


def _unconditional(dy: FloatArray, d: FloatArray, w: FloatArray) -> tuple[float, FloatArray]:
    """Without covariates the three methods coincide: the difference of the weighted mean
    changes, with influence function ``w (dy - mean) / P`` in each group (signed)."""
    w_t, w_c = w * d, w * (1.0 - d)
    m_t, m_c = float(w_t.mean()), float(w_c.mean())
    # elementwise sums rather than BLAS dot products: as fast single-threaded, and a
    # threaded ddot on a busy machine costs more than the whole estimator
    mu_t = float((w_t * dy).sum()) / float(w_t.sum())
    mu_c = float((w_c * dy).sum()) / float(w_c.sum())
    psi: FloatArray = w_t * (dy - mu_t) / m_t - w_c * (dy - mu_c) / m_c
    return mu_t - mu_c, psi


_PANEL: dict[str, Callable[..., tuple[float, FloatArray]]] = {
    "reg": _reg,
    "ipw": _ipw,
    "dr": _dr,
}


def did_panel(
    dy: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray, method: Method
) -> tuple[float, FloatArray]:
    """ATT and influence function of one 2x2 comparison on panel data.

    Examples
    --------
    >>> import numpy as np
    >>> dy = np.array([3.0, 1.0, 2.0]); d = np.array([1.0, 0.0, 0.0])
    >>> att, psi = did_panel(dy, d, np.ones((3, 1)), np.ones(3), "reg")
    >>> att, psi.round(6).tolist()  # control i: -(dy_i - 1.5) / P(control)
    (1.5, [0.0, 0.75, -0.75])
    """
    if not (d == 1).any() or not (d == 0).any():
        raise EstimationError("a 2x2 comparison needs treated and control units")
    w = w / w.mean()
    if x.shape[1] == 1 and np.all(x[:, 0] == x[0, 0]):  # intercept only
        return _unconditional(dy, d, w)
    return _PANEL[method](dy, d, x, w)
