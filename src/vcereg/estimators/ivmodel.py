"""Dispatch an IV model to its estimator: 2SLS, LIML, Fuller, k-class or GMM.

Also the rules that depend on the method: Stata's default variance after ``ivregress gmm``
(the weight-matrix type), the variance types defined for each method, and the data
columns the weight matrix needs (``wmatrix(cluster g)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from .._types import FloatArray
from ..design import Design
from ..errors import EstimationError, VceOptionError
from ..linalg import least_squares
from ..spec import ModelSpec, VceSpec
from .gmm import fit_gmm, wmatrix_kind
from .iv import FirstStage, _first_stage, fit_iv
from .ivbase import IVInfo, iv_arrays, partial_out
from .kclass import fit_kclass
from .ols import Fit

__all__ = ["fit_instrumental", "gmm_default_vce", "iv_variables", "method_label"]

_LABELS = {
    "2sls": "Instrumental variables 2SLS regression",
    "liml": "Instrumental variables LIML regression",
    "fuller": "Instrumental variables Fuller LIML regression",
    "kclass": "Instrumental variables k-class regression",
    "gmm": "Instrumental variables GMM regression",
}
_SHORT = {"2sls": "2SLS", "liml": "LIML", "fuller": "Fuller", "kclass": "k-class", "gmm": "GMM"}
# Leverage- and jackknife-based variances are defined for least squares (and 2SLS as
# least squares on the projected regressors), not for k-class or GMM.
_ONLY_2SLS = {"hc2", "hc3", "cr3"}


def method_label(spec: ModelSpec, *, short: bool = False) -> str:
    """``Instrumental variables LIML regression`` (or ``LIML`` when ``short``)."""
    method = spec.iv.method if spec.iv is not None else "2sls"
    return (_SHORT if short else _LABELS)[method]


def iv_variables(spec: ModelSpec) -> tuple[str, ...]:
    """Columns the weight matrix needs (the cluster variable of ``wmatrix(cluster g)``)."""
    iv = spec.iv
    if iv is None or iv.method != "gmm" or iv.wmatrix is None:
        return ()
    return iv.wmatrix.args if wmatrix_kind(iv.wmatrix) == "cluster" else ()


def gmm_default_vce(spec: ModelSpec) -> ModelSpec:
    """Stata: after ``ivregress gmm`` the default variance is of the weight-matrix type."""
    iv = spec.iv
    if iv is None or iv.method != "gmm" or spec.vce.text or spec.vce.name not in ("ols", "iid"):
        return spec
    kind = wmatrix_kind(iv.wmatrix)
    if kind == "ols":
        return spec
    args = iv.wmatrix.args if iv.wmatrix is not None and kind == "cluster" else ()
    return spec.replace(vce=VceSpec(name=kind, args=args, text=""))


def _check_vce(spec: ModelSpec) -> None:
    iv = spec.iv
    if iv is not None and iv.method != "2sls" and spec.vce.name in _ONLY_2SLS:
        raise VceOptionError(
            f"vce({spec.vce.name}) is not defined for {_SHORT[iv.method]}: leverage and "
            "the cluster jackknife are defined for least squares and 2SLS only",
            hint="use vce(robust) or vce(cluster var)",
        )


def fit_instrumental(
    spec: ModelSpec, design: Design, *, df_absorbed: int = 0
) -> tuple[Fit, tuple[FirstStage, ...], IVInfo]:
    """Estimate the IV model of ``spec`` on ``design`` (demeaned when effects are absorbed).

    ``df_absorbed`` counts the absorbed fixed-effect levels (they are instruments too).
    """
    iv = spec.iv
    assert iv is not None
    _check_vce(spec)
    if iv.method == "2sls":
        fit, first = fit_iv(design)
        a = iv_arrays(design)
        fit = replace(fit, refit_rows=_tsls_refit(a.x[:, fit.keep], a.z, a.y))
        info = IVInfo(
            method="2sls",
            kappa=1.0,
            liml_lambda=None,
            arrays=a,
            keep=fit.keep,
            params=fit.params[fit.keep],
            resid=fit.resid_w,
            nobs=fit.nobs,
            df_absorbed=df_absorbed,
        )
        return fit, first, info
    if iv.method == "gmm":
        fit, info = fit_gmm(design, iv, design.groups, df_absorbed=df_absorbed)
    else:
        fit, info = fit_kclass(design, iv, df_absorbed=df_absorbed)
    return fit, _first_stages(info), info


def _tsls_refit(
    x: FloatArray, z: FloatArray, y: FloatArray
) -> Callable[[NDArray[np.bool_]], FloatArray]:
    """2SLS coefficients on a subset of rows, first stage included (for the jackknife)."""

    def refit(rows: NDArray[np.bool_]) -> FloatArray:
        xs, zs, ys = x[rows], z[rows], y[rows]
        x_hat = np.asfortranarray(xs - partial_out(xs, zs))
        ls = least_squares(x_hat, ys)
        if not ls.keep.all():
            raise EstimationError(
                "a regressor is collinear once a cluster is left out; the cluster "
                "jackknife is not defined for this model (use vce(cluster ...))"
            )
        return ls.beta

    return refit


def _first_stages(info: IVInfo) -> tuple[FirstStage, ...]:
    a = info.arrays
    out = []
    for j in a.endog:
        name = a.terms[j]
        col = np.ascontiguousarray(a.x[:, j])
        from_z = least_squares(a.z, col).resid
        out.append(_first_stage(name, col, from_z, a.z, a.exog.tolist(), len(a.y)))
    return tuple(out)
