"""Absorbed fixed effects: singletons, demeaning, and the degrees of freedom they absorb.

By Frisch-Waugh-Lovell, OLS of ``y`` on ``X`` and dummies ``[D1 D2 ...]`` gives the same
slopes and residuals as OLS of the demeaned ``y`` on the demeaned ``X`` (Stata ``areg``,
``reghdfe``, ``xtreg, fe``). Fixed effects arrive as factorised codes: one ``np.int64``
array per effect, values ``0..G-1``, all of length N. Everything is O(N) per pass via
``np.bincount``; no dense dummy matrix and no N x N object is ever formed.

Demeaning with several effects solves the least-squares projection onto ``span[D1 D2 ...]``.
When every effect but the largest has few levels together (firm and year, worker and
quarter), the projection is computed directly: the largest effect ``D1`` is eliminated by
group means and the small ones solve their normal equations through the Schur complement
``S = Z'WZ - Z'WD1 (D1'WD1)^-1 D1'WZ`` (``Z = [D2 ...]``, at most a few thousand columns),
all columns at once, in a handful of sparse passes over the data. Otherwise, or if the
direct solution fails its orthogonality check, symmetric Kaczmarz sweeps accelerated by
conjugate gradients finish the job, reghdfe's default (Correia 2017, "Linear Models with
High-Dimensional Fixed Effects: An Efficient and Feasible Estimator").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.linalg as sla
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from .._threads import run_parallel
from .._types import FloatArray, IntArray
from ..errors import DataError, EstimationError

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


@dataclass(frozen=True, slots=True)
class AbsorbedDof:
    """Degrees of freedom absorbed by the fixed effects; see :func:`absorbed_dof`."""

    levels: tuple[int, ...]  # distinct values present, per effect
    redundant: tuple[int, ...]  # levels not counted, per effect (all of them if nested)
    nested: tuple[bool, ...]  # effect nested within some cluster variable
    df_a: int  # reghdfe's e(df_a): sum(levels - redundant)
    df_a_nonnested: int  # the same count ignoring nesting (areg, clusters=())
    df_a_nested: int  # reghdfe's e(df_a_nested): levels of the nested effects


def _check_codes(codes: Sequence[IntArray], n: int | None = None) -> list[IntArray]:
    out: list[IntArray] = []
    for k, c in enumerate(codes):
        arr = np.asarray(c)
        n = arr.shape[0] if n is None and arr.ndim == 1 else n
        if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer) or arr.shape[0] != n:
            raise DataError(
                f"fixed-effect codes #{k}: expected a 1-D integer array with {n} rows "
                f"(got dtype {arr.dtype}, shape {arr.shape})"
            )
        if arr.size and arr.min() < 0:
            raise DataError(f"fixed-effect codes #{k} must be >= 0 (missing values removed)")
        out.append(arr.astype(np.int64, copy=False))
    return out


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
    fes = _check_codes(codes)
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
        ``"auto"``: the direct solve when the effects other than the largest have at most
        2,000 levels together (fewer on small data, where sweeps are cheap), checked,
        with CG for what it leaves; ``"cg"``: only the accelerated sweeps; ``"direct"``:
        like auto, but an error if the direct solve does not apply.
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
    fes = _check_codes(codes, n)
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
    last = _direct(out, fes, w, force=method == "direct") if method != "cg" and len(out) else None
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


def _group_sums(codes: IntArray, levels: int, cols: FloatArray, w: FloatArray | None) -> FloatArray:
    """(levels x p) weighted group sums of every column: one ``bincount`` per column."""
    out = np.empty((levels, cols.shape[1]))

    def one(j: int) -> None:
        col = cols[:, j] if w is None else cols[:, j] * w
        out[:, j] = np.bincount(codes, weights=col, minlength=levels)

    run_parallel(one, range(cols.shape[1]), rows=cols.shape[0])
    return out


def _subtract_groups(cols: FloatArray, codes: IntArray, values: FloatArray) -> None:
    """``cols[i] -= values[codes[i]]`` column by column (temporaries of one column only)."""

    def one(j: int) -> None:
        cols[:, j] -= np.take(values[:, j], codes)

    run_parallel(one, range(cols.shape[1]), rows=cols.shape[0])


def _cross_gram(cross: csr_matrix, inv_n: FloatArray) -> FloatArray:
    """Dense ``C' diag(inv_n) C`` for the sparse (levels x m) ``C``, in row blocks: each
    block is an independent sparse product (in parallel threads) and smaller blocks stay
    in cache. The blocks depend only on the size, so the sum does not depend on threads."""
    rows, nnz = cross.shape[0], cross.nnz
    parts = max(1, min(8, nnz // 1_000_000))
    edges = np.linspace(0, rows, parts + 1).astype(np.int64)

    def block(i: int) -> FloatArray:
        lo, hi = int(edges[i]), int(edges[i + 1])
        c = cross[lo:hi]
        scale = np.repeat(inv_n[lo:hi], np.diff(c.indptr))  # 1/n of each entry's row
        scaled = csr_matrix((c.data * scale, c.indices, c.indptr), shape=c.shape)
        out: FloatArray = (c.T @ scaled).toarray()
        return out

    blocks = run_parallel(block, range(parts), rows=nnz)
    total = blocks[0]
    for b in blocks[1:]:
        total += b
    return total


def _direct(
    out: FloatArray, fes: list[IntArray], w: FloatArray | None, *, force: bool = False
) -> int | None:
    """Project every column of ``out`` (in place) off ``span[D1 D2 ...]`` exactly when the
    effects other than the largest have at most ``_DIRECT_MAX_LEVELS`` levels together.

    With ``D1`` the largest effect and ``Z`` the others' dummies, the coefficients ``b`` of
    ``Z`` solve ``S b = Z'W M1 x`` with ``S = Z'W M1 Z`` (``M1`` removes D1's weighted group
    means); then ``x - Z b`` with D1's group means removed is the residual. ``S`` is
    singular (the constant of each connected component lies in several spans); a pivoted
    Cholesky factor of its full-rank part gives one solution, and any solution leaves the
    same residual because the null space of ``S`` maps into ``span(D1)``.
    Returns the index of the largest effect, whose group means it removed last, or None
    (``out`` untouched) when the problem is not of that shape.
    """
    sizes = [int(c.max()) + 1 if c.size else 0 for c in fes]
    big = int(np.argmax(sizes))
    small = [g for g in range(len(fes)) if g != big]
    offsets = np.cumsum([0, *(sizes[g] for g in small)])
    m = int(offsets[-1])
    # a dense m x m factorisation (m^3 / 3 flops) against CG's passes over the data
    costly = m**3 > 1000 * out.shape[0] * out.shape[1]  # measured crossover (bench_speed)
    if m == 0 or m > _DIRECT_MAX_LEVELS or (costly and not force):
        return None
    c1, g1 = fes[big], sizes[big]
    wts = np.ones(out.shape[0]) if w is None else w
    n1 = np.bincount(c1, weights=wts, minlength=g1)
    inv_n1 = np.divide(1.0, n1, out=np.zeros_like(n1), where=n1 > 0)
    # D1'W Z as one sparse (g1 x m) matrix; Z'W Z block by block from pair counts
    if len(small) == 1:  # the usual two effects: no stacked copies
        z_codes, rows, data = fes[small[0]], c1, wts
    else:
        z_codes = np.concatenate([fes[g] + offsets[i] for i, g in enumerate(small)])
        rows, data = np.tile(c1, len(small)), np.tile(wts, len(small))
    cross = csr_matrix((data, (rows, z_codes)), shape=(g1, m))
    ztz = np.zeros((m, m))
    for i, ga in enumerate(small):
        for j, gb in enumerate(small[i:], start=i):
            pairs = fes[ga] * sizes[gb] + fes[gb]
            block = np.bincount(pairs, weights=wts, minlength=sizes[ga] * sizes[gb])
            block = block.reshape(sizes[ga], sizes[gb])
            ztz[offsets[i] : offsets[i + 1], offsets[j] : offsets[j + 1]] = block
            ztz[offsets[j] : offsets[j + 1], offsets[i] : offsets[i + 1]] = block.T
    schur = ztz - _cross_gram(cross, inv_n1)
    means1 = _group_sums(c1, g1, out, w) * inv_n1[:, None]
    rhs = -(cross.T @ means1)
    for i, g in enumerate(small):
        rhs[offsets[i] : offsets[i + 1]] += _group_sums(fes[g], sizes[g], out, w)
    coef = _psd_solve(schur, rhs)
    if coef is None:
        return None
    for i, g in enumerate(small):
        _subtract_groups(out, fes[g], coef[offsets[i] : offsets[i + 1]])
    _subtract_groups(out, c1, _group_sums(c1, g1, out, w) * inv_n1[:, None])
    return big


def _psd_solve(a: FloatArray, rhs: FloatArray) -> FloatArray | None:
    """A solution of ``a x = rhs`` for symmetric PSD, possibly singular ``a`` (LAPACK's
    pivoted Cholesky ``dpstrf``; the columns beyond the numerical rank get 0)."""
    scale = np.sqrt(np.clip(np.diag(a), 1e-300, None))
    a_s = a / np.outer(scale, scale)
    c, piv, rank, info = sla.lapack.dpstrf(a_s, lower=0, tol=1e-11)
    if info < 0 or rank == 0:
        return None
    piv = piv[:rank] - 1
    r = np.triu(c[:rank, :rank])
    sol = np.zeros_like(rhs)
    y = sla.solve_triangular(r, rhs[piv] / scale[piv, None], trans="T", lower=False)
    sol[piv] = sla.solve_triangular(r, y, lower=False) / scale[piv, None]
    return sol


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


def _compact(c: IntArray) -> tuple[IntArray, int]:
    """Relabel codes to 0..L-1 over the levels actually present (after dropped rows)."""
    present = np.bincount(c) > 0
    relabel = np.cumsum(present) - 1
    return relabel[c], int(present.sum())


def _nested_within(fe: IntArray, levels: int, cluster: IntArray) -> bool:
    """True if every group of ``fe`` lies inside a single cluster. O(N), no sort."""
    # With duplicate indices some member's cluster wins; if nested, all members agree.
    first = np.zeros(levels, dtype=np.int64)
    first[fe] = cluster
    return bool(np.array_equal(first[fe], cluster))


def _mobility_groups(a: IntArray, la: int, b: IntArray, lb: int) -> int:
    """Connected components of the bipartite graph linking levels of ``a`` and ``b``."""
    edges = coo_matrix((np.ones(a.size), (a, b + la)), shape=(la + lb, la + lb)).tocsr()
    # weak components of the one-way edges a -> b are the undirected components; passing
    # a CSR graph and asking for them directly skips scipy's symmetrising copy
    n_components, _ = connected_components(edges, directed=True, connection="weak")
    return int(n_components)


def absorbed_dof(codes: Sequence[IntArray], *, clusters: Sequence[IntArray] = ()) -> AbsorbedDof:
    """Count the degrees of freedom absorbed by the fixed effects, as reghdfe does.

    What is counted (reghdfe's default ``dofadjustments(pairwise clusters)``), in the
    order the effects are given:

    ====================================  =====================================
    fixed effect                          redundant levels (not counted)
    ====================================  =====================================
    nested within a cluster variable      all of its levels (contributes 0)
    first effect that is not nested       0 (its levels include the constant)
    second not-nested effect              mobility groups with the first (exact)
    each further not-nested effect h      max(1, mobility groups of h with every
                                          earlier not-nested effect) (a lower bound,
                                          so ``df_a`` >= the true rank)
    ====================================  =====================================

    ``df_a = sum(levels - redundant)``. The intercept is inside ``df_a``, so with K
    regressors (intercept excluded) the residual degrees of freedom are ``N - K - df_a``
    (reghdfe's ``e(df_r)``; pyfixest's ``_df_k`` is ``K + df_a`` when the effects form one
    connected component, because pyfixest subtracts only one level per extra effect).
    If every effect is nested, ``df_a = 0`` and the intercept is counted nowhere;
    reghdfe then adds it back in the cluster factor, ``(N - 1) / (N - 1 - K)``.
    ``df_a_nonnested`` is the same count with ``clusters=()`` (``areg``; with one effect
    it equals the levels); ``df_a_nested`` sums the levels of nested effects (reghdfe
    subtracts it as well for RMSE and adjusted R2).

    Parameters
    ----------
    codes
        One integer code array per fixed effect, all of length N.
    clusters
        Integer codes of the cluster variables (same length), for the nesting rule.

    Returns
    -------
    AbsorbedDof

    Examples
    --------
    >>> import numpy as np
    >>> firm = np.array([0, 0, 1, 1, 2, 2])
    >>> year = np.array([0, 1, 0, 1, 2, 3])  # firm 2 is seen only in years 2 and 3
    >>> dof = absorbed_dof([firm, year])
    >>> dof.levels, dof.redundant, dof.df_a  # 2 mobility groups
    ((3, 4), (0, 2), 5)
    >>> absorbed_dof([firm, year], clusters=[firm]).df_a  # firm nested: only years count
    4
    """
    fes = _check_codes(codes)
    n = fes[0].shape[0] if fes else None
    cls = _check_codes(clusters, n)
    compact = [_compact(c) for c in fes]
    levels = tuple(lv for _, lv in compact)
    nested = tuple(any(_nested_within(c, lv, cl) for cl in cls) for c, lv in compact)
    cache: dict[tuple[int, int], int] = {}

    def redundant(is_nested: tuple[bool, ...]) -> tuple[int, ...]:
        red = [lv if nst else 0 for lv, nst in zip(levels, is_nested, strict=True)]
        free = [g for g, nst in enumerate(is_nested) if not nst]
        for j, h in enumerate(free[1:], start=1):
            for g in free[:j]:
                if (g, h) not in cache:
                    (a, la), (b, lb) = compact[g], compact[h]
                    cache[g, h] = _mobility_groups(a, la, b, lb)
            red[h] = max(1, *(cache[g, h] for g in free[:j]))
        return tuple(red)

    red = redundant(nested)
    red_plain = redundant((False,) * len(fes))
    return AbsorbedDof(
        levels=levels,
        redundant=red,
        nested=nested,
        df_a=sum(levels) - sum(red),
        df_a_nonnested=sum(levels) - sum(red_plain),
        df_a_nested=sum(lv for lv, nst in zip(levels, nested, strict=True) if nst),
    )
