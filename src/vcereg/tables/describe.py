"""Descriptive statistics ("Table 1"), rendered like the regression tables.

:func:`describe` computes per-variable statistics, optionally by group, with a
difference-in-means column and its two-sample t-test p-value when there are two groups,
and returns an :class:`~vcereg.tables.ETable`, so that it prints, renders and saves in
every format :func:`~vcereg.tables.etable` knows (text, Markdown, LaTeX, HTML, Word,
Excel).

Conventions (Stata's): statistics use each variable's non-missing values; ``sd`` has the
``n - 1`` divisor. With weights, rows whose weight is zero are left out (as Stata's
``summarize`` and ``regress`` leave them out, and said in the notes); analytic weights are
rescaled to sum to the number of observations n, so ``sd`` is
``sqrt(sum w (x - mean)^2 / (n - 1))`` as in ``summarize [aw=w]`` (and ``sum`` is ``n``
times the weighted mean); frequency weights count observations, so N is ``sum w`` and
``sd`` is ``sqrt(sum w (x - mean)^2 / (sum w - 1))``, the statistics of the data with each
row repeated w times (``summarize [fw=w]``); the difference
is ``mean(first group) - mean(second group)`` with the p-value of ``ttest x, by(g)``
(pooled variance; ``unequal=True`` for Welch, as ``ttest ..., unequal``). Text and
categorical variables get one row per level holding the share of observations at that level.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..errors import DataError, MissingVariableError, NotSupportedError, RenderError, closest
from .etable import ETable, parse_format
from .format import fmt_count, fmt_fixed
from .ir import Cell, Panel, PanelKind, Row, RowKind, Table

__all__ = ["STATISTICS", "describe"]


@dataclass(frozen=True)
class _Stat:
    label: str
    compute: Callable[[np.ndarray, np.ndarray], float]
    count: bool = False
    weighted: bool = True  # defined with weights


# The statistics receive the weights as counts: ones without weights, analytic weights
# rescaled to sum to the number of observations, frequency weights as they are; so the
# number of observations is always sum(w).


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


STATISTICS: dict[str, _Stat] = {
    "mean": _Stat("Mean", _mean),
    "sd": _Stat("SD", lambda x, w: float(np.sqrt(_var(x, w)))),
    "var": _Stat("Variance", _var),
    "semean": _Stat("SE(mean)", lambda x, w: float(np.sqrt(_var(x, w) / _count(w)))),
    "min": _Stat("Min", lambda x, w: float(np.min(x)) if len(x) else float("nan")),
    "max": _Stat("Max", lambda x, w: float(np.max(x)) if len(x) else float("nan")),
    "range": _Stat("Range", lambda x, w: float(np.ptp(x)) if len(x) else float("nan")),
    "sum": _Stat("Sum", lambda x, w: float(np.sum(w * x)) if len(x) else 0.0),
    "n": _Stat("N", lambda x, w: _count(w) if len(x) else 0.0, count=True),
    "median": _Stat("Median", _quantile(0.5), weighted=False),
    "p25": _Stat("p25", _quantile(0.25), weighted=False),
    "p75": _Stat("p75", _quantile(0.75), weighted=False),
    "iqr": _Stat("IQR", lambda x, w: _quantile(0.75)(x, w) - _quantile(0.25)(x, w), weighted=False),
}
"""The statistics :func:`describe` knows, by Stata's ``tabstat`` names."""

_ALIASES = {"count": "n", "p50": "median", "se": "semean", "std": "sd", "sem": "semean"}


def _stat_names(stats: Sequence[str] | str) -> list[str]:
    names = [stats] if isinstance(stats, str) else list(stats)
    out = []
    for name in names:
        key = _ALIASES.get(str(name).lower(), str(name).lower())
        if key not in STATISTICS:
            near = closest(str(name), [*STATISTICS, *_ALIASES])
            raise RenderError(
                f"unknown statistic {name!r}; expected one of {', '.join(STATISTICS)}",
                hint=f"did you mean {near!r}?" if near else None,
            )
        out.append(key)
    if not out:
        raise RenderError("stats= needs at least one statistic")
    return out


