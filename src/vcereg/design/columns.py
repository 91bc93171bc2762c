"""Checks of the columns a model uses, before any arithmetic: names that clash with the
constant or appear twice, and dtypes that cannot enter a regression (intervals, complex
numbers, lists in cells). Each gets a :class:`~vcereg.errors.DataError` naming the
column, instead of a numpy or formulaic error from deep inside."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._types import FloatArray
from ..errors import DataError, EstimationError

__all__ = ["MAX_MAGNITUDE", "RESERVED", "check_columns", "check_magnitudes", "check_tops"]

#: Largest absolute value whose sums of squares over the rows stay finite in double
#: precision (1.8e308): max|v| * sqrt(N) must stay below 1e150.
MAX_MAGNITUDE = 1e150

#: Names of the constant term (formulaic's and Stata's): a column so named would give two
#: coefficients with the same label.
RESERVED = ("Intercept", "_cons")


def _bad_dtype(col: pd.Series) -> str | None:
    dtype = col.dtype
    if isinstance(dtype, pd.IntervalDtype):
        return "intervals"
    if isinstance(dtype, pd.PeriodDtype):
        return "periods"
    if pd.api.types.is_complex_dtype(dtype):
        return "complex numbers"
    if pd.api.types.is_object_dtype(dtype):
        sample = col.dropna()
        kinds = {type(v) for v in sample.iloc[:1000]}
        for kind, what in ((list, "lists"), (dict, "dicts"), (tuple, "tuples"), (set, "sets")):
            if kind in kinds:
                return what
        if any(issubclass(k, complex) and not issubclass(k, float) for k in kinds):
            return "complex numbers"
        if pd.Interval in kinds:
            return "intervals"
    return None


def check_columns(data: pd.DataFrame, names: Sequence[str], *, cluster: Sequence[str] = ()) -> None:
    """Raise :class:`DataError` for a used column that is duplicated, reserved or of a
    type that cannot be used (``cluster``: those used only for grouping, where any
    hashable value is fine).

    >>> check_columns(pd.DataFrame({"y": [1.0], "x": [2.0]}), ["y", "x"])
    >>> try:
    ...     check_columns(pd.DataFrame({"y": [1.0], "_cons": [2.0]}), ["y", "_cons"])
    ... except DataError as exc:
    ...     print(exc.message)
    column '_cons' has the name of the constant term; two coefficients would be labelled alike
    """
    dup = set(data.columns[data.columns.duplicated()].map(str))
    for name in dict.fromkeys([*names, *cluster]):
        if name in dup:
            n = int(np.sum(data.columns == name))
            raise DataError(
                f"column {name!r} appears {n} times in the data, so it is ambiguous",
                hint="rename the duplicates, e.g. df.columns = [...] or "
                "df.loc[:, ~df.columns.duplicated()]",
            )
    for name in names:
        if name in RESERVED:
            raise DataError(
                f"column {name!r} has the name of the constant term; two coefficients "
                "would be labelled alike",
                hint=f"rename it, e.g. df.rename(columns={{{name!r}: '{name.strip('_')}_var'}})",
            )
    for name in dict.fromkeys([*names, *cluster]):
        what = _bad_dtype(data[name])
        if what is None:
            continue
        if name in cluster and name not in names and what in ("intervals", "periods"):
            continue  # hashable: fine as groups
        raise DataError(
            f"column {name!r} holds {what} ({data[name].dtype}), which cannot be used "
            "in a regression",
            hint=f"convert it first, e.g. to a number or to text with df[{name!r}].astype(str)",
        )


def check_magnitudes(
    depvar: str | None, y: FloatArray | None, terms: Sequence[str], x: FloatArray
) -> None:
    """Raise :class:`EstimationError` when a variable (finite: non-finite rows are gone)
    is so large that its sum of squares overflows double precision (``y * 1e160``),
    naming it and the fix. Two passes without temporaries: cheap on big data."""
    n = x.shape[0]
    if n == 0:
        return
    tops = np.maximum(x.max(axis=0), -x.min(axis=0)) if x.shape[1] else np.zeros(0)
    named = list(zip(terms, tops.tolist(), strict=True))
    if y is not None and depvar is not None:
        named.insert(0, (depvar, max(float(y.max()), -float(y.min()))))
    check_tops(named, n)


def check_tops(named: Sequence[tuple[str, float]], n: int) -> None:
    """:func:`check_magnitudes` on the largest absolute value of each variable, in order."""
    limit = MAX_MAGNITUDE / np.sqrt(n)
    for name, top in named:
        if top > limit:
            digits = int(np.floor(np.log10(top)))
            raise EstimationError(
                f"{name} reaches {top:.3g}: its sum of squares overflows double precision "
                f"(values up to about {limit:.0e} work here)",
                hint=f"rescale it, e.g. divide it by 1e{digits - 3}",
            )
