"""Excel (.xlsx) tables through openpyxl (the optional extra ``vcereg[excel]``).

Numbers are stored as numbers, not text: a coefficient ``0.020***`` is the value 0.02 with
the display format ``0.000"***"``, a standard error ``(0.015)`` is 0.015 shown as
``"("0.000")"``, so a co-author can compute with the cells and the sheet still looks like
the table. The rules are the booktabs ones of the other formats; caption above, notes
below.
"""

from __future__ import annotations

import io
import re
from typing import Any

from ..errors import RenderError
from .ir import Cell, RowKind, Table

__all__ = ["excel_number", "render_xlsx"]

_NUMBER = re.compile(r"-?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?")


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:
        raise RenderError(
            "writing Excel files needs openpyxl, which is not installed",
            hint="pip install 'vcereg[excel]'  (or: pip install openpyxl)",
        ) from None
    return openpyxl


def _quoted(text: str) -> str:
    return f'"{text}"' if text else ""


def excel_number(cell: Cell) -> tuple[float, str] | None:
    """``(value, number format)`` of a numeric cell, or None for text.

    >>> excel_number(Cell("-0.020", suffix="**", numeric=True))
    (-0.02, '0.000"**";-0.000"**"')
    >>> excel_number(Cell("1,234", numeric=False))
    (1234.0, '#,##0;-#,##0')
    >>> excel_number(Cell("(omitted)")) is None
    True
    """
    m = _NUMBER.fullmatch(cell.core)
    if m is None:
        return None
    frac = m.group("frac") or ""
    body = ("#,##0" if "," in m.group("whole") else "0") + (f".{'0' * len(frac)}" if frac else "")
    pre, suf = _quoted(cell.prefix), _quoted(cell.suffix)
    # two sections so that the minus sign sits inside the parentheses: (-1.20)
    return float(cell.core.replace(",", "")), f"{pre}{body}{suf};{pre}-{body}{suf}"


def render_xlsx(table: Table, *, sheet: str = "Table") -> bytes:
    """Render ``table`` as an Excel workbook and return the file's bytes.

    Raises
    ------
    RenderError
        openpyxl is not installed.
    """
    openpyxl = _openpyxl()
    from openpyxl.styles import Alignment, Border, Font, Side

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet[:31]
    heavy, light = Side(style="medium"), Side(style="thin")
    r = 1
    if table.caption:
        ws.cell(row=r, column=1, value=table.caption).font = Font(bold=True)
        r += 2
    rows = list(table.rows())
    first_panel_rows = _panel_starts(table)
    col_widths = [max([len(row.label) for row in rows], default=8)] + [8] * table.ncols
    for i, row in enumerate(rows):
        header = row.kind is RowKind.HEADER
        top = heavy if i == 0 else light if i in first_panel_rows else None
        bottom = (
            light
            if header and i == len(table.header) - 1
            else heavy
            if i == len(rows) - 1
            else None
        )
        border = Border(top=top, bottom=bottom)
        label = ws.cell(row=r, column=1, value=row.label)
        label.border = border
        for j, cell in enumerate(row.cells, start=2):
            number = None if header else excel_number(cell)
            target = ws.cell(row=r, column=j)
            if number is None:
                target.value = cell.text
                target.alignment = Alignment(horizontal="center")
            else:
                target.value, target.number_format = number
                target.alignment = Alignment(horizontal="right")
            target.border = border
            col_widths[j - 1] = max(col_widths[j - 1], len(cell.text) + 2)
        r += 1
    r += 1
    for note in table.notes:
        ws.cell(row=r, column=1, value=note).font = Font(size=9)
        r += 1
    for j, width in enumerate(col_widths, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width = width + 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _panel_starts(table: Table) -> set[int]:
    """Row indices (in :meth:`Table.rows` order) where a panel after the first begins."""
    starts, i = set(), len(table.header)
    for k, panel in enumerate(table.panels):
        if k > 0:
            starts.add(i)
        i += len(panel.rows)
    return starts
