"""Building blocks of the IRLS with absorbed fixed effects (:mod:`.glm_fe`).

:class:`Working` computes the fitted means, the working weights and the working response
of a step, and the deviance, in buffers reused across steps (Poisson-log and logit
without allocating new N-vectors; other links through the GLM core's derivatives);
:class:`WLS` solves the weighted least squares on the demeaned regressors; the rest are
the step's safeguards (re-projection where the working response is huge, step halving)
and the one-time collinearity check.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.linalg as sla
from numpy.typing import NDArray
from scipy import special

from .._types import FloatArray, IntArray
from ..errors import EstimationError
from ..linalg import least_squares, weighted_gram
from .absorb import demean
from .absorb_twoway import TwoWayDemeaner
from .glm import derivatives, glm_loglik
from .glm_family import Binomial, Family, Link, Poisson

__all__ = ["WLS", "Projector", "Working", "halve", "independent", "reproject"]

_TINY_MU = 1e-300


class Projector:
    """In-place weighted demeaning of (N, p) Fortran arrays off the fixed effects: the
    cached two-way solve when it applies (:mod:`.absorb_twoway`, exact), else the
    fixed-effects engine at the requested tolerance."""

    def __init__(self, codes: Sequence[IntArray]) -> None:
        self.codes = list(codes)
        self.twoway = TwoWayDemeaner(self.codes) if TwoWayDemeaner.applicable(self.codes) else None

    def __call__(self, x: FloatArray, w: FloatArray, tol: float) -> int:
        """Demean ``x`` in place; returns the iterations spent."""
        if not self.codes:
            return 0
        if self.twoway is not None:
            return self.twoway.project(x, w, tol)
        return demean(x, self.codes, w, tol=tol, copy=False).iterations


class Working:
    """Means, working weights and working response of IRLS steps for one problem.

    ``w`` (prior weights) and ``off`` (offset) may be None (none); ``y`` is the outcome
    on the working scale (counts divided by their standard deviation).
    """

    def __init__(
        self, fam: Family, lnk: Link, y: FloatArray, w: FloatArray | None, off: FloatArray | None
    ) -> None:
        self.fam, self.lnk, self.y, self.w, self.off = fam, lnk, y, w, off
        self.kind = "other"
        if isinstance(fam, Poisson) and lnk.name == "log":
            self.kind = "poisson"
        elif isinstance(fam, Binomial) and lnk.name == "logit":
            self.kind = "logit"
        n = y.shape[0]
        self.mu = np.empty(n)
        self.z = np.empty(n)
        self.wk = np.empty(n)
        wy = y if w is None else w * y
        # Poisson deviance = 2 (C - (w y)' eta + w' mu): C once, no per-row cancellation
        self.wy = wy
        self.dev_const = float(np.sum(special.xlogy(wy, y) - wy)) if self.kind == "poisson" else 0.0

    def start_eta(self) -> FloatArray:
        y = self.y
        if isinstance(self.fam, Binomial):
            mu = (y + 0.5) / 2.0
        else:
            mean = float(np.mean(y)) if self.w is None else float(self.w @ y) / float(self.w.sum())
            mu = np.maximum(0.5 * (y + mean), np.maximum(0.05 * y, 1e-3))  # ppmlhdfe's floor
        with np.errstate(all="ignore"):
            out: FloatArray = self.lnk.link(mu)
        return out

    def step(self, eta: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(working weights, working response ``z = eta - off + (y - mu) / mu'``) at ``eta``;
        both live in this object's buffers until the next call."""
        mu, z, wk = self.mu, self.z, self.wk
        with np.errstate(all="ignore"):
            if self.kind == "poisson":
                np.exp(eta, out=mu)
                np.maximum(mu, _TINY_MU, out=mu)
                np.multiply(mu, 1.0 if self.w is None else self.w, out=wk)
                np.subtract(self.y, mu, out=z)
                z /= mu
            elif self.kind == "logit":
                special.expit(eta, out=mu)
                np.subtract(1.0, mu, out=wk)
                wk *= mu  # p (1 - p)
                np.maximum(wk, _TINY_MU, out=wk)
                np.subtract(self.y, mu, out=z)
                z /= wk
                if self.w is not None:
                    wk *= self.w
            else:
                w = np.ones_like(eta) if self.w is None else self.w
                m, _, _, expected = derivatives(self.fam, self.lnk, self.y, eta, w)
                mu[:] = m
                wk[:] = expected
                dmu = self.lnk.dmu(eta)
                np.subtract(self.y, mu, out=z)
                z /= np.where(dmu == 0, _TINY_MU, dmu)
        z += eta
        if self.off is not None:
            z -= self.off
        return wk, z

    def deviance(self, eta: FloatArray) -> float:
        """The deviance at ``eta`` (binary tails from ``log p``, no ``log(y / mu)``)."""
        with np.errstate(all="ignore"):
            if self.kind == "poisson":
                mu = np.exp(eta)
                total = float(mu.sum() if self.w is None else self.w @ mu)
                return 2.0 * (self.dev_const - float(self.wy @ eta) + total)
            w = np.ones_like(eta) if self.w is None else self.w
            if isinstance(self.fam, Poisson):
                mu = self.lnk.inverse(eta)
                return float(2.0 * (w @ (special.xlogy(self.y, self.y / mu) - (self.y - mu))))
            mu = self.lnk.inverse(eta)
            return -2.0 * glm_loglik(self.fam, self.lnk, self.y, mu, eta, w)


