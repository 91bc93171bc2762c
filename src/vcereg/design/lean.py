"""Design building for the common plain case, with one look-up per column.

A formula of plain numeric columns and the constant (``y ~ x1 + x2``), without a sample
filter, instruments, time-series operators or interactions in the absorbed effects;
weights, cluster and absorbed variables of any kind. For these the general path of
:func:`vcereg.design.build.build` does nothing that can change a number (no formula code,
no categories, no transforms), but it pays for its generality on every fit: each column
is looked up in the frame several times, and sub-frames are made and converted. Small
fits (simulations, loops over subgroups) are mostly that overhead. This path fetches each
column once and builds the same arrays, the same row accounting and the same warnings;
anything it does not cover (a missing or duplicated column, an unusual dtype, a formula
with code) returns None and goes the general way, which also raises the errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._threads import run_parallel
from .._types import FloatArray, IntArray
from ..errors import DroppedRowsWarning, warn
from ..spec import ModelSpec, WeightKind
from ..stata_lang.factors import has_pending_bases
from ..vce import resolve
from .columns import RESERVED, _bad_dtype, check_magnitudes, check_tops
from .formula import formulas, parse_formula, side_vars
from .sample import RowAccounting, codes, missing_mask, weights_of
from .tsops import time_codes

__all__ = ["LeanDesign", "lean_design"]


@dataclass(frozen=True, slots=True, eq=False)
class LeanDesign:
    """The pieces of a :class:`~vcereg.design.build.Design` built by :func:`lean_design`."""

    y: FloatArray
    x: FloatArray
    terms: tuple[str, ...]
    depvar: str
    has_intercept: bool
    weights: FloatArray | None
    weight_kind: WeightKind | None
    groups: dict[str, IntArray]
    absorb: dict[str, IntArray]
    index: pd.Index
    rows: RowAccounting
    rhs_vars: tuple[str, ...]
    lhs_vars: tuple[str, ...]

    def fields(self) -> dict[str, Any]:
        """The keyword arguments of ``Design`` this path fills."""
        names = "y x terms depvar has_intercept weights weight_kind groups absorb index rows"
        return {k: getattr(self, k) for k in names.split()}


@dataclass(frozen=True, slots=True)
class _Plain:
    """A formula of plain look-ups: the response, the regressors (None: the constant)."""

    depvar: str
    rhs: tuple[str | None, ...]
    rhs_vars: tuple[str, ...]
    lhs_vars: tuple[str, ...]


_PLAIN: dict[str, _Plain | None] = {}


def _plain(text: str, parsed: object) -> _Plain | None:
    """The formula as plain look-ups, or None (analysed once per formula text)."""
    if text in _PLAIN:
        return _PLAIN[text]
    found: _Plain | None = None
    sides = []
    for side in (parsed.lhs, parsed.rhs):  # type: ignore[attr-defined]
        names: list[str | None] = []
        for term in side:
            factors = list(term.factors)
            if str(term) == "1":
                names.append(None)
            elif len(factors) == 1 and str(factors[0].eval_method.value) == "lookup":
                names.append(str(factors[0].expr))
            else:
                break
        else:
            sides.append(names)
            continue
        break
    if len(sides) == 2 and len(sides[0]) == 1 and sides[0][0] is not None:
        lhs, rhs = sides
        found = _Plain(
            str(lhs[0]),
            tuple(rhs),
            tuple(side_vars(parsed.rhs, {})),  # type: ignore[attr-defined]
            tuple(side_vars(parsed.lhs, {})),  # type: ignore[attr-defined]
        )
    if len(_PLAIN) > 512:
        _PLAIN.clear()
    _PLAIN[text] = found
    return found


def _unique_columns(columns: pd.Index, names: Sequence[str]) -> bool:
    """Is every name the label of exactly one column?"""
    for name in names:
        try:
            loc = columns.get_loc(name)
        except (KeyError, TypeError):
            return False
        if not isinstance(loc, int):  # a slice or a mask: the label is repeated
            return False
    return True


def _numeric(col: pd.Series) -> bool:
    dtype = col.dtype
    return isinstance(dtype, np.dtype) and dtype.kind in "fiu"


def lean_design(
    spec: ModelSpec,
    data: pd.DataFrame,
    *,
    extra: Sequence[str],
    safe: bool,
    levels: Mapping[str, Sequence[object]] | None,
    partition: bool,
) -> LeanDesign | None:
    """The design of a plain model in one look-up per column, or None (the general path)."""
    if (
        spec.tsvars
        or spec.iv is not None
        or spec.sample is not None
        or spec.in_range is not None
        or levels
        or any("#" in a for a in spec.absorb)
        or has_pending_bases(spec)
    ):
        return None
    x_text, _ = formulas(spec)
    plain = _plain(x_text, parse_formula(spec, x_text, safe=safe))
    if plain is None:
        return None
    needed = list(dict.fromkeys([plain.depvar, *(t for t in plain.rhs if t is not None)]))
    weight_var = spec.weights.var if spec.weights is not None else None
    numeric = [*needed, *([weight_var] if weight_var else [])]
    used = list(dict.fromkeys([*numeric, *extra, *spec.absorb]))
    if not _unique_columns(data.columns, used) or any(v in RESERVED for v in numeric):
        return None
    cols = {v: data[v] for v in used}
    if not all(_numeric(cols[v]) for v in numeric):
        return None
    if any(_bad_dtype(cols[v]) is not None for v in used if v not in numeric):
        return None
    n = len(data)
    terms = tuple("Intercept" if t is None else t for t in plain.rhs)
    arrays = {v: cols[v].to_numpy() for v in numeric}
    x = np.empty((n, len(terms)), order="F")
    # each column is copied into the design and checked on the way, in threads
    checked = run_parallel(
        lambda j: _fill(x[:, j], arrays.get(plain.rhs[j] or "")), range(len(terms)), rows=n
    )
    tops = {t: top for t, (top, _) in zip(terms, checked, strict=True)}
    finite = {t: ok for t, (_, ok) in zip(terms, checked, strict=True)}
    for v in numeric:
        if v not in finite:
            tops[v], finite[v] = _fill(None, arrays[v])
    missing_counts: dict[str, int] = {}
    complete: NDArray[np.bool_] | None = None
    for v in used:
        plain_int = isinstance(cols[v].dtype, np.dtype) and cols[v].dtype.kind in "iub"
        miss = None if finite.get(v, False) or plain_int else missing_mask(cols[v])
        count = 0 if miss is None else int(miss.sum())
        missing_counts[v] = count
        if miss is not None and count:
            complete = ~miss if complete is None else complete & ~miss
    n_used = n if complete is None else int(complete.sum())
    if n_used == 0:
        return None  # the general path reports it (or builds an empty partition)
    if complete is not None:
        arrays = {v: a[complete] for v, a in arrays.items()}
        x = np.asfortranarray(x[complete])
    y = np.asarray(arrays[plain.depvar], dtype=np.float64)
    kind = spec.weights.kind if spec.weights is not None else None
    weights = None
    dropped_zero = 0
    if weight_var:
        w_col = cols[weight_var] if complete is None else cols[weight_var][complete]
        weights = weights_of(w_col, kind, spec)
        positive = weights > 0
        if not positive.all():
            dropped_zero = int((~positive).sum())
            y, x, weights = y[positive], np.asfortranarray(x[positive]), weights[positive]
            complete = positive if complete is None else _narrow(complete, positive)
    if len(y) == 0:
        return None
    if len(y) < n:  # the extremes of the rows left
        check_magnitudes(plain.depvar, y, terms, x)
    else:
        check_tops([(plain.depvar, tops[plain.depvar]), *((t, tops[t]) for t in terms)], n)
    if weights is not None and kind in (WeightKind.AWEIGHT, WeightKind.PWEIGHT) and not partition:
        weights = weights * (len(weights) / weights.sum())
    dropped_missing = n - n_used
    rows = RowAccounting(
        n_input=n,
        missing=missing_counts,
        dropped_missing=dropped_missing,
        dropped_zero_weight=dropped_zero,
        n_used=len(y),
    )
    for msg in () if partition else rows.messages():  # partitions: the client reports
        warn(msg, DroppedRowsWarning)
    time = resolve(spec.vce)[0].time_variables(spec.vce)  # HAC's and DK's time: in time order

    def kept(v: str) -> pd.Series:
        return cols[v] if complete is None else cols[v][complete]

    return LeanDesign(
        y=y,
        x=x,
        terms=terms,
        depvar=plain.depvar,
        has_intercept=None in plain.rhs,
        weights=weights,
        weight_kind=kind,
        groups={v: time_codes(v, kept(v)) if v in time else codes(kept(v)) for v in extra},
        absorb={a: codes(kept(a)) for a in spec.absorb},
        index=data.index if complete is None else data.index[complete],
        rows=rows,
        rhs_vars=plain.rhs_vars,
        lhs_vars=plain.lhs_vars,
    )


#: Rows per block of a column copied and checked in cache.
_BLOCK = 65_536


def _fill(out: FloatArray | None, values: NDArray[Any] | None) -> tuple[float, bool]:
    """Copy ``values`` into ``out`` (ones when None; no copy when ``out`` is None) block by
    block, and return the largest absolute value and whether all are finite: a block's
    extremes are finite exactly when it has no NaN or infinity."""
    if values is None:
        assert out is not None
        out[:] = 1.0
        return 1.0, True
    top, finite = 0.0, True
    for lo in range(0, values.shape[0], _BLOCK):
        block = values[lo : lo + _BLOCK]
        if out is not None:
            seg = out[lo : lo + _BLOCK]
            seg[:] = block
            block = seg
        hi, low = float(block.max()), float(block.min())
        finite = finite and np.isfinite(hi) and np.isfinite(low)
        top = max(top, hi, -low)
    return top, bool(finite)


def _narrow(complete: NDArray[np.bool_], positive: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The rows of ``complete`` whose weight is positive, as a mask over all rows."""
    out = complete.copy()
    out[np.flatnonzero(complete)[~positive]] = False
    return out
