"""GitHub-flavoured Markdown pipe tables (via ``tabulate``).

A pipe table has one header line: the first header row of the IR becomes it and further
header rows (dependent variables) open the body; a header over several columns stands in
its first column (pipe tables cannot merge cells). A stacked table's panel titles are bold
rows. Markdown-active characters are escaped with a backslash so that stars stay stars and
``_cons`` does not start emphasis; a reader gets the original text back by removing each
backslash before such a character. Minus signs are U+2212; LaTeX markup is shown as text.
"""

from __future__ import annotations

import re

from tabulate import tabulate

from .format import typeset_minus
from .ir import Cell, Row, Table
from .markup import plain

__all__ = ["escape_markdown", "render_markdown", "unescape_markdown"]

_SPECIAL = re.compile(r"([\\`*_\[\]|<>#])")
_ESCAPED = re.compile(r"\\([\\`*_\[\]|<>#])")


def escape_markdown(text: str) -> str:
    r"""Backslash-escape Markdown syntax characters.

    >>> escape_markdown("0.024** | _cons")
    '0.024\\*\\* \\| \\_cons'
    """
    return _SPECIAL.sub(r"\\\1", text)


def unescape_markdown(text: str) -> str:
    """Invert :func:`escape_markdown`."""
    return _ESCAPED.sub(r"\1", text)


def render_markdown(table: Table) -> str:
    """Render ``table`` as a Markdown pipe table followed by its notes.

    Parameters
    ----------
    table
        The table IR.

    Returns
    -------
    str
        Caption (bold), the table, and one paragraph per note; ends with a newline.
    """
    rows = [_cells(row) for row in table.header]
    for panel in table.panels:
        if panel.title:
            rows.append([f"**{escape_markdown(plain(panel.title))}**", *[""] * table.ncols])
        rows += [_cells(row) for row in panel.rows]
    head, body = rows[0], rows[1:]
    text = tabulate(
        body,
        headers=head,
        tablefmt="pipe",
        disable_numparse=True,  # the cells are formatted already; keep them verbatim
        colalign=("left", *["center"] * table.ncols),
    )
    parts = []
    if table.caption:
        parts.append(f"**{escape_markdown(plain(table.caption))}**")
    parts.append(text)
    parts += [escape_markdown(plain(note)) for note in table.notes]
    return "\n\n".join(parts) + "\n"


def _text(cell: Cell) -> str:
    text = plain(cell.text)
    return typeset_minus(text) if cell.numeric or cell.text.startswith("[") else text


def _cells(row: Row) -> list[str]:
    label = "\u2003" * row.indent + escape_markdown(plain(row.label))
    return [label, *(escape_markdown(_text(c)) for c in row.cells)]
