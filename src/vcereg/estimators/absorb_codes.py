"""Validation of fixed-effect codes, shared by the demeaning and the degrees of freedom."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._types import IntArray
from ..errors import DataError

__all__ = ["check_codes"]


def check_codes(codes: Sequence[IntArray], n: int | None = None) -> list[IntArray]:
    out: list[IntArray] = []
    for k, c in enumerate(codes):
        arr = np.asarray(c)
        n = arr.shape[0] if n is None and arr.ndim == 1 else n
        if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer) or arr.shape[0] != n:
            raise DataError(
                f"fixed-effect codes #{k}: expected a 1-D integer array with {n} rows "
                f"(got dtype {arr.dtype}, shape {arr.shape})"
            )
        if arr.size and arr.min() < 0:
            raise DataError(f"fixed-effect codes #{k} must be >= 0 (missing values removed)")
        out.append(arr.astype(np.int64, copy=False))
    return out
