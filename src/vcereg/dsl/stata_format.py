"""Stata's numeric display formats, for ``string()``, ``tostring``, macros and ``display``.

``%w.df`` (fixed, ``%w.dfc`` with thousands commas), ``%w.de`` (exponential) and
``%w.dg`` / ``%w.0g`` (general: as many significant digits as fit the width, [D] format).
Stata writes ``.5`` for one half in ``%g`` (no leading zero) and ``.`` / ``.a`` for missing
values. Macros keep a number's full precision (``local x = 1/3`` holds
``.3333333333333333``), as :func:`macro_number` does.
"""

from __future__ import annotations

import math
import re

from ..errors import ExpressionError

__all__ = ["format_number", "macro_number", "parse_format"]

_FMT = re.compile(r"%(-?)(0?)(\d*)(?:\.(\d+))?([fgeFGE])(c?)")


def parse_format(fmt: str) -> tuple[int, int, str, bool]:
    """``"%9.2f"`` → (width 9, decimals 2, kind ``f``, commas False).

    >>> parse_format("%12.0g"), parse_format("%9.3fc")
    ((12, 0, 'g', False), (9, 3, 'f', True))
    """
    m = _FMT.fullmatch(fmt.strip())
    if m is None:
        raise ExpressionError(
            f"invalid numeric format {fmt!r}", hint="use e.g. %9.0g, %9.2f, %10.3e or %12.0fc"
        )
    width = int(m.group(3) or 9)
    return width, int(m.group(4) or 0), m.group(5).lower(), bool(m.group(6))


def _trim_zero(text: str) -> str:
    """Stata's ``%g`` drops the zero before the decimal point: ``0.5`` → ``.5``."""
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def _general(x: float, width: int, digits: int) -> str:
    """``%w.dg``: fixed notation with the most significant digits that fit, else exponent."""
    room = max(width - 1, 1)
    if x == 0:
        return "0"
    exp10 = math.floor(math.log10(abs(x)))
    for sig in range(digits or 16, 0, -1):
        if exp10 < -4 or exp10 >= max(sig, room):
            break
        decimals = max(sig - 1 - exp10, 0)
        text = f"{x:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        text = _trim_zero(text)
        if len(text) <= room and float(text) != 0:
            return text
    for sig in range(digits or 16, 0, -1):
        mant = f"{x:.{max(sig - 1, 0)}e}"
        base, _, power = mant.partition("e")
        if "." in base:
            base = base.rstrip("0").rstrip(".")
        text = f"{base}e{power[0]}{power[1:].lstrip('0').rjust(2, '0')}"
        if len(text) <= room:
            return text
    return f"{x:.0e}"


def format_number(x: float, fmt: str = "%9.0g", *, missing: str = ".") -> str:
    """``x`` in the Stata display format ``fmt``, without padding.

    >>> format_number(1 / 3), format_number(0.5), format_number(123456789)
    ('.3333333', '.5', '1.23e+08')
    >>> format_number(1234.5678, "%9.2f"), format_number(1234567, "%12.0fc")
    ('1234.57', '1,234,567')
    >>> format_number(float("nan"))
    '.'
    """
    if math.isnan(x):
        return missing
    width, digits, kind, commas = parse_format(fmt)
    if kind == "f":
        return f"{x:,.{digits}f}" if commas else f"{x:.{digits}f}"
    if kind == "e":
        mant, _, power = f"{x:.{digits}e}".partition("e")
        return f"{mant}e{power[0]}{power[1:].rjust(2, '0')}"
    if x == int(x) and abs(x) < 10 ** (width - 1):
        return f"{int(x):,}" if commas else str(int(x))
    return _general(x, width, digits)


def macro_number(x: float, code: str = "") -> str:
    """A number as a macro holds it: every digit that round-trips, ``.5`` not ``0.5``.

    >>> macro_number(1 / 3), macro_number(2.0), macro_number(1e20), macro_number(float("nan"))
    ('.3333333333333333', '2', '1.00000000000e+20', '.')
    """
    if math.isnan(x):
        return "." + code
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    text = repr(float(x))
    if "e" in text:
        mant, _, power = f"{x:.11e}".partition("e")
        return f"{mant}e{power[0]}{power[1:].rjust(2, '0')}"
    return _trim_zero(text)
