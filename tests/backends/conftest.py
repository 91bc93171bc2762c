"""A distributed.LocalCluster inside the test process: 2 worker processes, small memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="package")
def dask_client() -> Iterator[Any]:
    """Every Dask computation of these tests runs on this cluster while it is open; it is
    closed after them (its worker processes would otherwise idle through the session)."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit="600MiB",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture()
def sync_scheduler() -> Iterator[None]:
    """Dask's single-threaded scheduler, for checks about numbers, not about workers."""
    import dask

    with dask.config.set(scheduler="sync"):
        yield
