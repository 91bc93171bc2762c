"""A Newton-Raphson maximiser with Stata's convergence rule, for likelihoods that are not
a GLM family (``nbreg``'s joint ``(beta, ln alpha)``).

``objective(theta)`` returns the log likelihood, its gradient and the negative Hessian.
Steps are ``H^{-1} g`` (the unit-diagonal scaled Hessian is factorised, so the units of a
parameter do not matter), halved until the log likelihood does not fall; where ``H`` is
not positive definite the step follows the gradient scaled by ``|diag H|`` (Stata's
fix-up in non-concave regions is a similar mix). Convergence is Stata's
``[R] maximize`` rule, as in :mod:`.glm`: ``g' H^{-1} g < nrtol`` and either
``mreldif(theta) < tol`` or ``reldif(ll) < ltol``; then up to three polishing steps.
Failure raises :class:`~vcereg.errors.ConvergenceError` (r(430)).

>>> def f(t):  # maximum at (1, -2)
...     g = -np.array([t[0] - 1.0, 4 * (t[1] + 2.0)])
...     return -0.5 * (t[0] - 1) ** 2 - 2 * (t[1] + 2) ** 2, g, np.diag([1.0, 4.0])
>>> out = maximize(f, np.zeros(2))
>>> np.round(out.theta, 8).tolist(), out.iterations
([1.0, -2.0], 2)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from .._types import FloatArray
from ..errors import ConvergenceError, EstimationError

__all__ = ["Maximum", "maximize"]

Objective = Callable[[FloatArray], tuple[float, FloatArray, FloatArray]]


@dataclass(frozen=True, slots=True)
class Maximum:
    theta: FloatArray
    loglik: float
    gradient: FloatArray
    hessian: FloatArray  # negative Hessian at theta
    iterations: int


def _solve(h: FloatArray, g: FloatArray) -> FloatArray | None:
    d = np.sqrt(np.abs(np.diag(h)))
    d[d == 0] = 1.0
    try:
        c = sla.cho_factor(h / np.outer(d, d), check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        return None
    piv = np.abs(np.diag(c[0]))
    if piv.size and piv.min() < 1e-7 * piv.max():
        return None
    out: FloatArray = sla.cho_solve(c, g / d, check_finite=False) / d
    return out if np.all(np.isfinite(out)) else None


def _direction(g: FloatArray, h: FloatArray) -> tuple[FloatArray, float]:
    step = _solve(h, g)
    if step is None:  # not concave here: a gradient step scaled by the curvature
        scale = np.abs(np.diag(h))
        scale[scale == 0] = 1.0
        step = g / scale
        return step, float("inf")
    return step, float(g @ step)


def _reldif(new: FloatArray | float, old: FloatArray | float) -> float:
    return float(np.max(np.abs(np.asarray(new) - old) / (np.abs(old) + 1.0)))


def maximize(
    objective: Objective,
    theta: FloatArray,
    *,
    tol: float = 1e-6,
    ltol: float = 1e-7,
    nrtol: float = 1e-5,
    maxiter: int = 300,
) -> Maximum:
    """Maximise ``objective`` from ``theta`` (see the module docstring)."""
    ll, g, h = objective(theta)
    if not np.isfinite(ll):
        raise EstimationError("the log likelihood is not finite at the starting values")
    it = 0
    moved = (np.inf, np.inf)
    while True:
        step, nr = _direction(g, h)
        if it > 0 and nr < nrtol and (moved[0] < tol or moved[1] < ltol):
            break
        if it >= maxiter:
            raise ConvergenceError(
                f"convergence not achieved after {it} iterations (Stata's r(430)); raise "
                "iterate() or check the model"
            )
        found = _line(objective, theta, ll, step, 60)
        if found is None:
            raise ConvergenceError(
                "convergence not achieved: no step improves the log likelihood (Stata's "
                "r(430), 'not concave')"
            )
        new, ll_new, g, h = found
        moved = (_reldif(new, theta), _reldif(ll_new, ll))
        theta, ll = new, ll_new
        it += 1
    for _ in range(3):
        if nr < 1e-20:
            break
        found = _line(objective, theta, ll, step, 0)
        if found is None:
            break
        theta, ll, g, h = found
        step, nr = _direction(g, h)
    return Maximum(theta, ll, g, h, it)


def _line(
    objective: Objective, theta: FloatArray, ll: float, step: FloatArray, halvings: int
) -> tuple[FloatArray, float, FloatArray, FloatArray] | None:
    t = 1.0
    slack = 1e-12 * (abs(ll) + 1.0)
    for _ in range(halvings + 1):
        new = theta + t * step
        with np.errstate(all="ignore"):
            ll_new, g, h = objective(new)
        if np.isfinite(ll_new) and ll_new >= ll - slack and np.all(np.isfinite(g)):
            return new, ll_new, g, h
        t /= 2
    return None
