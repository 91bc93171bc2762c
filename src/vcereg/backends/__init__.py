"""Where the data lives, when it is not a pandas frame in memory.

:mod:`vcereg.backends.dask` fits on Dask DataFrames (larger than memory, or spread over a
cluster) from sufficient statistics computed partition by partition. It is imported only
when a Dask frame is passed (:func:`vcereg.backends.detect.is_dask_frame` recognises one
without importing Dask).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import attach

if TYPE_CHECKING:
    from . import dask, detect

__getattr__, __dir__ = attach(
    __name__, {"dask": "vcereg.backends.dask", "detect": "vcereg.backends.detect"}
)

__all__ = ["dask", "detect"]
