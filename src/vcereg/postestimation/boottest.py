"""``boottest`` after a fit: the wild cluster bootstrap of one linear restriction.

``r.boottest("x1 = 0")``, ``r.boottest("x1 = x2")`` or ``r.boottest("x1 + 2*x2 = 1")``
tests ``R b = r`` with the symmetric bootstrap-t p-value of its CRV1 t statistic and
inverts the test for a confidence interval of ``R b``, as Stata's ``boottest``
(Roodman, MacKinnon, Nielsen & Webb 2019) does by default: restricted (WCR), Rademacher
weights, all 2^G sign vectors when 2^G <= reps. The do-file spelling is
``boottest x1, reps(999) seed(1)`` (also ``boottest x1 = x2`` and ``boottest {x1 = x2}``).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._types import FloatArray
from ..design.sample import factorize_groups
from ..errors import DataError, EstimationError, NotSupportedError, SpecError
from ..estimators import absorbed_projector
from ..inference import confidence_level
from ..vce.bootstrap import (
    DEFAULT_REPS,
    crv1_factor,
    describe,
    loose_effects,
    parse_weights,
    run_bootstrap,
    weak_design_note,
    with_fe,
)
from ..vce.kernels import n_groups
from ..vce.wild_kernels import cluster_moments, plan_weights

if TYPE_CHECKING:  # only for annotations: results.py imports this module
    from ..results import Results

__all__ = ["BootTest", "boottest", "restriction"]


@dataclass(frozen=True, slots=True)
class BootTest:
    """The outcome of :meth:`vcereg.Results.boottest`.

    Attributes
    ----------
    hypothesis
        The restriction as written.
    stat
        The CRV1 t statistic of ``R b - r`` (the one the bootstrap studentises).
    pvalue
        Symmetric bootstrap-t p-value, ``mean(|t*| > |t|)``.
    conf_int
        Interval of values of ``R b`` not rejected at ``level`` (test inversion);
        a side may be infinite with very few clusters.
    reps, enumerated
        Number of bootstrap draws, and whether they are all 2^G Rademacher sign vectors.
    """

    hypothesis: str
    stat: float
    pvalue: float
    conf_int: tuple[float, float]
    level: float
    reps: int
    enumerated: bool
    cluster: str
    n_clusters: int
    weights: str
    null: bool
    seed: int | None
    method: str
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        lo, hi = self.conf_int
        lines = [
            *textwrap.wrap(f"Wild bootstrap: {self.method}", 78),
            f"  {self.hypothesis}",
            "",
            f"{'t(' + str(self.n_clusters - 1) + ')':>20} = {self.stat:10.4f}",
            f"{'Prob>|t|':>20} = {self.pvalue:10.4f}",
            "",
            f"{self.level:g}% confidence set for the expression: [{lo:.6g}, {hi:.6g}]",
            f"(clusters: {self.n_clusters} in {self.cluster})",
        ]
        lines += [part for note in self.notes for part in textwrap.wrap(note, 78)]
        return "\n".join(lines)


def restriction(result: Results, hypothesis: str) -> tuple[FloatArray, float]:
    """``R`` over the estimated (kept) coefficients and ``r`` of one linear restriction,
    read by the parser :meth:`Results.test` uses; Stata's ``{x1 = x2}`` braces are accepted.
    """
    text = hypothesis.strip() if isinstance(hypothesis, str) else hypothesis
    if isinstance(text, str) and text[:1] == "{" and text[-1:] == "}":
        text = text[1:-1]
    big_r, r = result._restrictions(text)
    if big_r.shape[0] != 1:
        raise SpecError(
            f"boottest tests one restriction at a time (got {big_r.shape[0]}: {hypothesis!r})",
            hint="call boottest once per restriction, or use r.test(...) for a joint Wald test",
        )
    keep = np.array([t not in result.omitted for t in result.terms])
    on_omitted = [t for t, v, k in zip(result.terms, big_r[0], keep, strict=True) if v and not k]
    if on_omitted:
        raise SpecError(
            f"the restriction involves {', '.join(on_omitted)}, omitted because of collinearity"
        )
    return big_r[0, keep], float(r[0])


def _fresh_seed() -> int:
    entropy = np.random.SeedSequence().entropy
    return int(entropy) % 2**31 if isinstance(entropy, int) else 0


def _cluster(r: Results, cluster: str | None) -> str:
    if cluster is not None:
        return cluster
    if r.vce_name in ("cluster", "wild") and len(r.spec.vce.args) == 1:
        return r.spec.vce.args[0]
    if r.vce_name in ("cluster", "wild"):
        raise NotSupportedError(
            "boottest bootstraps one cluster variable; pass cluster='name' to choose one"
        )
    raise SpecError(
        "boottest needs a cluster variable: pass cluster='school', or fit with vce(cluster school)"
    )


def boottest(
    result: Results,
    hypothesis: str,
    *,
    cluster: str | None = None,
    reps: int = DEFAULT_REPS,
    weights: str = "rademacher",
    seed: int | None = None,
    null: bool = True,
    level: float | None = None,
) -> BootTest:
    """Wild cluster bootstrap test of one linear restriction after a fit.

    Parameters
    ----------
    result
        An OLS, WLS or absorbed-fixed-effects fit.
    hypothesis
        ``"x1 = 0"``, ``"x1 = x2"``, ``"x1 + x2 = 1"``; a bare ``"x1"`` means ``x1 = 0``.
    cluster
        The cluster variable; default: the fit's own (``vce(cluster g)``/``vce(wild g)``).
    reps, weights, seed, null
        Draws (all 2^G Rademacher vectors when 2^G <= reps), weight type (rademacher,
        webb, mammen, normal), seed, and whether the null is imposed (WCR) or not (WCU).
    level
        Confidence level in percent of the interval (default: the fit's).

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> r = vcereg.regress("G3 ~ absences + age | vce(cluster Mjob)", d)
    >>> bt = r.boottest("absences = 0")
    >>> bt.reps, bt.enumerated, round(bt.pvalue, 4)
    (32, True, 0.125)
    """
    fit, design = result._fit, result._design
    if fit is None or design is None:
        raise EstimationError("this result does not keep its fit; refit it to use boottest")
    if result.instrumented:
        raise NotSupportedError(
            "boottest after instrumental variables (the wild restricted efficient "
            "bootstrap) is not supported; it works after OLS, WLS and absorbed effects"
        )
    if not isinstance(reps, int) or isinstance(reps, bool) or reps < 1:
        raise SpecError(f"reps must be a positive integer (got {reps!r}), e.g. reps=9999")
    if seed is not None and (not isinstance(seed, int) or seed < 0):
        raise SpecError(f"seed must be a non-negative integer (got {seed!r})")
    kind = parse_weights(weights)
    var = _cluster(result, cluster)
    codes = design.groups.get(var)
    if codes is None:
        if result._data is None:
            raise DataError(f"variable {var!r} is not available for this result; refit")
        codes = factorize_groups(result._data, design.index, [var])[var]
    g = n_groups(codes)
    if g < 2:
        raise DataError(f"cluster variable {var!r} has {g} cluster(s); boottest needs 2 or more")
    r_vec, r_val = restriction(result, hypothesis)
    bread = fit.lstsq.bread()
    moments = cluster_moments(fit.x_w, fit.resid_w, codes, bread, fit.lstsq.beta)
    loose = loose_effects(design.absorb, codes)
    if loose:  # exact: the bootstrap residuals are projected off the effects (vce.wild_fe)
        project = absorbed_projector(design)
        moments = with_fe(moments, fit.x_w, fit.resid_w, codes, project, loose)
    drawn = seed if seed is not None else _fresh_seed()
    plan = plan_weights(kind, g, reps, drawn)
    (draws,) = run_bootstrap(moments, r_vec[None, :], plan, null, f"boottest ({var})")
    lev = result.level if level is None else confidence_level(level)
    factor = crv1_factor(fit.nobs, fit.k, g, result.spec.ssc)
    estimate = float(r_vec @ fit.lstsq.beta)
    stat = (estimate - r_val) / math.sqrt(factor * draws.var0) if draws.var0 > 0 else math.nan
    weak = weak_design_note(g, plan, var)
    return BootTest(
        hypothesis=hypothesis.strip(),
        stat=stat,
        pvalue=draws.pvalue(r_val),
        conf_int=draws.conf_int(lev),
        level=lev,
        reps=plan.reps,
        enumerated=plan.enumerated,
        cluster=var,
        n_clusters=g,
        weights=kind,
        null=null,
        seed=None if plan.enumerated else drawn,
        method=describe(plan, null, seed is not None),
        notes=(weak,) if weak else (),
    )
