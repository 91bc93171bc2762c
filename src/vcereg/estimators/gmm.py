"""Two-step (and iterated) efficient GMM for linear IV models: Stata's ``ivregress gmm``.

Moments ``g_i = z_i u_i``. Step one is 2SLS (``W = (Z'Z)^{-1}``); step two re-estimates
with ``W = S^{-1}``, S the covariance of the moments from the step-one residuals::

    b = (X'Z W Z'X)^{-1} X'Z W Z'y

``wmatrix`` chooses S: ``unadjusted`` (``s^2 Z'Z``, s^2 centred), ``robust``
(``sum g_i g_i'``), ``cluster g`` (``sum_g G_g G_g'``, cluster sums of the moments) or
``hac t [panel]`` with options ``lags``/``kernel`` (``Gamma_0 + sum_j w_j (Gamma_j +
Gamma_j')`` over time lags within panels, the kernels and lag rule of ``vce(hac)``);
``center`` subtracts the mean moment first (see :func:`moment_covariance`); ``igmm``
repeats step two until the coefficients stop changing (relative change below 1e-12, at
most 1,000 steps).

The covariance is the sandwich with S re-estimated at the final residuals by the requested
variance estimator (Stata; linearmodels ``IVGMMCovariance``): the registry's estimators
receive ``x~ = Z W Z'X`` as regressors and the bread ``(X'Z W Z'X)^{-1}``, so their meat
``sum x~_i x~_i' u_i^2`` is ``X'Z W S W Z'X``. Hansen's J is the minimised objective
``(Z'u)' W (Z'u)`` with the weight matrix of the last step (linearmodels ``j_stat``;
ivreg2 ``gmm2s``). References: Hansen (1982); Hayashi (2000, ch. 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import scipy.linalg as sla

from .._types import FloatArray, IntArray
from ..design import Design
from ..errors import DataError, EstimationError, VceOptionError
from ..linalg import least_squares
from ..spec import IVSpec, VceSpec, WeightKind
from ..vce.hac import KERNELS, check_lags, default_lags, kernel_weights
from ..vce.kernels import cluster_meat, n_groups
from .ivbase import IVInfo, iv_arrays, partial_out
from .ols import Fit, make_fit

__all__ = ["WMATRIX_TYPES", "fit_gmm", "moment_covariance"]

#: wmatrix() types and their accepted spellings
WMATRIX_TYPES = {
    "robust": "robust",
    "r": "robust",
    "hc1": "robust",
    "hc0": "robust",
    "cluster": "cluster",
    "cl": "cluster",
    "unadjusted": "ols",
    "unadj": "ols",
    "ols": "ols",
    "iid": "ols",
    "hac": "hac",
    "newey": "hac",
}

_IGMM_TOL = 1e-12
_IGMM_MAXITER = 1000


def wmatrix_kind(spec: VceSpec | None) -> str:
    """Canonical weight-matrix type (``robust``, ``cluster`` or ``ols``) of a request."""
    if spec is None:
        return "robust"
    kind = WMATRIX_TYPES.get(spec.name.lower())
    if kind is None:
        raise VceOptionError(
            f"wmatrix({spec.name}) is not available; expected robust, cluster var or unadjusted"
        )
    if kind == "cluster" and len(spec.args) != 1:
        raise VceOptionError(f"wmatrix(cluster) needs one cluster variable (got {spec.args})")
    if kind == "hac" and not 1 <= len(spec.args) <= 2:
        raise VceOptionError(
            f"wmatrix(hac) needs the time variable and optionally the panel (got {spec.args})"
        )
    return kind


def hac_lags(spec: VceSpec, groups: Mapping[str, IntArray]) -> tuple[IntArray, FloatArray]:
    """Time keys (lags never cross panels) and kernel weights of a ``hac`` request."""
    tvar, *rest = spec.args
    t = groups[tvar]
    n_t = n_groups(t)
    panel = groups[rest[0]] if rest else np.zeros_like(t)
    keys: IntArray = panel * (2 * n_t) + t
    if np.unique(keys).size != keys.size:
        raise DataError(
            f"wmatrix(hac): repeated values of the time variable {tvar!r}; give the panel "
            "variable as well: wmatrix(hac time panel)"
        )
    lags_text = spec.option("lags")
    kernel = (spec.option("kernel") or "bartlett").lower()
    if kernel not in KERNELS:
        raise VceOptionError(f"wmatrix(hac): unknown kernel {kernel!r}; expected {KERNELS}")
    if lags_text and not lags_text.strip().isdigit():
        raise VceOptionError(
            f"wmatrix(hac): lags must be a non-negative integer (got {lags_text!r})"
        )
    lags = default_lags(n_t) if not lags_text else int(lags_text)
    check_lags(lags, n_t, "wmatrix(hac)")
    return keys, kernel_weights(kernel, lags, n_t - 1)


def _lagged(g: FloatArray, keys: IntArray, weights: FloatArray) -> FloatArray:
    """``sum_j w_j (Gamma_j + Gamma_j')`` over rows whose keys differ by exactly j."""
    order = np.argsort(keys, kind="stable")
    k_sorted, g_sorted = keys[order], g[order]
    out = np.zeros((g.shape[1], g.shape[1]))
    for j, w in enumerate(weights, start=1):  # loop over lags, not observations
        pos = np.searchsorted(k_sorted, k_sorted + j)
        ok = pos < k_sorted.size
        ok[ok] = k_sorted[pos[ok]] == k_sorted[ok] + j
        if ok.any():
            gamma = g_sorted[ok].T @ g_sorted[pos[ok]]
            out += w * (gamma + gamma.T)
    return out


def moments(
    z: FloatArray, u: FloatArray, center: bool, weights: FloatArray | None = None
) -> FloatArray:
    """Row moments ``w_i h_i`` (``h_i = z_i u_i`` on the original scale; ``z`` and ``u`` are
    weighted, times sqrt(w)); with ``center`` each ``h_i`` less the weighted mean
    ``m = sum w_i h_i / sum w_i``, i.e. ``w_i (h_i - m)`` (Stata's ``ivregress gmm``, checked
    against its output; ``w_i h_i - m`` moved the coefficients in the fourth digit)."""
    g: FloatArray = z * u[:, None]
    if center:
        mean = g.sum(axis=0) / (float(weights.sum()) if weights is not None else float(len(u)))
        g = g - (weights[:, None] * mean if weights is not None else mean)
    return g


def moment_covariance(
    z: FloatArray,
    u: FloatArray,
    kind: str,
    codes: IntArray | None,
    center: bool,
    weights: FloatArray | None = None,
    hac: tuple[IntArray, FloatArray] | None = None,
    *,
    frequency: bool = False,
    centre_unadjusted: bool = True,
) -> FloatArray:
    """``S = sum`` of the moment outer products (no 1/N, no small-sample factor).

    ``weights`` are the row weights w_i (None: unweighted) and ``frequency`` says they
    count rows: a frequency-weighted row stands for w identical rows, whose outer products
    add up to ``w h h'`` rather than ``(w h)(w h)'``. See :func:`moments` for ``center``.
    The unadjusted type is ``s^2 Z'Z``; Stata's ``ivregress`` always centres its residuals
    (``s^2 = sum w_i (u_i - u_bar)^2 / N``, u_bar the weighted mean), ivreg2 only with
    ``center`` (``centre_unadjusted=False``).
    """
    total = float(weights.sum()) if weights is not None else float(len(u))
    if kind == "ols":
        root = np.sqrt(weights) if weights is not None else np.ones(len(u))
        uc = u - root * (float(root @ u) / total) if center or centre_unadjusted else u
        out: FloatArray = float(uc @ uc) / total * (z.T @ z)
        return out
    g = moments(z, u, center, weights)
    if frequency and weights is not None and kind != "cluster":
        g = g / np.sqrt(weights)[:, None]
    if kind == "cluster":
        assert codes is not None
        meat, _ = cluster_meat(g, np.ones(len(u)), codes)
        return meat
    if kind == "hac":
        assert hac is not None
        lagged: FloatArray = g.T @ g + _lagged(g, *hac)
        return lagged
    res: FloatArray = g.T @ g
    return res


def _solve(q: FloatArray, r: FloatArray, s: FloatArray) -> FloatArray:
    """argmin_b (r - q b)' S^{-1} (r - q b) by whitening with the Cholesky factor of S."""
    try:
        c = sla.cholesky((s + s.T) / 2, lower=True)
    except np.linalg.LinAlgError as exc:
        raise EstimationError(
            "the GMM weight matrix is singular: the covariance of the moment conditions "
            "has rank below the number of instruments (too few clusters or observations?)"
        ) from exc
    qw = sla.solve_triangular(c, q, lower=True)
    rw = sla.solve_triangular(c, r, lower=True)
    beta, *_ = np.linalg.lstsq(qw, rw, rcond=None)
    out: FloatArray = beta
    return out


def _vce_scores(
    iv: IVSpec,
    z: FloatArray,
    resid: FloatArray,
    resid_w: FloatArray,
    weights: FloatArray | None,
    frequency: bool,
    wq: FloatArray,
) -> FloatArray | None:
    """Scores ``q'W g_i`` for the robust, cluster and HAC variances when they are not
    ``x~_i u_i`` at the final residuals (None then).

    - ivreg2 (``gmm2s``): the moments at the residuals ``resid_w`` that gave the weight
      matrix, centred as in it, so that the sandwich is ``(X'Z W Z'X)^{-1}`` itself.
    - ``ivregress`` with ``center`` and analytic or probability weights: Stata centres the
      moments there by their *unweighted* mean ``m = mean_i z_i u_i`` (found by matching
      its output; without weights the centring cancels in the sandwich, X'ZWZ'u = 0).
    """
    if iv.convention == "ivreg2":
        g = moments(z, resid_w, iv.center, weights)
    elif iv.center and weights is not None and not frequency:
        m = (z * (resid / weights)[:, None]).mean(axis=0)  # z~ u~ / w: z u on the raw scale
        g = z * resid[:, None] - weights[:, None] * m[None, :]
    else:
        return None
    out: FloatArray = g @ wq
    return out


def fit_gmm(
    design: Design,
    iv: IVSpec,
    groups: Mapping[str, IntArray],
    *,
    df_absorbed: int = 0,
) -> tuple[Fit, IVInfo]:
    """Two-step (or iterated) efficient GMM on a design with instruments."""
    kind = wmatrix_kind(iv.wmatrix)
    codes = None
    if kind == "cluster":
        assert iv.wmatrix is not None
        var = iv.wmatrix.args[0]
        if var not in groups:
            raise EstimationError(f"the cluster variable {var!r} of wmatrix() is not available")
        codes = groups[var]
    hac = hac_lags(iv.wmatrix, groups) if kind == "hac" and iv.wmatrix is not None else None
    a = iv_arrays(design)
    weights = design.weights
    frequency = design.weight_kind is WeightKind.FWEIGHT
    mzx = partial_out(a.x, a.z)
    endog = set(a.endog.tolist())
    mzx[:, [i for i in range(a.x.shape[1]) if i not in endog]] = 0.0
    keep = least_squares(np.asfortranarray(a.x - mzx), a.y).keep
    x = np.asfortranarray(a.x[:, keep])
    q, r = a.z.T @ x, a.z.T @ a.y
    s = a.z.T @ a.z  # step one: 2SLS
    beta = _solve(q, r, s)
    steps = _IGMM_MAXITER if iv.igmm else 1
    iterations = 0
    centre = iv.convention == "ivregress"
    for _ in range(steps):
        u = a.y - x @ beta  # the residuals behind the weight matrix
        s = moment_covariance(
            a.z, u, kind, codes, iv.center, weights, hac,
            frequency=frequency, centre_unadjusted=centre,
        )  # fmt: skip
        new = _solve(q, r, s)
        iterations += 1
        change = float(np.max(np.abs(new - beta)) / max(1.0, float(np.max(np.abs(new)))))
        beta = new
        if change < _IGMM_TOL:
            break
    resid = a.y - x @ beta
    w = np.asarray(np.linalg.inv((s + s.T) / 2), dtype=np.float64)
    wq = w @ q
    x_tilde = a.z @ wq  # N x K: the regressors the variance estimators see
    bread = np.linalg.inv(q.T @ wq)
    bread = (bread + bread.T) / 2
    # The conventional variance after GMM is the efficient-GMM one, (X'Z W Z'X)^{-1}
    # with the weight matrix of the estimate (Stata: ivregress's e(V) after vce(unadjusted),
    # = ivreg2 gmm2s, tested equal in ivreg2's certification script); N/(N-K) with small.
    # The Iid estimator computes s^2 * iid_bread with s^2 = u'u/dof, hence the N/u'u.
    rss = float(resid @ resid)
    nobs = float(weights.sum()) if frequency and weights is not None else float(len(resid))
    iid_bread = bread * (nobs / rss if rss > 0 else 1.0)
    g = a.z.T @ resid
    j_stat = float(g @ w @ g)
    x_all = np.zeros_like(a.x)
    x_all[:, keep] = x_tilde
    ls = replace(least_squares(x, a.y), beta=beta, resid=resid)
    fit = make_fit(design, ls, np.asfortranarray(x_all), a.y, resid)
    scores = _vce_scores(iv, a.z, resid, u, weights, frequency, wq)
    fit = replace(fit, bread=bread, iid_bread=iid_bread, vce_scores=scores)
    info = IVInfo(
        method="gmm",
        kappa=float("nan"),
        liml_lambda=None,
        arrays=a,
        keep=keep,
        params=beta,
        resid=resid,
        nobs=fit.nobs,
        df_absorbed=df_absorbed,
        weight_matrix=w,
        wmatrix=iv.wmatrix or VceSpec(name="robust"),
        center=iv.center,
        iterations=iterations,
        j_stat=j_stat,
    )
    return fit, info
