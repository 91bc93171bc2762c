"""``predict`` after a fit, with Stata's names.

==============  ======================================================================
``what``        value
==============  ======================================================================
``xb``          linear prediction ``x b`` (with ``_cons``, the average of the absorbed effects)
``residuals``   ``y - x b`` (``y - x b - d`` with absorbed effects); never weighted
``stdp``        standard error of ``x b``: ``sqrt(x V x')`` with the fit's covariance
``xbd``         ``x b + d``: the prediction including the absorbed effects
``d``           the absorbed effects (their sum over the absorbed variables) net of
                ``_cons``, so that ``xb + d = xbd`` (Stata's ``d`` after ``areg``)
``stdf``        standard error of the forecast, ``sqrt(stdp^2 + s^2)``
``pr(a,b)``     ``Pr(a < y < b)`` with ``y ~ N(x b, s^2)``
``e(a,b)``      ``E(y | a < y < b)``, the mean of that normal truncated to ``(a, b)``
``ystar(a,b)``  ``E(y*)``, ``y* = max(a, min(y, b))``: the normal censored at a and b
==============  ======================================================================

The last four are Stata's after ``regress`` ([R] regress postestimation): ``s`` is the
Root MSE; ``a`` and ``b`` are numbers, column names (row by row) or ``.`` (minus or plus
infinity); a missing value in a named column is infinite too, as in Stata. They need a
model estimated by least squares without absorbed or panel effects.

In the estimation sample (no data given) the result is aligned to the fitted data's index,
NaN outside the sample. On new data the regressors are rebuilt with the fit's formulaic
state (:func:`vcereg.design.build_new`); an effect level the fit has not seen gives NaN
for ``xbd`` and ``d`` (with a warning), as fixest's ``predict``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._types import FloatArray
from ..design import build_new
from ..errors import DataError, MissingVariableError, VceregWarning, closest, warn
from ._fitted import align, columns_of, in_sample, parts
from .fixef import fixef

if TYPE_CHECKING:
    from ..results import Results

__all__ = ["PREDICTIONS", "predict"]

PREDICTIONS = ("xb", "residuals", "stdp", "xbd", "d", "stdf", "pr", "e", "ystar")
#: how the predictions are written where they take bounds (Stata's spelling)
SPELLINGS = ("xb", "residuals", "stdp", "stdf", "pr(a,b)", "e(a,b)", "ystar(a,b)", "xbd", "d")
_ALIASES = {"residual": "residuals", "resid": "residuals", "r": "residuals", "e": "residuals"}
_BOUNDED = ("pr", "e", "ystar")
_NORMAL = ("stdf", *_BOUNDED)  # a normal error with sigma = Root MSE: regress only
_CALL = re.compile(r"\s*(pr|e|ystar)\s*\(([^(),]*),([^(),]*)\)\s*", re.IGNORECASE)


def _kind(what: str, res: Results) -> tuple[str, tuple[str, str] | None]:
    """The prediction and, for pr/e/ystar, its two bounds as written."""
    text = str(what).strip()
    call = _CALL.fullmatch(text)
    if call:
        return call.group(1).lower(), (call.group(2).strip(), call.group(3).strip())
    key = _ALIASES.get(text.lower(), text.lower())
    if key not in PREDICTIONS or key in _BOUNDED:
        near = closest(key, [*PREDICTIONS, *_ALIASES])
        raise DataError(
            f"unknown prediction {what!r}; expected one of {', '.join(SPELLINGS)}",
            hint=(
                f"{key} takes its bounds: '{key}(a,b)', a and b numbers, columns or '.'"
                if key in _BOUNDED
                else f"did you mean {_ALIASES.get(near, near)!r}?"
                if near
                else None
            ),
        )
    if key in ("xbd", "d") and not res.fixed_effects:
        raise DataError(
            f"predict(what={key!r}) needs absorbed fixed effects; this model has none",
            hint="use what='xb'",
        )
    return key, None


def _check_normal(res: Results, kind: str) -> None:
    """stdf, pr, e and ystar assume y ~ N(x b, s^2): Stata offers them after regress."""
    if res.spec.estimator == "ols" and not res.fixed_effects and res.spec.iv is None:
        return
    raise DataError(
        f"predict {kind}: available after regress (least squares without absorbed or panel "
        f"effects, as Stata's regress postestimation); this model is {res.model_label!r}",
        hint="use xb, residuals or stdp",
    )


def predict(
    res: Results,
    data: pd.DataFrame | None = None,
    *,
    what: str = "xb",
    unseen: Literal["error", "missing"] = "error",
) -> pd.Series:
    """Predictions, residuals or their standard errors (see the module docstring).

    A categorical level of ``data`` that the fit has not seen is a DataError, or with
    ``unseen="missing"`` a NaN prediction for that row (with a warning).

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
    kind, bounds = _kind(what, res)
    if kind in _NORMAL:
        _check_normal(res, kind)
    to_pandas = getattr(data, "to_pandas", None)
    if data is not None and not isinstance(data, pd.DataFrame) and callable(to_pandas):
        data = to_pandas()  # polars and friends
    if data is None:
        sample = in_sample(res)
        values = _values(res, kind, sample.x, sample.y, sample.d)
        if bounds is not None:
            frame, pos = res._data, sample.positions
            rows = frame.iloc[pos] if frame is not None and pos is not None else None
            values = _bounded(res, kind, values, _limits(bounds, rows, len(values)))
        return align(res, values, sample, kind)
    _, design = parts(res)
    if unseen not in ("error", "missing"):
        raise DataError(f"unseen= must be 'error' or 'missing' (got {unseen!r})")
    new = build_new(res.spec, design, data, unseen=unseen)
    x = new.x[:, columns_of(new.terms, res.terms)]
    d = None
    if kind in ("xbd", "d", "residuals") and res.fixed_effects:  # net of _cons, as in-sample
        d = _effects_on(res, data) - float(res.params.get("Intercept", 0.0))
    if kind == "residuals" and new.y is None:
        raise MissingVariableError(
            f"residuals need the dependent variable {res.depvar!r}, which is not in the data"
        )
    values = _values(res, kind, x, new.y, d)
    if bounds is not None:
        values = _bounded(res, kind, values, _limits(bounds, data, len(values)))
    out = pd.Series(values, index=data.index, name=kind)
    n_missing = int(out.isna().sum())
    if n_missing:  # Stata: "(n missing values generated)"
        warn(f"{n_missing} missing value(s) generated by predict ({kind})", VceregWarning)
    return out


