"""The frozen regression result.

A result never changes: :meth:`Results.with_vce` returns a new one with another
covariance, computed from the stored fit without re-estimating.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from ..design import Design
from ..design.sample import RowAccounting
from ..errors import NotSupportedError
from ..estimators import Fit, IVInfo
from ..estimators.mlinfo import MLInfo
from ..estimators.panel import PanelStats
from ..postestimation.boottest import BootTest, boottest
from ..postestimation.fixef import fixef
from ..postestimation.margins import margins
from ..postestimation.ml_margins import ml_margins
from ..postestimation.ml_predict import ml_predict
from ..postestimation.predict import predict
from ..spec import ModelSpec
from ..vce import VceInference
from .base import ResultsBase
from .linear import LinearStats
from .mlstats import MLStats

__all__ = ["Results"]


@dataclass(frozen=True, eq=False, repr=False)
class Results(ResultsBase, LinearStats, MLStats):
    """Estimates, their covariance and fit statistics of one regression.

    Attributes
    ----------
    params, cov
        Coefficients (Series) and covariance (DataFrame) over all terms; omitted
        (collinear) terms have coefficient 0 and zero variance, as in Stata's ``e(V)``.
    se, tstat, pvalue
        NaN for omitted terms.
    nobs, df_resid, df_inference
        Observations (sum of frequency weights), residual df, and the t degrees of
        freedom used for inference (None means the normal distribution).
    n_clusters
        Cluster variable to number of clusters.
    rsquared, rsquared_adj, rmse
        Stata's R-squared, adjusted R-squared and Root MSE = sqrt(RSS / df_resid).
    fstat, f_pvalue, f_df
        Wald F test that all coefficients but the intercept are zero, with the chosen vce
        (``f_df[1]`` None: the chi-squared form, ``fstat`` = chi2 / df).
    model_test
        ``"F"``, ``"Wald"`` (chi-squared) or ``"LR"`` (likelihood ratio, maximum likelihood
        with a model-based variance).
    ml
        Maximum-likelihood fits (``logit``, ``poisson``, ``glm``...): the likelihood and
        family (:class:`~vcereg.estimators.mlinfo.MLInfo`); ``loglik``, ``pseudo_r2``,
        ``chi2``, ``aic``, ``bic``, ``deviance``, ``eform()`` read it. None for least squares.

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> r = vcereg.regress("G3 ~ absences", d)
    >>> round(float(r.params["absences"]), 4), round(float(r.pvalue["absences"]), 3)
    (0.0196, 0.497)
    """

    spec: ModelSpec
    depvar: str
    terms: tuple[str, ...]
    params: pd.Series
    cov: pd.DataFrame
    omitted: tuple[str, ...]
    nobs: int | float
    df_resid: float
    df_model: float
    df_inference: float | None
    n_clusters: Mapping[str, int]
    rsquared: float
    rsquared_adj: float
    rmse: float
    rss: float
    tss: float
    fstat: float
    f_pvalue: float
    f_df: tuple[float, float | None]
    vce_name: str
    vce_label: str
    rows: RowAccounting
    _notes: tuple[str, ...]  # computed at fit time; see the notes property
    display_names: Mapping[str, str] = field(default_factory=dict)
    fixed_effects: tuple[str, ...] = ()
    rsquared_within: float | None = None
    model_label: str = "Linear regression"
    level: float = 95.0
    instrumented: tuple[str, ...] = ()  # IV: endogenous regressors (display names)
    instruments: tuple[str, ...] = ()  # IV: exogenous regressors and excluded instruments
    # Per-coefficient t degrees of freedom (e.g. Bell-McCaffrey); None: df_inference for all
    df_terms: pd.Series | None = None
    panel: PanelStats | None = None  # xtreg: sigma_u, sigma_e, rho, R-squared within/between...
    _estimator_notes: tuple[str, ...] = field(default=(), repr=False)
    # notes whose diagnostics cost a pass over the data (G*): computed when first read
    _notes_later: Callable[[], tuple[str, ...]] | None = field(default=None, repr=False)
    _notes_at: int = field(default=-1, repr=False)  # where they go in the notes (-1: last)
    _fit: Fit | None = field(default=None, repr=False)
    _design: Design | None = field(default=None, repr=False)
    _data: pd.DataFrame | None = field(default=None, repr=False)
    # With absorbed effects the degrees of freedom depend on the cluster variables
    # (effects nested in a cluster are not counted), so with_vce refits through this.
    _refit: Callable[[ModelSpec], Results] | None = field(default=None, repr=False)
    _iv: IVInfo | None = field(default=None, repr=False)
    # p-values and intervals from the variance estimator itself (the wild bootstrap)
    _inference: VceInference | None = field(default=None, repr=False)
    model_test: str = "F"
    ml: MLInfo | None = None
    # G* per kept coefficient, or how to compute it: (cluster variable, values or callable)
    _g_star: tuple[str, Any] | None = field(default=None, repr=False)
    # t df of linear combinations (Bell-McCaffrey), see VceResult.df_contrast
    _df_contrast: Callable[[Any], Any] | None = field(default=None, repr=False)

    # --- after the fit (see vcereg.postestimation) ------------------------------------
    def predict(
        self,
        data: pd.DataFrame | None = None,
        *,
        what: str | None = None,
        unseen: Literal["error", "missing"] = "error",
    ) -> pd.Series:
        """Stata's ``predict``: ``what`` is ``"xb"`` (the default), ``"residuals"``,
        ``"stdp"``, after regress ``"stdf"``, ``"pr(a,b)"``, ``"e(a,b)"``, ``"ystar(a,b)"``,
        and with absorbed effects ``"xbd"`` or ``"d"``. Without ``data``, on the estimation
        sample aligned to the fitted data's index (NaN elsewhere); a categorical level the
        fit has not seen is an error, or NaN with ``unseen="missing"``. See
        :mod:`vcereg.postestimation.predict`. After a maximum-likelihood fit the default is
        the command's (``pr``, ``n``, ``mu``) and the residuals are glm's (``pearson``,
        ``deviance``, ``anscombe``...): :mod:`vcereg.postestimation.ml_predict`.
        """
        if self.ml is not None:
            return ml_predict(self, data, what=what, unseen=unseen)
        return predict(self, data, what=what or "xb", unseen=unseen)

    def fixef(self) -> dict[str, pd.Series]:
        """The absorbed fixed effects, one Series per absorbed variable (normalisation:
        :mod:`vcereg.postestimation.fixef`)."""
        return fixef(self)

    def margins(
        self,
        dydx: str | list[str] | None = None,
        *,
        at: Mapping[str, object] | None = None,
        over: str | None = None,
        atmeans: bool = False,
        level: float | None = None,
        eyex: str | list[str] | None = None,
        dyex: str | list[str] | None = None,
        eydx: str | list[str] | None = None,
    ) -> pd.DataFrame:
        """Stata's ``margins``: average marginal effects (``dydx``) or predictive margins,
        with delta-method standard errors; columns as :meth:`tidy`. After a
        maximum-likelihood fit the margins are of the predicted probability, count or mean,
        and the elasticities ``eyex``, ``dyex``, ``eydx`` are available
        (:mod:`vcereg.postestimation.ml_margins`)."""
        if self.ml is not None:
            return ml_margins(
                self, dydx, at=at, over=over, atmeans=atmeans, level=level,
                eyex=eyex, dyex=dyex, eydx=eydx,
            )  # fmt: skip
        if eyex or dyex or eydx:
            raise NotSupportedError(
                "elasticities after a linear model: use margins(dydx=...) and scale it"
            )
        return margins(self, dydx, at=at, over=over, atmeans=atmeans, level=level)

    def boottest(
        self,
        hypothesis: str,
        *,
        cluster: str | None = None,
        reps: int = 9999,
        weights: str = "rademacher",
        seed: int | None = None,
        null: bool = True,
        level: float | None = None,
    ) -> BootTest:
        """Wild cluster bootstrap test of one linear restriction, e.g. ``"x1 = x2"``
        (Stata's ``boottest``); see :func:`vcereg.postestimation.boottest.boottest`.

        >>> import vcereg
        >>> d = vcereg.datasets.load("student-mat")
        >>> bt = vcereg.regress("G3 ~ absences | vce(cluster school)", d).boottest("absences")
        >>> bt.reps, bt.enumerated
        (4, True)
        """
        if self.ml is not None:
            raise NotSupportedError(
                "boottest resamples least-squares residuals; it is not defined after "
                f"{self.ml.model}: use the cluster-robust Wald test, r.test(...)"
            )
        return boottest(
            self,
            hypothesis,
            cluster=cluster,
            reps=reps,
            weights=weights,
            seed=seed,
            null=null,
            level=level,
        )
