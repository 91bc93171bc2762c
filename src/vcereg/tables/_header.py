"""The header rows of a regression table: the dependent variables (one cell over each run
of models that share one), column groups (esttab's ``mgroups``), titles and model numbers."""

from __future__ import annotations

from collections.abc import Sequence

from ._protocol import ResultLike
from ._spec import Depvar, TableSpec
from .ir import Cell, Row, RowKind

__all__ = ["header_rows", "runs"]


def runs(texts: Sequence[str]) -> tuple[Cell, ...]:
    """One cell over each run of equal, non-empty neighbours.

    >>> [(c.text, c.span) for c in runs(["y", "y", "z", "", ""])]
    [('y', 2), ('', 0), ('z', 1), ('', 1), ('', 1)]
    """
    cells: list[Cell] = []
    j = 0
    while j < len(texts):
        k = j + 1
        while texts[j] and k < len(texts) and texts[k] == texts[j]:
            k += 1
        cells.append(Cell(core=texts[j], span=k - j))
        cells += [Cell(span=0)] * (k - j - 1)
        j = k
    return tuple(cells)


def _groups(spec: TableSpec, n: int) -> tuple[Cell, ...]:
    cells = [Cell() for _ in range(n)]
    for label, first, count in spec.groups:
        cells[first] = Cell(core=label, span=count)
        for j in range(first + 1, first + count):
            cells[j] = Cell(span=0)
    return tuple(cells)


def header_rows(results: Sequence[ResultLike], spec: TableSpec) -> tuple[Row, ...]:
    """Dependent variables (spanning, on top), groups, titles, ``(1) (2) ...``, and the
    dependent variables last when each model has its own cell."""
    n = len(results)
    depvars = [spec.rename(r.depvar) for r in results]
    depvar_row = None
    if spec.depvar is not Depvar.NONE and any(depvars):
        cells = runs(depvars) if spec.depvar is Depvar.SPAN else tuple(Cell(d) for d in depvars)
        depvar_row = Row("", cells, RowKind.HEADER, "depvar")
    rows: list[Row] = []
    if depvar_row is not None and spec.depvar is Depvar.SPAN:
        rows.append(depvar_row)
    if spec.groups:
        rows.append(Row("", _groups(spec, n), RowKind.HEADER, "groups", ruled=True))
    if spec.titles is not None:
        rows.append(Row("", tuple(Cell(t) for t in spec.titles), RowKind.HEADER, "titles"))
    if spec.model_numbers:
        numbers = tuple(Cell(core=f"({i})") for i in range(1, n + 1))
        rows.append(Row("", numbers, RowKind.HEADER, "numbers"))
    if depvar_row is not None and spec.depvar is Depvar.EACH:
        rows.append(depvar_row)
    return tuple(rows)
