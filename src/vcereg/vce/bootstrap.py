"""The wild cluster bootstrap: ``vce(wild g [, reps(#) weights(...) seed(#) nonull])``.

Standard errors are CRV1 (``vce(cluster g)``), as Stata's ``boottest`` leaves them; the
p-value of each coefficient is the symmetric bootstrap-t p-value of its CRV1 t statistic,

    p = (1/B) #{b : |t*_b| > |t|},

and its confidence interval is the set of null values ``r`` with ``p(r) > alpha`` (test
inversion). By default the null ``b_j = r`` is imposed on the bootstrap data (WCR, the
restricted wild cluster bootstrap, which has the better size with few clusters);
``nonull`` resamples the unrestricted residuals (WCU). Rademacher weights are enumerated
(all 2^G sign vectors, deterministic) when 2^G <= ``reps``. The draws are the same for
every coefficient and are fixed by ``seed``; without one a seed is drawn and reported.

References: Cameron, Gelbach & Miller (2008); Roodman, MacKinnon, Nielsen & Webb (2019),
"Fast and wild", Stata Journal 19(1) (the algorithm, in :mod:`.wild_kernels`);
Webb (2023) for the six-point weights; MacKinnon & Webb (2018) on very few clusters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from .._types import FloatArray, IntArray
from ..errors import DataError, FewClustersWarning, VceOptionError, closest, warn
from ..spec import SmallSample, VceSpec
from .base import VarianceEstimator, VceContext, VceResult, refuse_ml, register_vce
from .kernels import cluster_scores, n_groups
from .wild_fe import fe_correction
from .wild_kernels import (
    WEIGHT_TYPES,
    BootDraws,
    ClusterMoments,
    WeightPlan,
    bootstrap_draws,
    check_storage,
    chunk_size,
    cluster_moments,
    plan_weights,
)

__all__ = [
    "DEFAULT_REPS",
    "WildBootstrap",
    "WildInference",
    "crv1_factor",
    "describe",
    "loose_effects",
    "parse_weights",
    "run_bootstrap",
    "set_progress",
    "weak_design_note",
    "with_fe",
]

DEFAULT_REPS = 9999
_WEIGHT_ALIASES = {"norm": "normal", "gaussian": "normal", "rad": "rademacher"}
_WEIGHT_NAMES = {"rademacher": "Rademacher", "webb": "Webb", "mammen": "Mammen", "normal": "normal"}


class _Steps(Protocol):
    def advance(self, label: str | None = None) -> None: ...


ProgressFactory = Callable[[int, str], AbstractContextManager[_Steps]]
_progress: list[ProgressFactory] = []


def set_progress(factory: ProgressFactory | None) -> None:
    """Show progress of long bootstraps with ``factory(total_steps, label)`` (a context
    manager with ``advance()``); the interface layer passes :class:`vcereg.progress.Progress`.
    ``None`` switches it off."""
    _progress.clear()
    if factory is not None:
        _progress.append(factory)


def parse_weights(value: str) -> str:
    """The canonical weight type for a user's spelling, or a :class:`VceOptionError`.

    >>> parse_weights("Norm")
    'normal'
    """
    key = value.strip().lower()
    key = _WEIGHT_ALIASES.get(key, key)
    if key not in WEIGHT_TYPES:
        near = closest(key, WEIGHT_TYPES)
        raise VceOptionError(
            f"unknown bootstrap weight type {value!r}; expected one of {', '.join(WEIGHT_TYPES)}",
            hint=f"did you mean {near!r}?" if near else None,
        )
    return key


def _int_option(spec: VceSpec, key: str, low: int) -> int | None:
    raw = spec.option(key)
    if raw is None:
        return None
    text = raw.replace(",", "").replace("_", "").strip()
    try:
        value = int(text)
    except ValueError:
        try:  # 1e5: an integer written in exponent form
            number = float(text)
            value = int(number) if number.is_integer() else low - 1
        except (ValueError, OverflowError):
            value = low - 1
    if value < low:
        raise VceOptionError(
            f"vce(wild ...) option {key}() expects an integer >= {low} (got {raw!r}), "
            f"e.g. {key}({max(low, 999 if key == 'reps' else 1)})",
            span=spec.span,
        )
    return value


def describe(plan: WeightPlan, null: bool, seeded: bool) -> str:
    """One line saying where the p-values come from."""
    kind = "WCR, null imposed" if null else "WCU, null not imposed"
    if plan.enumerated:
        draws = f"all {plan.reps:,} Rademacher sign vectors enumerated (deterministic)"
    else:
        seed = f"seed {plan.seed}" + ("" if seeded else ", drawn; pass seed(#) to fix it")
        draws = f"{_WEIGHT_NAMES[plan.kind]} weights, {plan.reps:,} draws ({seed})"
    return f"wild cluster bootstrap-t ({kind}; {draws})"


def weak_design_note(g: int, plan: WeightPlan, var: str) -> str | None:
    """Why the bootstrap answer is weak with very few clusters, or None."""
    if plan.kind == "rademacher" and g <= 11:
        distinct = 2 ** (g - 1)
        note = (
            f"only {g} clusters in {var}: the Rademacher wild bootstrap has just {2**g} "
            f"sign vectors, giving at most {distinct} distinct |t*| values (v and -v give "
            "the same), so p-values are coarse"
        )
        if g <= 3:
            note += (
                "; the two vectors +-1 never count (under the null they reproduce the "
                "actual statistic), so the p-value can "
                f"only be {'0 or 0.5' if g == 2 else '0, 0.25, 0.5 or 0.75'}"
                " and no bootstrap can make so few clusters informative (MacKinnon & Webb "
                "2018)"
            )
        return note + f"; weights(webb) has 6^{g} points and is less coarse (Webb 2023)"
    return None


@dataclass(frozen=True, slots=True, eq=False)
class WildInference:
    """Bootstrap p-values and test-inversion intervals for every kept coefficient, and for
    any linear combination of them with the same draws (:meth:`combination`)."""

    draws: tuple[BootDraws, ...]
    label: str
    reps: int
    enumerated: bool
    _cache: dict[float, FloatArray] = field(default_factory=dict, repr=False)
    # what a new restriction needs: the cluster moments, the weight plan, WCR or WCU
    _moments: ClusterMoments | None = field(default=None, repr=False)
    _plan: WeightPlan | None = field(default=None, repr=False)
    _null: bool = True

    def combination(
        self, row: FloatArray, value: float, level: float
    ) -> tuple[float, float, float]:
        """p-value of ``row'b = value`` and the interval of ``row'b`` at ``level`` percent,
        bootstrapped with the fit's own draws (what ``boottest`` reports for it)."""
        if self._moments is None or self._plan is None:
            return float("nan"), float("nan"), float("nan")
        (d,) = bootstrap_draws(self._moments, row[None, :], self._plan, null=self._null)
        lo, hi = d.conf_int(level)
        return d.pvalue(value), float(lo), float(hi)

    @property
    def pvalues(self) -> FloatArray:
        """p-values of ``b_j = 0``, one per kept coefficient."""
        return np.array([d.pvalue(0.0) for d in self.draws])

    def conf_int(self, level: float) -> FloatArray:
        """(k, 2) intervals at ``level`` percent by inverting the bootstrap test."""
        if level not in self._cache:
            rows = [d.conf_int(level) for d in self.draws]
            self._cache[level] = np.array(rows, dtype=np.float64).reshape(-1, 2)
        return self._cache[level]


