"""The grammar of a Stata variable list: factor-variable and time-series notation.

One variable list (``i.region c.age##c.age L(1/2).gdp``) becomes a :class:`Varlist` of
:class:`FTerm` (one per Stata term, after ``##`` and ``L(1/3).`` expansion), each a tuple of
:class:`FVar`; an instrumented group ``(endog = instruments)`` is kept apart. Operator
prefixes are decoded by :mod:`vcereg.stata_lang.operators`; rendering the terms for formulaic
is :mod:`vcereg.stata_lang.factors`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import NoReturn

from ..errors import Span
from ..spec import TsVar, make_tsvar
from .operators import Ops, decode
from .syntax import WORD, syntax_error, unsupported

__all__ = ["FTerm", "FVar", "Varlist", "parse_varlist"]


@dataclass(frozen=True, slots=True)
class FVar:
    """One variable inside a Stata term.

    ``name`` is the data column, ``column`` what the formula uses (``name``, or the generated
    column of a time-series operator), ``kind`` ``"i"`` (factor) or ``"c"`` (continuous),
    ``base`` ``None`` (lowest level), digits (``ib2.``) or ``"last"``/``"freq"``/``"#k"``.
    """

    name: str
    column: str
    kind: str
    span: Span
    base: str | None = None
    bn: bool = False
    ts: TsVar | None = None

    @property
    def stata(self) -> str:
        """Stata spelling: ``i.g``, ``ib2.g``, ``ibn.g``, ``c.x``, ``L2.x``."""
        if self.kind == "i":
            b = "bn" if self.bn else "" if self.base is None else f"b{_paren(self.base)}"
            return f"i{b}.{self.name}"
        return self.ts.label if self.ts else f"c.{self.name}"


@dataclass(frozen=True, slots=True)
class FTerm:
    """One Stata term (``i.a#c.x``): its variables, in the order typed, and where it is."""

    factors: tuple[FVar, ...]
    span: Span

    @property
    def text(self) -> str:
        if len(self.factors) == 1 and self.factors[0].kind == "c":
            f = self.factors[0]
            return f.ts.label if f.ts else f.name
        return "#".join(f.stata for f in self.factors)


@dataclass(frozen=True, slots=True)
class Varlist:
    """A parsed variable list: terms, the instrumented group ``(endog = inst)`` if any, and
    the time-series columns to generate."""

    terms: tuple[FTerm, ...]
    endog: tuple[FTerm, ...] = ()
    instruments: tuple[FTerm, ...] = ()
    iv_span: Span | None = None
    tsvars: tuple[TsVar, ...] = ()


def _paren(base: str) -> str:
    return base if base.isdigit() else f"({base})"


def parse_varlist(
    text: str, *, source: str | None = None, offset: int = 0, ts: bool = False, iv: bool = False
) -> Varlist:
    """Parse a Stata variable list with factor-variable and time-series notation.

    Parameters
    ----------
    text
        The variable list, e.g. ``"i.region##c.age L(1/2).gdp"``.
    source, offset
        The full line ``text`` comes from and its offset there, so error carets point into it.
    ts
        Whether a time variable is declared (``tsset``/``xtset``); operators need one.
    iv
        Whether an instrumented group ``(endog = instruments)`` is allowed.

    Examples
    --------
    >>> [t.text for t in parse_varlist("i.a##c.x").terms]
    ['i.a', 'x', 'i.a#c.x']
    >>> [t.text for t in parse_varlist("L(1/2).gdp", ts=True).terms]
    ['L.gdp', 'L2.gdp']
    """
    src = text if source is None else source
    p = _Parser(src, offset, offset + len(text), ts, iv)
    return p.varlist()


class _Parser:
    def __init__(self, src: str, start: int, end: int, ts: bool, iv: bool) -> None:
        self.src, self.pos, self.end, self.ts_ok, self.iv_ok = src, start, end, ts, iv
        self.tsvars: dict[str, TsVar] = {}

    def fail(self, msg: str, a: int, b: int, hint: str | None = None) -> NoReturn:
        raise syntax_error(self.src, msg, a, b, hint)

    def unsupported(self, msg: str, a: int, b: int, hint: str | None = None) -> NoReturn:
        raise unsupported(self.src, msg, a, b, hint)

    def peek(self) -> str:
        return self.src[self.pos] if self.pos < self.end else ""

    def ws(self) -> None:
        while self.pos < self.end and self.src[self.pos].isspace():
            self.pos += 1

    def varlist(self) -> Varlist:
        terms: list[FTerm] = []
        endog: list[FTerm] = []
        inst: list[FTerm] = []
        iv_span: Span | None = None
        while True:
            self.ws()
            if self.pos >= self.end:
                break
            if self.peek() == "(" and self._iv_group_ahead():
                start = self.pos
                if not self.iv_ok:
                    self.unsupported(
                        "an instrumented group (endog = instruments) needs ivregress 2sls",
                        start,
                        self._close(start) + 1,
                        hint="write: ivregress 2sls y x (endog = instruments)",
                    )
                if iv_span is not None:
                    self.fail(
                        "expected one (endog = instruments) group (got a second one)",
                        start,
                        self._close(start) + 1,
                    )
                endog, inst = self._iv_group()
                iv_span = Span(start, self.pos)
                continue
            terms.extend(self.expr())
        unique = list(dict.fromkeys(terms, None))
        return Varlist(
            tuple(unique), tuple(endog), tuple(inst), iv_span, tuple(self.tsvars.values())
        )

    def _close(self, start: int) -> int:
        depth = 0
        for i in range(start, self.end):
            depth += {"(": 1, ")": -1}.get(self.src[i], 0)
            if depth == 0:
                return i
        self.fail("unbalanced '(': expected ')' before the end", start, start + 1)

    def _iv_group_ahead(self) -> bool:
        return "=" in self.src[self.pos : self._close(self.pos)]

    def _iv_group(self) -> tuple[list[FTerm], list[FTerm]]:
        close = self._close(self.pos)
        eq = self.src.index("=", self.pos, close)
        sides = []
        for a, b in ((self.pos + 1, eq), (eq + 1, close)):
            sub = _Parser(self.src, a, b, self.ts_ok, False)
            sub.tsvars = self.tsvars
            got = sub.varlist().terms
            if not got:
                which = "endogenous variables" if a == self.pos + 1 else "instruments"
                self.fail(f"expected {which} in (endog = instruments) (got nothing)", a - 1, b + 1)
            sides.append(list(got))
        self.pos = close + 1
        return sides[0], sides[1]

    def expr(self) -> list[FTerm]:
        start = self.pos
        operands = [self.operand()]
        op = ""
        while True:
            save = self.pos
            self.ws()
            this = (
                "##" if self.src.startswith("##", self.pos) else "#" if self.peek() == "#" else ""
            )
            if not this or self.pos >= self.end:
                self.pos = save
                break
            if op and op != this:
                self.unsupported(
                    "mixing # and ## in one term is not supported",
                    start,
                    self.pos + 2,
                    hint="write the terms out, e.g. a##b a#b#c",
                )
            op = this
            self.pos += len(this)
            self.ws()
            operands.append(self.operand())
        span = Span(start, self.pos)
        inter = len(operands) > 1
        alts = [[replace(v, kind=v.kind or ("i" if inter else "c")) for v in o] for o in operands]
        out: list[FTerm] = []
        for combo in itertools.product(*alts):
            subsets = (
                [c for k in range(1, len(combo) + 1) for c in itertools.combinations(combo, k)]
                if op == "##"
                else [combo]
            )
            for sub in subsets:
                out.append(self._term(sub, span))
        return out

    def _term(self, factors: tuple[FVar, ...], span: Span) -> FTerm:
        seen: set[str] = set()
        for f in factors:
            if f.kind == "i":
                if f.ts is not None:
                    self.unsupported(
                        "factor variables with time-series operators are not supported yet",
                        f.span.start,
                        f.span.end,
                    )
                if f.name in seen:
                    self.fail(
                        f"{f.name} appears twice as a factor in one interaction",
                        span.start,
                        span.end,
                    )
                seen.add(f.name)
            elif f.base is not None or f.bn:
                self.fail(
                    f"c.{f.name} cannot have a base level (got a b operator)",
                    f.span.start,
                    f.span.end,
                )
        return FTerm(factors, span)

    def operand(self) -> list[FVar]:
        start = self.pos
        ops = self._prefix()
        if self.peek() == "(":
            close = self._close(self.pos)
            inner = _Parser(self.src, self.pos + 1, close, self.ts_ok, False)
            inner.tsvars = self.tsvars
            got: list[FVar] = []
            while True:
                inner.ws()
                if inner.pos >= inner.end:
                    break
                got.extend(inner.operand())
            self.pos = close + 1
            if not got:
                self.fail("expected variable names inside ( )", start, self.pos)
            if ops is None:
                return got
            if any(v.kind or v.base or v.ts for v in got):
                self.unsupported(
                    "nested operators such as i.(c.x) are not supported", start, self.pos
                )
            return [w for v in got for w in self._apply(ops, v.name, v.span)]
        m = WORD.match(self.src, self.pos, self.end)
        if m is None:
            got_text = self.src[self.pos : self.pos + 1] or "the end of the list"
            self.fail(f"expected a variable name (got {got_text!r})", self.pos, self.pos + 1)
        self.pos = m.end()
        nxt = self.peek()
        if nxt in ("*", "?", "~") or (nxt == "-" and WORD.match(self.src, self.pos + 1, self.end)):
            stop = self.pos + 1
            while stop < self.end and not self.src[stop].isspace():
                stop += 1
            self.unsupported(
                "variable wildcards and ranges need the data and are not supported",
                m.start(),
                stop,
                hint="list the variables by name",
            )
        if nxt and not nxt.isspace() and nxt not in "#)=(":
            self.fail(
                f"unexpected {nxt!r} after {m.group(0)}: Stata separates variables with spaces",
                self.pos,
                self.pos + 1,
                hint="use factor-variable notation for interactions (a#b) and squares (c.x#c.x)",
            )
        if ops is None:
            return [FVar(m.group(0), m.group(0), "", Span(start, self.pos))]
        return self._apply(ops, m.group(0), Span(start, self.pos))

    def _prefix(self) -> Ops | None:
        j = self.pos
        while j < self.end:
            c = self.src[j]
            if c.isalnum():
                j += 1
            elif c == "(" and j > self.pos:
                close = self.src.find(")", j, self.end)
                if close < 0:
                    return None
                j = close + 1
            else:
                break
        if j == self.pos or j >= self.end or self.src[j] != ".":
            return None
        ops = decode(self.src[self.pos : j], self.pos, self.src)
        self.pos = j + 1
        return ops

    def _apply(self, ops: Ops, name: str, span: Span) -> list[FVar]:
        if ops.ts_op is None:
            return [FVar(name, name, ops.kind, span, ops.base, ops.bn)]
        if not self.ts_ok:
            self.fail(
                "time-series operators require tsset/xtset (no time variable is declared)",
                span.start,
                span.end,
                hint="declare it first: xtset id time (or tsset time), or pass panel=",
            )
        out = []
        for order in ops.orders:
            if order == 0:
                out.append(FVar(name, name, ops.kind, span))
                continue
            tv = make_tsvar(ops.ts_op, order, name)
            self.tsvars.setdefault(tv.name, tv)
            out.append(FVar(name, tv.name, ops.kind, span, ts=tv))
        return out
