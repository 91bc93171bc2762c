"""Repeated weighted demeaning with two fixed effects, one of them small: the IRLS case.

An IRLS fit with absorbed effects demeans the same columns with new weights at every step.
For two effects, ``D1`` large (``g1`` levels) and ``D2`` with at most a couple of thousand
levels ``m``, the projection is exact through the Schur complement of the normal equations
(as :func:`vcereg.estimators.absorb.demean`'s direct solve): with ``C = D1'W D2`` (sparse,
``g1 x m``), ``n1 = D1'W 1``, ``n2 = D2'W 1``,

    S b = D2'W x - C' diag(1/n1) D1'W x,     S = diag(n2) - C' diag(1/n1) C,

then ``a = (D1'W x - C b) / n1`` and the residual is ``x - D2 b - D1 a``. Forming ``S``
(a sparse product over all the data) and factorising it dominate the cost, and between
IRLS steps ``S`` changes little. So the pattern of ``C`` is found once (the distinct pairs
of levels), each call only re-weights it, and ``S b = t`` is solved by conjugate gradients
preconditioned with the factor of an earlier step's ``S`` (a few products with the sparse
``C``, O(N) each); ``S`` is formed and factorised again only when that preconditioner has
gone stale. ``S`` is singular (a constant per connected component lies in both spans); the
pivoted Cholesky factor of its full-rank part is a valid preconditioner and any solution
leaves the same residual.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import numpy as np
import scipy.linalg as sla
from scipy.sparse import csr_matrix

from .._types import FloatArray, IntArray
from .absorb_direct import _cross_gram, group_sums

__all__ = ["TwoWayDemeaner"]

_MAX_SMALL = 2_000  # levels of the smaller effect: the dense m x m factor stays cheap
_PCG_TOL = 1e-14  # rounding level of S b = t, relative to the size of its sums
_DEAD = 1e-12  # a diagonal entry of S this small next to the largest is rounding noise
_STALE = 20  # PCG iterations after which the preconditioner is rebuilt (a product with S
# costs 1/20 to 1/25 of forming and factorising S again)


class TwoWayDemeaner:
    """Weighted projections off ``span[D1 D2]`` for changing weights (see the module
    docstring). Use :meth:`applicable` first; :meth:`project` works in place."""

    @staticmethod
    def applicable(codes: Sequence[IntArray]) -> bool:
        """Two effects, the smaller with at most 2,000 levels."""
        if len(codes) != 2:
            return False
        sizes = sorted(int(c.max()) + 1 if c.size else 0 for c in codes)
        return 0 < sizes[0] <= _MAX_SMALL

    def __init__(self, codes: Sequence[IntArray]) -> None:
        sizes = [int(c.max()) + 1 for c in codes]
        big = int(np.argmax(sizes))
        self.c1 = np.asarray(codes[big], dtype=np.int64)
        self.c2 = np.asarray(codes[1 - big], dtype=np.int64)
        self.g1, self.m = sizes[big], sizes[1 - big]
        self.pair, self.cols, self.indptr = _pattern(self.c1, self.c2, self.g1, self.m)
        self.n_pairs = self.cols.size
        self._factor: tuple[FloatArray, FloatArray, FloatArray] | None = None  # piv, r, scale

    def project(self, x: FloatArray, w: FloatArray, tol: float = 1e-13) -> int:
        """Replace the columns of ``x`` ((N, p) Fortran-ordered, in place) by their
        weighted residuals; returns the PCG iterations (0 for a fresh factorisation).
        ``tol`` is the relative residual the Schur system is solved to: loose in the
        early IRLS steps, as ppmlhdfe's demeaning tolerance."""
        n1 = np.bincount(self.c1, weights=w, minlength=self.g1)
        n2 = np.bincount(self.c2, weights=w, minlength=self.m)
        inv_n1 = np.divide(1.0, n1, out=np.zeros_like(n1), where=n1 > 0)
        cw = np.bincount(self.pair, weights=w, minlength=self.n_pairs)
        cross = csr_matrix((cw, self.cols, self.indptr), shape=(self.g1, self.m))
        s1 = group_sums(self.c1, self.g1, x, w)
        s2 = group_sums(self.c2, self.m, x, w)
        t = s2 - cross.T @ (s1 * inv_n1[:, None])
        # the residual of S b = t is judged relative to t, down to the rounding level of
        # the weighted sums t is made of, sqrt(sum w) * sqrt(sum w x^2) (t itself is tiny,
        # down to rounding, for columns already almost demeaned: the warm starts)
        noise = _PCG_TOL * np.sqrt(float(n2.sum()) * np.einsum("ij,ij,i->j", x, x, w))
        target = np.maximum(tol * np.linalg.norm(t, axis=0), noise)

        def apply_s(v: FloatArray) -> FloatArray:
            out: FloatArray = n2[:, None] * v - cross.T @ ((cross @ v) * inv_n1[:, None])
            return out

        iterations = 0
        b = None
        if self._factor is not None:
            # the old factor, rescaled to the new diagonal of S: S changes with the weights
            # mostly through its diagonal (how much weight each level carries)
            sq = cross.copy()
            sq.data **= 2
            scale = _live_scale(np.maximum(n2 - sq.T @ inv_n1, 0.0))
            piv, r, _ = self._factor
            if piv.size == 0 and not np.any(scale > 0):
                b = np.zeros_like(t)  # the large effect explains the small one entirely
            elif piv.size and np.all(scale[piv] > 0):  # the same levels still carry weight
                self._factor = (piv, r, scale)
                b, iterations = self._pcg(apply_s, t, target)
        if b is None:  # no factor yet, or a stale one: form S and factorise it
            schur = np.diag(n2) - _cross_gram(cross, inv_n1)
            self._factor = _factorise(schur)
            b = _solve(self._factor, t)
        a = (s1 - cross @ b) * inv_n1[:, None]
        for j in range(x.shape[1]):
            x[:, j] -= np.take(b[:, j], self.c2)
            x[:, j] -= np.take(a[:, j], self.c1)
        return iterations

    def _pcg(
        self, apply_s: object, t: FloatArray, target: FloatArray
    ) -> tuple[FloatArray | None, int]:
        """Column-wise preconditioned CG on ``S b = t`` until the residual norms are below
        ``target``; None when that takes more than ``_STALE`` iterations (the
        preconditioner has gone stale)."""
        assert self._factor is not None and callable(apply_s)
        target = np.maximum(target, 1e-300)
        b = _solve(self._factor, t)
        r = t - apply_s(b)
        z = _solve(self._factor, r)
        p = z.copy()
        rz = np.einsum("ij,ij->j", r, z)
        for it in range(1, _STALE + 1):
            if np.all(np.linalg.norm(r, axis=0) <= target):
                return b, it - 1
            q = apply_s(p)
            pq = np.einsum("ij,ij->j", p, q)
            alpha = np.divide(rz, pq, out=np.zeros_like(rz), where=pq > 0)
            b += p * alpha
            r -= q * alpha
            z = _solve(self._factor, r)
            rz_new = np.einsum("ij,ij->j", r, z)
            beta = np.divide(rz_new, rz, out=np.zeros_like(rz), where=rz > 0)
            p = z + p * beta
            rz = rz_new
        if np.all(np.linalg.norm(r, axis=0) <= target):
            return b, _STALE
        return None, _STALE


