"""Estimated fixed effects from the converged demeaning (reghdfe's ``savefe``, fixest's
``fixef()``), without a regression on dummies.

With the slopes ``b`` and the residual ``e`` of the demeaned regression, the sum of the
effects on each observation is ``d = y - x b - e`` (Frisch-Waugh-Lovell). ``d`` lies in the
span of the dummies; alternating projections (group means of what is left, one effect
after the other) split it into one coefficient per level, O(N) per sweep.

Normalisation (the effects are identified only up to constants): the first absorbed
variable carries the constant; every later effect has mean zero over the observations of
the estimation sample, within each mobility group (connected component) it forms with the
first. With one absorbed variable, the effects are the group means of ``y - x b``
(the constant included, as pyfixest's ``fixef()``; areg reports it separately as ``_cons``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .._types import FloatArray, IntArray
from ..errors import EstimationError
from ._fitted import in_sample, parts

if TYPE_CHECKING:
    from ..results import Results

__all__ = ["fixef", "split_effects"]

_TOL = 1e-13  # relative to the scale of d: the demeaning converged to ~1e-12


def fixef(res: Results, *, maxiter: int = 100_000) -> dict[str, pd.Series]:
    """The estimated fixed effects, one Series per absorbed variable indexed by its levels.

    Examples
    --------
    >>> import pandas as pd, vcereg
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 4.0, 6.0, 3.0, 5.0], "x": [0, 1, 0, 1, 1, 2],
    ...                    "g": ["a", "a", "b", "b", "c", "c"]})
    >>> r = vcereg.regress("y ~ x | fe(g)", df)
    >>> r.params["x"].round(6)  # within slope 5/3; effects: group mean of y - x b
    np.float64(1.666667)
    >>> r.fixef()["g"].round(4).to_dict()
    {'a': 0.6667, 'b': 4.1667, 'c': 1.5}
    """
    if not res.fixed_effects:
        raise EstimationError("fixef() needs absorbed fixed effects (absorb(), fe() or areg)")
    _, design = parts(res)
    sample = in_sample(res)
    assert sample.d is not None  # absorbed effects always give d
    codes = [design.absorb[a] for a in res.fixed_effects]
    # d is net of the reported constant (xb + d = xbd, as Stata); the effects include it
    cons = float(res.params.get("Intercept", 0.0))
    effects = split_effects(sample.d + cons, codes, maxiter=maxiter)
    data = res._data
    out: dict[str, pd.Series] = {}
    for name, c, eff in zip(res.fixed_effects, codes, effects, strict=True):
        present, first = np.unique(c, return_index=True)
        values = eff[present]
        cols = name.split("#")
        if data is not None and sample.positions is not None:
            rows = data.iloc[sample.positions[first]]
            index = (
                pd.Index(rows[cols[0]].to_numpy(), name=name)
                if len(cols) == 1
                else pd.MultiIndex.from_frame(rows[cols].reset_index(drop=True))
            )
        else:
            index = pd.Index(present, name=name)
        out[name] = pd.Series(values, index=index, name=name)
    return out


def split_effects(
    d: FloatArray, codes: list[IntArray], *, maxiter: int = 100_000
) -> list[FloatArray]:
    """Coefficients ``a_g`` with ``sum_g a_g[codes_g] = d`` (least squares), normalised as the
    module docstring says. Raises EstimationError when the sweeps do not converge.

    >>> import numpy as np
    >>> firm, year = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    >>> a, b = split_effects(np.array([1.0, 3.0, 2.0, 4.0]), [firm, year])
    >>> a.tolist(), b.tolist()
    ([2.0, 3.0], [-1.0, 1.0])
    """
    sizes = [int(c.max()) + 1 for c in codes]
    counts = [
        np.bincount(c, minlength=s).astype(np.float64) for c, s in zip(codes, sizes, strict=True)
    ]
    inv = [np.divide(1.0, n, out=np.zeros_like(n), where=n > 0) for n in counts]
    effects = [np.zeros(s) for s in sizes]
    r = np.array(d, dtype=np.float64, copy=True)
    scale = max(float(np.abs(d).max()), 1.0)
    for _ in range(maxiter):
        biggest = 0.0
        for g, c in enumerate(codes):
            m = np.bincount(c, weights=r, minlength=sizes[g]) * inv[g]
            effects[g] += m
            r -= m[c]
            biggest = max(biggest, float(np.abs(m).max()))
        if biggest <= _TOL * scale or len(codes) == 1:
            break
    else:
        raise EstimationError(
            f"recovering the fixed effects did not converge in {maxiter} sweeps",
            hint="weakly connected effects (few movers) converge slowly; raise maxiter",
        )
    return _normalise(effects, codes, counts)


def _normalise(
    effects: list[FloatArray], codes: list[IntArray], counts: list[FloatArray]
) -> list[FloatArray]:
    first, n1 = codes[0], effects[0].size
    for h in range(1, len(codes)):
        c, nh = codes[h], effects[h].size
        graph = coo_matrix((np.ones(first.size), (first, c + n1)), shape=(n1 + nh, n1 + nh))
        _, comp = connected_components(graph, directed=False)
        obs_comp = comp[first]
        k = int(comp.max()) + 1
        total = np.bincount(obs_comp, weights=effects[h][c], minlength=k)
        shift = total / np.maximum(np.bincount(obs_comp, minlength=k), 1).astype(np.float64)
        present_h = counts[h] > 0
        effects[h][present_h] -= shift[comp[n1:]][present_h]
        present_1 = counts[0] > 0
        effects[0][present_1] += shift[comp[:n1]][present_1]
    return effects
