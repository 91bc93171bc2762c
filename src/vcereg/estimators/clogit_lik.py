"""The exact conditional log likelihood of a fixed-effects logit (Stata's ``clogit``,
``xtlogit, fe``), with its gradient and Hessian, by the recursion of Gail, Lubin &
Rubinstein (1981) and Howard (1972).

In a group of ``n`` observations with ``k`` positive outcomes, conditioning on ``k``
removes the group's effect: the group contributes
``x_S1' b - ln B``, ``B = sum over the C(n, k) subsets S of size k of exp(sum_{i in S} x_i' b)``
(``S1`` the observed positives). ``B`` is the ``k``-th elementary symmetric polynomial of
``r_i = exp(x_i' b)``, built one observation at a time,
``B(j, m) = B(j-1, m) + r_j B(j-1, m-1)``: O(n k) per group, with the same recursion for
the first and second derivatives (O(n k K^2)). The derivatives of ``ln B`` are the mean and
covariance of ``sum_{i in S} x_i`` when S is drawn with probability proportional to
``exp(sum x_i' b)``. A group with ``k > n / 2`` is fitted as ``n - k`` negatives with
``-x`` (the same likelihood), so the work is O(n min(k, n - k)).

Groups are processed together: bucketed by size (powers of two), padded with ``r = 0``
(which adds nothing to ``B``), in chunks whose arrays stay small; each step of the
recursion is rescaled per group (its log kept) so nothing overflows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._types import FloatArray, IntArray

__all__ = ["ConditionalLogitData", "conditional_logit_loglik"]

_CHUNK_FLOATS = 4_000_000  # float64 elements per chunk of the second-derivative array


@dataclass(frozen=True, slots=True, eq=False)
class _Bucket:
    rows: IntArray  # (G_b, n_b) row indices into x, -1 for padding
    k: IntArray  # (G_b,) positives to choose (after flipping)
    sign: FloatArray  # (G_b,) +1, or -1 for flipped groups
    groups: IntArray  # (G_b,) group index


@dataclass(frozen=True, slots=True, eq=False)
class ConditionalLogitData:
    """Groups of a conditional logit, prepared once for repeated evaluations.

    ``group`` holds codes 0..G-1; every group must have both outcomes.
    """

    x: FloatArray
    y: FloatArray
    group: IntArray
    n_groups: int
    buckets: tuple[_Bucket, ...]
    x_pos: FloatArray  # (G, K) sum of x over the positives of each group
    first_row: IntArray  # (G,) a row of each group (where its score is put)

    @classmethod
    def build(cls, x: FloatArray, y: FloatArray, group: IntArray) -> ConditionalLogitData:
        x = np.asarray(x, dtype=np.float64)
        y = (np.asarray(y) != 0).astype(np.float64)
        group = np.asarray(group, dtype=np.int64)
        g_count = int(group.max()) + 1 if group.size else 0
        n_g = np.bincount(group, minlength=g_count)
        k_g = np.bincount(group, weights=y, minlength=g_count).astype(np.int64)
        flip = 2 * k_g > n_g
        k_eff = np.where(flip, n_g - k_g, k_g)
        order = np.argsort(group, kind="stable")
        starts = np.concatenate([[0], np.cumsum(n_g)])
        pos_in_group = np.arange(group.size) - starts[group[order]]
        size_class = np.ceil(np.log2(np.maximum(n_g, 1))).astype(np.int64)
        buckets = []
        for c in np.unique(size_class):
            members = np.flatnonzero(size_class == c)
            n_b = int(n_g[members].max())
            rows = np.full((members.size, n_b), -1, dtype=np.int64)
            where = np.full(g_count, -1, dtype=np.int64)
            where[members] = np.arange(members.size)
            sel = where[group[order]] >= 0
            rows[where[group[order]][sel], pos_in_group[sel]] = order[sel]
            buckets.append(
                _Bucket(rows, k_eff[members], np.where(flip[members], -1.0, 1.0), members)
            )
        x_pos = np.zeros((g_count, x.shape[1]))
        np.add.at(x_pos, group, x * y[:, None])
        first_row = np.full(g_count, -1, dtype=np.int64)
        first_row[group[order][::-1]] = order[::-1]
        return cls(x, y, group, g_count, tuple(buckets), x_pos, first_row)


def conditional_logit_loglik(
    beta: FloatArray, data: ConditionalLogitData, group_weights: FloatArray | None = None
) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    """Log likelihood, gradient, negative Hessian and per-group scores ``(G, K)`` at ``beta``.

    ``group_weights`` multiply each group's contribution (Stata: weights apply to groups).
    """
    kx = data.x.shape[1]
    eta = data.x @ beta
    log_b = np.zeros(data.n_groups)
    mean = np.zeros((data.n_groups, kx))
    cov = np.zeros((data.n_groups, kx, kx))
    for b in data.buckets:
        chunk = max(1, _CHUNK_FLOATS // max(1, (int(b.k.max()) + 1) * kx * kx))
        for lo in range(0, b.groups.size, chunk):
            sl = slice(lo, lo + chunk)
            lb, mu, cv = _moments(data.x, eta, b.rows[sl], b.k[sl], b.sign[sl])
            g = b.groups[sl]
            log_b[g], mean[g], cov[g] = lb, mu, cv
    w = np.ones(data.n_groups) if group_weights is None else np.asarray(group_weights, float)
    scores = (data.x_pos - mean) * w[:, None]
    ll = float(w @ (data.x_pos @ beta - log_b))
    neg_hess = np.einsum("g,gij->ij", w, cov)
    return ll, scores.sum(axis=0), neg_hess, scores


def _moments(
    x: FloatArray, eta: FloatArray, rows: IntArray, k: IntArray, sign: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``ln B`` and the mean and covariance of ``sum_S x`` for the groups of one chunk
    (original orientation: flipped groups are mapped back)."""
    g, n_b = rows.shape
    kx = x.shape[1]
    k_max = int(k.max())
    valid = rows >= 0
    safe = np.where(valid, rows, 0)
    xs = x[safe] * (sign[:, None, None] * valid[:, :, None])  # (g, n_b, K), 0 on padding
    es = np.where(valid, eta[safe] * sign[:, None], -np.inf)
    # centre at the mean of the k largest: the likeliest subset then has weight 1, so
    # neither it nor the single largest r over- or underflows for any sensible b
    top_k = -np.sort(-np.where(valid, es, -np.inf), axis=1)
    csum = np.cumsum(np.where(np.isfinite(top_k), top_k, 0.0), axis=1)
    centre = csum[np.arange(g), np.maximum(k, 1) - 1] / np.maximum(k, 1)
    r = np.exp(es - centre[:, None])  # 0 on padding
    b0 = np.zeros((g, k_max + 1))
    b0[:, 0] = 1.0
    b1 = np.zeros((g, k_max + 1, kx))
    b2 = np.zeros((g, k_max + 1, kx, kx))
    log_scale = np.zeros(g)
    for j in range(n_b):
        rj = r[:, j]
        xj = xs[:, j]
        prev0, prev1, prev2 = b0[:, :-1], b1[:, :-1], b2[:, :-1]
        outer_prev = xj[:, None, :, None] * prev1[:, :, None, :]
        add2 = prev2 + outer_prev + np.swapaxes(outer_prev, 2, 3)
        add2 += (xj[:, :, None] * xj[:, None, :])[:, None] * prev0[:, :, None, None]
        add1 = prev1 + xj[:, None, :] * prev0[:, :, None]
        b2[:, 1:] += rj[:, None, None, None] * add2
        b1[:, 1:] += rj[:, None, None] * add1
        b0[:, 1:] += rj[:, None] * prev0
        top = b0.max(axis=1)  # rescale: keeps every column of the recursion in range
        b0 /= top[:, None]
        b1 /= top[:, None, None]
        b2 /= top[:, None, None, None]
        log_scale += np.log(top)
    idx = np.arange(g)
    bk = b0[idx, k]
    m1 = b1[idx, k] / bk[:, None]
    m2 = b2[idx, k] / bk[:, None, None]
    cov = m2 - m1[:, :, None] * m1[:, None, :]
    log_b = np.log(bk) + log_scale + k * centre
    # flipped groups: B = exp(sum_all eta) * B', and the mean of sum_S x is
    # sum_all x - (the mean of the complement); here x was negated, so map back
    flipped = sign < 0
    if flipped.any():
        total_eta = np.where(valid, eta[safe], 0.0).sum(axis=1)
        total_x = (x[safe] * valid[:, :, None]).sum(axis=1)
        log_b = np.where(flipped, log_b + total_eta, log_b)
        m1 = np.where(flipped[:, None], total_x + m1, m1)
    return log_b, m1, cov
