"""Bias-reduced cluster-robust covariance (CR2) and Bell-McCaffrey degrees of freedom.

Stata 18's ``vce(hc2 g)`` and ``vce(hc2 [g], dfadjust)`` (Bell & McCaffrey 2002; Imbens &
Kolesár 2016; Pustejovsky & Tipton 2018)::

    V = B (sum_g X_g' A_g u_g u_g' A_g X_g) B,    A_g = (I - H_gg)^(-1/2),    H_gg = X_g B X_g'

with the symmetric inverse square root, and no further small-sample factor. Without a
cluster variable every observation is its own cluster and V is HC2. Degrees of freedom:
G - 1 for ``vce(hc2 g)``; with ``dfadjust`` one Satterthwaite df per coefficient k,
``df_k = (sum lambda)^2 / sum lambda^2`` where lambda are the eigenvalues of ``G_k'G_k``,
``G_k`` having column ``(I - H)_{.,g} A_g X_g B e_k`` per cluster (working model
Omega = I, as Bell-McCaffrey and Stata). A linear combination ``c'b`` (``lincom``,
``margins``) gets its own df, with ``c`` in place of ``e_k`` (``VceResult.df_contrast``).

No N x N (or n_g x n_g) matrix is formed: H_gg has rank <= K, so with B = CC' and the
eigen-decomposition ``C' X_g'X_g C = R diag(lambda) R'``,
``A_g = I + X_g C R diag(f(lambda)) R' C' X_g'`` with ``f(l) = ((1 - l)^(-1/2) - 1) / l``,
and ``G_k'G_k = diag(|v_g|^2) - P B P'`` (``v_g = A_g X_g B e_k``, row g of P is
``X_g' v_g``), whose trace and Frobenius norm need only K x K algebra. Work O(N K^2 + G K^3),
memory O(G K^2). A cluster in which some combination of the regressors has leverage 1
(e.g. a regressor that is non-zero only in that cluster) gets the Moore-Penrose inverse
square root, as clubSandwich does, and a note says so.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from .._types import FloatArray, IntArray
from ..errors import DataError, VceOptionError
from ..spec import VceSpec, WeightKind
from .base import (
    VarianceEstimator,
    VceContext,
    VceResult,
    fix_psd,
    refuse_ml,
    register_vce,
)
from .kernels import cluster_scores, effective_clusters, group_gram, n_groups

__all__ = ["CR2", "bm_df_singletons"]

_SINGULAR = 1e-10


def _f(lam: FloatArray) -> tuple[FloatArray, int]:
    """``((1 - l)^(-1/2) - 1) / l`` elementwise; leverage-1 directions get the pseudo-inverse."""
    lam = np.clip(lam, 0.0, 1.0)
    singular = 1 - lam < _SINGULAR
    safe = np.where(singular | (lam < 1e-8), 0.5, lam)
    out = np.where(lam < 1e-8, 0.5 + 0.375 * lam, ((1 - safe) ** -0.5 - 1) / safe)
    out = np.where(singular, -1.0 / np.where(singular, lam, 1.0), out)
    return out, int(singular.sum())


def bm_df_singletons(
    x: FloatArray, bread: FloatArray, h: FloatArray, contrasts: FloatArray | None = None
) -> FloatArray:
    """Bell-McCaffrey df of HC2 per coefficient (every observation its own cluster), or per
    combination: ``contrasts`` (m, k) has one row ``c`` per combination ``c'b``.

    ``v_i = (1 - h_i)^(-1/2) x_i' B c``; trace = sum v_i^2 (1 - h_i);
    Frobenius^2 = sum v_i^4 (1 - 2 h_i) + tr((B M)^2), M = sum v_i^2 x_i x_i'.
    """
    bc = bread if contrasts is None else bread @ contrasts.T  # (k, m): B c per column
    scale = 1.0 / np.sqrt(1.0 - h)
    v = (x @ bc) * scale[:, None]  # (N, m): column j is v for combination j
    v2 = v * v
    trace = (v2 * (1 - h)[:, None]).sum(axis=0)
    frob = (v2 * v2 * (1 - 2 * h)[:, None]).sum(axis=0)
    out = np.empty(bc.shape[1])
    for j in range(bc.shape[1]):  # k (or the number of combinations) is small
        m = x.T @ (x * v2[:, j : j + 1])
        bm = bread @ m
        out[j] = trace[j] ** 2 / (frob[j] + float(np.trace(bm @ bm)))
    return out


def _cr2(
    x: FloatArray, u: FloatArray, bread: FloatArray, codes: IntArray, dfadjust: bool
) -> tuple[FloatArray, FloatArray | None, int, Callable[[FloatArray], FloatArray]]:
    """CR2 meat-sandwich and (optionally) BM df per coefficient; the singular count; and
    the BM df of any combinations (rows of a (m, k) matrix)."""
    g = n_groups(codes)
    chol = np.linalg.cholesky((bread + bread.T) / 2)
    gram = group_gram(x, codes, g)  # W_g = X_g'X_g
    scores = cluster_scores(x, u, codes, g)  # S_g = X_g'u_g
    inner = np.einsum("ki,gkl,lj->gij", chol, gram, chol)  # C'W_gC
    lam, rot = np.linalg.eigh(inner)
    f, n_singular = _f(lam)
    d = np.einsum("gik,gk,gjk->gij", rot, f, rot)
    t = np.einsum("ik,gkl,jl->gij", chol, d, chol)  # C D_g C'
    adj = scores + np.einsum("gij,gjk,gk->gi", gram, t, scores)  # X_g'A_g u_g
    adj_b = adj @ bread  # the bread on each score before the sum (kernels.hc_sandwich)
    cov = adj_b.T @ adj_b
    k = x.shape[1]
    e = np.eye(k)[None] + np.einsum("gij,gjk->gik", t, gram)  # A_g X_g = X_g E_g

    def df_of(contrasts: FloatArray) -> FloatArray:
        bc = bread @ contrasts.T  # (k, m): B c for each combination c
        q = np.einsum("gji,gjk,gkl->gil", e, gram, e)  # E_g'W_gE_g
        nv = np.einsum("kl,gkm,ml->gl", bc, q, bc)  # |v_g|^2 per combination
        pb = np.einsum("gij,gjk,kl->gil", gram, e, bc)  # p_g per combination (columns)
        pbp = np.einsum("gkl,km,gml->gl", pb, bread, pb)
        trace = nv.sum(axis=0) - pbp.sum(axis=0)
        m = np.einsum("gkl,gml->lkm", pb, pb)  # sum_g p_g p_g' per combination
        bm = np.einsum("km,lmn->lkn", bread, m)
        frob = (nv * nv).sum(axis=0) - 2 * (nv * pbp).sum(axis=0)
        frob += np.einsum("lkn,lnk->l", bm, bm)
        out: FloatArray = trace**2 / frob
        return out

    return cov, df_of(np.eye(k)) if dfadjust else None, n_singular, df_of


class CR2(VarianceEstimator):
    """CR2 with optional Bell-McCaffrey df; Stata 18's ``vce(hc2 g [, dfadjust])``."""

    name = "cr2"
    aliases = ("crv2", "hc2cluster")
    options = frozenset({"dfadjust"})
    min_args = 0
    max_args = 1
    summary = "bias-reduced cluster-robust CR2, Stata 18's vce(hc2 g); dfadjust: Bell-McCaffrey df"

    def validate(self, spec: VceSpec, source: str | None = None) -> None:
        super().validate(spec, source)
        if not spec.args and spec.option("dfadjust") is None:
            raise VceOptionError(
                "vce(cr2) needs a cluster variable, or the option dfadjust for HC2 with "
                "Bell-McCaffrey degrees of freedom: vce(hc2 school) or vce(hc2, dfadjust)",
                source=source,
                span=spec.span,
            )

    def compute(self, ctx: VceContext) -> VceResult:
        refuse_ml(ctx, "vce(cr2) (bias-reduced CR2)", "vce(cluster ...) or vce(cr3 ...)")
        if ctx.absorbed:
            raise VceOptionError(
                "vce(hc2 ...) with a cluster variable or dfadjust is not available with "
                "absorbed fixed effects (the leverage of the absorbed indicators is not "
                "computed); put the effects in the formula as C(var), or use vce(cluster ...)"
            )
        if ctx.weight_kind is WeightKind.FWEIGHT:
            raise VceOptionError(
                "CR2 is not defined for frequency weights here; expand the data or use "
                "vce(cluster ...)"
            )
        dfadjust = ctx.vce.option("dfadjust") is not None
        notes: tuple[str, ...] = ()
        if not ctx.vce.args:
            h = ctx.lstsq.leverage(ctx.x)
            if np.any(h > 1 - _SINGULAR):
                raise DataError(
                    f"{int(np.sum(h > 1 - _SINGULAR))} observation(s) have leverage 1, so HC2 "
                    "is undefined; use vce(robust) or drop those observations"
                )
            xs = ctx.x * (1.0 / np.sqrt(1.0 - h))[:, None]
            cov = ctx.bread @ (xs.T @ (xs * (ctx.resid**2)[:, None])) @ ctx.bread
            df = bm_df_singletons(ctx.x, ctx.bread, h)
            cov, psd = fix_psd(cov, "HC2")
            label = "Robust (HC2), Bell-McCaffrey df"
            return VceResult(
                cov,
                label,
                ctx.t_or_normal(ctx.df_resid),
                notes=psd,
                df_terms=df,
                df_contrast=partial(bm_df_singletons, ctx.x, ctx.bread, h),
            )
        (var,) = ctx.vce.args
        codes = ctx.groups[var]
        g = n_groups(codes)
        if g < 2:
            raise DataError(
                f"cluster variable {var!r} has {g} distinct value(s) in the estimation "
                "sample; clustering needs at least 2 clusters"
            )
        cov, df_k, n_singular, df_of = _cr2(ctx.x, ctx.resid, ctx.bread, codes, dfadjust)
        if n_singular:
            notes += (
                f"CR2: in {n_singular} direction(s) a cluster of {var} has leverage 1 "
                "(a regressor varies only within one cluster); the pseudo-inverse square "
                "root was used there (as clubSandwich)",
            )
        cov, psd = fix_psd(cov, "CR2")
        notes += psd
        label = f"CR2 clustered ({var})" + (", Bell-McCaffrey df" if dfadjust else "")
        g_star = partial(effective_clusters, ctx.x, ctx.bread, codes)  # on first read
        # df_inference (G - 1) serves joint F tests; single coefficients use df_terms
        return VceResult(
            cov,
            label,
            ctx.t_or_normal(g - 1),
            {var: g},
            notes,
            df_terms=df_k,
            effective_clusters=(var, g_star),
            df_contrast=df_of if dfadjust else None,
        )


register_vce(CR2)
