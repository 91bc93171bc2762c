"""Regression tables: the only place in vcereg where numbers become strings.

* :func:`etable` builds a multi-model table (:class:`ETable`) that renders to text,
  Markdown, LaTeX and HTML, and saves Word and Excel files;
* :func:`describe` builds a descriptive-statistics table of the same kind;
* :func:`stack` stacks tables with the same columns into panels (Panel A, Panel B);
* :mod:`.interop` lets other table packages (maketables) read vcereg results;
* :func:`render_summary` prints one model the way Stata's ``regress`` does;
* :func:`register_statistic` adds footer statistics.

The tables read results through the :class:`ResultLike` protocol only.
"""

from __future__ import annotations

from ._options import select_terms
from ._protocol import ResultLike
from .describe import describe
from .etable import DEFAULT_STATS, ETable, OutputFormat, etable
from .ir import Cell, Panel, PanelKind, Row, RowKind, Table
from .markup import Latex
from .stack import stack
from .stats import Statistic, register_statistic, resolve_statistic, statistic_names
from .summary import render_summary

__all__ = [
    "DEFAULT_STATS",
    "Cell",
    "ETable",
    "Latex",
    "OutputFormat",
    "Panel",
    "PanelKind",
    "ResultLike",
    "Row",
    "RowKind",
    "Statistic",
    "Table",
    "describe",
    "etable",
    "register_statistic",
    "render_summary",
    "resolve_statistic",
    "select_terms",
    "stack",
    "statistic_names",
]
