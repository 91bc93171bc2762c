"""Influence functions of the ATT(g, t) cells, stored so that weighted sums of them are cheap.

Every aggregation of Callaway & Sant'Anna is a set of linear combinations of the cells,
``theta_j = sum_c V[c, j] ATT_c``, whose influence functions are ``Psi V`` (n units x m);
the units x cells matrix ``Psi`` itself is only needed for the group-time table. Two stores:

* :class:`DenseInfluence` holds ``Psi`` (estimators with covariates, unbalanced panels and
  repeated cross-sections, where each cell's function comes from its own regression);
* :class:`CohortInfluence` holds nothing per cell. Without covariates, on a balanced panel,
  a unit's function in cell c depends on the unit only through its cohort h, its weight
  w_i and its outcome path: ``psi_ic = a_hc w_i (dy_ic - mu_hc)`` with
  ``a = n / W_treated`` for the cohort treated in c, ``-n / W_controls`` for the control
  cohorts, 0 otherwise, and ``mu`` the weighted mean change of the unit's group. With the
  outcomes centred within cohorts (``Y~ = Y - ybar_h``, weighted), ``Psi V`` is, for the
  units of cohort h, ``w (Y~_h C_h + k_h)`` with ``C_h = D diag(a_h) V`` (T x m; ``D`` has
  +1 at each cell's period and -1 at its base period) and ``k_h = (a_h * delta_h) V``,
  ``delta_hc = (ybar_h,t - ybar_h,base) - mu_hc``: one product per cohort, O(N m).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from ..._types import FloatArray, IntArray

__all__ = ["CohortInfluence", "DenseInfluence", "Influence", "cohort_codes"]


class Influence(Protocol):
    """Unit-level influence functions of the cells (n units).

    ``levels`` are the units' distinct cohorts (ascending, never treated last), ``code``
    each unit's position among them and ``weight`` its weight: what the estimated cohort
    shares' term of an aggregate, ``w_i alpha[cohort of i]``, needs."""

    levels: FloatArray

    @property
    def n(self) -> int: ...

    def combine(self, v: FloatArray, alpha: FloatArray | None = None) -> FloatArray:
        """``Psi V + w alpha[code]``: (cells, m) weights and (levels, m) cohort terms to
        (n, m) influence functions."""
        ...

    def dense(self) -> FloatArray:
        """``Psi`` (n, cells)."""
        ...


class DenseInfluence:
    """``Psi`` held as an (n, cells) array, with the units' weights and cohorts."""

    def __init__(self, matrix: FloatArray, weight: FloatArray, cohort: FloatArray) -> None:
        self.matrix, self.weight = matrix, weight
        self.levels, self.code = cohort_codes(cohort)

    @property
    def n(self) -> int:
        return int(self.matrix.shape[0])

    def combine(self, v: FloatArray, alpha: FloatArray | None = None) -> FloatArray:
        used = np.flatnonzero(np.any(v != 0, axis=1))  # only the columns the sums read
        out: FloatArray = self.matrix[:, used] @ v[used]
        if alpha is not None:
            for h in np.flatnonzero(np.any(alpha != 0, axis=1)):
                rows = np.flatnonzero(self.code == h)
                out[rows] += self.weight[rows, None] * alpha[h]
        return out

    def dense(self) -> FloatArray:
        return self.matrix


class CohortInfluence:
    """``Psi`` of unconditional cells on a balanced panel, from cohort-level coefficients.

    Parameters
    ----------
    centred
        (n, T) outcomes of the units sorted by cohort, centred within each cohort.
    levels
        (H,) the cohorts, ascending.
    weight
        (n,) unit weights in the same order.
    order
        ``order[k]``: the unit in sorted position k (results come back in unit order).
    bounds
        (H + 1,) start of each cohort's block of sorted units.
    coef, delta
        (H, cells) the coefficients ``a_hc`` and centring terms ``delta_hc``.
    cur, ref
        (cells,) period positions of each cell and of its base period (equal: a cell that
        is 0 by construction).
    """

    def __init__(
        self,
        centred: FloatArray,
        levels: FloatArray,
        weight: FloatArray,
        order: IntArray,
        bounds: IntArray,
        coef: FloatArray,
        delta: FloatArray,
        cur: IntArray,
        ref: IntArray,
    ) -> None:
        self.centred, self.levels, self.weight = centred, levels, weight
        self.order, self.bounds = order, bounds
        self.coef, self.delta = coef, delta
        cells = np.arange(cur.size)
        self.change = np.zeros((centred.shape[1], cur.size))  # D: +1 at t, -1 at the base
        self.change[cur, cells] += 1.0
        self.change[ref, cells] -= 1.0

    @property
    def n(self) -> int:
        return int(self.centred.shape[0])

    def combine(self, v: FloatArray, alpha: FloatArray | None = None) -> FloatArray:
        out = np.empty((self.n, v.shape[1]))
        for h in range(self.coef.shape[0]):
            lo, hi = int(self.bounds[h]), int(self.bounds[h + 1])
            if hi == lo:
                continue
            c_h = self.change @ (self.coef[h][:, None] * v)  # (T, m)
            k_h = (self.coef[h] * self.delta[h]) @ v
            if alpha is not None:
                k_h += alpha[h]
            block = self.centred[lo:hi] @ c_h
            block += k_h
            block *= self.weight[lo:hi, None]
            out[self.order[lo:hi]] = block
        return out

    def dense(self) -> FloatArray:
        return self.combine(np.eye(self.coef.shape[1]))


def cohort_codes(values: FloatArray) -> tuple[FloatArray, IntArray]:
    """The distinct values (ascending) and each entry's position among them (hashing, then
    a sort of the few distinct values: no sort of the entries)."""
    levels = np.sort(pd.unique(values))
    out: IntArray = np.searchsorted(levels, values).astype(np.int64)
    return levels, out
