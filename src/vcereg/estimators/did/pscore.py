"""The propensity score of the doubly robust and IPW 2x2 estimators: a weighted logit.

This Newton-Raphson logit is a stand-in for ``vcereg.estimators.glm.fit_glm_arrays`` and
is replaced by it when that lands; the returned fields (``mu``, ``scores``, ``hessian``)
follow its ``GLMArrayFit``, so the callers do not change.

Prior weights ``w`` enter the log likelihood as ``sum w_i [d_i log p_i + (1 - d_i)
log(1 - p_i)]`` (R's ``glm(..., weights = w)``, which ``DRDID`` uses).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from ..._types import FloatArray
from ...errors import EstimationError

__all__ = ["LogitFit", "fit_logit"]


@dataclass(frozen=True, slots=True)
class LogitFit:
    """A fitted weighted logit."""

    params: FloatArray  # (k,)
    mu: FloatArray  # (N,) fitted probabilities
    scores: FloatArray  # (N, k): w_i (d_i - p_i) x_i
    hessian: FloatArray  # (k, k) negative Hessian: X' diag(w p (1 - p)) X
    converged: bool
    iterations: int


def _probabilities(eta: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * eta))  # 1/(1+exp(-eta)) without overflow
    return out


def fit_logit(
    x: FloatArray, d: FloatArray, w: FloatArray, *, tol: float = 1e-10, maxiter: int = 100
) -> LogitFit:
    """Maximise the weighted logit likelihood of ``d`` (0/1) on ``x`` by Newton steps.

    Converged when the largest step is below ``tol`` (relative to the coefficients), the
    criterion of R's ``glm`` on the deviance being equivalent at the optimum.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.ones((4, 1)); d = np.array([1., 0., 0., 0.])
    >>> round(float(fit_logit(x, d, np.ones(4)).mu[0]), 6)
    0.25
    """
    k = x.shape[1]
    beta = np.zeros(k)
    total = float(w.sum())
    share = float(w @ d) / total if total > 0 else 0.5
    if 0.0 < share < 1.0 and np.allclose(x[:, 0], 1.0):  # start at the marginal log odds
        beta[0] = np.log(share / (1.0 - share))
    converged = False
    it = 0
    for it in range(1, maxiter + 1):  # noqa: B007 - the count is reported
        p = _probabilities(x @ beta)
        weight = w * p * (1.0 - p)
        hessian = x.T @ (x * weight[:, None])
        grad = x.T @ (w * (d - p))
        try:
            step = sla.solve(hessian, grad, assume_a="pos")
        except (np.linalg.LinAlgError, ValueError):
            step = np.linalg.lstsq(hessian, grad, rcond=None)[0]
        beta = beta + step
        if np.max(np.abs(step)) <= tol * max(1.0, float(np.max(np.abs(beta)))):
            converged = True
            break
    if not np.all(np.isfinite(beta)):
        raise EstimationError("the propensity-score logit diverged (perfect separation?)")
    p = _probabilities(x @ beta)
    weight = w * p * (1.0 - p)
    return LogitFit(
        params=beta,
        mu=p,
        scores=x * (w * (d - p))[:, None],
        hessian=x.T @ (x * weight[:, None]),
        converged=converged,
        iterations=it,
    )
