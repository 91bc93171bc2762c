"""What every partition computes, and how two partial results combine.

Plain pandas and numpy (no Dask here): the workers run these functions on one partition
each, and the client folds their small results in a tree. Each partition builds its
design with the design layer (:func:`vcereg.design.build` in partition mode, with the
categorical levels of the whole sample), so a row means the same on Dask as in memory.

Passes, all reading the data once:

- levels: the categorical levels present in each partition's estimation sample;
- pass 1: the Gram matrix of the weighted, augmented design ``[X y]`` and, where the
  client will need it (small or ill-conditioned problems, decided as :mod:`vcereg.linalg`
  decides), its R factor (TSQR: partition R factors are stacked and factorised again);
  row counts, weight and response sums;
- refinement (small or ill-conditioned problems only): ``X'(y - X b)``;
- pass 2: residual sums of squares and the meats: the R factor of the scores
  ``sqrt(f_i) u_i x_i``, whose R'R is ``sum f_i u_i^2 x_i x_i'`` (HC0-HC3, ``f_i`` from the
  leverage of the broadcast R factor), or score sums per cell of the cluster variables,
  added across partitions by cluster key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg as sla
from numpy.typing import NDArray

from ..._types import FloatArray, IntArray
from ...design import Design, build
from ...design.sample import RowAccounting
from ...errors import EstimationError
from ...estimators.ols import weighted
from ...linalg import LeastSquares, augmented_gram
from ...spec import ModelSpec, WeightKind
from ...vce.kernels import cluster_scores

__all__ = [
    "Pass1",
    "Pass2",
    "Setup",
    "Solution",
    "combine_levels",
    "combine_pass1",
    "combine_pass2",
    "levels_of",
    "merge_cells",
    "pass1",
    "pass2",
    "refine",
    "sum_arrays",
]


@dataclass(frozen=True)
class Setup:
    """What each partition needs to build the same design as every other."""

    spec: ModelSpec
    extra: tuple[str, ...] = ()  # variables the variance needs (cluster variables)
    safe: bool = True
    context: Mapping[str, object] | None = None
    levels: Mapping[str, tuple[object, ...]] = field(default_factory=dict)


def design_of(part: pd.DataFrame, setup: Setup) -> Design:
    """The partition's design. :func:`~vcereg.design.build` does not warn for a partition
    (``partition=True``); the client sums the row accounting and notes and warns once.
    No ``warnings.catch_warnings`` here: it is not thread-safe, and on Dask's threaded
    scheduler it left the process-wide filters in another thread's state."""
    frame = part.reset_index(drop=True)  # positions, so cluster keys line up with rows
    return build(
        setup.spec,
        frame,
        extra=setup.extra,
        safe=setup.safe,
        context=setup.context,
        levels=setup.levels or None,
        partition=True,
    )


# --- levels --------------------------------------------------------------------------
#: Rows of a partition handled at once. A task's memory is then the partition plus a few
#: copies of one block (the design, residuals, scores), not a few copies of the partition.
TASK_ROWS = 1_000_000


def _blocks(part: pd.DataFrame) -> list[pd.DataFrame]:
    if len(part) <= TASK_ROWS:
        return [part]
    return [part.iloc[lo : lo + TASK_ROWS] for lo in range(0, len(part), TASK_ROWS)]


def levels_of(part: pd.DataFrame, setup: Setup) -> dict[str, list[tuple[object, ...]]]:
    """Levels of each categorical factor found in this partition's sample."""
    found = [{k: [v] for k, v in design_of(b, setup).levels.items()} for b in _blocks(part)]
    return found[0] if len(found) == 1 else combine_levels(found)


def combine_levels(
    parts: Sequence[Mapping[str, list[tuple[object, ...]]]],
) -> dict[str, list[tuple[object, ...]]]:
    """Distinct level lists per factor (kept apart until :func:`merge_levels`)."""
    out: dict[str, list[tuple[object, ...]]] = {}
    for p in parts:
        for k, lists in p.items():
            seen = out.setdefault(k, [])
            seen.extend(lv for lv in lists if lv not in seen)
    return out


def merge_levels(found: Mapping[str, list[tuple[object, ...]]]) -> dict[str, tuple[object, ...]]:
    """One level list per factor, as formulaic orders them on the whole sample: a
    categorical column's own categories (every partition has the same), else sorted."""
    out: dict[str, tuple[object, ...]] = {}
    for k, lists in found.items():
        if len(lists) == 1:
            out[k] = lists[0]
            continue
        union = list(dict.fromkeys(v for lv in lists for v in lv))
        try:
            out[k] = tuple(sorted(union))  # type: ignore[type-var]
        except TypeError:  # mixed types cannot be sorted: keep first appearance
            out[k] = tuple(union)
    return out


