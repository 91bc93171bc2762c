"""Least squares with unit and period effects whose regressors are indicators of cohort x
period cells, on a balanced panel, computed on the cohort x period grid.

Sun-Abraham's interactions (and any regressor that is a function of the cohort, which is
constant within units, and the period) take one value per grid cell (c, t). On a balanced
panel the two-way demeaning is exact in one step, ``v - v_i. - v_.t + v..``, so the demeaned
regressors are grid values too: ``z(c, t) = x(c, t) - xbar_c - xbar_t + xbar`` with cohort
sizes ``n_c`` as weights. Hence (Frisch-Waugh-Lovell)

* ``X~'X~ = sum_{c,t} n_c z z'`` and ``X~'y = sum_{c,t} n_c z ybar~_ct``: the coefficients are
  those of the least-squares fit of the cell means on the grid rows, weighted by ``n_c``;
* the residual of row (i, t) is ``y~_it - z(c_i, t)'b``;
* a cluster's score is ``sum_{rows in g} z u = sum_c Z_c' r_gc`` with ``r_gc`` (one entry per
  period) the residuals of its units of cohort c summed by period. When every cluster holds
  one cohort, ``sum_g s_g s_g' = sum_c (U_c Z_c)'(U_c Z_c)``, ``U_c`` the R factor of the
  clusters' residual sums of cohort c (T columns); heteroskedasticity-robust meats need the
  residual sums of squares of each cell only.

Time O(N + cells K^2), memory one (units x periods) array: no N x K design. The variance
formulas are the registry's (:mod:`vcereg.vce.cluster`, :mod:`vcereg.vce.hc`) for
``cluster`` on one variable constant within units, ``robust``, ``hc0`` and ``ols``; for any
other request (or a user's replacement of those) :func:`grid_regression` returns None and
the caller builds the demeaned design for the registry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..._types import FloatArray, IntArray
from ...errors import DataError, EstimationError, FewClustersWarning, warn
from ...linalg import least_squares
from ...spec import SmallSample, VceSpec
from ...vce import VceResult, fix_psd, resolve
from ...vce.cluster import Cluster, few_clusters_note
from ...vce.hc import HC0, Iid, Robust
from .feols import FeRegression

__all__ = ["grid_regression"]

_MIXED_CELLS = 1 << 22  # clusters x cells of the dense residual-sum array when clusters mix cohorts
_BLOCK = 1 << 16  # rows per block of the passes over the rows (no N-size temporaries)


def _kind(vce: VceSpec) -> tuple[str, VceSpec] | None:
    est, spec = resolve(vce)
    kinds = {Cluster: "cluster", Robust: "robust", HC0: "hc0", Iid: "ols"}
    kind = kinds.get(type(est))
    if kind is None or (kind == "cluster" and len(spec.args) != 1):
        return None
    return kind, spec


def grid_regression(
    y: FloatArray,
    unit: IntArray,
    period: IntArray,
    unit_cohort: IntArray,
    column: IntArray,
    *,
    vce: VceSpec,
    ssc: SmallSample,
    groups: Mapping[str, IntArray],
    names: Sequence[str] = (),
) -> FeRegression | None:
    """Regress ``y`` on the cell indicators absorbing unit and period effects.

    Parameters
    ----------
    y, unit, period
        Rows of a balanced panel: every (unit, period) pair exactly once; codes 0..n-1 and
        0..T-1.
    unit_cohort
        (n,) cohort code 0..C-1 of each unit.
    column
        (C, T) the regressor of each cohort-period cell (0..K-1), -1 for none.
    groups
        Row-aligned codes of the variables the variance request names.

    Returns None when the variance request has no grid formula here.
    """
    found = _kind(vce)
    if found is None:
        return None
    kind, vspec = found
    n, t_count = int(unit_cohort.shape[0]), int(column.shape[1])
    cluster_unit = None
    if kind == "cluster":
        cluster_unit = _per_unit(groups[vspec.args[0]], unit, n)
        if cluster_unit is None:
            return None  # clusters cut through units: the registry on the full design
        if _mixed_and_many(cluster_unit, unit_cohort, column.size):
            return None
    if cluster_unit is None:
        order = np.argsort(unit_cohort, kind="stable")
    else:
        order = np.lexsort((cluster_unit, unit_cohort))
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    resid = np.empty((n, t_count))
    for lo in range(0, y.shape[0], _BLOCK):  # units sorted by cohort (then cluster)
        hi = lo + _BLOCK
        resid[pos[unit[lo:hi]], period[lo:hi]] = y[lo:hi]
    resid -= resid.mean(axis=1)[:, None]
    resid -= resid.mean(axis=0)[None, :]  # exact two-way demeaning of a balanced panel
    n_c = np.bincount(unit_cohort, minlength=column.shape[0])
    bounds = np.concatenate([[0], np.cumsum(n_c)])
    blocks = [slice(int(bounds[c]), int(bounds[c + 1])) for c in range(n_c.size)]
    z = _demeaned_design(column, n_c)
    ybar = np.stack([resid[b].mean(axis=0) if b.stop > b.start else np.zeros(t_count)
                     for b in blocks])  # fmt: skip
    root = np.sqrt(np.repeat(n_c.astype(np.float64), t_count))
    ls = least_squares(z * root[:, None], ybar.ravel() * root)
    zk = z[:, ls.keep]
    fitted = (zk @ ls.beta).reshape(-1, t_count)
    for c, b in enumerate(blocks):
        resid[b] -= fitted[c]
    nobs = float(y.shape[0])
    # reghdfe's absorbed degrees of freedom (vcereg.estimators.absorb_dof) of a balanced,
    # hence connected, panel: units + periods - 1, or the periods alone when the units are
    # nested in the clusters (the nonnested policy)
    nested = kind == "cluster" and ssc.absorbed_in_k == "nonnested"
    df_a = t_count if nested else n + t_count - 1
    k_df = ls.rank + df_a
    if nobs - k_df <= 0:
        raise EstimationError(f"not enough observations ({nobs:g}) for {k_df} parameters")
    bread = ls.bread()
    w = zk @ bread  # (cells, k): B z per cell, the bread put on each score before the sum
    if kind == "cluster":
        assert cluster_unit is not None
        vres = _cluster(resid, blocks, cluster_unit[order], w, t_count, vspec, ssc, nobs, k_df)
    elif kind == "ols":
        s2 = float(np.einsum("ij,ij->", resid, resid)) / (nobs - k_df if ssc.small else nobs)
        df = None if not ssc.small else nobs - k_df
        vres = VceResult(s2 * bread, "OLS", df)
    else:
        q = np.concatenate([np.einsum("ij,ij->j", resid[b], resid[b]) for b in blocks])
        tq = w * np.sqrt(q)[:, None]
        factor = (nobs / (nobs - k_df) if ssc.small else 1.0) if kind == "robust" else 1.0
        label = "Robust (HC1)" if kind == "robust" else "Robust (HC0)"
        psd, fixed = fix_psd(factor * (tq.T @ tq), label, None)
        vres = VceResult(psd, label, _df(ssc, nobs - k_df), notes=fixed, factor=factor)
    k = column.max(initial=-1) + 1
    params = np.zeros(k)
    params[ls.keep] = ls.beta
    cov = np.zeros((k, k))
    idx = np.flatnonzero(ls.keep)
    cov[np.ix_(idx, idx)] = vres.cov
    notes: tuple[str, ...] = ()
    if not ls.keep.all() and names:
        dropped = [nm for nm, kept in zip(names, ls.keep, strict=True) if not kept]
        notes = (f"omitted because of collinearity: {', '.join(dropped)}",)
    sample = np.ones(y.shape[0], dtype=np.bool_)
    return FeRegression(params, ls.keep, cov, vres, nobs, nobs - k_df, sample, notes)


def _df(ssc: SmallSample, df: float) -> float | None:
    """t degrees of freedom of a robust variance, or None (normal), as the registry's."""
    return df if ssc.small and ssc.robust_inference == "t" else None


