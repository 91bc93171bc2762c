"""Generalized linear models with absorbed fixed effects: IRLS with weighted demeaning.

Each IRLS step is a weighted least-squares regression of the working response ``z`` on
``X`` and the fixed effects; by Frisch-Waugh-Lovell it is the regression of the demeaned
``z`` on the demeaned ``X``, demeaned with the step's weights by the fixed-effects engine
(:func:`~vcereg.estimators.absorb.demean`); no dummy matrix is formed. The accelerations of
Correia, Guimarães & Zylkin (2020, "Fast Poisson estimation with high-dimensional fixed
effects", Stata Journal 20(1)), as ppmlhdfe does them:

- **warm starts**: demeaning is a projection, and the demeaned columns of the previous
  step differ from the raw ones by something in the span of the dummies, so demeaning them
  again with the new weights gives the same result as demeaning the raw columns, in far
  fewer sweeps (``z`` starts from the previous demeaned ``z`` plus its change);
- **a tightening inner tolerance**: the demeaning starts at ``1e-4`` and tightens tenfold
  (or to the outer loop's own progress) whenever the outer criterion passes it, down to
  ``itol``;
- the **criterion** is ppmlhdfe's: the change in the deviance relative to
  ``max(min(deviance, previous deviance), 0.1)``, with the outcome of a count model
  standardised by its standard deviation; convergence needs it below ``tol`` with the
  demeaning at its final tolerance. Not converging is an error (no result is returned).

The fit returns what the variance registry needs: the per-row scores ``x~_i dl_i/deta`` and
the negative Hessian ``X~' H X~`` of the log likelihood profiled over the fixed effects
(``X~`` demeaned with the Hessian's weights: observed, or expected with ``hessian="eim"``;
the two coincide for canonical links such as Poisson-log and logit).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.linalg as sla
from numpy.typing import NDArray

from .._types import FloatArray, IntArray
from ..errors import CollinearityWarning, ConvergenceError, DataError, EstimationError, warn
from ..linalg import least_squares
from .absorb import demean
from .fe_project import rank_probe, weighted_gram
from .glm import derivatives, glm_loglik
from .glm_family import Binomial, Family, Link, Poisson, check_link, make_family, make_link

__all__ = ["GLMFEFit", "fit_glm_fe"]

_START_ITOL = 1e-4  # ppmlhdfe's start_inner_tol
#: a working response this large loses digits in ``z - residual`` (see _reproject)
_HUGE = 1e6


@dataclass(frozen=True, slots=True, eq=False)
class GLMFEFit:
    """The optimum of a GLM with absorbed fixed effects.

    ``params`` covers every column of ``x`` (0 for collinear ones, listed in ``omitted``
    by index); ``scores``, ``hessian`` and ``x_dm`` cover the kept columns. ``fe_sum`` is
    the sum of the fixed effects for each row (``eta = x b + fe_sum + offset``).
    """

    params: FloatArray
    keep: NDArray[np.bool_]
    mu: FloatArray
    eta: FloatArray
    fe_sum: FloatArray
    x_dm: FloatArray
    scores: FloatArray
    hessian: FloatArray
    loglik: float
    loglik_0: float
    deviance: float
    iterations: int
    inner_iterations: int
    family: Family
    link: Link

    @property
    def pseudo_r2(self) -> float:
        """McFadden's ``1 - ll / ll_0`` (``ll_0``: the constant-only model, as ppmlhdfe)."""
        return 1.0 - self.loglik / self.loglik_0 if self.loglik_0 != 0 else float("nan")


