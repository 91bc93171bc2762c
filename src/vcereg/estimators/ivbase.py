"""What every instrumental-variables estimator and diagnostic shares.

:func:`iv_arrays` splits a design into the weighted regressors ``X``, the kept instruments
``Z = [included exogenous, excluded instruments]`` and the response, and checks the order
condition. :class:`IVInfo` is what a fitted IV model keeps for its diagnostics
(:mod:`vcereg.estimators.ivdiag`): the method, kappa, the arrays, the residuals and, for
GMM, the weight matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._types import FloatArray, IntArray
from ..design import Design
from ..errors import EstimationError
from ..linalg import least_squares
from ..spec import VceSpec
from .ols import weighted

__all__ = ["IVArrays", "IVInfo", "iv_arrays", "partial_out"]


@dataclass(frozen=True, slots=True, eq=False)
class IVArrays:
    """Weighted arrays of an IV model (rows multiplied by sqrt(w)).

    ``x`` has every design term; ``z`` the kept instruments, whose columns ``exog`` are
    included exogenous regressors and ``excluded`` the excluded instruments; ``endog``
    indexes the endogenous columns of ``x``.
    """

    x: FloatArray
    z: FloatArray
    y: FloatArray
    terms: tuple[str, ...]
    z_terms: tuple[str, ...]
    endog: IntArray
    exog: IntArray
    excluded: IntArray


@dataclass(frozen=True, slots=True, eq=False)
class IVInfo:
    """A fitted IV model, as its diagnostics need it.

    ``kappa`` is 1 for 2SLS, the LIML eigenvalue for LIML, and NaN for GMM. ``keep`` marks
    the estimated columns of ``arrays.x``; ``params`` and ``resid`` (weighted structural
    residuals) belong to them. ``df_absorbed`` counts absorbed fixed-effect levels (the
    constant included), ivreg2's ``sdofminus``. ``groups`` holds the cluster codes the
    weight matrix used.
    """

    method: str
    kappa: float
    liml_lambda: float | None
    arrays: IVArrays
    keep: NDArray[np.bool_]
    params: FloatArray
    resid: FloatArray
    nobs: float
    df_absorbed: int = 0
    weight_matrix: FloatArray | None = None
    wmatrix: VceSpec | None = None
    center: bool = False
    iterations: int = 0
    j_stat: float | None = None


def iv_arrays(design: Design) -> IVArrays:
    """Weighted X, kept Z and y; raise if the model is underidentified."""
    if design.z is None:
        raise EstimationError("instrumental-variables estimation needs instruments")
    w = design.weights
    x_w, z_w, y_w = weighted(design.x, w), weighted(design.z, w), weighted(design.y, w)
    z_keep = least_squares(z_w, y_w).keep
    z_kept = np.asfortranarray(z_w[:, z_keep])
    z_terms = tuple(t for t, k in zip(design.z_terms, z_keep, strict=True) if k)
    exog = np.array([i for i, t in enumerate(z_terms) if t in design.terms], dtype=np.int64)
    excluded = np.array([i for i, t in enumerate(z_terms) if t not in design.terms], dtype=np.int64)
    endog_names = design.endog_terms
    if len(excluded) < len(endog_names):
        raise EstimationError(
            f"the model is underidentified: {len(endog_names)} endogenous regressor(s) "
            f"({', '.join(endog_names)}) but {len(excluded)} usable excluded instrument(s)"
        )
    endog = np.array([design.terms.index(t) for t in endog_names], dtype=np.int64)
    return IVArrays(x_w, z_kept, y_w, design.terms, z_terms, endog, exog, excluded)


def partial_out(a: FloatArray, b: FloatArray) -> FloatArray:
    """Residuals of the columns of ``a`` regressed on ``b`` (``a`` itself if ``b`` is empty)."""
    if b.shape[1] == 0:
        return a
    if a.ndim == 1:
        return least_squares(b, a).resid
    out = np.empty_like(a)
    for j in range(a.shape[1]):
        out[:, j] = least_squares(b, np.ascontiguousarray(a[:, j])).resid
    return out
