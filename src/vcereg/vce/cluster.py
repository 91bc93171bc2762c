"""Cluster-robust covariances: one-way and multiway CRV1, and the cluster jackknife (CR3).

One-way (Stata ``vce(cluster g)``)::

    V = G/(G-1) * (N-1)/(N-K) * B (sum_g S_g S_g') B,   S_g = sum_{i in g} x_i u_i,   t(G-1)

Multiway (``vce(cluster a b)``): inclusion-exclusion over the 2^k - 1 non-empty subsets S
of the cluster variables, ``V0 = sum_S (-1)^(|S|+1) V_S`` with V_S the CRV0 on the
intersection S, then one factor G_min/(G_min-1) * (N-1)/(N-K) and t(G_min-1) (reghdfe,
ivreg2 ``small``, fixest). Option ``cgm`` gives each V_S its own G_S/(G_S-1) (Cameron,
Gelbach & Miller 2011; Petersen's ``cluster2``; statsmodels). A result that is not
positive semi-definite gets its negative eigenvalues set to zero, and says so.

CR3 (``vce(cr3 g)``, alias ``jackknife``): the leave-one-cluster-out estimates
``b_(g) = b - (X'X - X_g'X_g)^{-1} S_g``; ``V = (G-1)/G sum_g (b_(g) - mean)(b_(g) - mean)'``
as Stata's ``vce(jackknife, cluster(g))``; option ``mse`` centres on b instead.
References: Cameron & Miller (2015); MacKinnon, Nielsen & Webb (2023).
"""

from __future__ import annotations

import itertools
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._types import FloatArray, IntArray
from ..errors import DataError, FewClustersWarning, VceOptionError, warn
from ..spec import VceSpec
from .base import (
    VarianceEstimator,
    VceContext,
    VceResult,
    fix_psd,
    refuse_ml,
    register_vce,
)
from .kernels import (
    cluster_sandwich,
    cluster_scores,
    effective_clusters,
    group_gram,
    intersect_codes,
    n_groups,
)

__all__ = ["FEW_CLUSTERS", "VERY_FEW_CLUSTERS", "Cluster", "ClusterJackknife", "few_clusters_note"]

#: Below this, cluster-robust t tests over-reject noticeably (Cameron & Miller 2015 use
#: ~42 as the rule of thumb; MacKinnon & Webb 2017).
FEW_CLUSTERS = 42
VERY_FEW_CLUSTERS = 5


def few_clusters_note(g: int, var: str, *, ml: bool = False) -> str | None:
    """The warning text for G clusters, or None when G is comfortable (``ml``: a
    maximum-likelihood fit, z inference and no wild bootstrap)."""
    if ml and g < FEW_CLUSTERS:
        return (
            f"only {g} clusters in {var}: cluster-robust standard errors are unreliable with "
            f"fewer than about {FEW_CLUSTERS} clusters (the meat has rank at most {g - 1}); "
            "z inference with them over-rejects"
        )
    if g <= VERY_FEW_CLUSTERS:
        return (
            f"only {g} clusters in {var}: cluster-robust standard errors and t({g - 1}) "
            "inference are unreliable with so few clusters (the meat has rank at most "
            f"{g - 1}); the wild cluster bootstrap, vce(wild {var}, weights(webb)), is the "
            "better test, though with so few clusters no method is reliable"
        )
    if g < FEW_CLUSTERS:
        return (
            f"only {g} clusters in {var}: cluster-robust inference is unreliable with fewer "
            f"than about {FEW_CLUSTERS} clusters; use the wild cluster bootstrap for "
            f"p-values and intervals: vce(wild {var}), or r.boottest('x = 0') after the fit"
        )
    return None


def _check_groups(ctx: VceContext, names: tuple[str, ...]) -> list[IntArray]:
    codes = [ctx.groups[n] for n in names]
    for name, c in zip(names, codes, strict=True):
        g = n_groups(c)
        if g < 2:
            raise DataError(
                f"cluster variable {name!r} has {g} distinct value(s) in the estimation "
                "sample; clustering needs at least 2 clusters"
            )
    return codes


def _warn_few(ctx: VceContext, g: int, var: str) -> tuple[str, ...]:
    note = few_clusters_note(g, var, ml=ctx.ml is not None)
    if note is None:
        return ()
    warn(note, FewClustersWarning)
    return (note,)


def _regressors(ctx: VceContext) -> FloatArray:
    """The regressors G* is computed on: ``x``, or for a maximum-likelihood fit (whose
    ``x`` holds scores) the IRLS-weighted design."""
    if ctx.ml is not None and ctx.ml.design is not None:
        return ctx.ml.design
    return ctx.x


def _n_factor(ctx: VceContext) -> float:
    return ctx.dof_factor((ctx.nobs - 1) / (ctx.nobs - ctx.k)) if ctx.ssc.cluster_n_adj else 1.0


def _g_factor(ctx: VceContext, g: int) -> float:
    return ctx.dof_factor(g / (g - 1)) if ctx.ssc.cluster_g_adj else 1.0


