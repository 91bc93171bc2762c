"""Building the regression-table IR from results: the coefficient panel, and the whole
table from its parts (header: :mod:`._header`, indicator/added/statistic rows:
:mod:`._footer`, notes: :mod:`._notes`). Numbers become strings through
:mod:`vcereg.tables.format` only."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import errors
from ._footer import extra_panel, statistics_panel
from ._header import header_rows
from ._notes import table_notes
from ._options import Below
from ._protocol import ResultLike
from ._spec import TableSpec
from ._terms import display_names, is_intercept, shown_terms, term_label
from .format import number_cell, stars_for
from .ir import Cell, Panel, PanelKind, Row, RowKind, Table

__all__ = ["TableSpec", "build_table"]


class _Scale:
    """Standardized coefficients: b and its standard error times sd(x)/sd(y) (t and p are
    those of b)."""

    def __init__(self, results: Sequence[ResultLike], spec: TableSpec) -> None:
        self.factors: list[pd.Series | None] = []
        for i, r in enumerate(results, 1):
            if not spec.beta:
                self.factors.append(None)
                continue
            beta = getattr(r, "beta", None)
            if not isinstance(beta, pd.Series):
                raise errors.RenderError(
                    f"beta=True: model ({i}) has no standardized coefficients",
                    hint="they are defined for linear regressions without absorbed effects",
                )
            with np.errstate(divide="ignore", invalid="ignore"):
                self.factors.append(beta / r.params)

    def __call__(self, i: int, term: str, x: float) -> float:
        factor = self.factors[i]
        return x if factor is None else float(x * factor.get(term, np.nan))


def _below_cell(
    r: ResultLike, ci: pd.DataFrame | None, term: str, spec: TableSpec, scale: float
) -> Cell:
    d = spec.digits
    if ci is not None:
        lower = number_cell(float(ci["lower"][term]) * scale, d.ci)
        upper = number_cell(float(ci["upper"][term]) * scale, d.ci)
        if not lower.core and not upper.core:
            return Cell()
        return Cell(core=f"{lower.core}, {upper.core}", prefix="[", suffix="]")
    if spec.below is Below.SE:
        return number_cell(r.se[term] * abs(scale), d.se, prefix="(", suffix=")")
    if spec.below is Below.T:
        return number_cell(r.tstat[term], d.t, prefix="(", suffix=")", width=10)
    return number_cell(r.pvalue[term], d.p, prefix="(", suffix=")")


def _coef_cells(
    i: int, r: ResultLike, ci: pd.DataFrame | None, term: str, spec: TableSpec, scale: _Scale
) -> tuple[Cell, Cell]:
    if term not in r.terms:
        return Cell(), Cell()
    if term in r.omitted:
        return (Cell.of("(omitted)") if spec.show_omitted else Cell()), Cell()
    factor = scale(i, term, 1.0)
    top = number_cell(r.params[term] * factor, spec.digits.b)
    if top.core:
        top = Cell(top.core, numeric=True, stars=stars_for(r.pvalue[term], spec.stars),
                   value=top.value, digits=top.digits)  # fmt: skip
    if spec.below is None:
        return top, Cell()
    below = _below_cell(r, ci, term, spec, factor)
    if spec.beside:
        if not top.core or not below.text:
            return top, Cell()
        return Cell(top.core, numeric=True, stars=top.stars, after=f" {below.text}",
                    value=top.value, digits=top.digits), Cell()  # fmt: skip
    return top, below


def _coefficient_panel(results: Sequence[ResultLike], spec: TableSpec) -> Panel:
    names = display_names(results)
    scale = _Scale(results, spec)
    cis = [r.conf_int(r.level) if spec.below is Below.CI else None for r in results]
    rows: list[Row] = []
    below_rows = spec.below is not None and not spec.beside
    for term in shown_terms(results, spec):
        if spec.beta and is_intercept(term, names):
            continue  # the constant has no standardized coefficient
        pairs = [
            _coef_cells(i, r, ci, term, spec, scale)
            for i, (r, ci) in enumerate(zip(results, cis, strict=True))
        ]
        rows.append(
            Row(term_label(term, names, spec), tuple(p[0] for p in pairs), RowKind.COEF, term)
        )
        if below_rows:
            rows.append(Row("", tuple(p[1] for p in pairs), RowKind.BELOW, term))
    return Panel(PanelKind.COEFFICIENTS, tuple(rows))


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
    coefficients = _coefficient_panel(results, spec)
    statistics = statistics_panel(results, spec)
    panels = (coefficients, extra_panel(results, spec), statistics)
    shown = [row.key for row in coefficients.rows if row.kind is RowKind.COEF]
    stat_keys = [row.key for row in statistics.rows]
    return Table.build(
        header_rows(results, spec),
        panels,
        ncols=len(results),
        notes=table_notes(results, spec, shown, stat_keys),
        caption=spec.caption,
        label=spec.label,
    )
