"""What a maximum-likelihood fit carries besides the parts every fit has.

A :class:`~vcereg.estimators.Fit` of a nonlinear model keeps its per-row scores in
``x_w`` (with ``resid_w`` = 1, so the variance registry's sandwiches see the scores as
for least squares) and the inverse observed information as ``bread``; :class:`MLInfo`
holds the rest: the likelihood, the family, the dispersion and what predictions need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .._types import FloatArray

__all__ = ["MODEL_TITLES", "MLInfo"]

#: Stata's title of each maximum-likelihood command's output.
MODEL_TITLES = {
    "logit": "Logistic regression",
    "logistic": "Logistic regression",
    "probit": "Probit regression",
    "cloglog": "Complementary log-log regression",
    "poisson": "Poisson regression",
    "glm": "Generalized linear models",
    "nbreg": "Negative binomial regression",
}


@dataclass(frozen=True, slots=True, eq=False)
class MLInfo:
    """The likelihood side of a maximum-likelihood fit.

    Attributes
    ----------
    model
        The command: ``logit``, ``logistic``, ``probit``, ``cloglog``, ``poisson``,
        ``glm`` or ``nbreg``.
    family, link
        Family and link names (``binomial``, ``logit``, ...).
    loglik, ll_0
        Log likelihood at the optimum and of the constant-only model (None when not
        computed); Stata's conventions (see :mod:`vcereg.estimators.glm_family`).
    deviance, pearson
        Deviance and Pearson chi-squared.
    scale, scale_kind
        The dispersion multiplying the model-based covariance and how it was set
        (``"1"``, ``"x2"``, ``"dev"`` or ``"#"``).
    k_params
        Estimated parameters (coefficients kept, plus ``lnalpha`` for ``nbreg``).
    df_model
        Parameters tested by the model chi-squared (slopes, not the constant).
    iterations, method
        Newton (``"newton"``) or IRLS (``"irls"``) iterations to convergence.
    y, mu, eta, offset, trials, weights
        In-sample response, fitted mean, linear predictor (with the offset), offset,
        binomial trials and prior weights, for predictions and residuals.
    oim_bread, eim_bread, design
        Inverse observed and expected information of the coefficients, and the
        IRLS-weighted regressors (see :class:`vcereg.vce.MLContext`).
    extra
        Model-specific statistics (``nbreg``: ``alpha``, ``lnalpha``, ``chibar2``,
        ``chibar2_p``, ``ll_poisson``; perfect prediction: ``n_perfect``).
    """

    model: str
    family: str
    link: str
    loglik: float
    ll_0: float | None
    deviance: float
    pearson: float
    scale: float
    scale_kind: str
    k_params: int
    df_model: int
    iterations: int
    method: str
    y: FloatArray
    mu: FloatArray
    eta: FloatArray
    offset: FloatArray | None
    trials: FloatArray | float
    weights: FloatArray | None
    oim_bread: FloatArray
    eim_bread: FloatArray | None
    design: FloatArray | None
    alpha: float | None = None
    extra: Mapping[str, float] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return MODEL_TITLES.get(self.model, "Maximum likelihood")
