"""The projection onto the span of several fixed effects, solved in the space of the
smaller effects' levels (firm and year, worker and quarter).

With ``D1`` the largest effect and ``Z = [D2 ...]`` the others' dummies, the coefficients
``b`` of ``Z`` solve ``S b = Z'W M1 x`` with the Schur complement
``S = Z'WZ - Z'WD1 (D1'WD1)^-1 D1'WZ`` (``M1`` removes D1's weighted group means); then
``x - Z b`` with D1's group means removed is the residual. All columns are solved at once.

``S`` is never needed as a dense matrix to multiply by it: ``C = D1'WZ`` is sparse (at
most one entry per row of the data), so ``S v`` costs two sparse products. Conjugate
gradients on ``S`` (preconditioned by the levels' sizes) therefore cost a fraction of a
sweep over the data per iteration, and on connected data they reach rounding level in
a dozen or so.
When they converge slowly (weakly connected effects) and the small effects have few
levels, ``S`` is formed (its work is the pairs of levels within each group of ``D1``) and
factorised: one reference level of each small effect is fixed at zero, which removes the
null space of ``S`` when the effects are connected, and the rest gets a plain blocked
Cholesky factor; when that is not positive definite to working precision (several
connected components, or nearly so), LAPACK's pivoted Cholesky of ``S`` finds its
full-rank part. Any solution leaves the same residual: the null space of ``S`` maps into
``span(D1)``. The caller checks the result against the data in any case.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import scipy.linalg as sla
from scipy.sparse import csr_matrix

from .._threads import MIN_PARALLEL_ROWS, n_threads, run_parallel
from .._types import FloatArray, IntArray
from .absorb_codes import grouped_csr

__all__ = ["direct_project", "group_sums"]

#: The dense factorisation (m^3 / 3 flops for m small levels) against CG's passes over
#: the data: it is formed only while m^3 <= _CROSSOVER * N * columns (bench_speed).
_CROSSOVER = 1000
#: A scaled pivot of the reduced Cholesky factor at or below this means a second null
#: direction (disconnected effects): the pivoted factorisation decides the rank instead.
_PIVOT_TOL = 1e-11
#: Conjugate gradients stop when a column's preconditioned residual norm has shrunk by
#: this factor (a few ulp: the residual has reached the rounding level of the data).
_CG_FLOOR = 1e-15
#: Work (multiply-adds) per block of a sparse product run in its own thread.
_WORK_PER_BLOCK = 500_000
# Relative costs (nanoseconds, measured): a pair of entries in the sparse Gram product,
# a flop of the dense Cholesky factorisation, a multiply-add of a sparse product.
_NS_PAIR, _NS_FLOP, _NS_MADD = 12.0, 0.04, 1.0


#: A block of Z'WZ between two small effects: their ranges of levels, and the block
#: (dense when it has at most _DENSE_CELLS cells, else sparse).
_Pair = tuple[tuple[int, int], tuple[int, int], "FloatArray | csr_matrix"]
_DENSE_CELLS = 1_000_000


@dataclass(frozen=True, slots=True, eq=False)
class _Reduced:
    """The system ``S b = r`` in the small effects' levels, ``S`` held as sparse factors."""

    cross: csr_matrix  # C = D1'WZ (g1 x m), one entry per row (duplicates not summed)
    cross_rows: list[tuple[int, int, csr_matrix]]  # C in row blocks, for threads
    cross_t_rows: list[tuple[int, int, csr_matrix]]  # C' (m x g1) in row blocks
    inv_n1: FloatArray  # 1 / (weighted) size of each D1 group, 0 for empty ones
    counts: FloatArray  # diagonal of Z'WZ: (weighted) size of each small level
    between: list[_Pair]  # Z'WZ off its diagonal blocks (pairs of small effects)
    blocks: list[tuple[int, int]]  # each small effect's range of levels

    def matvec(self, v: FloatArray) -> FloatArray:
        """``S v`` for an (m x p) block of vectors."""
        u = _spmm(self.cross_rows, v)
        u *= self.inv_n1[:, None]
        out = self.counts[:, None] * v
        out -= _spmm(self.cross_t_rows, u)
        for (la, ha), (lb, hb), block in self.between:
            out[la:ha] += block @ v[lb:hb]
            out[lb:hb] += block.T @ v[la:ha]
        return out

    def dense(self) -> FloatArray:
        """``S`` as a dense (m x m) matrix."""
        cross = self.cross.copy()
        cross.sum_duplicates()  # its work is the pairs within rows: fewer once summed
        schur = -_cross_gram(cross, self.inv_n1)
        schur[np.diag_indices(self.counts.size)] += self.counts
        for (la, ha), (lb, hb), block in self.between:
            dense = block if isinstance(block, np.ndarray) else block.toarray()
            schur[la:ha, lb:hb] += dense
            schur[lb:hb, la:ha] += dense.T
        return schur


