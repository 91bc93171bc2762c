"""The table intermediate representation shared by every renderer.

A :class:`Table` is built once (by :mod:`vcereg.tables.etable`) and rendered to text,
Markdown, LaTeX or HTML. Cells already hold strings, formatted by
:mod:`vcereg.tables.format`; renderers only lay them out and escape them.

::

    Table
    ├── header: Row(kind=HEADER) ...         titles, (1) (2) (3), dependent variables
    ├── panels: Panel(kind=COEFFICIENTS)     Row(kind=COEF) + Row(kind=BELOW) per term
    │           Panel(kind=EXTRA)            user rows (add_rows)
    │           Panel(kind=STATISTICS)       Observations, R-squared, ...
    ├── notes: ("Standard errors in parentheses; * p<0.10, ...", ...)
    └── caption, label
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from ..errors import RenderError

__all__ = ["Cell", "Panel", "PanelKind", "Row", "RowKind", "Table"]


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell, split so renderers can align numbers and style stars.

    Attributes
    ----------
    core
        The formatted number (``"0.020"``) or the text of a non-numeric cell.
    prefix, suffix
        Material around a number: ``"("`` and ``")"`` for standard errors, stars as suffix.
    numeric
        True when ``core`` is a plain number (``-?digits[.digits]``) a renderer may align on
        the decimal point (LaTeX ``siunitx`` ``S`` columns, the text renderer).
    """

    core: str = ""
    prefix: str = ""
    suffix: str = ""
    numeric: bool = False

    @property
    def text(self) -> str:
        """The full cell content as printed."""
        return f"{self.prefix}{self.core}{self.suffix}"

    @classmethod
    def of(cls, text: str) -> Cell:
        """A cell from already formatted text; plain numbers are marked numeric."""
        return cls(core=text, numeric=_is_plain_number(text))


def _is_plain_number(text: str) -> bool:
    body = text[1:] if text.startswith("-") else text
    whole, _, frac = body.partition(".")
    return bool(whole) and whole.isdigit() and (not frac or frac.isdigit())


class RowKind(StrEnum):
    """What a row holds; renderers use it for rules and styling."""

    HEADER = "header"
    COEF = "coef"
    BELOW = "below"
    EXTRA = "extra"
    STAT = "stat"


class PanelKind(StrEnum):
    """A block of body rows separated from its neighbours by a rule."""

    COEFFICIENTS = "coefficients"
    EXTRA = "extra"
    STATISTICS = "statistics"


@dataclass(frozen=True, slots=True)
class Row:
    """A labelled row of cells, one per model column.

    ``key`` identifies the row's source (a term name for coefficient rows, a statistic
    name for statistic rows) for tests and programmatic access; it is never printed.
    """

    label: str
    cells: tuple[Cell, ...]
    kind: RowKind
    key: str = ""


@dataclass(frozen=True, slots=True)
class Panel:
    """Consecutive body rows of one kind."""

    kind: PanelKind
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A complete table: header rows, body panels, notes, caption and label.

    Every row must have :attr:`ncols` cells; empty panels are dropped on creation by
    :meth:`build`.
    """

    header: tuple[Row, ...]
    panels: tuple[Panel, ...]
    notes: tuple[str, ...] = ()
    caption: str | None = None
    label: str | None = None
    ncols: int = 0

    def __post_init__(self) -> None:
        for row in self.rows():
            if len(row.cells) != self.ncols:
                raise RenderError(
                    f"row {row.label!r} has {len(row.cells)} cells; expected {self.ncols}"
                )

    @classmethod
    def build(
        cls,
        header: tuple[Row, ...],
        panels: tuple[Panel, ...],
        *,
        ncols: int,
        notes: tuple[str, ...] = (),
        caption: str | None = None,
        label: str | None = None,
    ) -> Table:
        """Create a table, leaving out panels without rows."""
        kept = tuple(p for p in panels if p.rows)
        return cls(header, kept, notes, caption, label, ncols)

    def rows(self) -> Iterator[Row]:
        """Header rows, then every body row in order."""
        yield from self.header
        for panel in self.panels:
            yield from panel.rows

    def panel(self, kind: PanelKind) -> Panel | None:
        """The panel of that kind, if the table has one."""
        return next((p for p in self.panels if p.kind is kind), None)
