"""Absorbed fixed effects (Stata's ``areg``, ``reghdfe``, ``xtreg, fe``) by Frisch-Waugh-Lovell:
demean y, X (and Z) within the fixed effects, then OLS/2SLS on the demeaned data.

What counts in K (the parameters of small-sample factors) and in the residual df:

==========  ===========================================  ================================
command     residual df                                  K in robust/cluster factors
==========  ===========================================  ================================
areg        N - k - df_a, df_a = all absorbed levels     k + df_a (also with clusters)
reghdfe     N - k - df_a, effects nested in a cluster    k + df_a (+1 for the constant
            variable not counted (reghdfe, fixest)       when every effect is nested)
xtreg, fe   N - k - (panels)                             k + 1: absorbed effects are not
                                                         counted; robust = cluster(panel)
==========  ===========================================  ================================

k = estimated slopes. The constant is reported as ``_cons``, the (weighted) average of the
fixed effects, as Stata's ``areg``, ``reghdfe`` and ``xtreg, fe`` report it: the slopes and
the constant are estimated on the demeaned data recentred at the overall means,
``y - ybar_i + ybar`` on ``1, x - xbar_i + xbar`` (Stata's ``xtreg, fe`` Methods and
formulas; reghdfe adds the constant back the same way), so every variance estimator gives
the constant its standard error and its covariance with the slopes. Its degree of freedom
is one of the absorbed levels, so the residual df do not change. GMM with absorbed effects
reports no constant (ivreghdfe). Singletons
are dropped iteratively for ``reghdfe`` and the DSL's ``fe()`` (reghdfe's default), not for
``areg``/``xtreg``, and always reported.

A regressor (or instrument) constant within the absorbed effects, or a combination of them,
is omitted: see :func:`varies_within` for the scale-free rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from .._types import FloatArray
from ..design import Design, subset
from ..errors import DroppedRowsWarning, EmptySampleError, warn
from ..spec import ModelSpec
from .absorb import absorbed_dof, demean, drop_singletons
from .iv import FirstStage
from .ivbase import IVInfo
from .ivmodel import fit_instrumental
from .ols import Fit, _tss, exact_fit, fit_ols

__all__ = ["WITHIN_TOL", "AbsorbedFit", "absorbed_projector", "fit_absorbed", "varies_within"]

_TOL = 1e-12  # demeaning tolerance: keeps slopes within ~1e-10 of an exact dummy regression

#: A column is in the span of the absorbed effects when partialling them out leaves at most
#: this fraction of its norm. Rounding leaves ~1e-15..1e-13 (measured over scales 1e-6..1e9,
#: one and two effects, weights), the demeaning tolerance at most ``_TOL`` = 1e-12: 1e-9 is
#: 1,000 times above both, and a column kept at the threshold still has ~3 exact digits of
#: within variation. reghdfe drops at sqrt(1e-9) ~ 3e-5 (``collinear_tol``, 1e-9 on the
#: squared ratio), pyfixest at an absolute 1e-9 on the demeaned sum of squares (not
#: scale-free); a column with a little within variation is kept here and dropped there.
WITHIN_TOL = 1e-9

LABELS = {
    "areg": "Linear regression, absorbing indicators",
    "xtreg_fe": "Fixed-effects (within) regression",
    "reghdfe": "HDFE Linear regression",
}


def _norms(a: FloatArray, weights: FloatArray | None) -> FloatArray:
    """(Weighted) column norms, one column at a time (no temporary as large as ``a``)."""
    sums = np.empty(a.shape[1])
    for j in range(a.shape[1]):
        col = a[:, j]
        sums[j] = (col * col if weights is None else col * col * weights).sum()
    out: FloatArray = np.sqrt(sums)
    return out


def varies_within(
    before: FloatArray, after: FloatArray, weights: FloatArray | None = None
) -> NDArray[np.bool_]:
    """Columns with variation left after the absorbed effects are partialled out.

    A column is collinear with the effects when its (weighted) norm after demeaning is at
    most :data:`WITHIN_TOL` times its norm before: scale-free (the ratio does not change when
    the column is multiplied by a constant), and the uncentred norm before is the size the
    rounding of the group means is proportional to. Integer columns demean to exact zeros;
    columns with decimals leave rounding residue, which the ratio catches and a unit-norm
    rank test after demeaning cannot (it would rescale the residue to norm 1).

    >>> import numpy as np
    >>> before = np.array([[0.1, 1.0], [0.1, 2.0], [0.3, 3.0], [0.3, 5.0]])
    >>> after = before - np.array([[0.1, 1.5], [0.1, 1.5], [0.3, 4.0], [0.3, 4.0]])
    >>> varies_within(before, after).tolist()
    [False, True]
    """
    size = _norms(before, weights)
    left = _norms(after, weights)
    return np.asarray(left > WITHIN_TOL * size)


def absorbed_projector(design: Design) -> Callable[[FloatArray], FloatArray] | None:
    """The projection of (N, m) columns on the absorbed effects of a fitted (demeaned)
    ``design``, in the fit's sqrt(w)-weighted space and net of the mean's projection when the
    design reports ``_cons``; None without absorbed effects. See vce.wild_fe."""
    if not design.absorb:
        return None
    codes = list(design.absorb.values())
    w = design.weights
    sw = None if w is None else np.sqrt(w)
    const = "Intercept" in design.terms

    def project(cols: FloatArray) -> FloatArray:
        raw = cols if sw is None else cols / sw[:, None]
        out: FloatArray = raw - demean(raw, codes, w, tol=_TOL).values
        if const:  # the constant is a regressor: its part of the effects is not removed
            ww = np.ones(raw.shape[0]) if w is None else w
            out -= (ww @ raw) / ww.sum()
        return out if sw is None else out * sw[:, None]

    return project


@dataclass(frozen=True, slots=True, eq=False)
class AbsorbedFit:
    """A fit on demeaned data, with the demeaned design the variance step uses."""

    fit: Fit
    design: Design
    first_stage: tuple[FirstStage, ...]
    rsquared_within: float
    label: str
    df_fit: float  # N - k - every absorbed level: for Root MSE and adjusted R-squared
    iv: IVInfo | None = None


def fit_absorbed(spec: ModelSpec, design: Design) -> AbsorbedFit:
    """Absorb ``spec.absorb`` from ``design`` and estimate the slopes."""
    style = spec.estimator if spec.estimator in LABELS else "reghdfe"
    if style == "reghdfe":
        keep = drop_singletons(list(design.absorb.values()))
        if not keep.all():
            n_single = int((~keep).sum())
            if n_single == len(keep):
                raise EmptySampleError("every observation is a singleton in a fixed effect")
            design = subset(design, keep, singletons=n_single)
            warn(design.rows.messages()[-1], DroppedRowsWarning)
    codes = list(design.absorb.values())
    clusters = [design.groups[v] for v in spec.vce.args if v in design.groups]
    nested_rule = style == "reghdfe" and spec.ssc.absorbed_in_k == "nonnested"
    dof = absorbed_dof(codes, clusters=clusters if nested_rule else ())
    slopes = [i for i, t in enumerate(design.terms) if t != "Intercept"]
    k_x = len(slopes)
    k_z = design.z.shape[1] if design.z is not None else 0
    # one Fortran-ordered scratch array [y X Z], demeaned in place
    dm = np.empty((design.y.shape[0], 1 + k_x + k_z), order="F")
    dm[:, 0] = design.y
    for j, i in enumerate(slopes, start=1):
        dm[:, j] = design.x[:, i]
    if design.z is not None:
        dm[:, 1 + k_x :] = design.z
    # _cons unless the model has none, or for GMM: its weight matrix would then include
    # the constant's moment, while ivreghdfe (the reference) partials the constant out
    gmm = spec.iv is not None and spec.iv.method == "gmm"
    const = "Intercept" in design.terms and not gmm
    # what varies_within and the recentring need from the columns before demeaning,
    # taken now (no copy of the data)
    size = _norms(dm[:, 1:], design.weights)
    means = _means(dm[:, 1:], design.y, design.weights) if const else None
    dm = demean(dm, codes, design.weights, tol=_TOL, copy=False).values
    # in the span of the effects: exact zeros, which the least-squares step omits
    left = _norms(dm[:, 1:], design.weights)
    dm[:, 1:][:, ~(left > WITHIN_TOL * size)] = 0.0  # varies_within, on the norms
    y_dm = np.ascontiguousarray(dm[:, 0])
    x_means = None if means is None else means[1 : 1 + k_x]
    x_dm = _recentred(dm[:, 1 : 1 + k_x], design.terms, slopes, x_means)
    z_dm = None
    if design.z is not None:
        z_cols = [i for i, t in enumerate(design.z_terms) if t != "Intercept"]
        z_means = None if means is None else means[1 + k_x :][z_cols]
        z_dm = _recentred(dm[:, 1 + k_x :][:, z_cols], design.z_terms, z_cols, z_means)
    demeaned = replace(
        design,
        y=y_dm + means[0] if means is not None else y_dm,
        x=x_dm,
        z=z_dm if design.z is not None else None,
        z_terms=design.z_terms if const else tuple(t for t in design.z_terms if t != "Intercept"),
        terms=design.terms if const else tuple(design.terms[i] for i in slopes),
        has_intercept=True,  # absorbed: R-squared stays centred
    )
    df_a = dof.df_a if nested_rule else dof.df_a_nonnested
    # the constant is one of the absorbed levels (unless every effect is nested)
    df_extra = df_a - 1 if const and df_a > 0 else df_a
    tss = _tss(design.y, design.weights, True)
    first: tuple[FirstStage, ...] = ()
    info: IVInfo | None = None
    if demeaned.z is not None:
        levels = dof.df_a_nonnested - const
        fit, first, info = fit_instrumental(spec, demeaned, df_absorbed=levels)
        fit = replace(fit, k=fit.k + df_extra, df_resid=fit.df_resid - df_extra, tss=tss)
        # the first stages ran on demeaned data: their residual df lose the absorbed levels
        first = tuple(
            replace(f, f=f.f * (f.df[1] - levels) / f.df[1], df=(f.df[0], f.df[1] - levels))
            for f in first
        )
    else:
        fit = fit_ols(demeaned, k_absorbed=df_extra, tss=tss)
    rank = fit.lstsq.rank - const  # slopes
    # rounding is relative to the response before demeaning (its level, not its spread)
    y_sumsq = _tss(design.y, design.weights, False)
    fit = replace(fit, exact=exact_fit(fit.rss, y_sumsq))
    if style == "xtreg_fe":
        fit = replace(fit, k=rank + 1)  # xtreg's robust/cluster factor ignores the panels
    elif style == "reghdfe" and df_a == 0 and dof.levels and not const:
        fit = replace(fit, k=fit.k + 1, df_resid=fit.df_resid - 1)  # every effect nested
    tss_within = _tss(y_dm, design.weights, False)
    r2_within = 1 - fit.rss / tss_within if tss_within > 0 else float("nan")
    df_fit = fit.nobs - rank - dof.df_a_nonnested
    return AbsorbedFit(fit, demeaned, first, r2_within, LABELS[style], df_fit, info)


def _means(before: FloatArray, y: FloatArray, weights: FloatArray | None) -> FloatArray:
    """(Weighted) means of ``[y, X, Z]`` over the sample: demeaning leaves every column with
    weighted mean zero, so adding them back recentres the data at the overall means."""
    if weights is None:  # no array of ones
        sums = np.array(
            [float(y.sum()), *(float(before[:, j].sum()) for j in range(before.shape[1]))]
        )
        out: FloatArray = sums / y.size
        return out
    total = float(weights.sum())
    out = np.concatenate([[float(weights @ y) / total], (weights @ before) / total])
    return out


def _recentred(
    demeaned: FloatArray, terms: tuple[str, ...], kept: list[int], means: FloatArray | None
) -> FloatArray:
    """The demeaned columns (at positions ``kept`` among ``terms``) plus their overall
    ``means``, and the constant column where ``terms`` has its intercept; without ``means``
    the demeaned columns alone (a model without constant). A column in the span of the
    effects stays 0 (it is omitted)."""
    if means is None:
        return np.asfortranarray(demeaned)
    out = np.ones((demeaned.shape[0], len(terms)), order="F")  # the intercept's column
    for src, j in enumerate(kept):
        col = demeaned[:, src]
        out[:, j] = col + means[src] if np.any(col) else col
    return out
