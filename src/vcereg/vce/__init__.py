"""The pluggable variance registry and the built-in estimators."""

from __future__ import annotations

from . import bootstrap, cluster, cr2, hac, hc, ml
from .base import (
    MLContext,
    VarianceEstimator,
    VceContext,
    VceInference,
    VceResult,
    available,
    fix_psd,
    register_vce,
    resolve,
    unregister_vce,
)

__all__ = [
    "MLContext",
    "VarianceEstimator",
    "VceContext",
    "VceInference",
    "VceResult",
    "available",
    "bootstrap",
    "cluster",
    "cr2",
    "fix_psd",
    "hac",
    "hc",
    "ml",
    "register_vce",
    "resolve",
    "unregister_vce",
]
