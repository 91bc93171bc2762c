"""Building the regression-table IR from results (numbers become strings here, through
:mod:`vcereg.tables.format`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from .. import errors
from ._options import Below, select_terms
from ._protocol import ResultLike
from .format import (
    MISSING,
    StarSpec,
    fmt_fixed,
    fmt_level,
    fmt_threshold,
    fmt_value,
    stars_for,
)
from .ir import Cell, Panel, PanelKind, Row, RowKind, Table
from .stats import StatValue, resolve_statistic

__all__ = ["TableSpec", "build_table"]

_INTERCEPTS = ("Intercept", "(Intercept)", "const", "_cons")


@dataclass(frozen=True, slots=True)
class TableSpec:
    """``etable`` options after validation (see :func:`vcereg.tables.etable`)."""

    titles: tuple[str, ...] | None
    model_numbers: bool
    stars: StarSpec
    below: Below | None
    digits: int
    keep: tuple[str, ...] | None
    drop: tuple[str, ...] | None
    order: tuple[str, ...] | None
    labels: Mapping[str, str]
    stats: tuple[tuple[str, str | None], ...]
    add_rows: tuple[tuple[str, tuple[StatValue, ...]], ...]
    show_omitted: bool
    intercept_last: bool
    intercept_label: str
    notes: bool
    extra_notes: tuple[str, ...]
    caption: str | None
    label: str | None


def _display_names(results: Sequence[ResultLike]) -> dict[str, str]:
    names: dict[str, str] = {}
    for r in results:
        for term, name in r.display_names.items():
            names.setdefault(term, name)
    return names


def _is_intercept(term: str, names: Mapping[str, str]) -> bool:
    return term in _INTERCEPTS or names.get(term) == "_cons"


def _term_label(term: str, names: Mapping[str, str], spec: TableSpec) -> str:
    shown = names.get(term, term)
    if term in spec.labels:
        return spec.labels[term]
    if shown in spec.labels:
        return spec.labels[shown]
    return spec.intercept_label if _is_intercept(term, names) else shown


def _below_cell(r: ResultLike, ci: pd.DataFrame | None, term: str, spec: TableSpec) -> Cell:
    if ci is not None:
        lower = fmt_fixed(ci.at[term, "lower"], spec.digits)
        upper = fmt_fixed(ci.at[term, "upper"], spec.digits)
        if lower == upper == MISSING:
            return Cell.of(MISSING)
        return Cell(core=f"{lower}, {upper}", prefix="[", suffix="]")
    if spec.below is Below.SE:
        text = fmt_fixed(r.se[term], spec.digits)
    elif spec.below is Below.T:
        text = fmt_fixed(r.tstat[term], 2, width=10)  # Stata and esttab: two decimals
    else:
        text = fmt_fixed(r.pvalue[term], 3)
    return Cell(core=text, prefix="(", suffix=")", numeric=text != MISSING)


def _coef_cells(
    r: ResultLike, ci: pd.DataFrame | None, term: str, spec: TableSpec
) -> tuple[Cell, Cell]:
    if term not in r.terms:
        return Cell(), Cell()
    if term in r.omitted:
        return (Cell.of("(omitted)") if spec.show_omitted else Cell()), Cell()
    estimate = fmt_fixed(r.params[term], spec.digits)
    stars = stars_for(r.pvalue[term], spec.stars) if estimate != MISSING else ""
    top = Cell(core=estimate, suffix=stars, numeric=estimate != MISSING)
    if spec.below is None:
        return top, Cell()
    return top, _below_cell(r, ci, term, spec)


def _coefficient_panel(results: Sequence[ResultLike], spec: TableSpec) -> Panel:
    names = _display_names(results)
    union = list(dict.fromkeys(t for r in results for t in r.terms))
    shown = [
        t
        for t in union
        if any(t in r.terms and (spec.show_omitted or t not in r.omitted) for r in results)
    ]
    terms = select_terms(
        shown,
        names,
        keep=spec.keep,
        drop=spec.drop,
        order=spec.order,
        intercepts=[t for t in shown if _is_intercept(t, names)],
        intercept_last=spec.intercept_last,
    )
    cis = [r.conf_int(r.level) if spec.below is Below.CI else None for r in results]
    rows: list[Row] = []
    for term in terms:
        pairs = [_coef_cells(r, ci, term, spec) for r, ci in zip(results, cis, strict=True)]
        label = _term_label(term, names, spec)
        rows.append(Row(label, tuple(p[0] for p in pairs), RowKind.COEF, term))
        if spec.below is not None:
            rows.append(Row("", tuple(p[1] for p in pairs), RowKind.BELOW, term))
    return Panel(PanelKind.COEFFICIENTS, tuple(rows))


def _statistics_panel(results: Sequence[ResultLike], spec: TableSpec) -> Panel:
    rows: list[Row] = []
    for name, label in spec.stats:
        stat = resolve_statistic(name)
        for stat_row in stat.rows(results, label, lambda v: spec.labels.get(v, v)):
            cells = tuple(Cell.of(fmt_value(v, stat_row.fmt, spec.digits)) for v in stat_row.values)
            rows.append(Row(stat_row.label, cells, RowKind.STAT, stat_row.key))
    return Panel(PanelKind.STATISTICS, tuple(rows))


def _extra_panel(spec: TableSpec) -> Panel:
    rows = tuple(
        Row(label, tuple(Cell.of(fmt_value(v, "auto", spec.digits)) for v in values), RowKind.EXTRA)
        for label, values in spec.add_rows
    )
    return Panel(PanelKind.EXTRA, rows)


def _header(results: Sequence[ResultLike], spec: TableSpec) -> tuple[Row, ...]:
    rows: list[Row] = []
    if spec.titles is not None:
        rows.append(Row("", tuple(Cell.of(t) for t in spec.titles), RowKind.HEADER, "titles"))
    if spec.model_numbers:
        numbers = tuple(Cell(core=f"({i})") for i in range(1, len(results) + 1))
        rows.append(Row("", numbers, RowKind.HEADER, "numbers"))
    depvars = tuple(Cell(core=spec.labels.get(r.depvar, r.depvar)) for r in results)
    rows.append(Row("", depvars, RowKind.HEADER, "depvar"))
    return tuple(rows)


def _below_note(results: Sequence[ResultLike], spec: TableSpec) -> str | None:
    vce_labels = list(dict.fromkeys(r.vce_label for r in results))
    uniform = len(vce_labels) == 1
    if spec.below is Below.SE:
        if uniform:
            return f"{vce_labels[0]} standard errors in parentheses"
        phrase = "Standard errors in parentheses"
    elif spec.below is Below.T:
        normal = all(r.df_inference is None for r in results)
        phrase = f"{'z' if normal else 't'} statistics in parentheses"
    elif spec.below is Below.P:
        phrase = "p-values in parentheses"
    elif spec.below is Below.CI:
        levels = list(dict.fromkeys(fmt_level(r.level) for r in results))
        phrase = f"{'/'.join(levels)}% confidence intervals in brackets"
    else:
        return None
    if uniform and spec.below is not Below.SE:
        return f"{phrase}, from {vce_labels[0]} standard errors"
    if not uniform and all(name != "vce" for name, _ in spec.stats):
        kinds = ", ".join(f"({i}) {r.vce_label}" for i, r in enumerate(results, 1))
        return f"{phrase}; standard errors: {kinds}"
    return phrase


def _notes(results: Sequence[ResultLike], spec: TableSpec) -> tuple[str, ...]:
    notes: list[str] = []
    if spec.notes:
        parts = [_below_note(results, spec)]
        if spec.stars:
            parts.append(", ".join(f"{s} p<{fmt_threshold(t)}" for s, t in spec.stars))
        line = "; ".join(p for p in parts if p)
        if line:
            notes.append(line)
        # a note shared by several models is printed once, naming them: "(1, 3) ..."
        owners: dict[str, list[int]] = {}
        for i, r in enumerate(results, 1):
            for n in r.notes:
                owners.setdefault(n, []).append(i)
        multi = len(results) > 1
        for n, models in owners.items():
            everyone = len(models) == len(results)
            tag = "" if not multi or everyone else f"({', '.join(map(str, models))}) "
            notes.append(tag + n)
    return tuple(dict.fromkeys([*notes, *spec.extra_notes]))


def build_table(results: Sequence[ResultLike], spec: TableSpec) -> Table:
    """The regression table for ``results`` under the validated options ``spec``."""
    if spec.titles is not None and len(spec.titles) != len(results):
        raise errors.RenderError(
            f"titles= has {len(spec.titles)} entries for {len(results)} models"
        )
    for label, values in spec.add_rows:
        if len(values) != len(results):
            raise errors.RenderError(
                f"add_rows row {label!r} has {len(values)} values for {len(results)} models"
            )
    panels = (
        _coefficient_panel(results, spec),
        _extra_panel(spec),
        _statistics_panel(results, spec),
    )
    return Table.build(
        _header(results, spec),
        panels,
        ncols=len(results),
        notes=_notes(results, spec),
        caption=spec.caption,
        label=spec.label,
    )
