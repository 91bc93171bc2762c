"""Which backend a data object belongs to, told without importing that backend."""

from __future__ import annotations

__all__ = ["is_dask_frame"]


def is_dask_frame(data: object) -> bool:
    """A Dask DataFrame (checked without importing Dask: by its type's module)."""
    return type(data).__module__.split(".")[0] == "dask" and hasattr(data, "to_delayed")
