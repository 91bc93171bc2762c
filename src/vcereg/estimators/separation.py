"""Separation: observations whose fitted value goes to the boundary (a zero count, a
certain 0 or 1) at the supremum of the likelihood, found *before* the estimation loop.

With separation the maximum-likelihood estimates do not exist: some coefficients run off to
infinity while the loop creeps along (Stata's ``poisson`` and R's ``glm`` stop after many
iterations with wrong numbers, or report false convergence). Dropping the separated
observations gives a model whose estimates exist and equal the remaining, identified part
of the original one (Correia, Guimarães & Zylkin 2021). The checks, in ppmlhdfe's order:

``fe``
    Fixed-effect groups whose outcome is all zero (Poisson), or all 0 or all 1 (binary):
    their effect runs off to minus (plus) infinity.
``simplex``
    A linear programme on the regressors (:mod:`~vcereg.estimators.separation_lp`).
``ir``
    The iterative rectifier (:mod:`~vcereg.estimators.separation_ir`): regressors and fixed
    effects together, by repeated least squares with the fixed-effects engine; run again
    after each drop until it finds nothing.

After each drop, singleton groups of the absorbed effects are dropped again (iteratively,
as reghdfe and ppmlhdfe do by default): an observation alone in a group is fitted exactly
and tells nothing about the slopes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._types import BoolArray, FloatArray, IntArray
from ..errors import VceregWarning, warn
from ..spec import SEPARATION_METHODS as METHODS
from ..spec import separation_methods as parse_methods
from .absorb import drop_singletons
from .separation_ir import iterative_rectifier
from .separation_lp import binary_lp_separation, poisson_lp_separation

__all__ = ["METHODS", "Separation", "find_separation", "parse_methods"]

Kind = Literal["poisson", "binary"]


@dataclass(frozen=True, slots=True)
class Separation:
    """What the checks found.

    Attributes
    ----------
    keep
        Rows that stay (not separated, not singletons).
    by_method
        (method, observations it found separated), in the order run.
    n_singletons
        Singleton observations dropped (before and after the separation checks).
    variables
        Indices of the regressors that take part in some certificate of separation.
    fixed_effects
        Whether fixed effects take part (the ``fe`` check found something, or a
        rectifier certificate has a fixed-effects part).
    converged
        False when the rectifier stopped at its iteration cap (some separation may remain).
    kept_codes
        The fixed-effect codes on the kept rows: the arrays the checks projected with, so
        the fit reuses what they cached.
    """

    keep: BoolArray
    by_method: tuple[tuple[str, int], ...]
    n_singletons: int
    variables: tuple[int, ...]
    fixed_effects: bool
    converged: bool = True
    kept_codes: tuple[IntArray, ...] = ()  # the codes on the kept rows (for the fit)

    @property
    def n_separated(self) -> int:
        return sum(n for _, n in self.by_method)

    def message(self, names: Sequence[str] = ()) -> str | None:
        """The note a user reads, or None when nothing was separated."""
        if not self.n_separated:
            return None
        how = ", ".join(f"{m}: {n}" for m, n in self.by_method if n)
        who = [names[j] if j < len(names) else f"x{j + 1}" for j in self.variables]
        if self.fixed_effects:
            who.append("the fixed effects")
        n = self.n_separated
        text = f"{n} separated observation{'s' if n > 1 else ''} dropped ({how})"
        return text + (f"; separated by {', '.join(who)}" if who else "")


def find_separation(
    y: FloatArray,
    x: FloatArray,
    codes: Sequence[IntArray],
    *,
    kind: Kind = "poisson",
    methods: Sequence[str] = METHODS,
    singletons: bool = True,
    tol: float = 1e-4,
    maxiter: int = 1000,
) -> Separation:
    """Find separated observations (and singletons) of a Poisson or binary model.

    Parameters
    ----------
    y
        Outcome (counts >= 0, or 0/1).
    x
        (N, k) regressors without the constant.
    codes
        Integer codes of the absorbed fixed effects (possibly none).
    kind
        ``"poisson"`` (boundary ``y = 0``) or ``"binary"`` (logit, probit: both outcomes).
    methods
        Checks to run, see the module docstring.
    singletons
        Drop singleton groups iteratively (before and after the checks).
    tol, maxiter
        The rectifier's zero tolerance and iteration cap.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0.0, 0, 0, 2, 3, 1])
    >>> x = np.array([[1.0], [0], [0], [0], [0], [0]])  # only a zero outcome has x > 0
    >>> sep = find_separation(y, x, [])
    >>> sep.keep.tolist(), sep.by_method, sep.variables
    ([False, True, True, True, True, True], (('simplex', 1),), (0,))
    """
    y = np.asarray(y, dtype=np.float64)
    n = y.shape[0]
    x = np.asarray(x, dtype=np.float64).reshape(n, -1)
    codes = [np.asarray(c, dtype=np.int64) for c in codes]
    keep = np.ones(n, dtype=np.bool_)
    n_single = 0
    found: dict[str, int] = {}
    variables: set[int] = set()
    uses_fe = False
    converged = True

    def prune(mask: BoolArray) -> BoolArray:
        nonlocal n_single
        if not (singletons and codes):
            return mask
        idx = np.flatnonzero(mask)
        sub = drop_singletons([c[idx] for c in codes])
        n_single += int((~sub).sum())
        out = np.zeros(n, dtype=np.bool_)
        out[idx[sub]] = True
        return out

    cached: list[object] = [None, None, None]

    def rows_of(idx: NDArray[np.intp]) -> list[IntArray]:
        """The codes on rows ``idx``, the same arrays while the rows are the same (the
        projections cache their sparsity pattern by array)."""
        if cached[0] is None or not np.array_equal(cached[0], idx):  # type: ignore[arg-type]
            cached[:] = [idx, [_rows(c, idx) for c in codes], None]
        out: list[IntArray] = cached[1]  # type: ignore[assignment]
        return out

    def x_of(idx: NDArray[np.intp]) -> FloatArray:
        """The regressors on rows ``idx``, copied once per set of rows."""
        rows_of(idx)
        if cached[2] is None:
            cached[2] = _rows(x, idx)
        out: FloatArray = cached[2]  # type: ignore[assignment]
        return out

    keep = prune(keep)
    if "fe" in methods and codes:
        while True:
            bad = _fe_separated(y, codes, keep, kind)
            if not bad.any():
                break
            found["fe"] = found.get("fe", 0) + int(bad.sum())
            uses_fe = True
            keep = prune(keep & ~bad)
    if "simplex" in methods and (kind == "poisson" or not codes):
        idx = np.flatnonzero(keep)
        if kind == "poisson":
            lp = poisson_lp_separation(x_of(idx), rows_of(idx), _rows(y, idx))
        else:
            lp = binary_lp_separation(_with_constant(x_of(idx)), _rows(y, idx))
        if lp.separated.any():
            found["simplex"] = int(lp.separated.sum())
            shift = 0 if kind == "poisson" else 1  # binary: coefficient 0 is the constant
            variables |= {int(j) - shift for j in np.flatnonzero(lp.coef) if j >= shift}
            keep[idx[lp.separated]] = False
            keep = prune(keep)
    if "ir" in methods:
        while True:
            idx = np.flatnonzero(keep)
            sub = rows_of(idx)
            xi = x_of(idx) if codes else _with_constant(x_of(idx))
            yi = _rows(y, idx)
            if kind == "poisson":
                res = iterative_rectifier(xi, sub, yi == 0, tol=tol, maxiter=maxiter)
            else:
                side = np.where(yi > 0, 1.0, -1.0)
                res = iterative_rectifier(
                    xi, sub, np.ones(idx.size, dtype=np.bool_), side, tol=tol, maxiter=maxiter
                )
            converged &= res.converged
            if not res.separated.any():
                break
            found["ir"] = found.get("ir", 0) + int(res.separated.sum())
            shift = 0 if codes else 1
            variables |= {int(j) - shift for j in np.flatnonzero(res.coef) if j >= shift}
            uses_fe |= res.uses_fe
            keep[idx[res.separated]] = False
            keep = prune(keep)
    if not converged:
        warn(
            f"the separation check (ir) stopped after {maxiter} iterations; some separated "
            "observations may remain (the estimation may then fail to converge)",
            VceregWarning,
        )
    by_method = tuple((m, found[m]) for m in METHODS if m in found)
    kept_codes = tuple(rows_of(np.flatnonzero(keep))) if codes else ()
    cached.clear()
    return Separation(
        keep, by_method, n_single, tuple(sorted(variables)), uses_fe, converged, kept_codes
    )


def _fe_separated(
    y: FloatArray, codes: Sequence[IntArray], keep: BoolArray, kind: Kind
) -> BoolArray:
    """Kept rows in a group (of any effect) whose kept outcomes are all at a boundary."""
    bad = np.zeros(y.shape[0], dtype=np.bool_)
    idx = np.flatnonzero(keep)
    yk = y[idx]
    for c in codes:
        ck = c[idx]
        size = int(c.max()) + 1 if c.size else 0
        count = np.bincount(ck, minlength=size)
        low = np.bincount(ck, weights=(yk <= 0).astype(np.float64), minlength=size)
        at_bound = low == count
        if kind == "binary":
            high = np.bincount(ck, weights=(yk >= 1).astype(np.float64), minlength=size)
            at_bound |= high == count
        bad[idx[at_bound[ck]]] = True
    return bad


def _rows(a: NDArray[np.generic], idx: NDArray[np.intp]) -> NDArray[Any]:
    """``a[idx]``, without a copy when every row is selected (the usual case)."""
    return a if idx.size == a.shape[0] else a[idx]


def _with_constant(x: FloatArray) -> FloatArray:
    return np.column_stack([np.ones(x.shape[0]), x])
