"""Operator prefixes of Stata's factor-variable and time-series notation.

The part before the dot of ``i.g``, ``ib2.g``, ``ibn.g``, ``ib(last).g``, ``c.x``, ``L2.x``,
``L(1/3).x`` or ``cL.x`` is decoded into an :class:`Ops` record; refused with a specific
message: ``o.`` (omit), level selection (``2.g``, ``i(2 3).g``) and combined time-series
operators (``LD.x``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from .syntax import syntax_error, unsupported

__all__ = ["Ops", "decode"]


@dataclass(frozen=True, slots=True)
class Ops:
    """A decoded prefix: ``kind`` ``"i"``/``"c"``/``""`` (unsaid), the base level (as in
    :class:`~vcereg.stata_lang.varlist.FVar`), ``bn``, and the time-series operator with its
    orders (``L(1/3).`` → ``"L"``, ``(1, 2, 3)``)."""

    kind: str = ""
    base: str | None = None
    bn: bool = False
    ts_op: Literal["L", "F", "D", "S"] | None = None
    orders: tuple[int, ...] = (1,)


_OP_TOKEN = re.compile(r"(bn|b\d+|b\([^()]*\)|i|c|o|[LFDSlfds](?:\d+|\([^()]*\))?|\d+|\([^()]*\))")


def decode(text: str, at: int, src: str) -> Ops:
    """Decode an operator prefix such as ``ib(last)``, ``cL2`` or ``L(1/3)``.

    ``text`` is the prefix without its ``.``, found at ``src[at:]`` (for error carets).

    >>> decode("ib(last)", 0, "ib(last).g")
    Ops(kind='i', base='last', bn=False, ts_op=None, orders=(1,))
    >>> decode("L(1/3)", 0, "L(1/3).x").orders
    (1, 2, 3)
    """
    ops = Ops()
    pos = 0
    while pos < len(text):
        m = _OP_TOKEN.match(text, pos)
        a, b = at + pos, at + (m.end() if m else len(text))
        if m is None:
            raise syntax_error(
                src,
                f"unknown operator {text[pos:]!r} in {text}.",
                a,
                at + len(text),
                hint="factor operators: i. c. ib#. ibn.; time-series: L. F. D. S.",
            )
        tok = m.group(0)
        pos = m.end()
        if tok in ("i", "c"):
            if ops.kind and ops.kind != tok:
                raise syntax_error(src, "a variable cannot be both i. and c.", at, at + len(text))
            ops = replace(ops, kind=tok)
        elif tok == "o":
            raise unsupported(src, "the o. (omit) operator is not supported", a, b)
        elif tok == "bn":
            ops = replace(ops, kind="i", bn=True)
        elif tok.startswith("b"):
            ops = replace(ops, kind="i", base=_base(tok[1:], a, b, src))
        elif tok[0].isdigit() or tok[0] == "(":
            raise unsupported(
                src,
                "selecting levels (2.v, i2.v, i(2 3).v) is not supported yet",
                a,
                b,
                hint="generate an indicator variable, or use ib#. to set the base",
            )
        else:
            if ops.ts_op is not None:
                raise unsupported(
                    src,
                    "combined time-series operators (such as LD.) are not supported yet",
                    at,
                    at + len(text),
                    hint="generate the variable first",
                )
            op = tok[0].upper()
            rest = tok[1:]
            orders = (
                (int(rest),)
                if rest.isdigit()
                else _numlist(rest[1:-1], a + 2, src)
                if rest
                else (1,)
            )
            ops = replace(ops, ts_op=op, orders=orders)  # type: ignore[arg-type]
    return ops


def _base(spec: str, a: int, b: int, src: str) -> str | None:
    inner = spec[1:-1].strip() if spec.startswith("(") else spec
    if inner.isdigit():
        return str(int(inner))
    if inner == "first":
        return None
    if inner in ("last", "freq"):
        return inner
    if re.fullmatch(r"#\d+", inner) and int(inner[1:]) > 0:
        return inner
    raise syntax_error(
        src,
        f"expected a base level: ib#., ib(#k)., ib(first)., ib(last). or ib(freq). (got b{spec})",
        a,
        b,
    )


def _numlist(text: str, at: int, src: str) -> tuple[int, ...]:
    out: list[int] = []
    for tok in text.replace(",", " ").split():
        m = re.fullmatch(r"(\d+)(?:/(\d+))?", tok)
        if m is None or (m.group(2) and int(m.group(2)) < int(m.group(1))):
            raise syntax_error(
                src,
                f"expected a list of orders such as (1/3) or (1 2 4) (got {text!r})",
                at,
                at + len(text),
            )
        lo = int(m.group(1))
        out.extend(range(lo, int(m.group(2) or lo) + 1))
    if not out:
        raise syntax_error(
            src, "expected orders inside the parentheses, e.g. L(1/3).", at - 1, at + 1
        )
    return tuple(dict.fromkeys(out))