# --- pass 1 --------------------------------------------------------------------------
@dataclass(frozen=True)
class Pass1:
    """Sufficient statistics of the fit for some partitions."""

    rows: RowAccounting
    terms: tuple[str, ...] = ()
    depvar: str = ""
    has_intercept: bool = False
    gram: FloatArray | None = None  # [x_w y_w]'[x_w y_w], weights as built (not normalised)
    r: FloatArray | None = None  # its R factor, when computed (see pass1)
    wsum: float = 0.0  # sum of the weights as built (rows when unweighted)
    wy: float = 0.0  # sum of weight * y
    notes: tuple[str, ...] = ()


def _r_factor(a: FloatArray) -> FloatArray:
    """Square R factor, zero-padded when there are fewer rows than columns."""
    p = a.shape[1]
    r = np.asarray(sla.qr(a, mode="r", check_finite=False)[0][:p])
    if r.shape[0] < p:
        r = np.vstack([r, np.zeros((p - r.shape[0], p))])
    return r


_BLOCK_ROWS = 65_536  # LAPACK's QR is faster on row blocks than on one tall matrix


def _tsqr(a: FloatArray) -> FloatArray:
    """R factor of a tall matrix, block by block (stacked block R factors, factorised)."""
    if a.shape[0] <= 2 * _BLOCK_ROWS:
        return _r_factor(a)
    blocks = [_r_factor(a[lo : lo + _BLOCK_ROWS]) for lo in range(0, a.shape[0], _BLOCK_ROWS)]
    return _r_factor(np.vstack(blocks))


#: Partitions up to this size also return their R factor in pass 1 (cheap there); the
#: client needs R factors when the whole problem is this small or ill-conditioned.
SMALL_ROWS = 100_000


def pass1(part: pd.DataFrame, setup: Setup, *, want_r: bool = False) -> Pass1:
    """Gram matrix (and R factor if ``want_r`` or the partition is small) of the weighted,
    augmented design, row accounting and sums for one partition (in row blocks)."""
    parts = [_pass1_block(b, setup, want_r) for b in _blocks(part)]
    return parts[0] if len(parts) == 1 else combine_pass1(parts)


def _pass1_block(part: pd.DataFrame, setup: Setup, want_r: bool) -> Pass1:
    d = design_of(part, setup)
    if len(d.y) == 0:
        return Pass1(rows=d.rows, notes=d.notes)
    w = d.weights
    x_w, y_w = weighted(d.x, w), weighted(d.y, w)
    wsum = float(len(d.y)) if w is None else float(w.sum())
    wy = float(d.y.sum()) if w is None else float(w @ d.y)
    gram = augmented_gram(x_w, y_w)  # one pass, no copy of [X y]
    r = None
    if want_r or len(d.y) <= SMALL_ROWS:
        # Factorise unit-norm columns (as linalg does) and scale back: R(A D) D^-1 = R(A).
        norms = np.sqrt(np.diag(gram)).copy()
        norms[norms == 0] = 1.0
        aug = np.empty((len(d.y), d.x.shape[1] + 1), order="F")
        aug[:, :-1] = x_w
        aug[:, -1] = y_w
        r = _tsqr(np.asfortranarray(aug / norms)) * norms
    return Pass1(d.rows, d.terms, d.depvar, d.has_intercept, gram, r, wsum, wy, d.notes)


def _add_rows(a: RowAccounting, b: RowAccounting) -> RowAccounting:
    missing = dict(a.missing)
    for k, v in b.missing.items():
        missing[k] = missing.get(k, 0) + v
    return RowAccounting(
        n_input=a.n_input + b.n_input,
        excluded_in=a.excluded_in + b.excluded_in,
        excluded_if=a.excluded_if + b.excluded_if,
        missing=missing,
        dropped_missing=a.dropped_missing + b.dropped_missing,
        dropped_nonfinite=a.dropped_nonfinite + b.dropped_nonfinite,
        dropped_zero_weight=a.dropped_zero_weight + b.dropped_zero_weight,
        dropped_singletons=a.dropped_singletons + b.dropped_singletons,
        n_used=a.n_used + b.n_used,
    )


_COUNT = re.compile(r"(?<=keeps )\d+(?= row)")


def _merge_notes(notes: Sequence[str]) -> tuple[str, ...]:
    """Partition notes that differ only in their count (the Stata ``if`` note: "keeps N
    row(s) whose compared value is missing") become one note with the total."""
    totals: dict[tuple[str, str | None], int] = {}
    for note in notes:
        m = _COUNT.search(note)
        key = (note[: m.start()], note[m.end() :]) if m else (note, None)
        totals[key] = totals.get(key, 0) + (int(m.group()) if m else 0)
    return tuple(a if b is None else f"{a}{n}{b}" for (a, b), n in totals.items())


