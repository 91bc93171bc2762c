"""Dispatch an IV model to its estimator: 2SLS, LIML, Fuller, k-class or GMM.

Also the rules that depend on the method: Stata's default variance after ``ivregress gmm``
(the weight-matrix type), the variance types defined for each method, and the data
columns the weight matrix needs (``wmatrix(cluster g)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .._types import FloatArray, IntArray
from ..design import Design
from ..errors import CollinearityWarning, EstimationError, SpecError, VceOptionError, warn
from ..linalg import least_squares
from ..spec import ModelSpec, VceSpec
from ..vce.kernels import group_gram, n_groups
from .gmm import fit_gmm, wmatrix_kind
from .iv import FirstStage, _first_stage, fit_iv
from .ivbase import IVInfo, iv_arrays
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
    return iv.wmatrix.args if wmatrix_kind(iv.wmatrix) in ("cluster", "hac") else ()


def gmm_default_vce(spec: ModelSpec) -> ModelSpec:
    """Stata: after ``ivregress gmm`` the default variance is of the weight-matrix type."""
    iv = spec.iv
    if iv is None or iv.method != "gmm" or spec.vce.text or spec.vce.name not in ("ols", "iid"):
        return spec
    kind = wmatrix_kind(iv.wmatrix)
    if kind == "ols":
        return spec
    wm = iv.wmatrix
    args = wm.args if wm is not None and kind in ("cluster", "hac") else ()
    options = wm.options if wm is not None and kind == "hac" else ()
    return spec.replace(vce=VceSpec(name=kind, args=args, options=options, text=""))


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
    _check_instruments(design)
    if iv.method == "2sls":
        fit, first = fit_iv(design)
        a = iv_arrays(design)
        fit = replace(
            fit, leave_out=_tsls_leave_out(a.x[:, fit.keep], a.z, a.y, fit.params[fit.keep])
        )
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


def _check_instruments(design: Design) -> None:
    """Refuse instrumenting the dependent variable; report instruments dropped as
    collinear, and more instruments than observations (the first stage then fits
    exactly and IV is OLS)."""
    if design.depvar in design.endog_terms:
        raise SpecError(
            f"the dependent variable {design.depvar!r} cannot be instrumented: "
            f"iv({design.depvar} ~ ...) lists it as an endogenous regressor",
            hint="iv(...) names the endogenous regressors on the right-hand side, e.g. "
            f"{design.depvar} ~ x | iv(d ~ z)",
        )
    assert design.z is not None
    n, n_z = len(design.y), design.z.shape[1]
    kept = set(iv_arrays(design).z_terms)
    dropped = [t for t in design.z_terms if t not in kept and t not in design.terms]
    if n_z >= n:
        warn(
            f"{n_z} instruments (with the exogenous regressors) for {n} observations: the "
            "first stage fits the endogenous regressors exactly, so IV equals OLS",
            CollinearityWarning,
        )
    elif dropped:
        warn(
            f"instrument(s) omitted because of collinearity: {', '.join(dropped)}",
            CollinearityWarning,
        )


def _tsls_leave_out(
    x: FloatArray, z: FloatArray, y: FloatArray, beta: FloatArray
) -> Callable[[IntArray], FloatArray]:
    """2SLS without each group, first stage included, by downdating cross products.

    With ``M = [Z X y]`` (columns scaled to unit norm for conditioning), the per-group
    ``M_g'M_g`` come from one pass over the rows; without group g, ``A = Z'Z - Z_g'Z_g``,
    ``B = Z'X - Z_g'X_g``, ``c = Z'y - Z_g'y_g`` and ``b_(g) = (B'A^-1 B)^-1 B'A^-1 c``.
    O(N p^2 + G p^3), p = L + K + 1: no refit per group.
    """

    def leave_out(codes: IntArray) -> FloatArray:
        g = n_groups(codes)
        m = np.column_stack([z, x, y])
        scale = np.sqrt(np.einsum("ij,ij->j", m, m))
        scale[scale == 0] = 1.0
        m = np.asfortranarray(m / scale)
        ell, k = z.shape[1], x.shape[1]
        left = (m.T @ m)[None, :, :] - group_gram(m, codes, g)
        a, b = left[:, :ell, :ell], left[:, :ell, ell : ell + k]
        c = left[:, :ell, ell + k :]
        try:
            a_b = np.linalg.solve(a, b)
            a_c = np.linalg.solve(a, c)
            bt = np.transpose(b, (0, 2, 1))
            beta_s = np.linalg.solve(bt @ a_b, bt @ a_c)[:, :, 0]
        except np.linalg.LinAlgError as exc:
            raise EstimationError(
                "a regressor or instrument is collinear once a cluster is left out; the "
                "cluster jackknife is not defined for this model (use vce(cluster ...))"
            ) from exc
        out: FloatArray = beta_s * scale[-1] / scale[ell : ell + k] - beta
        return out

    return leave_out


def _first_stages(info: IVInfo) -> tuple[FirstStage, ...]:
    a = info.arrays
    out = []
    for j in a.endog:
        name = a.terms[j]
        col = np.ascontiguousarray(a.x[:, j])
        from_z = least_squares(a.z, col).resid
        out.append(_first_stage(name, col, from_z, a.z, a.exog.tolist(), len(a.y)))
    return tuple(out)
