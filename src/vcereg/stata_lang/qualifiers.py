"""The qualifiers of a Stata command: ``if exp``, ``in #/#`` and ``[aw|fw|pw=var]``.

:func:`split_qualifiers` cuts the text between the command word and the comma into the
variable list and its qualifiers, in any order; the other functions read one qualifier each.
Errors carry spans into the whole line.
"""

from __future__ import annotations

import re

from ..dsl.expr import parse_expression
from ..errors import Span, closest
from ..spec import Dialect, RowRange, SampleSpec, WeightKind, WeightSpec
from .syntax import WORD, expand_abbrev, skip_ws, syntax_error, unsupported

__all__ = ["WEIGHT_ABBREVS", "parse_if", "parse_in", "parse_weight", "split_qualifiers"]

#: weight type → minimal abbreviation (``[aw=w]``, ``[fw=w]``, ``[pw=w]``)
WEIGHT_ABBREVS = {"aweight": "aw", "fweight": "fw", "frequency": "freq", "pweight": "pw",
            "iweight": "iw", "weight": "w"}  # fmt: skip
_QUAL = re.compile(r"(if|in)(?![A-Za-z0-9_])")
_WEIGHT_OPEN = re.compile(r"\[\s*[A-Za-z]\w*\s*=(?!=)")


def split_qualifiers(src: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """Split ``src[start:end]`` into ("varlist" | "if" | "in" | "weight", start, end).

    >>> line = "reg y x if x > 0 [aw=w]"
    >>> [(kind, line[a:b].strip()) for kind, a, b in split_qualifiers(line, 3, len(line))]
    [('varlist', 'y x'), ('if', 'if x > 0'), ('weight', '[aw=w]')]
    """
    marks: list[tuple[str, int]] = [("varlist", start)]
    depth, quote, i = 0, False, start
    while i < end:
        ch = src[i]
        if ch == '"':
            quote = not quote
        elif not quote and ch in "()":
            depth += 1 if ch == "(" else -1
        elif not quote and depth == 0:
            if ch == "[" and _WEIGHT_OPEN.match(src, i):
                marks.append(("weight", i))
                close = src.find("]", i, end)
                if close < 0:
                    raise syntax_error(
                        src, "unbalanced '[': expected ']' after the weight", i, i + 1
                    )
                marks.append(("", close + 1))
                i = close
            elif (i == start or src[i - 1].isspace()) and (m := _QUAL.match(src, i)):
                marks.append((m.group(1), i))
                i = m.end() - 1
        i += 1
    out = []
    for (kind, a), (_, b) in zip(marks, [*marks[1:], ("", end)], strict=True):
        if kind:
            out.append((kind, a, b))
        elif src[a:b].strip():
            raise syntax_error(
                src, "expected if, in or [weight] after a weight (got more text)", a, b
            )
    return out


def parse_if(src: str, a: int, b: int) -> SampleSpec:
    """The ``if`` qualifier at ``src[a:b]``, checked now by the expression parser."""
    lo = skip_ws(src, a + 2, b)
    text = src[lo:b].rstrip()
    if not text:
        raise syntax_error(src, "expected an expression after if (got nothing)", a, a + 2)
    parse_expression(text, Dialect.STATA, source=src, offset=lo)
    return SampleSpec(text, Dialect.STATA, Span(lo, lo + len(text)))


def parse_in(src: str, a: int, b: int) -> RowRange:
    """The ``in #/#`` qualifier at ``src[a:b]`` (``f`` is 1, ``l`` and negatives count back)."""
    a, b = skip_ws(src, a + 2, b), len(src[:b].rstrip())
    body = src[a:b]
    m = re.fullmatch(r"\s*([fl]|-?\d+)(?:\s*/\s*([fl]|-?\d+))?\s*", body, re.IGNORECASE)
    if m is None:
        raise syntax_error(
            src, f"expected in #/# such as 'in 1/100' or 'in -10/l' (got {body.strip()!r})", a, b
        )
    first, last = (_obs(g) for g in (m.group(1), m.group(2) or m.group(1)))
    if 0 in (first, last):
        raise syntax_error(
            src, "observation numbers start at 1 (or count back from -1 = l) (got 0)", a, b
        )
    if (first > 0) == (last > 0) and first > last:
        raise syntax_error(src, f"expected first <= last in 'in' (got {body.strip()})", a, b)
    return RowRange(first, last)


def _obs(text: str) -> int:
    return {"f": 1, "l": -1}.get(text.lower()) or int(text)


def parse_weight(src: str, a: int, b: int) -> WeightSpec:
    """The ``[aw|fw|pw=var]`` qualifier at ``src[a:b]``."""
    m = re.fullmatch(r"\[\s*(\w+)\s*=\s*(.*?)\s*\]", src[a:b], re.DOTALL)
    assert m is not None  # _WEIGHT_OPEN matched
    kind = expand_abbrev(m.group(1), WEIGHT_ABBREVS)
    k0, k1 = a + m.start(1), a + m.end(1)
    if kind in (None, "weight"):
        near = closest(m.group(1), ["aweight", "fweight", "pweight"])
        raise syntax_error(
            src,
            f"expected a weight type aw, fw or pw (got {m.group(1)!r})",
            k0,
            k1,
            hint=f"did you mean {near}?" if near else "write [aw=w] (analytic) or [fw=w]",
        )
    if kind == "iweight":
        raise unsupported(
            src,
            "importance weights [iw=] are not supported",
            k0,
            k1,
            hint="use [aw=] (analytic) or [pw=] (sampling) weights",
        )
    var = m.group(2)
    if not WORD.fullmatch(var):
        raise unsupported(
            src,
            f"a weight must be a variable name (got {var!r})",
            a + m.start(2),
            a + m.end(2),
            hint="generate the weight variable first",
        )
    wk = {"aweight": WeightKind.AWEIGHT, "pweight": WeightKind.PWEIGHT}.get(kind)
    return WeightSpec(var, wk or WeightKind.FWEIGHT)
