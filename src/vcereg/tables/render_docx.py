"""Word (.docx) tables through python-docx (the optional extra ``vcereg[word]``).

The table follows the booktabs look of the LaTeX output: a heavy rule above the header,
a light rule under it, light rules between panels and a heavy rule at the bottom; no
vertical lines. Numbers are centred and padded with figure spaces so that a column of
coefficients lines up on the point, with parentheses and stars hanging around it. The
caption goes above the table and the notes below it, in a smaller font.
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import RenderError
from .ir import Cell, RowKind, Table

__all__ = ["render_docx"]

_HEAVY, _LIGHT = 12, 6  # border widths in eighths of a point (1.5 pt and 0.75 pt)
_FONT_PT, _NOTE_PT = 10, 8
_FIGURE = "\u2007"  # figure space: the width of a digit


def _docx() -> Any:
    try:
        import docx
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt
    except ImportError:
        raise RenderError(
            "writing Word files needs python-docx, which is not installed",
            hint="pip install 'vcereg[word]'  (or: pip install python-docx)",
        ) from None
    return docx, WD_TABLE_ALIGNMENT, WD_ALIGN_PARAGRAPH, OxmlElement, qn, Pt


def _border(cell: Any, edge: str, size: int, OxmlElement: Any, qn: Any) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), "0")
    line.set(qn("w:color"), "000000")
    borders.append(line)


def _rules(table: Table) -> dict[int, tuple[int | None, int | None]]:
    """Row index → (top rule, bottom rule) widths."""
    rules: dict[int, tuple[int | None, int | None]] = {}
    n_header = len(table.header)
    rules[0] = (_HEAVY, None)
    if n_header:
        rules[n_header - 1] = (rules.get(n_header - 1, (None, None))[0], _LIGHT)
    i = n_header
    for k, panel in enumerate(table.panels):
        if k > 0:
            rules[i] = (_LIGHT, rules.get(i, (None, None))[1])
        i += len(panel.rows)
    last = i - 1
    rules[last] = (rules.get(last, (None, None))[0], _HEAVY)
    return rules


def render_docx(table: Table, *, title: str | None = None) -> bytes:
    """Render ``table`` as a Word document and return the file's bytes.

    Parameters
    ----------
    table
        The table IR.
    title
        Caption above the table (default: the table's caption).

    Raises
    ------
    RenderError
        python-docx is not installed.
    """
    docx, TABLE_ALIGN, ALIGN, OxmlElement, qn, Pt = _docx()
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(_FONT_PT)
    caption = title or table.caption
    if caption:
        para = document.add_paragraph()
        para.add_run(caption).bold = True
    rows = list(table.rows())
    grid = document.add_table(rows=len(rows), cols=table.ncols + 1)
    grid.alignment = TABLE_ALIGN.CENTER
    rules = _rules(table)
    widths = _decimal_widths(table)
    for i, row in enumerate(rows):
        header = row.kind is RowKind.HEADER
        cells = grid.rows[i].cells
        _write(cells[0], row.label, ALIGN.LEFT, Pt)
        for j, cell in enumerate(row.cells, start=1):
            if cell.numeric and not header:
                _write_number(cells[j], cell, widths[j - 1], ALIGN, Pt)
            else:
                _write(cells[j], cell.text, ALIGN.CENTER, Pt)
        top, bottom = rules.get(i, (None, None))
        for c in cells:
            if top:
                _border(c, "top", top, OxmlElement, qn)
            if bottom:
                _border(c, "bottom", bottom, OxmlElement, qn)
    for note in table.notes:
        para = document.add_paragraph()
        para.paragraph_format.space_after = Pt(0)
        para.add_run(note).font.size = Pt(_NOTE_PT)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _write(cell: Any, text: str, align: Any, Pt: Any) -> None:
    para = cell.paragraphs[0]
    para.alignment = align
    para.paragraph_format.space_after = Pt(0)
    para.add_run(text)


def _decimal_widths(table: Table) -> list[tuple[int, int]]:
    """Characters left and right of the decimal point, per column."""
    out = []
    for j in range(table.ncols):
        body = [row.cells[j] for panel in table.panels for row in panel.rows]
        parts = [_split(c) for c in body if c.numeric]
        out.append((max((len(a) for a, _ in parts), default=0),
                    max((len(b) for _, b in parts), default=0)))  # fmt: skip
    return out


def _split(cell: Cell) -> tuple[str, str]:
    whole, dot, frac = cell.core.partition(".")
    return cell.prefix + whole, dot + frac + cell.suffix


def _write_number(cell: Any, value: Cell, widths: tuple[int, int], ALIGN: Any, Pt: Any) -> None:
    """Centred, padded with figure spaces (as wide as a digit) so that the decimal points
    of a column line up; Word's and LibreOffice's decimal tab stops do not agree in cells."""
    left, right = _split(value)
    text = _FIGURE * (widths[0] - len(left)) + left + right + _FIGURE * (widths[1] - len(right))
    _write(cell, text, ALIGN.CENTER, Pt)
