"""Descriptive statistics ("Table 1"), rendered like the regression tables.

:func:`describe` computes per-variable statistics (:mod:`.describe_stats`), optionally by
group, with a difference column and its two-sample test when there are two groups, and
returns an :class:`~vcereg.tables.ETable`, so that it prints, renders and saves in every
format :func:`~vcereg.tables.etable` knows. Categorical and text variables get a heading
row (the variable's label) and an indented row per level with the share of observations
at that level; dates are summarised as dates (mean, quantiles) and days (spreads).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError, NotSupportedError, RenderError
from ._options import choose_latex_env
from .describe_stats import STATISTICS, column, days, diff_test, is_date, numeric, stat_names
from .format import count_cell, date_cell, number_cell
from .ir import Cell, Panel, PanelKind, Row, RowKind, Table
from .markup import Latex, concat, latex_escape
from .output import ETable, OutputFormat, parse_format

__all__ = ["STATISTICS", "describe"]


@dataclass(frozen=True, slots=True)
class _Var:
    """One row's data: key, label, float values, a date?, a level (indented)?"""

    key: str
    label: str
    values: pd.Series | None  # None: the heading row of a categorical variable
    date: bool = False
    level: bool = False


def _rows_for(data: pd.DataFrame, name: str, labels: Mapping[str, str]) -> list[_Var]:
    col = column(data, name, "variable")
    label = labels.get(name, name)
    if is_date(col):
        return [_Var(name, label, days(col), date=True)]
    try:
        return [_Var(name, label, numeric(col))]
    except (TypeError, ValueError):
        pass
    levels = col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else None
    levels = levels if levels is not None else pd.Index(sorted(col.dropna().unique(), key=str))
    missing = col.isna()
    out = [_Var(name, label, None)]
    for lev in levels:
        key = f"{name}={lev}"
        share = (col == lev).astype(float).mask(missing)
        out.append(_Var(key, labels.get(key, str(lev)), share, level=True))
    return out


def _groups(
    data: pd.DataFrame,
    by: str | None,
    order: Sequence[object] | None,
    names: Mapping[object, str] | None,
    total: bool,
) -> list[tuple[str, np.ndarray]]:
    groups: list[tuple[str, np.ndarray]] = []
    if by is not None:
        g = column(data, by, "by variable")
        found = sorted(g.dropna().unique(), key=lambda v: (str(type(v)), v))
        if not found:
            raise DataError(f"by variable {by!r} has only missing values")
        if order is not None:
            unknown = [v for v in order if v not in set(found)]
            if unknown:
                raise RenderError(
                    f"by_order= {unknown!r} not among the values of {by!r}: {found!r}"
                )
            found = list(order)
        for level in found:
            label = (names or {}).get(level, str(level))
            groups.append((label, (g == level).to_numpy(dtype=bool)))
    if total or by is None:
        groups.append(("All" if by is not None else "", np.ones(len(data), dtype=bool)))
    return groups


def _digits(digits: int | Mapping[str, int], names: list[str]) -> dict[str, int]:
    if isinstance(digits, Mapping):
        unknown = [k for k in digits if k not in STATISTICS and k not in ("diff", "p")]
        if unknown:
            raise RenderError(f"digits= keys must be statistic names (got {unknown})")
        default = 2
        out = {s: digits.get(s, default) for s in [*names, "diff"]}
        out["p"] = digits.get("p", 3)
    else:
        if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 12:
            raise RenderError(f"digits= must be an integer from 0 to 12 (got {digits!r})")
        out = {s: digits for s in [*names, "diff"]}
        out["p"] = 3
    return out


def _stat_cell(name: str, x: np.ndarray, w: np.ndarray, var: _Var, decimals: int) -> Cell:
    st = STATISTICS[name]
    if name == "sum" and var.date:
        return Cell()
    value = st.compute(x, w) if len(x) or st.count else float("nan")
    if st.count:
        return count_cell(value)
    if var.date and st.location:
        return date_cell(value)
    return number_cell(value, decimals)