def fit_glm_fe(
    x: FloatArray,
    y: FloatArray,
    codes: Sequence[IntArray],
    *,
    family: str | Family = "poisson",
    link: str | Link | None = None,
    weights: FloatArray | None = None,
    offset: FloatArray | None = None,
    tol: float = 1e-8,
    itol: float = 1e-9,
    maxiter: int = 10_000,
    hessian: Literal["oim", "eim"] = "oim",
) -> GLMFEFit:
    """Fit a GLM with absorbed fixed effects by IRLS (see the module docstring).

    Parameters
    ----------
    x
        (N, k) regressors without the constant (with ``codes`` empty, include it).
    y
        The outcome (counts for Poisson, 0/1 for binomial).
    codes
        Integer codes of the absorbed fixed effects.
    family, link
        ``"poisson"`` (log link) or ``"binomial"`` (``logit``, ``probit``, ``cloglog``).
    weights, offset
        Prior (frequency or importance) weights; a known part of the linear predictor.
    tol, itol, maxiter
        ppmlhdfe's ``tolerance()`` (deviance criterion), ``itolerance()`` (final
        demeaning tolerance) and ``maxiterations()``.
    hessian
        ``"oim"``: the observed information (Stata's default); ``"eim"``: the expected
        information (fixest's, for non-canonical links).

    Raises
    ------
    ConvergenceError
        When the deviance has not settled after ``maxiter`` iterations.
    """
    fam = make_family(family)
    lnk = make_link(link if link is not None else fam.default_link)
    check_link(fam, lnk)
    if not isinstance(fam, Poisson | Binomial):
        raise EstimationError(
            f"absorbed fixed effects are available for Poisson and binomial models (got {fam.name})"
        )
    yv = np.asarray(y, dtype=np.float64)
    n = yv.shape[0]
    xv = np.asarray(x, dtype=np.float64).reshape(n, -1)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=np.float64)
    for name, arr in (("X", xv), ("y", yv), ("weights", w), ("offset", off)):
        if not np.all(np.isfinite(arr)):
            raise DataError(f"{name} has missing or non-finite values")
    problem = fam.check_y(yv, 1.0)
    if problem:
        raise DataError(problem)
    codes = list(codes)
    # a count outcome standardised (ppmlhdfe): the 0.1 floor of the criterion is then
    # relative to the data, and the iterations do not depend on the units of y
    scale = float(np.std(yv)) if isinstance(fam, Poisson) and codes else 1.0
    scale = scale if scale > 0 else 1.0
    ys = yv / scale
    k = xv.shape[1]
    data = np.empty((n, k + 1), order="F")
    data[:, 1:] = xv
    target = max(1e-12, min(itol, 0.1 * tol))
    inner = max(_START_ITOL, tol) if codes else target

    mu = _start_mu(fam, ys, w)
    with np.errstate(all="ignore"):
        eta = lnk.link(mu)
    keep = _independent(data[:, 1:], codes, derivatives(fam, lnk, ys, eta, w)[3], target)
    dev = math.inf
    z_last = np.zeros(n)
    alt_tol = math.inf
    subiter = 0
    for it in range(1, maxiter + 1):
        mu, _, _, wk = derivatives(fam, lnk, ys, eta, w)
        dmu = lnk.dmu(eta)
        z = eta - off + (ys - mu) / np.where(dmu == 0, 1e-300, dmu)
        if it == 1:
            data[:, 0] = z
        else:
            data[:, 0] += z - z_last  # warm start: the previous demeaned z plus its change
        z_last = z
        if codes:
            subiter += demean(data, codes, wk, tol=inner, copy=False).iterations
        solver = _WLS(data[:, 1:], wk, keep)
        beta = solver.solve(data[:, 0])
        eta_new = z - (data[:, 0] - solver.fit(beta)) + off
        if it > 1 and float(np.abs(z).max()) > _HUGE:
            eta_new = eta + _reproject(eta_new - eta, solver, codes, wk, inner)
        dev_new = _deviance(fam, lnk, ys, eta_new, w)
        if not math.isfinite(dev_new):
            raise ConvergenceError("convergence not achieved: the deviance is not finite")
        if it > 1 and not dev_new <= dev * (1 + 1e-12):
            # IRLS is not monotone: halve the step in the linear predictor, then go on
            eta, dev = _halve(fam, lnk, ys, w, eta, eta_new, dev)
            continue
        eps = abs(dev - dev_new) / max(min(dev, dev_new), 0.1) if it > 1 else math.inf
        eta, dev = eta_new, dev_new
        if eps < tol and inner <= 1.1 * target:
            return _finish(
                fam,
                lnk,
                xv,
                ys,
                yv,
                w,
                off,
                eta,
                codes,
                keep,
                beta,
                scale,
                it,
                subiter,
                target,
                hessian,
                data,
            )
        if codes and eps < inner:
            inner = max(min(0.1 * inner, alt_tol), target)
            alt_tol = 10.0 ** -math.ceil(math.log10(1.0 / max(0.1 * eps, 2.2e-16)))
    raise ConvergenceError(
        f"convergence not achieved after {maxiter} iterations (Stata's r(430)); "
        "separation left unchecked can cause this (see separation())",
        hint="raise maxiterations() or check for separation",
    )


def _start_mu(fam: Family, y: FloatArray, w: FloatArray) -> FloatArray:
    if isinstance(fam, Binomial):
        out: FloatArray = (y + 0.5) / 2.0
        return out
    mean = float(w @ y) / float(w.sum())
    mu = 0.5 * (y + mean)
    return np.maximum(mu, np.maximum(0.05 * y, 1e-3))  # ppmlhdfe's floor on starting means


def _deviance(fam: Family, lnk: Link, y: FloatArray, eta: FloatArray, w: FloatArray) -> float:
    """Deviance from ``eta`` (no ``log(y / mu)`` cancellation; binary tails from log p)."""
    with np.errstate(all="ignore"):
        if isinstance(fam, Poisson):
            mu = lnk.inverse(eta)
            unit = np.where(y > 0, y * (np.log(np.where(y > 0, y, 1.0)) - eta) - y, 0.0) + mu
            return float(2.0 * (w @ unit))
        mu = lnk.inverse(eta)
        return -2.0 * glm_loglik(fam, lnk, y, mu, eta, w)


