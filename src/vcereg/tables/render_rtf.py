"""Rich Text Format, like ``esttab using table.rtf``: a table Word, LibreOffice and Pages
open directly. Rules follow the usual paper style (a heavy line above and below the
table, a thin one under the header and between panels); notes follow the table.

Text is escaped for RTF: ``\\``, ``{`` and ``}`` are quoted and characters beyond ASCII
are written as ``\\uN?`` (their Unicode code point), so labels in any script survive.
Header cells that span several columns are merged (``\\clmgf``/``\\clmrg``) and ruled
underneath.
"""

from __future__ import annotations

from .ir import Row, RowKind, Table

__all__ = ["render_rtf"]

_STUB, _COL = 2600, 1400  # twips: the label column and each model column


def _escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) > 127:
            code = ord(ch)
            out.append(f"\\u{code if code < 32768 else code - 65536}?")
        else:
            out.append(ch)
    return "".join(out)


def _row(row: Row, ncols: int, top: str, bottom: str) -> str:
    edges = [f"\\clbrdrt{top}\\clbrdrb{bottom}\\cellx{_STUB}"]
    for k, cell in enumerate(row.cells, 1):
        merge = "\\clmgf" if cell.span > 1 else "\\clmrg" if cell.span == 0 else ""
        under = "\\brdrs\\brdrw10" if row.kind is RowKind.HEADER and row.rule_under(cell) else ""
        edges.append(f"{merge}\\clbrdrt{top}\\clbrdrb{under or bottom}\\cellx{_STUB + k * _COL}")
    align = ["\\ql"] + ["\\qc"] * ncols
    texts = [row.label, *(c.text for c in row.cells)]
    cells = "".join(
        f"\\pard\\intbl{a} {_escape(t)}\\cell" for a, t in zip(align, texts, strict=True)
    )
    return f"\\trowd\\trgaph70{''.join(edges)}\n{cells}\\row\n"


def render_rtf(table: Table) -> str:
    """Render ``table`` as an RTF document.

    >>> from vcereg.tables.ir import Cell, Panel, PanelKind, Row, RowKind, Table
    >>> t = Table.build((Row("", (Cell.of("(1)"),), RowKind.HEADER),),
    ...     (Panel(PanelKind.COEFFICIENTS, (Row("\u03b2 {x}", (Cell.of("0.5"),), RowKind.COEF),)),),
    ...     ncols=1)
    >>> "\\\\u946? \\\\{x\\\\}" in render_rtf(t)
    True
    """
    none, thin, thick = "", "\\brdrs\\brdrw10", "\\brdrs\\brdrw20"
    parts = ["{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\fs20\n"]
    if table.caption:
        parts.append(f"\\pard\\qc\\b {_escape(table.caption)}\\b0\\par\n")
    header = list(table.header)
    for i, row in enumerate(header):
        top = thick if i == 0 else none
        bottom = thin if i == len(header) - 1 else none
        parts.append(_row(row, table.ncols, top, bottom))
    for p, panel in enumerate(table.panels):
        if panel.title:
            parts.append(f"\\pard\\ql\\i {_escape(panel.title)}\\i0\\par\n")
        for i, row in enumerate(panel.rows):
            top = thin if i == 0 and p > 0 else none
            last = p == len(table.panels) - 1 and i == len(panel.rows) - 1
            parts.append(_row(row, table.ncols, top, thick if last else none))
    parts.append("\\pard\n")
    for note in table.notes:
        parts.append(f"\\pard\\ql\\fs16 {_escape(note)}\\par\n")
    parts.append("}\n")
    return "".join(parts)
