"""Heteroskedasticity- and autocorrelation-consistent covariances: Newey-West and
Driscoll-Kraay.

Newey-West, ``vce(hac t [id], lags(L) [, kernel(bartlett|parzen|qs)])`` (Stata ``newey``)::

    V = N/(N-K) * B (Gamma_0 + sum_{j>=1} w_j (Gamma_j + Gamma_j')) B,     t(N-K)
    Gamma_j = sum over pairs (i, i') with t_i' = t_i + j [and id_i = id_i'] of s_i' s_i'

with scores ``s_i = x_i u_i``. Without a panel variable the time values must be unique
(one time series); with one, lags are taken within panels (``newey`` after ``xtset``).

Driscoll-Kraay, ``vce(dk t, lags(L))`` (Stata ``xtscc``, Driscoll & Kraay 1998): the same
kernel sum over the cross-sectional sums ``h_t = sum_{i in t} s_i``, times
``T/(T-1) * (N-1)/(N-K)`` with T the number of periods, and t(T-1); option ``ase`` drops
the factor (``xtscc, ase``).

Lags count distinct time values present in the estimation sample, so a period absent from
the whole sample is skipped over (as ``newey, force``). Kernel weights with ``L`` lags, ``z
= j/(L+1)``: Bartlett ``1 - z``; Parzen ``1 - 6z^2 + 6z^3`` (z <= 1/2), ``2(1-z)^3``;
quadratic spectral ``25/(12 pi^2 z^2) (sin(6 pi z/5)/(6 pi z/5) - cos(6 pi z/5))`` over
every lag (bandwidth L+1, as ivreg2's ``bw``). Without ``lags`` the rule of Newey & West
(1994), ``floor(4 (T/100)^(2/9))`` with T the number of time periods, is used (the
default of ``xtscc`` and of statsmodels) and reported in the notes.
"""

from __future__ import annotations

import math

import numpy as np

from .._types import FloatArray, IntArray
from ..errors import DataError, VceOptionError, closest
from ..spec import VceSpec, WeightKind
from .base import VarianceEstimator, VceContext, VceResult, fix_psd, register_vce
from .kernels import cluster_scores, n_groups

__all__ = ["DriscollKraay", "NeweyWest", "check_lags", "default_lags", "kernel_weights"]

KERNELS = ("bartlett", "parzen", "qs")


def default_lags(n_periods: int) -> int:
    """Newey & West (1994): ``floor(4 (T/100)^(2/9))``.

    >>> default_lags(100), default_lags(20)
    (4, 2)
    """
    rule: float = 4 * (n_periods / 100) ** (2 / 9)
    return math.floor(rule)


def kernel_weights(kernel: str, lags: int, max_lag: int) -> FloatArray:
    """Weights ``w_1..w_m`` (m = lags, or every lag up to ``max_lag`` for ``qs``).

    >>> kernel_weights("bartlett", 3, 10).tolist()
    [0.75, 0.5, 0.25]
    """
    if kernel == "qs":
        z = np.arange(1, max_lag + 1) / (lags + 1)
        a = 6 * np.pi * z / 5
        out: FloatArray = 25 / (12 * np.pi**2 * z**2) * (np.sin(a) / a - np.cos(a))
        return out
    z = np.arange(1, lags + 1) / (lags + 1)
    if kernel == "bartlett":
        return 1 - z
    return np.where(z <= 0.5, 1 - 6 * z**2 + 6 * z**3, 2 * (1 - z) ** 3)


def _options(spec: VceSpec, source: str | None) -> tuple[int | None, str]:
    raw = spec.option("lags")
    lags = None
    if raw is not None:
        try:
            lags = int(raw)
        except ValueError:
            lags = -1
        if lags < 0:
            raise VceOptionError(
                f"lags() must be a non-negative integer (got {raw!r}), e.g. lags(2)",
                source=source,
                span=spec.span,
            )
    kernel = (spec.option("kernel") or "bartlett").lower()
    if kernel not in KERNELS:
        near = closest(kernel, KERNELS)
        raise VceOptionError(
            f"unknown kernel {kernel!r}; expected one of {', '.join(KERNELS)}",
            source=source,
            span=spec.span,
            hint=f"did you mean {near!r}?" if near else None,
        )
    return lags, kernel


def check_lags(lags: int, n_periods: int, what: str = "vce(hac)") -> None:
    """A lag must be shorter than the span of the data: with T periods the longest
    possible lag is T - 1 (``lags(T)`` or more would silently be ``lags(T-1)`` with other
    kernel weights)."""
    if lags >= n_periods:
        raise VceOptionError(
            f"{what}: lags({lags}) must be smaller than the number of time periods in the "
            f"sample (T = {n_periods}); at most lags({n_periods - 1})",
            hint="without lags() the Newey-West rule floor(4 (T/100)^(2/9)) is used",
        )


def _lagged_sum(scores: FloatArray, keys: IntArray, weights: FloatArray) -> FloatArray:
    """``sum_j w_j (Gamma_j + Gamma_j')``: pairs whose sorted keys differ by exactly j."""
    order = np.argsort(keys, kind="stable")
    k_sorted, s_sorted = keys[order], scores[order]
    out = np.zeros((scores.shape[1], scores.shape[1]))
    for j, w in enumerate(weights, start=1):  # loop over lags, never over observations
        pos = np.searchsorted(k_sorted, k_sorted + j)
        ok = pos < k_sorted.size
        ok[ok] = k_sorted[pos[ok]] == k_sorted[ok] + j
        if not ok.any():
            continue
        gamma = s_sorted[ok].T @ s_sorted[pos[ok]]
        out += w * (gamma + gamma.T)
    return out


