"""Absorbed fixed effects: singletons, demeaning, and the degrees of freedom they absorb.

By Frisch-Waugh-Lovell, OLS of ``y`` on ``X`` and dummies ``[D1 D2 ...]`` gives the same
slopes and residuals as OLS of the demeaned ``y`` on the demeaned ``X`` (Stata ``areg``,
``reghdfe``, ``xtreg, fe``). Fixed effects arrive as factorised codes: one ``np.int64``
array per effect, values ``0..G-1``, all of length N. Everything is O(N) per pass via
``np.bincount``; no dense dummy matrix and no N x N object is ever formed.

Demeaning with several effects solves the least-squares projection onto ``span[D1 D2 ...]``.
The largest effect ``D1`` is eliminated by group means and the others solve their normal
equations through the Schur complement ``S = Z'WZ - Z'WD1 (D1'WD1)^-1 D1'WZ``
(``Z = [D2 ...]``), all columns at once, in the space of their levels
(:mod:`.absorb_direct`): by conjugate gradients on ``S`` held as sparse factors, or, when
those converge slowly and the small effects have at most a couple of thousand levels
together (firm and year, worker and quarter), by a dense factorisation of ``S``. If that
fails its orthogonality check against the data, symmetric Kaczmarz sweeps accelerated by
conjugate gradients finish the job, reghdfe's default (Correia 2017, "Linear Models with
High-Dimensional Fixed Effects: An Efficient and Feasible Estimator").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from .._threads import run_parallel
from .._types import FloatArray, IntArray
from ..errors import DataError, EstimationError
from .absorb_codes import check_codes
from .absorb_direct import direct_project
from .absorb_dof import AbsorbedDof, absorbed_dof

__all__ = ["AbsorbedDof", "Demeaned", "absorbed_dof", "demean", "drop_singletons"]


#: CG stops when its residual has shrunk by this factor: ~50 ulp, the rounding level of
#: the sweep; past it the recurrences only amplify noise.
_RESIDUAL_FLOOR = 1e-14
#: A column whose sweep residual is below this fraction of its (weighted) norm when CG
#: starts is taken as converged: the noise level of sweeps with widely spread weights.
_START_FLOOR = 1e-11
#: Rounding level of one sweep, per sqrt(row) and unit of the column's scale (64 ulp).
_SWEEP_ROUNDING = 64 * float(np.finfo(np.float64).eps)
#: The direct solve factorises a dense matrix of the small effects' levels: worth it up to
#: a couple of thousand levels (2,000^3 / 3 flops is a fraction of a second), CG beyond.
_DIRECT_MAX_LEVELS = 2_000


@dataclass(frozen=True, slots=True)
class Demeaned:
    """Columns with every fixed effect partialled out; see :func:`demean`."""

    values: FloatArray  # (N, p), or (N,) when a 1-D array was given
    iterations: int  # CG sweeps the slowest column needed; 1 for one effect, 0 for none
    converged: bool


def drop_singletons(codes: Sequence[IntArray]) -> NDArray[np.bool_]:
    """Keep-mask after iteratively dropping singleton observations (reghdfe's default).

    An observation is a singleton when it is alone in its group of some fixed effect.
    Dropping one can create another, so passes repeat until none is left. The result
    does not depend on the order: it is the largest subset in which every group of
    every effect has at least two observations.

    Parameters
    ----------
    codes
        One integer code array per fixed effect, all of length N.

    Returns
    -------
    numpy.ndarray
        Boolean mask of length N, True for the observations to keep (empty if no codes).

    Examples
    --------
    >>> import numpy as np
    >>> firm = np.array([0, 0, 1, 1, 2, 2, 3])
    >>> year = np.array([0, 1, 0, 1, 1, 2, 2])
    >>> drop_singletons([firm]).tolist()
    [True, True, True, True, True, True, False]
    >>> drop_singletons([firm, year]).tolist()  # firm 3, then year 2, then firm 2
    [True, True, True, True, False, False, False]
    """
    fes = check_codes(codes)
    keep = np.ones(fes[0].size if fes else 0, dtype=np.bool_)
    if keep.size == 0:
        return keep
    sizes = [int(c.max()) + 1 for c in fes]
    clean = 0  # effects in a row with no singleton; an effect is clean right after its pass
    while True:
        for c, size in zip(fes, sizes, strict=True):
            counts = np.bincount(c[keep], minlength=size)
            single = keep & (counts[c] == 1)
            if single.any():
                keep &= ~single
                clean = 1
            else:
                clean += 1
            if clean >= len(fes):
                return keep


class _Projector:
    """Subtracts (weighted) group means of one fixed effect from a column, in place."""

    def __init__(self, fes: list[IntArray], weights: FloatArray | None) -> None:
        self.fes = fes
        self.weights = weights
        self.inv_total: list[FloatArray] = []
        for c in fes:
            total = np.bincount(c, weights=weights).astype(np.float64)
            self.inv_total.append(np.divide(1.0, total, out=np.zeros_like(total), where=total > 0))
        # Symmetric Kaczmarz order 1..G..1: the sweep is self-adjoint, so CG applies.
        g = len(fes)
        self.order = [*range(g), *range(g - 2, -1, -1)]
        self.buf = np.empty(fes[0].shape[0])  # scratch: large temporaries cost page faults

    def remove(self, g: int, col: FloatArray) -> None:
        c, buf = self.fes[g], self.buf
        wx = col if self.weights is None else np.multiply(col, self.weights, out=buf)
        sums = np.bincount(c, weights=wx, minlength=self.inv_total[g].size)
        means: FloatArray = sums * self.inv_total[g]
        col -= np.take(means, c, out=buf)

    def sweep(self, col: FloatArray, out: FloatArray) -> FloatArray:
        """``out = col - S col`` with S the symmetric sweep (the CG operator ``I - S``)."""
        np.copyto(out, col)
        for g in self.order:
            self.remove(g, out)
        return np.subtract(col, out, out=out)

    def dot(self, a: FloatArray, b: FloatArray) -> float:
        if self.weights is None:
            return float(a @ b)
        return float(np.multiply(a, self.weights, out=self.buf) @ b)


def _cg(
    proj: _Projector, y: FloatArray, scale: float, tol: float, maxiter: int
) -> tuple[int, bool, float]:
    """CG on ``(I - S) d = (I - S) y`` (S the sweep), updating ``y`` in place to ``y - d``.

    Converged when two successive updates are below ``tol`` (one small step can sit in a
    plateau) or the residual reaches rounding level. Returns (iterations, converged, change).
    """
    r = proj.sweep(y, np.empty_like(y))
    # A column already projected up to rounding (by the direct solve) leaves a residual
    # of pure rounding noise, on which CG's step lengths are meaningless: they threw such
    # columns far off (found with tol=1e-12 on 1e5 rows of DiD dummies). Stop before the
    # first step when one sweep would change the column by no more than rounding.
    if float(np.max(np.abs(r), initial=0.0)) <= _SWEEP_ROUNDING * np.sqrt(y.size) * scale:
        return 0, True, 0.0
    rr = proj.dot(r, r)
    size = proj.dot(y, y)
    if rr <= size * _START_FLOOR**2:
        # already at rounding level (a direct solve, a warm start): on an ill-conditioned
        # (e.g. widely weighted) problem CG would only amplify the noise into the answer
        return 0, True, 0.0
    u, v, step = r.copy(), np.empty_like(y), np.empty_like(y)
    # rounding level of the column itself, not only of the first residual: a start close
    # to the answer (or widely spread weights) would otherwise let CG iterate on noise
    floor = max(rr, size) * _RESIDUAL_FLOOR**2
    change = previous = np.inf
    for it in range(1, maxiter + 1):
        if rr <= floor:  # orthogonal to every dummy, up to rounding
            return it - 1, True, 0.0
        proj.sweep(u, v)
        uv = proj.dot(u, v)
        if uv <= 0.0:  # u in the null space of I - S: nothing left to remove
            return it - 1, True, 0.0
        alpha = rr / uv
        y -= np.multiply(u, alpha, out=step)
        previous, change = change, max(float(step.max()), -float(step.min())) / scale
        if max(change, previous) <= tol:
            return it, True, change
        r -= np.multiply(v, alpha, out=step)
        rr_new = proj.dot(r, r)
        u *= rr_new / rr
        u += r
        rr = rr_new
    return maxiter, False, change


def demean(
    arrays: FloatArray,
    codes: Sequence[IntArray],
    weights: FloatArray | None = None,
    *,
    tol: float = 1e-10,
    maxiter: int = 10_000,
    method: Literal["auto", "direct", "cg"] = "auto",
    copy: bool = True,
) -> Demeaned:
    """Partial every fixed effect out of each column (the within transformation).

    One effect: exact (weighted) group-mean subtraction in one pass. Several: symmetric
    Kaczmarz sweeps (alternating projections 1, 2, ..., G, ..., 2, 1) accelerated by
    conjugate gradients, as reghdfe's default. A column has converged when the largest
    absolute update is at most ``tol`` times its (weighted) standard deviation.

    Parameters
    ----------
    arrays
        (N, p) or (N,) float array, C or Fortran order; not modified.
    codes
        One integer code array per fixed effect, all of length N.
    weights
        Optional non-negative weights of length N; group means become weighted means.
    tol, maxiter
        Convergence tolerance (relative change) and the cap on accelerated sweeps.
    method
        ``"auto"``: the solve in the small effects' levels (CG on the Schur complement;
        the dense factorisation when CG would take longer and the effects other than the
        largest have at most 2,000 levels together), checked against the data, with the
        accelerated sweeps for what it leaves; ``"cg"``: only the accelerated sweeps;
        ``"direct"``: the dense factorisation, an error if it does not apply.
    copy
        With ``copy=False`` a Fortran-ordered float64 2-D input is demeaned in place (the
        caller's scratch array), saving a copy of the data.

    Returns
    -------
    Demeaned
        ``values`` (Fortran-ordered float64, the shape of ``arrays``), ``iterations``,
        ``converged``.

    Raises
    ------
    EstimationError
        When some column has not converged after ``maxiter`` sweeps.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0], [3.0], [10.0], [20.0]])
    >>> demean(x, [np.array([0, 0, 1, 1])]).values.ravel().tolist()
    [-1.0, 1.0, -5.0, 5.0]
    >>> firm, year = np.array([0, 0, 1, 1, 2]), np.array([0, 1, 0, 1, 1])
    >>> res = demean(np.array([1.0, 2.0, 4.0, 3.0, 5.0]), [firm, year])
    >>> bool(np.allclose(np.bincount(firm, res.values), 0)), res.converged
    (True, True)
    """
    x = np.asarray(arrays, dtype=np.float64)
    if x.ndim not in (1, 2):
        raise DataError(f"demean expects a 1-D or 2-D array (got {x.ndim} dimensions)")
    n = x.shape[0]
    in_place = not copy and x.ndim == 2 and x.flags.f_contiguous and x.flags.writeable
    out = x if in_place else np.array(x.reshape(n, -1), dtype=np.float64, order="F", copy=True)
    fes = check_codes(codes, n)
    w: FloatArray | None = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise DataError(f"weights must be {n} finite non-negative numbers")

    def result(iterations: int) -> Demeaned:
        return Demeaned(out if x.ndim == 2 else out[:, 0], iterations, True)

    if not fes:
        return result(0)
    proj = _Projector(fes, w)
    if len(fes) == 1:  # exact in one pass
        for j in range(out.shape[1]):
            proj.remove(0, out[:, j])
        return result(1)

    # The constant lies in every effect's span: centring first changes nothing but
    # rounding, and makes the scale below the spread rather than the level.
    wsum = float(n) if w is None else float(w.sum())
    mean = out.mean(axis=0) if w is None else (w @ out) / max(wsum, 1e-300)
    out -= mean
    # no N x p temporary for the weighted case (einsum runs over the three operands at once)
    scales = np.sqrt(
        np.einsum("ij,ij->j", out, out) if w is None else np.einsum("ij,ij,i->j", out, out, w)
    )
    scales /= np.sqrt(max(wsum, 1e-300))
    last = (
        direct_project(out, fes, w, max_levels=_DIRECT_MAX_LEVELS, force=method == "direct")
        if method != "cg" and len(out)
        else None
    )
    direct = last is not None
    if method == "direct" and not direct:
        raise EstimationError(
            f"the direct solve needs the effects other than the largest to have at most "
            f"{_DIRECT_MAX_LEVELS:,} levels together"
        )
    iterations = 0
    done = [not float(scales[j]) > 0 for j in range(out.shape[1])]  # constant: centred
    if direct:
        # the direct solve removed the largest effect's group means last: only the
        # others can have a component left
        checked = run_parallel(
            lambda j: done[j] or _orthogonal(proj, out[:, j], float(scales[j]), tol, last),
            range(out.shape[1]),
            rows=n,
        )
        iterations = 1 if any(c and not d for c, d in zip(checked, done, strict=True)) else 0
        done = checked
    for j in range(out.shape[1]):
        if done[j]:
            continue
        col = out[:, j]
        scale = float(scales[j])
        its, converged, change = _cg(proj, col, scale, tol, maxiter)
        iterations = max(iterations, its)
        if not converged:
            raise EstimationError(
                f"fixed-effects demeaning did not converge in {maxiter} iterations "
                f"(tol={tol:g}): column {j} still changes by {change:.3g} of its scale",
                hint="raise maxiter or tol; slow convergence means weakly connected "
                "fixed effects (few movers between groups)",
            )
    return result(iterations)


def _orthogonal(
    proj: _Projector, col: FloatArray, scale: float, tol: float, skip: int | None = None
) -> bool:
    """Has ``col`` no component left in any effect's span (but effect ``skip``, known to be
    projected out)? (One sweep would change it by at most ``tol`` of its scale.)"""
    for g in range(len(proj.fes)):
        if g == skip:
            continue
        wx = col if proj.weights is None else col * proj.weights
        sums = np.bincount(proj.fes[g], weights=wx, minlength=proj.inv_total[g].size)
        means = sums * proj.inv_total[g]
        if np.max(np.abs(means)) > tol * scale:
            return False
    return True