class WildBootstrap(VarianceEstimator):
    """Wild cluster bootstrap p-values and intervals, with CRV1 standard errors."""

    name = "wild"
    aliases = ("wildboot", "wcb")
    options = frozenset({"reps", "weights", "weighttype", "seed", "nonull"})
    min_args = 1
    max_args = 1
    summary = "wild cluster bootstrap-t p-values and intervals (boottest), CRV1 standard errors"
    supports_iv = False  # IV needs the wild restricted efficient bootstrap (WRE)

    def validate(self, spec: VceSpec, source: str | None = None) -> None:
        super().validate(spec, source)
        _int_option(spec, "reps", 1)
        _int_option(spec, "seed", 0)
        for key in ("weights", "weighttype"):
            w = spec.option(key)
            if w is not None and not w.strip():
                raise VceOptionError(
                    f"vce(wild ...) option {key}() needs a weight type: "
                    f"{', '.join(WEIGHT_TYPES)}, e.g. {key}(webb)",
                    source=source,
                    span=spec.span,
                )
            if w is not None:
                parse_weights(w)
        nonull = spec.option("nonull")
        if nonull:  # a flag: nonull(3) is not a thing
            raise VceOptionError(
                f"vce(wild ...) option nonull takes no value (got nonull({nonull}))",
                source=source,
                span=spec.span,
                hint="write nonull to resample the unrestricted residuals (WCU)",
            )

    def compute(self, ctx: VceContext) -> VceResult:
        refuse_ml(ctx, "the wild cluster bootstrap, vce(wild ...),", "vce(cluster ...)")
        (var,) = ctx.vce.args
        codes = ctx.groups[var]
        g = n_groups(codes)
        if g < 2:
            raise DataError(
                f"cluster variable {var!r} has {g} distinct value(s) in the estimation "
                "sample; the wild cluster bootstrap needs at least 2 clusters"
            )
        scores = cluster_scores(ctx.x, ctx.resid, codes, g)
        factor = _factor(ctx, g)
        t = scores @ ctx.bread  # the bread on each score before the sum (hc_sandwich)
        cov = factor * t.T @ t
        reps = _int_option(ctx.vce, "reps", 1) or DEFAULT_REPS
        seed = _int_option(ctx.vce, "seed", 0)
        seeded = seed is not None
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2**31)  # type: ignore[operator]
        spelled = ctx.vce.option("weights") or ctx.vce.option("weighttype")
        kind = parse_weights(spelled or "rademacher")
        null = ctx.vce.option("nonull") is None
        plan = plan_weights(kind, g, reps, seed)
        check_storage(plan.reps, ctx.x.shape[1])
        moments = cluster_moments(ctx.x, ctx.resid, codes, ctx.bread, ctx.lstsq.beta, scores)
        loose = loose_effects(ctx.absorbed, codes)
        if loose:  # exact: the bootstrap residuals are projected off the effects (wild_fe)
            moments = with_fe(moments, ctx.x, ctx.resid, codes, ctx.absorbed_projector, loose)
        k = ctx.x.shape[1]
        draws = run_bootstrap(moments, np.eye(k), plan, null, f"wild bootstrap ({var})")
        how = describe(plan, null, seeded)
        inference = WildInference(
            tuple(draws), how, plan.reps, plan.enumerated, _moments=moments, _plan=plan, _null=null
        )
        notes = [f"p-values and confidence intervals: {how}; standard errors: CRV1"]
        if loose:
            notes.append(
                f"absorbed effect(s) {', '.join(loose)} not nested in {var}: the bootstrap "
                "residuals are projected off the fixed effects in every draw (exact, as "
                "boottest)"
            )
        weak = weak_design_note(g, plan, var)
        if weak:
            warn(weak, FewClustersWarning)
            notes.append(weak)
        label = f"Clustered ({var})"
        df = ctx.t_or_normal(g - 1)
        return VceResult(cov, label, df, {var: g}, tuple(notes), factor, inference=inference)


