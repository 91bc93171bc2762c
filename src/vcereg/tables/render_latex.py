r"""LaTeX rendering with ``booktabs`` rules.

Environments (``latex_env``):

* ``tabular``: the ``tabular``, inside a ``threeparttable`` when there are notes, so that
  the notes wrap at the table's width (no float);
* ``table`` (or ``threeparttable``): the same inside a ``table`` float with ``\caption``
  and ``\label``;
* ``fragment``: the rows only, from ``\toprule`` to ``\bottomrule``, to ``\input`` into a
  ``tabular`` of your own (esttab's ``fragment``); notes are left out.

Stars are superscripts, ``\sym{***}``, with ``\sym`` provided by the table (as esttab does;
redefine it in your preamble to change the look). A header over several columns is a
``\multicolumn`` with a ``\cmidrule`` under it; a stacked table's panel titles are rows in
italics. With ``siunitx=True`` model columns are ``S`` columns aligned on the decimal
point: what hangs on a number (parentheses, stars) is braced so that ``siunitx`` keeps it
as text, counts and other text cells are centred. Texts are escaped unless they are
:class:`~vcereg.tables.markup.Latex`. The output's first line names the packages to load.
"""

from __future__ import annotations

import re

from .ir import Cell, Panel, Row, RowKind, Table
from .markup import latex_escape

__all__ = ["latex_escape", "render_latex"]

_NARROW_FROM = 5  # model columns from which the space between columns is 4pt, not 6pt
_ALIGNED = (RowKind.COEF, RowKind.BELOW, RowKind.VALUE)  # S-aligned; statistics centred
_SYM = r"\providecommand{\sym}[1]{\ensuremath{^{#1}}}"
_MINUS = re.compile(r"(?<![\w.\\])-(?=[\d.])")


def _minus(text: str) -> str:
    """Hyphens before numbers as math minus signs."""
    return _MINUS.sub("$-$", text)


def _stars(stars: str, fragment: bool) -> str:
    if not stars:
        return ""
    body = latex_escape(stars)
    return rf"\ensuremath{{^{{{body}}}}}" if fragment else rf"\sym{{{body}}}"


class _Cells:
    """Cell source for one table: plain (``c`` columns) or ``siunitx`` ``S`` columns."""

    def __init__(self, siunitx: bool, fragment: bool) -> None:
        self.siunitx, self.fragment = siunitx, fragment

    def post(self, cell: Cell) -> str:
        return (
            latex_escape(cell.suffix)
            + _stars(cell.stars, self.fragment)
            + _minus(latex_escape(cell.after))
        )

    def __call__(self, cell: Cell, kind: RowKind) -> str:
        if not cell.text:
            return ""
        aligned = cell.numeric and not cell.thousands and kind in _ALIGNED
        pre = latex_escape(cell.prefix)
        if not aligned:
            body = _minus(pre + latex_escape(cell.core)) + self.post(cell)
            return rf"\multicolumn{{1}}{{c}}{{{body}}}" if self.siunitx else body
        post = self.post(cell)
        if self.siunitx:
            return (f"{{{pre}}}" if pre else "") + cell.core + (f"{{{post}}}" if post else "")
        return pre + _minus(cell.core) + post


def _si_format(rows: list[Row], j: int, source: _Cells) -> str:
    """``S[...]`` options sized to the coefficients of column ``j``."""
    cells = [row.cells[j] for row in rows if row.kind in _ALIGNED]
    numbers = [c for c in cells if c.numeric and not c.thousands]
    whole = max((len(c.core.lstrip("-").partition(".")[0]) for c in numbers), default=1)
    frac = max((len(c.core.partition(".")[2]) for c in numbers), default=0)
    sign = "-" if any(c.core.startswith("-") for c in numbers) else ""
    opts = [f"table-format={sign}{whole}.{frac}"]
    pre = max((c.prefix for c in numbers), key=len, default="")
    post = max((source.post(c) for c in numbers), key=len, default="")
    if pre:  # "(" next to the number, not at the column's left edge
        opts += [f"table-space-text-pre={{{latex_escape(pre)}}}", "table-align-text-pre=false"]
    if post:
        opts.append(f"table-space-text-post={{{post}}}")
    return "S[" + ", ".join(opts) + "]"


