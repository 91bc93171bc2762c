"""Scanning helpers shared by the modules that read Stata command lines.

Every position is an index into the caller's full line, so the errors built here carry a
:class:`~vcereg.errors.Span` that points into what the user typed (at least one character
wide, so the caret is always visible).
"""

from __future__ import annotations

import re

from ..errors import NotSupportedError, Span, StataSyntaxError

__all__ = [
    "WORD",
    "expand_abbrev",
    "matching_paren",
    "skip_ws",
    "span_bounds",
    "syntax_error",
    "top_comma",
    "unsupported",
]

#: A Stata name: a variable, command, option or operator word.
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def syntax_error(src: str, msg: str, a: int, b: int, hint: str | None = None) -> StataSyntaxError:
    """A :class:`~vcereg.errors.StataSyntaxError` with a caret under ``src[a:b]``."""
    return StataSyntaxError(msg, source=src, span=Span(a, max(b, a + 1)), hint=hint)


def unsupported(src: str, msg: str, a: int, b: int, hint: str | None = None) -> NotSupportedError:
    """A :class:`~vcereg.errors.NotSupportedError` with a caret under ``src[a:b]``."""
    return NotSupportedError(msg, source=src, span=Span(a, max(b, a + 1)), hint=hint)


def span_bounds(span: Span | None) -> tuple[int, int]:
    """``(start, end)`` of ``span``; the first character when there is none."""
    return (span.start, span.end) if span else (0, 1)


def skip_ws(src: str, i: int, end: int | None = None) -> int:
    """The first index from ``i`` (up to ``end``) that is not whitespace."""
    end = len(src) if end is None else end
    while i < end and src[i].isspace():
        i += 1
    return i


def matching_paren(src: str, i: int) -> int | None:
    """Index of the ``)`` matching ``src[i] == "("`` (quotes respected), or None.

    >>> matching_paren('vce(cluster (a)) x', 3), matching_paren("f(a", 1)
    (15, None)
    """
    depth, quote = 0, False
    for j in range(i, len(src)):
        ch = src[j]
        if ch == '"':
            quote = not quote
        elif not quote and ch in "()":
            depth += 1 if ch == "(" else -1
            if depth == 0:
                return j
    return None


def top_comma(src: str, start: int) -> int:
    """Index of the first ``,`` from ``start`` outside brackets and quotes, else ``len(src)``.

    >>> top_comma("reg y x if inlist(g, 1, 2), robust", 0)
    26
    """
    depth, quote = 0, False
    for i in range(start, len(src)):
        ch = src[i]
        if ch == '"':
            quote = not quote
        elif not quote:
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
            if ch == "," and depth == 0:
                return i
    return len(src)


def expand_abbrev(word: str, table: dict[str, str]) -> str | None:
    """The full name that ``word`` abbreviates (``table``: full name → minimal abbreviation).

    >>> table = {"regress": "re", "reghdfe": "reghdfe"}
    >>> expand_abbrev("reg", table), expand_abbrev("r", table), expand_abbrev("REGHDFE", table)
    ('regress', None, 'reghdfe')
    """
    word = word.lower()
    return next((f for f, m in table.items() if f.startswith(word) and len(word) >= len(m)), None)
