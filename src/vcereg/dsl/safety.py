"""Safe mode for formula code: the Python inside a formula (``np.log(x)``, ``I(x**2)``,
``C(g, contr.treatment(base=2))``) is checked against a whitelist before formulaic
evaluates it, so a model string from a file or the command line cannot run arbitrary code.

Only names (columns and whitelisted functions), numbers, strings, arithmetic, comparisons
and calls of whitelisted functions are allowed; attribute access only as ``np.<function>``
and ``contr.<contrast>``. Nothing here is evaluated: the check only reads the syntax tree.

Resources are bounded too (see SECURITY.md): Python computes constant expressions with
unbounded integers and sequences, so sequence repetition (``[0] * 10**9``), bit shifts and
big constant powers are refused, and the size arguments of the basis functions (``poly``
degree, ``bs``/``cr``/``cc``/``cs`` df, degree and knots) must be plain numbers no larger
than the number of rows and :data:`MAX_BASIS`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import numpy as np

from ..errors import Span, UnsafeExpressionError

__all__ = ["MAX_BASIS", "SAFE_CONTEXT", "SAFE_FUNCTIONS", "check_formula_code"]

_NUMPY = frozenset(
    {
        "log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "abs", "absolute", "square",
        "power", "sin", "cos", "tan", "arctan", "tanh", "floor", "ceil", "round", "sign",
        "clip", "maximum", "minimum", "where", "isnan", "isfinite", "cbrt", "reciprocal",
    }
)  # fmt: skip
_CONTRASTS = frozenset({"treatment", "sum", "helmert", "diff", "poly", "custom"})
#: Functions callable by bare name: formulaic's transforms and a few numpy shortcuts.
SAFE_FUNCTIONS = frozenset(
    {"C", "I", "Q", "center", "scale", "standardize", "poly", "bs", "lag", "log", "exp",
     "sqrt", "abs", "log1p", "log10", "log2"}
)  # fmt: skip
#: The evaluation context formulaic gets in safe mode (formulaic adds its transforms).
SAFE_CONTEXT: dict[str, object] = {
    "np": np,
    "numpy": np,
    "log": np.log,
    "log1p": np.log1p,
    "log10": np.log10,
    "log2": np.log2,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "abs": np.abs,
}
_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.Call, ast.Name, ast.Load, ast.Attribute, ast.Constant, ast.BinOp,
    ast.UnaryOp, ast.Compare, ast.BoolOp, ast.keyword, ast.List, ast.Tuple, ast.operator,
    ast.unaryop, ast.cmpop, ast.boolop, ast.IfExp,
)  # fmt: skip


#: Python evaluates constant arithmetic with unbounded integers and strings, so
#: ``10 ** 10 ** 10`` or ``'a' * 10 ** 9`` would hang or exhaust memory: refuse those.
_MAX_CONSTANT_EXPONENT = 64
#: Largest degree, df or number of knots of a basis function in safe mode.
MAX_BASIS = 1000
#: Size arguments of the basis functions: name -> (argument, position or None), ...
_BASIS_ARGS: dict[str, tuple[tuple[str, int | None], ...]] = {
    "poly": (("degree", 1),),
    "bs": (("df", 1), ("knots", 2), ("degree", 3)),
    "cr": (("df", 1), ("knots", 2)),
    "cc": (("df", 1), ("knots", 2)),
    "cs": (("df", 1), ("knots", 2)),
}


def _has_column(node: ast.AST) -> bool:
    """True if the expression reads data (then numpy, not Python integers, does the work)."""
    return any(isinstance(n, ast.Name) for n in ast.walk(node))


def _check_arithmetic(node: ast.BinOp, refuse: Callable[[str], Exception]) -> None:
    for side in (node.left, node.right):
        if isinstance(side, ast.Constant) and isinstance(side.value, str):
            raise refuse("arithmetic on a string")
        if isinstance(side, ast.List | ast.Tuple):
            what = "sequence repetition" if isinstance(node.op, ast.Mult) else "arithmetic"
            raise refuse(f"{what} on a list or tuple")
    if isinstance(node.op, ast.LShift | ast.RShift):
        raise refuse("a bit shift")
    if isinstance(node.op, ast.Pow) and not _has_column(node):
        exp = node.right
        small = (
            isinstance(exp, ast.Constant)
            and isinstance(exp.value, int | float)
            and abs(exp.value) <= _MAX_CONSTANT_EXPONENT
        ) or (
            isinstance(exp, ast.UnaryOp)
            and isinstance(exp.operand, ast.Constant)
            and isinstance(exp.operand.value, int | float)
            and abs(exp.operand.value) <= _MAX_CONSTANT_EXPONENT
        )
        if not small:
            raise refuse(f"a constant power with an exponent above {_MAX_CONSTANT_EXPONENT}")


def _number(node: ast.AST) -> float | None:
    """The value of a plain (possibly negated) number literal, else None."""
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    value = node.value if isinstance(node, ast.Constant) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return sign * float(value)
    return None


def _check_basis(call: ast.Call, name: str, limit: int, refuse: Callable[[str], Exception]) -> None:
    """Degree, df and knots of ``poly``/``bs``/... must be small plain numbers or lists."""
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    for arg, pos in _BASIS_ARGS[name]:
        node = keywords.get(arg)
        if node is None and pos is not None and pos < len(call.args):
            node = call.args[pos]
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            continue
        if isinstance(node, ast.List | ast.Tuple):
            size = float(len(node.elts))
        else:
            value = _number(node)
            if value is None:
                raise refuse(f"{name}() {arg} other than a plain number (got {ast.unparse(node)})")
            size = abs(value)
        if size > limit:
            raise refuse(
                f"{name}() {arg} {ast.unparse(node)}: at most {limit} (the number of rows "
                f"and at most {MAX_BASIS})"
            )


def check_formula_code(code: str, *, source: str, offset: int, n_rows: int | None = None) -> None:
    """Raise :class:`UnsafeExpressionError` unless ``code`` only uses whitelisted syntax
    and bounded sizes (``n_rows``: the rows of the data, which bound basis sizes).

    >>> check_formula_code("np.log(x)", source="y ~ np.log(x)", offset=4)
    >>> try:
    ...     check_formula_code("__import__('os')", source="y ~ __import__('os')", offset=4)
    ... except UnsafeExpressionError as exc:
    ...     print(exc.message)
    safe mode does not allow calling '__import__' in formula code
    """
    span = Span(offset, offset + len(code))
    hint = (
        "only columns, numbers, strings, arithmetic and the functions "
        + ", ".join(sorted(SAFE_FUNCTIONS))
        + ", np.<math function> are allowed"
    )

    def refuse(what: str) -> UnsafeExpressionError:
        return UnsafeExpressionError(
            f"safe mode does not allow {what} in formula code", source=source, span=span, hint=hint
        )

    try:
        tree = ast.parse(code.strip(), mode="eval")
    except SyntaxError as exc:
        raise refuse(f"unparsable code ({exc.msg})") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise refuse(f"{type(node).__name__.lower()} syntax")
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise refuse(repr(node.id))
        if isinstance(node, ast.Attribute):
            base = node.value
            ok = isinstance(base, ast.Name) and (
                (base.id in ("np", "numpy") and node.attr in _NUMPY)
                or (base.id == "contr" and node.attr in _CONTRASTS)
            )
            if not ok:
                raise refuse(f"attribute access '.{node.attr}'")
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                if func.id not in SAFE_FUNCTIONS:
                    raise refuse(f"calling {func.id!r}")
                if func.id in _BASIS_ARGS:
                    limit = MAX_BASIS if n_rows is None else max(1, min(n_rows, MAX_BASIS))
                    _check_basis(node, func.id, limit, refuse)
            elif not isinstance(func, ast.Attribute):
                raise refuse("this kind of call")
        if isinstance(node, ast.Constant) and not isinstance(
            node.value, int | float | str | bool | type(None)
        ):
            raise refuse(f"the constant {node.value!r}")
        if isinstance(node, ast.BinOp):
            _check_arithmetic(node, refuse)
