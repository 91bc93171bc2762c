"""Stata's macro expansion ([P] macro): `` `name' ``, `` `=exp' ``, `` `:fn' ``, ``$name``.

Local macros are expanded innermost first, so `` ``x'`i'' `` works; an undefined macro is
``""``. `` `"..."' `` compound quotes are not macros; ``\\$`` and ``\\``` are a literal
``$`` and `````. Text that a macro expands to is never expanded again. Global macros
``$name`` and ``${name}`` are expanded after the locals. A macro value is at most
:data:`MAX_MACRO` characters (Stata's own limit is of the same order), so a do-file that
doubles a macro in a loop is stopped instead of exhausting memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from ..errors import StataSyntaxError

__all__ = ["MAX_MACRO", "expand"]

#: The longest text a macro, or a line after expansion, may hold.
MAX_MACRO = 1_000_000
_OPEN, _CLOSE, _DOLLAR = "\ue000", "\ue001", "\ue002"
_GLOBAL = re.compile(r"\$(?:\{([A-Za-z_]\w{0,31})\}|([A-Za-z_]\w{0,31}))")
_PROTECT = str.maketrans({"`": _OPEN, "'": _CLOSE, "$": _DOLLAR})
_RESTORE = str.maketrans({_OPEN: "`", _CLOSE: "'", _DOLLAR: "$"})


def _innermost(text: str) -> tuple[int, int] | None:
    """Start and end (the closing quote) of the innermost local macro, else None."""
    opens: list[int] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "`":
            if text.startswith('`"', i):  # a compound quote, not a macro
                i += 2
                continue
            opens.append(i)
        elif c == "'" and opens:
            start = opens[-1]
            form = text[start + 1 : start + 2]
            if text[i - 1] != '"' or form in ("=", ":") or i - 1 == start:
                return start, i
        i += 1
    return None


def expand(
    text: str,
    locals_: Mapping[str, str],
    globals_: Mapping[str, str],
    evaluate: Callable[[str], str],
    extended: Callable[[str], str],
) -> str:
    """``text`` with its macros expanded.

    ``evaluate`` gives the value of `` `=exp' ``, ``extended`` that of `` `:fn' ``.

    >>> expand("gen x`i' = `y`i''", {"i": "2", "y2": "z"}, {}, str, str)
    'gen x2 = z'
    >>> expand("di `a' $b ${b}c", {}, {"b": "B"}, str, str)
    'di  B Bc'
    """
    text = text.replace("\\$", _DOLLAR).replace("\\`", _OPEN)
    while (found := _innermost(text)) is not None:
        a, b = found
        inner = text[a + 1 : b].translate(_RESTORE)
        if inner.startswith("="):
            value = evaluate(inner[1:])
        elif inner.startswith(":"):
            value = extended(inner[1:].strip())
        else:
            value = locals_.get(inner.strip(), "")
        text = text[:a] + value.translate(_PROTECT) + text[b + 1 :]
        if len(text) > MAX_MACRO:
            raise StataSyntaxError(f"macro expansion longer than {MAX_MACRO:,} characters")

    def glob(m: re.Match[str]) -> str:
        return globals_.get(m.group(1) or m.group(2), "").translate(_PROTECT)

    text = _GLOBAL.sub(glob, text)
    if len(text) > MAX_MACRO:
        raise StataSyntaxError(f"macro expansion longer than {MAX_MACRO:,} characters")
    return text.translate(_RESTORE)
