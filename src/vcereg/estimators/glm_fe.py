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
from numpy.typing import NDArray
from scipy import special

from .._types import FloatArray, IntArray
from ..errors import CollinearityWarning, ConvergenceError, DataError, EstimationError, warn
from ..linalg import weighted_gram
from .glm import derivatives, glm_loglik
from .glm_family import Binomial, Family, Link, Poisson, check_link, make_family, make_link
from .glm_fe_steps import WLS, Projector, Working, halve, independent, reproject

__all__ = ["GLMFEFit", "fit_glm_fe"]

_START_ITOL = 1e-4  # ppmlhdfe's start_inner_tol
#: a working response this large loses digits in ``z - residual`` (see _reproject)
_HUGE = 1e6


@dataclass(frozen=True, slots=True, eq=False)
class GLMFEFit:
    """The optimum of a GLM with absorbed fixed effects.

    ``params`` covers every column of ``x`` (0 for collinear ones); ``scores`` and
    ``hessian`` cover the kept columns. ``fe_sum`` is
    the sum of the fixed effects for each row (``eta = x b + fe_sum + offset``).
    """

    params: FloatArray
    keep: NDArray[np.bool_]
    mu: FloatArray
    eta: FloatArray
    fe_sum: FloatArray
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
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    off = None if offset is None else np.asarray(offset, dtype=np.float64)
    for name, arr in (("X", xv), ("y", yv), ("weights", w), ("offset", off)):
        if arr is not None and not np.all(np.isfinite(arr)):
            raise DataError(f"{name} has missing or non-finite values")
    problem = fam.check_y(yv, 1.0)
    if problem:
        raise DataError(problem)
    codes = list(codes)
    # a count outcome standardised (ppmlhdfe): the 0.1 floor of the criterion is then
    # relative to the data, and the iterations do not depend on the units of y
    scale = float(np.std(yv)) if isinstance(fam, Poisson) and codes else 1.0
    scale = scale if scale > 0 else 1.0
    work = Working(fam, lnk, yv / scale if scale != 1.0 else yv, w, off)
    k = xv.shape[1]
    data = np.empty((n, k + 1), order="F")  # [z X], demeaned in place, step after step
    data[:, 0] = 0.0
    data[:, 1:] = xv
    target = max(1e-12, min(itol, 0.1 * tol))
    project = Projector(codes)
    inner = max(_START_ITOL, tol) if codes else target
    eta = work.start_eta()
    keep = independent(data[:, 1:], project, work.step(eta)[0], target)
    dev = math.inf
    z_last = np.zeros(n)
    alt_tol = math.inf
    subiter = 0
    for it in range(1, maxiter + 1):
        wk, z = work.step(eta)
        data[:, 0] -= z_last  # warm start: the previous demeaned z plus its change
        data[:, 0] += z
        z_last[:] = z
        subiter += project(data, wk, inner)
        solver = WLS(data[:, 1:], wk, keep)
        beta = solver.solve(data[:, 0])
        eta_new = data[:, 0] - solver.fit(beta)  # the residual, then z minus it
        np.subtract(z_last, eta_new, out=eta_new)
        if off is not None:
            eta_new += off
        if it > 1 and float(np.abs(z_last).max()) > _HUGE:
            eta_new = eta + reproject(eta_new - eta, solver, project, wk, inner)
        dev_new = work.deviance(eta_new)
        if not math.isfinite(dev_new):
            raise ConvergenceError("convergence not achieved: the deviance is not finite")
        if it > 1 and not dev_new <= dev * (1 + 1e-12):
            # IRLS is not monotone: halve the step in the linear predictor, then go on
            eta, dev = halve(work, eta, eta_new, dev)
            continue
        eps = abs(dev - dev_new) / max(min(dev, dev_new), 0.1) if it > 1 else math.inf
        eta, dev = eta_new, dev_new
        if eps < tol and inner <= 1.1 * target:
            del z_last, solver
            counts = (it, subiter, target)
            return _finish(work, xv, yv, eta, project, keep, beta, scale, hessian, data, counts)
        if codes and eps < inner:
            inner = max(min(0.1 * inner, alt_tol), target)
            alt_tol = 10.0 ** -math.ceil(math.log10(1.0 / max(0.1 * eps, 2.2e-16)))
    raise ConvergenceError(
        f"convergence not achieved after {maxiter} iterations (Stata's r(430)); "
        "separation left unchecked can cause this (see separation())",
        hint="raise maxiterations() or check for separation",
    )


def _finish(
    work: Working,
    x: FloatArray,
    y: FloatArray,
    eta: FloatArray,
    project: Projector,
    keep: NDArray[np.bool_],
    beta: FloatArray,
    scale: float,
    hessian: str,
    data: FloatArray,
    counts: tuple[int, int, float],
) -> GLMFEFit:
    """Scores and Hessian at the optimum, on the original scale of ``y``; the demeaned
    regressors and then the scores are computed in the working array ``data``."""
    fam, lnk, w, off = work.fam, work.lnk, work.w, work.off
    if not keep.all():
        names = ", ".join(f"column {j}" for j in np.flatnonzero(~keep))
        warn(f"omitted because of collinearity: {names}", CollinearityWarning)
    if isinstance(fam, Poisson):
        eta = eta + math.log(scale)  # back to the units of y
    ones = np.ones_like(y) if w is None else w
    mu, d1, d2, ew = derivatives(fam, lnk, y, eta, ones)
    hw = ew if hessian == "eim" or _canonical(fam, lnk) else -d2
    del d2, ew
    # the regressors demeaned with the Hessian's weights at the optimum (warm: the last
    # step's demeaned columns), in place
    xd = data[:, 1:] if keep.all() else np.asfortranarray(data[:, 1:][:, keep])
    if xd.shape[1]:
        project(xd, hw, counts[2])
    hess = weighted_gram(xd, hw)
    xd *= d1[:, None]  # the scores, where the regressors were
    params = np.zeros(x.shape[1])
    params[keep] = beta
    fe_sum = eta - x[:, keep] @ beta
    if off is not None:
        fe_sum -= off
    return GLMFEFit(
        params=params,
        keep=keep,
        mu=mu,
        eta=eta,
        fe_sum=fe_sum,
        scores=xd,
        hessian=hess,
        loglik=glm_loglik(fam, lnk, y, mu, eta, ones),
        loglik_0=_loglik_0(fam, lnk, y, ones),
        deviance=_deviance(fam, lnk, y, eta, ones),
        iterations=counts[0],
        inner_iterations=counts[1],
        family=fam,
        link=lnk,
    )


def _deviance(fam: Family, lnk: Link, y: FloatArray, eta: FloatArray, w: FloatArray) -> float:
    """The reported deviance, row by row (no cancellation between large sums)."""
    with np.errstate(all="ignore"):
        mu = lnk.inverse(eta)
        if isinstance(fam, Poisson):
            unit = special.xlogy(y, y) - y * eta - y + mu
            return float(2.0 * (w @ unit))
        return -2.0 * glm_loglik(fam, lnk, y, mu, eta, w)


def _canonical(fam: Family, lnk: Link) -> bool:
    return lnk.name == fam.default_link


def _loglik_0(fam: Family, lnk: Link, y: FloatArray, w: FloatArray) -> float:
    """Log likelihood of the constant-only model (its mean is the weighted mean of y)."""
    mean = float(w @ y) / float(w.sum())
    mu0 = np.full_like(y, mean)
    with np.errstate(all="ignore"):
        eta0 = lnk.link(mu0)
    return glm_loglik(fam, lnk, y, mu0, eta0, w)
