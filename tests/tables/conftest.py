"""Fixtures for the table tests.

``FakeResult`` is a frozen dataclass satisfying :class:`vcereg.tables.ResultLike`, filled
with numbers computed here by statsmodels 0.14+ on the bundled UCI student data
(``student-mat.csv``, 395 rows), so the unit tests do not depend on ``vcereg.regress``:

* ``ols``:     ``smf.ols("G3 ~ absences", d).fit()``
* ``robust``:  ``smf.ols("G3 ~ absences + age", d).fit(cov_type="HC1", use_t=True)``
* ``cluster``: ``smf.ols("G3 ~ absences + age + C(school)", d).fit(cov_type="cluster",
  cov_kwds={"groups": school codes}, use_t=True)`` (CRV1 with Stata's small-sample factor
  and t(G - 1), G = 2).

The golden-file tests use the real ``vcereg.regress`` instead (see ``test_golden.py``).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from .paper_data import table2_models, wage_panel

DATA = Path(__file__).resolve().parents[2] / "src" / "vcereg" / "datasets" / "student-mat.csv"


@dataclass(frozen=True)
class FakeResult:
    """Just the attributes the tables read (see ``vcereg.tables.ResultLike``)."""

    depvar: str
    terms: tuple[str, ...]
    params: pd.Series
    se: pd.Series
    tstat: pd.Series
    pvalue: pd.Series
    nobs: int
    df_resid: float
    df_model: float
    df_inference: float | None
    rsquared: float
    rsquared_adj: float
    rmse: float
    ess: float
    rss: float
    tss: float
    fstat: float
    f_pvalue: float
    f_df: tuple[float, float | None]
    vce_name: str
    vce_label: str
    display_names: Mapping[str, str] = field(default_factory=dict)
    omitted: tuple[str, ...] = ()
    n_clusters: Mapping[str, int] = field(default_factory=dict)
    rsquared_within: float | None = None
    fixed_effects: tuple[str, ...] = ()
    n_dropped: int = 0
    level: float = 95.0
    notes: tuple[str, ...] = ()
    model_label: str = "Linear regression"
    ssc_name: str = "stata"

    def conf_int(self, level: float = 95.0) -> pd.DataFrame:
        alpha = 1 - level / 100
        if self.df_inference is None:
            q = stats.norm.ppf(1 - alpha / 2)
        else:
            q = stats.t.ppf(1 - alpha / 2, self.df_inference)
        return pd.DataFrame(
            {"lower": self.params - q * self.se, "upper": self.params + q * self.se},
            index=list(self.terms),
        )


def _from_statsmodels(fit, *, vce_name: str, vce_label: str, df_inference: float, **extra):
    terms = tuple(fit.model.exog_names)
    return FakeResult(
        depvar=fit.model.endog_names,
        terms=terms,
        params=pd.Series(fit.params.to_numpy(), index=list(terms)),
        se=pd.Series(fit.bse.to_numpy(), index=list(terms)),
        tstat=pd.Series(fit.tvalues.to_numpy(), index=list(terms)),
        pvalue=pd.Series(fit.pvalues.to_numpy(), index=list(terms)),
        nobs=int(fit.nobs),
        df_resid=float(fit.df_resid),
        df_model=float(fit.df_model),
        df_inference=df_inference,
        rsquared=float(fit.rsquared),
        rsquared_adj=float(fit.rsquared_adj),
        rmse=float(np.sqrt(fit.ssr / fit.df_resid)),
        ess=float(fit.ess),
        rss=float(fit.ssr),
        tss=float(fit.centered_tss),
        fstat=float(np.squeeze(fit.fvalue)),
        f_pvalue=float(np.squeeze(fit.f_pvalue)),
        f_df=(float(fit.df_model), df_inference),
        vce_name=vce_name,
        vce_label=vce_label,
        display_names={"Intercept": "_cons"},
        **extra,
    )


@pytest.fixture(scope="session")
def student_data() -> pd.DataFrame:
    return pd.read_csv(DATA, sep=";")


@pytest.fixture(scope="session")
def fake_ols(student_data: pd.DataFrame) -> FakeResult:
    fit = smf.ols("G3 ~ absences", student_data).fit()
    return _from_statsmodels(fit, vce_name="ols", vce_label="OLS", df_inference=fit.df_resid)


@pytest.fixture(scope="session")
def fake_robust(student_data: pd.DataFrame) -> FakeResult:
    fit = smf.ols("G3 ~ absences + age", student_data).fit(cov_type="HC1", use_t=True)
    return _from_statsmodels(
        fit, vce_name="robust", vce_label="Robust (HC1)", df_inference=fit.df_resid
    )


@pytest.fixture(scope="session")
def fake_cluster(student_data: pd.DataFrame) -> FakeResult:
    groups = pd.factorize(student_data["school"])[0]
    with warnings.catch_warnings():  # statsmodels: the F test's covariance has rank 1
        warnings.simplefilter("ignore")
        fit = smf.ols("G3 ~ absences + age + C(school)", student_data).fit(
            cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
        )
        return _from_statsmodels(
            fit,
            vce_name="cluster",
            vce_label="Clustered (school)",
            df_inference=1.0,
            n_clusters={"school": 2},
            notes=("2 clusters is too few for reliable cluster-robust inference",),
        )


@pytest.fixture(scope="session")
def fake_models(fake_ols, fake_robust, fake_cluster) -> list[FakeResult]:
    return [fake_ols, fake_robust, fake_cluster]


def with_omitted(result: FakeResult, term: str) -> FakeResult:
    """``result`` plus a collinear ``term`` that was dropped (0 coefficient, NaN SE)."""

    def extend(series: pd.Series, value: float) -> pd.Series:
        return pd.concat([series, pd.Series([value], index=[term])])

    return dataclasses.replace(
        result,
        terms=(*result.terms, term),
        params=extend(result.params, 0.0),
        se=extend(result.se, np.nan),
        tstat=extend(result.tstat, np.nan),
        pvalue=extend(result.pvalue, np.nan),
        omitted=(*result.omitted, term),
        notes=(*result.notes, f"{term} omitted because of collinearity"),
    )


@pytest.fixture(scope="session")
def wage_data() -> pd.DataFrame:
    """The simulated 50,000-row wage panel of the paper example (tests/tables/paper_data.py)."""
    return wage_panel()


@pytest.fixture(scope="session")
def paper_models(wage_data: pd.DataFrame) -> list:
    """Table 2's six models: OLS, firm FE, firm + year FE, clustered, IV, few clusters."""
    return table2_models(wage_data)
