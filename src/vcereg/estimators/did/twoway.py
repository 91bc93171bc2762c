"""The untreated-outcome model of the imputation and two-stage estimators:
``y = a_i + b_t + x'c`` fitted on the untreated rows, solved exactly through its normal
equations.

With ``A`` the dummies of the many-level effect (units), ``R = [B, X]`` those of the
few-level effect (periods) and the covariates, the normal equations
``Z0'W Z0 theta = r`` (``Z = [A, R]``, rows of the untreated observations) are solved by
eliminating ``a``: ``S c_R = r_R - C' diag(1/n_A) r_A`` with the Schur complement
``S = R'WR - C' diag(1/n_A) C``, ``C = A'WR`` (m x m, m = periods + covariates), then
``a = (r_A - C c_R) / n_A``. Each solve is a few passes over the rows plus an m x m
factorisation: O(N m + m^3), no dense dummies. ``S`` is singular (the constant lies in both
effects); a minimum-norm solution is used, and any solution gives the same fitted values
where they are identified, which :meth:`UntreatedModel.identified` checks (a unit and a
period connected through untreated observations).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from ..._types import BoolArray, FloatArray, IntArray

__all__ = ["UntreatedModel"]


class UntreatedModel:
    """Normal equations of ``y = a[unit] + b[time] + x'c`` on the rows in ``fit_rows``.

    Parameters
    ----------
    a, b
        Codes of the two fixed effects for every row (0..levels-1); ``a`` should be the one
        with many levels (units), ``b`` the few (periods).
    x
        (N, k) covariates for every row (k may be 0).
    w
        Weights for every row.
    fit_rows
        Rows whose outcome identifies the model (the untreated observations).
    """

    def __init__(
        self, a: IntArray, b: IntArray, x: FloatArray, w: FloatArray, fit_rows: BoolArray
    ) -> None:
        self.a, self.b, self.x, self.w = a, b, x, w
        self.fit = fit_rows
        self.n_a = int(a.max()) + 1
        self.n_b = int(b.max()) + 1
        self.k = x.shape[1]
        r = np.flatnonzero(fit_rows)
        wr = w[r]
        self.count_a = np.bincount(a[r], weights=wr, minlength=self.n_a)
        self.count_b = np.bincount(b[r], weights=wr, minlength=self.n_b)
        self.inv_a = np.divide(1.0, self.count_a, out=np.zeros(self.n_a), where=self.count_a > 0)
        m = self.n_b + self.k
        cross_b = csr_matrix((wr, (a[r], b[r])), shape=(self.n_a, self.n_b))
        cross_x = np.zeros((self.n_a, self.k))
        for j in range(self.k):
            cross_x[:, j] = np.bincount(a[r], weights=wr * x[r, j], minlength=self.n_a)
        self.cross_b, self.cross_x = cross_b, cross_x
        rr = np.zeros((m, m))
        rr[: self.n_b, : self.n_b] = np.diag(self.count_b)
        if self.k:
            bx = np.stack(
                [
                    np.bincount(b[r], weights=wr * x[r, j], minlength=self.n_b)
                    for j in range(self.k)
                ],
                axis=1,
            )
            rr[: self.n_b, self.n_b :] = bx
            rr[self.n_b :, : self.n_b] = bx.T
            rr[self.n_b :, self.n_b :] = (x[r] * wr[:, None]).T @ x[r]
        scaled_b = cross_b.multiply(self.inv_a[:, None]).tocsr()
        cc = np.zeros((m, m))
        cc[: self.n_b, : self.n_b] = (cross_b.T @ scaled_b).toarray()
        if self.k:
            scaled_x = cross_x * self.inv_a[:, None]
            bxc = cross_b.T @ scaled_x
            cc[: self.n_b, self.n_b :] = bxc
            cc[self.n_b :, : self.n_b] = bxc.T
            cc[self.n_b :, self.n_b :] = cross_x.T @ scaled_x
        self.schur = rr - cc
        self._components()

    def _components(self) -> None:
        """Connected components of the untreated unit-period graph."""
        r = np.flatnonzero(self.fit)
        n = self.n_a + self.n_b
        graph = coo_matrix(
            (np.ones(r.size), (self.a[r], self.b[r] + self.n_a)), shape=(n, n)
        ).tocsr()
        _, labels = connected_components(graph, directed=True, connection="weak")
        self.comp_a = labels[: self.n_a]
        self.comp_b = labels[self.n_a :]

    def identified(self, rows: BoolArray) -> BoolArray:
        """Rows whose fitted value the untreated observations identify: their unit and
        period both have untreated observations and are connected through them."""
        a, b = self.a, self.b
        ok: BoolArray = (
            rows
            & (self.count_a[a] > 0)
            & (self.count_b[b] > 0)
            & (self.comp_a[a] == self.comp_b[b])
        )
        return ok

    def sums(self, values: FloatArray, rows: BoolArray) -> tuple[FloatArray, FloatArray]:
        """``Z' W v`` over ``rows`` for each column of ``values`` (N, p): the right-hand
        sides (r_A (n_a, p), r_R (m, p))."""
        r = np.flatnonzero(rows)
        v = values[r] * self.w[r][:, None]
        p = values.shape[1]
        r_a = np.stack(
            [np.bincount(self.a[r], weights=v[:, j], minlength=self.n_a) for j in range(p)], 1
        )
        r_b = np.stack(
            [np.bincount(self.b[r], weights=v[:, j], minlength=self.n_b) for j in range(p)], 1
        )
        r_x = self.x[r].T @ v if self.k else np.zeros((0, p))
        return r_a.astype(np.float64), np.vstack([r_b, r_x]).astype(np.float64)

    def solve(self, r_a: FloatArray, r_r: FloatArray) -> tuple[FloatArray, FloatArray]:
        """A solution ``(theta_A, theta_R)`` of the normal equations for each column."""
        c_t = self.cross_b.T @ (r_a * self.inv_a[:, None])
        if self.k:
            c_t = np.vstack([c_t, self.cross_x.T @ (r_a * self.inv_a[:, None])])
        rhs = r_r - c_t
        scale = np.sqrt(np.clip(np.diag(self.schur), 1e-300, None))
        s = self.schur / np.outer(scale, scale)
        sol, *_ = sla.lstsq(s, rhs / scale[:, None], cond=1e-12, lapack_driver="gelsd")
        theta_r = sol / scale[:, None]
        back = self.cross_b @ theta_r[: self.n_b]
        if self.k:
            back = back + self.cross_x @ theta_r[self.n_b :]
        theta_a = (r_a - back) * self.inv_a[:, None]
        return theta_a, theta_r

    def predict(self, theta_a: FloatArray, theta_r: FloatArray, rows: BoolArray) -> FloatArray:
        """Fitted values ``z_i' theta`` on ``rows`` (zero elsewhere), one column per solution."""
        r = np.flatnonzero(rows)
        out = np.zeros((self.a.size, theta_a.shape[1]))
        fitted = theta_a[self.a[r]] + theta_r[: self.n_b][self.b[r]]
        if self.k:
            fitted = fitted + self.x[r] @ theta_r[self.n_b :]
        out[r] = fitted
        return out
