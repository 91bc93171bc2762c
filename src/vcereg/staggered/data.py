"""From a DiD spec and a DataFrame to the estimators' arrays.

The formula's left side is the outcome and its right side the covariates (built by the
design layer, so factor variables, transformations, ``if()``, ``in`` and weights work as
for a regression); the unit, period and cluster variables take part in listwise deletion.
The cohort variable does not: a missing cohort means never treated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._types import FloatArray, IntArray
from ..design import Design, build
from ..errors import DataError, MissingVariableError, SpecError, closest
from ..estimators.did import StaggeredPanel, make_panel
from ..spec import DidSpec, ModelSpec, VceSpec

__all__ = ["DidData", "load"]


@dataclass(frozen=True, slots=True, eq=False)
class DidData:
    """The design (outcome, covariates, weights, groups) and the staggered panel."""

    design: Design
    frame: pd.DataFrame  # the rows of the design, positionally aligned
    panel: StaggeredPanel | None  # None for did2s without a cohort
    covariates: tuple[str, ...]
    x_with_intercept: FloatArray
    cluster_var: str | None
    vce: VceSpec


def _column(frame: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in frame.columns:
        near = closest(name, [str(c) for c in frame.columns])
        raise MissingVariableError(
            f"{what} variable {name!r} not found in the data",
            hint=f"did you mean {near!r}?" if near else None,
        )
    return frame[name]


def _numeric(col: pd.Series, what: str) -> FloatArray:
    try:
        out: FloatArray = pd.to_numeric(col, errors="raise").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    except (ValueError, TypeError):
        raise DataError(
            f"the {what} variable {col.name!r} must be numeric (periods as numbers, e.g. years)"
        ) from None
    return out


def cluster_of(spec: ModelSpec) -> tuple[VceSpec, str | None]:
    """The variance request and its cluster variable; the default clusters by unit."""
    did = spec.did
    assert did is not None
    vce = spec.vce
    if vce.name in ("ols", "iid") and not vce.text:
        unit = did.id or (did.first_fe[0] if did.first_fe else None)
        if unit is None:
            return VceSpec("robust", text="robust"), None
        return VceSpec("cluster", (unit,), text=f"cluster {unit}"), unit
    if vce.name in ("cluster", "cl", "clu", "clus", "clust", "crv1"):
        if len(vce.args) != 1:
            raise SpecError("DiD estimators cluster on one variable: vce(cluster var)")
        return VceSpec("cluster", vce.args, vce.options, vce.text, vce.span), vce.args[0]
    if did.method in ("sa", "etwfe") or vce.name in ("robust", "r", "hc1", "hc0"):
        return vce, None
    raise SpecError(
        f"vce({vce.text or vce.name}) is not available for this DiD estimator; its standard "
        "errors are cluster sums of influence functions: use vce(cluster var) (default: the unit)"
    )


def load(spec: ModelSpec, data: pd.DataFrame, *, safe: bool = True) -> DidData:
    """Build the arrays of ``spec`` (with ``spec.did`` set) on ``data``."""
    did: DidSpec | None = spec.did
    if did is None:
        raise SpecError("not a DiD model: add a did(...) section, e.g. did(cs first_treat)")
    if did.time is None and not (did.method == "did2s" and did.first_fe):
        raise SpecError(
            "the DiD model needs the period variable: panel(id time) or did(..., time(year))"
        )
    if did.id is None and did.method not in ("cs", "did2s"):
        raise SpecError(
            f"the {did.method} estimator needs a unit identifier: panel(id time) or id(var)",
            hint="only Callaway-Sant'Anna handles repeated cross-sections (the rc option)",
        )
    frame = data.reset_index(drop=True)
    vce, cluster_var = cluster_of(spec)
    names = (did.id, did.time, cluster_var, did.treatment, *did.first_fe)
    extra = tuple(dict.fromkeys(n for n in names if n))
    for n in (*extra, *did.rel_vars, *([did.control_var] if did.control_var else [])):
        _column(frame, n, "the DiD model's")
    design = build(spec.replace(estimator="ols", did=None), frame, extra=extra, safe=safe)
    rows = frame.loc[design.index]
    x = np.asarray(design.x, dtype=np.float64)
    terms = list(design.terms)
    covariates = tuple(t for t in terms if t != "Intercept")
    cov_cols = [i for i, t in enumerate(terms) if t != "Intercept"]
    x_cov = x[:, cov_cols]
    x_int = np.column_stack([np.ones(x.shape[0]), x_cov])
    panel = None
    if did.cohort is not None:
        cohort = _numeric(_column(rows, did.cohort, "cohort"), "cohort")
        time = _numeric(_column(rows, did.time or "", "time"), "time")
        unit: IntArray | None = design.groups[did.id] if did.id else None
        cluster = design.groups[cluster_var] if cluster_var else None
        panel = make_panel(
            design.y,
            x_int if did.method == "cs" else x_cov,
            design.weights,
            unit,
            time,
            cohort,
            cluster,
            anticipation=float(did.anticipation),
            cohort_name=did.cohort,
        )
    return DidData(design, rows, panel, covariates, x_int, cluster_var, vce)
