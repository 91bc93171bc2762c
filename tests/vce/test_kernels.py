"""The numpy kernels against brute force, on both of group_gram's paths and with threads
on and off (the results must not depend on the number of threads)."""

from __future__ import annotations

import numpy as np
import pytest

from vcereg import _threads
from vcereg.errors import VceregWarning as vcereg_warning
from vcereg.vce.kernels import cluster_scores, group_gram


def _brute_gram(x: np.ndarray, codes: np.ndarray, g: int) -> np.ndarray:
    return np.stack([x[codes == h].T @ x[codes == h] for h in range(g)])


@pytest.mark.parametrize(
    ("n", "g"),
    [(2_000, 3), (2_000, 40), (2_000, 600), (300_000, 7), (300_000, 20_000)],
    ids=["3 big", "40 groups", "600 small", "big data few", "big data many"],
)
@pytest.mark.parametrize("threads", ["1", "2"])
def test_group_gram_and_scores_match_brute_force(n, g, threads, monkeypatch):
    monkeypatch.setenv("VCEREG_NUM_THREADS", threads)
    rng = np.random.default_rng(n + g)
    x = rng.normal(size=(n, 4)) * np.array([1e-6, 1.0, 1e3, 1e9])  # scales users have
    u = rng.normal(size=n)
    codes = rng.integers(0, g, n)
    codes[-1] = g + 2  # groups g..g+1 are absent: their rows must be zero
    gram = group_gram(x, codes, g + 3)
    scores = cluster_scores(x, u, codes, g + 3)
    if n * g <= 2e7:  # brute force only where it is cheap
        ref = _brute_gram(x, codes, g + 3)
        # relative to each entry's scale sqrt(G_ii G_jj): summation order differs
        d = np.sqrt(np.einsum("gii->gi", ref))
        d[d == 0] = 1.0  # absent groups: compared exactly below
        rel = np.abs(gram - ref) / (d[:, :, None] * d[:, None, :])
        assert rel.max() < 1e-12
    np.testing.assert_array_equal(gram[g : g + 2], 0.0)
    ref_s = np.stack([(x[codes == h] * u[codes == h, None]).sum(0) for h in range(min(g, 50))])
    np.testing.assert_allclose(scores[: min(g, 50)], ref_s, rtol=1e-10, atol=0)


def test_thread_count_follows_the_environment(monkeypatch):
    monkeypatch.setenv("VCEREG_NUM_THREADS", "3")
    assert _threads.n_threads() == 3
    monkeypatch.setenv("VCEREG_NUM_THREADS", "zero")
    with pytest.warns(vcereg_warning, match="VCEREG_NUM_THREADS='zero'"):
        assert _threads.n_threads() >= 1  # unreadable: falls back to the CPU count
    out = _threads.run_parallel(lambda j: j * 2, range(5), rows=10**6)
    assert out == [0, 2, 4, 6, 8]


def test_effective_clusters_are_computed_when_the_notes_are_read(monkeypatch):
    # G* costs a pass over the data: a fit whose notes nobody reads does not pay for it
    import pandas as pd

    import vcereg
    import vcereg.vce.cluster as cluster

    calls: list[int] = []
    original = cluster.effective_clusters

    def counted(*args):
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(cluster, "effective_clusters", counted)
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"y": rng.normal(size=200), "x": rng.normal(size=200)})
    df["g"] = np.arange(200) % 20
    r = vcereg.regress("y ~ x | vce(cluster g)", df)
    assert calls == []
    assert any(n.startswith("effective number of clusters G*") for n in r.notes)
    assert calls == [1]
    assert r.notes == r.notes and calls == [1]  # computed once


def test_threads_work_in_a_forked_child(monkeypatch):
    # multiprocessing with fork after a threaded fit: the child must not wait on the
    # parent's pool threads, which do not exist in it
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():
        pytest.skip("no fork on this platform")
    monkeypatch.setenv("VCEREG_NUM_THREADS", "2")
    assert _threads.run_parallel(lambda j: j + 1, range(4), rows=10**6) == [1, 2, 3, 4]
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as pool:
        out = pool.apply_async(_child_run_parallel).get(timeout=60)
    assert out == [1, 2, 3, 4]


def _child_run_parallel() -> list[int]:
    return _threads.run_parallel(lambda j: j + 1, range(4), rows=10**6)


def test_blocked_cluster_scores_do_not_depend_on_threads(monkeypatch):
    # big data: row blocks, chunks of blocks in threads, summed in chunk order
    rng = np.random.default_rng(3)
    n, g = 700_000, 5_000
    x, u, codes = rng.normal(size=(n, 3)), rng.normal(size=n), rng.integers(0, g, n)
    out = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("VCEREG_NUM_THREADS", threads)
        out[threads] = cluster_scores(x, u, codes, g)
    np.testing.assert_array_equal(out["1"], out["2"])
    ref = np.stack([np.bincount(codes, weights=x[:, j] * u, minlength=g) for j in range(3)], 1)
    np.testing.assert_allclose(out["1"], ref, rtol=1e-11, atol=1e-12 * np.abs(ref).max())
