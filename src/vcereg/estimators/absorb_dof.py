"""Degrees of freedom absorbed by fixed effects, counted as reghdfe does: levels present,
minus the levels made redundant by the constant, by mobility groups between effects, and
(with clustered errors) by effects nested within a cluster variable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import connected_components

from .._types import IntArray
from .absorb_codes import check_codes, grouped_csr

__all__ = ["AbsorbedDof", "absorbed_dof"]


@dataclass(frozen=True, slots=True)
class AbsorbedDof:
    """Degrees of freedom absorbed by the fixed effects; see :func:`absorbed_dof`."""

    levels: tuple[int, ...]  # distinct values present, per effect
    redundant: tuple[int, ...]  # levels not counted, per effect (all of them if nested)
    nested: tuple[bool, ...]  # effect nested within some cluster variable
    df_a: int  # reghdfe's e(df_a): sum(levels - redundant)
    df_a_nonnested: int  # the same count ignoring nesting (areg, clusters=())
    df_a_nested: int  # reghdfe's e(df_a_nested): levels of the nested effects


def _compact(c: IntArray) -> tuple[IntArray, int]:
    """Relabel codes to 0..L-1 over the levels actually present (after dropped rows)."""
    present = np.bincount(c) > 0
    relabel = np.cumsum(present) - 1
    return relabel[c], int(present.sum())


def _nested_within(fe: IntArray, levels: int, cluster: IntArray) -> bool:
    """True if every group of ``fe`` lies inside a single cluster. O(N), no sort."""
    # With duplicate indices some member's cluster wins; if nested, all members agree.
    first = np.zeros(levels, dtype=np.int64)
    first[fe] = cluster
    return bool(np.array_equal(first[fe], cluster))


def _mobility_groups(a: IntArray, la: int, b: IntArray, lb: int) -> int:
    """Connected components of the bipartite graph linking levels of ``a`` and ``b``."""
    edges = grouped_csr(a, b + la, np.ones(a.size), (la + lb, la + lb))
    # weak components of the one-way edges a -> b are the undirected components; passing
    # a CSR graph and asking for them directly skips scipy's symmetrising copy
    n_components, _ = connected_components(edges, directed=True, connection="weak")
    return int(n_components)


def absorbed_dof(codes: Sequence[IntArray], *, clusters: Sequence[IntArray] = ()) -> AbsorbedDof:
    """Count the degrees of freedom absorbed by the fixed effects, as reghdfe does.

    What is counted (reghdfe's default ``dofadjustments(pairwise clusters)``), in the
    order the effects are given:

    ====================================  =====================================
    fixed effect                          redundant levels (not counted)
    ====================================  =====================================
    nested within a cluster variable      all of its levels (contributes 0)
    first effect that is not nested       0 (its levels include the constant)
    second not-nested effect              mobility groups with the first (exact)
    each further not-nested effect h      max(1, mobility groups of h with every
                                          earlier not-nested effect) (a lower bound,
                                          so ``df_a`` >= the true rank)
    ====================================  =====================================

    ``df_a = sum(levels - redundant)``. The intercept is inside ``df_a``, so with K
    regressors (intercept excluded) the residual degrees of freedom are ``N - K - df_a``
    (reghdfe's ``e(df_r)``; pyfixest's ``_df_k`` is ``K + df_a`` when the effects form one
    connected component, because pyfixest subtracts only one level per extra effect).
    If every effect is nested, ``df_a = 0`` and the intercept is counted nowhere;
    reghdfe then adds it back in the cluster factor, ``(N - 1) / (N - 1 - K)``.
    ``df_a_nonnested`` is the same count with ``clusters=()`` (``areg``; with one effect
    it equals the levels); ``df_a_nested`` sums the levels of nested effects (reghdfe
    subtracts it as well for RMSE and adjusted R2).

    Parameters
    ----------
    codes
        One integer code array per fixed effect, all of length N.
    clusters
        Integer codes of the cluster variables (same length), for the nesting rule.

    Returns
    -------
    AbsorbedDof

    Examples
    --------
    >>> import numpy as np
    >>> firm = np.array([0, 0, 1, 1, 2, 2])
    >>> year = np.array([0, 1, 0, 1, 2, 3])  # firm 2 is seen only in years 2 and 3
    >>> dof = absorbed_dof([firm, year])
    >>> dof.levels, dof.redundant, dof.df_a  # 2 mobility groups
    ((3, 4), (0, 2), 5)
    >>> absorbed_dof([firm, year], clusters=[firm]).df_a  # firm nested: only years count
    4
    """
    fes = check_codes(codes)
    n = fes[0].shape[0] if fes else None
    cls = check_codes(clusters, n)
    compact = [_compact(c) for c in fes]
    levels = tuple(lv for _, lv in compact)
    nested = tuple(any(_nested_within(c, lv, cl) for cl in cls) for c, lv in compact)
    cache: dict[tuple[int, int], int] = {}

    def redundant(is_nested: tuple[bool, ...]) -> tuple[int, ...]:
        red = [lv if nst else 0 for lv, nst in zip(levels, is_nested, strict=True)]
        free = [g for g, nst in enumerate(is_nested) if not nst]
        for j, h in enumerate(free[1:], start=1):
            for g in free[:j]:
                if (g, h) not in cache:
                    (a, la), (b, lb) = compact[g], compact[h]
                    cache[g, h] = _mobility_groups(a, la, b, lb)
            red[h] = max(1, *(cache[g, h] for g in free[:j]))
        return tuple(red)

    red = redundant(nested)
    red_plain = redundant((False,) * len(fes))
    return AbsorbedDof(
        levels=levels,
        redundant=red,
        nested=nested,
        df_a=sum(levels) - sum(red),
        df_a_nonnested=sum(levels) - sum(red_plain),
        df_a_nested=sum(lv for lv, nst in zip(levels, nested, strict=True) if nst),
    )
