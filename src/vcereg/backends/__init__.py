"""Where the data lives, when it is not a pandas frame in memory.

:mod:`vcereg.backends.dask` fits on Dask DataFrames (larger than memory, or spread over a
cluster) from sufficient statistics computed partition by partition.
"""

from __future__ import annotations

from . import dask

__all__ = ["dask"]
