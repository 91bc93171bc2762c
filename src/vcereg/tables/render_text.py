"""Monospace rendering, like Stata's ``esttab`` screen output.

Numbers in a column line up on the decimal point (parentheses and stars hang around
them); text cells and headers are centred. ``=`` rules close the table, ``-`` rules
separate the header and the panels. Notes are wrapped to the table width.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from .ir import Cell, Row, Table

__all__ = ["render_text"]

_GAP = "  "
_MIN_WIDTH = 8


def _split(cell: Cell) -> tuple[str, str]:
    """Left and right of the decimal point, with prefix and suffix attached."""
    whole, dot, frac = cell.core.partition(".")
    return cell.prefix + whole, dot + frac + cell.suffix


@dataclass(frozen=True, slots=True)
class _Column:
    left: int  # width of everything left of the decimal point
    right: int  # the point, decimals and suffix
    width: int

    def render(self, cell: Cell, *, header: bool = False) -> str:
        if header or not cell.numeric:
            return cell.text.center(self.width)
        left, right = _split(cell)
        block = left.rjust(self.left) + right.ljust(self.right)
        pad = (self.width - len(block)) // 2
        return (" " * pad + block).ljust(self.width)


def _layout(table: Table) -> list[_Column]:
    columns = []
    for j in range(table.ncols):
        body = [row.cells[j] for panel in table.panels for row in panel.rows]
        numeric = [_split(c) for c in body if c.numeric]
        left = max((len(a) for a, _ in numeric), default=0)
        right = max((len(b) for _, b in numeric), default=0)
        texts = [len(c.text) for c in body if not c.numeric]
        texts += [len(row.cells[j].text) for row in table.header]
        width = max(left + right, *texts, _MIN_WIDTH)
        columns.append(_Column(left, right, width))
    return columns


def render_text(table: Table) -> str:
    """Render ``table`` as aligned plain text.

    Parameters
    ----------
    table
        The table IR.

    Returns
    -------
    str
        Lines joined by newlines, ending with a newline.
    """
    columns = _layout(table)
    stub = max((len(row.label) for row in table.rows()), default=0)

    def line(row: Row, *, header: bool = False) -> str:
        cells = [col.render(c, header=header) for col, c in zip(columns, row.cells, strict=True)]
        return _GAP.join([row.label.ljust(stub), *cells]).rstrip()

    width = stub + sum(len(_GAP) + c.width for c in columns)
    thick, thin = "=" * width, "-" * width
    out: list[str] = []
    if table.caption:
        out.append(table.caption)
    out.append(thick)
    out += [line(row, header=True) for row in table.header]
    for panel in table.panels:
        out.append(thin)
        out += [line(row) for row in panel.rows]
    out.append(thick)
    for note in table.notes:
        out += textwrap.wrap(note, width=max(width, 60), subsequent_indent="  ")
    return "\n".join(out) + "\n"