def _header(row: Row, source: _Cells) -> list[str]:
    """A header row, and the ``\\cmidrule`` under its spanning cells."""
    cells, rules = [], []
    for first, span, cell in row.groups():
        text = latex_escape(cell.text)
        if row.rule_under(cell):
            rules.append(rf"\cmidrule(lr){{{first + 2}-{first + span + 1}}}")
        if span > 1:
            cells.append(rf"\multicolumn{{{span}}}{{c}}{{{text}}}")
        else:
            cells.append(("{" + text + "}" if text else "") if source.siunitx else text)
    out = [" & ".join([latex_escape(row.label), *cells]) + r" \\"]
    if rules:
        out.append(" ".join(rules))
    return out


def _body(panel: Panel, n: int, source: _Cells) -> list[str]:
    out = []
    if panel.title:
        out.append(
            rf"\multicolumn{{{n + 1}}}{{@{{}}l}}{{\textit{{{latex_escape(panel.title)}}}}} \\"
        )
    for row in panel.rows:
        cells = [source(c, row.kind) for c in row.cells]
        label = r"\quad " * row.indent + latex_escape(row.label)
        out.append(" & ".join([label, *cells]) + r" \\")
    return out


def _rows(table: Table, source: _Cells) -> list[str]:
    out = [r"\toprule"]
    for row in table.header:
        out += _header(row, source)
    for panel in table.panels:
        out.append(r"\midrule")
        out += _body(panel, table.ncols, source)
    out.append(r"\bottomrule")
    return out


def _tabular(table: Table, source: _Cells) -> list[str]:
    n = table.ncols
    if source.siunitx:
        body = list(table.body())
        spec = "l" + "".join(_si_format(body, j, source) for j in range(n))
    else:
        spec = "l" + "c" * n
    return [rf"\begin{{tabular}}{{{spec}}}", *_rows(table, source), r"\end{tabular}"]


def _caption(table: Table) -> list[str]:
    out = []
    if table.caption:
        out.append(rf"\caption{{{latex_escape(table.caption)}}}")
    if table.label:
        out.append(rf"\label{{{table.label}}}")
    return out


def _fitted(table: Table, body: list[str]) -> list[str]:
    """The tabular (in a ``threeparttable`` with the notes), scaled down to the line width
    only if it is wider; wide tables get less space between columns first."""
    out = [r"\setlength{\tabcolsep}{4pt}"] if table.ncols >= _NARROW_FROM else []
    out.append(r"\noindent\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{%")
    if not table.notes:
        return [*out, *body[:-1], body[-1] + "}%"]
    notes = [rf"\item[] {latex_escape(note)}" for note in table.notes]
    return [
        *out,
        r"\begin{threeparttable}",
        *body,
        r"\begin{tablenotes}[flushleft]",
        r"\footnotesize",
        *notes,
        r"\end{tablenotes}",
        r"\end{threeparttable}}%",
    ]


def render_latex(table: Table, *, env: str = "tabular", siunitx: bool = False) -> str:
    """Render ``table`` as LaTeX.

    Parameters
    ----------
    table
        The table IR.
    env
        ``"tabular"``, ``"table"``, ``"threeparttable"`` or ``"fragment"`` (validated by
        ``etable``).
    siunitx
        Use ``siunitx`` ``S`` columns for decimal alignment.

    Returns
    -------
    str
        LaTeX source ending with a newline.
    """
    fragment = env == "fragment"
    source = _Cells(siunitx, fragment)
    packages = ["booktabs"]
    if table.notes and not fragment:
        packages.append("threeparttable")
    if siunitx:
        packages.append("siunitx")
    if not fragment:
        packages.append("graphicx")
    out = [f"% vcereg table; preamble: \\usepackage{{{','.join(packages)}}}"]
    if fragment:
        return "\n".join([*out, *_rows(table, source)]) + "\n"
    body = _fitted(table, _tabular(table, source))
    if env == "tabular":
        out += [r"{%", _SYM, *body, "}"]
    else:
        out += [r"\begin{table}[htbp]", r"\centering", *_caption(table), _SYM, *body]
        out.append(r"\end{table}")
    return "\n".join(out) + "\n"
