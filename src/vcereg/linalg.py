"""Stable least squares: column-scaled QR with sequential rank detection.

Never forms an unchecked normal-equations inverse. Large inputs are factorised in row
blocks (TSQR: the R factors of the blocks are stacked and factorised again), so memory
stays O(block * K) beyond the design matrix itself. Rank detection follows Stata's
convention: a column is omitted when it is (numerically) in the span of the columns
before it, so the intercept and earlier regressors are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.linalg as sla
from numpy.typing import NDArray

from ._types import FloatArray
from .errors import EstimationError

__all__ = [
    "RANK_TOL",
    "LeastSquares",
    "augmented_gram",
    "least_squares",
    "refinement",
    "tri_solve",
    "weighted_gram",
]


#: A scaled column whose distance to the span of the earlier columns is below this is
#: collinear. Exact collinearity leaves ~1e-15; NIST's Filip, the hardest certified
#: full-rank problem, has its smallest scaled pivot near 1e-11.
RANK_TOL = 1e-13
_BLOCK_ROWS = 65_536
_EXTENDED_ROWS = 100_000
_GRAM_ROWS = 2_000  # above this the checked Gram factorisation beats QR (one BLAS pass)
_CACHED_BYTES = 16 * 2**20  # a design up to this size is read from cache a second time
_REFINE_COND = 1e2  # scaled R: QR's error grows like eps * cond^2 for large residuals
_EXTENDED_COND = 1e3
_CHEAP_ROWS = 20_000  # below this, refinement costs next to nothing: always refine
_GRAM_COND = 1e6


def tri_solve(
    a: FloatArray, b: FloatArray, *, lower: bool = False, trans: bool = False
) -> FloatArray:
    """``a x = b`` (``a' x = b`` with ``trans``) for triangular float64 ``a``: what
    ``scipy.linalg.solve_triangular(..., check_finite=False)`` computes (the same LAPACK
    call, ``dtrtrs``), without its per-call overhead, which small fits pay many times.

    >>> tri_solve(np.array([[2.0, 1.0], [0.0, 4.0]]), np.array([3.0, 4.0])).tolist()
    [1.0, 1.0]
    """
    if b.size == 0:
        return np.empty(b.shape)
    if a.flags.f_contiguous:
        x, info = _TRTRS(a, b, lower=lower, trans=int(trans))
    else:  # the transposed system: trtrs expects Fortran order
        x, info = _TRTRS(a.T, b, lower=not lower, trans=int(not trans))
    if info > 0:
        raise np.linalg.LinAlgError(f"singular matrix: resolution failed at diagonal {info - 1}")
    if info < 0:
        raise ValueError(f"illegal value in {-info}-th argument of internal trtrs")
    out: FloatArray = x
    return out


_TRTRS = sla.lapack.dtrtrs


@dataclass(frozen=True)
class LeastSquares:
    """Solution of ``min ||y - X b||`` for the kept (non-collinear) columns.

    ``r`` is the R factor of the *scaled* kept columns ``X[:, keep] / scale``.
    """

    beta: FloatArray  # (k_kept,)
    keep: NDArray[np.bool_]  # (K,) True for estimated columns
    r: FloatArray  # (k_kept, k_kept) upper triangular
    scale: FloatArray  # (k_kept,) column norms used for scaling
    resid: FloatArray  # (N,) y - X b, in extended precision on small ill-conditioned problems

    @property
    def rank(self) -> int:
        return int(self.keep.sum())

    def bread(self) -> FloatArray:
        """``(X'X)^{-1}`` for the kept columns, from R (no inverse of X'X is formed)."""
        return self._bread.copy()  # a copy: callers may scale theirs in place

    @cached_property
    def _bread(self) -> FloatArray:
        rinv = tri_solve(self.r, np.eye(self.rank))
        inv_s = rinv / self.scale[:, None]
        out: FloatArray = inv_s @ inv_s.T
        return out

    def whitener(self, cols: list[int]) -> FloatArray:
        """``T`` with ``((X'X)^{-1})[cols, cols] = (T'T)^{-1}``, ``T`` upper triangular: the
        trailing block of the R factor with ``cols`` (indices among the kept columns)
        moved last. ``T b`` has covariance ``s^2 I`` under iid errors, so a Wald test of
        ``b[cols] = 0`` needs no inverse of an ill-conditioned covariance."""
        others = [i for i in range(self.rank) if i not in set(cols)]
        order = others + list(cols)
        r = self.r if order == list(range(self.rank)) else _r_factor(self.r[:, order])
        out: FloatArray = r[len(others) :, len(others) :] * self.scale[cols][None, :]
        return out

    def leverage(self, x_kept: FloatArray) -> FloatArray:
        """Diagonal of the hat matrix, ``h_i = x_i' (X'X)^{-1} x_i``, in row blocks."""
        n = x_kept.shape[0]
        h = np.empty(n)
        for lo in range(0, n, _BLOCK_ROWS):
            block = x_kept[lo : lo + _BLOCK_ROWS] / self.scale
            z = tri_solve(self.r, block.T, trans=True)
            h[lo : lo + _BLOCK_ROWS] = np.einsum("ij,ij->j", z, z)
        return h


def _r_factor(a: FloatArray) -> FloatArray:
    """Square (p x p) R factor, zero-padded when there are fewer rows than columns."""
    p = a.shape[1]
    r = np.asarray(sla.qr(a, mode="r", check_finite=False)[0][:p])
    if r.shape[0] < p:
        r = np.vstack([r, np.zeros((p - r.shape[0], p))])
    return r


def augmented_gram(x: FloatArray, y: FloatArray) -> FloatArray:
    """The Gram matrix of ``[X y]`` in one pass over the rows: each block of rows is read
    from memory once for both ``X'X`` and ``X'y`` (two full products read X twice)."""
    k = x.shape[1]
    gram = np.zeros((k + 1, k + 1))
    if x.nbytes <= _CACHED_BYTES:  # it stays in cache: two products, fewer BLAS calls
        gram[:k, :k] = x.T @ x
        gram[:k, k] = x.T @ y
        gram[k, k] = float(y @ y)
        gram[k, :k] = gram[:k, k]
        return gram
    for lo in range(0, x.shape[0], _BLOCK_ROWS):
        b, yb = x[lo : lo + _BLOCK_ROWS], y[lo : lo + _BLOCK_ROWS]
        gram[:k, :k] += b.T @ b
        gram[:k, k] += b.T @ yb
        gram[k, k] += float(yb @ yb)
    gram[k, :k] = gram[:k, k]
    return gram


def _gram_factor(
    gram: FloatArray, cols: NDArray[np.intp], scale: FloatArray, y_norm: float
) -> FloatArray | None:
    """Checked fast path for big, well-conditioned problems: the Cholesky factor of the
    scaled augmented Gram matrix equals QR's R (up to row signs). Used only when the
    scaled Gram matrix's condition number is below 1e6, where its rounding error
    (eps * cond) stays below 1e-10 before refinement; otherwise returns None (use QR)."""
    k = gram.shape[0] - 1
    if cols.size != k:
        return None
    s = np.append(scale, y_norm)
    scaled = gram / np.outer(s, s)
    eig = np.linalg.eigvalsh(scaled[:k, :k])
    if eig[0] <= 0 or eig[-1] / eig[0] > _GRAM_COND:
        return None
    # y = 0 (a design-only factor, as the ML fits ask for): R of [X 0] is [R_x 0; 0 0]
    block = scaled if gram[k, k] > 0 else scaled[:k, :k]
    try:
        chol = np.linalg.cholesky(block)
    except np.linalg.LinAlgError:
        return None
    if block is scaled:
        return np.asarray(chol.T, dtype=np.float64)
    out = np.zeros((k + 1, k + 1))
    out[:k, :k] = chol.T
    return out


def _augmented(
    x: FloatArray, y: FloatArray, cols: NDArray[np.intp], scale: FloatArray, y_norm: float
) -> FloatArray:
    """``[X[:, cols] / scale, y / y_norm]`` for a block of rows."""
    out = np.empty((x.shape[0], cols.size + 1), order="F")
    np.divide(x[:, cols], scale, out=out[:, :-1])
    np.divide(y, y_norm, out=out[:, -1])
    return out


def _tsqr(
    x: FloatArray, y: FloatArray, cols: NDArray[np.intp], scale: FloatArray, y_norm: float
) -> FloatArray:
    """R factor of the scaled, augmented design ``[X/scale, y/|y|]``, built block by block
    (TSQR) so no scaled copy of the whole design is ever held."""
    n = x.shape[0]
    if n <= 2 * _BLOCK_ROWS:
        return _r_factor(_augmented(x, y, cols, scale, y_norm))
    stack = [
        _r_factor(
            _augmented(x[lo : lo + _BLOCK_ROWS], y[lo : lo + _BLOCK_ROWS], cols, scale, y_norm)
        )
        for lo in range(0, n, _BLOCK_ROWS)
    ]
    return _r_factor(np.vstack(stack))


def _scaled(x: FloatArray, cols: NDArray[np.intp], scale: FloatArray) -> FloatArray:
    out: FloatArray = x[:, cols] / scale
    return out


def weighted_gram(a: FloatArray, w: FloatArray) -> FloatArray:
    """``a' diag(w) a`` in row blocks (no N x p temporary, so no fresh memory per call).

    >>> weighted_gram(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 2.0])).tolist()
    [[19.0, 26.0], [26.0, 36.0]]
    """
    p = a.shape[1]
    out = np.zeros((p, p))
    for lo in range(0, a.shape[0], _BLOCK_ROWS):
        blk = a[lo : lo + _BLOCK_ROWS]
        out += blk.T @ (blk * w[lo : lo + _BLOCK_ROWS, None])
    return out


def least_squares(x: FloatArray, y: FloatArray, *, tol: float = RANK_TOL) -> LeastSquares:
    """Solve a least-squares problem with Stata-style omission of collinear columns.

    Parameters
    ----------
    x
        (N, K) design matrix (already multiplied by sqrt(weights) for WLS).
    y
        (N,) response (likewise weighted).
    tol
        Relative pivot tolerance on the unit-norm columns.

    Returns
    -------
    LeastSquares

    Examples
    --------
    >>> x = np.column_stack([np.ones(4), [1.0, 2, 3, 4], [2.0, 4, 6, 8]])
    >>> fit = least_squares(x, np.array([1.0, 3, 2, 5]))
    >>> fit.keep.tolist(), np.round(fit.beta, 6).tolist() == [0.0, 1.1]
    ([True, True, False], True)
    """
    n, k = x.shape
    if n == 0:
        raise EstimationError("no observations to estimate the model")
    # big problems: the column norms come from the Gram matrix, one pass for both
    gram = augmented_gram(x, y) if n > _GRAM_ROWS else None
    if gram is not None:
        norms = np.sqrt(np.diag(gram)[:k])
        y_norm = float(np.sqrt(gram[k, k])) or 1.0
    else:
        norms = np.sqrt(np.einsum("ij,ij->j", x, x))
        y_norm = float(np.linalg.norm(y)) or 1.0
    if not (np.all(np.isfinite(norms)) and np.isfinite(y_norm)):
        raise EstimationError("the design matrix has non-finite values")
    keep = norms > 0
    cols = np.flatnonzero(keep)
    scale = norms[cols]
    r_aug = _gram_factor(gram, cols, scale, y_norm) if gram is not None else None
    if r_aug is None:
        r_aug = _tsqr(x, y, cols, scale, y_norm)
    r, qty = r_aug[:-1, :-1], r_aug[:-1, -1]
    # Drop columns in order, as Stata does: a tiny pivot means "in the span of the earlier ones".
    diag = np.abs(np.diag(r))
    if np.any(diag <= tol * max(1.0, float(diag.max(initial=0.0)))):
        good = _independent(r, tol)
        keep[cols[~good]] = False
        cols, scale = cols[good], scale[good]
        r_aug = _r_factor(np.column_stack([r[:, good], qty]))
        r, qty = r_aug[: cols.size, :-1], r_aug[: cols.size, -1]
    if cols.size == 0:
        return LeastSquares(np.zeros(0), keep, np.zeros((0, 0)), scale, y.astype(np.float64))
    beta_s = tri_solve(r, qty) * y_norm
    # Refinement by corrected semi-normal equations only where conditioning calls for it;
    # extended-precision residuals only for ill-conditioned small problems (NIST's Filip
    # and Wampler live there), where they buy digits; elsewhere they only cost time.
    steps, extended = refinement(n, float(np.linalg.cond(r)) if cols.size else 1.0)
    for _ in range(steps):
        resid = _residuals(x, y, cols, scale, beta_s, extended)
        beta_s = beta_s + _correction(x, cols, scale, r, resid, extended)
    resid = _residuals(x, y, cols, scale, beta_s, extended)
    return LeastSquares(beta_s / scale, keep, r, scale, resid)


def _independent(r: FloatArray, tol: float) -> NDArray[np.bool_]:
    """Columns of ``X`` (given by its R factor: same inner products) that are not in the
    span of the kept columns before them, in one Gram-Schmidt sweep in column order
    (re-orthogonalised once), so hundreds of collinear columns cost one pass, not one
    QR each. A column is dropped when its distance to that span is at most ``tol``
    times the largest column norm (1 for the unit-norm columns used here)."""
    k = r.shape[1]
    limit = tol * max(1.0, float(np.sqrt(np.einsum("ij,ij->j", r, r)).max(initial=0.0)))
    basis = np.empty((r.shape[0], min(r.shape)))
    good = np.zeros(k, dtype=bool)
    m = 0
    for j in range(k):
        v = r[:, j].copy()
        for _ in range(2):
            v -= basis[:, :m] @ (basis[:, :m].T @ v)
        norm = float(np.linalg.norm(v))
        if norm > limit and m < basis.shape[1]:
            basis[:, m] = v / norm
            good[j] = True
            m += 1
    return good


def refinement(n: int, cond: float) -> tuple[int, bool]:
    """Refinement steps, and whether in extended precision, for a problem of ``n`` rows
    whose scaled R factor has condition number ``cond`` (shared with the Dask backend).

    >>> refinement(1_000_000, 10.0), refinement(50, 1e8)
    ((0, False), (2, True))
    """
    steps = 2 if cond > _REFINE_COND or n <= _CHEAP_ROWS else 0
    return steps, n <= _EXTENDED_ROWS and cond > _EXTENDED_COND


def _residuals(
    x: FloatArray,
    y: FloatArray,
    cols: NDArray[np.intp],
    scale: FloatArray,
    beta_s: FloatArray,
    extended: bool,
) -> FloatArray:
    """``y - X b``, in extended precision when asked (small ill-conditioned problems)."""
    if extended:
        xl = x[:, cols].astype(np.longdouble) / scale.astype(np.longdouble)
        exact = y.astype(np.longdouble) - xl @ beta_s.astype(np.longdouble)
        return exact.astype(np.float64)
    if cols.size == x.shape[1]:  # one product: no scaled copy of the design
        out: FloatArray = y - x @ (beta_s / scale)
        return out
    out = y.astype(np.float64, copy=True)
    for lo in range(0, x.shape[0], _BLOCK_ROWS):
        out[lo : lo + _BLOCK_ROWS] -= _scaled(x[lo : lo + _BLOCK_ROWS], cols, scale) @ beta_s
    return out


def _correction(
    x: FloatArray,
    cols: NDArray[np.intp],
    scale: FloatArray,
    r: FloatArray,
    resid: FloatArray,
    extended: bool,
) -> FloatArray:
    """Refinement step by corrected semi-normal equations (Björck 1987): R'R d = X'r."""
    if extended:
        xl = x[:, cols].astype(np.longdouble) / scale.astype(np.longdouble)
        g = (xl.T @ resid.astype(np.longdouble)).astype(np.float64)
    else:
        g = np.zeros(cols.size)
        for lo in range(0, x.shape[0], _BLOCK_ROWS):
            block = _scaled(x[lo : lo + _BLOCK_ROWS], cols, scale)
            g += block.T @ resid[lo : lo + _BLOCK_ROWS]
    z = tri_solve(r, g, trans=True)
    out: FloatArray = tri_solve(r, z)
    return out
