"""Values flowing through the expression evaluator, and what a Stata evaluation may know.

:class:`Val` is one evaluated (sub)expression: a numpy array (or a 0-d constant that
broadcasts) with its missing mask. Numbers carry Stata's missing *rank* where they are
missing (1 for ``.``, 2 to 27 for ``.a`` to ``.z``: [U] 12.2.1 orders them
``. < .a < ... < .z``, all above every number). :class:`EvalEnv` holds what a do-file run
adds to a bare filter: extended missing codes of the columns, ``by`` groups (for ``_n``,
``_N``, subscripts and running sums), scalars such as ``_rc``, stored results for
``_b[x]``, ``_se[x]``, ``e(N)``, ``r(mean)``, ``c(N)`` (``lookup``: a ``KeyError`` means
"not found"), and the state ``regexs()`` reads after ``regexm()``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt

from .expr_parse import Node

__all__ = ["Arr", "EvalEnv", "Evaluator", "Groups", "Val"]

Arr: TypeAlias = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class Val:
    """An evaluated expression: ``kind`` is ``num``, ``str`` or ``bool``."""

    kind: str
    data: Arr  # float (NaN where missing) | object str ("" where missing) | bool
    na: Arr
    what: str  # for messages, e.g. "numeric column 'age'"
    rank: Arr | int = 1  # Stata order of a missing value: . = 1, .a = 2, ..., .z = 27
    literal: bool = False  # a Stata missing literal: ``x >= .`` asks for missing on purpose
    exact: Arr | None = None  # int64 values of an integer column or constant (0 where missing)


@dataclass(frozen=True, slots=True)
class Groups:
    """``by`` groups of consecutive rows: each row's group start (0-based) and size."""

    start: npt.NDArray[np.int64]
    size: npt.NDArray[np.int64]

    @classmethod
    def whole(cls, n: int) -> Groups:
        """One group holding every row (no ``by`` prefix)."""
        return cls(np.zeros(n, dtype=np.int64), np.full(n, n, dtype=np.int64))

    @classmethod
    def from_keys(cls, new_group: npt.NDArray[np.bool_]) -> Groups:
        """Groups from a mask that is true where a new group begins (row 0 always does).

        >>> g = Groups.from_keys(np.array([True, False, True, False, False]))
        >>> g.start.tolist(), g.size.tolist()
        ([0, 0, 2, 2, 2], [2, 2, 3, 3, 3])
        """
        n = len(new_group)
        if n == 0:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64))
        flags = new_group.copy()
        flags[0] = True
        starts = np.flatnonzero(flags)
        sizes = np.diff(np.append(starts, n))
        ids = np.cumsum(flags) - 1
        return cls(starts[ids].astype(np.int64), sizes[ids].astype(np.int64))


@dataclass(slots=True)
class EvalEnv:
    """What a Stata evaluation may use beyond the columns (all optional).

    ``codes``: per column, the extended missing code of each row (0 for ``.``, 1-26 for
    ``.a``-``.z``; read only where the value is missing). ``sequential``: while ``replace``
    evaluates ``name`` observation by observation, the values already replaced (a
    subscript ``name[k]`` with ``k`` before the current row reads these, as Stata does).
    ``first_only``: evaluate for the first row only (``display``, ``local x = ...``).
    ``active``: the rows the command evaluates (its ``if`` and ``in``); ``sum()`` runs over
    those only, as Stata evaluates the expression for them alone.
    """

    codes: Mapping[str, Arr] = field(default_factory=dict)
    groups: Groups | None = None
    scalars: Mapping[str, float] = field(default_factory=dict)
    lookup: Callable[[str, str], float | str] | None = None  # _b/_se/e/r/c -> value
    sequential: tuple[str, Val] | None = None
    first_only: bool = False
    active: Arr | None = None  # rows an ``if``/``in`` lets the command evaluate (for sum())
    regex: list[tuple[str, ...] | None] | None = None  # per row: regexm's groups


class Evaluator(Protocol):
    """What a function of :mod:`vcereg.dsl.stata_funcs` may ask of the evaluator."""

    n: int
    env: EvalEnv

    def fail(self, msg: str, node: Node, hint: str | None = None) -> NoReturn: ...

    def ev(self, node: Node) -> Val: ...

    def text(self, node: Node) -> str: ...

    def num(self, v: Val, node: Node) -> Arr: ...

    def number(self, x: Arr, node: Node, rank: Arr | int = 1) -> Val: ...

    def string(self, data: Arr, na: Arr, what: str) -> Val: ...

    def cond(self, true: Arr, na: Arr | bool = False) -> Val: ...

    def truth(self, v: Val, node: Node) -> tuple[Arr, Arr]: ...

    def compare(self, op: str, a: Val, b: Val, node: Node) -> Val: ...

    def groups(self) -> Groups: ...
