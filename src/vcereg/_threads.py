"""Threads for vcereg's own loops over columns and row blocks of large data.

numpy's ``bincount`` and ``take`` and scipy's sparse products release the GIL, so
independent pieces of a big fit (one column's group sums, one block of a sparse product)
run in parallel threads, as BLAS already does. The results do not depend on the number
of threads: work is split the same way whatever it is, only scheduled differently.

The number of threads is the CPUs this process may use (at most 8), or the environment
variable ``VCEREG_NUM_THREADS`` (``1`` switches threading off).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from .errors import VceregWarning, warn

__all__ = ["MIN_PARALLEL_ROWS", "n_threads", "run_parallel"]

T = TypeVar("T")
R = TypeVar("R")

MIN_PARALLEL_ROWS = 200_000  # below this the pieces are too small to be worth a thread

_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}  # one pool per size, made on first use


def _forget_pools() -> None:
    # A forked child (multiprocessing, joblib) inherits the pool objects but not their
    # threads: work submitted there would wait forever. It makes its own pools instead.
    global _lock
    _lock = threading.Lock()
    _pools.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


def n_threads() -> int:
    """Threads vcereg uses for its own loops.

    >>> n_threads() >= 1
    True
    """
    raw = os.environ.get("VCEREG_NUM_THREADS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    if raw:
        warn(
            f"VCEREG_NUM_THREADS={raw!r} is not a positive whole number; using the CPU count",
            VceregWarning,
        )
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(8, cpus))


def _executor(size: int) -> ThreadPoolExecutor:
    with _lock:
        if size not in _pools:
            _pools[size] = ThreadPoolExecutor(size, thread_name_prefix="vcereg")
        return _pools[size]


def run_parallel(fn: Callable[[T], R], items: Iterable[T], *, rows: int) -> list[R]:
    """``[fn(item) for item in items]``, in threads when the data have at least
    ``MIN_PARALLEL_ROWS`` rows and more than one thread is allowed. Order is kept.

    >>> run_parallel(lambda j: j * j, range(4), rows=10)
    [0, 1, 4, 9]
    """
    work = list(items)
    size = n_threads()
    if size == 1 or len(work) < 2 or rows < MIN_PARALLEL_ROWS:
        return [fn(item) for item in work]
    if threading.current_thread().name.startswith("vcereg"):
        return [fn(item) for item in work]  # already inside a vcereg thread: no nesting
    return list(_executor(min(size, len(work))).map(fn, work))
