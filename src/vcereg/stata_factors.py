"""Stata variable lists: factor-variable and time-series notation → formulaic terms.

One variable list (``i.region c.age##c.age L(1/2).gdp``) becomes a list of :class:`FTerm`
(one per Stata term, after ``##`` and ``L(1/3).`` expansion), each rendered as a formulaic
term: ``i.v`` → ``C(v)``, ``ib2.v`` → ``C(v, contr.treatment(base=2))``, ``c.x#c.x`` →
``I(x ** 2)``, ``i.a#c.x`` → ``C(a):x``, ``L2.x`` → the generated column ``L2__x``.

Stata and formulaic decide differently which indicator columns an interaction keeps, so
:func:`vcereg.naming.check_coding` replays both rules on the terms and refuses
(``NotSupportedError``) a variable list whose formulaic columns would not be Stata's.

Base levels that need the data (``ib(last).v``, ``ib(freq).v``, ``ib(#3).v``) are written
into the formula as a placeholder identifier, ``C(v, contr.treatment(base=__stata_base_last__))``
(also ``__stata_base_freq__`` and ``__stata_base_nth_3__``); :func:`resolve_bases` replaces it
with the level found in the estimation sample. An unresolved placeholder makes formulaic fail
loudly (unknown name), never silently pick another base.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from typing import Literal, NoReturn

import pandas as pd

from .errors import (
    DataError,
    MissingVariableError,
    NotSupportedError,
    Span,
    StataSyntaxError,
    closest,
)
from .spec import IVSpec, ModelSpec, TsVar
from .tsops import make_tsvar

__all__ = [
    "PLACEHOLDER",
    "FTerm",
    "FVar",
    "Varlist",
    "categorical_expr",
    "has_pending_bases",
    "parse_varlist",
    "resolve_bases",
    "term_formula",
    "term_pieces",
]

PLACEHOLDER = re.compile(r"__stata_base_(last|freq|nth_(\d+))__")
_C_WITH_PLACEHOLDER = re.compile(
    r"C\((?P<var>[A-Za-z_]\w*), contr\.treatment\(base=(?P<mark>__stata_base_\w+?__)\)\)"
)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TS_OPS = "LFDS"


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
        raise StataSyntaxError(msg, source=self.src, span=Span(a, max(b, a + 1)), hint=hint)

    def unsupported(self, msg: str, a: int, b: int, hint: str | None = None) -> NoReturn:
        raise NotSupportedError(msg, source=self.src, span=Span(a, max(b, a + 1)), hint=hint)

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
        m = _IDENT.match(self.src, self.pos, self.end)
        if m is None:
            got_text = self.src[self.pos : self.pos + 1] or "the end of the list"
            self.fail(f"expected a variable name (got {got_text!r})", self.pos, self.pos + 1)
        self.pos = m.end()
        nxt = self.peek()
        if nxt in ("*", "?", "~") or (
            nxt == "-" and _IDENT.match(self.src, self.pos + 1, self.end)
        ):
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

    def _prefix(self) -> _Ops | None:
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
        ops = _decode(self.src[self.pos : j], self.pos, self)
        self.pos = j + 1
        return ops

    def _apply(self, ops: _Ops, name: str, span: Span) -> list[FVar]:
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


@dataclass(frozen=True, slots=True)
class _Ops:
    kind: str = ""
    base: str | None = None
    bn: bool = False
    ts_op: Literal["L", "F", "D", "S"] | None = None
    orders: tuple[int, ...] = (1,)


_OP_TOKEN = re.compile(r"(bn|b\d+|b\([^()]*\)|i|c|o|[LFDSlfds](?:\d+|\([^()]*\))?|\d+|\([^()]*\))")


def _decode(text: str, at: int, p: _Parser) -> _Ops:
    """Decode an operator prefix such as ``ib(last)``, ``cL2`` or ``L(1/3)``."""
    ops = _Ops()
    pos = 0
    while pos < len(text):
        m = _OP_TOKEN.match(text, pos)
        a, b = at + pos, at + (m.end() if m else len(text))
        if m is None:
            p.fail(
                f"unknown operator {text[pos:]!r} in {text}.",
                a,
                at + len(text),
                hint="factor operators: i. c. ib#. ibn.; time-series: L. F. D. S.",
            )
        tok = m.group(0)
        pos = m.end()
        if tok in ("i", "c"):
            if ops.kind and ops.kind != tok:
                p.fail("a variable cannot be both i. and c.", at, at + len(text))
            ops = replace(ops, kind=tok)
        elif tok == "o":
            p.unsupported("the o. (omit) operator is not supported", a, b)
        elif tok == "bn":
            ops = replace(ops, kind="i", bn=True)
        elif tok.startswith("b"):
            ops = replace(ops, kind="i", base=_base(tok[1:], a, b, p))
        elif tok[0].isdigit() or tok[0] == "(":
            p.unsupported(
                "selecting levels (2.v, i2.v, i(2 3).v) is not supported yet",
                a,
                b,
                hint="generate an indicator variable, or use ib#. to set the base",
            )
        else:
            if ops.ts_op is not None:
                p.unsupported(
                    "combined time-series operators (such as LD.) are not supported yet",
                    at,
                    at + len(text),
                    hint="generate the variable first",
                )
            op = tok[0].upper()
            rest = tok[1:]
            orders = (
                (int(rest),) if rest.isdigit() else _numlist(rest[1:-1], a + 2, p) if rest else (1,)
            )
            ops = replace(ops, ts_op=op, orders=orders)  # type: ignore[arg-type]
    return ops


def _base(spec: str, a: int, b: int, p: _Parser) -> str | None:
    inner = spec[1:-1].strip() if spec.startswith("(") else spec
    if inner.isdigit():
        return str(int(inner))
    if inner == "first":
        return None
    if inner in ("last", "freq"):
        return inner
    if re.fullmatch(r"#\d+", inner) and int(inner[1:]) > 0:
        return inner
    p.fail(
        f"expected a base level: ib#., ib(#k)., ib(first)., ib(last). or ib(freq). (got b{spec})",
        a,
        b,
    )


def _numlist(text: str, at: int, p: _Parser) -> tuple[int, ...]:
    out: list[int] = []
    for tok in text.replace(",", " ").split():
        m = re.fullmatch(r"(\d+)(?:/(\d+))?", tok)
        if m is None or (m.group(2) and int(m.group(2)) < int(m.group(1))):
            p.fail(
                f"expected a list of orders such as (1/3) or (1 2 4) (got {text!r})",
                at,
                at + len(text),
            )
        lo = int(m.group(1))
        out.extend(range(lo, int(m.group(2) or lo) + 1))
    if not out:
        p.fail("expected orders inside the parentheses, e.g. L(1/3).", at - 1, at + 1)
    return tuple(dict.fromkeys(out))


def categorical_expr(var: FVar) -> str:
    """The formulaic factor expression for a categorical :class:`FVar`.

    >>> terms = parse_varlist("i.g ib3.g ib(freq).g").terms
    >>> [categorical_expr(t.factors[0]) for t in terms]
    ['C(g)', 'C(g, contr.treatment(base=3))', 'C(g, contr.treatment(base=__stata_base_freq__))']
    """
    if var.base is None:
        return f"C({var.name})"
    if var.base.isdigit():
        return f"C({var.name}, contr.treatment(base={int(var.base)}))"
    mark = f"nth_{var.base[1:]}" if var.base.startswith("#") else var.base
    return f"C({var.name}, contr.treatment(base=__stata_base_{mark}__))"


def term_pieces(term: FTerm) -> list[tuple[str, bool]]:
    """(formulaic factor, is_categorical) in Stata order; repeated continuous → powers.

    >>> term_pieces(parse_varlist("c.x#i.a#c.x").terms[0])
    [('I(x ** 2)', False), ('C(a)', True)]
    """
    counts: dict[str, int] = {}
    for f in term.factors:
        if f.kind == "c":
            counts[f.column] = counts.get(f.column, 0) + 1
    out: list[tuple[str, bool]] = []
    done: set[str] = set()
    for f in term.factors:
        if f.kind == "i":
            out.append((categorical_expr(f), True))
        elif f.column not in done:
            done.add(f.column)
            k = counts[f.column]
            out.append((f.column if k == 1 else f"I({f.column} ** {k})", False))
    return out


def term_formula(term: FTerm) -> str:
    """Render one Stata term as a formulaic term.

    >>> from vcereg.stata_factors import parse_varlist
    >>> [term_formula(t) for t in parse_varlist("i.a##c.x c.x#c.x ib2.g").terms]
    ['C(a)', 'x', 'C(a):x', 'I(x ** 2)', 'C(g, contr.treatment(base=2))']
    """
    return ":".join(p for p, _ in term_pieces(term))


# --- data-dependent base levels ---------------------------------------------------------------


def has_pending_bases(spec: ModelSpec) -> bool:
    """Whether ``spec`` still holds ``ib(last)``/``ib(freq)``/``ib(#k)`` placeholders.

    >>> from vcereg.stata import parse
    >>> has_pending_bases(parse("reg y ib(last).g")), has_pending_bases(parse("reg y i.g"))
    (True, False)
    """
    texts = [spec.formula, *(spec.iv.endog + spec.iv.instruments if spec.iv else ())]
    return any(PLACEHOLDER.search(t) for t in texts)


def resolve_bases(spec: ModelSpec, data: pd.DataFrame) -> ModelSpec:
    """Replace base-level placeholders with the levels found in ``data``.

    Call it with the estimation sample (rows left after ``if``/``in`` and listwise deletion):
    Stata picks ``ib(last)`` (largest level), ``ib(freq)`` (most frequent level, ties to the
    lowest) and ``ib(#k)`` (k-th lowest level) there.

    Parameters
    ----------
    spec
        A spec from :func:`vcereg.stata.parse`; returned unchanged without placeholders.
    data
        The estimation sample.

    Returns
    -------
    ModelSpec
        A copy whose formula, IV terms and ``factor_names`` name the concrete base levels.

    Examples
    --------
    >>> import pandas as pd
    >>> from vcereg.stata import parse
    >>> spec = parse("regress y ib(freq).g")
    >>> resolve_bases(spec, pd.DataFrame({"y": [1.0, 2, 3], "g": [1, 2, 2]})).formula
    'y ~ C(g, contr.treatment(base=2))'
    """
    if not has_pending_bases(spec):
        return spec
    cache: dict[str, str] = {}

    def fix(text: str) -> str:
        def repl(m: re.Match[str]) -> str:
            if m.group(0) not in cache:
                cache[m.group(0)] = _resolved(m.group("var"), m.group("mark"), data)
            return cache[m.group(0)]

        return _C_WITH_PLACEHOLDER.sub(repl, text)

    iv = spec.iv
    if iv is not None:
        iv = IVSpec(tuple(map(fix, iv.endog)), tuple(map(fix, iv.instruments)))
    names = tuple((fix(k), v) for k, v in spec.factor_names)
    return spec.replace(formula=fix(spec.formula), iv=iv, factor_names=names)


def _resolved(var: str, mark: str, data: pd.DataFrame) -> str:
    if var not in data.columns:
        near = closest(var, [str(c) for c in data.columns])
        raise MissingVariableError(
            f"variable {var!r} (a factor variable with a data-dependent base) is not a column",
            hint=f"did you mean {near!r}?" if near else None,
        )
    values = data[var].dropna()
    if values.empty:
        raise DataError(f"factor variable {var} has no non-missing values: no base level")
    counts = values.value_counts()
    levels = sorted(counts.index.tolist())
    how = PLACEHOLDER.fullmatch(mark)
    assert how is not None  # the regex above only captures placeholders
    if how.group(1) == "last":
        level = levels[-1]
    elif how.group(1) == "freq":
        top = counts.max()
        level = min(v for v in levels if counts[v] == top)
    else:
        k = int(how.group(2))
        if not 1 <= k <= len(levels):
            raise DataError(
                f"ib(#{k}).{var}: expected a level number from 1 to {len(levels)} "
                f"({var} has {len(levels)} levels)"
            )
        level = levels[k - 1]
    return f"C({var}, contr.treatment(base={_literal(level)}))"


def _literal(value: object) -> str:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool | int | float | str):
        return repr(value)
    raise DataError(f"cannot use the level {value!r} as a base level")
