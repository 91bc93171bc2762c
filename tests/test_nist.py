"""NIST StRD linear regression suite: certified coefficients and standard deviations.

Accuracy is scored as LRE = -log10(|est - cert| / |cert|) (absolute error where the
certified value is 0), capped at 15. Requirement: on every data set, at least as many
correct digits as the better of numpy.linalg.lstsq and statsmodels OLS, never fewer than
6, and at least 7 on Filip (where numpy's and statsmodels' defaults get about 0).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import vcereg
from tests.conftest import DATA

CERT = {
    k: v
    for k, v in json.loads((DATA / "nist" / "certified.json").read_text()).items()
    if not k.startswith("_")
}


def lre(est: np.ndarray, cert: np.ndarray) -> float:
    est, cert = np.asarray(est, float), np.asarray(cert, float)
    err = np.where(
        cert != 0, np.abs(est - cert) / np.where(cert != 0, np.abs(cert), 1), np.abs(est - cert)
    )
    with np.errstate(divide="ignore"):
        return float(np.min(np.minimum(15, -np.log10(np.maximum(err, 1e-300)))))


def _model(name: str) -> tuple[str, pd.DataFrame, np.ndarray, np.ndarray]:
    c = CERT[name]
    d = pd.read_csv(DATA / "nist" / f"{name}.csv")
    if name == "Longley":
        cols = [f"x{i}" for i in range(1, 7)]
    else:
        deg = c["polynomial_degree"] or 1
        cols = []
        for p in range(1, deg + 1):
            d[f"x{p}"] = d["x"] ** p if p > 1 else d["x"]
            cols.append(f"x{p}")
    formula = "y ~ " + " + ".join(cols) + ("" if c["intercept"] else " - 1")
    x = d[cols].to_numpy(float)
    if c["intercept"]:
        x = np.column_stack([np.ones(len(d)), x])
    return formula, d, x, d["y"].to_numpy(float)


@pytest.mark.parametrize("name", sorted(CERT))
def test_nist_certified_values(name):
    c = CERT[name]
    formula, d, x, y = _model(name)
    r = vcereg.regress(formula, d)
    assert not r.omitted, "certified problems are full rank"
    ours_b = lre(r.params.to_numpy(), c["coefficients"])
    ours_se = lre(r.se.to_numpy(), c["coefficient_std_devs"])
    np_b = lre(np.linalg.lstsq(x, y, rcond=None)[0], c["coefficients"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.OLS(y, x).fit()
    sm_b = lre(ref.params, c["coefficients"])
    sm_se = lre(ref.bse, c["coefficient_std_devs"])
    floor = 7.0 if name == "Filip" else 6.0
    assert ours_b >= max(floor, np_b, sm_b), (name, ours_b, np_b, sm_b)
    assert ours_se >= max(floor, sm_se), (name, ours_se, sm_se)
    assert lre(np.array([r.rmse]), np.array([c["residual_std_dev"]])) >= floor
    assert lre(np.array([r.rsquared]), np.array([c["r_squared"]])) >= floor
