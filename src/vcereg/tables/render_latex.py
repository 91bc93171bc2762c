r"""LaTeX rendering with ``booktabs`` rules.

Environments (``latex_env``):

* ``tabular``: the bare ``tabular``; notes as ``\multicolumn`` rows under the table;
* ``table``: the same inside a ``table`` float with ``\caption`` and ``\label``;
* ``threeparttable``: a ``table`` float holding a ``threeparttable`` whose ``tablenotes``
  wrap to the table's width.

With ``siunitx=True`` model columns are ``S`` columns aligned on the decimal point; text
around numbers (parentheses, stars) is braced so that ``siunitx`` keeps it as text, and
any other cell is braced whole. The preamble needs ``booktabs`` (and ``threeparttable``,
``siunitx`` when used); the output's first line says which.
"""

from __future__ import annotations

import textwrap

from .ir import Cell, Row, Table

__all__ = ["latex_escape", "render_latex"]

_NOTE_WIDTH = 80  # characters per note line under a bare tabular

_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",  # OT1 fonts print < and > as inverted punctuation
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def latex_escape(text: str) -> str:
    r"""Escape LaTeX special characters in text.

    >>> print(latex_escape("C(school)[T.MS] & 50% of x_1 < $5"))
    C(school)[T.MS] \& 50\% of x\_1 \textless{} \$5
    """
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def _plain_cell(cell: Cell) -> str:
    if not cell.numeric:
        return latex_escape(cell.text)
    core = f"$-${cell.core[1:]}" if cell.core.startswith("-") else cell.core  # a real minus
    return latex_escape(cell.prefix) + core + latex_escape(cell.suffix)


def _si_cell(cell: Cell) -> str:
    if not cell.text:
        return ""
    if not cell.numeric:
        return "{" + latex_escape(cell.text) + "}"
    pre = "{" + latex_escape(cell.prefix) + "}" if cell.prefix else ""
    post = "{" + latex_escape(cell.suffix) + "}" if cell.suffix else ""
    return pre + cell.core + post


def _si_format(cells: list[Cell]) -> str:
    """``S[...]`` options sized to the numbers of one column."""
    numeric = [c for c in cells if c.numeric]
    whole = max((len(c.core.lstrip("-").partition(".")[0]) for c in numeric), default=1)
    frac = max((len(c.core.partition(".")[2]) for c in numeric), default=0)
    sign = "-" if any(c.core.startswith("-") for c in numeric) else ""
    opts = [f"table-format={sign}{whole}.{frac}"]
    pre = max((c.prefix for c in numeric), key=len, default="")
    post = max((c.suffix for c in numeric), key=len, default="")
    if pre:
        # keep "(" next to the number instead of at the column's left edge
        opts += [f"table-space-text-pre={{{latex_escape(pre)}}}", "table-align-text-before=false"]
    if post:
        opts.append(f"table-space-text-post={{{latex_escape(post)}}}")
    return "S[" + ", ".join(opts) + "]"


def _tabular(table: Table, siunitx: bool, notes_inside: bool) -> list[str]:
    n = table.ncols
    if siunitx:
        bodies = [[row.cells[j] for p in table.panels for row in p.rows] for j in range(n)]
        spec = "l" + "".join(_si_format(cells) for cells in bodies)
    else:
        spec = "l" + "c" * n

    def line(row: Row, header: bool = False) -> str:
        if header and siunitx:
            cells = ["{" + latex_escape(c.text) + "}" for c in row.cells]
        else:
            cells = [(_si_cell if siunitx else _plain_cell)(c) for c in row.cells]
        return " & ".join([latex_escape(row.label), *cells]) + r" \\"

    out = [rf"\begin{{tabular}}{{{spec}}}", r"\toprule"]
    out += [line(row, header=True) for row in table.header]
    for panel in table.panels:
        out.append(r"\midrule")
        out += [line(row) for row in panel.rows]
    out.append(r"\bottomrule")
    if notes_inside:  # short lines, so that a long note does not widen the table
        lines = [part for note in table.notes for part in textwrap.wrap(note, _NOTE_WIDTH)]
        out += [
            rf"\multicolumn{{{n + 1}}}{{l}}{{\footnotesize {latex_escape(line)}}} \\"
            for line in lines
        ]
    out.append(r"\end{tabular}")
    return out


def _caption(table: Table) -> list[str]:
    out = []
    if table.caption:
        out.append(rf"\caption{{{latex_escape(table.caption)}}}")
    if table.label:
        out.append(rf"\label{{{table.label}}}")
    return out


def render_latex(table: Table, *, env: str = "tabular", siunitx: bool = False) -> str:
    """Render ``table`` as LaTeX.

    Parameters
    ----------
    table
        The table IR.
    env
        ``"tabular"``, ``"table"`` or ``"threeparttable"`` (validated by ``etable``).
    siunitx
        Use ``siunitx`` ``S`` columns for decimal alignment.

    Returns
    -------
    str
        LaTeX source ending with a newline.
    """
    packages = ["booktabs"]
    if env == "threeparttable":
        packages.append("threeparttable")
    if siunitx:
        packages.append("siunitx")
    out = [f"% vcereg table; preamble: \\usepackage{{{','.join(packages)}}}"]
    if env == "tabular":
        out += _tabular(table, siunitx, notes_inside=True)
    elif env == "table":
        out += [r"\begin{table}[htbp]", r"\centering", *_caption(table)]
        out += _tabular(table, siunitx, notes_inside=True)
        out.append(r"\end{table}")
    else:
        out += [r"\begin{table}[htbp]", r"\centering", r"\begin{threeparttable}"]
        out += _caption(table)
        out += _tabular(table, siunitx, notes_inside=False)
        if table.notes:
            out += [r"\begin{tablenotes}[flushleft]", r"\footnotesize"]
            out += [rf"\item {latex_escape(note)}" for note in table.notes]
            out.append(r"\end{tablenotes}")
        out += [r"\end{threeparttable}", r"\end{table}"]
    return "\n".join(out) + "\n"
