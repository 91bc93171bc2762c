"""Excel (.xlsx) tables through openpyxl (the optional extra ``vcereg[excel]``).

Numbers are stored unrounded, as the model computed them, and rounded only by their
display format: a coefficient ``0.020***`` is the value 0.0201387... shown with
``0.000"***"``, a standard error ``(0.015)`` is 0.01512... shown with ``"("0.000")"``,
so a co-author can compute with the cells (a t from two cells is the model's t) and the
sheet still looks like the table. Minus signs are U+2212 (a negative section of the
format). Coefficients and standard errors line up on the decimal point: each format pads
to the column's widest stars and parenthesis with Excel's ``_`` spacing codes.

The rules are the booktabs ones of the other formats; headers over several models are
merged cells with a rule under them; caption above and notes below span the table and
wrap at its width, in the typeface of the body. The sheet prints on one page width
(landscape when the table is wide), header rows repeated, without gridlines.
"""

from __future__ import annotations

import io
import math
from typing import Any

from ..errors import RenderError
from ._metrics import TIMES, text_width
from .format import typeset_minus
from .ir import Cell, Row, RowKind, Table
from .markup import plain

__all__ = ["excel_format", "render_xlsx"]

_SIZE, _NOTE_SIZE = 11.0, 10.0
_ALIGNED = (RowKind.COEF, RowKind.BELOW, RowKind.VALUE)
_LANDSCAPE_FROM = 100.0  # column-width units above which the page is turned


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
    return '"' + text.replace('"', '""') + '"' if text else ""


def excel_format(cell: Cell, stars: int = 0, tail: int = 0) -> str | None:
    """The number format of a cell that holds a number (None for text): decimals,
    thousands separators, parentheses, stars and text after as literals, then padding to
    ``stars`` stars and ``tail`` closing parentheses so that a column lines up.

    >>> excel_format(Cell("-0.020", numeric=True, stars="**", value=-0.02, digits=3), 3, 1)
    '0.000"**"_)_*;"−"0.000"**"_)_*'
    >>> excel_format(Cell("0.015", "(", ")", True, value=0.015, digits=3), 3, 1)
    '"("0.000")"_*_*_*;"(""−"0.000")"_*_*_*'
    >>> excel_format(Cell("1,234", numeric=True, value=1234.0, digits=0, thousands=True))
    '#,##0;"−"#,##0'
    """
    if not cell.numeric or cell.value is None:
        return None
    if cell.digits is None:
        body = "0.00E+00"
    else:
        body = ("#,##0" if cell.thousands else "0") + (
            "." + "0" * cell.digits if cell.digits else ""
        )
    pad = "_)" * (tail - len(cell.suffix)) + "_*" * (stars - len(cell.stars))
    pre = _quoted(cell.prefix)
    post = _quoted(cell.suffix + cell.stars + typeset_minus(cell.after)) + pad
    # a negative number that rounds to zero shows no sign, as in the other formats
    minus = _quoted(chr(0x2212)) if not (cell.value < 0 and "-" not in cell.core) else ""
    return f"{pre}{body}{post};{pre}{minus}{body}{post}"


def _shape(table: Table, j: int) -> tuple[int, int]:
    """Most stars and closing parentheses among the aligned numbers of column ``j``."""
    cells = [r.cells[j] for r in table.body() if r.kind in _ALIGNED and r.cells[j].numeric]
    return max((len(c.stars) for c in cells), default=0), max(
        (len(c.suffix) for c in cells), default=0
    )


class _Sheet:
    """openpyxl calls, kept in one place."""

    def __init__(self, table: Table, sheet: str, font: str) -> None:
        self.px = _openpyxl()
        styles = self.px.styles
        self.Alignment, self.Border, self.Font, self.Side = (
            styles.Alignment, styles.Border, styles.Font, styles.Side,
        )  # fmt: skip
        self.book = self.px.Workbook()
        self.ws = self.book.active
        self.ws.title = sheet[:31]
        self.table = table
        self.last = table.ncols + 1
        self.font_name = font
        self.zero = text_width("0", _SIZE, font)  # Excel's width unit: the width of "0"

    def font(self, *, size: float = _SIZE, **kw: Any) -> Any:
        return self.Font(name=self.font_name, size=size, **kw)

    def merged_text(self, r: int, text: str, *, size: float, bold: bool = False) -> None:
        """A paragraph over the table's width, wrapped, with a row height to show it."""
        self.ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=self.last)
        cell = self.ws.cell(row=r, column=1, value=text)
        cell.font = self.font(size=size, bold=bold)
        cell.alignment = self.Alignment(wrap_text=True, vertical="top", horizontal="left")
        width = sum(self.widths) * self.zero
        lines = max(1, math.ceil(text_width(text, size, self.font_name) * 1.05 / max(width, 1.0)))
        self.ws.row_dimensions[r].height = lines * size * 1.3

    def rule(self, r: int, first: int, last: int, *, top: Any = None, bottom: Any = None) -> None:
        for c in range(first, last + 1):
            cell = self.ws.cell(row=r, column=c)
            old = cell.border
            cell.border = self.Border(top=top or old.top, bottom=bottom or old.bottom)

    @property
    def widths(self) -> list[float]:
        return self._widths

    def size_columns(self, rows: list[Row]) -> None:
        labels = [plain(r.label) for r in rows]
        size, font, zero = _SIZE, self.font_name, self.zero
        widths = [max((text_width(t, size, font) for t in labels), default=0.0) / zero + 2]
        for j in range(self.table.ncols):
            texts = [plain(r.cells[j].text) + "  " for r in rows if r.cells[j].span == 1]
            widths.append(max((text_width(t, size, font) for t in texts), default=0.0) / zero + 2)
        self._widths = widths
        letter = self.px.utils.get_column_letter
        for j, width in enumerate(widths, start=1):
            self.ws.column_dimensions[letter(j)].width = width