def with_fe(
    moments: ClusterMoments,
    x: FloatArray,
    u: FloatArray,
    codes: IntArray,
    project: Callable[[FloatArray], FloatArray] | None,
    loose: list[str],
) -> ClusterMoments:
    """The moments with the correction for effects ``loose``, not nested in the clusters."""
    scaled = x / moments.scale
    fe = fe_correction(scaled, u, codes, moments.scores.shape[0], project, loose)
    return replace(moments, fe=fe)


def loose_effects(absorbed: Mapping[str, IntArray], codes: IntArray) -> list[str]:
    """Absorbed effects some of whose groups span several clusters."""
    return [n for n, f in absorbed.items() if not _nested(f, codes)]


def _nested(inner: IntArray, outer: IntArray) -> bool:
    """Is every level of ``inner`` inside one level of ``outer``?"""
    pairs = np.unique(inner.astype(np.int64) * (n_groups(outer) + 1) + outer)
    return bool(pairs.size == np.unique(inner).size)


def crv1_factor(nobs: float, k: int, g: int, ssc: SmallSample) -> float:
    """CRV1's G/(G-1) * (N-1)/(N-K), as the small-sample policy says."""
    if not ssc.small:
        return 1.0
    n_adj = (nobs - 1) / (nobs - k) if ssc.cluster_n_adj else 1.0
    return n_adj * (g / (g - 1) if ssc.cluster_g_adj else 1.0)


def _factor(ctx: VceContext, g: int) -> float:
    return crv1_factor(ctx.nobs, ctx.k, g, ctx.ssc)


def run_bootstrap(
    moments: ClusterMoments, restrictions: FloatArray, plan: WeightPlan, null: bool, label: str
) -> list[BootDraws]:
    """Run the bootstrap, with the progress indicator when one is installed."""
    if not _progress:
        return bootstrap_draws(moments, restrictions, plan, null=null)
    steps = -(-plan.reps // chunk_size(restrictions.shape[0], plan.g))
    with _progress[0](steps, label) as bar:
        return bootstrap_draws(
            moments, restrictions, plan, null=null, on_chunk=lambda _: bar.advance()
        )


register_vce(WildBootstrap)