def _header(
    group_names: list[str], stat_labels: list[str], by: bool, show_diff: bool
) -> tuple[Row, ...]:
    k = len(stat_labels)
    tail = ["Difference", "p-value"] if show_diff else []
    rows = []
    if by:
        cells: list[Cell] = []
        for name in group_names:
            cells += [Cell(name, span=k), *[Cell(span=0)] * (k - 1)]
        cells += [Cell() for _ in tail]
        rows.append(Row("", tuple(cells), RowKind.HEADER, "groups", ruled=True))
    labels = [*stat_labels * len(group_names), *tail]
    rows.append(Row("", tuple(Cell(t) for t in labels), RowKind.HEADER, "stats"))
    return tuple(rows)


def describe(
    data: pd.DataFrame,
    variables: Sequence[str] | str | None = None,
    *,
    by: str | None = None,
    by_order: Sequence[object] | None = None,
    by_labels: Mapping[object, str] | None = None,
    stats: Sequence[str] | str = ("mean", "sd", "min", "max", "n"),
    weights: str | None = None,
    weight_type: str = "aweight",
    labels: Mapping[str, str] | None = None,
    diff: bool | None = None,
    unequal: bool = False,
    total: bool = False,
    digits: int | Mapping[str, int] = 2,
    caption: str | None = None,
    label: str | None = None,
    notes: str | Sequence[str] | None = None,
    escape: bool = True,
    latex_env: str | None = None,
    siunitx: bool = False,
    format: str | None = None,
    file: str | os.PathLike[str] | None = None,
) -> ETable:
    r"""A table of descriptive statistics, by group if asked ("Table 1").

    Parameters
    ----------
    data
        The data (never modified).
    variables
        Columns to describe (default: every numeric column). Text and categorical columns
        give a heading row and one indented row per level with the share of observations
        at that level; date columns give dates (mean, median, min, max, quantiles) and
        days (sd, range, iqr, the difference).
    by
        A grouping column: one block of statistics per group (missing groups left out).
    by_order, by_labels
        The groups' order (values of ``by``; the default is sorted) and their column
        headers: ``by="treat", by_order=[1, 0], by_labels={1: "Treated", 0: "Control"}``.
        The difference is the first group minus the second.
    stats
        Statistics by Stata's ``tabstat`` names: ``mean``, ``sd``, ``var``, ``semean``,
        ``min``, ``max``, ``range``, ``sum``, ``n`` (``count``), ``median`` (``p50``),
        ``p25``, ``p75``, ``iqr``.
    weights
        A column of weights; rows with weight zero are left out (as Stata). Quantiles are
        not weighted and are refused with weights.
    weight_type
        ``"aweight"`` (analytic, rescaled to sum to n; the default) or ``"fweight"``
        (frequency weights, whole numbers: N is their sum, as ``summarize [fw=w]``).
    labels
        ``{variable: label}`` for the rows, and ``{"variable=level": label}`` for the levels
        of a categorical variable.
    diff
        With two groups, a "Difference" column (first group minus second) and its p-value
        from a two-sample t test. Default: on when ``by`` has exactly two groups.
    unequal
        Welch's unequal-variance t test instead of the pooled one.
    total
        With ``by``, also a block for all observations.
    digits
        Decimals of the statistics, one number or ``{"mean": 2, "sd": 2, "diff": 3,
        "p": 3}`` (counts are integers; p-values have 3 by default).
    caption, label, notes, escape, latex_env, siunitx, format, file
        As in :func:`~vcereg.tables.etable`.

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> t = vcereg.describe(d, ["G3", "absences"], by="school", stats=["mean", "n"])
    >>> [(c.text, c.span) for c in t.table.header[0].cells]
    [('GP', 2), ('', 0), ('MS', 2), ('', 0), ('', 1), ('', 1)]
    """
    if not isinstance(data, pd.DataFrame):
        kind = f"{type(data).__module__}.{type(data).__name__}"
        hint = "call data.compute() to load it into pandas first" if "dask" in kind else None
        raise DataError(f"describe() needs a pandas DataFrame (got {kind})", hint=hint)
    names = stat_names(stats)
    decimals = _digits(digits, names)
    if not escape:  # the texts you give are LaTeX; the data's own names are not
        labels = {k: Latex(v) for k, v in (labels or {}).items()}
        by_labels = {k: Latex(v) for k, v in (by_labels or {}).items()}
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
        w_all = numeric(column(data, weights, "weight variable")).to_numpy()
        known = w_all[~np.isnan(w_all)]
        if np.any(known < 0):
            raise DataError(f"weights {weights!r} has negative values")
        if freq and np.any(known != np.round(known)):
            raise DataError(f"frequency weights {weights!r} must be whole numbers")
    groups = _groups(data, by, by_order, by_labels, total)
    two = by is not None and len(groups) - int(total) == 2
    if diff and not two:
        raise RenderError(f"diff=True needs exactly two groups in {by!r}")
    show_diff = two if diff is None else bool(diff)
    rows: list[Row] = []
    any_date = False
    for name in variables:
        for var in _rows_for(data, name, dict(labels or {})):
            any_date |= var.date
            rows.append(
                _row(var, groups, names, decimals, w_all, show_diff, unequal, weights, freq)
            )
    group_names = [n for n, _ in groups]
    header = _header(group_names, [STATISTICS[s].label for s in names], by is not None, show_diff)
    shown_weights = dict(labels or {}).get(weights, weights) if weights else None
    table_notes = _notes(shown_weights, show_diff, unequal, group_names, any_date, freq)
    zero = int(np.sum(w_all == 0))  # left out, as Stata's summarize and regress leave them
    if weights is not None and zero:
        table_notes.insert(1, f"{zero} row(s) with weight 0 left out, as Stata does.")
    extra = [notes] if isinstance(notes, str) else list(notes or [])
    table_notes += extra
    if not escape:
        table_notes = [n if isinstance(n, Latex) else Latex(latex_escape(n)) for n in table_notes]
        table_notes[len(table_notes) - len(extra) :] = [Latex(n) for n in extra]
        caption = Latex(caption) if caption else caption
    table = Table.build(
        header,
        (Panel(PanelKind.STATISTICS, tuple(rows)),),
        ncols=len(header[-1].cells),
        notes=tuple(table_notes),
        caption=caption,
        label=label,
    )
    env = choose_latex_env(latex_env, caption, label)
    shown = parse_format(format) if format is not None else OutputFormat.TEXT
    out = ETable(table, env, siunitx, shown)
    if file is not None:
        out.save(file, format)
    return out


