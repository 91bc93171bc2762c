"""Stata's date functions ([FN] Date and time functions), on numpy arrays.

A Stata date (``%td``) counts days since 01jan1960; monthly, quarterly, half-yearly and
weekly dates count periods since 1960m1, 1960q1, 1960h1 and 1960w1. Stata's weeks are
not ISO weeks: week 1 starts on 1 January, week 52 runs to 31 December (8 or 9 days).
Invalid input (a 30 February, a non-integer month) gives missing.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["DATE_FUNCS", "mdy", "parse_dates"]

Arr = npt.NDArray[Any]
_EPOCH = np.datetime64("1960-01-01", "D")
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}


def _ints(*xs: Arr) -> tuple[Arr, npt.NDArray[np.bool_]]:
    """The arguments as int64 where all are whole numbers (``ok``), 0 elsewhere."""
    b = np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in xs])
    ok = np.logical_and.reduce([np.isfinite(x) & (x == np.floor(x)) for x in b])
    ok &= np.logical_and.reduce([np.abs(np.where(np.isfinite(x), x, 0)) < 1e7 for x in b])
    return np.stack([np.where(ok, x, 0).astype(np.int64) for x in b]), ok


def mdy(m: Arr, d: Arr, y: Arr) -> Arr:
    """Days since 01jan1960 of month ``m``, day ``d``, year ``y``; missing if invalid.

    >>> mdy(np.array([1, 2, 2]), np.array([1, 29, 30]), np.array([1960, 2000, 2000])).tolist()
    [0.0, 14669.0, nan]
    """
    (mm, dd, yy), ok = _ints(m, d, y)
    ok &= (mm >= 1) & (mm <= 12) & (dd >= 1) & (dd <= 31) & (yy >= 100) & (yy <= 9999)
    month = (yy - 1970) * 12 + (mm - 1)
    first = np.where(ok, month, 0).astype("datetime64[M]").astype("datetime64[D]")
    day = first + np.where(ok, dd - 1, 0).astype("timedelta64[D]")
    ok &= day.astype("datetime64[M]") == first.astype("datetime64[M]")  # no 30 February
    return np.where(ok, (day - _EPOCH).astype(np.int64), np.nan)


def _parts(d: Arr) -> tuple[Arr, Arr, Arr, npt.NDArray[np.bool_]]:
    """(year, month, day) of Stata dates (floored), and where they are valid."""
    (dd,), ok = _ints(np.floor(np.asarray(d, dtype=float)))
    days = _EPOCH + np.where(ok, dd, 0).astype("timedelta64[D]")
    months = days.astype("datetime64[M]")
    years = days.astype("datetime64[Y]")
    y = years.astype(np.int64) + 1970
    m = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, day, ok


def _doy(d: Arr) -> tuple[Arr, npt.NDArray[np.bool_]]:
    y, _, _, ok = _parts(d)
    start = mdy(np.ones_like(y), np.ones_like(y), y)
    return np.floor(np.asarray(d, dtype=float)) - start + 1, ok


def _of(values: Arr, ok: npt.NDArray[np.bool_]) -> Arr:
    return np.where(ok, np.asarray(values, dtype=float), np.nan)


def _year(d: Arr) -> Arr:
    y, _, _, ok = _parts(d)
    return _of(y, ok)


def _month(d: Arr) -> Arr:
    _, m, _, ok = _parts(d)
    return _of(m, ok)


def _day(d: Arr) -> Arr:
    _, _, day, ok = _parts(d)
    return _of(day, ok)


def _dow(d: Arr) -> Arr:
    # 01jan1960 was a Friday (5); Stata numbers Sunday 0
    (dd,), ok = _ints(np.floor(np.asarray(d, dtype=float)))
    return _of((dd + 5) % 7, ok)


def _week(d: Arr) -> Arr:
    doy, ok = _doy(d)
    return _of(np.minimum((doy - 1) // 7 + 1, 52), ok)


def _quarter(d: Arr) -> Arr:
    return np.floor((_month(d) - 1) / 3) + 1


def _halfyear(d: Arr) -> Arr:
    return np.floor((_month(d) - 1) / 6) + 1


def _period_of(per_year: int) -> Any:
    def of(year: Arr, k: Arr) -> Arr:
        (yy, kk), ok = _ints(year, k)
        ok &= (kk >= 1) & (kk <= per_year)
        return _of((yy - 1960) * per_year + kk - 1, ok)

    return of


def _dof(per_year: int) -> Any:
    months = 12 // per_year if per_year <= 12 else 0

    def dof(p: Arr) -> Arr:
        (pp,), ok = _ints(np.floor(np.asarray(p, dtype=float)))
        year, k = 1960 + pp // per_year, pp % per_year
        if per_year == 52:
            return np.where(ok, mdy(np.ones_like(year), np.ones_like(year), year) + 7 * k, np.nan)
        return np.where(ok, mdy(1 + k * months, np.ones_like(year), year), np.nan)

    return dof


def _ofd(per_year: int) -> Any:
    def ofd(d: Arr) -> Arr:
        y = _year(d)
        months = 12 // per_year if per_year <= 12 else 1
        k = _week(d) if per_year == 52 else np.floor((_month(d) - 1) / months) + 1
        return (y - 1960) * per_year + k - 1

    return ofd


#: name -> (function of numeric arrays, number of arguments)
DATE_FUNCS: dict[str, Any] = {
    "year": _year,
    "yofd": _year,
    "month": _month,
    "day": _day,
    "dow": _dow,
    "doy": lambda d: _of(*_doy(d)),
    "week": _week,
    "quarter": _quarter,
    "halfyear": _halfyear,
    "mdy": mdy,
    "ym": _period_of(12),
    "yq": _period_of(4),
    "yh": _period_of(2),
    "yw": _period_of(52),
    "mofd": _ofd(12),
    "qofd": _ofd(4),
    "hofd": _ofd(2),
    "wofd": _ofd(52),
    "dofm": _dof(12),
    "dofq": _dof(4),
    "dofh": _dof(2),
    "dofw": _dof(52),
    "dofy": lambda y: mdy(np.ones_like(y), np.ones_like(y), y),
}

_TOKEN = re.compile(r"\d+|[A-Za-z]+")


def _year_of(text: str, century: int | None, topyear: float | None) -> int | None:
    value = int(text)
    if len(text) > 2:
        return value
    if century is not None:
        return century * 100 + value
    if topyear is not None:  # the latest year a two-digit year may mean
        year = int(topyear) // 100 * 100 + value
        return year - 100 if year > topyear else year
    return None


def _one(text: str, mask: str, topyear: float | None) -> tuple[int, int, int] | None:
    """(year, month or period, day) of one string, following ``mask`` ("DMY", "19YMD", ...)."""
    fields: list[tuple[str, int | None]] = []
    for m in re.finditer(r"(\d\d)?([DMYQHW])", mask.upper()):
        fields.append((m.group(2), int(m.group(1)) if m.group(1) else None))
    tokens = _TOKEN.findall(text)
    months = [t for t in tokens if t.isalpha() and t[:3].lower() in _MONTHS]
    tokens = [t for t in tokens if t.isdigit() or t in months]
    if len(tokens) == 1 and tokens[0].isdigit() and len(fields) > 1:  # 20070120
        widths = {"Y": 4, "M": 2, "D": 2, "Q": 1, "H": 1, "W": 2}
        digits, tokens = tokens[0], []
        if len(digits) != sum(widths[f] for f, _ in fields):
            return None
        for f, _ in fields:
            tokens.append(digits[: widths[f]])
            digits = digits[widths[f] :]
    if len(tokens) != len(fields):
        return None
    year, k, day = None, 1, 1
    for (f, century), tok in zip(fields, tokens, strict=True):
        if tok.isalpha():
            if f != "M":
                return None
            k = _MONTHS[tok[:3].lower()]
        elif f == "Y":
            year = _year_of(tok, century, topyear)
        elif f == "D":
            day = int(tok)
        else:
            k = int(tok)
    return None if year is None else (year, k, day)


def parse_dates(values: Arr, mask: str, per_year: int, topyear: float | None) -> Arr:
    """``date()`` (``per_year`` 0: days), ``monthly()`` (12), ``quarterly()`` (4).

    >>> parse_dates(np.array(["20jan2007", "2007-01-20", "bad"], object), "DMY", 0, None)
    array([17186.,    nan,    nan])
    >>> parse_dates(np.array(["2007m3"], object), "YM", 12, None).tolist()
    [566.0]
    """
    out = np.full(len(values), np.nan)
    cache: dict[str, float] = {}
    for i, text in enumerate(values):
        if text not in cache:
            parts = _one(str(text), mask, topyear)
            value = np.nan
            if parts is not None:
                y, k, d = (np.array([p]) for p in parts)
                if per_year == 0:
                    value = float(mdy(k, d, y)[0])
                else:
                    value = float(_period_of(per_year)(y, k)[0])
            cache[text] = value
        out[i] = cache[text]
    return out
