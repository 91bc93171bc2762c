"""Do-files after maximum-likelihood commands: predict, margins (with elasticities), test,
lincom with odds ratios and estat ic give the Python API's numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import vcereg
from vcereg.commands.estat_ic import information_criteria


@pytest.fixture(scope="module")
def data():
    d = vcereg.datasets.load("student-mat")
    d["pass_"] = (d["G3"] >= 10).astype(int)
    return d


def test_logit_session(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = vcereg.run_do(
            """
            logit pass_ absences studytime, vce(robust)
            predict phat
            predict dres, deviance
            margins, dydx(absences)
            test absences studytime
            lincom absences + studytime, or
            estat ic
            poisson absences studytime, irr
            margins, eyex(studytime)
            """,
            data,
        )
    r = vcereg.regress("logit pass_ absences studytime, vce(robust)", data)
    np.testing.assert_allclose(run.data["phat"], r.predict(), rtol=1e-12)
    np.testing.assert_allclose(run.data["dres"], r.predict(what="deviance"), rtol=1e-12)
    text = str(run)
    ame = r.margins(dydx="absences").loc["absences", "estimate"]
    assert f"{ame:.6f}" in text
    assert "Pr(pass_), predict()" in text  # the margin's expression, as Stata prints it
    assert "chi2(  2)" in text
    odds = r.lincom("absences + studytime", eform=True)["estimate"].iloc[0]
    assert f"{odds:.6f}" in text
    ic = information_criteria(r)
    assert ic["df"].iloc[0] == 3
    np.testing.assert_allclose(ic["AIC"].iloc[0], r.aic)
    np.testing.assert_allclose(ic["BIC"].iloc[0], -2 * r.loglik + 3 * np.log(395))


def test_estat_ic_after_regress_is_the_gaussian_likelihood(data):
    sm = pytest.importorskip("statsmodels.formula.api")
    r = vcereg.regress("G3 ~ absences + studytime", data)
    ref = sm.ols("G3 ~ absences + studytime", data).fit()
    ic = information_criteria(r)
    np.testing.assert_allclose(ic["ll"].iloc[0], ref.llf, rtol=1e-12)
    np.testing.assert_allclose(ic["AIC"].iloc[0], ref.aic, rtol=1e-12)
    np.testing.assert_allclose(ic["BIC"].iloc[0], ref.bic, rtol=1e-12)
