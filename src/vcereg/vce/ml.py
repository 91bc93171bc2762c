"""Model-based covariances of maximum-likelihood fits: ``oim``, ``eim`` and ``opg``.

==========  ===========================================  =================================
name        formula                                      Stata
==========  ===========================================  =================================
oim         phi H^{-1}, H the observed information       default of logit, probit, poisson,
                                                         glm (ML), nbreg: ``vce(oim)``
eim         phi I^{-1}, I the expected information       ``glm, vce(eim)``; ``glm, irls``
opg         phi^2 (sum_i s_i s_i')^{-1}                  ``vce(opg)`` (BHHH)
==========  ===========================================  =================================

``phi`` is the dispersion (1 for binomial, Poisson and negative binomial models) and
``s_i`` the per-row scores at phi = 1. For canonical links (logit, Poisson log, Gaussian
identity) H = I. Normal (z) inference. Under ``ssc="fixest"`` ``oim``/``eim`` are
multiplied by (N-1)/(N-K) as fixest's GLMs do.

After a least-squares fit these names give the Gaussian model's answers: ``oim`` and
``eim`` are the conventional ``s^2 (X'X)^{-1}`` (``glm, family(gaussian)`` reproduces
``regress``), ``opg`` uses the scores ``x_i u_i / s^2``.
"""

from __future__ import annotations

import numpy as np

from .._types import FloatArray
from ..errors import EstimationError
from ..spec import WeightKind
from .base import VarianceEstimator, VceContext, VceResult, fix_psd, register_vce

__all__ = ["EIM", "OIM", "OPG"]


def _scale(ctx: VceContext) -> float:
    if ctx.ml is not None:
        return ctx.ml.scale
    dof = ctx.df_resid if ctx.ssc.small else ctx.nobs
    return float(ctx.resid @ ctx.resid) / dof


def _model_factor(ctx: VceContext) -> float:
    if ctx.ml is None or not ctx.ssc.ml_model_adj:
        return 1.0
    k = ctx.ml.k_params
    return ctx.dof_factor((ctx.nobs - 1) / (ctx.nobs - k))


def _df(ctx: VceContext) -> float | None:
    return ctx.t_or_normal(ctx.df_resid, robust=False)


class OIM(VarianceEstimator):
    """The inverse observed information (times the dispersion); Stata's ``vce(oim)``."""

    name = "oim"
    aliases = ("observed",)
    summary = "inverse observed information (ML default; OLS: the conventional s^2 (X'X)^-1)"

    def compute(self, ctx: VceContext) -> VceResult:
        factor = _model_factor(ctx)
        bread = ctx.ml.oim_bread if ctx.ml is not None and ctx.ml.oim_bread is not None else None
        cov = _scale(ctx) * factor * (ctx.bread if bread is None else bread)
        return VceResult(cov, "OIM", _df(ctx), factor=factor)


class EIM(VarianceEstimator):
    """The inverse expected information (times the dispersion); ``glm, vce(eim)``."""

    name = "eim"
    aliases = ("expected",)
    summary = "inverse expected information (glm's vce(eim), the IRLS default)"

    def compute(self, ctx: VceContext) -> VceResult:
        factor = _model_factor(ctx)
        bread = ctx.ml.eim_bread if ctx.ml is not None and ctx.ml.eim_bread is not None else None
        cov = _scale(ctx) * factor * (ctx.bread if bread is None else bread)
        return VceResult(cov, "EIM", _df(ctx), factor=factor)


class OPG(VarianceEstimator):
    """The inverse outer product of the scores (BHHH); Stata's ``vce(opg)``."""

    name = "opg"
    aliases = ("bhhh",)
    summary = "inverse outer product of the gradients (BHHH)"

    def compute(self, ctx: VceContext) -> VceResult:
        phi = _scale(ctx)
        scores = ctx.x * ctx.resid[:, None]
        if ctx.weight_kind is WeightKind.FWEIGHT and ctx.fweights is not None:
            # a row standing for w observations adds w s s', and its score is w s
            scores = scores / np.sqrt(ctx.fweights)[:, None]
        outer: FloatArray = scores.T @ scores
        if ctx.ml is None:
            outer = outer / (phi * phi)  # least squares: scores x u / s^2
        try:
            inv: FloatArray = np.asarray(np.linalg.inv(outer), dtype=np.float64)
        except np.linalg.LinAlgError:
            raise EstimationError(
                "vce(opg): the outer product of the scores is singular (too few observations "
                "with information on some coefficient); use vce(oim)"
            ) from None
        scale = phi * phi if ctx.ml is not None else 1.0
        cov, notes = fix_psd(scale * inv, "OPG")
        return VceResult(cov, "OPG", _df(ctx), notes=notes)


for _cls in (OIM, EIM, OPG):
    register_vce(_cls)
