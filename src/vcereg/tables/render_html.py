"""Self-contained HTML: one ``<div>`` with a scoped inline ``<style>`` and the table.

Every text is escaped with :func:`html.escape` (LaTeX markup is shown as plain text).
Rows and cells carry classes (``coef``, ``below``, ``stat``, ``stub``, ``stars``,
``group``, ``panel``) so that a page can restyle them; stars are superscripts, minus signs
U+2212, a header over several models has a ``colspan`` and a rule under it; notes sit in
``<tfoot>`` under the closing rule and wrap at the table's width.
"""

from __future__ import annotations

from html import escape

from .format import typeset_minus
from .ir import Cell, Row, RowKind, Table
from .markup import plain

__all__ = ["render_html"]

_STYLE = """\
.vcereg-table table{border-collapse:collapse;border-top:2px solid #222;margin:0.5em 0;\
font-family:"Helvetica Neue",Arial,sans-serif;font-size:14px;\
font-variant-numeric:tabular-nums;color:#111;background:#fff}
.vcereg-table caption{caption-side:top;font-weight:bold;padding:4px 0;text-align:left}
.vcereg-table th,.vcereg-table td{padding:2px 12px;text-align:center;white-space:nowrap;\
font-weight:normal}
.vcereg-table .stub{text-align:left}
.vcereg-table thead tr:last-child th{border-bottom:1px solid #222}
.vcereg-table tbody+tbody tr:first-child th,.vcereg-table tbody+tbody tr:first-child td\
{border-top:1px solid #222}
.vcereg-table tbody:last-of-type tr:last-child th,\
.vcereg-table tbody:last-of-type tr:last-child td{border-bottom:2px solid #222}
.vcereg-table tr.below td{color:#444}
.vcereg-table th.group{border-bottom:1px solid #222}
.vcereg-table th.group+th.group{border-left:6px solid #fff}
.vcereg-table tr.panel th{font-style:italic;text-align:left;padding-top:6px}
.vcereg-table sup{font-size:75%;line-height:0}
.vcereg-table tfoot td{text-align:left;white-space:normal;font-size:12px;color:#333;\
padding-top:4px}
.vcereg-table tfoot .note{width:0;min-width:100%}"""


def _cell(cell: Cell, tag: str, attrs: str = "", *, ruled: bool = False) -> str:
    text = cell.prefix + cell.core + cell.suffix
    if cell.numeric:
        text = typeset_minus(text)
    body = escape(plain(text))
    if cell.stars:
        body += f'<sup class="stars">{escape(cell.stars)}</sup>'
    if cell.after:
        body += escape(typeset_minus(cell.after))
    if cell.span > 1:
        attrs += f' colspan="{cell.span}"'
    if ruled:
        attrs += ' class="group"'
    return f"<{tag}{attrs}>{body}</{tag}>"


def _row(row: Row, tag: str) -> str:
    header = row.kind is RowKind.HEADER
    scope = "" if header else ' scope="row"'
    indent = f' style="padding-left:{12 + 16 * row.indent}px"' if row.indent else ""
    stub = f'<th class="stub"{scope}{indent}>{escape(plain(row.label))}</th>'
    cells = "".join(
        _cell(c, tag, ' scope="col"' if header else "", ruled=header and row.rule_under(c))
        for c in row.cells
        if c.span
    )
    return f'<tr class="{row.kind.value}">{stub}{cells}</tr>'


def render_html(table: Table, *, document: bool = False) -> str:
    """Render ``table`` as HTML.

    Parameters
    ----------
    table
        The table IR.
    document
        Wrap the fragment in a minimal standalone HTML5 page.

    Returns
    -------
    str
        The HTML, ending with a newline.
    """
    ident = f' id="{escape(table.label)}"' if table.label else ""
    out = ['<div class="vcereg-table">', f"<style>\n{_STYLE}\n</style>", f"<table{ident}>"]
    if table.caption:
        out.append(f"<caption>{escape(plain(table.caption))}</caption>")
    out.append("<thead>")
    out += [_row(row, "th") for row in table.header]
    out.append("</thead>")
    for panel in table.panels:
        out.append(f'<tbody class="{panel.kind.value}">')
        if panel.title:
            span = table.ncols + 1
            out.append(
                f'<tr class="panel"><th colspan="{span}">{escape(plain(panel.title))}</th></tr>'
            )
        out += [_row(row, "td") for row in panel.rows]
        out.append("</tbody>")
    if table.notes:
        span = table.ncols + 1
        out.append("<tfoot>")
        # the zero-width div wraps long notes at the table's width instead of widening it
        out += [
            f'<tr><td colspan="{span}"><div class="note">{escape(plain(note))}</div></td></tr>'
            for note in table.notes
        ]
        out.append("</tfoot>")
    out += ["</table>", "</div>"]
    html = "\n".join(out) + "\n"
    if document:
        title = escape(plain(table.caption or "Regression table"))
        html = (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n</head>\n<body>\n{html}</body>\n</html>\n"
        )
    return html
