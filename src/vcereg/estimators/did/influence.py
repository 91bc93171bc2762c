"""Inference from influence functions: analytic covariance and the multiplier bootstrap.

With ``psi`` the (n, m) influence functions of m estimates (``theta_hat - theta =
mean(psi)``), the analytic covariance is ``psi' psi / n^2``, or with clusters
``S' S / n^2`` where ``S`` sums ``psi`` within clusters (R ``did``: no small-sample factor,
normal inference).

The multiplier bootstrap (Callaway & Sant'Anna 2021, algorithm 1) draws ``B`` vectors of
i.i.d. weights ``V`` (one per cluster; Rademacher by default, or Mammen's two-point
weights) and forms ``sqrt(G) mean_g V_g S_g``. Standard errors come from the interquartile
range of the draws divided by that of the standard normal; the uniform critical value is
the ``level`` quantile of ``max_j |draw_j / se_j|``, so that the bands
``theta_j +- c se_j`` cover all m parameters jointly. The draws are taken in blocks, so
memory stays O(G m) whatever ``B``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..._types import FloatArray, IntArray
from ...errors import SpecError

__all__ = ["Multiplier", "cluster_sums", "if_cov", "multiplier_bootstrap"]

_IQR_NORMAL = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
_BLOCK = 256  # bootstrap draws per block
_MAMMEN = ((1 - 5**0.5) / 2, (1 + 5**0.5) / 2, (5**0.5 + 1) / (2 * 5**0.5))


def cluster_sums(psi: FloatArray, cluster: IntArray | None) -> FloatArray:
    """Rows of ``psi`` summed within clusters (``psi`` itself without clusters)."""
    if cluster is None:
        return psi
    g = int(cluster.max()) + 1
    out = np.zeros((g, psi.shape[1]))
    np.add.at(out, cluster, psi)
    return out


def if_cov(psi: FloatArray, cluster: IntArray | None = None) -> FloatArray:
    """``S' S / n^2``: the covariance of estimates with influence functions ``psi`` (n, m).

    >>> import numpy as np
    >>> psi = np.array([[1.0], [-1.0], [2.0], [-2.0]])
    >>> if_cov(psi).item()  # 10 / 16
    0.625
    """
    n = psi.shape[0]
    s = cluster_sums(psi, cluster)
    out: FloatArray = s.T @ s / n**2
    return out


@dataclass(frozen=True, slots=True)
class Multiplier:
    """Bootstrap standard errors and the uniform critical value at ``level``."""

    se: FloatArray
    crit: float
    reps: int
    weights: str


def multiplier_bootstrap(
    psi: FloatArray,
    *,
    reps: int = 999,
    level: float = 95.0,
    cluster: IntArray | None = None,
    weights: str = "rademacher",
    seed: int | None = None,
) -> Multiplier:
    """Multiplier-bootstrap standard errors and uniform band critical value.

    Examples
    --------
    >>> import numpy as np
    >>> psi = np.random.default_rng(0).normal(size=(2000, 2))
    >>> m = multiplier_bootstrap(psi, reps=4000, seed=1)
    >>> bool(np.allclose(m.se, np.sqrt(np.diag(if_cov(psi))), rtol=0.06))
    True
    """
    if reps < 10:
        raise SpecError(f"the multiplier bootstrap needs at least 10 repetitions (got {reps})")
    if weights not in ("rademacher", "mammen"):
        raise SpecError(f"unknown bootstrap weights {weights!r}; expected rademacher or mammen")
    n = psi.shape[0]
    s = cluster_sums(psi, cluster)
    g = s.shape[0]
    rng = np.random.default_rng(seed)
    draws = np.empty((reps, s.shape[1]))
    for lo in range(0, reps, _BLOCK):
        b = min(_BLOCK, reps - lo)
        if weights == "rademacher":
            v = rng.integers(0, 2, size=(b, g)).astype(np.float64) * 2.0 - 1.0
        else:
            low, high, p_low = _MAMMEN
            v = np.where(rng.random((b, g)) < p_low, low, high)
        draws[lo : lo + b] = v @ s / np.sqrt(g)
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / _IQR_NORMAL
    se = sigma * np.sqrt(g) / n
    usable = sigma > np.sqrt(np.finfo(np.float64).eps) * 10
    if usable.any():
        t_max = np.max(np.abs(draws[:, usable] / sigma[usable]), axis=1)
        crit = float(np.quantile(t_max, level / 100.0, method="inverted_cdf"))
    else:
        crit = float("nan")
    se = np.where(usable, se, np.nan)
    return Multiplier(se=se, crit=crit, reps=reps, weights=weights)
