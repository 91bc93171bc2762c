"""The pluggable variance registry and the built-in estimators."""

from __future__ import annotations

from . import bootstrap, cluster, hc
from .base import (
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
    "VarianceEstimator",
    "VceContext",
    "VceInference",
    "VceResult",
    "available",
    "bootstrap",
    "cluster",
    "fix_psd",
    "hc",
    "register_vce",
    "resolve",
    "unregister_vce",
]
