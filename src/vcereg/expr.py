"""Safe sample filters: the DSL's ``if(...)`` and Stata's ``if`` qualifier.

Nothing is handed to ``eval``/``exec``/``compile``, ``pandas.eval`` or ``DataFrame.query``:
the text is tokenized, parsed by precedence climbing into a small immutable AST (frozen
dataclasses) and evaluated column-wise with numpy. Only the functions listed below exist;
attribute access, subscripts, dunder names, Python keywords and builtins are refused with
:class:`~vcereg.errors.UnsafeExpressionError`.

Precedence, tightest first (one grammar for both dialects)::

    f(...)  (...)  literals  names
    !  ~                               logical not
    ^ (stata, left-assoc)   ** (python, right-assoc)
    -  +                               unary minus / plus
    *  /
    +  -                               string + string concatenates
    == != < <= > >=  ~= (stata)        not chainable; python also: in (...), not in (...)
    not                                python keyword
    &  and
    |  or

Unlike Python, where ``&`` binds tighter than ``==``, comparisons bind tighter than ``&``
and ``|`` in both dialects (as in Stata and SQL): ``a == 1 & b == 2`` is
``(a == 1) & (b == 2)``.

Literals: numbers (``3``, ``.5``, ``1e3``), strings in single or double quotes (backslash
escapes), ``True``/``False`` (python), ``.`` and ``.a``-``.z`` (stata). Backquotes name a
column with spaces (python). Functions: missing, inlist, inrange, abs, log, ln, exp, sqrt,
floor, ceil, round; python also isna, notna.

Missing values. python: pandas semantics -- a comparison with NaN/None is false and ``!=``
true; missing booleans follow Kleene logic and are not kept; ``round(x, n)`` keeps n digits
(halves to even). stata: numeric missing is larger than any number (``.`` < ``.a`` < ... <
``.z``), ``""`` is the string missing value, any nonzero number (missing too) is true,
non-finite results such as ``1/0`` are missing, ``round(x, y)`` rounds to units of y with
halves away from zero. ``inrange(x, lo, hi)`` is inclusive, false for missing x, and a
missing bound is unbounded. Arithmetic on missing gives missing.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass, replace
from typing import Any, NoReturn, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from .errors import (
    DataError,
    ExpressionError,
    MissingVariableError,
    Span,
    UnsafeExpressionError,
    closest,
)
from .spec import Dialect

__all__ = ["Expression", "FilterResult", "Node", "evaluate", "parse_expression"]

Arr: TypeAlias = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class Const:
    """A number, string or (python) boolean literal."""

    value: float | str | bool
    span: Span


@dataclass(frozen=True, slots=True)
class Missing:
    """Stata's missing literal; ``code`` is ``""`` for ``.``, else ``"a"`` to ``"z"``."""

    code: str
    span: Span


@dataclass(frozen=True, slots=True)
class Name:
    """A column."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Unary:
    """``op`` is ``"-"``, ``"+"`` or ``"!"`` (logical not)."""

    op: str
    operand: Node
    span: Span


@dataclass(frozen=True, slots=True)
class Binary:
    """``op`` is canonical: ``+ - * / ^ == != < <= > >= & |``."""

    op: str
    left: Node
    right: Node
    span: Span
    op_span: Span


@dataclass(frozen=True, slots=True)
class Call:
    """A whitelisted function; python's ``x in (1, 2)`` is ``inlist(x, 1, 2)``."""

    func: str
    args: tuple[Node, ...]
    span: Span


Node: TypeAlias = Const | Missing | Name | Unary | Binary | Call


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed filter; the spans in ``node`` index into ``source``, the caller's string."""

    text: str
    dialect: Dialect
    variables: tuple[str, ...]
    node: Node
    source: str
    offset: int = 0


