"""Estimators: each turns a :class:`~vcereg.design.Design` into a :class:`Fit`.

Least squares (with absorbed effects) is imported with the package; the maximum-likelihood
core and the instrumental-variables models when first used (``vcereg._lazy``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import attach
from .fe import AbsorbedFit, absorbed_projector, fit_absorbed
from .iv import FirstStage, fit_iv
from .ivbase import IVInfo
from .ols import Fit, fit_ols

if TYPE_CHECKING:
    from .glm import GLMArrayFit, fit_glm_arrays
    from .ivmodel import fit_instrumental, gmm_default_vce, iv_variables, method_label

__getattr__, __dir__ = attach(
    __name__,
    {
        "GLMArrayFit": "vcereg.estimators.glm:GLMArrayFit",
        "fit_glm_arrays": "vcereg.estimators.glm:fit_glm_arrays",
        "fit_instrumental": "vcereg.estimators.ivmodel:fit_instrumental",
        "gmm_default_vce": "vcereg.estimators.ivmodel:gmm_default_vce",
        "iv_variables": "vcereg.estimators.ivmodel:iv_variables",
        "method_label": "vcereg.estimators.ivmodel:method_label",
    },
)

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
