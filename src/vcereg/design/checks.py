"""Checks and messages of design building that do not need formulaic itself: formula
errors with a caret, the variables formula code reads, columns that must exist, dates
used as regressors, safe-mode code and size checks (``factors``: (expression, formulaic
evaluation method) pairs, as :mod:`vcereg.design.build` extracts them).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

import pandas as pd

from ..dsl.safety import check_formula_code
from ..errors import DataError, FormulaError, MissingVariableError, Span, closest
from ..spec import ModelSpec
from .guard import MAX_COLUMNS, estimated_columns

__all__ = [
    "check_safe",
    "check_size",
    "code_variables",
    "formula_error",
    "from_formulaic",
    "refuse_datetimes",
    "require_columns",
]

Factors = Sequence[tuple[str, str]]


def formula_error(
    spec: ModelSpec, message: str, hint: str | None = None, at: Span | None = None
) -> FormulaError:
    """A FormulaError with a caret under ``at`` (offsets in the formula) or the formula."""
    src = spec.source or spec.formula
    start = max(0, src.find(spec.formula))
    span = at.shift(start) if at is not None else Span(start, start + len(spec.formula))
    return FormulaError(message, source=src, span=span, hint=hint)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def from_formulaic(spec: ModelSpec, exc: Exception, what: str) -> FormulaError:
    """Translate formulaic's message: drop its colour codes, and turn its ⧛token⧚ marks
    (and "factor `...`" mentions) into our caret."""
    text = _ANSI.sub("", str(exc))
    first, _, rest = text.partition("\n\n")
    at = None
    marked = next((ln for ln in rest.splitlines() if "⧛" in ln), None)
    if marked is not None:
        begin = marked.index("⧛")
        end = marked.find("⧚", begin)
        at = Span(begin, begin + max(1, end - begin - 1))
    else:
        factor = re.search(r"factor `([^`]+)`", first)
        pos = spec.formula.find(factor.group(1)) if factor else -1
        if factor and pos >= 0:
            at = Span(pos, pos + len(factor.group(1)))
    if at is not None and at.end > len(spec.formula):
        at = None
    return formula_error(spec, f"{what}: {first.strip()}", at=at)


def code_variables(factors: Factors) -> list[str]:
    """Variables read by formula code, in order (formulaic's own ``required_variables``
    misses the arguments of stateful transforms such as ``center(age)``)."""
    out: list[str] = []
    for expr, method in factors:
        if method != "python":
            continue
        try:
            tree = ast.parse(expr.strip(), mode="eval")
        except SyntaxError:
            continue  # formulaic reports it when it evaluates the factor
        called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        bases = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        for n in ast.walk(tree):
            if isinstance(n, ast.Name) and id(n) not in called and id(n) not in bases:
                out.append(n.id)
            out += _quoted(n)
    return list(dict.fromkeys(out))


def _quoted(node: ast.AST) -> list[str]:
    """The column named by ``Q('x y')``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Q":
        arg = node.args[0] if node.args else None
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return [arg.value]
    return []


def refuse_datetimes(names: Sequence[str], data: pd.DataFrame, spec: ModelSpec) -> None:
    """Dates have no meaning as a regressor; say so instead of a numpy type error."""
    for name in names:
        col = data[name]
        if pd.api.types.is_datetime64_any_dtype(col) or pd.api.types.is_timedelta64_dtype(col):
            src = spec.source or spec.formula
            pos = src.find(name)
            raise DataError(
                f"variable {name!r} holds dates or durations ({col.dtype}), which cannot enter "
                "a regression as they are",
                source=src if pos >= 0 else None,
                span=Span(pos, pos + len(name)) if pos >= 0 else None,
                hint=f"derive a number first, e.g. df['{name}_year'] = df['{name}'].dt.year, "
                f"or use C({name}) for one indicator per date",
            )


def check_safe(spec: ModelSpec, factors: Factors, n_rows: int) -> None:
    src = spec.source or spec.formula
    base = max(0, src.find(spec.formula))
    for expr, method in factors:
        if method == "python":
            pos = spec.formula.find(expr)
            offset = base + (pos if pos >= 0 else 0)
            check_formula_code(expr, source=src, offset=offset, n_rows=n_rows)


def check_size(spec: ModelSpec, terms: Sequence[Factors], sub: pd.DataFrame) -> None:
    """Safe mode: refuse a dense design of more than MAX_COLUMNS columns before it exists."""
    total, worst = estimated_columns(terms, sub)
    if total > MAX_COLUMNS:
        raise formula_error(
            spec,
            f"safe mode does not allow a design of about {total:,} dense columns "
            f"(at most {MAX_COLUMNS:,}; the largest term is {worst})",
            hint="absorb many-level categories with fe(...) instead of dummies",
        )


def require_columns(names: Sequence[str], data: pd.DataFrame, spec: ModelSpec, role: str) -> None:
    cols = [str(c) for c in data.columns]
    for name in names:
        if name not in data.columns:
            near = closest(name, cols)
            src = spec.source or spec.formula
            pos = src.find(name)
            raise MissingVariableError(
                f"{role} variable {name!r} not found in the data",
                source=src if pos >= 0 else None,
                span=Span(pos, pos + len(name)) if pos >= 0 else None,
                hint=f"did you mean {near!r}?" if near else f"columns: {', '.join(cols[:20])}",
            )