def _independent(
    x: FloatArray, codes: list[IntArray], w: FloatArray, tol: float
) -> NDArray[np.bool_]:
    """Demean ``x`` in place (accurately, with the starting weights: a warm start for the
    loop) and flag the columns that are not collinear with the fixed effects and earlier
    columns. Collinearity does not depend on the (positive) weights, so once suffices."""
    k = x.shape[1]
    if k == 0:
        return np.ones(0, dtype=np.bool_)
    sw = np.sqrt(w)
    sums = w @ x
    # weighted spread before and after demeaning, from blocked Gram matrices (no N x k
    # temporaries): a column whose spread vanishes is explained by the fixed effects
    before = np.sqrt(np.maximum(np.diag(weighted_gram(x, w)) - sums**2 / float(w.sum()), 0))
    if codes:
        demean(x, codes, w, tol=tol, copy=False)
    after = np.sqrt(np.diag(weighted_gram(x, w)))
    keep: NDArray[np.bool_] = after > 1e-9 * np.maximum(before, 1e-300)
    if keep.any():
        ls = least_squares(np.asfortranarray(x[:, keep] * sw[:, None]), rank_probe(x.shape[0]))
        keep[np.flatnonzero(keep)[~ls.keep]] = False
    return keep


class _WLS:
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


def _reproject(
    delta: FloatArray, solver: _WLS, codes: list[IntArray], w: FloatArray, tol: float
) -> FloatArray:
    """``delta`` (a change of the linear predictor computed as ``z`` minus a residual, which
    loses digits where ``z`` is huge: a tiny mean with a positive outcome) projected once
    more onto the regressors and fixed effects; it is moderate, so nothing cancels."""
    dm = demean(delta, codes, w, tol=tol).values if codes else delta
    resid = dm - solver.fit(solver.solve(dm))
    out: FloatArray = delta - resid
    return out


def _halve(
    fam: Family,
    lnk: Link,
    y: FloatArray,
    w: FloatArray,
    eta: FloatArray,
    eta_new: FloatArray,
    dev: float,
) -> tuple[FloatArray, float]:
    """Halve the step from ``eta`` until the deviance does not rise (at most 30 times)."""
    for _ in range(30):
        eta_new = 0.5 * (eta + eta_new)
        dev_new = _deviance(fam, lnk, y, eta_new, w)
        if dev_new <= dev * (1 + 1e-12):
            return eta_new, dev_new
    return eta, dev


def _finish(
    fam: Family,
    lnk: Link,
    x: FloatArray,
    ys: FloatArray,
    y: FloatArray,
    w: FloatArray,
    off: FloatArray,
    eta: FloatArray,
    codes: list[IntArray],
    keep: NDArray[np.bool_],
    beta: FloatArray,
    scale: float,
    iterations: int,
    subiter: int,
    target: float,
    hessian: str,
    data: FloatArray,
) -> GLMFEFit:
    """Scores and Hessian at the optimum, on the original scale of ``y``."""
    if not keep.all():
        names = ", ".join(f"column {j}" for j in np.flatnonzero(~keep))
        warn(f"omitted because of collinearity: {names}", CollinearityWarning)
    mu, d1, d2, ew = derivatives(fam, lnk, ys, eta, w)
    hw = ew if hessian == "eim" or _canonical(fam, lnk) else -d2
    # the regressors demeaned with the Hessian's weights at the optimum (warm: the last
    # step's demeaned columns)
    x_dm = np.asfortranarray(data[:, 1:][:, keep])
    if codes and x_dm.shape[1]:
        x_dm = demean(x_dm, codes, hw, tol=target, copy=False).values
    params = np.zeros(x.shape[1])
    params[keep] = beta
    fe_sum = eta - off - x[:, keep] @ beta
    if isinstance(fam, Poisson):
        eta = eta + math.log(scale)  # back to the units of y
        fe_sum = fe_sum + math.log(scale)
        mu, d1, d2, ew = derivatives(fam, lnk, y, eta, w)
        hw = ew
    loglik = glm_loglik(fam, lnk, y, mu, eta, w)
    return GLMFEFit(
        params=params,
        keep=keep,
        mu=mu,
        eta=eta,
        fe_sum=fe_sum,
        x_dm=x_dm,
        scores=x_dm * d1[:, None],
        hessian=weighted_gram(x_dm, hw),
        loglik=loglik,
        loglik_0=_loglik_0(fam, lnk, y, w),
        deviance=_deviance(fam, lnk, y, eta, w),
        iterations=iterations,
        inner_iterations=subiter,
        family=fam,
        link=lnk,
    )


def _canonical(fam: Family, lnk: Link) -> bool:
    return lnk.name == fam.default_link


def _loglik_0(fam: Family, lnk: Link, y: FloatArray, w: FloatArray) -> float:
    """Log likelihood of the constant-only model (its mean is the weighted mean of y)."""
    mean = float(w @ y) / float(w.sum())
    mu0 = np.full_like(y, mean)
    with np.errstate(all="ignore"):
        eta0 = lnk.link(mu0)
    return glm_loglik(fam, lnk, y, mu0, eta0, w)
