"""k-class estimators: LIML, Fuller's modified LIML and k-class with a given k.

With ``M_Z`` the annihilator of the instruments Z and ``X_k = X - k M_Z X``::

    b_k = (X_k' X)^{-1} X_k' y

k = 0 is OLS, k = 1 is 2SLS. LIML uses ``k = lambda``, the smallest eigenvalue of
``(W' M_Z W)^{-1} (W' M_1 W)`` with ``W = [y, X_endog]`` and ``M_1`` the annihilator of
the included exogenous regressors; Fuller's modification (``fuller(a)``) uses
``k = lambda - a / (N - L)``, L the number of instruments (Stata's ``ivregress liml``,
ivreg2 ``liml``/``fuller()``/``kclass()``; linearmodels ``IVLIML``).

The variance estimators of the registry receive the projected regressors ``X^ = P_Z X``
and the bread ``B = (X_k' X)^{-1}``: every sandwich is ``B (sum s_i s_i') B`` with
``s_i = x^_i u_i`` and the conventional covariance is ``s^2 (X_k' X)^{-1}`` (the
conventions of linearmodels' k-class covariances; for k = 1 both are 2SLS's).
References: Davidson & MacKinnon (1993, ch. 18); Fuller (1977).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.linalg as sla

from ..design import Design
from ..errors import EstimationError
from ..linalg import least_squares
from ..spec import IVSpec
from .ivbase import IVArrays, IVInfo, iv_arrays, partial_out
from .ols import Fit, make_fit

__all__ = ["fit_kclass", "liml_lambda"]


def liml_lambda(a: IVArrays) -> float:
    """The LIML eigenvalue ``lambda >= 1`` (1 exactly when the model is just identified).

    >>> import numpy as np
    >>> from vcereg.estimators.ivbase import IVArrays
    >>> rng = np.random.default_rng(0)
    >>> z = np.column_stack([np.ones(50), rng.normal(size=50)])
    >>> d = z[:, 1] + rng.normal(size=50)
    >>> x = np.column_stack([np.ones(50), d])
    >>> a = IVArrays(x, z, d + rng.normal(size=50), ("1", "d"), ("1", "z"),
    ...              np.array([1]), np.array([0]), np.array([1]))
    >>> round(liml_lambda(a), 10)  # just identified
    1.0
    """
    w = np.column_stack([a.y, a.x[:, a.endog]])
    e_z = partial_out(w, a.z)
    e_1 = partial_out(w, a.z[:, a.exog])
    lhs, rhs = e_1.T @ e_1, e_z.T @ e_z
    try:
        vals = sla.eigh(lhs, rhs, eigvals_only=True)
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise EstimationError(
            "LIML is not defined: the residuals of the dependent variable and the "
            "endogenous regressors on the instruments are collinear"
        ) from exc
    return float(vals[0])


def fit_kclass(design: Design, iv: IVSpec, *, df_absorbed: int = 0) -> tuple[Fit, IVInfo]:
    """LIML, Fuller or k-class on a design with instruments.

    ``df_absorbed`` counts absorbed fixed-effect levels, which are instruments too for
    Fuller's ``N - L``.
    """
    a = iv_arrays(design)
    n = len(a.y)
    lam: float | None = None
    if iv.method == "kclass":
        if iv.kappa is None:
            raise EstimationError("k-class estimation needs k: kclass(#)")
        kappa = float(iv.kappa)
    else:
        lam = liml_lambda(a)
        kappa = lam
        if iv.method == "fuller":
            alpha = 1.0 if iv.fuller is None else float(iv.fuller)
            kappa = lam - alpha / (n - a.z.shape[1] - df_absorbed)
    mzx = partial_out(a.x, a.z)
    mzx[:, [i for i in range(a.x.shape[1]) if i not in set(a.endog.tolist())]] = 0.0
    x_hat = np.asfortranarray(a.x - mzx)
    ls_hat = least_squares(x_hat, a.y)
    keep = ls_hat.keep
    x = a.x[:, keep]
    x_k = np.asfortranarray(x - kappa * mzx[:, keep])
    gram = x_k.T @ x
    scale = np.sqrt(np.einsum("ij,ij->j", x, x))
    scale[scale == 0] = 1.0
    scaled = gram / np.outer(scale, scale)
    try:
        beta = np.linalg.solve(scaled, (x_k.T @ a.y) / scale) / scale
        bread = np.linalg.inv(scaled) / np.outer(scale, scale)
    except np.linalg.LinAlgError as exc:
        raise EstimationError(f"the k-class normal equations are singular (k = {kappa:g})") from exc
    resid = a.y - x @ beta
    ls = replace(ls_hat, beta=beta, resid=resid)
    fit = make_fit(design, ls, x_hat, a.y, resid)
    fit = replace(fit, bread=(bread + bread.T) / 2)
    info = IVInfo(
        method=iv.method,
        kappa=kappa,
        liml_lambda=lam,
        arrays=a,
        keep=keep,
        params=beta,
        resid=resid,
        nobs=fit.nobs,
        df_absorbed=df_absorbed,
    )
    return fit, info
