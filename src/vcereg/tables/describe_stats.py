"""The statistics of :func:`~vcereg.tables.describe` ("Table 1"), by Stata's ``tabstat``
names, and the two-sample test of its difference column.

Conventions (Stata's): each variable uses its own non-missing values; ``sd`` has the
``n - 1`` divisor. With weights, rows whose weight is zero are left out (as Stata's
``summarize`` and ``regress``; :func:`~vcereg.tables.describe` says so in the notes);
analytic weights are rescaled to sum to the number of observations n, so ``sd`` is
``sqrt(sum w (x - mean)^2 / (n - 1))`` as in ``summarize [aw=w]`` (and ``sum`` is ``n``
times the weighted mean); frequency weights count observations, so N is ``sum w`` and
``sd`` is ``sqrt(sum w (x - mean)^2 / (sum w - 1))``, the statistics of the data with each
row repeated w times (``summarize [fw=w]``). The statistics receive the weights as counts
(ones, rescaled analytic weights, or frequency weights), so N is always ``sum w``. The
difference test is ``ttest x, by(g)`` (pooled variance;
Welch's with ``unequal=True``), or with weights the weighted regression on a group
indicator. Dates are numbers of days: location statistics are dates again, spreads and
differences stay in days.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..errors import DataError, MissingVariableError, NotSupportedError, RenderError, closest

__all__ = [
    "ALIASES",
    "STATISTICS",
    "Stat",
    "column",
    "days",
    "diff_test",
    "is_date",
    "numeric",
    "stat_names",
]


@dataclass(frozen=True)
class Stat:
    label: str
    compute: Callable[[np.ndarray, np.ndarray], float]
    count: bool = False
    weighted: bool = True  # defined with weights
    location: bool = False  # of a date: a date (mean, quantiles); else days (sd, range)


def _mean(x: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * x) / np.sum(w))


def _count(w: np.ndarray) -> float:
    return float(np.rint(np.sum(w)))  # rescaled analytic weights sum to n up to rounding


def _var(x: np.ndarray, w: np.ndarray) -> float:
    n = _count(w)
    if n < 2:
        return float("nan")
    return float(np.sum(w * (x - _mean(x, w)) ** 2) / (n - 1))


def _quantile(q: float) -> Callable[[np.ndarray, np.ndarray], float]:
    return lambda x, w: float(np.quantile(x, q)) if len(x) else float("nan")


STATISTICS: dict[str, Stat] = {
    "mean": Stat("Mean", _mean, location=True),
    "sd": Stat("SD", lambda x, w: float(np.sqrt(_var(x, w)))),
    "var": Stat("Variance", _var),
    "semean": Stat("SE(mean)", lambda x, w: float(np.sqrt(_var(x, w) / _count(w)))),
    "min": Stat("Min", lambda x, w: float(np.min(x)) if len(x) else float("nan"), location=True),
    "max": Stat("Max", lambda x, w: float(np.max(x)) if len(x) else float("nan"), location=True),
    "range": Stat("Range", lambda x, w: float(np.ptp(x)) if len(x) else float("nan")),
    "sum": Stat("Sum", lambda x, w: float(np.sum(w * x)) if len(x) else 0.0),
    "n": Stat("N", lambda x, w: _count(w) if len(x) else 0.0, count=True),
    "median": Stat("Median", _quantile(0.5), weighted=False, location=True),
    "p25": Stat("p25", _quantile(0.25), weighted=False, location=True),
    "p75": Stat("p75", _quantile(0.75), weighted=False, location=True),
    "iqr": Stat("IQR", lambda x, w: _quantile(0.75)(x, w) - _quantile(0.25)(x, w), weighted=False),
}
"""The statistics :func:`describe` knows, by Stata's ``tabstat`` names."""

ALIASES = {"count": "n", "p50": "median", "se": "semean", "std": "sd", "sem": "semean"}


def stat_names(stats: Sequence[str] | str) -> list[str]:
    names = [stats] if isinstance(stats, str) else list(stats)
    out = []
    for name in names:
        key = ALIASES.get(str(name).lower(), str(name).lower())
        if key not in STATISTICS:
            near = closest(str(name), [*STATISTICS, *ALIASES])
            raise RenderError(
                f"unknown statistic {name!r}; expected one of {', '.join(STATISTICS)}",
                hint=f"did you mean {near!r}?" if near else None,
            )
        out.append(key)
    if not out:
        raise RenderError("stats= needs at least one statistic")
    return out


def column(data: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in data.columns:
        near = closest(name, [str(c) for c in data.columns])
        raise MissingVariableError(
            f"{what} {name!r} is not a column of the data",
            hint=f"did you mean {near!r}?" if near else None,
        )
    col = data[name]
    if isinstance(col, pd.DataFrame):
        raise DataError(f"column {name!r} appears more than once in the data")
    return col


def numeric(col: pd.Series) -> pd.Series:
    """Numbers as float64 (NaN for missing), whatever the dtype (nullable, bool, int8...);
    TypeError for text, categories and dates."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype) or col.dtype.kind == "O" or is_date(col):
        raise TypeError
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        raise TypeError
    return pd.Series(col.to_numpy(dtype="float64", na_value=np.nan), index=col.index)


def is_date(col: pd.Series) -> bool:
    """Dates and times (naive or with a time zone), or periods."""
    dtype = col.dtype
    return pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype)


def days(col: pd.Series) -> pd.Series:
    """Dates as days since 1970-01-01 (NaN for missing); times with a zone in UTC.

    >>> days(pd.Series(pd.to_datetime(["1970-01-02 12:00", None]))).tolist()
    [1.5, nan]
    """
    if isinstance(col.dtype, pd.PeriodDtype):
        col = col.dt.to_timestamp()
    stamps = pd.to_datetime(col, utc=True).dt.tz_localize(None)
    delta = (stamps - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    return pd.Series(delta.to_numpy(dtype="float64", na_value=np.nan), index=col.index)


def diff_test(
    a: np.ndarray,
    wa: np.ndarray,
    b: np.ndarray,
    wb: np.ndarray,
    unequal: bool,
    weighted: bool,
    freq: bool = False,
) -> tuple[float, float]:
    """Difference in means and the two-sided p-value of the two-sample t test."""
    if len(a) < 2 or len(b) < 2:
        return float("nan"), float("nan")
    if not weighted:
        res = sps.ttest_ind(a, b, equal_var=not unequal)
        return float(np.mean(a) - np.mean(b)), float(res.pvalue)
    if unequal:
        raise NotSupportedError("unequal=True (Welch) with weights is not supported")
    # WLS of x on a group indicator: analytic weights rescaled to sum to n (Stata's
    # aweights), frequency weights as counts (the t test on the expanded data)
    n = float(np.sum(wa) + np.sum(wb)) if freq else len(a) + len(b)
    if not freq:
        scale = n / (np.sum(wa) + np.sum(wb))
        wa, wb = wa * scale, wb * scale
    ma, mb = _mean(a, wa), _mean(b, wb)
    rss = np.sum(wa * (a - ma) ** 2) + np.sum(wb * (b - mb) ** 2)
    se = np.sqrt(rss / (n - 2) * (1 / np.sum(wa) + 1 / np.sum(wb)))
    t = (ma - mb) / se
    return float(ma - mb), float(2 * sps.t.sf(abs(t), n - 2))
