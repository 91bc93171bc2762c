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
from typing import Any

import numpy as np
import pandas as pd

from ..design import Design
from ..design.sample import factorize_groups
from ..errors import DataError, EstimationError, NotSupportedError
from ..estimators import Fit
from ..inference import WaldTest, wald_test
from ..spec import ModelSpec, WeightKind
from ..stata_lang.naming import stata_term_name
from ..vce import VceContext, VceResult, resolve

__all__ = ["compute_vce", "display_names", "vce_fields"]


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
    missing = [v for v in needed if v not in groups]
    if missing:
        if data is None:
            raise DataError(
                f"variables {', '.join(missing)} are not available for this result; refit"
            )
        groups.update(factorize_groups(data, design.index, missing))
    fweights = design.weights if design.weight_kind is WeightKind.FWEIGHT else None
    ctx = VceContext(
        x=fit.x_w,
        y=fit.y_w,
        resid=fit.resid_w,
        bread=fit.lstsq.bread() if fit.bread is None else fit.bread,
        lstsq=fit.lstsq,
        nobs=fit.nobs,
        k=fit.k,
        df_resid=fit.df_resid,
        groups=groups,
        ssc=spec.ssc,
        vce=vspec,
        weight_kind=design.weight_kind,
        fweights=fweights,
        absorbed=design.absorb,
        iid_bread=fit.iid_bread,
        leave_out=fit.leave_out,
    )
    result = estimator.compute(ctx)
    cov = np.asarray(result.cov, dtype=np.float64)
    if cov.shape != (fit.lstsq.rank, fit.lstsq.rank) or not np.all(np.isfinite(cov)):
        raise EstimationError(
            f"vce({vspec.name}) returned a covariance of shape {cov.shape} "
            f"(expected {(fit.lstsq.rank, fit.lstsq.rank)}) or with non-finite values"
        )
    return replace(result, df_inference=None) if normal else result


def vce_fields(
    spec: ModelSpec,
    design: Design,
    fit: Fit,
    vres: VceResult,
    notes: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The :class:`~vcereg.results.Results` fields that follow from the covariance.

    ``notes`` are the estimator's own notes (first stages, panel remarks), kept in the
    result so that ``with_vce`` can rebuild the full list.
    """
    terms = design.terms
    k_all = len(terms)
    cov = np.zeros((k_all, k_all))
    idx = np.flatnonzero(fit.keep)
    cov[np.ix_(idx, idx)] = vres.cov
    df_terms = None
    if vres.df_terms is not None:
        df_all = np.full(k_all, np.nan)
        df_all[idx] = vres.df_terms
        df_terms = pd.Series(df_all, index=list(terms), name="df")
    test = _model_test(fit, slopes(design, fit), cov, vres.df_inference)
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
            f"F test: {test.dropped} constraint(s) dropped because the covariance is "
            "singular on them",
        )
    return {
        "spec": spec,
        "cov": pd.DataFrame(cov, index=list(terms), columns=list(terms)),
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
    }


def slopes(design: Design, fit: Fit) -> list[int]:
    """Positions (among all terms) of the estimated coefficients other than the intercept."""
    return [i for i, t in enumerate(design.terms) if fit.keep[i] and t != "Intercept"]


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
