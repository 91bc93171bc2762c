"""Stata's time-series operators on panel data: ``L.x``, ``F2.x``, ``D.x``, ``S4.x``.

Lags are taken by *time value* within a panel, as Stata does after ``xtset id time``: ``L.x``
at time ``t`` is ``x`` at time ``t - 1`` of the same id, and missing when that time is absent
(a gap), never the previous row. ``F`` is the lead, ``D`` the difference (``D2.x = D.D.x``)
and ``S`` the seasonal difference (``S2.x = x - L2.x``). Everything is a reindex on
``(id, time - k)``; no Python loop over rows or panels.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..errors import DataError, MissingVariableError, closest
from ..spec import PanelSpec, TsVar

__all__ = ["materialize", "time_codes", "time_values"]

_Floats = NDArray[np.float64]


def materialize(tsvars: Sequence[TsVar], panel: PanelSpec, data: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``data`` with one new column per time-series variable.

    Parameters
    ----------
    tsvars
        The operated variables (``ModelSpec.tsvars``).
    panel
        The panel declaration; ``panel.time`` is required, ``panel.id`` optional
        (``tsset time``).
    data
        The data; never modified.

    Returns
    -------
    pandas.DataFrame
        ``data`` plus the columns ``tv.name`` for each ``tv`` in ``tsvars``.

    Raises
    ------
    MissingVariableError
        A panel, time or operated variable is not a column.
    DataError
        No time variable, repeated ``(id, time)`` pairs, a non-integer time, a non-numeric
        operated variable, or a generated name already used by a column.

    Examples
    --------
    >>> df = pd.DataFrame({"id": [1, 1, 1, 2], "t": [1, 2, 4, 1], "x": [1.0, 2.0, 4.0, 7.0]})
    >>> from vcereg.spec import make_tsvar
    >>> out = materialize([make_tsvar("L", 1, "x")], PanelSpec("id", "t"), df)
    >>> out["L1__x"].tolist()
    [nan, 1.0, nan, nan]
    """
    out = data.copy()
    if not tsvars:
        return out
    if panel.time is None:
        raise DataError("time-series operators need a time variable: xtset id time or tsset time")
    keys = [c for c in (panel.id, panel.time) if c is not None]
    for col in [*keys, *(tv.var for tv in tsvars)]:
        _require(col, data)
    time = time_values(panel.time, data[panel.time])
    ids = data[panel.id] if panel.id is not None else None
    index = _index(ids, time)
    known = index[~_missing_key(ids, time)]
    if known.has_duplicates:
        dup = known[known.duplicated()][0]
        where = f"id {dup[0]!r}, time {dup[1]!r}" if panel.id is not None else f"time {dup!r}"
        raise DataError(f"repeated time values within panel ({where}): (id, time) must be unique")
    for tv in tsvars:
        if tv.name in out.columns:
            raise DataError(
                f"cannot create {tv.label} as column {tv.name!r}: the data already has it"
            )
        values = data[tv.var]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise DataError(f"{tv.label}: {tv.var!r} must be numeric (got {values.dtype})")
        series = pd.Series(values.to_numpy(dtype=float), index=index)
        series = series[~_missing_key(ids, time)]
        out[tv.name] = _apply(tv, series, ids, time)
    return out


def time_values(name: str, col: pd.Series) -> pd.Series:
    """The time variable as numbers, under the one rule every use of time shares (``L.x``,
    ``vce(hac t)``, ``vce(dk t)``, ``newey``, ``xtscc``): Stata's ``tsset`` time is a
    whole-number count of periods (days, months, quarters...). Text, categories, dates and
    fractions are refused, so periods are never put in the order of their text
    ("10" before "2") or of a categorical's categories.

    >>> time_values("t", pd.Series([3, 1, 2])).tolist()
    [3.0, 1.0, 2.0]
    """
    _check_time(name, col)
    time = pd.to_numeric(col, errors="coerce").astype(float)
    finite = time.dropna().to_numpy(dtype=float)
    if not np.all(np.equal(np.mod(finite, 1.0), 0.0)):
        raise DataError(f"time variable {name!r} must hold whole numbers (got fractions)")
    return time


def time_codes(name: str, col: pd.Series) -> NDArray[np.int64]:
    """Dense codes 0..T-1 of the periods present, in time order (see :func:`time_values`).

    >>> time_codes("t", pd.Series([2001, 1999, 2001, 2000])).tolist()
    [2, 0, 2, 1]
    """
    codes, _ = pd.factorize(time_values(name, col), sort=True)
    return codes.astype(np.int64)


def _check_time(name: str, col: pd.Series) -> None:
    dated = pd.api.types.is_datetime64_any_dtype(col) or isinstance(col.dtype, pd.PeriodDtype)
    if dated:
        raise DataError(
            f"time variable {name!r} holds dates ({col.dtype}); time-series operators need "
            "whole-number time, one unit per period (as Stata's tsset with a %t format)",
            hint=f"convert it to periods, e.g. df['{name}_n'] = df['{name}'].dt.year "
            f"(yearly), df['{name}'].dt.year * 12 + df['{name}'].dt.month (monthly), or "
            f"(df['{name}'] - df['{name}'].min()).dt.days (daily)",
        )
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        raise DataError(
            f"time variable {name!r} must hold whole numbers (got {col.dtype}): text or "
            "categories would put the periods in the order of their labels",
            hint=f"convert it, e.g. df['{name}'] = pd.to_numeric(df['{name}'].astype(str))",
        )


def _require(col: str, data: pd.DataFrame) -> None:
    if col not in data.columns:
        near = closest(col, [str(c) for c in data.columns])
        raise MissingVariableError(
            f"variable {col!r} is not a column of the data",
            hint=f"did you mean {near!r}?" if near else None,
        )


def _missing_key(ids: pd.Series | None, time: pd.Series) -> np.ndarray:
    miss = time.isna().to_numpy()
    if ids is not None:
        miss = miss | ids.isna().to_numpy()
    return miss


def _index(ids: pd.Series | None, time: pd.Series) -> pd.Index:
    index: pd.Index
    if ids is None:
        index = pd.Index(time.to_numpy(dtype=float))
        return index
    index = pd.MultiIndex.from_arrays([ids.to_numpy(), time.to_numpy(dtype=float)])
    return index


def _shift(series: pd.Series, ids: pd.Series | None, time: pd.Series, k: int) -> _Floats:
    """Values at ``time - k`` of the same id, for every row (NaN where absent)."""
    values: _Floats = series.reindex(_index(ids, time - k)).to_numpy(dtype=float)
    return values


def _apply(tv: TsVar, series: pd.Series, ids: pd.Series | None, time: pd.Series) -> _Floats:
    k = tv.order
    if tv.op == "L":
        return _shift(series, ids, time, k)
    if tv.op == "F":
        return _shift(series, ids, time, -k)
    if tv.op == "S":
        return _shift(series, ids, time, 0) - _shift(series, ids, time, k)
    # D^k x = sum_j (-1)^j C(k, j) L^j x
    total: _Floats = np.zeros(len(time))
    for j in range(k + 1):
        total = total + (-1) ** j * comb(k, j) * _shift(series, ids, time, j)
    return total
