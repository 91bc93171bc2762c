"""From a fit to its covariance and everything that depends on it.

:func:`compute_vce` resolves the variance request and runs the registered estimator;
:func:`vce_fields` turns its :class:`~vcereg.vce.VceResult` into the fields of a
:class:`~vcereg.results.Results` that change when only the covariance changes (the
covariance over all terms, the model test, the notes). Fitting and ``with_vce`` share
both, so a result and its ``with_vce`` twin are built the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .._lazy import lazy_import
from ..design import Design
from ..design.sample import factorize_groups
from ..errors import DataError, EstimationError, NotSupportedError
from ..estimators import Fit, absorbed_projector
from ..inference import WaldTest, wald_test
from ..spec import ModelSpec, WeightKind
from ..stata_lang.naming import stata_term_name
from ..vce import MLContext, VceContext, VceResult, resolve

stats = lazy_import("scipy.stats")

__all__ = ["EXACT_NOTE", "compute_vce", "display_names", "vce_fields"]

EXACT_NOTE = (
    "exact fit: the residuals are zero up to rounding (below 1e-12 of the size of the "
    "dependent variable): the standard errors are 0, t statistics and p-values are "
    "missing and the intervals are the estimates (as Stata)"
)


# variances whose scores a GMM fit may replace (Fit.vce_scores)
_SCORE_VCE = frozenset({"robust", "hc0", "cluster", "hac", "dk"})


def compute_vce(
    spec: ModelSpec,
    design: Design,
    fit: Fit,
    data: pd.DataFrame | None,
    *,
    normal: bool = False,
) -> VceResult:
    """Resolve ``spec.vce`` and compute it for a fit (shared by fitting and ``with_vce``).

    ``normal`` forces z inference whatever the variance (Stata's ``xtreg, re``)."""
    estimator, vspec = resolve(spec.vce, spec.source or None)
    if spec.iv is not None and not estimator.supports_iv:
        raise NotSupportedError(
            f"vce({vspec.name}) is not available after instrumental variables; "
            "use vce(cluster ...) or vce(robust)"
        )
    needed = estimator.variables(vspec)
    groups = dict(design.groups)
    time = estimator.time_variables(vspec)
    missing = [v for v in needed if v not in groups]
    if data is not None:  # a time variable kept as a cluster variable is recoded in time order
        missing += [v for v in time if v in groups]
    if missing:
        if data is None:
            raise DataError(
                f"variables {', '.join(missing)} are not available for this result; refit"
            )
        groups.update(factorize_groups(data, design.index, missing, time))
    fweights = design.weights if design.weight_kind is WeightKind.FWEIGHT else None
    x, resid = fit.x_w, fit.resid_w
    if fit.vce_scores is not None and vspec.name in _SCORE_VCE:
        x, resid = fit.vce_scores, np.ones_like(resid)  # scores x_i * 1
    ml, k = None, fit.k
    if fit.ml is not None:
        ml = MLContext(
            scale=fit.ml.scale,
            oim_bread=fit.ml.oim_bread,
            eim_bread=fit.ml.eim_bread,
            design=fit.ml.design,
            k_params=fit.k,
        )
        k = 1 if spec.ssc.ml_k == "one" else fit.k  # Stata's ML factors: N/(N-1), G/(G-1)
    ctx = VceContext(
        x=x,
        y=fit.y_w,
        resid=resid,
        bread=fit.lstsq.bread() if fit.bread is None else fit.bread,
        lstsq=fit.lstsq,
        nobs=fit.nobs,
        k=k,
        df_resid=fit.df_resid,
        groups=groups,
        ssc=spec.ssc,
        vce=vspec,
        weight_kind=design.weight_kind,
        fweights=fweights,
        absorbed=design.absorb,
        iid_bread=fit.iid_bread,
        leave_out=fit.leave_out,
        ml=ml,
        constant=_absorbed_constant(design, fit),
        absorbed_projector=absorbed_projector(design),
    )
    result = estimator.compute(ctx)
    cov = np.asarray(result.cov, dtype=np.float64)
    rank = fit.lstsq.rank if fit.bread is None else fit.bread.shape[0]
    if cov.shape != (rank, rank) or not np.all(np.isfinite(cov)):
        raise EstimationError(
            f"vce({vspec.name}) returned a covariance of shape {cov.shape} "
            f"(expected {(rank, rank)}) or with non-finite values"
        )
    if fit.exact:  # every variance type alike (issue 20.5): SE 0 and no t, as Stata
        result = replace(
            result,
            cov=np.zeros_like(cov),
            inference=None,
            effective_clusters=None,
            notes=(*result.notes, EXACT_NOTE),
        )
    return replace(result, df_inference=None) if normal else result


def _absorbed_constant(design: Design, fit: Fit) -> int | None:
    """Position among the kept columns of the _cons that absorbed effects report."""
    if not design.absorb or "Intercept" not in design.terms:
        return None
    i = design.terms.index("Intercept")
    return int(np.sum(fit.keep[:i])) if fit.keep[i] else None


def vce_fields(
    spec: ModelSpec,
    design: Design,
    fit: Fit,
    vres: VceResult,
    notes: tuple[str, ...] = (),
    data: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The :class:`~vcereg.results.Results` fields that follow from the covariance.

    ``notes`` are the estimator's own notes (first stages, panel remarks), kept in the
    result so that ``with_vce`` can rebuild the full list; ``data`` supplies cluster
    variables the design does not have (see :func:`compute_vce`).
    """
    terms = design.terms
    k_all = len(terms)
    index = _term_index(terms).view()  # one index for every Series of the result
    cov = np.zeros((k_all, k_all))
    idx = np.flatnonzero(fit.keep)
    cov[np.ix_(idx, idx)] = vres.cov
    df_terms = None
    if vres.df_terms is not None:
        df_all = np.full(k_all, np.nan)
        df_all[idx] = vres.df_terms
        df_terms = pd.Series(df_all, index=index, name="df")
    if fit.ml is not None:
        test, model_test = ml_model_test(spec, design, fit, cov)
    else:
        mcov, mdf = _model_test_vce(spec, design, fit, vres, cov, data)
        test = _model_test(fit, slopes(design, fit), mcov, mdf)
        model_test = "F" if mdf is not None else "Wald"
    names = display_names(spec, design)
    all_notes = (*design.notes, *design.rows.messages(), *vres.notes, *notes)
    all_notes += _df_notes(vres, terms, idx, names)
    g_star_at = len(all_notes)  # the G* note goes here when the notes are read
    if fit.omitted:
        all_notes += (f"omitted because of collinearity: {', '.join(fit.omitted)}",)
    if design.has_intercept and terms == ("Intercept",) and not spec.absorb:
        all_notes += ("no regressors: an intercept-only model (the constant is the mean)",)
    if test.dropped and test.df_num:
        all_notes += (
            f"{'F' if test.df_denom is not None else 'chi2'} test: {test.dropped} "
            "constraint(s) dropped because the covariance is singular on them",
        )
    return {
        "spec": spec,
        "cov": pd.DataFrame(cov, index=index, columns=index),
        "df_inference": vres.df_inference,
        "n_clusters": dict(vres.n_clusters),
        "fstat": test.stat,
        "f_pvalue": test.pvalue,
        "f_df": (float(test.df_num), test.df_denom),
        "vce_name": spec.vce.name,
        "vce_label": vres.label,
        "_notes": all_notes,
        "df_terms": df_terms,
        "_estimator_notes": notes,
        "_g_star": vres.effective_clusters,
        "_notes_at": g_star_at,
        "_inference": vres.inference,
        "model_test": model_test,
        "_df_contrast": vres.df_contrast,
    }


@lru_cache(maxsize=256)
def _term_index(terms: tuple[str, ...]) -> pd.Index:
    """The index of a model's terms, made once per model: results get views of it (the
    same immutable labels and lookup table; a name set on one view stays there)."""
    return pd.Index(list(terms))


def slopes(design: Design, fit: Fit) -> list[int]:
    """Positions (among all terms) of the estimated coefficients other than the intercept."""
    return [
        i
        for i, t in enumerate(design.terms)
        if fit.keep[i] and t != "Intercept" and not t.startswith("/")  # /lnalpha: ancillary
    ]


#: Variances after which Stata's ML commands report the likelihood-ratio test of the model
MODEL_BASED = ("oim", "eim", "opg")


def ml_model_test(
    spec: ModelSpec, design: Design, fit: Fit, cov: np.ndarray
) -> tuple[WaldTest, str]:
    """The model chi-squared of a maximum-likelihood fit, as Stata reports it: LR against
    the constant-only model after a model-based variance, Wald with a robust one (or with
    sampling weights, where the likelihood is a pseudo-likelihood; ``glm``: always Wald)."""
    assert fit.ml is not None
    idx = slopes(design, fit)
    q = fit.ml.df_model
    pweighted = design.weight_kind is WeightKind.PWEIGHT
    # Stata's glm stores a Wald chi2 whatever the variance; so does ppmlhdfe (and fixest)
    lr = fit.ml.model != "glm" and not fit.ml.extra.get("wald_model_test")
    if lr and spec.vce.name in MODEL_BASED and not pweighted and fit.ml.ll_0 is not None and q:
        chi2 = max(2.0 * (fit.ml.loglik - fit.ml.ll_0), 0.0)
        p = float(stats.chi2.sf(chi2, q))
        return WaldTest(chi2 / q, p, q, None, 0), "LR"
    return wald_test(fit.params[idx], cov[np.ix_(idx, idx)], None), "Wald"


def _model_test_vce(
    spec: ModelSpec,
    design: Design,
    fit: Fit,
    vres: VceResult,
    cov: np.ndarray,
    data: pd.DataFrame | None,
) -> tuple[np.ndarray, float | None]:
    """The covariance and df of the model F: the fit's, or (ivreg2, ``model_f="small"``)
    the same variance with the small-sample factors and t degrees of freedom."""
    if spec.ssc.model_f != "small" or spec.ssc.small:
        return cov, vres.df_inference
    small = replace(spec.ssc, small=True, robust_inference="t")
    other = compute_vce(spec.replace(ssc=small), design, fit, data)
    out = np.zeros_like(cov)
    idx = np.flatnonzero(fit.keep)
    out[np.ix_(idx, idx)] = other.cov
    return out, other.df_inference


def _model_test(fit: Fit, slopes: list[int], cov: np.ndarray, df: float | None) -> WaldTest:
    """The model F: slopes jointly zero, through the fit's R factor where V is iid."""
    kept = np.cumsum(fit.keep) - 1  # position of each term among the kept columns
    cols = [int(kept[i]) for i in slopes]
    bread = fit.lstsq.bread()[np.ix_(cols, cols)] if cols else None
    whitener = fit.lstsq.whitener(cols) if cols else None
    sub = cov[np.ix_(slopes, slopes)]
    return wald_test(fit.params[slopes], sub, df, whitener=whitener, bread=bread)


def _shown(
    terms: tuple[str, ...], idx: np.ndarray, names: Mapping[str, str]
) -> tuple[list[int], list[str]]:
    kept = [terms[i] for i in idx]
    shown = [j for j, t in enumerate(kept) if t != "Intercept"][:6]
    return shown, [names.get(kept[j], kept[j]) for j in shown]


def _df_notes(
    vres: VceResult, terms: tuple[str, ...], idx: np.ndarray, names: Mapping[str, str]
) -> tuple[str, ...]:
    """Per-coefficient degrees of freedom, with term names."""
    shown, label = _shown(terms, idx, names)
    if vres.df_terms is None or not shown:
        return ()
    dfs = ", ".join(f"{n} {vres.df_terms[j]:.1f}" for n, j in zip(label, shown, strict=True))
    return (f"t degrees of freedom per coefficient (Bell-McCaffrey): {dfs}",)


def g_star_notes(
    g_star: pd.Series | None, n_clusters: Mapping[str, int], names: Mapping[str, str]
) -> tuple[str, ...]:
    """The effective number of clusters of the first six slopes."""
    if g_star is None:
        return ()
    shown = [t for t in g_star.index if t != "Intercept" and np.isfinite(g_star[t])][:6]
    if not shown:
        return ()
    vals = ", ".join(f"{names.get(t, t)} {g_star[t]:.1f}" for t in shown)
    var = str(g_star.name)
    return (
        f"effective number of clusters G* (Carter, Schnepel & Steigerwald 2017, "
        f"rho = 1) with G = {n_clusters.get(var, '?')} in {var}: {vals}",
    )


def display_names(spec: ModelSpec, design: Design) -> dict[str, str]:
    """Stata's spelling of every term (``2.g``, ``c.x#c.z``) when the spec asks for it."""
    if spec.term_style != "stata":
        return {}
    names = dict(design.factor_names)
    return {t: stata_term_name(t, names) for t in (*design.terms, *design.z_terms)}