def _values(
    res: Results, kind: str, x: FloatArray, y: FloatArray | None, d: FloatArray | None
) -> FloatArray:
    b = res.params.to_numpy()
    xb: FloatArray = x @ b
    if kind in ("xb", *_BOUNDED):
        return xb
    if kind in ("stdp", "stdf"):
        v = res.cov.to_numpy()
        var = np.clip(np.einsum("ij,jk,ik->i", x, v, x), 0, None)
        return np.asarray(np.sqrt(var + (res.rmse**2 if kind == "stdf" else 0.0)))
    if kind == "d":
        assert d is not None
        return d
    if kind == "xbd":
        assert d is not None
        return xb + d
    assert y is not None
    return y - xb - (d if d is not None else 0.0)


def _limits(
    bounds: tuple[str, str], data: pd.DataFrame | None, n: int
) -> tuple[FloatArray, FloatArray]:
    """The bounds as arrays: a number, a column of ``data``, or '.' (infinite), Stata's
    ``pr(a,b)``; a missing value in a column is infinite too (minus for a, plus for b)."""
    out = []
    for text, inf in zip(bounds, (-np.inf, np.inf), strict=True):
        if text in (".", ""):
            out.append(np.full(n, inf))
            continue
        try:
            out.append(np.full(n, float(text)))
            continue
        except ValueError:
            pass
        if data is None or text not in data.columns:
            cols = [str(c) for c in data.columns] if data is not None else []
            near = closest(text, cols)
            raise MissingVariableError(
                f"bound {text!r} is neither a number, '.', nor a column of the data",
                hint=f"did you mean {near!r}?" if near else None,
            )
        col = pd.to_numeric(data[text], errors="coerce").to_numpy(dtype=np.float64)
        out.append(np.where(np.isnan(col), inf, col))
    return out[0], out[1]


def _bounded(
    res: Results, kind: str, xb: FloatArray, limits: tuple[FloatArray, FloatArray]
) -> FloatArray:
    """pr, e and ystar of y ~ N(xb, s^2) between the limits (s: Root MSE)."""
    s = float(res.rmse)
    lo, hi = limits
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = (lo - xb) / s, (hi - xb) / s
        mass = stats.norm.cdf(b) - stats.norm.cdf(a)
        dens = stats.norm.pdf(a) - stats.norm.pdf(b)
        if kind == "pr":
            return np.asarray(mass, dtype=np.float64)
        if kind == "e":  # mean of the truncated normal
            return np.asarray(np.where(mass > 0, xb + s * dens / mass, np.nan))
        # censored: a below a, b above b, y in between (0 * inf terms are 0)
        low = np.where(np.isfinite(lo), lo * stats.norm.cdf(a), 0.0)
        high = np.where(np.isfinite(hi), hi * stats.norm.sf(b), 0.0)
        return np.asarray(low + high + mass * xb + s * dens)


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
