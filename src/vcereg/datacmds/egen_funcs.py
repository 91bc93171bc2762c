"""The arithmetic of ``egen``'s functions ([D] egen), on numpy arrays and group codes.

``codes`` numbers each row's group (``-1``: the row is not used); statistics ignore
missing values. Definitions follow the manual: ``sd`` divides by N-1; ``total`` counts
missing as 0 (all missing gives 0 unless ``missing``); ``pctile`` and ``median`` use
``summarize, detail``'s definition (P = N p/100: the mean of the P-th and next value when
P is a whole number, else the next value above); ``rank`` averages the ranks of ties
(``field``: 1 for the largest, ties share the best rank; ``track``: 1 for the smallest,
ties share the best rank; ``unique``: ties in data order).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["group_stat", "pctile", "rank", "row_stat"]

Arr = npt.NDArray[Any]
Ints = npt.NDArray[np.int64]


def _sums(x: Arr, codes: Ints, g: int) -> tuple[Arr, Arr]:
    ok = (codes >= 0) & ~np.isnan(x)
    total = np.bincount(codes[ok], weights=x[ok], minlength=g)
    count = np.bincount(codes[ok], minlength=g).astype(float)
    return total, count


def group_stat(name: str, x: Arr, codes: Ints, g: int, missing: bool = False) -> Arr:
    """``mean``, ``sd``, ``total``, ``count``, ``min`` or ``max`` of each group, per row."""
    used = codes >= 0
    safe = np.where(used, codes, 0)
    total, count = _sums(x, codes, g)
    with np.errstate(all="ignore"):
        if name == "mean":
            per = np.where(count > 0, total / count, np.nan)
        elif name == "sd":
            mean = np.where(count > 0, total / count, np.nan)
            dev = np.where(used & ~np.isnan(x), (x - mean[safe]) ** 2, 0.0)
            ss = np.bincount(safe, weights=dev, minlength=g)
            per = np.where(count > 1, np.sqrt(ss / (count - 1)), np.nan)
        elif name == "total":
            per = np.where((count == 0) & missing, np.nan, total)
        elif name == "count":
            per = count
        else:
            fill = np.inf if name == "min" else -np.inf
            ok = used & ~np.isnan(x)
            per = np.full(g, fill)
            (np.minimum if name == "min" else np.maximum).at(per, codes[ok], x[ok])
            per = np.where(count > 0, per, np.nan)
    return np.where(used, per[safe], np.nan)


def _sorted_within(x: Arr, codes: Ints, g: int) -> tuple[Ints, Ints, Ints]:
    """Order of the used nonmissing rows by (group, value), each group's start and size."""
    ok = (codes >= 0) & ~np.isnan(x)
    idx = np.flatnonzero(ok)
    order = idx[np.lexsort((x[idx], codes[idx]))]
    size = np.bincount(codes[order], minlength=g)
    start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    return order.astype(np.int64), start, size.astype(np.int64)


def pctile(x: Arr, codes: Ints, g: int, p: float) -> Arr:
    """The ``p``-th percentile of each group, per row ([D] egen ``pctile()``)."""
    order, start, size = _sorted_within(x, codes, g)
    xs = x[order]
    pos = size * p / 100
    whole = 100 * np.floor(pos + 0.5) == size * p  # Stata: 100*round(N*p/100) == N*p
    k = np.where(whole, np.floor(pos + 0.5), np.floor(pos) + 1).astype(np.int64)
    lo = np.clip(start + k - 1, 0, max(len(xs) - 1, 0))
    hi = np.clip(start + k, 0, max(len(xs) - 1, 0))
    if len(xs):
        per = np.where(whole & (k < size), (xs[lo] + xs[hi]) / 2, xs[lo])
        per = np.where(size > 0, per, np.nan)
    else:
        per = np.full(g, np.nan)
    used = codes >= 0
    return np.where(used, per[np.where(used, codes, 0)], np.nan)


def rank(x: Arr, codes: Ints, g: int, how: str = "") -> Arr:
    """Ranks within groups: ties averaged (default), ``field``, ``track`` or ``unique``."""
    y = -x if how == "field" else x
    order, start, _ = _sorted_within(y, codes, g)
    out = np.full(len(x), np.nan)
    if not len(order):
        return out
    c, v = codes[order], y[order]
    pos = np.arange(len(order)) - start[c] + 1.0
    if how == "unique":
        out[order] = pos
        return out
    new = np.ones(len(order), bool)
    new[1:] = (c[1:] != c[:-1]) | (v[1:] != v[:-1])
    run = np.cumsum(new) - 1
    first = pos[new][run]
    if how in ("field", "track"):
        out[order] = first
    else:
        count = np.bincount(run)[run]
        out[order] = first + (count - 1) / 2
    return out


def row_stat(name: str, xs: list[Arr], missing: bool = False) -> Arr:
    """``rowmean``, ``rowtotal``, ``rowmax``, ``rowmin``, ``rowsd``, ``rownonmiss`` and
    ``rowmiss`` across the columns ``xs`` (missing values ignored)."""
    m = np.column_stack(xs) if xs else np.zeros((0, 0))
    present = ~np.isnan(m)
    count = present.sum(axis=1).astype(float)
    with np.errstate(all="ignore"):
        if name == "rownonmiss":
            return np.asarray(count, dtype=float)
        if name == "rowmiss":
            return np.asarray(m.shape[1] - count, dtype=float)
        total = np.where(present, m, 0.0).sum(axis=1)
        if name == "rowtotal":
            return np.where((count == 0) & missing, np.nan, total)
        if name == "rowmean":
            return np.where(count > 0, total / count, np.nan)
        if name == "rowsd":
            mean = total / count
            ss = np.where(present, (m - mean[:, None]) ** 2, 0.0).sum(axis=1)
            return np.where(count > 1, np.sqrt(ss / (count - 1)), np.nan)
        f = np.fmax if name == "rowmax" else np.fmin
        return np.asarray(f.reduce(m, axis=1), dtype=float)
