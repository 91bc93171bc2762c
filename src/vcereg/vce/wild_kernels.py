"""Pure numpy kernels of the wild cluster bootstrap ("Fast and wild").

Roodman, MacKinnon, Nielsen and Webb (2019), "Fast and wild: Bootstrap inference in Stata
using boottest", *Stata Journal* 19(1). After one pass over the data (per-cluster scores
``S_g = X_g'u_g`` and Gram matrices ``H_g = X_g'X_g``), every bootstrap draw costs
O(G*K) per restriction, never O(N).

For one restriction ``R b = r`` with ``A = (X'X)^{-1}`` and ``delta = R b_hat - r``:

- WCR (null imposed): the restricted residuals are ``u_hat + delta * X d`` with
  ``d = A R' / (R A R')``, so their cluster scores are ``S_g + delta * H_g d``: linear in
  ``delta``. WCU (``null=False``) resamples ``u_hat`` itself.
- For a draw ``v`` (G,), the bootstrap numerator is ``R A S v`` and the bootstrap
  cluster scores of ``R b*`` are ``a_h v_h - P_h A S v`` with ``a = R A S'``,
  ``P_h = R A H_h``; both are linear in ``delta``, so ``t*(delta)^2`` is a ratio of two
  quadratics in ``delta`` whose five coefficients per draw are stored. The p-value at any
  null value then costs O(B), which makes confidence intervals by test inversion cheap.

The CRV1 small-sample factor multiplies the actual and the bootstrap variances alike, so
it cancels from every comparison and is left out here. p-values are symmetric:
``mean(|t*| > |t|)``: the strict inequality of ``wildboottest``, made immune to rounding
(the draws ``v = +-1`` under WCR reproduce ``|t|`` exactly and are never counted).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .._types import FloatArray, IntArray
from ..errors import VceOptionError
from .kernels import cluster_scores, group_gram, n_groups
from .wild_fe import FeCorrection

__all__ = [
    "WEIGHT_TYPES",
    "BootDraws",
    "ClusterMoments",
    "WeightPlan",
    "bootstrap_draws",
    "check_storage",
    "chunk_size",
    "cluster_moments",
    "draw_weights",
    "plan_weights",
]

WEIGHT_TYPES = ("rademacher", "webb", "mammen", "normal")

_SQRT5 = math.sqrt(5.0)
_WEBB = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])
_MAMMEN = np.array([-(_SQRT5 - 1) / 2, (_SQRT5 + 1) / 2])
_MAMMEN_P = (_SQRT5 + 1) / (2 * _SQRT5)  # probability of the negative point
_TIE = 1e-10  # relative: |t*| within this of |t| is a tie (rounding of the same number)
_CHUNK_ELEMENTS = 4_000_000  # doubles per (restrictions x G x draws) work block
# the per-draw statistics kept for p-values and intervals (5 doubles per draw and
# restriction): beyond this many doubles (2 GB) a request is refused, not attempted
_MAX_STORED = 250_000_000


def draw_weights(kind: str, g: int, b: int, rng: np.random.Generator) -> FloatArray:
    """``b`` draws of ``g`` cluster weights, shape (g, b), mean 0 and variance 1.

    The generator fills one draw (all ``g`` clusters) after the other, so ``b`` draws in
    one call are the same numbers as in any number of smaller calls: the draws depend on
    the seed only, not on the work blocks.

    >>> w = draw_weights("webb", 3, 4, np.random.default_rng(0))
    >>> w.shape, bool(np.all(np.isin(np.round(w**2, 12), [0.5, 1.0, 1.5])))
    ((3, 4), True)
    """
    shape = (b, g)
    if kind == "rademacher":
        out: FloatArray = rng.integers(0, 2, size=shape).astype(np.float64) * 2.0 - 1.0
    elif kind == "webb":
        out = _WEBB[rng.integers(0, 6, size=shape)]
    elif kind == "mammen":
        out = np.where(rng.random(size=shape) < _MAMMEN_P, _MAMMEN[0], _MAMMEN[1])
    elif kind == "normal":
        out = rng.standard_normal(size=shape)
    else:
        raise ValueError(f"unknown weight type {kind!r}; expected one of {', '.join(WEIGHT_TYPES)}")
    return out.T


@dataclass(frozen=True, slots=True)
class WeightPlan:
    """Where the draws come from: all 2^G Rademacher vectors, or ``reps`` random draws.

    ``chunks(size)`` yields the weight matrix in column blocks of at most ``size`` draws
    (:func:`draw_weights` makes the draws independent of the blocks), so the draws depend
    only on the seed, G, ``reps`` and the weight type: ``vce(wild g, seed(1))`` and
    ``boottest(..., seed=1)`` use the same draws, and memory stays bounded for any G.
    """

    kind: str
    g: int
    reps: int
    enumerated: bool
    seed: int

    def chunks(self, size: int) -> Iterator[FloatArray]:
        if self.enumerated:
            # rows of the product are the sign vectors; 2^G <= reps keeps this small
            signs = np.array(list(itertools.product((-1.0, 1.0), repeat=self.g))).T
            for lo in range(0, signs.shape[1], size):
                yield np.ascontiguousarray(signs[:, lo : lo + size])
            return
        rng = np.random.default_rng(self.seed)
        size = max(1, size)
        for lo in range(0, self.reps, size):
            yield draw_weights(self.kind, self.g, min(size, self.reps - lo), rng)


def plan_weights(kind: str, g: int, reps: int, seed: int) -> WeightPlan:
    """Enumerate the 2^G Rademacher sign vectors when 2^G <= ``reps`` (boottest's rule).

    >>> p = plan_weights("rademacher", 2, 9999, seed=1)
    >>> p.enumerated, p.reps
    (True, 4)
    """
    if kind == "rademacher" and g < 63 and 2**g <= reps:
        return WeightPlan(kind, g, 2**g, True, seed)
    return WeightPlan(kind, g, reps, False, seed)


@dataclass(frozen=True, slots=True, eq=False)
class ClusterMoments:
    """The one pass over the data: cluster scores of the unrestricted residuals (G, K),
    the per-cluster Gram matrices (G, K, K), the bread ``(X'X)^{-1}`` and the estimates,
    all for the columns divided by ``scale`` (regressors at 1e9 would otherwise put
    1e18 into the Gram matrices; t statistics do not depend on the scaling)."""

    scores: FloatArray
    gram: FloatArray
    bread: FloatArray
    beta: FloatArray
    scale: FloatArray
    # absorbed effects not nested in the clusters: see wild_fe (None when nested or none)
    fe: FeCorrection | None = None


def cluster_moments(
    x: FloatArray,
    u: FloatArray,
    codes: IntArray,
    bread: FloatArray,
    beta: FloatArray,
    scores: FloatArray | None = None,
) -> ClusterMoments:
    """One O(N*K^2) pass: per-cluster scores and Gram matrices. ``scores`` (G, K), the
    unscaled ``X_g'u_g`` when the caller already has them, saves one pass.

    >>> x = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> m = cluster_moments(x, np.array([1.0, -2.0, 1.0]), np.array([0, 0, 1]),
    ...                     np.linalg.inv(x.T @ x), np.zeros(2))
    >>> (m.scores * m.scale).tolist(), m.gram.shape
    ([[-1.0, -2.0], [1.0, 2.0]], (2, 2, 2))
    """
    g = n_groups(codes)
    scale = np.sqrt(np.einsum("ij,ij->j", x, x) / max(1, x.shape[0]))
    scale[~(scale > 0)] = 1.0
    if scores is None:
        scores = cluster_scores(x, u, codes, g)
    # scaling the small results, not the (N, K) data, gives the same numbers to rounding
    return ClusterMoments(
        scores / scale,
        group_gram(x, codes, g) / np.outer(scale, scale),
        bread * np.outer(scale, scale),
        beta * scale,
        scale,
    )


@dataclass(frozen=True, slots=True, eq=False)
class BootDraws:
    """Per-draw coefficients of ``t*(delta)^2`` for one restriction ``R b = r``.

    ``num = n0 + delta * n1`` and ``den = s00 + 2 delta s01 + delta^2 s11`` (CRV0 scale),
    compared with the actual ``t(delta)^2 = delta^2 / var0`` where ``var0`` is the CRV0
    variance of ``R b_hat``.
    """

    estimate: float  # R b_hat
    var0: float
    n0: FloatArray
    n1: FloatArray
    s00: FloatArray
    s01: FloatArray
    s11: FloatArray
    null: bool

    @property
    def reps(self) -> int:
        return int(self.n0.size)

    def exceed(self, r: float) -> FloatArray:
        """Boolean per draw: ``|t*| > |t|`` when testing ``R b = r``."""
        d = self.estimate - r
        num = self.n0 + d * self.n1
        den = self.s00 + 2 * d * self.s01 + d * d * self.s11
        lhs, rhs = num * num * self.var0, d * d * den
        return np.asarray(lhs > rhs * (1 + _TIE) + 1e-300, dtype=np.float64)

    def tstats(self, r: float, factor: float = 1.0) -> FloatArray:
        """The bootstrap t statistics of ``R b = r``; ``factor`` is the small-sample
        factor of the variance (e.g. CRV1's G/(G-1)(N-1)/(N-K))."""
        d = self.estimate - r
        num = self.n0 + d * self.n1
        den = self.s00 + 2 * d * self.s01 + d * d * self.s11
        out: FloatArray = num / np.sqrt(factor * den)
        return out

    def pvalue(self, r: float) -> float:
        """Symmetric bootstrap-t p-value of ``R b = r``."""
        if not self.var0 > 0:
            return float("nan")
        return float(self.exceed(r).mean())

    def conf_int(self, level: float) -> tuple[float, float]:
        """The interval of null values not rejected at ``level`` percent (test inversion).

        Walks out from the estimate in doubling steps until the p-value falls to
        ``alpha``, then bisects; an unbounded side is reported as infinite.
        """
        if not self.var0 > 0:
            return (float("nan"), float("nan"))
        alpha = 1 - level / 100
        scale = math.sqrt(self.var0)
        lo = self._edge(-1.0, alpha, scale)
        hi = self._edge(1.0, alpha, scale)
        return (lo, hi)

    def _edge(self, sign: float, alpha: float, scale: float) -> float:
        inside, step = 0.0, scale
        while self.pvalue(self.estimate + sign * step) > alpha:
            inside, step = step, step * 2
            if step > 1e12 * scale:
                return sign * math.inf
        outside = step
        for _ in range(200):
            mid = (inside + outside) / 2
            if self.pvalue(self.estimate + sign * mid) > alpha:
                inside = mid
            else:
                outside = mid
            if outside - inside <= 1e-12 * max(scale, outside):
                break
        return self.estimate + sign * (inside + outside) / 2


def chunk_size(n_restrictions: int, g: int) -> int:
    """Draws per work block: the (G x draws) blocks of one restriction hold at most about
    4 million doubles (one draw at a time when G alone is that large), whatever the
    number of restrictions (they are worked through one after the other)."""
    return max(1, _CHUNK_ELEMENTS // max(1, g))


def check_storage(reps: int, n_restrictions: int) -> None:
    """Refuse (clearly, before allocating) a bootstrap whose per-draw statistics would
    not fit: 5 doubles per draw and restriction are kept for p-values and intervals."""
    if 5 * n_restrictions * reps > _MAX_STORED:
        most = _MAX_STORED // (5 * n_restrictions)
        gib = 5 * 8 * n_restrictions * reps / 2**30
        raise VceOptionError(
            f"reps({reps}) would keep {gib:,.0f} GiB of bootstrap statistics for "
            f"{n_restrictions} coefficient(s); use at most reps({most:,})",
            hint="9,999 draws (the default) are plenty for p-values at conventional levels",
        )


def bootstrap_draws(
    moments: ClusterMoments,
    restrictions: FloatArray,
    plan: WeightPlan,
    *,
    null: bool = True,
    on_chunk: Callable[[int], None] | None = None,
) -> list[BootDraws]:
    """Bootstrap several single restrictions ``R_j b = r_j`` on the same draws.

    ``restrictions`` is (J, K); the null values ``r_j`` are chosen later, per p-value
    (:meth:`BootDraws.pvalue`). With ``null`` the bootstrap data impose ``R_j b = r_j``
    (WCR); without, they resample the unrestricted residuals (WCU). The per-draw work is
    O(J*G*K), in blocks whose memory does not depend on J or ``reps``. ``on_chunk(n)``
    is called after each block of ``n`` draws.
    """
    s, h, a_mat = moments.scores, moments.gram, moments.bread
    rmat = np.atleast_2d(np.asarray(restrictions, dtype=np.float64)) / moments.scale
    n_r, g = rmat.shape[0], s.shape[0]
    ar = rmat @ a_mat  # (J, K): R A
    q0 = a_mat @ s.T  # (K, G): A S'
    a0 = ar @ s.T  # (J, G)
    p = np.ascontiguousarray(np.einsum("gkl,jl->jgk", h, ar))  # (J, G, K): R A H_g
    check_storage(plan.reps, n_r)
    estimate = rmat @ moments.beta
    var0 = np.einsum("jg,jg->j", a0, a0)
    fe = moments.fe  # residuals projected off effects not nested in the clusters
    e0 = np.einsum("jk,hgk->jhg", ar, fe.t0) if fe is not None else None  # (J, G, G)
    e1 = None
    if null:
        d = ar / np.einsum("jk,jk->j", ar, rmat)[:, None]  # A R' / (R A R')
        t = np.einsum("gkl,jl->jgk", h, d)  # (J, G, K): H_g d
        q1 = np.ascontiguousarray(np.einsum("kl,jgl->jkg", a_mat, t))  # (J, K, G)
        a1 = np.einsum("jk,jkg->jg", rmat, q1)  # (J, G)
        if fe is not None:  # the restricted residuals move along X d
            e1 = np.stack(
                [np.einsum("k,hck->hc", ar[j], fe.scores_of(fe.x @ d[j])) for j in range(n_r)]
            )
    out = [np.empty((5, plan.reps)) for _ in range(n_r)]
    if not null:
        for o in out:
            o[1] = o[3] = o[4] = 0.0
    lo = 0
    for v in plan.chunks(chunk_size(n_r, g)):
        b = v.shape[1]
        w0 = q0 @ v  # (K, b)
        n0 = rmat @ w0  # (J, b)
        w1s = (q1.reshape(n_r * q1.shape[1], g) @ v).reshape(n_r, -1, b) if null else None
        for j in range(n_r):  # one restriction at a time: (G, b) blocks, BLAS products
            o = out[j][:, lo : lo + b]
            d0 = a0[j][:, None] * v - p[j] @ w0  # bootstrap cluster scores of R_j b*
            if e0 is not None:  # minus the effects' projection of the bootstrap residuals
                d0 -= e0[j] @ v
            o[0] = n0[j]
            o[2] = np.einsum("gb,gb->b", d0, d0)
            if w1s is not None:
                w1 = w1s[j]  # (K, b)
                d1 = a1[j][:, None] * v - p[j] @ w1
                if e1 is not None:
                    d1 -= e1[j] @ v
                o[1] = rmat[j] @ w1
                o[3] = np.einsum("gb,gb->b", d0, d1)
                o[4] = np.einsum("gb,gb->b", d1, d1)
        lo += b
        if on_chunk is not None:
            on_chunk(b)
    return [
        BootDraws(float(estimate[j]), float(var0[j]), o[0], o[1], o[2], o[3], o[4], null)
        for j, o in enumerate(out)
    ]