class Cluster(VarianceEstimator):
    """Cluster-robust (CRV1) covariance on one or more cluster variables."""

    name = "cluster"
    aliases = ("cl", "crv1", "clu", "clus", "clust", "twoway")
    options = frozenset({"cgm", "min"})
    min_args = 1
    max_args = None
    summary = "cluster-robust CRV1; several variables give multiway clustering"

    def validate(self, spec: VceSpec, source: str | None = None) -> None:
        super().validate(spec, source)
        if spec.name.lower() == "twoway" and len(spec.args) != 2:
            raise VceOptionError(
                f"vce(twoway ...) takes two cluster variables (got {len(spec.args)}), e.g. "
                "vce(twoway firm year)",
                source=source,
                span=spec.span,
            )
        if len(set(spec.args)) != len(spec.args):
            raise VceOptionError(
                "a cluster variable is repeated in vce(cluster ...)", source=source, span=spec.span
            )

    def compute(self, ctx: VceContext) -> VceResult:
        names = ctx.vce.args
        codes = _check_groups(ctx, names)
        per_term = ctx.vce.option("cgm") is not None or (
            ctx.ssc.multiway == "per_term" and ctx.vce.option("min") is None
        )
        sizes = {n: n_groups(c) for n, c in zip(names, codes, strict=True)}
        g_min = min(sizes.values())
        n_adj = _n_factor(ctx)
        inner = np.zeros_like(ctx.bread)  # sum of +-B M B over the intersections
        for r in range(1, len(codes) + 1):
            for subset in itertools.combinations(range(len(codes)), r):
                inter = codes[subset[0]] if r == 1 else intersect_codes(*(codes[i] for i in subset))
                m, g = cluster_sandwich(ctx.x, ctx.resid, inter, ctx.bread)
                sign = 1.0 if r % 2 == 1 else -1.0
                weight = _g_factor(ctx, g) if per_term and len(codes) > 1 else 1.0
                inner += sign * weight * m
        factor = n_adj * (1.0 if per_term and len(codes) > 1 else _g_factor(ctx, g_min))
        cov = factor * inner
        label = "Clustered" if len(names) == 1 else f"{len(names)}-way clustered"
        label += f" ({', '.join(names)})"
        notes: tuple[str, ...] = ()
        if len(codes) > 1:
            cov, notes = fix_psd(cov, label, ctx.constant)
        argmin = min(sizes, key=lambda n: sizes[n])
        notes += _warn_few(ctx, g_min, argmin)
        g_star = (
            argmin,
            partial(effective_clusters, _regressors(ctx), ctx.bread, codes[names.index(argmin)]),
        )
        return VceResult(
            cov, label, ctx.t_or_normal(g_min - 1), sizes, notes, factor, effective_clusters=g_star
        )


class ClusterJackknife(VarianceEstimator):
    """CR3: the leave-one-cluster-out jackknife, Stata's ``vce(jackknife, cluster(g))``."""

    name = "cr3"
    aliases = ("jackknife", "crv3", "jack")
    options = frozenset({"mse"})
    min_args = 1
    max_args = 1
    summary = "cluster jackknife (CR3), Stata's vce(jackknife, cluster(g))"

    def compute(self, ctx: VceContext) -> VceResult:
        (var,) = ctx.vce.args
        if ctx.absorbed:
            raise VceOptionError(
                "vce(cr3) is not available with absorbed fixed effects yet (the demeaning "
                "would have to be redone without each cluster); use vce(cluster ...)"
            )
        (codes,) = _check_groups(ctx, (var,))
        g = n_groups(codes)
        notes: tuple[str, ...] = ()
        delta: NDArray[np.floating[Any]]
        if ctx.leave_out is not None:  # 2SLS, ML: re-estimate everything without cluster g
            delta = ctx.leave_out(codes)
        else:
            refuse_ml(ctx, "vce(cr3) without a refit", "vce(cluster ...)")
            scores = cluster_scores(ctx.x, ctx.resid, codes, g)
            xtx = ctx.x.T @ ctx.x
            left_out = xtx[None, :, :] - group_gram(ctx.x, codes, g)
            try:
                delta = -np.linalg.solve(left_out, scores[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                delta = -np.einsum("gij,gj->gi", np.linalg.pinv(left_out), scores)
                notes = (
                    "some leave-one-cluster-out fits were singular; a pseudo-inverse was used",
                )
        fixest = ctx.ssc.jackknife == "fixest"
        centre = 0.0 if fixest or ctx.vce.option("mse") is not None else delta.mean(axis=0)
        dev: FloatArray = np.asarray(delta - centre, dtype=np.float64)
        factor = (_g_factor(ctx, g) * _n_factor(ctx)) if fixest else (g - 1) / g
        cov = factor * dev.T @ dev
        label = f"Jackknife clustered ({var})"
        notes += _warn_few(ctx, g, var)
        g_star = (var, partial(effective_clusters, _regressors(ctx), ctx.bread, codes))
        return VceResult(
            cov, label, ctx.t_or_normal(g - 1), {var: g}, notes, factor, effective_clusters=g_star
        )


register_vce(Cluster)
register_vce(ClusterJackknife)
