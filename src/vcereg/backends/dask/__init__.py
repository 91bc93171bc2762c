"""Regression on Dask DataFrames: the same Results as in memory, in passes over partitions.

Install with ``pip install vcereg[dask]``. Dask itself is imported only when a Dask frame
is fitted or read, so ``import vcereg`` stays fast. See ``docs/scale.md``.
"""

from __future__ import annotations

from .fit import SUPPORTED_VCE, fit_dask, is_dask_frame
from .ml import SUPPORTED_ML_VCE, fit_dask_ml
from .predict import predict
from .session import read_parquet, scheduler

__all__ = [
    "SUPPORTED_ML_VCE",
    "SUPPORTED_VCE",
    "fit_dask",
    "fit_dask_ml",
    "is_dask_frame",
    "predict",
    "read_parquet",
    "scheduler",
]