def _demeaned_design(column: IntArray, n_c: IntArray) -> FloatArray:
    """(C*T, K) regressors of each cell, demeaned within cohorts (over periods) and within
    periods (over units, so cohorts weigh n_c)."""
    c_count, t_count = column.shape
    k = int(column.max(initial=-1)) + 1
    x = np.zeros((c_count, t_count, k))
    cc, tt = np.nonzero(column >= 0)
    x[cc, tt, column[cc, tt]] = 1.0
    share = n_c / n_c.sum()
    x_c = x.mean(axis=1)  # (C, K)
    x_t = np.einsum("c,ctk->tk", share, x)  # (T, K)
    grand = share @ x_c
    z = x - x_c[:, None, :] - x_t[None, :, :] + grand
    out: FloatArray = z.reshape(c_count * t_count, k)
    return out


def _cluster(
    resid: FloatArray,
    blocks: list[slice],
    cluster_sorted: IntArray,
    w: FloatArray,
    t_count: int,
    vspec: VceSpec,
    ssc: SmallSample,
    nobs: float,
    k_df: float,
) -> VceResult:
    """One-way CRV1 as :class:`vcereg.vce.cluster.Cluster`, from the cluster-by-period
    residual sums of each cohort (units sorted by cohort, then cluster)."""
    var = vspec.args[0]
    g = int(cluster_sorted.max()) + 1 if cluster_sorted.size else 0
    if g < 2:
        raise DataError(
            f"cluster variable {var!r} has {g} distinct value(s) in the estimation "
            "sample; clustering needs at least 2 clusters"
        )
    sums: list[tuple[IntArray, FloatArray]] = []
    for b in blocks:
        cl = cluster_sorted[b]
        if cl.size == 0:
            sums.append((cl, resid[b]))
            continue
        starts = np.flatnonzero(np.concatenate([[True], cl[1:] != cl[:-1]]))
        r = resid[b] if starts.size == cl.size else np.add.reduceat(resid[b], starts, axis=0)
        sums.append((cl[starts], r))
    inner = np.zeros((w.shape[1], w.shape[1]))
    if sum(s[0].size for s in sums) == _distinct(cluster_sorted):  # one cohort each
        for c, (_, r) in enumerate(sums):
            if r.shape[0]:
                _add_gram(inner, r, w[c * t_count : (c + 1) * t_count])
    elif g * w.shape[0] <= _MIXED_CELLS:  # clusters span cohorts: one row per cluster
        a = np.zeros((g, w.shape[0]))
        for c, (ids, r) in enumerate(sums):
            a[ids, c * t_count : (c + 1) * t_count] = r
        _add_gram(inner, a, w)
    else:  # pragma: no cover - excluded by _mixed_and_many
        raise AssertionError("clusters span cohorts")
    n_adj = (nobs - 1) / (nobs - k_df) if ssc.small and ssc.cluster_n_adj else 1.0
    g_adj = g / (g - 1) if ssc.small and ssc.cluster_g_adj else 1.0
    factor = n_adj * g_adj
    notes: tuple[str, ...] = ()
    note = few_clusters_note(g, var)
    if note is not None:
        warn(note, FewClustersWarning)
        notes = (note,)
    return VceResult(factor * inner, f"Clustered ({var})", _df(ssc, g - 1), {var: g}, notes, factor)