def direct_project(
    out: FloatArray,
    fes: list[IntArray],
    w: FloatArray | None,
    *,
    max_levels: int,
    force: bool = False,
) -> int | None:
    """Project every column of ``out`` (in place) off ``span[D1 D2 ...]`` in the space of
    the effects other than the largest, when those have at most ``max_levels`` levels
    together: by conjugate gradients on the reduced system, or by a dense factorisation
    when they converge slowly and it costs less than sweeps over the data (``force``:
    always the factorisation).

    Returns the index of the largest effect, whose group means it removed last, or None
    (``out`` untouched) when the problem is not of that shape or neither solve applies.
    """
    n, p = out.shape
    sizes = [int(c.max()) + 1 if c.size else 0 for c in fes]
    big = int(np.argmax(sizes))
    small = [g for g in range(len(fes)) if g != big]
    offsets = np.cumsum([0, *(sizes[g] for g in small)])
    m = int(offsets[-1])
    if m == 0 or (force and m > max_levels):
        return None
    dense_ok = m <= max_levels and (force or m**3 <= _CROSSOVER * n * p)
    c1, g1 = fes[big], sizes[big]
    system = _reduced(fes, w, big, small, sizes, offsets, p)
    means1 = group_sums(c1, g1, out, w) * system.inv_n1[:, None]
    rhs = -_spmm(system.cross_t_rows, means1)
    for i, g in enumerate(small):
        rhs[offsets[i] : offsets[i + 1]] += group_sums(fes[g], sizes[g], out, w)
    coef = None
    if not force:
        lengths = np.diff(system.cross.indptr)
        dense_ns = _NS_PAIR * float(lengths @ lengths) + _NS_FLOP * m**3 / 3
        coef = _cg(system, rhs, dense_ns if dense_ok else None)
    if coef is None and dense_ok:
        schur = system.dense()
        coef = _reference_solve(schur, rhs, system.blocks)
        if coef is None:
            coef = _pivoted_solve(schur, rhs)
    if coef is None:
        return None
    for i, g in enumerate(small):
        _subtract_groups(out, fes[g], coef[offsets[i] : offsets[i + 1]])
    _subtract_groups(out, c1, group_sums(c1, g1, out, w) * system.inv_n1[:, None])
    return big


def _reduced(
    fes: list[IntArray],
    w: FloatArray | None,
    big: int,
    small: list[int],
    sizes: list[int],
    offsets: IntArray,
    p: int,
) -> _Reduced:
    c1, g1, m = fes[big], sizes[big], int(offsets[-1])
    n = c1.size
    n1 = np.bincount(c1, weights=w, minlength=g1).astype(np.float64)
    inv_n1 = np.divide(1.0, n1, out=np.zeros_like(n1), where=n1 > 0)
    wts = np.ones(n) if w is None else w
    if len(small) == 1:  # the usual two effects: no stacked copies
        z_codes, rows, data = fes[small[0]], c1, wts
    else:
        z_codes = np.concatenate([fes[g] + offsets[i] for i, g in enumerate(small)])
        rows, data = np.tile(c1, len(small)), np.tile(wts, len(small))
    cross = grouped_csr(rows, z_codes, data, (g1, m))
    counts = np.asarray(cross.sum(axis=0), dtype=np.float64).ravel()
    blocks = [(int(offsets[i]), int(offsets[i + 1])) for i in range(len(small))]
    between: list[_Pair] = []  # Z'WZ between two small effects: counts of pairs of levels
    for i, ga in enumerate(small):
        for j, gb in enumerate(small[i + 1 :], start=i + 1):
            sa, sb = sizes[ga], sizes[gb]
            block: FloatArray | csr_matrix
            if sa * sb <= _DENSE_CELLS:
                block = np.bincount(fes[ga] * sb + fes[gb], weights=w, minlength=sa * sb)
                block = block.reshape(sa, sb)
            else:
                block = grouped_csr(fes[ga], fes[gb], wts, (sa, sb))
                block.sum_duplicates()  # once: every product then reads each pair once
            between.append((blocks[i], blocks[j], block))
    rows_c, rows_t = _row_blocks(cross, p), _row_blocks(cross.T.tocsr(), p)
    return _Reduced(cross, rows_c, rows_t, inv_n1, counts, between, blocks)