def combine_pass1(parts: Sequence[Pass1]) -> Pass1:
    """Fold partial results: rows and sums add up, R factors stack and refactorise."""
    rows = parts[0].rows
    for p in parts[1:]:
        rows = _add_rows(rows, p.rows)
    full = [p for p in parts if p.gram is not None]
    notes = _merge_notes([n for p in parts for n in p.notes])
    if not full:
        return Pass1(rows=rows, notes=notes)
    first = full[0]
    for p in full[1:]:
        if p.terms != first.terms:
            raise EstimationError(
                "partitions built different design columns "
                f"({', '.join(first.terms)} vs {', '.join(p.terms)})"
            )
    rs = [p.r for p in full if p.r is not None]
    r = None
    if len(rs) == len(full):
        r = _r_factor(np.vstack(rs)) if len(rs) > 1 else rs[0]
    return Pass1(
        rows=rows,
        terms=first.terms,
        depvar=first.depvar,
        has_intercept=first.has_intercept,
        gram=np.sum([p.gram for p in full if p.gram is not None], axis=0),
        r=r,
        wsum=sum(p.wsum for p in full),
        wy=sum(p.wy for p in full),
        notes=notes,
    )


# --- after the solve: refinement and pass 2 -------------------------------------------
@dataclass(frozen=True)
class Solution:
    """What the client broadcasts back to the partitions after solving."""

    keep: NDArray[np.bool_]  # estimated columns
    lstsq: LeastSquares  # beta (kept columns), R factor and column scales
    wscale: float = 1.0  # analytic weights as built times this sum to N
    ybar: float = 0.0  # weighted mean of y (for the total sum of squares)
    extended: bool = False  # refinement sums in extended precision
    power: int | None = None  # HC meat wanted: None = none, 0 = HC0/HC1, 1 = HC2, 2 = HC3
    clusters: tuple[str, ...] = ()  # cluster variables: score sums per cell


def _weights(d: Design, sol: Solution) -> FloatArray | None:
    if d.weights is None:
        return None
    if d.weight_kind in (WeightKind.AWEIGHT, WeightKind.PWEIGHT):  # normalised to sum N
        out: FloatArray = d.weights * sol.wscale
        return out
    return d.weights


def _kept(d: Design, sol: Solution, w: FloatArray | None) -> tuple[FloatArray, FloatArray]:
    x = d.x if sol.keep.all() else d.x[:, sol.keep]
    return weighted(np.asfortranarray(x), w), weighted(d.y, w)


def refine(part: pd.DataFrame, setup: Setup, sol: Solution) -> NDArray[np.floating[Any]]:
    """``Xs'(y - Xs bs)`` on the scaled kept columns, for one refinement step (in
    ``np.longdouble`` when ``sol.extended``)."""
    return sum_arrays([_refine_block(b, setup, sol) for b in _blocks(part)])


def _refine_block(part: pd.DataFrame, setup: Setup, sol: Solution) -> NDArray[np.floating[Any]]:
    d = design_of(part, setup)
    k = int(sol.keep.sum())
    if len(d.y) == 0:
        return np.zeros(k)
    x_w, y_w = _kept(d, sol, _weights(d, sol))
    ls = sol.lstsq
    beta_s = ls.beta * ls.scale
    if sol.extended:
        xl = x_w.astype(np.longdouble) / ls.scale.astype(np.longdouble)
        resid = y_w.astype(np.longdouble) - xl @ beta_s.astype(np.longdouble)
        # Kept in extended precision: at the solution the partitions' sums cancel, and
        # rounding each to float64 first would leave only that rounding.
        out: NDArray[np.floating[Any]] = xl.T @ resid
        return out
    xs = x_w / ls.scale
    g: FloatArray = xs.T @ (y_w - xs @ beta_s)
    return g


def sum_arrays(parts: Sequence[NDArray[np.floating[Any]]]) -> NDArray[np.floating[Any]]:
    out: NDArray[np.floating[Any]] = np.sum(np.stack(parts), axis=0)
    return out


@dataclass(frozen=True)
class Pass2:
    """Residual-based sums for some partitions."""

    rss: float = 0.0
    tss: float = 0.0
    meat: FloatArray | None = None  # R factor of the scores: meat = R'R
    high_leverage: int = 0  # rows with leverage 1 (HC2/HC3 undefined)
    cells: pd.DataFrame | None = None  # score sums indexed by the cluster variables


