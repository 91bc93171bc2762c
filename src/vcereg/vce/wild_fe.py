"""The wild cluster bootstrap with absorbed fixed effects that are not nested in the
clusters: exact, as ``boottest`` does it.

The bootstrap data are ``y* = X b~ + D a~ + u~ * v`` (``v`` one weight per cluster); the fit
on them absorbs the effects again, so its residuals are those of ``M_D (u~ * v)``. When every
effect lies inside one cluster, ``u~ * v`` is already orthogonal to the effects (``u~`` sums
to zero in each effect's groups, and ``v`` is constant there) and the demeaned data can be
bootstrapped as they are. When not, ``P_D (u~ * v)`` is not zero, and it changes the
bootstrap residuals (not the numerator: ``X'P_D = 0`` for the demeaned regressors). It is
linear in ``v``: ``P_D (u~ * v) = sum_c v_c P_D (u~ * 1_c)``, so the cluster scores of the
bootstrap residuals lose ``sum_c v_c T[h, c]`` with

    T[h, c] = X_h' [P_D (u~ * 1_c)]_h          (G x G x K, one projection per cluster)

and with the null imposed ``u~ = u_hat + delta X d`` adds a second such term for ``X d``.
The projection (``project``) is the caller's: the fixed effects' weighted projection minus
the mean's when the model reports ``_cons`` (the constant is among the regressors). Work
O(G N) projections' worth, memory O(G^2 K).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._types import FloatArray, IntArray
from ..errors import NotSupportedError
from .kernels import cluster_scores

__all__ = ["FeCorrection", "fe_correction"]

#: G^2 K doubles of the T arrays above this many are refused (about 400 MB)
_MAX_ELEMENTS = 50_000_000
_BLOCK_ELEMENTS = 4_000_000  # N x clusters per projection block


@dataclass(frozen=True, slots=True, eq=False)
class FeCorrection:
    """What the bootstrap needs to project its residuals off the fixed effects."""

    x: FloatArray  # (N, K) the regressors as the moments hold them (divided by scale)
    codes: IntArray
    g: int
    project: Callable[[FloatArray], FloatArray]
    t0: FloatArray  # (G, G, K) T of the unrestricted residuals

    def scores_of(self, w: FloatArray) -> FloatArray:
        """``T[h, c] = X_h' [P (w * 1_c)]_h`` for a vector ``w`` (G, G, K)."""
        return projected_scores(self.x, self.codes, self.g, w, self.project)


def projected_scores(
    x: FloatArray,
    codes: IntArray,
    g: int,
    w: FloatArray,
    project: Callable[[FloatArray], FloatArray],
) -> FloatArray:
    """``out[h, c, :] = sum_{i in h} x_i [P (w * 1_c)]_i``, the clusters in blocks."""
    n, k = x.shape
    out = np.empty((g, g, k))
    block = max(1, _BLOCK_ELEMENTS // max(n, 1))
    rows = np.arange(n)
    for lo in range(0, g, block):
        hi = min(g, lo + block)
        inside = (codes >= lo) & (codes < hi)
        cols = np.zeros((n, hi - lo), order="F")
        cols[rows[inside], codes[inside] - lo] = w[inside]
        projected = project(cols)
        for j in range(hi - lo):
            out[:, lo + j, :] = cluster_scores(x, projected[:, j], codes, g)
    return out


def fe_correction(
    x: FloatArray,
    u: FloatArray,
    codes: IntArray,
    g: int,
    project: Callable[[FloatArray], FloatArray] | None,
    loose: list[str],
) -> FeCorrection:
    """The correction for effects ``loose`` (not nested in the clusters), or a clear error
    when it cannot be computed."""
    names = ", ".join(loose)
    if project is None:
        raise NotSupportedError(
            f"the wild bootstrap with absorbed effect(s) {names} not nested in the clusters "
            "needs the fixed effects to project the bootstrap residuals; refit in memory",
        )
    if g * g * x.shape[1] > _MAX_ELEMENTS:
        raise NotSupportedError(
            f"the wild bootstrap with absorbed effect(s) {names} not nested in the clusters "
            f"projects the residuals of each of the {g:,} clusters off the effects, which "
            f"needs {g * g * x.shape[1] * 8 / 1e9:.1f} GB here",
            hint="cluster at a level that contains the fixed effects, put the effects in "
            "the formula as C(var), or use vce(cluster ...)",
        )
    return FeCorrection(x, codes, g, project, projected_scores(x, codes, g, u, project))