def _cg(system: _Reduced, rhs: FloatArray, dense_ns: float | None) -> FloatArray | None:
    """Jacobi-preconditioned conjugate gradients on ``S b = rhs``, every column at once.

    Each column stops when its preconditioned residual norm has shrunk by ``_CG_FLOOR``.
    Returns None when the dense solve (``dense_ns`` nanoseconds, None when there is
    none) is predicted to finish sooner than the iterations still needed.
    """
    m, p = rhs.shape
    # preconditioned by the diagonal of Z'WZ: the size of each level
    inv_diag = np.divide(1.0, system.counts, out=np.zeros(m), where=system.counts > 0)
    between = sum(2 * (b.size if isinstance(b, np.ndarray) else b.nnz) for *_, b in system.between)
    iter_ns = _NS_MADD * p * (2 * system.cross.nnz + between + 8 * m)
    cap = 10_000 if dense_ns is None else max(30, int(3 * dense_ns / iter_ns))
    b = np.zeros((m, p))
    r = _off_constants(rhs.copy(), system.blocks)
    z = r * inv_diag[:, None]
    d = z.copy()
    rz = np.einsum("ij,ij->j", r, z)
    target = rz * _CG_FLOOR**2
    history = [rz]
    for it in range(1, cap + 1):
        active = rz > target
        if not active.any():
            return b
        sd = system.matvec(d)
        dsd = np.einsum("ij,ij->j", d, sd)
        alpha = np.divide(rz, dsd, out=np.zeros(p), where=active & (dsd > 0))
        b += d * alpha
        r -= sd * alpha
        _off_constants(r, system.blocks)
        np.multiply(r, inv_diag[:, None], out=z)
        rz_new = np.einsum("ij,ij->j", r, z)
        beta = np.divide(rz_new, rz, out=np.zeros(p), where=active & (rz > 0))
        d *= beta
        d += z
        rz = np.where(active, rz_new, rz)
        history.append(rz)
        if it >= 20 and np.any(active & (rz > 0.25 * history[-11])):
            return None  # stalled: rounding (or an unknown null direction) at its floor
        if dense_ns is not None and it >= 4:
            # per-iteration reduction of the slowest column over the last three
            old, now = history[-4], rz
            keep = active & (old > 0) & (now > target)
            if keep.any():
                rate = float(np.max((now[keep] / old[keep]) ** (1 / 6)))
                left = np.log(np.min(target[keep] / now[keep]) ** 0.5) / np.log(min(rate, 0.999))
                if left * iter_ns > dense_ns:
                    return None
    return None if (rz > target).any() else b


def _off_constants(r: FloatArray, blocks: list[tuple[int, int]]) -> FloatArray:
    """``r`` without its mean over each small effect's levels (in place). Each effect's
    constant is in the null space of ``S`` (its dummies sum to the constant, which lies in
    ``span(D1)``): the right-hand side has no component there but rounding, which CG
    cannot remove and which would keep its residual from reaching rounding level."""
    for lo, hi in blocks:
        r[lo:hi] -= r[lo:hi].mean(axis=0)
    return r


