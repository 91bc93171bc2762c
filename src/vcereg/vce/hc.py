"""Conventional and heteroskedasticity-robust covariances.

Notation: bread B = (X'WX)^{-1}, weighted residuals u, N observations, K parameters.

==========  =======================================  ================  ==========
name        formula                                  Stata             df
==========  =======================================  ================  ==========
ols         s^2 B, s^2 = sum u^2 / (N-K)             ``vce(ols)``      N-K
hc0         B (sum u_i^2 x_i x_i') B                 (none)            N-K
robust      N/(N-K) * HC0                            ``vce(robust)``   N-K
hc2         B (sum u_i^2/(1-h_i) x_i x_i') B         ``vce(hc2)``      N-K
hc3         B (sum u_i^2/(1-h_i)^2 x_i x_i') B       ``vce(hc3)``      N-K
==========  =======================================  ================  ==========

h_i is the leverage x_i' B x_i. Stata puts no N/(N-K) on HC2/HC3; pyfixest does
(``ssc="fixest"``). statsmodels uses the normal distribution for robust types
(``ssc="statsmodels"``). Reference: MacKinnon & White (1985), Long & Ervin (2000).
"""

from __future__ import annotations

import numpy as np

from .._types import FloatArray
from ..errors import EstimationError, VceOptionError
from ..spec import VceSpec, WeightKind
from .base import (
    VarianceEstimator,
    VceContext,
    VceResult,
    fix_psd,
    refuse_ml,
    register_vce,
)
from .kernels import hc_sandwich

__all__ = ["HC0", "HC2", "HC3", "Iid", "Robust"]


class Iid(VarianceEstimator):
    """Conventional OLS covariance ``s^2 (X'WX)^{-1}``; Stata's default ``vce(ols)``."""

    name = "ols"
    aliases = ("iid", "unadjusted", "conventional", "homoskedastic")
    summary = "conventional (homoskedastic) standard errors"

    def compute(self, ctx: VceContext) -> VceResult:
        if ctx.ml is not None:
            raise VceOptionError(
                "vce(ols) is the least-squares covariance; a maximum-likelihood model's "
                "conventional covariance is vce(oim) (the default), or vce(eim), vce(opg)"
            )
        dof = ctx.df_resid if ctx.ssc.small else ctx.nobs
        s2 = float(ctx.resid @ ctx.resid) / dof
        bread = ctx.bread if ctx.iid_bread is None else ctx.iid_bread
        return VceResult(s2 * bread, "OLS", ctx.t_or_normal(ctx.df_resid, robust=False))


def _row_factor(ctx: VceContext) -> FloatArray | None:
    # A frequency-weighted row stands for w identical rows: their squared scores add
    # up to w (x u)(x u)' while the weighted score is w x u, hence the 1/w.
    if ctx.weight_kind is WeightKind.FWEIGHT and ctx.fweights is not None:
        out: FloatArray = 1.0 / ctx.fweights
        return out
    return None


def _sandwich(ctx: VceContext, inner: FloatArray, factor: float, label: str) -> VceResult:
    """``inner`` is the sandwich ``B M B`` already (see :func:`hc_sandwich`)."""
    cov, notes = fix_psd(factor * inner, label, ctx.constant)
    return VceResult(cov, label, ctx.t_or_normal(ctx.df_resid), notes=notes, factor=factor)


def _leverage_meat(ctx: VceContext, power: int) -> FloatArray:
    refuse_ml(ctx, f"vce(hc{power + 1})")
    if ctx.absorbed:
        raise VceOptionError(
            f"vce(hc{power + 1}) is not available with absorbed fixed effects: the leverage "
            "of the absorbed indicators is not computed; use vce(robust) or vce(cluster ...)"
        )
    h = ctx.lstsq.leverage(ctx.x)
    if ctx.weight_kind is WeightKind.FWEIGHT and ctx.fweights is not None:
        h = h / ctx.fweights  # leverage of one of the w replicated rows
    bad = int(np.sum(h > 1 - 1e-10))
    if bad:
        raise EstimationError(
            f"{bad} observation(s) have leverage 1, so HC{power + 1} is undefined; "
            "use vce(robust) or drop those observations"
        )
    f = (1.0 - h) ** (-power)
    rf = _row_factor(ctx)
    return hc_sandwich(ctx.x, ctx.resid, ctx.bread, f if rf is None else f * rf)


class HC0(VarianceEstimator):
    """White's heteroskedasticity-consistent covariance without small-sample factor."""

    name = "hc0"
    aliases = ("white",)
    summary = "White (HC0), no small-sample factor"

    def compute(self, ctx: VceContext) -> VceResult:
        inner = hc_sandwich(ctx.x, ctx.resid, ctx.bread, _row_factor(ctx))
        return _sandwich(ctx, inner, 1.0, "Robust (HC0)")


class Robust(VarianceEstimator):
    """HC1: HC0 times N/(N-K); Stata's ``vce(robust)``."""

    name = "robust"
    aliases = ("hc1", "r", "rob", "hetero", "heteroskedastic")
    summary = "heteroskedasticity-robust, HC1 = N/(N-K) * HC0 (Stata's robust)"

    def compute(self, ctx: VceContext) -> VceResult:
        factor = ctx.dof_factor(ctx.nobs / (ctx.nobs - ctx.k))
        if ctx.ml is not None and not ctx.ssc.ml_robust_adj:
            factor = 1.0  # statsmodels: HC1 of an ML model is HC0
        inner = hc_sandwich(ctx.x, ctx.resid, ctx.bread, _row_factor(ctx))
        return _sandwich(ctx, inner, factor, "Robust (HC1)" if ctx.ml is None else "Robust")


class _LeverageAdjusted(VarianceEstimator):
    """HC2/HC3: squared residuals divided by (1 - leverage)^power."""

    power = 1

    def compute(self, ctx: VceContext) -> VceResult:
        factor = ctx.dof_factor(ctx.nobs / (ctx.nobs - ctx.k)) if ctx.ssc.hc23_factor else 1.0
        label = f"Robust (HC{self.power + 1})"
        return _sandwich(ctx, _leverage_meat(ctx, self.power), factor, label)


class HC2(_LeverageAdjusted):
    """HC2: squared residuals divided by (1 - leverage); Stata's ``vce(hc2)``."""

    name = "hc2"
    summary = "HC2: u^2/(1-h), Stata's vce(hc2); vce(hc2 g) is CR2 (see cr2)"
    power = 1

    def redirect(self, spec: VceSpec) -> str | None:
        # Stata 18: vce(hc2 clustvar) is CR2, and dfadjust asks for Bell-McCaffrey df
        return "cr2" if spec.args or spec.option("dfadjust") is not None else None


class HC3(_LeverageAdjusted):
    """HC3: squared residuals divided by (1 - leverage)^2; Stata's ``vce(hc3)``."""

    name = "hc3"
    summary = "HC3: u^2/(1-h)^2, Stata's vce(hc3)"
    power = 2


for _cls in (Iid, HC0, Robust, HC2, HC3):
    register_vce(_cls)
