"""Shared fixtures: the reference data sets (copies in tests/data, see its README)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
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


@pytest.fixture(scope="session", autouse=True)
def _subprocess_bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Subprocesses (the console script, documentation examples) share one bytecode cache
    outside the repository: with PYTHONDONTWRITEBYTECODE each would compile the package
    again. Only the child processes see this; the test process itself is unchanged."""
    saved = {k: os.environ.get(k) for k in ("PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE")}
    os.environ["PYTHONPYCACHEPREFIX"] = str(tmp_path_factory.mktemp("pycache"))
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(autouse=True)
def _quiet_few_clusters():
    """Few-cluster warnings are asserted in their own tests; elsewhere they are noise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.FewClustersWarning)
        yield
