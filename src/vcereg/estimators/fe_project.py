"""Weighted least squares with absorbed fixed effects, for algorithms that regress many
responses on the same regressors and weights (the separation checks).

:class:`FEProjector` demeans the regressors once (weights fixed) and factorises them once;
each :meth:`FEProjector.fit` then demeans one response, warm-started from the previous
response's demeaned values (demeaning is a projection, so ``M (t_prev~ + t - t_prev) = M t``
and the start only saves sweeps), and solves by the corrected semi-normal equations
(one step of refinement on the QR factor: accurate to rounding for the condition numbers
these problems have).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from numpy.typing import NDArray

from .._types import FloatArray, IntArray
from ..linalg import weighted_gram
from .absorb import demean
from .absorb_twoway import TwoWayDemeaner

__all__ = ["FEProjector", "Projection"]

_GONE = 1e-9  # demeaned norm / raw norm below this: the fixed effects explain the column
_PIVOT = 1e-13  # squared sine of the angle to the span of the earlier columns


@dataclass(frozen=True, slots=True)
class Projection:
    """``fitted`` = the weighted projection of a response on ``[X D]``; ``coef`` the
    coefficients of the kept regressors (0 for collinear ones)."""

    fitted: FloatArray
    coef: FloatArray


def _gram_rank(
    gram: FloatArray, before: FloatArray
) -> tuple[NDArray[np.bool_], FloatArray, FloatArray]:
    """Columns kept (in order: a column in the span of the earlier kept ones, or reduced to
    nothing by the fixed effects, goes), the Cholesky factor of their unit-diagonal Gram
    matrix and their scales. From the Gram matrix: no copy of the data."""
    k = gram.shape[0]
    d = np.sqrt(np.maximum(np.diag(gram), 0.0))
    keep = d > _GONE * np.maximum(before, 1e-300)
    for j in range(k):  # sequential Cholesky: pivot = squared distance to the span so far
        if not keep[j]:
            continue
        idx = np.flatnonzero(keep[:j])
        g = gram[np.ix_(idx, idx)] / np.outer(d[idx], d[idx])
        v = gram[idx, j] / (d[idx] * d[j])
        pivot = 1.0 - (float(v @ np.linalg.solve(g, v)) if idx.size else 0.0)
        keep[j] = pivot > _PIVOT
    idx = np.flatnonzero(keep)
    scale = d[idx]
    r = sla.cholesky(gram[np.ix_(idx, idx)] / np.outer(scale, scale), lower=False)
    return keep, np.asarray(r, dtype=np.float64), scale


class FEProjector:
    """Weighted projections onto the span of ``x`` and the fixed effects ``codes``.

    Without fixed effects ``x`` should contain the constant if one is wanted.
    """

    def __init__(
        self,
        x: FloatArray,
        codes: Sequence[IntArray],
        weights: FloatArray,
        *,
        tol: float = 1e-12,
    ) -> None:
        self.codes = list(codes)
        self.w = np.asarray(weights, dtype=np.float64)
        self.sw = np.sqrt(self.w)
        self.tol = tol
        n = self.w.shape[0]
        self.k = x.shape[1] if x.ndim == 2 else 0
        xt = np.asfortranarray(x, dtype=np.float64).reshape(n, self.k)
        before = np.sqrt(np.diag(weighted_gram(xt, self.w))) if self.k else np.zeros(0)
        # the same weights for every projection: the cached two-way solve factorises once
        self.twoway = TwoWayDemeaner(self.codes) if TwoWayDemeaner.applicable(self.codes) else None
        if self.codes and self.k:
            xt = self._demean(xt)
        self._prev_t: FloatArray | None = None
        self._prev_dm: FloatArray | None = None
        self.keep = np.zeros(self.k, dtype=np.bool_)
        if self.k:
            self.keep, self.r, self.scale = _gram_rank(weighted_gram(xt, self.w), before)
            self.x_dm = xt if self.keep.all() else np.asfortranarray(xt[:, self.keep])

    def _solve(self, wres: FloatArray) -> FloatArray:
        """``b`` with ``(X'WX) b = X' wres`` through the R factor of ``W^(1/2) X / scale``."""
        g = (self.x_dm.T @ wres) / self.scale
        y = sla.solve_triangular(self.r, g, trans="T", lower=False)
        sol: FloatArray = sla.solve_triangular(self.r, y, lower=False) / self.scale
        return sol

    def _demean(self, a: FloatArray) -> FloatArray:
        if self.twoway is not None:
            out = np.array(a, dtype=np.float64, order="F", copy=True)
            self.twoway.project(out, self.w)
            return out
        values: FloatArray = demean(a, self.codes, self.w, tol=self.tol).values
        return values.reshape(a.shape)

    def fit(self, t: FloatArray) -> Projection:
        """Project ``t`` (length N)."""
        t = np.asarray(t, dtype=np.float64)
        if self.codes:
            if self._prev_dm is None or self._prev_t is None:
                start = t
            else:
                start = self._prev_dm + (t - self._prev_t)
            dm = self._demean(start.reshape(-1, 1))[:, 0]
            self._prev_t, self._prev_dm = t.copy(), dm
        else:
            dm = t
        coef = np.zeros(self.k)
        if not self.keep.any():
            return Projection(t - dm, coef)
        b = self._solve(self.w * dm)
        resid = dm - self.x_dm @ b
        b += self._solve(self.w * resid)  # one refinement step (corrected semi-normal eqs)
        resid = dm - self.x_dm @ b
        coef[self.keep] = b
        return Projection(t - resid, coef)
