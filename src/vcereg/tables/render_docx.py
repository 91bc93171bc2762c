"""Word (.docx) tables through python-docx (the optional extra ``vcereg[word]``).

The table follows the booktabs look of the LaTeX output: a heavy rule above the header, a
light rule under it and under headers that span several models, light rules between
panels and a heavy rule at the bottom; no vertical lines.

Layout, so that Word and LibreOffice show the same table:

* every column is as wide as its widest text (measured, see :mod:`._metrics`) and cells do
  not wrap; the table is centred, and set in a smaller font, or on a landscape page, when
  it would not fit the page's text width;
* numbers line up on the decimal point: each part of a number is padded with spaces as
  wide as the characters it lacks; stars are superscript; minus signs are U+2212 and stay
  with their number;
* header rows repeat at the top of each page; rows do not break across pages and keep with
  the next, so a table moves to the next page whole when it fits on one;
* caption above and notes below in the same typeface, the notes as wide as the table.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..errors import RenderError
from ._metrics import PAD, TIMES, char_class, text_width
from .format import typeset_minus
from .ir import Cell, Row, RowKind, Table
from .markup import plain

__all__ = ["render_docx"]

_HEAVY, _LIGHT = 12, 6  # border widths in eighths of a point (1.5 pt and 0.75 pt)
_SIZES = (10.0, 9.0, 8.0)  # tried in turn until the table fits the page
_NOTE_RATIO = 0.9
_CELL_PAD = 2 * 5.4 + 3  # left and right cell margins (Word 0.08", LibreOffice 0.19 cm), slack
_SUPER = 0.67  # superscript glyphs relative to the text size
_PAGE = (612.0, 792.0)  # US Letter, points
_MARGIN = 72.0


def _docx() -> Any:
    try:
        import docx
        from docx.enum.section import WD_ORIENT
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
    return docx, WD_ORIENT, WD_TABLE_ALIGNMENT, WD_ALIGN_PARAGRAPH, OxmlElement, qn, Pt


_ALIGNED = (RowKind.COEF, RowKind.BELOW, RowKind.VALUE)  # decimal-aligned; stats centred
_INDENT = 10.0  # points per indent level of a row label


@dataclass(frozen=True, slots=True)
class _Parts:
    """A number cell cut for alignment: left of the point, the point and decimals, what
    hangs on the right (a parenthesis), stars, and what comes after."""

    left: str
    right: str
    tail: str
    stars: str
    after: str

    @classmethod
    def of(cls, cell: Cell) -> _Parts:
        whole, dot, frac = cell.core.partition(".")
        after = typeset_minus(cell.after).replace(" ", "\u00a0")
        left = typeset_minus(cell.prefix + whole)
        return cls(left, dot + frac, cell.suffix, cell.stars, after)


def _counts(texts: list[str]) -> Counter[str]:
    out: Counter[str] = Counter()
    for text in texts:
        out |= Counter(char_class(ch) for ch in text)
    return out


def _pad(text: str, most: Counter[str]) -> str:
    have = Counter(char_class(ch) for ch in text)
    return "".join(PAD[k] * (most[k] - have[k]) for k in PAD)


@dataclass(frozen=True, slots=True)
class _Column:
    left: Counter[str]
    right: Counter[str]
    tail: Counter[str]
    stars: int
    after: Counter[str]

    def runs(self, cell: Cell) -> list[tuple[str, bool]]:
        """(text, superscript) runs of a number padded to the column's shape: the
        parenthesis and the stars hug the number, their padding follows them."""
        p = _Parts.of(cell)
        runs = [(_pad(p.left, self.left) + p.left + p.right + _pad(p.right, self.right) + p.tail,
                 False)]  # fmt: skip
        if p.stars:
            runs.append((p.stars, True))
        runs.append((_pad(p.tail, self.tail), False))
        if self.stars > len(p.stars):
            runs.append((PAD["digit"] * (self.stars - len(p.stars)), True))
        if p.after or sum(self.after.values()):
            runs.append((p.after + _pad(p.after, self.after), False))
        return [(text, sup) for text, sup in runs if text]


def _columns(table: Table) -> list[_Column]:
    out = []
    for j in range(table.ncols):
        cells = [row.cells[j] for row in table.body() if row.kind in _ALIGNED]
        parts = [_Parts.of(c) for c in cells if c.numeric]
        out.append(
            _Column(
                _counts([p.left for p in parts]),
                _counts([p.right for p in parts]),
                _counts([p.tail for p in parts]),
                max((len(p.stars) for p in parts), default=0),
                _counts([p.after for p in parts]),
            )
        )
    return out


def _cell_runs(cell: Cell, column: _Column, kind: RowKind) -> list[tuple[str, bool]]:
    if cell.numeric and kind in _ALIGNED:
        return column.runs(cell)
    text = plain(cell.text)
    return [(typeset_minus(text) if cell.numeric else text, False)]


def _runs_width(runs: list[tuple[str, bool]], size: float, font: str) -> float:
    return sum(text_width(t, size * (_SUPER if sup else 1.0), font) for t, sup in runs)


def _widths(table: Table, columns: list[_Column], size: float, font: str) -> list[float]:
    """Label column, then model columns, in points (cell margins included)."""
    labels = [text_width(plain(r.label), size, font) + _INDENT * r.indent for r in table.rows()]
    widths = [max(labels, default=0.0) + _CELL_PAD]
    for j, col in enumerate(columns):
        texts = [
            _runs_width(_cell_runs(row.cells[j], col, row.kind), size, font)
            for row in table.rows()
            if row.cells[j].span == 1
        ]
        widths.append(max(texts, default=0.0) + _CELL_PAD)
    for row in table.header:  # a spanning header wider than its columns widens the last
        for first, span, cell in row.groups():
            if span > 1:
                need = text_width(plain(cell.text), size, font) + _CELL_PAD
                have = sum(widths[first + 1 : first + span + 1])
                widths[first + span] += max(0.0, need - have)
    return widths


def _fit(table: Table, columns: list[_Column], font: str) -> tuple[float, bool, list[float]]:
    """Font size, landscape or not, and column widths: the largest size that fits the
    portrait page, else the landscape page, else the smallest size on landscape."""
    portrait, landscape = _PAGE[0] - 2 * _MARGIN, _PAGE[1] - 2 * _MARGIN
    for room, wide in ((portrait, False), (landscape, True)):
        for size in _SIZES:
            widths = _widths(table, columns, size, font)
            if sum(widths) <= room:
                return size, wide, widths
    return _SIZES[-1], True, _widths(table, columns, _SIZES[-1], font)


class _Writer:
    """python-docx calls, kept in one place."""

    def __init__(self) -> None:
        (self.docx, self.ORIENT, self.TABLE_ALIGN, self.ALIGN, self.Oxml, self.qn, self.Pt) = (
            _docx()
        )

    def flag(self, parent: Any, tag: str, **attrs: str) -> Any:
        element = self.Oxml(tag)
        for key, value in attrs.items():
            element.set(self.qn(f"w:{key}"), value)
        parent.append(element)
        return element

    def border(self, cell: Any, edge: str, size: int) -> None:
        tc_pr = cell._tc.get_or_add_tcPr()
        borders = tc_pr.find(self.qn("w:tcBorders"))
        if borders is None:
            borders = self.flag(tc_pr, "w:tcBorders")
        self.flag(borders, f"w:{edge}", val="single", sz=str(size), space="0", color="000000")

    def write(
        self, cell: Any, runs: list[tuple[str, bool]], align: Any, *, italic: bool = False
    ) -> None:
        para = cell.paragraphs[0]
        para.alignment = align
        fmt = para.paragraph_format
        fmt.space_before = fmt.space_after = self.Pt(0)
        fmt.keep_with_next = True
        for text, sup in runs:
            run = para.add_run(text)
            run.font.superscript = sup or None
            run.font.italic = italic or None
        self.flag(cell._tc.get_or_add_tcPr(), "w:noWrap")


def _rules(table: Table) -> dict[int, tuple[int | None, int | None]]:
    """Row index (titles of stacked panels included) → (top rule, bottom rule) widths."""
    rules: dict[int, tuple[int | None, int | None]] = {0: (_HEAVY, None)}
    i = len(table.header)
    if i:
        rules[i - 1] = (rules.get(i - 1, (None, None))[0], _LIGHT)
    for k, panel in enumerate(table.panels):
        if k > 0:
            rules[i] = (_LIGHT, None)
        i += len(panel.rows) + bool(panel.title)
    rules[i - 1] = (rules.get(i - 1, (None, None))[0], _HEAVY)
    return rules


def _lines(table: Table) -> list[Row | str]:
    """Header rows, then for each panel its title (a string) and its rows."""
    out: list[Row | str] = list(table.header)
    for panel in table.panels:
        if panel.title:
            out.append(panel.title)
        out += list(panel.rows)
    return out


def render_docx(table: Table, *, title: str | None = None, font: str = TIMES) -> bytes:
    """Render ``table`` as a Word document and return the file's bytes.

    Parameters
    ----------
    table
        The table IR.
    title
        Caption above the table (default: the table's caption).
    font
        The typeface of the document; columns are measured with its metrics (Times New
        Roman's and DejaVu Serif's are known, other fonts are measured generously).

    Raises
    ------
    RenderError
        python-docx is not installed.
    """
    w = _Writer()
    Pt = w.Pt
    columns = _columns(table)
    size, landscape, widths = _fit(table, columns, font)
    document = w.docx.Document()
    section = document.sections[0]
    if landscape:
        section.orientation = w.ORIENT.LANDSCAPE
    section.page_width, section.page_height = (
        Pt(_PAGE[1]), Pt(_PAGE[0])) if landscape else (Pt(_PAGE[0]), Pt(_PAGE[1])
    )  # fmt: skip
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Pt(_MARGIN))
    style = document.styles["Normal"]
    style.font.name = font
    r_fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        r_fonts.set(w.qn(attr), font)
    style.font.size = Pt(size)
    room = (_PAGE[1] if landscape else _PAGE[0]) - 2 * _MARGIN
    indent = Pt(max(0.0, (room - sum(widths)) / 2))
    caption = title or table.caption
    if caption:
        para = document.add_paragraph()
        para.paragraph_format.left_indent = para.paragraph_format.right_indent = indent
        para.paragraph_format.keep_with_next = True
        para.add_run(plain(caption)).bold = True
    lines = _lines(table)
    grid = document.add_table(rows=len(lines), cols=table.ncols + 1)
    grid.alignment = w.TABLE_ALIGN.CENTER
    grid.autofit = False
    w.flag(grid._tbl.tblPr, "w:tblLayout", type="fixed")
    for j, width in enumerate(widths):
        grid.columns[j].width = Pt(width)
        for cell in grid.columns[j].cells:
            cell.width = Pt(width)
    rules = _rules(table)
    for i, line in enumerate(lines):
        tr = grid.rows[i]
        tr_pr = tr._tr.get_or_add_trPr()
        w.flag(tr_pr, "w:cantSplit")
        cells = tr.cells
        if isinstance(line, str):  # a panel title over the whole row
            merged = cells[0].merge(cells[-1])
            w.write(merged, [(plain(line), False)], w.ALIGN.LEFT, italic=True)
        else:
            if line.kind is RowKind.HEADER:
                w.flag(tr_pr, "w:tblHeader")
            _write_row(w, cells, line, columns)
        top, bottom = rules.get(i, (None, None))
        for c in tr.cells:
            if top:
                w.border(c, "top", top)
            if bottom:
                w.border(c, "bottom", bottom)
    for k, note in enumerate(table.notes):
        para = document.add_paragraph()
        fmt = para.paragraph_format
        fmt.space_after = Pt(0)
        fmt.left_indent = fmt.right_indent = indent
        fmt.keep_with_next = k < len(table.notes) - 1
        para.add_run(plain(note)).font.size = Pt(size * _NOTE_RATIO)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _write_row(w: _Writer, cells: Any, row: Row, columns: list[_Column]) -> None:
    w.write(cells[0], [(plain(row.label), False)], w.ALIGN.LEFT)
    if row.indent:
        cells[0].paragraphs[0].paragraph_format.left_indent = w.Pt(_INDENT * row.indent)
    for first, span, cell in row.groups():
        target = cells[first + 1]
        if span > 1:
            target = target.merge(cells[first + span])
        if row.rule_under(cell):
            w.border(target, "bottom", _LIGHT)
        w.write(target, _cell_runs(cell, columns[first], row.kind), w.ALIGN.CENTER)
