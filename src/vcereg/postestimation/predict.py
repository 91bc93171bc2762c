"""``predict`` after a fit, with Stata's names.

==============  ======================================================================
``what``        value
==============  ======================================================================
``xb``          linear prediction ``x b`` (without absorbed effects)
``residuals``   ``y - x b`` (``y - x b - d`` with absorbed effects); never weighted
``stdp``        standard error of ``x b``: ``sqrt(x V x')`` with the fit's covariance
``xbd``         ``x b + d``: the prediction including the absorbed effects
``d``           the absorbed effects alone (their sum over the absorbed variables)
==============  ======================================================================

In the estimation sample (no data given) the result is aligned to the fitted data's index,
NaN outside the sample. On new data the regressors are rebuilt with the fit's formulaic
state (:func:`vcereg.design.build_new`); an effect level the fit has not seen gives NaN
for ``xbd`` and ``d`` (with a warning), as fixest's ``predict``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._types import FloatArray
from ..design import build_new
from ..errors import DataError, MissingVariableError, VceregWarning, closest, warn
from ._fitted import align, columns_of, in_sample, parts
from .fixef import fixef

if TYPE_CHECKING:
    from ..results import Results

__all__ = ["PREDICTIONS", "predict"]

PREDICTIONS = ("xb", "residuals", "stdp", "xbd", "d")
_ALIASES = {"residual": "residuals", "resid": "residuals", "r": "residuals", "e": "residuals"}


def _kind(what: str, absorbed: bool) -> str:
    key = _ALIASES.get(str(what).strip().lower(), str(what).strip().lower())
    if key not in PREDICTIONS:
        near = closest(key, [*PREDICTIONS, *_ALIASES])
        raise DataError(
            f"unknown prediction {what!r}; expected one of {', '.join(PREDICTIONS)}",
            hint=f"did you mean {_ALIASES.get(near, near)!r}?" if near else None,
        )
    if key in ("xbd", "d") and not absorbed:
        raise DataError(
            f"predict(what={key!r}) needs absorbed fixed effects; this model has none",
            hint="use what='xb'",
        )
    return key


def predict(res: Results, data: pd.DataFrame | None = None, *, what: str = "xb") -> pd.Series:
    """Predictions, residuals or their standard errors (see the module docstring).

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> r = vcereg.regress("G3 ~ absences + C(school)", d)
    >>> fitted, resid = r.predict(), r.predict(what="residuals")
    >>> bool(((fitted + resid - d["G3"]).abs() < 1e-12).all())
    True
    >>> new = d.head(2)[["absences", "school"]]
    >>> r.predict(new).round(3).tolist()
    [10.491, 10.456]
    """
    kind = _kind(what, bool(res.fixed_effects))
    if data is None:
        sample = in_sample(res)
        return align(res, _values(res, kind, sample.x, sample.y, sample.d), sample, kind)
    _, design = parts(res)
    new = build_new(res.spec, design, data)
    x = new.x[:, columns_of(new.terms, res.terms)]
    d = _effects_on(res, data) if kind in ("xbd", "d", "residuals") and res.fixed_effects else None
    if kind == "residuals" and new.y is None:
        raise MissingVariableError(
            f"residuals need the dependent variable {res.depvar!r}, which is not in the data"
        )
    return pd.Series(_values(res, kind, x, new.y, d), index=data.index, name=kind)


def _values(
    res: Results, kind: str, x: FloatArray, y: FloatArray | None, d: FloatArray | None
) -> FloatArray:
    b = res.params.to_numpy()
    xb: FloatArray = x @ b
    if kind == "xb":
        return xb
    if kind == "stdp":
        v = res.cov.to_numpy()
        return np.asarray(np.sqrt(np.clip(np.einsum("ij,jk,ik->i", x, v, x), 0, None)))
    if kind == "d":
        assert d is not None
        return d
    if kind == "xbd":
        assert d is not None
        return xb + d
    assert y is not None
    return y - xb - (d if d is not None else 0.0)


def _effects_on(res: Results, data: pd.DataFrame) -> FloatArray:
    """The sum of the fitted effects for the levels in ``data`` (NaN for unseen levels)."""
    total = np.zeros(len(data))
    unseen = 0
    for name, eff in fixef(res).items():
        cols = name.split("#")
        missing = [c for c in cols if c not in data.columns]
        if missing:
            raise MissingVariableError(
                f"absorbed variable {missing[0]!r} is not in the data; predicting with the "
                "fixed effects needs it",
                hint="use what='xb' to predict without the absorbed effects",
            )
        keys = data[cols[0]] if len(cols) == 1 else pd.MultiIndex.from_frame(data[cols])
        vals = eff.reindex(keys).to_numpy(dtype=np.float64)
        unseen = max(unseen, int(np.isnan(vals).sum()))
        total += vals
    if unseen:
        warn(
            f"{unseen} row(s) have a fixed-effect level not in the estimation sample; "
            "their prediction with effects is missing",
            VceregWarning,
        )
    return total
