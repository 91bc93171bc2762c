"""Inference on linear combinations ``R b - r`` of a fit's coefficients, shared by ``lincom``
and ``margins`` so that both use the model's own inference:

- the t degrees of freedom of the combination itself when the variance gives each
  combination its own (Bell-McCaffrey after ``vce(hc2 g, dfadjust)``: the df of ``c'b`` is
  not any coefficient's), else the fit's;
- after ``vce(wild g)``, the bootstrap p-value and test-inversion interval of the
  combination with the fit's own draws (what ``boottest`` reports), next to its CRV1
  standard error, as the coefficient table does; never a CRV1 t p-value in its place;
- the normal distribution when the caller asks for it (``margins`` after IV, as Stata).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._types import FloatArray
from ..inference import critical_value, p_values

if TYPE_CHECKING:
    from ..results.base import ResultsBase

__all__ = ["combinations"]


def combinations(
    res: ResultsBase,
    rows: FloatArray,
    values: FloatArray,
    labels: list[str],
    level: float,
    *,
    normal: bool = False,
) -> pd.DataFrame:
    """Estimate, standard error, t, p and interval of each ``rows[i] b - values[i]``
    (``rows`` over all terms), in the columns of :meth:`Results.tidy`.

    >>> import numpy as np, vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> r = vcereg.regress("G3 ~ absences + studytime", d)
    >>> out = combinations(r, np.array([[0.0, 1.0, 2.0]]), np.zeros(1), ["c"], 95)
    >>> bool(np.isclose(out.loc["c", "estimate"], r.params["absences"] + 2 * r.params["studytime"]))
    True
    """
    b, v = res.params.to_numpy(), res.cov.to_numpy()
    est = rows @ b - values
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", rows, v, rows), 0, None))
    keep = np.array([t not in res.omitted for t in res.terms])
    df = None if normal else _df(res, rows, keep)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, est / se, np.nan)  # SE 0 (an exact fit): no t, as Stata
    p = p_values(t, df)
    crit = critical_value(level, df)
    low, high = est - crit * se, est + crit * se
    combo = getattr(res._inference, "combination", None)
    if combo is not None and not normal:  # the wild bootstrap: p and interval from its draws
        boot = np.array(
            [combo(row[keep], val, level) for row, val in zip(rows, values, strict=True)]
        )
        p = np.where(se > 0, boot[:, 0], np.nan)
        low, high = boot[:, 1] - values, boot[:, 2] - values
    return pd.DataFrame(
        {"estimate": est, "std_error": se, "t": t, "p": p, "ci_low": low, "ci_high": high},
        index=pd.Index(labels, name="term"),
    )


def _df(res: ResultsBase, rows: FloatArray, keep: np.ndarray) -> float | FloatArray | None:
    if res._df_contrast is not None:  # Bell-McCaffrey: each combination its own df
        out: FloatArray = np.asarray(res._df_contrast(rows[:, keep]), dtype=np.float64)
        return out
    if res.df_terms is not None:  # per-coefficient df without a rule for combinations
        terms_df = res.df_terms.to_numpy()
        return np.array([np.nanmin(terms_df[row != 0], initial=np.inf) for row in rows])
    return res.df_inference
