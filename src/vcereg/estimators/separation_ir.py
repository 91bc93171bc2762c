"""The iterative rectifier: separation found by repeated least squares, fixed effects included.

Correia, Guimarães & Zylkin (2021, "Verifying the existence of maximum likelihood
estimates for generalized linear models"). An observation on the boundary of the outcome's
support (``y = 0`` in a Poisson model; every observation of a binary one) is *separated*
when some linear combination ``z`` of the regressors and fixed effects has
``s_i z_i >= 0`` on every boundary observation (``s_i`` the side of the boundary), ``z = 0``
on every interior one (``y > 0`` in Poisson) and ``z_i != 0`` on it: along ``-z`` the
likelihood keeps rising while that observation's fitted mean goes to the boundary.

The rectifier alternates two projections, starting from ``u = 1`` on the boundary: the
(weighted) least-squares projection onto the span ``L`` of the regressors and fixed
effects, with a heavy weight that pins the interior observations at zero (the fixed-effects
engine does the demeaning, so no dummy matrix is formed), and the rectification
``u_i = max(s_i zhat_i, 0)`` on the boundary. For every certificate ``z`` the inner product
``<u, s z>`` never decreases, and it starts at ``sum |z_i|``; so while a certificate exists
``max(u) >= 1`` at every step, and ``max(u) < 1`` proves that none does. When the fitted
values stop being negative the positive ones are a certificate, which is checked by one
more projection constrained to be zero off the candidates before it is believed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._types import BoolArray, FloatArray, IntArray
from .fe_project import FEProjector

__all__ = ["RectifierResult", "iterative_rectifier"]

#: Weight that pins observations at zero in a projection: eps^(-1/2), as ppmlhdfe (higher
#: weights lose the other observations' digits in the weighted sums).
_PIN = 1.0 / np.sqrt(np.finfo(float).eps)


@dataclass(frozen=True, slots=True)
class RectifierResult:
    """``separated``: the observations a certificate separates; ``coef``: the certificate's
    regressor coefficients (which variables separate); ``uses_fe``: whether the fixed
    effects are part of it; ``iterations``: projections computed; ``converged``."""

    separated: BoolArray
    coef: FloatArray
    uses_fe: bool
    iterations: int
    converged: bool


def iterative_rectifier(
    x: FloatArray,
    codes: Sequence[IntArray],
    boundary: BoolArray,
    side: FloatArray | None = None,
    *,
    tol: float = 1e-4,
    maxiter: int = 1000,
) -> RectifierResult:
    """One run of the rectifier: a set of separated observations (empty if there is none).

    Parameters
    ----------
    x
        (N, k) regressors (with the constant when there are no fixed effects).
    codes
        Integer codes of the absorbed fixed effects.
    boundary
        True for observations on the boundary of the outcome's support.
    side
        +1/-1 per observation: the sign a certificate must have there (None: +1).
    tol
        Relative size below which a fitted value counts as zero.
    maxiter
        Cap on projections; the result then says ``converged=False``.

    The result need not be every separated observation: drop these and run again until
    the run finds none (a certificate's support shrinks only by what was dropped).
    """
    n = boundary.shape[0]
    s = np.ones(n) if side is None else np.asarray(side, dtype=np.float64)
    interior = ~boundary
    none = RectifierResult(np.zeros(n, dtype=np.bool_), np.zeros(x.shape[1]), False, 0, True)
    if not boundary.any():
        return none
    proj = FEProjector(x, codes, np.where(interior, _PIN, 1.0))
    u = boundary.astype(np.float64)
    neg_tol = 0.1 * tol
    for it in range(1, maxiter + 1):
        fit = proj.fit(s * u)
        v = np.where(boundary, s * fit.fitted, 0.0)
        u = np.maximum(v, 0.0)
        top = float(u.max())
        if top < 1.0 - 1e-3:  # no certificate can exist (module docstring; the margin
            # covers the pinning weight and the demeaning tolerance)
            return RectifierResult(none.separated, none.coef, False, it, True)
        if float(v.min()) >= -neg_tol * top:
            candidate = v > tol * top
            checked = _certify(x, codes, candidate, s, v, tol)
            if checked is not None:
                return RectifierResult(candidate, checked[0], checked[1], it, True)
            neg_tol *= 0.1  # not a certificate yet: ask for less negativity
    return RectifierResult(none.separated, none.coef, False, maxiter, False)


def _certify(
    x: FloatArray,
    codes: Sequence[IntArray],
    candidate: BoolArray,
    s: FloatArray,
    v: FloatArray,
    tol: float,
) -> tuple[FloatArray, bool] | None:
    """Project the candidate certificate onto ``L`` with every other observation pinned
    at zero; it is a certificate when the projection keeps the sign on every candidate.
    Returns (regressor coefficients, whether the fixed effects take part) or None."""
    proj = FEProjector(x, codes, np.where(candidate, 1.0, _PIN))
    fit = proj.fit(np.where(candidate, s * v, 0.0))
    z = s * fit.fitted
    top = float(z[candidate].max())
    if not (top > 0 and float(z[candidate].min()) > tol * top):
        return None
    if float(np.abs(z[~candidate]).max(initial=0.0)) > 0.1 * tol * top:
        return None
    span = np.abs(x).max(axis=0) if x.size else np.zeros(0)
    coef = np.where(np.abs(fit.coef) * span > tol * top, fit.coef, 0.0)
    uses_fe = bool(codes) and bool(np.abs(fit.fitted - x @ fit.coef).max() > tol * top)
    return coef, uses_fe
