"""Comma-separated values, like ``esttab using table.csv``: one line per table row (the
stub first), then the caption above and the notes below, each in the first column.

Cells are written as displayed (``0.123***``, ``(0.045)``) by :mod:`csv`, which quotes
what needs quoting; ``excel=True`` wraps every non-empty cell as ``="..."``, as esttab
does by default, so that spreadsheet programs keep ``(0.045)`` and leading zeros as text.
"""

from __future__ import annotations

import csv
import io

from .ir import Table

__all__ = ["render_csv"]


def render_csv(table: Table, *, excel: bool = False) -> str:
    """Render ``table`` as CSV text.

    >>> from vcereg.tables.ir import Cell, Panel, PanelKind, Row, RowKind, Table
    >>> t = Table.build((Row("", (Cell.of("(1)"),), RowKind.HEADER),),
    ...     (Panel(PanelKind.COEFFICIENTS, (Row("x", (Cell.of("0.5"),), RowKind.COEF),)),),
    ...     ncols=1, notes=("a note",))
    >>> print(render_csv(t), end="")
    ,(1)
    x,0.5
    a note
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def cell(text: str) -> str:
        return f'="{text}"' if excel and text else text

    if table.caption:
        writer.writerow([table.caption])
    for row in table.header:  # a cell spanning columns sits in its first one
        writer.writerow([row.label, *(cell(c.text) for c in row.cells)])
    for panel in table.panels:
        if panel.title:
            writer.writerow([panel.title])
        for row in panel.rows:
            writer.writerow([row.label, *(cell(c.text) for c in row.cells)])
    for note in table.notes:
        writer.writerow([note])
    return out.getvalue()
