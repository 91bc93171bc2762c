"""The rows under the coefficients: ``indicate`` rows and the user's ``add_rows`` (one
panel), then the footer statistics (another)."""

from __future__ import annotations

from collections.abc import Sequence

from ._protocol import ResultLike
from ._spec import TableSpec
from ._terms import indicated_terms
from .format import value_cell
from .ir import Cell, Panel, PanelKind, Row, RowKind
from .stats import resolve_statistic

__all__ = ["extra_panel", "statistics_panel"]


def _present(r: ResultLike, terms: Sequence[str]) -> bool:
    return any(t in r.terms and t not in r.omitted for t in terms)


def extra_panel(results: Sequence[ResultLike], spec: TableSpec) -> Panel:
    """``indicate`` rows (Yes where a model has any of the terms) and ``add_rows``."""
    rows: list[Row] = []
    found = indicated_terms(results, spec)
    for (label, terms), (_, _, yes, no) in zip(found, spec.indicate, strict=True):
        cells = tuple(Cell(yes if _present(r, terms) else no) for r in results)
        rows.append(Row(label, cells, RowKind.EXTRA, f"indicate:{label}"))
    for label, values in spec.add_rows:
        cells = tuple(value_cell(v, "auto", spec.digits.stats) for v in values)
        rows.append(Row(label, cells, RowKind.EXTRA, f"add:{label}"))
    return Panel(PanelKind.EXTRA, tuple(rows))


def statistics_panel(results: Sequence[ResultLike], spec: TableSpec) -> Panel:
    """One or more rows per requested statistic; decimals from ``stats=(name, label,
    digits)``, else ``digits={name: n}``, else the statistic's own or the table's."""
    rows: list[Row] = []
    for name, label, digits in spec.stats:
        stat = resolve_statistic(name)
        explicit = digits if digits is not None else spec.digits.per_stat.get(stat.name)
        for stat_row in stat.rows(results, label, spec.rename):
            fmt = stat_row.fmt
            if explicit is not None and (fmt == "decimal" or isinstance(fmt, int)):
                fmt = explicit
            cells = tuple(value_cell(v, fmt, spec.digits.stats) for v in stat_row.values)
            rows.append(Row(stat_row.label, cells, RowKind.STAT, stat_row.key))
    return Panel(PanelKind.STATISTICS, tuple(rows))
