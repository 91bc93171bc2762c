"""Safe sample filters: the DSL's ``if(...)`` and Stata's ``if`` qualifier.

Nothing is handed to ``eval``/``exec``/``compile``, ``pandas.eval`` or ``DataFrame.query``:
the text is tokenized, parsed by precedence climbing into a small immutable AST (frozen
dataclasses, :mod:`vcereg.dsl.expr_parse`) and evaluated column-wise with numpy (this module).
Only the functions listed below exist; attribute access, subscripts, dunder names, Python
keywords and builtins are refused with :class:`~vcereg.errors.UnsafeExpressionError`.

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

from dataclasses import dataclass
from typing import Any, NoReturn, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import DataError, ExpressionError, MissingVariableError, closest
from ..spec import Dialect
from .expr_parse import (
    COMPARISONS,
    Binary,
    Call,
    Const,
    Missing,
    Name,
    Node,
    Unary,
    children,
    parse_tree,
)

__all__ = [
    "Binary",
    "Call",
    "Const",
    "Expression",
    "FilterResult",
    "Missing",
    "Name",
    "Node",
    "Unary",
    "evaluate",
    "parse_expression",
]

Arr: TypeAlias = npt.NDArray[Any]

_UFUNC = {"abs": np.abs, "log": np.log, "ln": np.log, "exp": np.exp, "sqrt": np.sqrt}
_UFUNC |= {"floor": np.floor, "ceil": np.ceil}
_ARITH = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power}
_NUMPY_CMP = (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal)
_CMP = dict(zip(COMPARISONS, _NUMPY_CMP, strict=True))
_NUMERIC = ("integer", "floating", "mixed-integer-float", "decimal")


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
    source = text if source is None else source
    node, names = parse_tree(text, dialect, source, offset)
    return Expression(text, dialect, names, node, source, offset)


@dataclass(frozen=True, slots=True)
class _V:
    kind: str  # num | str | bool
    data: Arr  # float (NaN where missing) | object str ("" where missing) | bool
    na: Arr
    what: str  # for messages, e.g. "numeric column 'age'"
    rank: int = 1  # Stata order of a missing literal: . = 1, .a = 2, ..., .z = 27
    literal: bool = False  # a Stata missing literal: ``x >= .`` asks for missing on purpose
    exact: Arr | None = None  # int64 values of an integer column or constant (0 where missing)


class _Eval:
    def __init__(
        self, expr: Expression, data: pd.DataFrame, strict: bool, cols: dict[str, _V]
    ) -> None:
        self.expr, self.data, self.strict, self.cols = expr, data, strict, cols
        self.stata, self.n = expr.dialect is Dialect.STATA, len(data)
        self.notes: list[str] = []
        self.fired = 0

    def fail(self, msg: str, node: Node, hint: str | None = None) -> NoReturn:
        raise ExpressionError(msg, source=self.expr.source, span=node.span, hint=hint)

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
            exact = None
            if not inferred and types.is_signed_integer_dtype(s.dtype):  # ids above 2**53
                exact = s.to_numpy(dtype=np.int64, na_value=0)
            v = _V("num", x, np.isnan(x), f"numeric {what}", exact=exact)
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
        if a.exact is not None and b.exact is not None:  # integers compare exactly
            x, y = np.where(a.na, 0, a.exact), np.where(b.na, 0, b.exact)
            if not self.stata:
                return self.cond(np.where(a.na | b.na, op == "!=", _CMP[op](x, y)))
        if not self.stata:
            return self.cond(_CMP[op](x, y))
        ra, rb = np.where(a.na, a.rank, 0), np.where(b.na, b.rank, 0)
        x, y = np.where(a.na, 0, x), np.where(b.na, 0, y)
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
            exact = np.asarray(value, np.int64) if isinstance(value, int) else None
            if isinstance(value, int) and not -(2**63) <= value < 2**63:
                exact = None
            return _V("num", np.asarray(value), false, f"number {text}", exact=exact)
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
            if d.kind != "num" or d.data.ndim or d.na or d.data % 1 or abs(d.data) > 400:
                self.fail(
                    f"round() expected a whole number of digits (got {d.what})",
                    args[1],
                    "digits run from -400 to 400",
                )
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
            stack.extend(children(node))
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
