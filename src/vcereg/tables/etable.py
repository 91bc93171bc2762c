"""``etable``: regression tables of one or more models: text, Markdown, LaTeX, HTML, Word
and Excel."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import cast

from ..errors import RenderError, closest
from ._build import TableSpec, build_table
from ._options import LatexEnv, parse_below, parse_latex_env, parse_stars
from ._protocol import ResultLike
from .ir import Table
from .render_docx import render_docx
from .render_html import render_html
from .render_latex import render_latex
from .render_markdown import render_markdown
from .render_text import render_text
from .render_xlsx import render_xlsx
from .stats import StatValue, resolve_statistic
from .tidy import as_result

__all__ = ["DEFAULT_STATS", "ETable", "OutputFormat", "etable"]

DEFAULT_STATS = ("nobs", "r2", "r2_adj", "r2_within", "n_clusters", "fe", "vce")
"""Footer rows when ``stats`` is not given; rows that do not apply to any model vanish."""


class OutputFormat(StrEnum):
    """Formats an :class:`ETable` renders to."""

    TEXT = "text"
    MARKDOWN = "markdown"
    LATEX = "latex"
    HTML = "html"
    DOCX = "docx"
    XLSX = "xlsx"

    @property
    def binary(self) -> bool:
        """Word and Excel files are bytes, not text."""
        return self in (OutputFormat.DOCX, OutputFormat.XLSX)


_FORMAT_NAMES = {
    "txt": "text", "md": "markdown", "tex": "latex", "htm": "html", "word": "docx", "excel": "xlsx",
}  # fmt: skip
_EXTENSIONS = {
    ".txt": OutputFormat.TEXT,
    ".md": OutputFormat.MARKDOWN,
    ".markdown": OutputFormat.MARKDOWN,
    ".tex": OutputFormat.LATEX,
    ".html": OutputFormat.HTML,
    ".htm": OutputFormat.HTML,
    ".docx": OutputFormat.DOCX,
    ".xlsx": OutputFormat.XLSX,
}


def parse_format(value: object) -> OutputFormat:
    """An output format by name (``text``/``txt``, ``markdown``/``md``, ``latex``/``tex``,
    ``html``/``htm``, ``docx``/``word``, ``xlsx``/``excel``)."""
    valid = [f.value for f in OutputFormat]
    if isinstance(value, str):
        key = _FORMAT_NAMES.get(value.lower().lstrip("."), value.lower().lstrip("."))
        if key in valid:
            return OutputFormat(key)
    near = closest(value, [*valid, *_FORMAT_NAMES]) if isinstance(value, str) else None
    raise RenderError(
        f"unknown table format {value!r}; expected one of {', '.join(valid)}",
        hint=f"did you mean {_FORMAT_NAMES.get(near, near)!r}?" if near else None,
    )


def _format_for(path: Path, format: str | None) -> OutputFormat:
    if format is not None:
        return parse_format(format)
    suffix = path.suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    near = closest(suffix, _EXTENSIONS) if suffix else None
    raise RenderError(
        f"cannot tell the table format from the file name {path.name!r}; expected an "
        f"extension among {', '.join(_EXTENSIONS)} or format= one of "
        f"{', '.join(f.value for f in OutputFormat)}",
        hint=f"did you mean {near!r}?" if near else None,
    )


@dataclass(frozen=True, slots=True, repr=False)
class ETable:
    """A rendered-on-demand regression table (immutable).

    Attributes
    ----------
    table
        The format-independent table (:class:`vcereg.tables.ir.Table`).
    latex_env, siunitx
        LaTeX options used by :meth:`to_latex`.
    format
        What ``str()`` and ``print()`` render: the ``format=`` given to :func:`etable`,
        text by default.
    """

    table: Table
    latex_env: LatexEnv = LatexEnv.TABULAR
    siunitx: bool = False
    format: OutputFormat = OutputFormat.TEXT

    def to_text(self) -> str:
        """Aligned monospace text, like Stata's ``esttab``."""
        return render_text(self.table)

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown pipe table and its notes."""
        return render_markdown(self.table)

    def to_latex(self) -> str:
        """LaTeX with ``booktabs`` rules (see :mod:`vcereg.tables.render_latex`)."""
        return render_latex(self.table, env=self.latex_env.value, siunitx=self.siunitx)

    def to_html(self, *, document: bool = False) -> str:
        """A self-contained HTML fragment (a whole page with ``document=True``)."""
        return render_html(self.table, document=document)

    def to_docx(self) -> bytes:
        """A Word document holding the table (needs python-docx: ``vcereg[word]``)."""
        return render_docx(self.table)

    def to_xlsx(self) -> bytes:
        """An Excel workbook holding the table, numbers stored as numbers (needs openpyxl:
        ``vcereg[excel]``)."""
        return render_xlsx(self.table)

    def render(self, format: str) -> str:
        """Render to ``format`` (``text``, ``markdown``, ``latex`` or ``html``).

        Word and Excel are files, not text: use :meth:`save`, :meth:`to_docx` or
        :meth:`to_xlsx` for them.
        """
        kind = parse_format(format)
        if kind.binary:
            raise RenderError(
                f"{kind.value} is a binary file format, not text",
                hint=f"write it with .save('table.{kind.value}') or get the bytes with "
                f".to_{kind.value}()",
            )
        if kind is OutputFormat.TEXT:
            return self.to_text()
        if kind is OutputFormat.MARKDOWN:
            return self.to_markdown()
        if kind is OutputFormat.LATEX:
            return self.to_latex()
        return self.to_html(document=True)

    def save(self, path: str | os.PathLike[str], format: str | None = None) -> Path:
        """Write the table to ``path``; the format comes from ``format`` or the extension.

        HTML files get a complete page; ``.docx`` and ``.xlsx`` give Word and Excel files.
        Returns the path written.
        """
        target = Path(path)
        kind = _format_for(target, format)
        if kind is OutputFormat.DOCX:
            target.write_bytes(self.to_docx())
        elif kind is OutputFormat.XLSX:
            target.write_bytes(self.to_xlsx())
        else:
            target.write_text(self.render(kind.value), encoding="utf-8")
        return target

    def __str__(self) -> str:
        if self.format is OutputFormat.HTML:
            return self.to_html()
        if self.format.binary:  # a table written to Word/Excel still prints as text
            return self.to_text()
        return self.render(self.format.value)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return self.to_html()


def _results(results: object) -> tuple[tuple[ResultLike, ...], tuple[str, ...] | None]:
    """Models and, for a mapping ``{title: result}``, the titles."""
    if isinstance(results, Mapping):
        return _checked(tuple(as_result(m) for m in results.values())), tuple(
            str(k) for k in results
        )
    if isinstance(results, Sequence) and not isinstance(results, str):
        models = tuple(cast("Sequence[ResultLike]", results))
    else:
        models = (cast(ResultLike, results),)
    if not models:
        raise RenderError("etable() needs at least one result")
    return _checked(tuple(as_result(m) for m in models)), None


def _checked(models: tuple[ResultLike, ...]) -> tuple[ResultLike, ...]:
    """Each model must be a fitted result, not e.g. a number or a string."""
    for i, m in enumerate(models, 1):
        if not all(hasattr(m, a) for a in ("params", "terms", "se", "depvar")):
            raise RenderError(
                f"etable() expects fitted results (got {type(m).__name__} {repr(m)[:40]} "
                f"as model {i})",
                hint="pass what vcereg.regress() returns, e.g. etable([r1, r2])",
            )
    return models


def _stats(stats: object) -> tuple[tuple[str, str | None], ...]:
    if stats is None:
        stats = DEFAULT_STATS
    if isinstance(stats, str):
        stats = (stats,)
    if isinstance(stats, Mapping):
        items: Iterable[object] = stats.items()
    elif isinstance(stats, Iterable):
        items = stats
    else:
        raise RenderError(f"stats= expects a list of statistic names (got {stats!r})")
    out: list[tuple[str, str | None]] = []
    for item in items:
        name, label = (item if isinstance(item, tuple) else (item, None))[:2]
        if not isinstance(name, str) or not (label is None or isinstance(label, str)):
            raise RenderError(f"stats= expects names or (name, label) pairs (got {item!r})")
        out.append((resolve_statistic(name).name, label))
    return tuple(out)


def _add_rows(add_rows: object) -> tuple[tuple[str, tuple[StatValue, ...]], ...]:
    if add_rows is None:
        return ()
    items = add_rows.items() if isinstance(add_rows, Mapping) else add_rows
    if not isinstance(items, Iterable):
        raise RenderError(f"add_rows= expects a dict or (label, values) pairs (got {add_rows!r})")
    out = []
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str)):
            raise RenderError(f"add_rows= expects (label, values) pairs (got {item!r})")
        label, values = item
        if isinstance(values, str) or not isinstance(values, Iterable):
            raise RenderError(f"add_rows row {label!r} needs one value per model (got {values!r})")
        out.append((label, tuple(values)))
    return tuple(out)


def _names(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(value)


def etable(
    results: ResultLike | Sequence[ResultLike] | Mapping[str, ResultLike],
    *,
    format: str | None = None,
    titles: Sequence[str] | None = None,
    model_numbers: bool = True,
    stars: object = (0.10, 0.05, 0.01),
    below: str | None = "se",
    digits: int = 3,
    keep: str | Iterable[str] | None = None,
    drop: str | Iterable[str] | None = None,
    order: str | Iterable[str] | None = None,
    labels: Mapping[str, str] | None = None,
    stats: Iterable[str | tuple[str, str]] | Mapping[str, str | None] | None = None,
    add_rows: Mapping[str, Sequence[StatValue]]
    | Sequence[tuple[str, Sequence[StatValue]]]
    | None = None,
    show_omitted: bool = False,
    intercept_last: bool = True,
    intercept_label: str = "Constant",
    notes: bool | str | Sequence[str] = True,
    caption: str | None = None,
    label: str | None = None,
    latex_env: str | None = None,
    siunitx: bool = False,
    file: str | os.PathLike[str] | None = None,
) -> ETable:
    """Build a regression table of one or more models.

    Parameters
    ----------
    results
        One result, a sequence of results (one column each), or a mapping
        ``{title: result}`` (its keys become the column titles).
    format
        Output format of ``str()``/``print()`` and of ``file`` (``text``, ``markdown``, ``latex``,
        ``html``, ``docx``, ``xlsx``); by default inferred from the file extension. Word and
        Excel tables print as text.
    titles
        Column titles printed above the model numbers, one per model.
    model_numbers
        Print ``(1) (2) ...`` above the dependent variables.
    stars
        p-value thresholds ``(0.10, 0.05, 0.01)`` (``*``, ``**``, ``***``), a mapping
        ``{symbol: threshold}``, or ``None``/``False`` for no stars.
    below
        Under each coefficient: ``"se"`` (standard error), ``"t"`` (t or z statistic, two
        decimals), ``"p"`` (p-value, three decimals), ``"ci"`` (confidence interval at the
        result's level) or ``None``.
    digits
        Decimals of coefficients, standard errors, intervals and decimal statistics.
    keep, drop
        Terms to keep or drop: a name or a list. Each entry matches a term (or its display
        name) exactly, else is searched for as a regular expression. An entry matching
        nothing is an error.
    order
        Terms (names or patterns) to put first, in this order; the rest follow.
    labels
        ``{term: label}``; also relabels dependent variables and the variables named in
        fixed-effect and cluster rows. Keys may be terms or display names.
    stats
        Footer statistics by registered name (see :func:`register_statistic`), or
        ``(name, label)`` pairs, or a mapping ``{name: label}``. Default
        :data:`DEFAULT_STATS`; rows that apply to no model are left out.
    add_rows
        Extra rows under the coefficients: ``{label: values}`` or ``[(label, values)]``,
        one value per model (strings kept, integers as counts, floats with ``digits``).
    show_omitted
        Show terms omitted for collinearity (as ``(omitted)``).
    intercept_last
        Move the intercept to the end of the coefficients (unless ``order`` places it).
    intercept_label
        Label of the intercept.
    notes
        ``True`` for the automatic notes (what is in parentheses, the standard-error type,
        the stars, each model's notes), ``False`` for none; a string or list of strings
        is added after the automatic notes.
    caption, label
        Table caption and cross-reference label (LaTeX ``\\label``, HTML ``id``).
    latex_env
        ``"tabular"``, ``"table"`` or ``"threeparttable"``. Default: ``"table"`` when a
        caption or label is given, else ``"tabular"``.
    siunitx
        LaTeX ``S`` columns aligned on the decimal point.
    file
        Also write the table to this path (``.txt``, ``.md``, ``.tex``, ``.html``, ``.docx``,
        ``.xlsx``).

    Returns
    -------
    ETable
        The table; ``str()`` gives the text rendering.

    Raises
    ------
    RenderError
        For an invalid option, an unknown statistic or format, or a pattern matching
        no term.
    """
    models, mapping_titles = _results(results)
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 12:
        raise RenderError(f"digits= must be an integer from 0 to 12 (got {digits!r})")
    if latex_env is None:
        env = LatexEnv.TABLE if caption or label else LatexEnv.TABULAR
    else:
        env = parse_latex_env(latex_env)
        if env is LatexEnv.TABULAR and (caption or label):
            raise RenderError(
                "a caption or label needs latex_env='table' or 'threeparttable' "
                "(a bare tabular cannot hold them)"
            )
    out_format = parse_format(format) if format is not None else None
    if isinstance(notes, str):
        extra: tuple[str, ...] = (notes,)
    elif isinstance(notes, bool):
        extra = ()
    else:
        extra = tuple(notes)
    titles_t = (titles,) if isinstance(titles, str) else titles
    spec = TableSpec(
        titles=tuple(titles_t) if titles_t is not None else mapping_titles,
        model_numbers=model_numbers,
        stars=parse_stars(stars),
        below=parse_below(below),
        digits=digits,
        keep=_names(keep),
        drop=_names(drop),
        order=_names(order),
        labels=dict(labels or {}),
        stats=_stats(stats),
        add_rows=_add_rows(add_rows),
        show_omitted=show_omitted,
        intercept_last=intercept_last,
        intercept_label=intercept_label,
        notes=notes is not False,
        extra_notes=extra,
        caption=caption,
        label=label,
    )
    shown = out_format or OutputFormat.TEXT
    table = ETable(build_table(models, spec), env, siunitx, shown)
    if file is not None:
        table.save(file, out_format.value if out_format else None)
    return table