def _column(data: pd.DataFrame, name: str, what: str) -> pd.Series:
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


def _numeric(col: pd.Series) -> pd.Series:
    """Numbers as float64 (NaN for missing), whatever the dtype (nullable, bool, int8...)."""
    if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object:
        raise TypeError
    if pd.api.types.is_string_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        raise TypeError
    return pd.Series(col.to_numpy(dtype="float64", na_value=np.nan), index=col.index)


def _rows_for(data: pd.DataFrame, name: str) -> list[tuple[str, str, pd.Series]]:
    """(key, label, float series) rows of a variable: itself, or a share per level."""
    col = _column(data, name, "variable")
    try:
        return [(name, name, _numeric(col))]
    except (TypeError, ValueError):
        pass
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        raise DataError(f"variable {name!r} is a date; describe numbers or categories")
    levels = col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else None
    levels = levels if levels is not None else pd.Index(sorted(col.dropna().unique(), key=str))
    missing = col.isna()
    return [
        (f"{name}={lev}", f"{name}: {lev}", (col == lev).astype(float).mask(missing))
        for lev in levels
    ]


def _diff_test(
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


def describe(
    data: pd.DataFrame,
    variables: Sequence[str] | str | None = None,
    *,
    by: str | None = None,
    stats: Sequence[str] | str = ("mean", "sd", "min", "max", "n"),
    weights: str | None = None,
    weight_type: str = "aweight",
    labels: Mapping[str, str] | None = None,
    diff: bool | None = None,
    unequal: bool = False,
    total: bool = False,
    digits: int = 2,
    caption: str | None = None,
    format: str | None = None,
    file: str | None = None,
) -> ETable:
    """A table of descriptive statistics, by group if asked ("Table 1").

    Parameters
    ----------
    data
        The data (never modified).
    variables
        Columns to describe (default: every numeric column). Text and categorical columns
        give one row per level with the share of observations at that level.
    by
        A grouping column: one block of statistics per group (sorted), missing groups left out.
    stats
        Statistics by Stata's ``tabstat`` names: ``mean``, ``sd``, ``var``, ``semean``,
        ``min``, ``max``, ``range``, ``sum``, ``n`` (``count``), ``median`` (``p50``),
        ``p25``, ``p75``, ``iqr``.
    weights
        A column of weights; rows with weight zero are left out. Quantiles are not weighted
        and are refused with weights.
    weight_type
        ``"aweight"`` (analytic, rescaled to sum to n; the default) or ``"fweight"``
        (frequency weights, whole numbers: N is their sum).
    labels
        ``{variable: label}`` for the row labels.
    diff
        With two groups, a "Difference" column (first group minus second) and its p-value
        from a two-sample t test. Default: on when ``by`` has exactly two groups.
    unequal
        Welch's unequal-variance t test instead of the pooled one.
    total
        With ``by``, also a block for all observations.
    digits
        Decimals of the statistics (counts are integers).
    caption, format, file
        As in :func:`~vcereg.tables.etable`.

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> t = vcereg.describe(d, ["G3", "absences"], by="school", stats=["mean", "n"])
    >>> [c.text for c in t.table.header[0].cells]
    ['GP', '', 'MS', '', 'Difference', 'p-value']
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"describe() needs a pandas DataFrame (got {type(data).__name__})")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 12:
        raise RenderError(f"digits= must be an integer from 0 to 12 (got {digits!r})")
    names = _stat_names(stats)
    if variables is None:
        variables = [str(c) for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
        variables = [v for v in variables if v not in (by, weights)]
    elif isinstance(variables, str):
        variables = [variables]
    if not variables:
        raise DataError("describe() found no variables to describe")
    w_all = np.ones(len(data))
    if weight_type not in ("aweight", "fweight"):
        raise RenderError(f"weight_type= must be 'aweight' or 'fweight' (got {weight_type!r})")
    freq = weights is not None and weight_type == "fweight"
    if weights is not None:
        unweighted = [s for s in names if not STATISTICS[s].weighted]
        if unweighted:
            raise NotSupportedError(
                f"{', '.join(unweighted)} with weights is not supported (weighted quantiles)"
            )
        w_all = _numeric(_column(data, weights, "weight variable")).to_numpy()
        known = w_all[~np.isnan(w_all)]
        if np.any(known < 0):
            raise DataError(f"weights {weights!r} has negative values")
        if freq and np.any(known != np.round(known)):
            raise DataError(f"frequency weights {weights!r} must be whole numbers")
    groups: list[tuple[str, np.ndarray]] = []
    if by is not None:
        g = _column(data, by, "by variable")
        for level in sorted(g.dropna().unique(), key=lambda v: (str(type(v)), v)):
            groups.append((str(level), (g == level).to_numpy(dtype=bool)))
        if not groups:
            raise DataError(f"by variable {by!r} has only missing values")
    if total or by is None:
        groups.append(("All" if by is not None else "", np.ones(len(data), dtype=bool)))
    two = by is not None and len(groups) - int(total) == 2
    if diff and not two:
        raise RenderError(f"diff=True needs exactly two groups in {by!r}")
    show_diff = two if diff is None else bool(diff)
    names_map = dict(labels or {})
    rows: list[Row] = []
    zero = 0  # rows left out for a zero weight (Stata's summarize and regress leave them out)
    for var in variables:
        for key, label, series in _rows_for(data, var):
            x_all = series.to_numpy()
            ok = ~np.isnan(x_all) & ~np.isnan(w_all)
            zero = max(zero, int(np.sum(ok & (w_all == 0))))
            ok &= w_all > 0
            cells: list[Cell] = []
            per_group = []
            for _, mask in groups:
                m = ok & mask
                x, w = x_all[m], w_all[m]
                per_group.append((x, w))
                counts = w if freq or not len(w) else w * (len(w) / np.sum(w))
                for s in names:
                    st = STATISTICS[s]
                    value = st.compute(x, counts) if len(x) or st.count else float("nan")
                    text = fmt_count(value) if st.count else fmt_fixed(value, digits)
                    cells.append(Cell.of(text))
            if show_diff:
                (a, wa), (b, wb) = per_group[0], per_group[1]
                d, p = _diff_test(a, wa, b, wb, unequal, weights is not None, freq)
                cells += [Cell.of(fmt_fixed(d, digits)), Cell.of(fmt_fixed(p, 3))]
            shown = names_map.get(key, names_map.get(var, label))
            rows.append(Row(shown, tuple(cells), RowKind.STAT, key))
    header: list[Row] = []
    group_names = [name for name, _ in groups]
    tail = ["Difference", "p-value"] if show_diff else []
    if by is not None:
        top = [n if i == 0 else "" for n in group_names for i, _ in enumerate(names)]
        header.append(Row("", tuple(Cell.of(t) for t in [*top, *tail]), RowKind.HEADER))
    stat_labels = [STATISTICS[s].label for s in names] * len(groups)
    header.append(
        Row("", tuple(Cell.of(t) for t in [*stat_labels, *([""] * len(tail))]), RowKind.HEADER)
    )
    notes = []
    if weights is not None:
        kind = "frequency" if freq else "analytic"
        notes.append(f"Weighted by {weights} ({kind} weights).")
        if zero:
            notes.append(f"{zero} row(s) with weight 0 left out, as Stata does.")
    if show_diff:
        test = "Welch's unequal-variance" if unequal else "pooled-variance two-sample"
        notes.append(
            f"Difference: {group_names[0]} minus {group_names[1]}; p-value of a {test} t test."
        )
    table = Table.build(
        tuple(header),
        (Panel(PanelKind.STATISTICS, tuple(rows)),),
        ncols=len(header[0].cells),
        notes=tuple(notes),
        caption=caption,
    )
    shown = parse_format(format) if format is not None else parse_format("text")
    out = ETable(table, format=shown)
    if file is not None:
        out.save(file, format)
    return out