#: The pattern of C for code arrays still alive (the separation checks and the fit of one
#: model project with the same effects: the sort is done once). Keyed by the arrays'
#: identity; an entry goes when either array is garbage-collected.
_PATTERNS: dict[tuple[int, int], tuple[IntArray, IntArray, IntArray]] = {}


def _pattern(c1: IntArray, c2: IntArray, g1: int, m: int) -> tuple[IntArray, IntArray, IntArray]:
    """(pair of each row, column of each pair, row pointers): the CSR pattern of ``C``."""
    key = (id(c1), id(c2))
    if key in _PATTERNS:
        return _PATTERNS[key]
    pairs, inverse = np.unique(c1 * m + c2, return_inverse=True)
    pair = inverse.astype(np.int32 if pairs.size < 2**31 else np.int64).ravel()
    cols = (pairs % m).astype(np.int32)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(pairs // m, minlength=g1))])
    _PATTERNS[key] = (pair, cols, indptr)
    weakref.finalize(c1, _PATTERNS.pop, key, None)
    weakref.finalize(c2, _PATTERNS.pop, key, None)
    return pair, cols, indptr


def _live_scale(diag: FloatArray) -> FloatArray:
    """sqrt of the diagonal, 0 where it is rounding noise next to the largest (a level
    of the small effect that the large one explains entirely: it carries nothing)."""
    top = float(diag.max(initial=0.0))
    out: FloatArray = np.sqrt(np.where(diag > _DEAD * top, diag, 0.0))
    return out


def _factorise(a: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Pivoted Cholesky of the unit-diagonal ``a`` (its full-rank part; dead levels,
    see :func:`_live_scale`, are left out)."""
    scale = _live_scale(np.diag(a))
    live = np.flatnonzero(scale > 0)
    if live.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0)), scale
    sub = a[np.ix_(live, live)] / np.outer(scale[live], scale[live])
    c, piv, rank, info = sla.lapack.dpstrf(sub, lower=0, tol=1e-11)
    rank = int(rank) if info >= 0 else 0
    return live[piv[:rank] - 1], np.triu(c[:rank, :rank]), scale
    rank = int(rank) if info >= 0 else 0  # rank 0: nothing for the small effect to absorb
    return piv[:rank] - 1, np.triu(c[:rank, :rank]), scale


def _solve(factor: tuple[FloatArray, FloatArray, FloatArray], rhs: FloatArray) -> FloatArray:
    """A solution of ``a x = rhs`` from :func:`_factorise` (0 beyond the rank)."""
    piv, r, scale = factor
    sol = np.zeros_like(rhs)
    if piv.size == 0:
        return sol
    y = sla.solve_triangular(r, rhs[piv] / scale[piv, None], trans="T", lower=False)
    sol[piv] = sla.solve_triangular(r, y, lower=False) / scale[piv, None]
    return sol