@dataclass(frozen=True, slots=True, eq=False)
class FilterResult:
    """The rows a filter keeps.

    ``mask`` is boolean, one entry per row. ``missing_as_large`` counts the rows kept or
    dropped only because of Stata's rule that missing is larger than any number (or equal
    to another missing): the rows where the mask differs from evaluating each comparison
    that involves a missing value as pandas does (false; true for ``!=``). Comparisons with
    a missing literal, ``x < .``, do not count; it is 0 in the python dialect. ``notes``
    explain it, and Stata's "missing is true" for a bare number, in words for a warning.
    """

    mask: npt.NDArray[np.bool_]
    missing_as_large: int = 0
    notes: tuple[str, ...] = ()


_MANY = 10**6
_FUNCS = {"missing": (1, _MANY), "inlist": (2, _MANY), "inrange": (3, 3), "round": (1, 2)}
_FUNCS |= dict.fromkeys(("abs", "log", "ln", "exp", "sqrt", "floor", "ceil"), (1, 1))
_PY_FUNCS = _FUNCS | {"isna": (1, 1), "notna": (1, 1)}
_UFUNC = {"abs": np.abs, "log": np.log, "ln": np.log, "exp": np.exp, "sqrt": np.sqrt}
_UFUNC |= {"floor": np.floor, "ceil": np.ceil}
_ARITH = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power}
_CMP = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal}
_CMP |= {">": np.greater, ">=": np.greater_equal}
# infix token -> (canonical operator, binding power); postfix ( [ . bind at 90
_INFIX = {"|": ("|", 10), "&": ("&", 20), "+": ("+", 40), "-": ("-", 40), "*": ("*", 50)}
_INFIX |= {"/": ("/", 50), "^": ("^", 70), "**": ("^", 70), "~=": ("!=", 30)}
_INFIX |= {op: (op, 30) for op in _CMP}
_WORDS = {"or": ("|", 10), "and": ("&", 20), "in": ("in", 30)}  # python only
_OPS = sorted({*_INFIX, "=", "&&", "||", "!", "~", "(", ")", ",", "[", "]", ".", ":"}, key=len)
_BAD = {"=": "use == for comparison", "&&": "use & for 'and'", "||": "use | for 'or'"}
_BAD_STATA = _BAD | {"**": "use ^ for powers"}
_BAD_PY = _BAD | {"^": "use ** for powers", "~=": "use != for 'not equal'"}
_POSTFIX = {"(": "calling the result of an expression is", "[": "subscripts are"}
_POSTFIX["."] = "attribute access is"
_NUM = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_IDENT = re.compile(r"[^\W\d]\w*")
_MISS = re.compile(r"\.([a-z]?)(?!\w)")
_ESC = {"n": "\n", "t": "\t"}
_NUMERIC = ("integer", "floating", "mixed-integer-float", "decimal")
_MAX_DEPTH, _MAX_HEIGHT = 100, 250  # parenthesis nesting; height of the tree
_DEEP = "expression is nested too deeply"


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # num str name qname (backquoted) miss op end
    text: str
    value: str
    start: int
    end: int


def _fail(
    source: str, msg: str, span: Span, hint: str | None = None, unsafe: bool = False
) -> NoReturn:
    cls = UnsafeExpressionError if unsafe else ExpressionError
    raise cls(msg, source=source, span=span, hint=hint)


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Unary):
        return (node.operand,)
    return (node.left, node.right) if isinstance(node, Binary) else ()