def _distinct(codes: IntArray) -> int:
    return int(np.count_nonzero(np.bincount(codes))) if codes.size else 0


def _per_unit(codes: IntArray, unit: IntArray, n: int) -> IntArray | None:
    """Each unit's code, or None when the codes vary within some unit."""
    out = np.empty(n, dtype=np.int64)
    out[unit] = codes
    for lo in range(0, codes.shape[0], _BLOCK):
        if not np.array_equal(out[unit[lo : lo + _BLOCK]], codes[lo : lo + _BLOCK]):
            return None
    return out


def _mixed_and_many(cluster_unit: IntArray, unit_cohort: IntArray, cells: int) -> bool:
    """Clusters that span cohorts, too many for a dense clusters x cells array."""
    pairs = _distinct(cluster_unit * (int(unit_cohort.max()) + 1) + unit_cohort)
    g = int(cluster_unit.max()) + 1 if cluster_unit.size else 0
    return pairs > _distinct(cluster_unit) and g * cells > _MIXED_CELLS


def _add_gram(inner: FloatArray, r: FloatArray, w: FloatArray) -> None:
    """``inner += (U w)'(U w)`` with ``U`` the R factor of ``r`` (``r'r = U'U``): the
    cluster scores' Gram matrix, bread included, without squaring r's condition."""
    u = np.linalg.qr(r, mode="r")
    t = u @ w
    inner += t.T @ t