def _row(
    var: _Var,
    groups: list[tuple[str, np.ndarray]],
    names: list[str],
    decimals: Mapping[str, int],
    w_all: np.ndarray,
    show_diff: bool,
    unequal: bool,
    weights: str | None,
    freq: bool = False,
) -> Row:
    n_cols = len(groups) * len(names) + 2 * show_diff
    if var.values is None:  # the heading of a categorical variable
        return Row(var.label, tuple(Cell() for _ in range(n_cols)), RowKind.VALUE, var.key)
    x_all = var.values.to_numpy()
    ok = ~np.isnan(x_all) & ~np.isnan(w_all) & (w_all > 0)  # zero weights: left out
    cells: list[Cell] = []
    per_group = []
    for _, mask in groups:
        m = ok & mask
        x, w = x_all[m], w_all[m]
        per_group.append((x, w))
        counts = w if freq or not len(w) else w * (len(w) / np.sum(w))  # see describe_stats
        cells += [_stat_cell(s, x, counts, var, decimals[s]) for s in names]
    if show_diff:
        (a, wa), (b, wb) = per_group[0], per_group[1]
        d, p = diff_test(a, wa, b, wb, unequal, weights is not None, freq)
        cells += [number_cell(d, decimals["diff"]), number_cell(p, decimals["p"])]
    return Row(var.label, tuple(cells), RowKind.VALUE, var.key, indent=int(var.level))


def _notes(
    weights: str | None,
    show_diff: bool,
    unequal: bool,
    groups: list[str],
    dates: bool,
    freq: bool = False,
) -> list[str]:
    notes = []
    if weights is not None:
        kind = "frequency" if freq else "analytic"
        notes.append(concat("Weighted by ", weights, f" ({kind} weights)."))
    if show_diff:
        test = "Welch's unequal-variance" if unequal else "pooled-variance two-sample"
        notes.append(
            concat(
                "Difference: ", groups[0], " minus ", groups[1], f"; p-value of a {test} t test."
            )
        )
    if dates:
        notes.append(
            "Dates: means, quantiles, minima and maxima are dates; SDs, ranges and "
            "differences are in days."
        )
    return notes
