"""Monospace rendering, like Stata's ``esttab`` screen output.

Numbers in a column line up on the decimal point (parentheses and stars hang around
them); text cells and headers are centred, a header over several columns is centred over
them and underlined. ``=`` rules close the table, ``-`` rules separate the header and the
panels; a stacked table's panel titles stand on their own lines. Notes are wrapped to the
table's width. LaTeX markup (:class:`~vcereg.tables.markup.Latex`) is shown as plain text;
minus signs stay ASCII hyphens, as in a terminal.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from .ir import Cell, Row, Table
from .markup import plain

__all__ = ["render_text"]

_GAP = "  "
_MIN_WIDTH = 8
_MIN_NOTE_WIDTH = 40


def split_cell(cell: Cell) -> tuple[str, str]:
    """Left and right of the decimal point, with what hangs on either side."""
    whole, dot, frac = cell.core.partition(".")
    return cell.prefix + whole, dot + frac + cell.suffix + cell.stars + cell.after


@dataclass(slots=True)
class _Column:
    left: int  # width of everything left of the decimal point
    right: int  # the point, decimals and suffix
    width: int

    def render(self, cell: Cell, *, header: bool = False) -> str:
        if header or not cell.numeric:
            return plain(cell.text).center(self.width)
        left, right = split_cell(cell)
        block = left.rjust(self.left) + right.ljust(self.right)
        pad = (self.width - len(block)) // 2
        return (" " * pad + block).ljust(self.width)


def _layout(table: Table) -> list[_Column]:
    columns = []
    for j in range(table.ncols):
        body = table.column(j)
        numeric = [split_cell(c) for c in body if c.numeric]
        left = max((len(a) for a, _ in numeric), default=0)
        right = max((len(b) for _, b in numeric), default=0)
        texts = [len(plain(c.text)) for c in body if not c.numeric]
        texts += [len(plain(row.cells[j].text)) for row in table.header if row.cells[j].span == 1]
        width = max(left + right, *texts, _MIN_WIDTH)
        columns.append(_Column(left, right, width))
    for row in table.header:  # a spanning header wider than its columns widens the last one
        for first, span, cell in row.groups():
            if span > 1:
                have = sum(c.width for c in columns[first : first + span]) + len(_GAP) * (span - 1)
                columns[first + span - 1].width += max(0, len(plain(cell.text)) - have)
    return columns


def _header_line(row: Row, columns: list[_Column], stub: int) -> tuple[str, str | None]:
    """The header row, and the rule under its spanning cells (None if it has none)."""
    parts, rule = [row.label.ljust(stub)], [" " * stub]
    for first, span, cell in row.groups():
        width = sum(c.width for c in columns[first : first + span]) + len(_GAP) * (span - 1)
        text = plain(cell.text)
        parts.append(text.center(width))
        rule.append(("-" * width) if row.rule_under(cell) else " " * width)
    line = _GAP.join(parts).rstrip()
    ruled = _GAP.join(rule).rstrip() if any(r.strip() for r in rule[1:]) else None
    return line, ruled


def _label(row: Row) -> str:
    return "  " * row.indent + plain(row.label)


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
    labels = [_label(row) for row in table.rows()]
    labels += [plain(p.title) for p in table.panels]
    stub = max((len(text) for text in labels), default=0)

    def line(row: Row) -> str:
        cells = [col.render(c) for col, c in zip(columns, row.cells, strict=True)]
        return _GAP.join([_label(row).ljust(stub), *cells]).rstrip()

    width = stub + sum(len(_GAP) + c.width for c in columns)
    thick, thin = "=" * width, "-" * width
    out: list[str] = []
    if table.caption:
        out += textwrap.wrap(plain(table.caption), width=max(width, _MIN_NOTE_WIDTH))
    out.append(thick)
    for row in table.header:
        text, rule = _header_line(row, columns, stub)
        out.append(text)
        if rule is not None:
            out.append(rule)
    for panel in table.panels:
        out.append(thin)
        if panel.title:
            out.append(plain(panel.title))
        out += [line(row) for row in panel.rows]
    out.append(thick)
    for note in table.notes:
        out += textwrap.wrap(plain(note), width=max(width, _MIN_NOTE_WIDTH), subsequent_indent="  ")
    return "\n".join(out) + "\n"
