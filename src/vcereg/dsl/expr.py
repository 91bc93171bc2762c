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
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import MissingVariableError, closest
from ..spec import Dialect
from .expr_eval import Eval
from .expr_parse import (
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
from .expr_values import EvalEnv, Groups, Val

__all__ = [
    "Binary",
    "Call",
    "Const",
    "EvalEnv",
    "Expression",
    "FilterResult",
    "Groups",
    "Missing",
    "Name",
    "Node",
    "StataValue",
    "Unary",
    "evaluate",
    "evaluate_value",
    "parse_expression",
]

Arr: TypeAlias = npt.NDArray[Any]


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


def evaluate(expr: Expression, data: pd.DataFrame, env: EvalEnv | None = None) -> FilterResult:
    """Evaluate a parsed filter on ``data`` (which is only read) and return the rows kept.

    Parameters
    ----------
    expr
        From :func:`parse_expression`.
    data
        Every name in ``expr.variables`` must be one of its columns.
    env
        What a do-file run adds (Stata dialect): extended missing codes, ``by`` groups,
        scalars, the active fit (:class:`EvalEnv`).

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
    _check_columns(expr, data)
    cols: dict[str, Val] = {}
    first = Eval(expr, data, False, cols, env)
    mask, changed = first.mask(), 0
    if first.fired:  # rerun treating those comparisons as false, and count the differences
        changed = int(np.count_nonzero(mask != Eval(expr, data, True, cols, env).mask()))
    return FilterResult(mask, changed, tuple(dict.fromkeys(first.notes)))


def _check_columns(expr: Expression, data: pd.DataFrame) -> None:
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


@dataclass(frozen=True, slots=True, eq=False)
class StataValue:
    """The value of a Stata expression in every row (see :func:`evaluate_value`).

    ``kind`` is ``"num"`` or ``"str"``. Numbers are float64 with NaN where missing;
    ``codes`` gives the missing value of those rows (0 for ``.``, 1-26 for ``.a``-``.z``).
    Strings are Python ``str`` (``""`` is Stata's missing string). ``integer`` is true when
    the value is a condition or an integer column (0/1 results of comparisons are integers).
    """

    kind: str
    values: npt.NDArray[Any]
    codes: npt.NDArray[np.int8]
    integer: bool = False

    @property
    def missing(self) -> npt.NDArray[np.bool_]:
        """Rows holding a missing value (``""`` for strings)."""
        if self.kind == "str":
            return np.asarray(self.values == "", dtype=bool)
        return np.asarray(np.isnan(self.values), dtype=bool)


def evaluate_value(expr: Expression, data: pd.DataFrame, env: EvalEnv | None = None) -> StataValue:
    """Evaluate a Stata-dialect expression to a value per row (``generate``'s ``=exp``).

    Parameters
    ----------
    expr
        From :func:`parse_expression` with ``dialect="stata"``.
    data
        The columns it reads (only read).
    env
        Extended missing codes, ``by`` groups, scalars and the active fit
        (:class:`EvalEnv`); ``env.first_only`` evaluates the first row only.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [1.0, None, 7.0], "g": [1, 1, 2]})
    >>> evaluate_value(parse_expression("x > 5", "stata"), df).values.tolist()
    [0.0, 1.0, 1.0]
    >>> groups = Groups.from_keys(np.array([True, False, True]))
    >>> v = evaluate_value(parse_expression("_n == _N", "stata"), df, EvalEnv(groups=groups))
    >>> v.values.tolist()
    [0.0, 1.0, 1.0]
    """
    if expr.dialect is not Dialect.STATA:
        raise ValueError("evaluate_value() needs a Stata-dialect expression")
    _check_columns(expr, data)
    ev = Eval(expr, data, False, {}, env)
    v = ev.ev(expr.node)
    shape = (ev.n,)
    if v.kind == "str":
        values = np.array(np.broadcast_to(v.data, shape), dtype=object)
        return StataValue("str", values, np.zeros(shape, np.int8))
    x = np.array(np.broadcast_to(ev.num(v, expr.node), shape), dtype=float)
    rank = np.broadcast_to(np.asarray(v.rank), shape)
    codes = np.where(np.isnan(x), np.clip(rank - 1, 0, 26), 0).astype(np.int8)
    return StataValue("num", x, codes, v.kind == "bool" or v.exact is not None)
