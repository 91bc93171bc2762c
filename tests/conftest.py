"""Shared fixtures: the reference data sets (copies in tests/data, see its README)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import vcereg

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def student() -> pd.DataFrame:
    return vcereg.datasets.load("student-mat")


@pytest.fixture(scope="session")
def petersen() -> pd.DataFrame:
    return pd.read_csv(DATA / "petersen.csv")


@pytest.fixture(scope="session")
def grunfeld() -> pd.DataFrame:
    return pd.read_csv(DATA / "grunfeld.csv")


@pytest.fixture(scope="session")
def mtcars() -> pd.DataFrame:
    return pd.read_csv(DATA / "mtcars.csv")


@pytest.fixture(autouse=True)
def _quiet_few_clusters():
    """Few-cluster warnings are asserted in their own tests; elsewhere they are noise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.FewClustersWarning)
        yield