def _lag_note(lags: int | None, chosen: int, n_periods: int, kernel: str) -> tuple[str, ...]:
    rule = ""
    if lags is None:
        rule = f" (chosen by Newey-West's rule floor(4 (T/100)^(2/9)) with T = {n_periods})"
    return (f"HAC with {chosen} lag(s){rule}, {kernel} kernel",)


class NeweyWest(VarianceEstimator):
    """Newey-West HAC covariance on a time series or within panels; Stata's ``newey``."""

    name = "hac"
    aliases = ("newey", "nw", "neweywest")
    options = frozenset({"lags", "kernel"})
    min_args = 1
    max_args = 2
    summary = "Newey-West HAC: vce(hac time [panel], lags(L)); Stata's newey"

    def validate(self, spec: VceSpec, source: str | None = None) -> None:
        super().validate(spec, source)
        _options(spec, source)

    def time_variables(self, spec: VceSpec) -> tuple[str, ...]:
        return spec.args[:1]

    def compute(self, ctx: VceContext) -> VceResult:
        lags, kernel = _options(ctx.vce, None)
        if ctx.weight_kind is WeightKind.FWEIGHT:
            raise VceOptionError(
                "vce(hac) with frequency weights would repeat time values; expand the data"
            )
        tvar, *rest = ctx.vce.args
        t = ctx.groups[tvar]
        n_t = n_groups(t)
        panel = ctx.groups[rest[0]] if rest else np.zeros_like(t)
        keys = panel * (2 * n_t) + t  # spacing > any lag, so no pair crosses panels
        if np.unique(keys).size != keys.size:
            where = f"within panels of {rest[0]}" if rest else "in the sample"
            raise DataError(
                f"repeated values of the time variable {tvar!r} {where}; Newey-West needs "
                "one observation per period"
                + ("" if rest else " (give the panel variable: vce(hac time panel))"),
                hint="for a panel with cross-sectional dependence use vce(dk time)",
            )
        chosen = default_lags(n_t) if lags is None else lags
        check_lags(chosen, n_t)
        w = kernel_weights(kernel, chosen, n_t - 1)
        # scores times the bread first: the meat is linear in their outer products, so
        # this is B M B without its cancellation (see kernels.hc_sandwich)
        scores = (ctx.x @ ctx.bread) * ctx.resid[:, None]
        inner = scores.T @ scores + _lagged_sum(scores, keys, w)
        factor = ctx.dof_factor(ctx.nobs / (ctx.nobs - ctx.k))
        cov, notes = fix_psd(factor * inner, "Newey-West", ctx.constant)
        label = f"Newey-West ({chosen} lag{'s' if chosen != 1 else ''})"
        notes = _lag_note(lags, chosen, n_t, kernel) + notes
        return VceResult(cov, label, ctx.t_or_normal(ctx.df_resid), {}, notes, factor)


class DriscollKraay(VarianceEstimator):
    """Driscoll-Kraay covariance, robust to cross-sectional and serial dependence; ``xtscc``."""

    name = "dk"
    aliases = ("driscollkraay", "scc", "xtscc")
    options = frozenset({"lags", "kernel", "ase"})
    min_args = 1
    max_args = 2  # time [panel]: the panel only checks that times do not repeat in it
    summary = "Driscoll-Kraay: vce(dk time [panel], lags(L)); Stata's xtscc"

    def validate(self, spec: VceSpec, source: str | None = None) -> None:
        super().validate(spec, source)
        _options(spec, source)

    def time_variables(self, spec: VceSpec) -> tuple[str, ...]:
        return spec.args[:1]

    def compute(self, ctx: VceContext) -> VceResult:
        lags, kernel = _options(ctx.vce, None)
        tvar, *panel = ctx.vce.args
        t = ctx.groups[tvar]
        n_t = n_groups(t)
        if panel:  # xtset's rule: one observation per panel and period
            pairs = ctx.groups[panel[0]].astype(np.int64) * n_t + t
            repeated = pairs.size - np.unique(pairs).size
            if repeated:
                raise DataError(
                    f"{repeated} observation(s) repeat a time value of {tvar!r} within a "
                    f"panel of {panel[0]!r}; Driscoll-Kraay (xtscc) needs one observation "
                    "per panel and period (Stata's xtset refuses such data too)"
                )
        if n_t < 2:
            raise DataError(
                f"time variable {tvar!r} has {n_t} distinct value(s); Driscoll-Kraay needs "
                "at least 2 periods"
            )
        chosen = default_lags(n_t) if lags is None else lags
        check_lags(chosen, n_t, "vce(dk)")
        w = kernel_weights(kernel, chosen, n_t - 1)
        h = cluster_scores(ctx.x, ctx.resid, t, n_t)  # period sums, row = period code
        h = h @ ctx.bread  # the bread on each score before the sums (as Newey-West above)
        inner = h.T @ h + _lagged_sum(h, np.arange(n_t), w)
        ase = ctx.vce.option("ase") is not None
        factor = (
            1.0 if ase else ctx.dof_factor(n_t / (n_t - 1) * (ctx.nobs - 1) / (ctx.nobs - ctx.k))
        )
        cov, notes = fix_psd(factor * inner, "Driscoll-Kraay", ctx.constant)
        label = f"Driscoll-Kraay ({chosen} lag{'s' if chosen != 1 else ''})"
        notes = _lag_note(lags, chosen, n_t, kernel) + notes
        if n_t < 20:
            notes += (
                f"only {n_t} time periods in {tvar}: Driscoll-Kraay standard errors rely on "
                "a long time dimension",
            )
        notes = (f"Driscoll-Kraay over T = {n_t} periods of {tvar}; t(T - 1)", *notes)
        return VceResult(cov, label, ctx.t_or_normal(n_t - 1), {}, notes, factor)


register_vce(NeweyWest)
register_vce(DriscollKraay)
