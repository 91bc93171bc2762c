"""The table intermediate representation shared by every renderer.

A :class:`Table` is built once (by :mod:`vcereg.tables.etable` or
:mod:`vcereg.tables.describe`) and rendered to text, Markdown, LaTeX, HTML, Word or Excel.
Cells hold strings formatted by :mod:`vcereg.tables.format` together with the number they
show (``value``, at full precision, for Excel); renderers only lay them out and escape them.

::

    Table
    ├── header: Row(kind=HEADER) ...         groups, titles, (1) (2) (3), dependent variables
    │                                        (a cell may span several columns)
    ├── panels: Panel(kind=COEFFICIENTS)     Row(kind=COEF) + Row(kind=BELOW) per term
    │           Panel(kind=EXTRA)            indicate rows, user rows (add_rows)
    │           Panel(kind=STATISTICS)       Observations, R-squared, ...
    │           (stacked tables: each panel may carry a title, "Panel A: Men")
    ├── notes: ("Standard errors in parentheses", "* p<0.10, ...", ...)
    └── caption, label
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
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
        Material around the number: ``"("`` and ``")"`` for standard errors.
    stars
        Significance stars (superscript in LaTeX, HTML and Word).
    after
        Text after the stars: the standard error printed beside the coefficient.
    numeric
        True when ``core`` is a plain number (``-?digits[.digits]``) a renderer may align
        on the decimal point.
    value, digits, thousands
        The number the cell shows, unrounded, and how it was rounded (decimals, thousands
        separators), so that Excel can store the value and round it only for display.
    span
        Header cells: the number of columns the cell covers (``0`` for a column covered by
        the cell to its left).
    """

    core: str = ""
    prefix: str = ""
    suffix: str = ""
    numeric: bool = False
    stars: str = ""
    after: str = ""
    value: float | None = None
    digits: int | None = None
    thousands: bool = False
    span: int = 1

    @property
    def text(self) -> str:
        """The full cell content as printed (the core itself, LaTeX markup kept, when
        nothing hangs on it)."""
        if not (self.prefix or self.suffix or self.stars or self.after):
            return self.core
        return f"{self.prefix}{self.core}{self.suffix}{self.stars}{self.after}"

    @classmethod
    def of(cls, text: str) -> Cell:
        """A cell from already formatted text; plain numbers are marked numeric."""
        return cls(core=text, numeric=is_plain_number(text))

    def spanning(self, n: int) -> Cell:
        """This cell over ``n`` columns."""
        return replace(self, span=n)


def is_plain_number(text: str) -> bool:
    """``-?digits[.digits]`` (with thousands separators allowed in the whole part).

    >>> is_plain_number("-0.159"), is_plain_number("50,000"), is_plain_number("Yes")
    (True, True, False)
    """
    body = text[1:] if text.startswith("-") else text
    whole, _, frac = body.partition(".")
    whole = whole.replace(",", "")
    return bool(whole) and whole.isdigit() and (not frac or frac.isdigit())


class RowKind(StrEnum):
    """What a row holds; renderers use it for rules and styling."""

    HEADER = "header"
    COEF = "coef"
    BELOW = "below"
    EXTRA = "extra"
    STAT = "stat"
    VALUE = "value"  # a row of descriptive statistics, aligned like coefficients


class PanelKind(StrEnum):
    """A block of body rows separated from its neighbours by a rule."""

    COEFFICIENTS = "coefficients"
    EXTRA = "extra"
    STATISTICS = "statistics"


@dataclass(frozen=True, slots=True)
class Row:
    """A labelled row of cells, one per column.

    ``key`` identifies the row's source (a term name for coefficient rows, a statistic
    name for statistic rows) for tests and programmatic access; it is never printed.
    ``ruled``: every non-empty cell of this header row has a rule under it (column groups);
    otherwise only cells over several columns have one. ``indent`` sets the label in.
    """

    label: str
    cells: tuple[Cell, ...]
    kind: RowKind
    key: str = ""
    ruled: bool = False
    indent: int = 0  # levels of a categorical variable under its heading

    def rule_under(self, cell: Cell) -> bool:
        """Whether a header cell of this row is underlined."""
        return bool(cell.text) and (cell.span > 1 or self.ruled)

    @property
    def spanned(self) -> bool:
        """Some cell of the row covers more than one column."""
        return any(c.span != 1 for c in self.cells)

    def groups(self) -> list[tuple[int, int, Cell]]:
        """``(first column, number of columns, cell)`` for each visible cell, in order."""
        out = []
        for j, cell in enumerate(self.cells):
            if cell.span:
                out.append((j, cell.span, cell))
        return out


@dataclass(frozen=True, slots=True)
class Panel:
    """Consecutive body rows of one kind; ``title`` heads a block of a stacked table
    ("Panel A: Men") and is printed on its own row above the panel."""

    kind: PanelKind
    rows: tuple[Row, ...]
    title: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    """A complete table: header rows, body panels, notes, caption and label.

    Every row must have :attr:`ncols` cells, and spans must tile the row; empty panels are
    dropped on creation by :meth:`build`.
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
            j = 0
            while j < self.ncols:
                span = row.cells[j].span
                covered = row.cells[j + 1 : j + span]
                if span < 1 or j + span > self.ncols or any(c.span != 0 for c in covered):
                    raise RenderError(f"row {row.label!r}: column spans do not tile the row")
                j += span

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
        """Create a table, leaving out panels without rows (a dropped panel's title moves
        to the next panel of its block)."""
        kept: list[Panel] = []
        title = ""
        for p in panels:
            title = p.title or title
            if p.rows:
                kept.append(replace(p, title=title))
                title = ""
        return cls(header, tuple(kept), notes, caption, label, ncols)

    def rows(self) -> Iterator[Row]:
        """Header rows, then every body row in order."""
        yield from self.header
        for panel in self.panels:
            yield from panel.rows

    def body(self) -> Iterator[Row]:
        """Every body row in order."""
        for panel in self.panels:
            yield from panel.rows

    def panel(self, kind: PanelKind) -> Panel | None:
        """The first panel of that kind, if the table has one."""
        return next((p for p in self.panels if p.kind is kind), None)

    def column(self, j: int) -> list[Cell]:
        """The body cells of column ``j``."""
        return [row.cells[j] for row in self.body()]
