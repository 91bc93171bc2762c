"""Estimators: each turns a :class:`~vcereg.design.Design` into a :class:`Fit`."""

from __future__ import annotations

from .fe import AbsorbedFit, absorbed_projector, fit_absorbed
from .glm import GLMArrayFit, fit_glm_arrays
from .iv import FirstStage, fit_iv
from .ivbase import IVInfo
from .ivmodel import fit_instrumental, gmm_default_vce, iv_variables, method_label
from .ols import Fit, fit_ols

__all__ = [
    "AbsorbedFit",
    "FirstStage",
    "Fit",
    "GLMArrayFit",
    "IVInfo",
    "absorbed_projector",
    "fit_absorbed",
    "fit_glm_arrays",
    "fit_instrumental",
    "fit_iv",
    "fit_ols",
    "gmm_default_vce",
    "iv_variables",
    "method_label",
]
