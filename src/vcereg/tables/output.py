"""The table object (:class:`ETable`) and its outputs: the formats, by name and by file
extension, and writing files."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from ..errors import RenderError, closest
from ._metrics import TIMES
from ._options import LatexEnv
from .ir import Table
from .render_docx import render_docx
from .render_html import render_html
from .render_latex import render_latex
from .render_markdown import render_markdown
from .render_text import render_text
from .render_xlsx import render_xlsx

__all__ = ["ETable", "OutputFormat", "format_for", "parse_format"]


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
EXTENSIONS = {
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


def format_for(path: Path, format: str | None) -> OutputFormat:
    """The format to write ``path`` in: ``format``, else the extension's. A format that
    contradicts a known extension (``format="xlsx"`` for ``t.docx``) is an error: the file
    would open in the wrong program, or not at all."""
    suffix = path.suffix.lower()
    if format is not None:
        kind = parse_format(format)
        implied = EXTENSIONS.get(suffix)
        if implied is not None and implied is not kind:
            raise RenderError(
                f"format={format!r} does not match the file name {path.name!r}, which is "
                f"{implied.value}",
                hint=f"name the file {path.stem}.{kind.value if kind.binary else _ext(kind)} "
                f"or drop format=",
            )
        return kind
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    near = closest(suffix, EXTENSIONS) if suffix else None
    raise RenderError(
        f"cannot tell the table format from the file name {path.name!r}; expected an "
        f"extension among {', '.join(EXTENSIONS)} or format= one of "
        f"{', '.join(f.value for f in OutputFormat)}",
        hint=f"did you mean {near!r}?" if near else None,
    )


def _ext(kind: OutputFormat) -> str:
    return next(e for e, k in EXTENSIONS.items() if k is kind).lstrip(".")


def _write(target: Path, data: str | bytes) -> None:
    folder = target.parent
    if not folder.is_dir():
        raise RenderError(
            f"cannot write {str(target)!r}: the directory {str(folder)!r} does not exist",
            hint=f"create it first, e.g. os.makedirs({str(folder)!r})",
        )
    try:
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise RenderError(f"cannot write {str(target)!r}: {exc.strerror or exc}") from None


@dataclass(frozen=True, slots=True, repr=False)
class ETable:
    """A rendered-on-demand table (immutable).

    Attributes
    ----------
    table
        The format-independent table (:class:`vcereg.tables.ir.Table`).
    latex_env, siunitx
        LaTeX options used by :meth:`to_latex`.
    font
        The typeface of Word and Excel files (Times New Roman by default).
    format
        What ``str()`` and ``print()`` render: the ``format=`` given to
        :func:`~vcereg.tables.etable`, text by default.
    """

    table: Table
    latex_env: LatexEnv = LatexEnv.TABULAR
    siunitx: bool = False
    format: OutputFormat = OutputFormat.TEXT
    font: str = TIMES

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
        return render_docx(self.table, font=self.font)

    def to_xlsx(self) -> bytes:
        """An Excel workbook holding the table, numbers stored unrounded with display
        formats (needs openpyxl: ``vcereg[excel]``)."""
        return render_xlsx(self.table, font=self.font)

    def with_options(self, **changes: object) -> ETable:
        """A copy with other output options (``latex_env``, ``siunitx``, ``format``,
        ``font``)."""
        if "latex_env" in changes:
            changes["latex_env"] = LatexEnv(str(changes["latex_env"]))
        if "format" in changes:
            changes["format"] = parse_format(changes["format"])
        return replace(self, **changes)  # type: ignore[arg-type]

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
        """Write the table to ``path``; the format comes from ``format`` or the extension
        (they must agree when both are given).

        HTML files get a complete page; ``.docx`` and ``.xlsx`` give Word and Excel files.
        Returns the path written.

        Raises
        ------
        RenderError
            Unknown or contradictory format, a directory that does not exist, a file that
            cannot be written.
        """
        target = Path(path)
        kind = format_for(target, format)
        if kind is OutputFormat.DOCX:
            _write(target, self.to_docx())
        elif kind is OutputFormat.XLSX:
            _write(target, self.to_xlsx())
        else:
            _write(target, self.render(kind.value))
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
