"""Larger than memory: vce(cluster g) on a Parquet data set through a Dask LocalCluster.

Writes ``--rows`` rows x ``--regressors`` regressors (float64) plus y and a cluster id g
as Parquet files of ``--chunk-rows`` rows each (never the whole set in memory), then fits
``y ~ x1 + ... + xK | vce(cluster g)`` on a LocalCluster and reports wall time, rows per
second and the peak resident memory of the client and of each worker. In the same run it
fits the first ``--subset`` rows in memory with vcereg (pandas) and reports its rows per
second, and checks that the Dask fit of that subset gives the same estimates.

    python bench/bench_dask.py --rows 3e8            # ~26 GB on disk: the full benchmark
    python bench/bench_dask.py --rows 1e6 --subset 2e5 --chunk-rows 2.5e5   # quick check

The data are written once into ``--dir`` (default: a temporary directory, removed at the
end unless ``--keep``); an existing complete data set there is reused.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import threading
import time
import warnings
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
import psutil
from distributed import Client, LocalCluster

import vcereg


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


def _warm() -> None:
    vcereg.regress("y ~ x", pd.DataFrame({"y": [1.0, 2.0, 4.0], "x": [0.0, 1.0, 3.0]}))


def _peak_rss_client() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB


def write(directory: Path, rows: int, k: int, chunk: int, clusters: int, seed: int = 0) -> None:
    """Parquet files of ``chunk`` rows; the clusters are spread over all files."""
    marker = directory / "_complete.json"
    meta = {"rows": rows, "k": k, "chunk": chunk, "clusters": clusters, "seed": seed}
    if marker.exists() and json.loads(marker.read_text()) == meta:
        return
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    beta = np.linspace(0.5, -0.5, k)
    rng = np.random.default_rng(seed)
    effects = rng.normal(size=clusters)
    for i, lo in enumerate(range(0, rows, chunk)):
        n = min(chunk, rows - lo)
        r = np.random.default_rng([seed, i])
        x = r.normal(size=(n, k))
        g = r.integers(0, clusters, n)
        y = 1.0 + x @ beta + effects[g] + r.normal(size=n)
        frame = pd.DataFrame(x, columns=[f"x{j + 1}" for j in range(k)])
        frame["g"] = g
        frame["y"] = y
        frame.to_parquet(directory / f"part-{i:05d}.parquet", index=False)
    marker.write_text(json.dumps(meta))


class WorkerMemory:
    """Polls every worker's resident memory while open; keeps the peak per worker."""

    def __init__(self, client: Client, every: float = 0.5) -> None:
        self.client, self.every = client, every
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for w, rss in self.client.run(_rss).items():
                    self.peak[w] = max(self.peak.get(w, 0), rss)
            except Exception:  # a worker restarting; keep polling
                pass
            self._stop.wait(self.every)

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=float, default=3e8)
    p.add_argument("--regressors", type=int, default=10)
    p.add_argument("--chunk-rows", type=float, default=5e6)
    p.add_argument("--clusters", type=int, default=10_000)
    p.add_argument("--subset", type=float, default=1e7, help="rows fitted in memory")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--memory-limit", default="4GiB", help="per worker")
    p.add_argument("--dir", type=Path, default=None)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    rows, chunk, subset = int(args.rows), int(args.chunk_rows), int(args.subset)
    k = args.regressors
    directory = args.dir or Path(tempfile.mkdtemp(prefix="vcereg-bench-dask-"))
    model = "y ~ " + " + ".join(f"x{j + 1}" for j in range(k)) + " | vce(cluster g)"
    warnings.simplefilter("ignore", vcereg.errors.FewClustersWarning)

    t0 = time.perf_counter()
    write(directory, rows, k, chunk, args.clusters)
    t_write = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in directory.glob("*.parquet"))
    print(
        f"data: {rows:,} rows x {k} regressors, {size / 1e9:.2f} GB Parquet in {directory} "
        f"(written in {t_write:.1f} s); "
        f"free memory {psutil.virtual_memory().available / 1e9:.1f} GB"
    )

    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=args.threads,
            processes=True,
            memory_limit=args.memory_limit,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm)  # imports on the workers are start-up, not fitting time
        lazy = vcereg.io.read(str(directory / "*.parquet"), engine="dask")
        with WorkerMemory(client) as mem:
            t0 = time.perf_counter()
            res = vcereg.regress(model, lazy)
            t_dask = time.perf_counter() - t0
        client_peak = _peak_rss_client()
        files = sorted(directory.glob("part-*.parquet"))[: -(-subset // chunk)]
        sub_dask = vcereg.regress(model, dd.read_parquet([str(f) for f in files]))
        worker_peak = {w: v / 1024**3 for w, v in mem.peak.items()}

    in_mem = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    t0 = time.perf_counter()
    sub_mem = vcereg.regress(model, in_mem)
    t_mem = time.perf_counter() - t0
    n_sub = len(in_mem)
    del in_mem
    rel_b = float(np.max(np.abs(sub_dask.params - sub_mem.params) / np.abs(sub_mem.params)))
    rel_se = float(np.max(np.abs(sub_dask.se - sub_mem.se) / sub_mem.se))

    rate_dask, rate_mem = rows / t_dask, n_sub / t_mem
    out = {
        "rows": rows,
        "regressors": k,
        "clusters": res.n_clusters.get("g"),
        "parquet_gb": size / 1e9,
        "dask_wall_s": t_dask,
        "dask_rows_per_s": rate_dask,
        "client_peak_rss_gib": client_peak,
        "worker_peak_rss_gib": worker_peak,
        "in_memory_rows": n_sub,
        "in_memory_wall_s": t_mem,
        "in_memory_rows_per_s": rate_mem,
        "subset_max_rel_diff_params": rel_b,
        "subset_max_rel_diff_se": rel_se,
    }
    print(
        f"Dask   ({args.workers} workers x {args.threads} thread): {rows:,} rows in {t_dask:.1f} s "
        f"= {rate_dask:,.0f} rows/s"
    )
    print(
        f"memory (pandas): {n_sub:,} rows in {t_mem:.2f} s = {rate_mem:,.0f} rows/s "
        f"(Dask / in-memory rows/s = {rate_dask / rate_mem:.2f})"
    )
    print(
        f"peak RSS: client {client_peak:.2f} GiB (before the in-memory fit); "
        + ", ".join(f"worker {i} {v:.2f} GiB" for i, v in enumerate(worker_peak.values()))
    )
    print(f"subset: Dask vs in-memory max relative difference params {rel_b:.1e}, se {rel_se:.1e}")
    print(json.dumps(out, indent=1))
    if args.dir is None and not args.keep:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