class WLS:
    """Weighted least squares on the (demeaned) kept regressors: the scaled normal
    equations by Cholesky, with one step of refinement on the residual per solve."""

    def __init__(self, x: FloatArray, w: FloatArray, keep: NDArray[np.bool_]) -> None:
        self.x = x if keep.all() else x[:, keep]
        self.w = w
        g = weighted_gram(self.x, w)
        self.d = np.sqrt(np.diag(g))
        self.d[self.d == 0] = 1.0
        self.c = None
        if g.size:
            try:
                self.c = sla.cho_factor(g / np.outer(self.d, self.d), check_finite=False)
            except (np.linalg.LinAlgError, ValueError) as exc:
                raise EstimationError(
                    "the weighted regressors became collinear in an IRLS step"
                ) from exc

    def _step(self, r: FloatArray) -> FloatArray:
        out: FloatArray = sla.cho_solve(self.c, (self.x.T @ (self.w * r)) / self.d) / self.d
        return out

    def solve(self, y: FloatArray) -> FloatArray:
        if self.c is None:
            return np.zeros(0)
        beta = self._step(y)
        return beta + self._step(y - self.x @ beta)

    def fit(self, beta: FloatArray) -> FloatArray:
        out: FloatArray = self.x @ beta if beta.size else np.zeros(self.x.shape[0])
        return out


def reproject(
    delta: FloatArray, solver: WLS, project: Projector, w: FloatArray, tol: float
) -> FloatArray:
    """``delta`` (a change of the linear predictor computed as ``z`` minus a residual, which
    loses digits where ``z`` is huge: a tiny mean with a positive outcome) projected once
    more onto the regressors and fixed effects; it is moderate, so nothing cancels."""
    dm = np.asfortranarray(delta.reshape(-1, 1).copy())
    project(dm, w, tol)
    resid = dm[:, 0] - solver.fit(solver.solve(dm[:, 0]))
    out: FloatArray = delta - resid
    return out


def halve(
    work: Working, eta: FloatArray, eta_new: FloatArray, dev: float
) -> tuple[FloatArray, float]:
    """Halve the step from ``eta`` until the deviance does not rise (at most 30 times)."""
    for _ in range(30):
        eta_new = 0.5 * (eta + eta_new)
        dev_new = work.deviance(eta_new)
        if dev_new <= dev * (1 + 1e-12):
            return eta_new, dev_new
    return eta, dev


def independent(x: FloatArray, project: Projector, w: FloatArray, tol: float) -> NDArray[np.bool_]:
    """Demean ``x`` in place (accurately, with the starting weights: a warm start for the
    loop) and flag the columns that are not collinear with the fixed effects and earlier
    columns. Collinearity does not depend on the (positive) weights, so once suffices."""
    k = x.shape[1]
    if k == 0:
        return np.ones(0, dtype=np.bool_)
    sums = w @ x
    # weighted spread before and after demeaning, from blocked Gram matrices (no N x k
    # temporaries): a column whose spread vanishes is explained by the fixed effects
    before = np.sqrt(np.maximum(np.diag(weighted_gram(x, w)) - sums**2 / float(w.sum()), 0))
    project(x, w, tol)
    after = np.sqrt(np.diag(weighted_gram(x, w)))
    keep: NDArray[np.bool_] = after > 1e-9 * np.maximum(before, 1e-300)
    if keep.any():
        sw = np.sqrt(w)
        ls = least_squares(np.asfortranarray(x[:, keep] * sw[:, None]), np.zeros(x.shape[0]))
        keep[np.flatnonzero(keep)[~ls.keep]] = False
    return keep