def pass2(part: pd.DataFrame, setup: Setup, sol: Solution) -> Pass2:
    """Residuals of the broadcast fit and what the variance needs from them (in row
    blocks)."""
    parts = [_pass2_block(b, setup, sol) for b in _blocks(part)]
    return parts[0] if len(parts) == 1 else combine_pass2(parts)


def _pass2_block(part: pd.DataFrame, setup: Setup, sol: Solution) -> Pass2:
    d = design_of(part, setup)
    if len(d.y) == 0:
        return Pass2()
    w = _weights(d, sol)
    x_w, y_w = _kept(d, sol, w)
    u = y_w - x_w @ sol.lstsq.beta
    dev = d.y - sol.ybar if d.has_intercept else d.y
    tss = float(dev @ dev) if w is None else float(w @ (dev * dev))
    meat, high = None, 0
    fw = d.weights if d.weight_kind is WeightKind.FWEIGHT else None
    if sol.power is not None:
        # As vce/hc.py: a frequency-weighted row stands for w rows, hence 1/w.
        factor = None if fw is None else 1.0 / fw
        if sol.power > 0:
            h = sol.lstsq.leverage(x_w)
            h = h if fw is None else h / fw
            high = int(np.sum(h > 1 - 1e-10))
            lev = (1.0 - np.minimum(h, 1 - 1e-10)) ** (-sol.power)
            factor = lev if factor is None else lev * factor
        # sum f_i u_i^2 x_i x_i' = S'S for the scores S_i = sqrt(f_i) u_i x_i: keep S's R
        # factor (rows that stack across partitions) rather than the squared sums.
        root = u if factor is None else u * np.sqrt(factor)
        meat = _tsqr(np.asfortranarray(x_w * root[:, None]))
    cells = None
    if sol.clusters:
        cells = _cell_sums(part, d, sol.clusters, x_w, u)
    return Pass2(float(u @ u), tss, meat, high, cells)


def _cell_sums(
    part: pd.DataFrame, d: Design, clusters: tuple[str, ...], x: FloatArray, u: FloatArray
) -> pd.DataFrame:
    """Score sums ``sum x_i u_i`` per cell of the cluster variables, indexed by their
    values (so that cells add up across partitions): summed by ``np.bincount`` over the
    design's cluster codes (vce.kernels.cluster_scores), not by a pandas group-by."""
    frame = part.reset_index(drop=True)
    keyed = [(d.groups[c], _values_of(frame[c], d.index, d.groups[c])) for c in clusters]
    if len(keyed) == 1:
        (cell, uniques), index = keyed[0], None
        index = pd.Index(uniques, name=clusters[0])
    else:
        sizes = [len(values) for _, values in keyed]
        combined = np.zeros(len(u), dtype=np.int64)
        for (codes, _), size in zip(keyed, sizes, strict=True):
            combined = combined * size + codes
        found, cell = np.unique(combined, return_inverse=True)
        parts = []
        for (_, uniques), size in zip(keyed[::-1], sizes[::-1], strict=True):
            parts.append(uniques[found % size])
            found = found // size
        index = pd.MultiIndex.from_arrays(parts[::-1], names=list(clusters))
    sums = cluster_scores(x, u, np.asarray(cell, dtype=np.int64).reshape(-1), len(index))
    return pd.DataFrame(sums, index=index, columns=[f"s{j}" for j in range(x.shape[1])])


def _values_of(keys: pd.Series, rows: pd.Index, codes: IntArray) -> pd.Index:
    """The value each code 0..L-1 stands for, from the rows of the sample (O(N))."""
    where = np.zeros(int(codes.max()) + 1 if codes.size else 0, dtype=np.int64)
    where[codes] = np.arange(codes.size)  # a row of each code (all have the same value)
    out: pd.Index = pd.Index(keys.iloc[np.asarray(rows)[where]])
    return out


def merge_cells(frames: Sequence[pd.DataFrame | None]) -> pd.DataFrame | None:
    """Per-cluster score sums of the partitions, added where a cluster spans several."""
    present = [f for f in frames if f is not None]
    if not present:
        return None
    both = pd.concat(present)
    return both.groupby(level=list(range(both.index.nlevels)), sort=False).sum()


def combine_pass2(parts: Sequence[Pass2]) -> Pass2:
    """Sums add up; score sums of a cluster seen in several partitions are added."""
    meats = [p.meat for p in parts if p.meat is not None]
    return Pass2(
        rss=sum(p.rss for p in parts),
        tss=sum(p.tss for p in parts),
        meat=_r_factor(np.vstack(meats)) if meats else None,
        high_leverage=sum(p.high_leverage for p in parts),
        cells=merge_cells([p.cells for p in parts]),
    )
