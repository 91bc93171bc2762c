"""A simulated wage panel and the six models of a paper's Table 2 (as in
``examples/paper_table.py``), for the tests that render what a paper writer sees.

5,000 workers x 10 years = 50,000 rows; 500 firms in 20 regions; 40% of the firms start
a training programme in 2015 (``treated``: the firm runs it that year); training hours are
endogenous (ability raises both training and wages) and instrumented by the distance to
the training centre.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import vcereg

LABELS = {
    "lnwage": r"Log wage",
    "educ": "Education (years)",
    "exper": "Experience",
    "I(exper ** 2 / 100)": "Experience² / 100",
    "female": "Female",
    "union": "Union member",
    "treated": "Training programme",
    "training": "Training hours",
    "firm": "Firm",
    "year": "Year",
    "region": "Region",
}


def wage_panel(workers: int = 5_000, years: int = 10, seed: int = 2024) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    firm_of = rng.integers(0, 500, workers)
    region_of_firm = rng.integers(0, 20, 500)
    treated_firm = rng.random(500) < 0.4
    firm_effect = rng.normal(0, 0.25, 500)
    ability = rng.normal(0, 1, workers)
    educ = rng.integers(8, 21, workers)
    female = rng.random(workers) < 0.48
    start = rng.integers(0, 25, workers)
    distance = rng.gamma(2.0, 10.0, workers)
    industry = rng.choice(
        ["Manufacturing", "Retail", "Services", "Finance", "Public"],
        workers,
        p=[0.3, 0.2, 0.25, 0.1, 0.15],
    )
    hired = pd.Timestamp("2000-01-01") + pd.to_timedelta(rng.integers(0, 3650, workers), "D")
    w = np.repeat(np.arange(workers), years)
    year = np.tile(np.arange(2010, 2010 + years), workers)
    f = firm_of[w]
    exper = start[w] + (year - 2010)
    training = np.clip(20 + 8 * ability[w] - 0.4 * distance[w] + rng.normal(0, 6, len(w)), 0, None)
    union = rng.random(len(w)) < 0.2
    treated = treated_firm[f] & (year >= 2015)
    lnwage = (
        1.2
        + 0.08 * educ[w]
        + 0.035 * exper
        - 0.06 * exper**2 / 100
        - 0.12 * female[w]
        + 0.05 * union
        + 0.04 * treated
        + 0.004 * training
        + 0.15 * ability[w]
        + firm_effect[f]
        + 0.02 * (year - 2010)
        + rng.normal(0, 0.3, len(w))
    )
    return pd.DataFrame(
        {
            "lnwage": lnwage,
            "educ": educ[w].astype("int8"),
            "exper": exper.astype("int16"),
            "female": female[w].astype(int),
            "union": union.astype(int),
            "treated": treated.astype(int),
            "programme": treated_firm[f].astype(int),
            "training": training,
            "distance": distance[w],
            "industry": pd.Categorical(industry[w]),
            "hired": hired[w],
            "worker": w,
            "firm": f,
            "region": region_of_firm[f],
            "year": year,
        }
    )


X = "educ + exper + I(exper ** 2 / 100) + female + union"
MODELS = (
    f"lnwage ~ {X} + treated",
    f"lnwage ~ {X} + treated | fe(firm)",
    f"lnwage ~ {X} + treated | fe(firm year)",
    f"lnwage ~ {X} + treated | fe(firm year) | vce(cluster firm)",
    f"lnwage ~ {X} | iv(training ~ distance) | fe(firm year) | vce(cluster firm)",
    f"lnwage ~ {X} + treated | fe(year) | vce(cluster region)",
)


def table2_models(data: pd.DataFrame) -> list[vcereg.Results]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.VceregWarning)
        return [vcereg.regress(m, data) for m in MODELS]


def table2(models: list[vcereg.Results], **options: object) -> vcereg.ETable:
    """Table 2 as a paper would set it."""
    base: dict[str, object] = {
        "labels": LABELS,
        "groups": {"OLS": 4, "IV": [5], "Few clusters": [6]},
        "stats": [
            "nobs",
            ("r2", "R²", 2),
            "ymean",
            ("n_clusters", "Clusters"),
            "fe",
            ("first_f", "First-stage F", 1),
        ],
        "caption": "Wages and the training programme",
        "label": "tab:wages",
    }
    return vcereg.etable(models, **{**base, **options})  # type: ignore[arg-type]
