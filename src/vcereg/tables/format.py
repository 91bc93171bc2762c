"""Number formatting: the only place in vcereg where numbers become strings.

Two families live here:

* table formatting for :func:`~vcereg.tables.etable` (fixed digits, stars, parentheses,
  thousands separators for counts, an empty cell for missing values, the typographic minus
  sign); the ``*_cell`` functions return table cells that keep the unrounded number too;
* Stata's display formats for :func:`~vcereg.tables.render_summary` (``%9.0g``-like
  general format with the leading zero dropped, ``%9.4f`` and friends, ``.`` for missing).

Renderers never see a float: builders call these functions and store strings in the
table IR (:mod:`vcereg.tables.ir`).
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from numbers import Integral, Real

from .ir import Cell

__all__ = [
    "MINUS",
    "MISSING",
    "StarSpec",
    "count_cell",
    "date_cell",
    "fmt_ci",
    "fmt_count",
    "fmt_date",
    "fmt_df",
    "fmt_fixed",
    "fmt_level",
    "fmt_threshold",
    "fmt_value",
    "number_cell",
    "stars_for",
    "stata_count",
    "stata_fixed",
    "stata_g",
    "stata_sig",
    "typeset_minus",
    "value_cell",
]

MISSING = ""
"""What a missing (``None``/NaN) value looks like in a table: nothing, as journals print it."""

_EPOCH = date(1970, 1, 1)

MINUS = "\u2212"
"""The minus sign (U+2212), which typesetting formats print instead of the hyphen."""

_HYPHEN_MINUS = re.compile(r"(?<![\w.])-(?=[\d.])")


def typeset_minus(text: str) -> str:
    """``text`` with the hyphens that are minus signs (before a number) as U+2212.

    >>> typeset_minus("-0.159***"), typeset_minus("[-1.2, -0.3]"), typeset_minus("2-way")
    ('−0.159***', '[−1.2, −0.3]', '2-way')
    """
    return _HYPHEN_MINUS.sub(MINUS, text)


StarSpec = tuple[tuple[str, float], ...]
"""Star symbols with their p-value thresholds, loosest first: ``(("*", 0.1), ("**", 0.05))``."""


def _finite(x: object) -> float | None:
    """``x`` as a float, or ``None`` when it is missing (``None``, NaN, infinite)."""
    if isinstance(x, Real) and not isinstance(x, bool) and math.isfinite(float(x)):
        return float(x)
    return None


def _no_negative_zero(text: str) -> str:
    if text.startswith("-") and float(text) == 0.0:
        return text[1:]
    return text


def fmt_fixed(x: object, digits: int, width: int | None = None) -> str:
    """Fixed-point with ``digits`` decimals; empty when missing, no negative zero; in
    exponent format when longer than ``width`` (a t of 1e17 must not break a column).

    >>> fmt_fixed(-0.00004, 3), fmt_fixed(float("nan"), 2), fmt_fixed(1234.5, 1)
    ('0.000', '', '1234.5')
    >>> fmt_fixed(1.234e17, 2, width=8)
    '1.23e+17'
    """
    value = _finite(x)
    if value is None:
        return MISSING
    return _fit_width(_no_negative_zero(f"{value:.{digits}f}"), value, width)


def _fit_width(text: str, value: float, width: int | None) -> str:
    """``text``, or ``value`` in the longest exponent format that fits ``width``."""
    if width is None or len(text) <= width:
        return text
    for decimals in range(max(width - 6, 0), -1, -1):
        short = f"{value:.{decimals}e}"
        if len(short) <= width:
            return short
    return f"{value:.0e}"


def fmt_count(n: object) -> str:
    """An integer count with thousands separators: ``1,234``; empty when missing.

    >>> fmt_count(395), fmt_count(1234567.0)
    ('395', '1,234,567')
    """
    value = _finite(n)
    if value is None:
        return MISSING
    return f"{round(value):,d}"


def fmt_value(x: object, kind: str | int, digits: int) -> str:
    """Format one cell of a statistic or an added row.

    Parameters
    ----------
    x
        The value: a number, a string (kept as is), a bool (``Yes``/``No``) or missing.
    kind
        ``"count"`` (thousands separators), ``"decimal"`` (``digits`` decimals), ``"auto"``
        or ``"text"`` (strings kept; integers as counts, other numbers as decimals) or an
        ``int``: that many decimals.
    digits
        Decimals for ``"decimal"`` and ``"auto"``.

    >>> fmt_value(1234, "auto", 3), fmt_value(0.51234, 2, 3), fmt_value(True, "text", 3)
    ('1,234', '0.51', 'Yes')
    """
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return "Yes" if x else "No"
    if x is not None and not isinstance(x, Real):
        return str(x)
    if kind == "count" or (kind in ("auto", "text") and isinstance(x, Integral)):
        return fmt_count(x)
    return fmt_fixed(x, kind if isinstance(kind, int) else digits, width=14)


def number_cell(
    x: object,
    digits: int,
    *,
    prefix: str = "",
    suffix: str = "",
    stars: str = "",
    width: int | None = None,
) -> Cell:
    """A cell showing ``x`` with ``digits`` decimals (empty when missing), keeping ``x``.

    >>> c = number_cell(0.00041234, 3, prefix="(", suffix=")")
    >>> c.text, c.value, c.digits
    ('(0.000)', 0.00041234, 3)
    >>> number_cell(float("nan"), 3, prefix="(", suffix=")").text
    ''
    """
    value = _finite(x)
    if value is None:
        return Cell()
    text = fmt_fixed(value, digits, width=width)
    exact = "e" not in text
    return Cell(text, prefix, suffix, True, stars, value=value, digits=digits if exact else None)


def count_cell(n: object) -> Cell:
    """A count with thousands separators (empty when missing), keeping the number.

    >>> count_cell(50000).text
    '50,000'
    """
    value = _finite(n)
    if value is None:
        return Cell()
    return Cell(fmt_count(value), numeric=True, value=float(round(value)), digits=0, thousands=True)


def value_cell(x: object, kind: str | int, digits: int) -> Cell:
    """The cell of a statistic or an added row; see :func:`fmt_value` for ``kind``.

    >>> value_cell(True, "text", 3).text, value_cell(1234, "auto", 3).text
    ('Yes', '1,234')
    """
    if isinstance(x, str | bool) or (x is not None and not isinstance(x, Real)):
        return Cell.of(fmt_value(x, kind, digits))
    if kind == "count" or (kind in ("auto", "text") and isinstance(x, Integral)):
        return count_cell(x)
    return number_cell(x, kind if isinstance(kind, int) else digits, width=14)


def fmt_date(days: object) -> str:
    """A day count since 1970-01-01 as an ISO date (the day it falls in); empty when missing.

    >>> fmt_date(0.0), fmt_date(19000.6), fmt_date(None)
    ('1970-01-01', '2022-01-08', '')
    """
    value = _finite(days)
    if value is None:
        return MISSING
    return (_EPOCH + timedelta(days=math.floor(value))).isoformat()


def date_cell(days: object) -> Cell:
    """A date statistic (text: Excel shows it as written)."""
    return Cell(fmt_date(days))


def fmt_ci(lower: object, upper: object, digits: int) -> str:
    """A confidence-interval cell: ``[0.012, 0.045]``; empty when both ends are missing."""
    if _finite(lower) is None and _finite(upper) is None:
        return MISSING
    return f"[{fmt_fixed(lower, digits)}, {fmt_fixed(upper, digits)}]"


def stars_for(p: object, spec: StarSpec) -> str:
    """The symbol of the strictest threshold that ``p`` is below (empty if none or missing).

    >>> spec = (("*", 0.10), ("**", 0.05), ("***", 0.01))
    >>> stars_for(0.03, spec), stars_for(0.2, spec), stars_for(float("nan"), spec)
    ('**', '', '')
    """
    value = _finite(p)
    symbol = ""
    if value is None:
        return symbol
    for sym, threshold in spec:
        if value < threshold:
            symbol = sym
    return symbol


def fmt_threshold(x: float) -> str:
    """A p-value threshold with at least two decimals and no more than it needs.

    >>> fmt_threshold(0.1), fmt_threshold(0.05), fmt_threshold(0.001)
    ('0.10', '0.05', '0.001')
    """
    for digits in range(2, 10):
        text = f"{x:.{digits}f}"
        if float(text) == x:
            return text
    return repr(x)


def fmt_level(level: float) -> str:
    """A confidence level in percent without a needless ``.0``: ``95``, ``99.5``."""
    return f"{level:g}"


def fmt_df(df: object) -> str:
    """Degrees of freedom: integral values without decimals; ``.`` when unknown.

    >>> fmt_df(393.0), fmt_df(12.5), fmt_df(None)
    ('393', '12.50', '.')
    """
    value = _finite(df)
    if value is None:
        return "."
    return str(round(value)) if value.is_integer() else f"{value:.2f}"


# --- Stata display formats ------------------------------------------------------------


def _drop_leading_zero(text: str) -> str:
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def _strip_zeros(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def stata_g(x: object, width: int = 9) -> str:
    """Stata's ``%{width}.0g``: as many significant digits as fit, ``.`` when missing.

    One position is kept for the sign, so a positive number uses at most ``width - 1``
    characters. Numbers smaller than one lose the leading zero; a value whose fixed
    form would keep fewer than three significant digits switches to ``1.23e-06``.

    >>> stata_g(0.0196045123), stata_g(-1.2345674), stata_g(10.134834), stata_g(5.0)
    ('.0196045', '-1.234567', '10.13483', '5')
    >>> stata_g(0.00000123456), stata_g(123456789.0), stata_g(float("nan"))
    ('1.23e-06', '1.23e+08', '.')
    """
    value = _finite(x)
    if value is None:
        return "."
    if value == 0.0:
        return "0"
    room = width - 1
    sign = "-" if value < 0 else ""
    mag = abs(value)
    int_digits = len(str(int(mag))) if mag >= 1 else 0
    if int_digits <= room:
        decimals = max(room - int_digits - 1, 0)
        text = f"{mag:.{decimals}f}"
        if mag >= 1 and len(text.split(".")[0]) > int_digits:  # rounding added a digit
            text = f"{mag:.{max(decimals - 1, 0)}f}"
        text = _drop_leading_zero(_strip_zeros(text))
        significant = len(text.replace(".", "").lstrip("0"))
        if mag >= 1 or significant >= 3 or float(text) == mag:
            return sign + text
    mantissa, exponent = f"{mag:.{max(room - 6, 0)}e}".split("e")
    return f"{sign}{mantissa}e{exponent[0]}{int(exponent[1:]):02d}"


def stata_fixed(x: object, decimals: int, width: int | None = None) -> str:
    """Stata's ``%w.df``: fixed decimals, ``.`` when missing; exponent format when the
    number is wider than ``width`` (as Stata does when a value overflows its format).

    >>> stata_fixed(0.49964, 4), stata_fixed(None, 2), stata_fixed(-3.2e19, 2, width=8)
    ('0.4996', '.', '-3.2e+19')
    """
    value = _finite(x)
    if value is None:
        return "."
    return _fit_width(_no_negative_zero(f"{value:.{decimals}f}"), value, width)


def stata_sig(x: object, significant: int = 5) -> str:
    """Stata's ``%9.{significant}g`` as used for Root MSE.

    >>> stata_sig(4.584537), stata_sig(0.0387149)
    ('4.5845', '.038715')
    """
    value = _finite(x)
    if value is None:
        return "."
    return _drop_leading_zero(f"{value:.{significant}g}")


def stata_count(n: object) -> str:
    """Stata's ``%12.0fc`` count with thousands separators, ``.`` when missing."""
    value = _finite(n)
    if value is None:
        return "."
    return fmt_count(value)
