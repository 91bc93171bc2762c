"""Building a :class:`~vcereg.results.Results` from a design, a fit and a covariance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..design import Design
from ..estimators import Fit, IVInfo
from ..estimators.panel import PanelStats
from ..spec import ModelSpec
from ..vce import VceResult
from .model import Results
from .vcefit import display_names, slopes, vce_fields

__all__ = ["assemble", "with_panel"]


def assemble(
    spec: ModelSpec,
    design: Design,
    fit: Fit,
    vres: VceResult,
    data: pd.DataFrame | None,
    notes: tuple[str, ...] = (),
    *,
    model_label: str = "Linear regression",
    rsquared_within: float | None = None,
    refit: Callable[[ModelSpec], Results] | None = None,
    df_fit: float | None = None,
    iv: IVInfo | None = None,
) -> Results:
    """Build a :class:`Results` from the pieces (used by the api)."""
    terms = design.terms
    df_model = float(len(slopes(design, fit)))
    r2 = 1 - fit.rss / fit.tss if fit.tss > 0 else float("nan")  # NaN for ML fits
    n = fit.nobs
    centered = 1 if design.has_intercept else 0
    # Root MSE and adjusted R-squared count every absorbed level, even those the variance
    # leaves out because they are nested in a cluster (reghdfe, fixest, areg agree here).
    df_fit = fit.df_resid if df_fit is None else df_fit
    r2_adj = 1 - (1 - r2) * (n - centered) / df_fit
    names = display_names(spec, design)
    fields = vce_fields(spec, design, fit, vres, notes, data)
    return Results(
        depvar=design.depvar,
        terms=terms,
        params=pd.Series(fit.params, index=fields["cov"].index, name="estimate"),
        omitted=fit.omitted,
        nobs=int(n) if float(n).is_integer() else n,
        df_resid=fit.df_resid,
        df_model=df_model,
        rsquared=r2,
        rsquared_adj=r2_adj,
        rmse=float(np.sqrt(fit.rss / (df_fit if spec.ssc.small else fit.nobs))),
        rss=fit.rss,
        tss=fit.tss,
        rows=design.rows,
        display_names={t: names[t] for t in terms if t in names},
        level=spec.level,
        model_label=model_label,
        rsquared_within=rsquared_within,
        fixed_effects=spec.absorb,
        instrumented=tuple(names.get(t, t) for t in design.endog_terms),
        instruments=tuple(names.get(t, t) for t in design.z_terms if t != "Intercept"),
        _refit=refit,
        _iv=iv,
        _fit=fit,
        _design=design,
        _data=data,
        ml=fit.ml,
        **fields,
    )


def with_panel(result: Results, panel: PanelStats | None, nobs: int | None = None) -> Results:
    """Attach xtreg's panel statistics; random effects report the overall R-squared (Stata's
    r2_o) and no adjusted one; ``nobs`` restores the observations behind panel means."""
    if panel is None:
        return result
    changes: dict[str, Any] = {"panel": panel, "rsquared_within": panel.r2_within}
    if panel.model == "re":
        changes |= {"rsquared": panel.r2_overall, "rsquared_adj": float("nan")}
    if panel.model == "fe":  # Stata's e(r2_a) after xtreg, fe adjusts the within R-squared
        n, df = float(result.nobs), float(result.df_resid)
        changes["rsquared_adj"] = 1 - (1 - panel.r2_within) * (n - 1) / df
    if nobs is not None:
        changes["nobs"] = nobs
    return replace(result, **changes)
