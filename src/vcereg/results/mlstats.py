"""What a maximum-likelihood fit adds to the result: the likelihood and its statistics.

``loglik``, ``ll_0`` (constant-only model), McFadden's pseudo R² (``1 - ll/ll_0``, as
``logit``, ``probit``, ``poisson`` and ``nbreg`` print it), the model chi-squared (LR after
a model-based variance, Wald after a robust one), Stata's ``estat ic`` (AIC = -2 ll + 2k,
BIC = -2 ll + k ln N), glm's deviance, Pearson chi-squared and scale, and the
exponentiated coefficients (``or``, ``irr``, ``eform``). For least-squares results the
likelihood statistics are NaN.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..estimators.mlinfo import MLInfo

__all__ = ["EFORM_LABELS", "MLStats"]

#: Column titles Stata uses for exponentiated coefficients.
EFORM_LABELS = {
    "or": "Odds ratio",
    "irr": "IRR",
    "eform": "exp(b)",
    "hr": "Haz. ratio",
    "rrr": "RRR",
}
_NO_PSEUDO_R2 = ("glm",)


class MLStats:
    """Likelihood statistics (mixed into ``Results``)."""

    ml: MLInfo | None
    nobs: int | float
    fstat: float
    f_pvalue: float
    f_df: tuple[float, float | None]
    model_test: str
    level: float
    params: pd.Series
    terms: tuple[str, ...]
    df_inference: float | None

    @property
    def loglik(self) -> float:
        """Log likelihood (Stata's ``e(ll)``); NaN for least squares."""
        return self.ml.loglik if self.ml is not None else math.nan

    @property
    def ll_0(self) -> float:
        """Log likelihood of the constant-only model (``e(ll_0)``)."""
        return self.ml.ll_0 if self.ml is not None and self.ml.ll_0 is not None else math.nan

    @property
    def pseudo_r2(self) -> float:
        """McFadden's pseudo R² = 1 - ll / ll_0 (``e(r2_p)``); NaN for ``glm``."""
        if self.ml is None or self.ml.model in _NO_PSEUDO_R2 or not self.ll_0:
            return math.nan
        return 1.0 - self.loglik / self.ll_0

    @property
    def chi2(self) -> float:
        """The model chi-squared (LR or Wald, see ``model_test``); its df is ``f_df[0]``."""
        return self.fstat * self.f_df[0] if math.isfinite(self.fstat) else math.nan

    @property
    def chi2_pvalue(self) -> float:
        return self.f_pvalue

    @property
    def k_params(self) -> int:
        """Estimated parameters (Stata's ``df`` in ``estat ic``)."""
        return self.ml.k_params if self.ml is not None else 0

    @property
    def aic(self) -> float:
        """Akaike's criterion, -2 ll + 2k (Stata's ``estat ic``)."""
        return -2.0 * self.loglik + 2.0 * self.k_params

    @property
    def bic(self) -> float:
        """Schwarz's criterion, -2 ll + k ln N (Stata's ``estat ic``)."""
        return -2.0 * self.loglik + self.k_params * math.log(float(self.nobs))

    @property
    def deviance(self) -> float:
        return self.ml.deviance if self.ml is not None else math.nan

    @property
    def pearson(self) -> float:
        """Pearson chi-squared, sum of squared Pearson residuals."""
        return self.ml.pearson if self.ml is not None else math.nan

    @property
    def scale(self) -> float:
        """The dispersion multiplying the model-based covariance (glm's scale parameter)."""
        return self.ml.scale if self.ml is not None else math.nan

    def eform(self, level: float | None = None) -> pd.DataFrame:
        """Exponentiated coefficients as Stata shows them with ``or``, ``irr``, ``eform``:
        ``exp(b)``, standard error ``exp(b) se`` (delta method), the same z and p as the
        coefficients, and the interval ``exp`` of the coefficient's interval.

        Columns as :meth:`tidy`; the constant is included (Stata 17 shows it too).
        """
        tidy: pd.DataFrame = self.tidy(level)  # type: ignore[attr-defined]
        b = tidy["estimate"].to_numpy()
        out = tidy.copy()
        with np.errstate(over="ignore"):
            eb = np.exp(b)
            out["estimate"] = eb
            out["std_error"] = eb * tidy["std_error"].to_numpy()
            out["ci_low"] = np.exp(tidy["ci_low"].to_numpy())
            out["ci_high"] = np.exp(tidy["ci_high"].to_numpy())
        return out
