"""Fixed-effect codes: validation, and sparse matrices grouped by them (shared by the
demeaning and the degrees of freedom)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix

from .._types import FloatArray, IntArray
from ..errors import DataError

try:  # scipy's O(N) grouping by row: the first half of its COO -> CSR conversion
    from scipy.sparse._sparsetools import coo_tocsr as _coo_tocsr
except ImportError:  # pragma: no cover - then the public route, which also sorts
    _coo_tocsr = None

__all__ = ["check_codes", "grouped_csr"]


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


def grouped_csr(
    rows: IntArray, cols: IntArray, data: FloatArray, shape: tuple[int, int]
) -> csr_matrix:
    """The sparse matrix with entries ``data`` at ``(rows, cols)``, grouped by row in one
    O(N) counting pass, duplicates kept: sparse products and graph searches do not need
    them summed, and scipy's public conversion sorts every row to sum them.

    >>> m = grouped_csr(np.array([1, 0, 1]), np.array([2, 0, 2]), np.ones(3), (2, 3))
    >>> m.toarray().tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]]
    """
    n_rows, n_cols = shape
    nnz = rows.size
    idx = np.int32 if max(nnz, n_rows, n_cols) < np.iinfo(np.int32).max else np.int64
    values = np.asarray(data, dtype=np.float64)
    if _coo_tocsr is not None:
        indptr = np.empty(n_rows + 1, dtype=idx)
        indices = np.empty(nnz, dtype=idx)
        out = np.empty(nnz)
        try:
            _coo_tocsr(
                n_rows, n_cols, nnz, rows.astype(idx), cols.astype(idx), values, indptr,
                indices, out,
            )  # fmt: skip
        except (TypeError, ValueError):  # pragma: no cover - its signature changed
            pass
        else:
            return csr_matrix((out, indices, indptr), shape=shape, copy=False)
    return csr_matrix((values, (rows, cols)), shape=shape)
