"""Regression on Dask DataFrames: the same Results as in memory, in passes over partitions.

Install with ``pip install vcereg[dask]``. Dask itself is imported only when a Dask frame
is fitted or read, so ``import vcereg`` stays fast. See ``docs/scale.md``.
"""

from __future__ import annotations

from .fit import SUPPORTED_VCE, fit_dask, is_dask_frame
from .predict import predict
from .session import read_parquet, scheduler

__all__ = ["SUPPORTED_VCE", "fit_dask", "is_dask_frame", "predict", "read_parquet", "scheduler"]