class _Parser:
    def __init__(self, text: str, dialect: Dialect, source: str | None, offset: int) -> None:
        self.text, self.stata, self.offset = text, dialect is Dialect.STATA, offset
        self.source = text if source is None else source
        self.funcs = _FUNCS if self.stata else _PY_FUNCS
        self.names: dict[str, None] = {}
        self.pos, self.depth = 0, 0
        self.toks = self.lex()

    def fail(
        self, msg: str, at: _Tok | Span, hint: str | None = None, unsafe: bool = False
    ) -> NoReturn:
        _fail(self.source, msg, at if isinstance(at, Span) else self.span(at), hint, unsafe)

    def span(self, tok: _Tok, last: _Tok | None = None) -> Span:
        return Span(tok.start + self.offset, (last or tok).end + self.offset)

    def lex(self) -> list[_Tok]:
        s, i, out, bad = self.text, 0, list[_Tok](), _BAD_STATA if self.stata else _BAD_PY
        while i < len(s):
            c, here = s[i], Span(i + self.offset, i + 1 + self.offset)
            glued = bool(out) and out[-1].end == i and out[-1].kind != "op"
            if c.isspace():
                i += 1
                continue
            if (m := _NUM.match(s, i)) or (m := _IDENT.match(s, i)):
                kind = "num" if m.re is _NUM else "name"
                out.append(_Tok(kind, m.group(), m.group(), i, m.end()))
            elif c in "'\"`":
                j, buf = i + 1, []
                while j < len(s) and s[j] != c:
                    esc = s[j] == "\\" and j + 1 < len(s) and c != "`"
                    buf.append(_ESC.get(s[j + 1], s[j + 1]) if esc else s[j])
                    j += 1 + esc
                what = "string" if c != "`" else "backquoted name"
                if j >= len(s):
                    rest = Span(here.start, len(s) + self.offset)
                    self.fail(f"unterminated {what}", rest, f"close it with {c}")
                if c == "`" and (self.stata or j == i + 1):
                    self.fail("expected a column name in `...` (python dialect only)", here)
                kind = "qname" if c == "`" else "str"
                out.append(_Tok(kind, s[i : j + 1], "".join(buf), i, j + 1))
            elif c == "." and self.stata and not glued and (m := _MISS.match(s, i)):
                out.append(_Tok("miss", m.group(), m.group(1), i, m.end()))
            else:
                op = next((o for o in reversed(_OPS) if s.startswith(o, i)), None)
                if op is None or op in bad:
                    msg = f"unexpected {op!r}" if op else f"unexpected character {c!r}"
                    self.fail(msg, Span(here.start, here.start + len(op or c)), bad.get(op or ""))
                out.append(_Tok("op", op, op, i, i + len(op)))
            i = out[-1].end
        return [*out, _Tok("end", "end of input", "", len(s), len(s))]

    def peek(self) -> _Tok:
        return self.toks[self.pos]

    def advance(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += tok.kind != "end"
        return tok

    def is_op(self, text: str) -> bool:
        return self.peek().kind == "op" and self.peek().text == text

    def unexpected(self, tok: _Tok, before: Node) -> NoReturn:
        if tok.kind in ("num", "str", "name", "qname", "miss") or tok.text == "(":
            prev = self.source[before.span.start : before.span.end]
            prev = prev if len(prev) <= 25 else prev[:22] + "..."
            msg = f"missing operator between {prev!r} and {tok.text!r}"
            self.fail(msg, tok, "insert an operator such as ==, & or |")
        self.fail(f"unexpected {tok.text!r}", tok)

    def close(self, opener: _Tok, before: Node, closer: str) -> _Tok:
        if self.is_op(closer):
            return self.advance()
        if self.peek().kind == "end":
            msg = f"unbalanced parentheses: {opener.text!r} is never closed"
            self.fail(msg, opener, f"add {closer!r}")
        self.unexpected(self.peek(), before)

    def parse(self) -> Node:
        if self.peek().kind == "end":
            whole = Span(self.offset, self.offset + max(len(self.text), 1))
            self.fail("empty expression; expected a condition such as age >= 18", whole)
        node = self.expr(0)
        if (tok := self.peek()).kind != "end":
            if tok.text == ")":
                self.fail("unbalanced parentheses: ')' has no matching '('", tok)
            self.unexpected(tok, node)
        return node

    def infix(self, tok: _Tok) -> tuple[str, int] | None:
        if tok.kind == "op":
            return _INFIX.get(tok.text)
        if tok.kind != "name" or self.stata:
            return None
        if tok.value == "not" and self.toks[self.pos + 1].value == "in":
            return "not in", 30
        return _WORDS.get(tok.value)

    def expr(self, min_bp: int) -> Node:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            self.fail(f"{_DEEP} (more than {_MAX_DEPTH} levels)", self.peek())
        left, chained = self.prefix(), False
        while True:
            tok = self.peek()
            if tok.kind == "op" and tok.text in _POSTFIX:
                self.postfix(tok, left)
            info = self.infix(tok)
            if info is None or info[1] < min_bp:
                break
            op, bp = info
            if bp == 30 and chained:
                self.fail("comparisons cannot be chained", tok, "combine them: (a < b) & (b < c)")
            chained = bp == 30
            self.advance()
            if op in ("in", "not in"):
                left = self.membership(left, op)
                continue
            right = self.expr(bp if op == "^" and not self.stata else bp + 1)
            left = Binary(op, left, right, Span(left.span.start, right.span.end), self.span(tok))
        self.depth -= 1
        return left

    def postfix(self, tok: _Tok, left: Node) -> None:
        if tok.text == "(" and tok.start + self.offset != left.span.end:
            self.unexpected(tok, left)  # `age (18)`: two operands
        hint = "only the listed functions can be called, by name"
        if tok.text != "(":
            hint = "use `x in (1, 2)` to test membership"
            hint = "operators such as L.x and i.x are not supported here" if self.stata else hint
        self.fail(f"{_POSTFIX[tok.text]} not allowed in an expression", tok, hint, unsafe=True)

    def seq(
        self, opener: _Tok, before: Node, closer: str, trailing: bool
    ) -> tuple[list[Node], _Tok]:
        items: list[Node] = []
        while not self.is_op(closer):
            items.append(self.expr(0))
            if not self.is_op(","):
                break
            comma = self.advance()
            if self.is_op(closer) and not trailing:
                self.fail("expected an expression after ','", comma)
        return items, self.close(opener, items[-1] if items else before, closer)

    def membership(self, left: Node, op: str) -> Node:
        if op == "not in":
            self.advance()
        opener = self.advance()
        if opener.kind != "op" or opener.text not in ("(", "["):
            self.fail(f"expected a list after {op!r}, e.g. x {op} (1, 2)", opener)
        items, end = self.seq(opener, left, ")" if opener.text == "(" else "]", trailing=True)
        if not items:
            self.fail(f"empty list after {op!r}", self.span(opener, end))
        span = Span(left.span.start, end.end + self.offset)
        node: Node = Call("inlist", (left, *items), span)
        return Unary("!", node, span) if op == "not in" else node

    def prefix(self) -> Node:
        tok = self.advance()
        span = self.span(tok)
        if tok.kind in ("num", "str", "miss"):
            value = float(tok.text) if tok.kind == "num" else tok.value
            return Missing(tok.value, span) if tok.kind == "miss" else Const(value, span)
        if tok.kind == "name" and (not self.stata and keyword.iskeyword(tok.value)):
            return self.keyword(tok, span)
        if tok.kind == "name" and tok.value.startswith("__"):
            self.fail(f"names starting with '__' are not allowed ({tok.value!r})", tok, unsafe=True)
        if tok.kind == "name" and self.is_op("("):
            return self.call(tok)
        if tok.kind in ("name", "qname"):
            self.names.setdefault(tok.value, None)
            return Name(tok.value, span)
        if tok.text in ("-", "+", "!", "~"):
            operand = self.expr(60 if tok.text in "-+" else 80)
            op = "!" if tok.text == "~" else tok.text
            return Unary(op, operand, Span(span.start, operand.span.end))
        if tok.text == "(":
            if self.is_op(")"):
                msg = "empty parentheses; expected an expression inside"
                self.fail(msg, self.span(tok, self.peek()))
            inner = self.expr(0)
            return replace(inner, span=self.span(tok, self.close(tok, inner, ")")))
        if tok.kind == "end":
            prev = self.toks[self.pos - 1]
            self.fail(f"the expression ends after {prev.text!r}; expected an operand", prev)
        hint = "use isna(x) to test for missing values" if tok.text == "." else None
        self.fail(f"expected an expression (got {tok.text!r})", tok, hint)

    def keyword(self, tok: _Tok, span: Span) -> Node:
        word = tok.value
        if word in ("True", "False"):
            return Const(word == "True", span)
        if word == "not":
            operand = self.expr(25)
            return Unary("!", operand, Span(span.start, operand.span.end))
        if word == "None":
            self.fail("None is not supported", tok, "use isna(x) or notna(x) to test for missing")
        if word in ("and", "or", "in", "is", "if", "else"):
            self.fail(f"expected an expression (got {word!r})", tok)
        self.fail(f"Python keyword {word!r} is not allowed in an expression", tok, unsafe=True)

    def call(self, tok: _Tok) -> Node:
        name = tok.value
        if name not in self.funcs:
            near = closest(name, self.funcs)
            msg = f"unknown function {name!r}; expected one of {', '.join(sorted(self.funcs))}"
            hint = f"did you mean {near!r}?" if near else None
            self.fail(msg, tok, hint, unsafe=name in vars(builtins))
        args, end = self.seq(self.advance(), Name(name, self.span(tok)), ")", trailing=False)
        lo, hi = self.funcs[name]
        if not lo <= len(args) <= hi:
            want = f"{lo}" if lo == hi else f"{lo} or {hi}" if hi == lo + 1 else f"at least {lo}"
            msg = f"{name}() takes {want} argument{'s' * (want != '1')} (got {len(args)})"
            self.fail(msg, self.span(tok, end))
        return Call(name, tuple(args), self.span(tok, end))


def parse_expression(
    text: str,
    dialect: Dialect | str = Dialect.PYTHON,
    *,
    source: str | None = None,
    offset: int = 0,
) -> Expression:
    """Parse a filter into an :class:`Expression`; needs no data and runs nothing.

    Parameters
    ----------
    text
        The expression, e.g. ``"age >= 18 & school == 'GP'"``.
    dialect
        ``"python"`` (pandas missing semantics) or ``"stata"``.
    source, offset
        The caller's full string and where ``text`` starts in it: error carets point there.

    Returns
    -------
    Expression
        With ``.variables``, the columns named, in order of first appearance.

    Raises
    ------
    ExpressionError
        Malformed text, with a caret at the offending token.
    UnsafeExpressionError
        Attribute access, subscripts, dunder names, Python keywords and builtins.

    Examples
    --------
    >>> parse_expression("age >= 18 & school == 'GP'").variables
    ('age', 'school')
    >>> parse_expression("inlist(g, 1, 2) | x >= .", "stata").node.op
    '|'
    """
    dialect = Dialect(dialect)
    parser = _Parser(text, dialect, source, offset)
    node = parser.parse()
    stack = [(node, 1)]
    while stack:  # bound the height of the tree: evaluation recurses over it
        cur, height = stack.pop()
        if height > _MAX_HEIGHT:
            _fail(parser.source, f"{_DEEP} (more than {_MAX_HEIGHT} levels)", node.span)
        stack.extend((kid, height + 1) for kid in _children(cur))
    return Expression(text, dialect, tuple(parser.names), node, parser.source, offset)


@dataclass(frozen=True, slots=True)
class _V:
    kind: str  # num | str | bool
    data: Arr  # float (NaN where missing) | object str ("" where missing) | bool
    na: Arr
    what: str  # for messages, e.g. "numeric column 'age'"
    rank: int = 1  # Stata order of a missing literal: . = 1, .a = 2, ..., .z = 27
    literal: bool = False  # a Stata missing literal: ``x >= .`` asks for missing on purpose


class _Eval:
    def __init__(
        self, expr: Expression, data: pd.DataFrame, strict: bool, cols: dict[str, _V]
    ) -> None:
        self.expr, self.data, self.strict, self.cols = expr, data, strict, cols
        self.stata, self.n = expr.dialect is Dialect.STATA, len(data)
        self.notes: list[str] = []
        self.fired = 0

    def fail(self, msg: str, node: Node, hint: str | None = None) -> NoReturn:
        _fail(self.expr.source, msg, node.span, hint)

    def text(self, node: Node) -> str:
        return self.expr.source[node.span.start : node.span.end]

    def count(self, arr: Arr) -> int:
        return int(np.count_nonzero(np.broadcast_to(arr, (self.n,))))

    def cond(self, true: Arr, na: Arr | bool = False) -> _V:
        return _V("bool", np.asarray(true, dtype=bool), np.asarray(na, dtype=bool), "a condition")

    def number(self, x: Arr, node: Node) -> _V:
        x = np.asarray(x, dtype=float)
        if self.stata:  # Stata has no infinities: 1/0 and log(0) are missing
            x = np.where(np.isfinite(x), x, np.nan)
        return _V("num", x, np.isnan(x), f"numeric expression {self.text(node)!r}")

    def string(self, data: Arr, na: Arr, what: str) -> _V:
        data = np.asarray(data, dtype=object)
        return _V("str", data, np.asarray(na | (data == "") if self.stata else na, bool), what)

    def column(self, node: Name) -> _V:
        if node.name in self.cols:
            return self.cols[node.name]
        s, types, what = self.data[node.name], pd.api.types, f"column {node.name!r}"
        if isinstance(s, pd.DataFrame):
            msg = f"{what} appears more than once in the data"
            raise DataError(msg, source=self.expr.source, span=node.span)
        s = s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s
        inferred = types.infer_dtype(s, skipna=True) if s.dtype == object else ""
        na = s.isna().to_numpy(dtype=bool)
        if inferred == "boolean" or (not inferred and types.is_bool_dtype(s.dtype)):
            flags = s.to_numpy(dtype=bool, na_value=False)
            v = _V("bool", flags, na, f"boolean {what}")
            if self.stata:  # Stata has no booleans, only 0/1
                v = _V("num", np.where(na, np.nan, flags.astype(float)), na, f"numeric {what}")
        elif inferred in _NUMERIC or (not inferred and types.is_numeric_dtype(s.dtype)):
            x = s.to_numpy(dtype=float, na_value=np.nan)
            v = _V("num", x, np.isnan(x), f"numeric {what}")
        elif inferred in ("string", "empty") or (not inferred and types.is_string_dtype(s.dtype)):
            v = self.string(s.to_numpy(dtype=object, na_value=""), na, f"string {what}")
        else:
            got = f"{what} of type {inferred or s.dtype}"
            self.fail(f"expected a numeric, boolean or string column (got {got})", node)
        self.cols[node.name] = v
        return v

    def num(self, v: _V, node: Node) -> Arr:
        if v.kind == "str":
            self.fail(f"expected a number (got {v.what})", node)
        return np.where(v.na, np.nan, v.data.astype(float)) if v.kind == "bool" else v.data

    def truth(self, v: _V, node: Node) -> tuple[Arr, Arr]:
        """(true, missing) of a condition; in Stata any nonzero number, missing too, is true."""
        if v.kind == "str":
            hint = f"compare it, e.g. {self.text(node)} == '...'"
            self.fail(f"expected a condition (got {v.what})", node, hint)
        if v.kind == "bool":
            return v.data, v.na
        if self.stata:
            if (k := self.count(v.na)) and not self.strict:
                self.notes.append(f"{k} row(s) where {self.text(node)!r} is missing count as true")
            return v.data != 0, np.zeros_like(v.na)
        if not np.isin(v.data[~v.na], (0.0, 1.0)).all():
            msg = f"expected a condition, True/False or 0/1 (got {v.what})"
            self.fail(msg, node, f"compare it, e.g. {self.text(node)} > 0")
        return v.data == 1, v.na

    def compare(self, op: str, a: _V, b: _V, node: Node) -> _V:
        if "str" in (a.kind, b.kind):
            if a.kind != b.kind:
                self.fail(f"expected two numbers or two strings (got {a.what} and {b.what})", node)
            res = np.asarray(_CMP[op](a.data, b.data), dtype=bool)
            if not self.stata:  # pandas: a comparison with missing is false, != true
                res = res | a.na | b.na if op == "!=" else res & ~a.na & ~b.na
            return self.cond(res)
        x, y = self.num(a, node), self.num(b, node)
        if not self.stata:
            return self.cond(_CMP[op](x, y))
        ra, rb = np.where(a.na, a.rank, 0), np.where(b.na, b.rank, 0)
        x, y = np.where(a.na, 0.0, x), np.where(b.na, 0.0, y)
        eq, lt = (ra == rb) & (x == y), (ra < rb) | ((ra == rb) & (x < y))
        res = {"==": eq, "!=": ~eq, "<": lt, "<=": lt | eq, ">": ~(lt | eq), ">=": ~lt}[op]
        if not (a.literal or b.literal):  # ``x >= .`` asks for missing on purpose
            involved, pandas = a.na | b.na, op == "!="  # pandas: missing compares false, != true
            if self.strict:  # the counterfactual pass
                res = np.where(involved, pandas, res)
            elif k := self.count(involved & (res != pandas)):
                self.fired += k
                self.notes.append(
                    f"{self.text(node)!r} is {'false' if pandas else 'true'} for {k} row(s) with "
                    "missing values because Stata treats missing as larger than any number"
                )
        return self.cond(res)

    def ev(self, node: Node) -> _V:
        text, false = self.text(node), np.asarray(False)
        if isinstance(node, Missing):
            rank = 1 + (ord(node.code) - 96 if node.code else 0)
            return _V("num", np.asarray(np.nan), ~false, f"missing value {text}", rank, True)
        if isinstance(node, Const):
            value = node.value
            if isinstance(value, str):
                return self.string(np.asarray(value, dtype=object), false, f"string {text}")
            if isinstance(value, bool):
                return _V("bool", np.asarray(value), false, f"boolean {text}")
            return _V("num", np.asarray(value), false, f"number {text}")
        if isinstance(node, Name):
            return self.column(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Unary):
            v = self.ev(node.operand)
            if node.op == "!":
                t, na = self.truth(v, node.operand)
                return self.cond(~t & ~na, na)
            x = self.num(v, node.operand)
            return self.number(-x if node.op == "-" else x, node)
        a, b = self.ev(node.left), self.ev(node.right)
        if node.op in _CMP:
            return self.compare(node.op, a, b, node)
        if node.op in ("&", "|"):
            (ta, na_a), (tb, na_b) = self.truth(a, node.left), self.truth(b, node.right)
            fa, fb = ~ta & ~na_a, ~tb & ~na_b  # surely false; missing follows Kleene logic
            t, f = (ta & tb, fa | fb) if node.op == "&" else (ta | tb, fa & fb)
            return self.cond(t, ~t & ~f)
        if node.op == "+" and a.kind == b.kind == "str":
            na = np.asarray(False) if self.stata else a.na | b.na
            return self.string(a.data + b.data, na, f"string expression {self.text(node)!r}")
        x, y = self.num(a, node.left), self.num(b, node.right)
        with np.errstate(all="ignore"):
            return self.number(_ARITH[node.op](x, y), node)

    def call(self, node: Call) -> _V:
        f, args, vals = node.func, node.args, [self.ev(a) for a in node.args]
        if f in ("missing", "isna", "notna"):
            na = np.logical_or.reduce([np.broadcast_to(v.na, (self.n,)) for v in vals])
            return self.cond(~na if f == "notna" else na)
        if f == "inlist":  # a loop over the listed values, never over rows
            hits = [self.compare("==", vals[0], v, node).data for v in vals[1:]]
            return self.cond(np.logical_or.reduce([np.broadcast_to(h, (self.n,)) for h in hits]))
        if f == "inrange":
            if len({v.kind == "str" for v in vals}) > 1:
                got = ", ".join(v.what for v in vals)
                self.fail(f"inrange() expected three numbers or three strings (got {got})", node)
            z, lo, hi = (v.data if v.kind == "str" else self.num(v, node) for v in vals)
            above, below = np.asarray(lo <= z, dtype=bool), np.asarray(z <= hi, dtype=bool)
            return self.cond((above | vals[1].na) & (below | vals[2].na) & ~vals[0].na)
        x = self.num(vals[0], args[0])
        with np.errstate(all="ignore"):
            if f in _UFUNC:
                return self.number(_UFUNC[f](x), node)
            if self.stata:  # round(x, y): to units of y, halves away from zero; y = 0 keeps x
                y = np.abs(self.num(vals[1], args[1])) if len(vals) > 1 else 1.0
                rounded = np.sign(x) * np.floor(np.abs(x) / y + 0.5) * y
                return self.number(np.where(y == 0, x, rounded), node)
        if len(vals) > 1:
            d = vals[1]
            if d.kind != "num" or d.data.ndim or d.na or d.data % 1:
                self.fail(f"round() expected a whole number of digits (got {d.what})", args[1])
        return self.number(np.round(x, int(vals[1].data) if len(vals) > 1 else 0), node)

    def mask(self) -> npt.NDArray[np.bool_]:
        node = self.expr.node
        t, na = self.truth(self.ev(node), node)
        return np.broadcast_to(t & ~na, (self.n,)).copy()


def evaluate(expr: Expression, data: pd.DataFrame) -> FilterResult:
    """Evaluate a parsed filter on ``data`` (which is only read) and return the rows kept.

    Parameters
    ----------
    expr
        From :func:`parse_expression`.
    data
        Every name in ``expr.variables`` must be one of its columns.

    Returns
    -------
    FilterResult
        ``mask``: boolean, ``len(data)``. ``missing_as_large``: rows whose outcome Stata's
        "missing is larger than any number" rule changed (0 in python dialect). ``notes``:
        explanations, e.g. for a warning.

    Raises
    ------
    MissingVariableError
        A name that is not a column; the message suggests the closest one.
    ExpressionError
        A type error, e.g. comparing a string column with a number.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [17.0, 30.0, None], "school": ["GP", "GP", "MS"]})
    >>> evaluate(parse_expression("age >= 18 & school == 'GP'"), df).mask.tolist()
    [False, True, False]
    >>> res = evaluate(parse_expression("age > 18", "stata"), df)
    >>> res.mask.tolist(), res.missing_as_large
    ([False, True, True], 1)
    """
    absent = [v for v in expr.variables if v not in data.columns]
    if absent:
        stack, name = [expr.node], absent[0]
        while not isinstance(node := stack.pop(), Name) or node.name != name:
            stack.extend(_children(node))
        near = closest(name, [str(c) for c in data.columns])
        shown = ", ".join(map(str, data.columns[:12])) + (", ..." if data.shape[1] > 12 else "")
        msg = f"variable {name!r} not found in the data"
        msg += f"; did you mean {near!r}?" if near else ""
        hint = None if near else f"the columns are: {shown}"
        raise MissingVariableError(msg, source=expr.source, span=node.span, hint=hint)
    cols: dict[str, _V] = {}
    first = _Eval(expr, data, False, cols)
    mask, changed = first.mask(), 0
    if first.fired:  # rerun treating those comparisons as false, and count the differences
        changed = int(np.count_nonzero(mask != _Eval(expr, data, True, cols).mask()))
    return FilterResult(mask, changed, tuple(dict.fromkeys(first.notes)))
