"""The estimation sample: row filters (``in``, ``if``), missing-value detection, weights,
factorised group codes, and the accounting of where every input row went."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._types import FloatArray, IntArray
from ..dsl.expr import evaluate, parse_expression
from ..errors import DataError, MissingVariableError, closest
from ..spec import Dialect, ModelSpec, WeightKind
from .tsops import time_codes

__all__ = [
    "RowAccounting",
    "codes",
    "codes_multi",
    "describe",
    "factorize_groups",
    "missing_mask",
    "row_filter",
    "weights_of",
]


@dataclass(frozen=True, slots=True)
class RowAccounting:
    """Where the input rows went."""

    n_input: int
    excluded_in: int = 0
    excluded_if: int = 0
    missing: Mapping[str, int] = field(default_factory=dict)  # per variable (overlaps)
    dropped_missing: int = 0  # rows with any missing value
    dropped_nonfinite: int = 0  # rows whose transformed values are not finite
    dropped_zero_weight: int = 0
    dropped_singletons: int = 0
    n_used: int = 0
    # separated observations (maximum likelihood with absorbed effects), and groups without
    # variation in the outcome (clogit, xtpoisson fe); the estimator's note says which
    dropped_separated: int = 0

    @property
    def n_dropped(self) -> int:
        return (
            self.dropped_missing
            + self.dropped_nonfinite
            + self.dropped_zero_weight
            + self.dropped_singletons
            + self.dropped_separated
        )

    def messages(self) -> tuple[str, ...]:
        out = []
        if self.dropped_missing:
            detail = ", ".join(f"{v}: {n}" for v, n in self.missing.items() if n)
            out.append(
                f"{self.dropped_missing} row(s) dropped because of missing values ({detail})"
            )
        if self.dropped_nonfinite:
            out.append(
                f"{self.dropped_nonfinite} row(s) dropped because a transformed value "
                "is not finite (e.g. log of a non-positive number)"
            )
        if self.dropped_zero_weight:
            out.append(f"{self.dropped_zero_weight} row(s) dropped because their weight is zero")
        if self.dropped_singletons:
            out.append(
                f"{self.dropped_singletons} singleton observation(s) dropped (alone in a "
                "fixed-effect group, they carry no information; reghdfe does the same)"
            )
        return tuple(out)


def missing_mask(col: pd.Series) -> NDArray[np.bool_]:
    """Rows whose value is missing or, for numbers, not finite (inf counts as missing).

    >>> missing_mask(pd.Series([1.0, np.nan, np.inf])).tolist()
    [False, True, True]
    """
    dtype = col.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":  # plain numpy: never missing
        return np.zeros(len(col), dtype=bool)
    if isinstance(dtype, np.dtype) and dtype.kind == "f":  # one pass: NaN is not finite
        return np.asarray(~np.isfinite(col.to_numpy()), dtype=bool)
    miss = col.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        vals = col.to_numpy(dtype=np.float64, na_value=np.nan)
        miss = miss | ~np.isfinite(vals)
    return np.asarray(miss, dtype=bool)


def row_filter(
    spec: ModelSpec, data: pd.DataFrame
) -> tuple[NDArray[np.bool_], int, int, str | None]:
    n = len(data)
    keep = np.ones(n, dtype=bool)
    excluded_in = 0
    if spec.in_range is not None:
        first, last = spec.in_range.first, spec.in_range.last
        lo = first - 1 if first > 0 else n + first
        hi = last if last > 0 else n + last + 1
        if not (0 <= lo < hi <= n):
            raise DataError(f"in {first}/{last} is outside the data's {n} rows")
        keep[:] = False
        keep[lo:hi] = True
        excluded_in = n - int(keep.sum())
    note = None
    excluded_if = 0
    if spec.sample is not None:
        src = spec.source or spec.sample.expr
        span = spec.sample.span
        expr = parse_expression(
            spec.sample.expr,
            spec.sample.dialect,
            source=src if span is not None else None,
            offset=span.start if span is not None else 0,
        )
        res = evaluate(expr, data)
        before = int(keep.sum())
        keep &= res.mask
        excluded_if = before - int(keep.sum())
        if spec.sample.dialect is Dialect.STATA and res.missing_as_large:
            note = (
                f"'if {spec.sample.expr}' keeps {res.missing_as_large} row(s) whose compared "
                "value is missing, because Stata treats missing as larger than any number"
            )
    return keep, excluded_in, excluded_if, note


def describe(n: int, ex_in: int, ex_if: int, miss: int) -> str:
    return f"{n} input rows, {ex_in} outside 'in', {ex_if} failing 'if', {miss} with missing values"


def weights_of(col: pd.Series, kind: WeightKind | None, spec: ModelSpec) -> FloatArray:
    if not pd.api.types.is_numeric_dtype(col):
        raise DataError(f"weight variable {col.name!r} must be numeric (got {col.dtype})")
    w = col.to_numpy(dtype=np.float64)
    if (w < 0).any():
        raise DataError(f"weight variable {col.name!r} has {int((w < 0).sum())} negative value(s)")
    if kind is WeightKind.FWEIGHT and not np.all(w == np.round(w)):
        raise DataError(
            f"frequency weights must be whole numbers; {col.name!r} has fractional values",
            hint="use weights(var) for analytic weights",
        )
    return w


def codes(col: pd.Series) -> IntArray:
    """Dense codes 0..L-1 in the sorted order of the values (``pd.factorize(sort=True)``).

    >>> codes(pd.Series([30, 10, 30, 20])).tolist()
    [2, 0, 2, 1]
    """
    values = col.to_numpy() if isinstance(col.dtype, np.dtype) else None
    if values is not None and values.dtype.kind in "iu" and values.size:
        # plain integer ids over a compact range: O(N) relabelling, no hash table
        low, high = int(values.min()), int(values.max())
        if high - low <= 2 * values.size + 1024 and high < 2**63:
            shifted = values.astype(np.int64, copy=False)  # no wrap-around in narrow types
            if low:
                shifted = shifted - low
            present = np.bincount(shifted, minlength=high - low + 1) > 0
            out: IntArray = (np.cumsum(present) - 1)[shifted]
            return out
    codes, _ = pd.factorize(col, sort=True)
    return codes.astype(np.int64)


def codes_multi(sub: pd.DataFrame, names: list[str]) -> IntArray:
    if len(names) == 1:
        return codes(sub[names[0]])
    combined = pd.MultiIndex.from_frame(sub[names]).factorize(sort=True)[0]
    return np.asarray(combined, dtype=np.int64)


def factorize_groups(
    data: pd.DataFrame, index: pd.Index, names: Sequence[str], time: Sequence[str] = ()
) -> dict[str, IntArray]:
    """Codes of ``names`` on the rows ``index`` of ``data`` (for a new vce on a kept fit);
    those in ``time`` in time order (:func:`~vcereg.design.tsops.time_codes`)."""
    cols = [str(c) for c in data.columns]
    out = {}
    for name in names:
        if name not in data.columns:
            near = closest(name, cols)
            raise MissingVariableError(
                f"variable {name!r} not found in the data",
                hint=f"did you mean {near!r}?" if near else None,
            )
        col = data.loc[index, name]
        n_miss = int(col.isna().sum())
        if n_miss:
            raise DataError(
                f"{name!r} is missing in {n_miss} row(s) of the estimation sample; "
                "refit with the new vce so those rows are dropped"
            )
        out[name] = time_codes(name, col) if name in time else codes(col)
    return out
