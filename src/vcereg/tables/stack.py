"""Tables stacked into panels that share their columns ("Panel A: Men", "Panel B: Women"),
modelsummary's ``rbind``.

>>> import vcereg
>>> d = vcereg.datasets.load("student-mat")
>>> by_sex = {s: d[d.sex == s] for s in ("F", "M")}
>>> panels = {
...     f"Panel {k}: {'Women' if s == 'F' else 'Men'}": vcereg.etable(
...         [vcereg.regress(f, g) for f in ("G3 ~ absences", "G3 ~ absences + age")],
...         stats=["nobs"], keep="absences")
...     for k, (s, g) in zip("AB", by_sex.items())
... }
>>> t = stack(panels)
>>> [p.title for p in t.table.panels if p.title]
['Panel A: Women', 'Panel B: Men']
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..errors import RenderError
from ._options import LatexEnv
from .ir import Panel, Table
from .markup import Latex
from .output import ETable, OutputFormat, parse_format

__all__ = ["stack"]


def _items(tables: object) -> list[tuple[str, ETable]]:
    if isinstance(tables, Mapping):
        pairs = list(tables.items())
    elif isinstance(tables, Sequence) and not isinstance(tables, str):
        pairs = [t if isinstance(t, tuple) else ("", t) for t in tables]
    else:
        raise RenderError(f"stack() expects a dict {{title: table}} or a list (got {tables!r})")
    for title, t in pairs:
        if not isinstance(title, str) or not isinstance(t, ETable):
            raise RenderError(
                f"stack() expects tables made by etable() or describe() (got {t!r} as {title!r})"
            )
    if not pairs:
        raise RenderError("stack() needs at least one table")
    return pairs


def stack(
    tables: Mapping[str, ETable] | Sequence[ETable | tuple[str, ETable]],
    *,
    caption: str | None = None,
    label: str | None = None,
    notes: str | Sequence[str] | None = None,
    escape: bool = True,
    format: str | None = None,
    file: str | os.PathLike[str] | None = None,
) -> ETable:
    """Stack tables with the same columns into one, each under its panel title.

    Parameters
    ----------
    tables
        ``{"Panel A: Men": table_a, "Panel B: Women": table_b}``, or a list of tables or
        ``(title, table)`` pairs. Every table must have as many columns as the first; the
        header (dependent variables, groups, titles, numbers) is the first table's.
    caption, label
        Of the stacked table (default: the first table's).
    notes
        Added after the panels' notes, which are kept once each in order.
    escape
        ``False``: the panel titles, caption and notes are LaTeX (see :func:`etable`).
    format, file
        As in :func:`etable`; LaTeX options are the first table's.

    Returns
    -------
    ETable
        The stacked table: each panel's rows (coefficients, added rows, statistics) under
        its title, separated by rules.
    """
    pairs = _items(tables)
    first = pairs[0][1].table
    panels: list[Panel] = []
    all_notes: list[str] = []
    for title, t in pairs:
        if t.table.ncols != first.ncols:
            raise RenderError(
                f"stack(): table {title!r} has {t.table.ncols} columns; the first has {first.ncols}"
            )
        shown = Latex(title) if not escape and title else title
        panels += [
            replace(p, title=shown if i == 0 else p.title) for i, p in enumerate(t.table.panels)
        ]
        all_notes += list(t.table.notes)
    extra = [notes] if isinstance(notes, str) else list(notes or [])
    if not escape:
        extra = [Latex(n) for n in extra]
        caption = Latex(caption) if caption else caption
    table = Table(
        first.header,
        tuple(panels),
        tuple(dict.fromkeys([*all_notes, *extra])),
        caption if caption is not None else first.caption,
        label if label is not None else first.label,
        first.ncols,
    )
    base = pairs[0][1]
    out_format = parse_format(format) if format is not None else OutputFormat.TEXT
    env = base.latex_env
    if env is LatexEnv.TABULAR and (table.caption or table.label):
        env = LatexEnv.TABLE  # a bare tabular cannot hold them
    result = ETable(table, env, base.siunitx, out_format, base.font)
    if file is not None:
        result.save(file, format)
    return result
