"""Standardized coefficients (Stata's ``regress, beta``) and the summary of the dependent
variable on the estimation sample (esttab's ``estadd ysumm``).

Both use the estimation sample on the original scale, with the model's weights as Stata's
``summarize [aw=w]`` does: the weighted mean, and the standard deviation

    sd(v) = sqrt( sum_i w_i (v_i - mean_w(v))^2 / (sum_i w_i - 1) )

with analytic and probability weights normalised to sum to N (so the divisor is N - 1)
and frequency weights as counts. The standardized coefficient of regressor j is

    beta_j = b_j * sd(x_j) / sd(y),

which is Stata's ``Beta`` column (the coefficient of the regression of y/sd(y) on
x_j/sd(x_j)); the constant has none. With absorbed fixed effects the regressors and the
response are rebuilt on the sample's rows (Stata refuses ``beta`` after ``areg``; the
formula is the same).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._types import FloatArray
from ..errors import NotSupportedError, VceregError
from ._fitted import in_sample, parts

if TYPE_CHECKING:
    from ..results import Results

__all__ = ["depvar_summary", "standardized", "weighted_sd"]


def weighted_sd(v: FloatArray, w: FloatArray | None) -> float:
    """Stata's ``summarize [aw=w]`` standard deviation of ``v`` (unweighted if ``w`` is
    None); NaN with fewer than two observations.

    >>> round(weighted_sd(np.array([1.0, 2.0, 4.0]), None), 6)
    1.527525
    """
    w = np.ones(len(v)) if w is None else np.asarray(w, dtype=np.float64)
    total = float(np.sum(w))
    if len(v) < 2 or total <= 1:
        return math.nan
    mean = float(np.sum(w * v) / total)
    return math.sqrt(float(np.sum(w * (v - mean) ** 2)) / (total - 1))


def depvar_summary(res: Results) -> tuple[float, float]:
    """Weighted mean and standard deviation of the dependent variable on the estimation
    sample; NaN when the result does not keep its sample (e.g. fitted through Dask)."""
    try:
        _, design = parts(res)
        y = in_sample(res).y
    except (VceregError, ValueError):
        return math.nan, math.nan
    w = design.weights
    total = float(np.sum(w)) if w is not None else float(len(y))
    mean = float(np.sum(y * w) / total) if w is not None else float(np.mean(y))
    return mean, weighted_sd(y, w)


def standardized(res: Results) -> pd.Series:
    """``b_j sd(x_j) / sd(y)`` per term; NaN for the constant and omitted terms.

    Raises
    ------
    NotSupportedError
        For the between and random-effects estimators (fitted on transformed panel data)
        and results that do not keep their sample.
    """
    if res.spec.estimator.startswith("xtreg_") and res.spec.estimator != "xtreg_fe":
        raise NotSupportedError(
            f"standardized coefficients after {res.spec.command or res.spec.estimator} are not "
            "defined (the model is fitted on transformed panel data)"
        )
    try:
        _, design = parts(res)
        sample = in_sample(res)
    except VceregError as exc:
        raise NotSupportedError(
            f"standardized coefficients need the estimation sample: {exc}"
        ) from None
    w = design.weights
    sd_y = weighted_sd(sample.y, w)
    out = np.full(len(res.terms), np.nan)
    params = res.params.to_numpy()
    for j, term in enumerate(res.terms):
        if term in res.omitted or term == "Intercept":
            continue
        sd_x = weighted_sd(sample.x[:, j], w)
        if sd_x > 0 and sd_y > 0:
            out[j] = params[j] * sd_x / sd_y
    return pd.Series(out, index=list(res.terms), name="beta")