def render_xlsx(table: Table, *, sheet: str = "Table", font: str = TIMES) -> bytes:
    """Render ``table`` as an Excel workbook and return the file's bytes (every cell, title
    and notes included, in ``font``).

    Raises
    ------
    RenderError
        openpyxl is not installed.
    """
    s = _Sheet(table, sheet, font)
    ws = s.ws
    heavy, light = s.Side(style="medium"), s.Side(style="thin")
    rows = list(table.rows())
    s.size_columns(rows)
    r = 1
    if table.caption:
        s.merged_text(r, plain(table.caption), size=_SIZE, bold=True)
        r += 1
    first_row = r
    shapes = [_shape(table, j) for j in range(table.ncols)]
    for row in table.header:
        _write_row(s, r, row, shapes, light)
        r += 1
    s.rule(first_row, 1, s.last, top=heavy)
    s.rule(r - 1, 1, s.last, bottom=light)
    header_end = r - 1
    for k, panel in enumerate(table.panels):
        if k > 0:
            s.rule(r, 1, s.last, top=light)
        if panel.title:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=s.last)
            cell = ws.cell(row=r, column=1, value=plain(panel.title))
            cell.font = s.font(italic=True)
            r += 1
        for row in panel.rows:
            _write_row(s, r, row, shapes, light)
            r += 1
    s.rule(r - 1, 1, s.last, bottom=heavy)
    for note in table.notes:
        s.merged_text(r, plain(note), size=_NOTE_SIZE)
        r += 1
    _page_setup(s, first_row, header_end, r - 1)
    buffer = io.BytesIO()
    s.book.save(buffer)
    return buffer.getvalue()


def _write_row(s: _Sheet, r: int, row: Row, shapes: list[tuple[int, int]], light: Any) -> None:
    label = s.ws.cell(row=r, column=1, value=plain(row.label))
    label.font = s.font()
    if row.indent:
        label.alignment = s.Alignment(indent=row.indent)
    for first, span, cell in row.groups():
        col = first + 2
        target = s.ws.cell(row=r, column=col)
        target.font = s.font()
        aligned = row.kind in _ALIGNED
        fmt = excel_format(cell, *(shapes[first] if aligned else (0, 0)))
        fmt = None if row.kind is RowKind.HEADER else fmt
        if fmt is None:
            text = plain(cell.text)
            target.value = typeset_minus(text) if cell.numeric else text
            target.alignment = s.Alignment(horizontal="center")
        else:
            target.value, target.number_format = cell.value, fmt
            target.alignment = (
                s.Alignment(horizontal="right", indent=1)
                if aligned
                else s.Alignment(horizontal="center")
            )
        if span > 1:
            s.ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + span - 1)
        if row.rule_under(cell):
            s.rule(r, col, col + span - 1, bottom=light)


def _page_setup(s: _Sheet, first: int, header_end: int, last: int) -> None:
    ws = s.ws
    ws.sheet_view.showGridLines = False
    letter = s.px.utils.get_column_letter(s.last)
    ws.print_area = f"A1:{letter}{last}"
    if header_end >= first:
        ws.print_title_rows = f"{first}:{header_end}"
    setup = ws.page_setup
    setup.orientation = "landscape" if sum(s.widths) > _LANDSCAPE_FROM else "portrait"
    setup.paperSize = ws.PAPERSIZE_LETTER
    setup.fitToWidth, setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    margins = ws.page_margins
    margins.left = margins.right = 0.7
    margins.top = margins.bottom = 0.75