def _row_blocks(a: csr_matrix, k: int) -> list[tuple[int, int, csr_matrix]]:
    """``a`` cut into row blocks of about ``_WORK_PER_BLOCK`` multiply-adds against ``k``
    columns, views of its arrays (each output row of a product comes from one block, so
    the cut changes no number; without threads there is one block)."""
    rows = a.shape[0]
    parts = max(1, min(8, a.nnz * k // _WORK_PER_BLOCK, rows))
    if parts == 1 or n_threads() == 1 or a.nnz * k < MIN_PARALLEL_ROWS:
        return [(0, rows, a)]
    edges = np.linspace(0, rows, parts + 1).astype(np.int64).tolist()
    out = []
    for lo, hi in pairwise(edges):
        start, end = int(a.indptr[lo]), int(a.indptr[hi])
        view = csr_matrix(
            (a.data[start:end], a.indices[start:end], a.indptr[lo : hi + 1] - start),
            shape=(hi - lo, a.shape[1]),
            copy=False,
        )
        out.append((lo, hi, view))
    return out


def _spmm(blocks: list[tuple[int, int, csr_matrix]], v: FloatArray) -> FloatArray:
    """``a @ v`` for a dense block ``v`` and ``a`` in row blocks, run in parallel threads
    (sparse products release the GIL); each output row comes from one block, so the
    result does not depend on the number of threads."""
    if len(blocks) == 1:
        out: FloatArray = blocks[0][2] @ v
        return out
    result = np.empty((blocks[-1][1], v.shape[1]))

    def one(block: tuple[int, int, csr_matrix]) -> None:
        lo, hi, a = block
        result[lo:hi] = a @ v

    run_parallel(one, blocks, rows=sum(b[2].nnz for b in blocks) * v.shape[1])
    return result


def group_sums(codes: IntArray, levels: int, cols: FloatArray, w: FloatArray | None) -> FloatArray:
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
    in cache. Its work is the pairs of entries within each row; the blocks depend only on
    the data, so the sum does not depend on the number of threads."""
    rows = cross.shape[0]
    lengths = np.diff(cross.indptr)
    pairs = int(lengths @ lengths)
    parts = max(1, min(8, pairs // (8 * _WORK_PER_BLOCK), rows))
    edges = np.linspace(0, rows, parts + 1).astype(np.int64)

    def block(i: int) -> FloatArray:
        lo, hi = int(edges[i]), int(edges[i + 1])
        c = cross[lo:hi]
        scale = np.repeat(inv_n[lo:hi], np.diff(c.indptr))  # 1/n of each entry's row
        scaled = csr_matrix((c.data * scale, c.indices, c.indptr), shape=c.shape)
        out: FloatArray = (c.T @ scaled).toarray()
        return out

    # pairs stand in for rows: the threshold of worthwhile threads is on the work
    blocks = run_parallel(block, range(parts), rows=pairs)
    total = blocks[0]
    for b in blocks[1:]:
        total += b
    return total


def _reference_solve(
    a: FloatArray, rhs: FloatArray, blocks: list[tuple[int, int]]
) -> FloatArray | None:
    """A solution of ``a x = rhs`` with one level of each block (small effect) fixed at 0,
    by a plain Cholesky factor of the rest (scaled to a unit diagonal); None when that is
    not positive definite to working precision (use :func:`_pivoted_solve`)."""
    diag = np.diag(a).copy()
    if not np.all(diag > 0):
        return None  # a level without variation within the largest effect
    # the reference level of each effect: its best-determined (largest diagonal) level
    keep = np.ones(a.shape[0], dtype=bool)
    for lo, hi in blocks:
        keep[lo + int(np.argmax(diag[lo:hi]))] = False
    idx = np.flatnonzero(keep)
    scale = np.sqrt(diag[idx])
    reduced = a[np.ix_(idx, idx)]
    reduced /= scale[:, None]
    reduced /= scale[None, :]
    try:
        factor = sla.cho_factor(reduced, lower=False, overwrite_a=True, check_finite=False)
    except np.linalg.LinAlgError:
        return None
    if idx.size and float(np.min(np.abs(np.diag(factor[0])))) ** 2 <= _PIVOT_TOL:
        return None
    sol = np.zeros_like(rhs)
    part = sla.cho_solve(factor, rhs[idx] / scale[:, None], check_finite=False)
    sol[idx] = part / scale[:, None]
    return sol


def _pivoted_solve(a: FloatArray, rhs: FloatArray) -> FloatArray | None:
    """A solution of ``a x = rhs`` for symmetric PSD, possibly singular ``a`` (LAPACK's
    pivoted Cholesky ``dpstrf``; the columns beyond the numerical rank get 0)."""
    scale = np.sqrt(np.clip(np.diag(a), 1e-300, None))
    a_s = a / np.outer(scale, scale)
    c, piv, rank, info = sla.lapack.dpstrf(a_s, lower=0, tol=_PIVOT_TOL)
    if info < 0 or rank == 0:
        return None
    piv = piv[:rank] - 1
    r = np.triu(c[:rank, :rank])
    sol = np.zeros_like(rhs)
    y = sla.solve_triangular(r, rhs[piv] / scale[piv, None], trans="T", lower=False)
    sol[piv] = sla.solve_triangular(r, y, lower=False) / scale[piv, None]
    return sol
