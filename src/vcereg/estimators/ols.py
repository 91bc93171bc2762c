"""Ordinary and weighted least squares.

WLS multiplies rows by sqrt(w): analytic and sampling weights arrive normalised to sum to N
(as Stata does, so s^2 and Root MSE match ``regress [aw=w]`` and ``[pw=w]`` and do not
depend on the scale of the weights); frequency weights count observations,
so N = sum(w) and the residual degrees of freedom are sum(w) - K.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._types import FloatArray, IntArray
from ..design import Design
from ..errors import CollinearityWarning, EstimationError, warn
from ..linalg import LeastSquares, least_squares
from ..spec import WeightKind
from .mlinfo import MLInfo

__all__ = ["EXACT_TOL", "Fit", "exact_fit", "fit_ols", "make_fit", "weighted"]

#: A fit is exact when its residuals are at most this fraction of the response's
#: (weighted, uncentred) norm. Rounding leaves at most ~6e-16 of it (measured on 200
#: random exact fits: 1 to 5 regressors at scales 1e-6 to 1e9, offsets up to 1e9, weights,
#: one and two absorbed effects by the direct solve and by CG); the norm is uncentred
#: because rounding is proportional to the response's size, not to its spread. Residuals
#: below 1e-12 of it (some 4,500 units in the last place) are not told apart from zero.
EXACT_TOL = 1e-12


def exact_fit(rss: float, y_sumsq: float) -> bool:
    """Is a fit with residual sum of squares ``rss`` exact, for a response whose
    (weighted, uncentred) sum of squares is ``y_sumsq``? Scale-free.

    >>> exact_fit(1e-30, 4.0), exact_fit(1e-20, 4.0), exact_fit(0.0, 0.0)
    (True, False, True)
    """
    return rss <= EXACT_TOL**2 * y_sumsq


@dataclass(frozen=True, slots=True, eq=False)
class Fit:
    """Estimates and what variance estimators and statistics need.

    ``x_w``, ``y_w`` and ``resid_w`` are the kept regressors, response and residuals
    multiplied by sqrt(w) (the plain arrays when unweighted).
    """

    params: FloatArray  # (K,) over all terms; 0 for omitted ones
    keep: NDArray[np.bool_]
    lstsq: LeastSquares
    x_w: FloatArray
    y_w: FloatArray
    resid_w: FloatArray
    nobs: float
    k: int  # estimated coefficients (rank) plus absorbed levels counted in df
    df_resid: float
    rss: float
    tss: float
    omitted: tuple[str, ...]
    # k-class and GMM: the sandwich bread when it is not (x_w'x_w)^{-1}, and the matrix
    # whose s^2 multiple is the conventional covariance (see VceContext.iid_bread)
    bread: FloatArray | None = None
    iid_bread: FloatArray | None = None
    leave_out: Callable[[IntArray], FloatArray] | None = None  # see VceContext
    # GMM: scores (N, k) the robust, cluster and HAC variances use instead of
    # x_w * resid_w (ivreg2's gmm2s, ivregress's centring; see estimators.gmm)
    vce_scores: FloatArray | None = None
    # maximum likelihood: x_w holds the per-row scores, resid_w is 1 (see MLInfo)
    ml: MLInfo | None = None
    # residuals zero up to rounding (see exact_fit): no meaningful t, Stata's SE 0
    exact: bool = False

    @property
    def ess(self) -> float:
        return self.tss - self.rss


def fit_ols(design: Design, *, k_absorbed: int = 0, tss: float | None = None) -> Fit:
    """Least squares on a design, omitting collinear columns as Stata does.

    ``k_absorbed`` counts absorbed fixed-effect levels in the residual degrees of freedom;
    ``tss`` overrides the total sum of squares (with absorbed effects it is computed on
    the original, not the demeaned, response).
    """
    x_w, y_w = weighted(design.x, design.weights), weighted(design.y, design.weights)
    # unweighted, the design is finite by construction (least_squares checks it anyway)
    if design.weights is not None and not (np.isfinite(x_w).all() and np.isfinite(y_w).all()):
        raise EstimationError("the design has non-finite values after weighting")
    ls = least_squares(x_w, y_w)
    return make_fit(design, ls, x_w, y_w, ls.resid, k_absorbed=k_absorbed, tss=tss)


def weighted(a: FloatArray, w: FloatArray | None) -> FloatArray:
    """Rows multiplied by sqrt(w) (WLS as OLS on transformed data); ``a`` itself if unweighted."""
    if w is None:
        return a
    sw = np.sqrt(w)
    return np.asfortranarray(a * sw[:, None]) if a.ndim == 2 else a * sw


def make_fit(
    design: Design,
    ls: LeastSquares,
    x_for_vce: FloatArray,
    y_w: FloatArray,
    resid_w: FloatArray,
    *,
    k_absorbed: int = 0,
    tss: float | None = None,
) -> Fit:
    """Coefficients over all terms (0 for omitted ones, which are reported), observation
    count and degrees of freedom: the part OLS and 2SLS share."""
    keep = ls.keep
    omitted = tuple(t for t, k in zip(design.terms, keep, strict=True) if not k)
    if omitted:
        warn(f"omitted because of collinearity: {', '.join(omitted)}", CollinearityWarning)
    params = np.zeros(len(design.terms))
    params[keep] = ls.beta
    x_kept = x_for_vce if keep.all() else np.asfortranarray(x_for_vce[:, keep])
    w = design.weights
    fw = w if design.weight_kind is WeightKind.FWEIGHT else None
    nobs = float(fw.sum()) if fw is not None else float(len(design.y))
    k = ls.rank + k_absorbed
    df_resid = nobs - k
    if df_resid <= 0:
        raise EstimationError(
            f"not enough observations: {nobs:g} observations for {k} parameters "
            "leave no residual degrees of freedom"
        )
    rss = float(resid_w @ resid_w)
    if tss is None:
        tss = _tss(design.y, w, design.has_intercept)
    exact = exact_fit(rss, float(y_w @ y_w))
    return Fit(
        params, keep, ls, x_kept, y_w, resid_w, nobs, k, df_resid, rss, tss, omitted, exact=exact
    )


_BLOCK = 65_536


def _tss(y: FloatArray, w: FloatArray | None, centered: bool) -> float:
    """Total sum of squares; uncentred without an intercept (Stata, NIST)."""
    if w is None:  # no array of ones: allocations are what small fits pay for
        if not centered:
            return float(y @ y)
        mean = float(y.sum()) / max(y.size, 1)
        if y.size <= 2 * _BLOCK:
            d = y - mean
            return float(d @ d)
        total = 0.0  # big data: deviations a block at a time, never a copy of y
        for lo in range(0, y.size, _BLOCK):
            d = y[lo : lo + _BLOCK] - mean
            total += float(d @ d)
        return total
    if not centered:
        return float(w @ (y * y))
    mean = float(w @ y) / float(w.sum())
    d = y - mean
    return float(w @ (d * d))
