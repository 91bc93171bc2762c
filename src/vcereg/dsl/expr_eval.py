"""Column-wise evaluation of a parsed expression (see :mod:`vcereg.dsl.expr`).

:class:`Eval` walks the tree of :mod:`vcereg.dsl.expr_parse` with numpy: every node becomes
a :class:`~vcereg.dsl.expr_values.Val` over all rows at once (or a 0-d constant). In the
Stata dialect, function calls go to :mod:`vcereg.dsl.stata_funcs`; subscripts, ``_n`` and
``_N`` use the ``by`` groups of the :class:`~vcereg.dsl.expr_values.EvalEnv`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import DataError, ExpressionError
from ..spec import Dialect
from .expr_parse import (
    COMPARISONS,
    Call,
    Coef,
    Const,
    Index,
    Missing,
    Name,
    Node,
    SysVar,
    Unary,
)
from .expr_values import Arr, EvalEnv, Groups, Val
from .stata_funcs import call_stata

if TYPE_CHECKING:
    from .expr import Expression

__all__ = ["Eval"]

_UFUNC = {"abs": np.abs, "log": np.log, "ln": np.log, "exp": np.exp, "sqrt": np.sqrt}
_UFUNC |= {"floor": np.floor, "ceil": np.ceil}
_ARITH = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power}
_NUMPY_CMP = (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal)
_CMP = dict(zip(COMPARISONS, _NUMPY_CMP, strict=True))
_NUMERIC = ("integer", "floating", "mixed-integer-float", "decimal")


class Eval:
    """One evaluation of ``expr`` on ``data``; ``cols`` caches the columns read (shared by
    the counterfactual ``strict`` pass of a filter)."""

    def __init__(
        self,
        expr: Expression,
        data: pd.DataFrame,
        strict: bool,
        cols: dict[str, Val],
        env: EvalEnv | None = None,
    ) -> None:
        self.expr, self.data, self.strict, self.cols = expr, data, strict, cols
        self.env = env or EvalEnv()
        self.stata = expr.dialect is Dialect.STATA
        self.n = min(len(data), 1) if self.env.first_only else len(data)
        self.notes: list[str] = []
        self.fired = 0
        self._groups: Groups | None = None

    def fail(self, msg: str, node: Node, hint: str | None = None) -> NoReturn:
        raise ExpressionError(msg, source=self.expr.source, span=node.span, hint=hint)

    def text(self, node: Node) -> str:
        return self.expr.source[node.span.start : node.span.end]

    def count(self, arr: Arr) -> int:
        return int(np.count_nonzero(np.broadcast_to(arr, (self.n,))))

    def groups(self) -> Groups:
        """The ``by`` groups over every row of the data (one group without ``by``)."""
        if self._groups is None:
            self._groups = self.env.groups or Groups.whole(len(self.data))
        return self._groups

    def cond(self, true: Arr, na: Arr | bool = False) -> Val:
        return Val("bool", np.asarray(true, dtype=bool), np.asarray(na, dtype=bool), "a condition")

    def number(self, x: Arr, node: Node, rank: Arr | int = 1) -> Val:
        x = np.asarray(x, dtype=float)
        if self.stata:  # Stata has no infinities: 1/0 and log(0) are missing
            x = np.where(np.isfinite(x), x, np.nan)
        return Val("num", x, np.isnan(x), f"numeric expression {self.text(node)!r}", rank)

    def string(self, data: Arr, na: Arr, what: str) -> Val:
        data = np.asarray(data, dtype=object)
        return Val("str", data, np.asarray(na | (data == "") if self.stata else na, bool), what)

    def full_column(self, name: str, node: Node) -> Val:
        """Column ``name`` over every row of the data (cached)."""
        key = "\0full\0" + name
        if key in self.cols:
            return self.cols[key]
        s, types, what = self.data[name], pd.api.types, f"column {name!r}"
        if isinstance(s, pd.DataFrame):
            msg = f"{what} appears more than once in the data"
            raise DataError(msg, source=self.expr.source, span=node.span)
        s = s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s
        inferred = types.infer_dtype(s, skipna=True) if s.dtype == object else ""
        na = s.isna().to_numpy(dtype=bool)
        if inferred == "boolean" or (not inferred and types.is_bool_dtype(s.dtype)):
            flags = s.to_numpy(dtype=bool, na_value=False)
            v = Val("bool", flags, na, f"boolean {what}")
            if self.stata:  # Stata has no booleans, only 0/1
                v = Val("num", np.where(na, np.nan, flags.astype(float)), na, f"numeric {what}")
        elif inferred in _NUMERIC or (not inferred and types.is_numeric_dtype(s.dtype)):
            x = s.to_numpy(dtype=float, na_value=np.nan)
            exact = None
            if not inferred and types.is_signed_integer_dtype(s.dtype):  # ids above 2**53
                exact = s.to_numpy(dtype=np.int64, na_value=0)
            rank: Arr | int = 1
            if self.stata and name in self.env.codes:
                rank = 1 + np.asarray(self.env.codes[name], dtype=np.int64)
            v = Val("num", x, np.isnan(x), f"numeric {what}", rank, exact=exact)
        elif inferred in ("string", "empty") or (not inferred and types.is_string_dtype(s.dtype)):
            v = self.string(s.to_numpy(dtype=object, na_value=""), na, f"string {what}")
        else:
            got = f"{what} of type {inferred or s.dtype}"
            self.fail(f"expected a numeric, boolean or string column (got {got})", node)
        self.cols[key] = v
        return v

    def column(self, node: Name) -> Val:
        if node.name in self.cols:
            return self.cols[node.name]
        v = self.full_column(node.name, node)
        if self.env.first_only:
            v = _take(v, slice(0, self.n))
        self.cols[node.name] = v
        return v

    def num(self, v: Val, node: Node) -> Arr:
        if v.kind == "str":
            self.fail(f"expected a number (got {v.what})", node)
        return np.where(v.na, np.nan, v.data.astype(float)) if v.kind == "bool" else v.data

    def truth(self, v: Val, node: Node) -> tuple[Arr, Arr]:
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

    def compare(self, op: str, a: Val, b: Val, node: Node) -> Val:
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

    def ev(self, node: Node) -> Val:
        text, false = self.text(node), np.asarray(False)
        if isinstance(node, Missing):
            rank = 1 + (ord(node.code) - 96 if node.code else 0)
            return Val("num", np.asarray(np.nan), ~false, f"missing value {text}", rank, True)
        if isinstance(node, Const):
            value = node.value
            if isinstance(value, str):
                return self.string(np.asarray(value, dtype=object), false, f"string {text}")
            if isinstance(value, bool):
                return Val("bool", np.asarray(value), false, f"boolean {text}")
            exact = np.asarray(value, np.int64) if isinstance(value, int) else None
            if isinstance(value, int) and not -(2**63) <= value < 2**63:
                exact = None
            return Val("num", np.asarray(value), false, f"number {text}", exact=exact)
        if isinstance(node, Name):
            return self.column(node)
        if isinstance(node, Index):
            return self.subscript(node)
        if isinstance(node, SysVar):
            return self.system(node)
        if isinstance(node, Coef):
            return self.coefficient(node)
        if isinstance(node, Call):
            return call_stata(self, node) if self.stata else self.call(node)
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
        if "str" in (a.kind, b.kind) and self.stata:
            got = f"{a.what} {node.op} {b.what}"
            self.fail(f"type mismatch: {got}", node, "strings can only be added (+) or compared")
        x, y = self.num(a, node.left), self.num(b, node.right)
        with np.errstate(all="ignore"):
            return self.number(_ARITH[node.op](x, y), node)

    def rows(self) -> npt.NDArray[np.int64]:
        """The positions of the rows being evaluated."""
        return np.arange(self.n, dtype=np.int64)

    def subscript(self, node: Index) -> Val:
        """``x[k]``: ``x`` in the ``k``-th observation of the row's group, missing outside it
        (a non-integer ``k`` is truncated, [U] 13.7)."""
        k = self.num(self.ev(node.index), node.index)
        rows, g = self.rows(), self.groups()
        k = np.broadcast_to(np.trunc(np.where(np.isnan(k), 0, k)), (self.n,))
        start, size = g.start[rows], g.size[rows]
        ok = (k >= 1) & (k <= size)
        pos = np.where(ok, start + np.where(ok, k, 1).astype(np.int64) - 1, 0)
        full = self.full_column(node.name, node)
        picked = _take(full, pos)
        if (seq := self.env.sequential) is not None and seq[0] == node.name:
            done = pos < rows  # rows already replaced in Stata's observation-by-observation pass
            picked = _mix(done, _take(seq[1], pos), picked)
        if picked.kind == "str":
            return self.string(np.where(ok, picked.data, ""), ~ok, f"string {self.text(node)!r}")
        data = np.where(ok, picked.data, np.nan)
        rank = np.where(ok, picked.rank, 1)
        return Val("num", data, np.isnan(data), f"numeric {self.text(node)!r}", rank)

    def system(self, node: SysVar) -> Val:
        if node.name == "_pi":
            return Val("num", np.asarray(np.pi), np.asarray(False), "_pi")
        if node.name == "_rc":
            rc = float(self.env.scalars.get("_rc", 0))
            return Val("num", np.asarray(rc), np.asarray(False), "_rc", exact=np.asarray(int(rc)))
        rows, g = self.rows(), self.groups()
        n = (rows - g.start[rows] + 1) if node.name == "_n" else g.size[rows]
        n = np.asarray(n, dtype=np.int64)
        return Val("num", n.astype(float), np.zeros(self.n, bool), node.name, exact=n)

    def coefficient(self, node: Coef) -> Val:
        what = f"{node.kind}[{node.term}]" if node.kind.startswith("_") else self.text(node)
        if self.env.lookup is None:
            self.fail(f"{what}: no stored results here", node)
        try:
            value = self.env.lookup(node.kind, node.term)
        except KeyError:
            self.fail(f"{what} not found", node, "run the command that stores it first")
        if isinstance(value, str):
            return self.string(np.asarray(value, dtype=object), np.asarray(False), what)
        x = float(value)
        return Val("num", np.asarray(x), np.asarray(np.isnan(x)), what)

    def call(self, node: Call) -> Val:
        """The python dialect's functions (pandas semantics)."""
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


def _take(v: Val, pos: npt.NDArray[np.int64] | slice) -> Val:
    """``v`` at the rows ``pos`` (its constants stay constants)."""

    def pick(a: Arr | int | None) -> Arr | int | None:
        return a[pos] if isinstance(a, np.ndarray) and a.ndim else a

    rank = pick(v.rank)
    assert rank is not None
    data, na = pick(v.data), pick(v.na)
    assert isinstance(data, np.ndarray) and isinstance(na, np.ndarray)
    exact = pick(v.exact)
    assert exact is None or isinstance(exact, np.ndarray)
    return Val(v.kind, data, na, v.what, rank, v.literal, exact)


def _mix(use_a: Arr, a: Val, b: Val) -> Val:
    """Row-wise ``a`` where ``use_a``, else ``b`` (same kind)."""
    rank = np.where(use_a, a.rank, b.rank)
    data = np.where(use_a, a.data, b.data)
    return Val(b.kind, data, np.where(use_a, a.na, b.na), b.what, rank)
