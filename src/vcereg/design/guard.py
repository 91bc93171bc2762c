"""Resource guards of safe mode for what formulaic does with a formula (SECURITY.md).

A model string read from a file must not be able to exhaust memory or time:

- the formula is at most :data:`MAX_FORMULA_CHARS` characters;
- parsing it (formulaic expands ``a*b*c*...`` and ``(a+b+...)**k`` into every
  interaction: 2**k terms) gets :data:`PARSE_SECONDS` of wall-clock time plus one second
  per 1,000 characters (a legitimate formula of 1,500 terms takes about 2 s), enforced
  with a POSIX interval timer when called from the main thread, and at most
  :data:`MAX_COLUMNS` terms;
- the dense design may have at most :data:`MAX_COLUMNS` columns, estimated from the
  number of levels of each categorical factor before anything is materialised
  (``C(id):C(year)`` with 1,000 levels each would be a million dense columns).

The formula-code whitelist and the bounds on constant arithmetic and basis sizes live in
:mod:`vcereg.dsl.safety`.
"""

from __future__ import annotations

import ast
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

import pandas as pd

__all__ = [
    "MAX_COLUMNS",
    "MAX_FORMULA_CHARS",
    "PARSE_SECONDS",
    "GuardExceeded",
    "estimated_columns",
    "parse_seconds",
    "time_limit",
]

MAX_FORMULA_CHARS = 100_000
MAX_COLUMNS = 50_000
PARSE_SECONDS = 2.0


def parse_seconds(text: str) -> float:
    """Time allowed to parse a formula of this length."""
    return PARSE_SECONDS + len(text) / 1000


class GuardExceeded(Exception):
    """Internal: a guard fired (the caller turns it into a FormulaError)."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`GuardExceeded` in the block after ``seconds`` (main thread on POSIX
    only; elsewhere, or with None, the block runs unguarded)."""
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def fire(signum: int, frame: FrameType | None) -> None:
        raise GuardExceeded

    previous: Callable[[int, FrameType | None], object] | int | None = signal.signal(
        signal.SIGALRM, fire
    )
    signal.setitimer(signal.ITIMER_REAL, float(seconds or 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


def _levels(expr: str, method: str, data: pd.DataFrame) -> int:
    """Columns one factor can produce: its levels when categorical, else 1."""
    if method == "lookup":
        if expr in data.columns:
            col = data[expr]
            numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
            if isinstance(col, pd.Series) and not numeric:
                return max(1, int(col.nunique()))
        return 1
    try:
        tree = ast.parse(expr.strip(), mode="eval").body
    except SyntaxError:
        return 1
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "C":
        arg = tree.args[0] if tree.args else None
        if isinstance(arg, ast.Name) and arg.id in data.columns:
            col = data[arg.id]
            if isinstance(col, pd.Series):
                return max(1, int(col.nunique()))
    return 1


def estimated_columns(
    terms: Sequence[Sequence[tuple[str, str]]], data: pd.DataFrame
) -> tuple[int, str]:
    """An upper bound of the dense columns of the terms (each a list of (expr, eval
    method) factors), and the largest term."""
    total, worst, worst_name = 0, 0, ""
    for factors in terms:
        size = 1
        for expr, method in factors:
            size *= _levels(expr, method, data)
        total += size
        if size > worst:
            worst, worst_name = size, ":".join(e for e, _ in factors)
    return total, worst_name
