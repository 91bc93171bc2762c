"""Entry point of the maximum-likelihood estimators: a spec with a ``family`` on the data.

Reads what the model needs besides the formula (offset, exposure, binomial trials, raw
sampling weights) on the estimation sample, checks the weight types Stata allows, and
dispatches to ``glm``-type models (:mod:`.glm_model`), ``nbreg`` (:mod:`.nbreg`) or, with
absorbed fixed effects, :mod:`.glm_fe_model`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..design import Design
from ..errors import NotSupportedError, SpecError
from ..spec import ModelSpec, WeightKind
from .glm_fe_model import FE_MODELS, fit_fe_ml_model
from .glm_model import MLModelFit, fit_glm_model, ml_inputs, numeric_columns
from .mlinfo import ML_ESTIMATORS
from .nbreg import fit_nbreg_model

__all__ = ["ML_ESTIMATORS", "fit_ml_spec", "ml_variables"]


def ml_variables(spec: ModelSpec) -> tuple[str, ...]:
    """Columns besides the formula and weights (listwise deletion covers them)."""
    return spec.family.variables() if spec.family is not None else ()


def fit_ml_spec(
    spec: ModelSpec, design: Design, data: pd.DataFrame, names: Mapping[str, str] | None = None
) -> MLModelFit:
    """Fit the maximum-likelihood model ``spec`` on ``design`` (built from ``data``)."""
    fam = spec.family
    if fam is None:
        raise SpecError("a maximum-likelihood model needs a family (logit, poisson, glm...)")
    if spec.iv is not None:
        raise NotSupportedError(f"instrumental variables with {fam.model} are not supported")
    if design.weight_kind is WeightKind.AWEIGHT and fam.model != "glm" and spec.weights:
        raise SpecError(
            f"{fam.model} does not allow analytic weights (Stata's r(101)); use "
            "pweights (sampling) or fweights (frequency), or glm with aweights"
        )
    columns = numeric_columns(data, design.index, fam.variables())
    raw = None
    if spec.weights is not None and design.weight_kind is WeightKind.PWEIGHT:
        raw = numeric_columns(data, design.index, (spec.weights.var,))[spec.weights.var]
    inputs = ml_inputs(fam, design, columns, raw)
    if spec.absorb or fam.model in FE_MODELS:
        return fit_fe_ml_model(spec, design, inputs, names)
    if fam.estimate_alpha:
        return fit_nbreg_model(spec, design, inputs, names)
    return fit_glm_model(spec, design, inputs, names)
