"""Opening data lazily with Dask, and connecting to a Dask scheduler.

>>> from vcereg.backends.dask import scheduler
>>> with scheduler(None) as client:  # None: Dask's local default scheduler
...     client is None
True
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ...errors import DataError

__all__ = ["read_parquet", "require_dask", "scheduler"]

_INSTALL = "pip install 'vcereg[dask]'"


def require_dask(what: str = "Dask DataFrames") -> None:
    """A clear error when the optional extra is not installed."""
    try:
        import dask.dataframe  # noqa: F401
    except ImportError:
        raise DataError(f"{what} need Dask, which is not installed", hint=_INSTALL) from None


def read_parquet(path: str | os.PathLike[str], *, columns: Sequence[str] | None = None) -> Any:
    """Open Parquet files lazily as a Dask DataFrame (nothing is read yet).

    Parameters
    ----------
    path
        A file, a directory of Parquet files, or a glob such as ``"data/*.parquet"``;
        also remote URLs that fsspec understands (``s3://...``) when its driver is installed.
    columns
        Read only these columns (fewer bytes per pass).
    """
    require_dask("reading with engine='dask'")
    import dask.dataframe as dd

    text = os.fspath(path)
    local = "://" not in text
    if local and not glob.glob(text):
        raise DataError(f"no file matches {text!r}", hint="check the path or the glob pattern")
    try:
        return dd.read_parquet(text, columns=list(columns) if columns is not None else None)
    except (ValueError, OSError, TypeError) as exc:
        raise DataError(f"cannot read {text!r} as Parquet with Dask: {exc}") from exc


@contextmanager
def scheduler(address: str | None) -> Iterator[Any]:
    """Run Dask work on the scheduler at ``address`` (``"tcp://host:8786"``) while open.

    With None, Dask's default (local threads, or a Client the caller already made).
    """
    if address is None:
        yield None
        return
    require_dask("--scheduler")
    from distributed import Client

    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise DataError(
            f"cannot connect to the Dask scheduler at {address!r}: {exc}",
            hint="start one with `dask scheduler` and workers with `dask worker ADDRESS`",
        ) from None
    with client:
        yield client
