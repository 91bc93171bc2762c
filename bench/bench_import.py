"""How long ``import vcereg`` takes, and what a first regression then costs.

One command: ``python bench/bench_import.py`` (``--repeat 9 --top 15`` by default).

Each case runs in fresh interpreters, the cases alternating, ``--repeat`` times; the
median is reported. A case's time is measured inside the child around its statements
(``time.perf_counter``), so interpreter start-up is shown separately:

- ``python -c pass``: the interpreter alone (process wall time);
- ``import pandas``: numpy + pandas, the floor of anything that touches a DataFrame;
- ``import vcereg``: the target is at most 0.5 s;
- ``import vcereg`` + the first fit: ``regress("G3 ~ absences | vce(cluster school)")`` on
  the bundled data and its printed summary (what a script pays before its first result);
- ``vcereg --version``: the command line's start.

Bytecode: with ``PYTHONDONTWRITEBYTECODE`` set (as on the project's machine) nothing of
``src/`` is cached, and every process compiles the modules it imports; an installed
package has its bytecode compiled at install time. Both are measured: ``as run`` (the
environment as it is) and ``cached`` (a warmed ``PYTHONPYCACHEPREFIX``).

Then ``python -X importtime`` of ``import vcereg`` and of the first fit (cached
bytecode): the top items by self time, and the time by top-level package.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter

TARGET = 0.5  # seconds, issue 23

FIT = (
    "import warnings; warnings.simplefilter('ignore'); "
    "d = vcereg.datasets.load('student-mat'); "
    "r = vcereg.regress('G3 ~ absences | vce(cluster school)', d); r.summary()"
)
CASES: dict[str, tuple[str, str]] = {  # name: (set-up not timed, timed statements)
    "python -c pass": ("", "pass"),
    "import pandas": ("", "import pandas"),
    "import vcereg": ("", "import vcereg"),
    "import vcereg + first fit": ("", "import vcereg; " + FIT),
    "vcereg --version": ("", "import vcereg.cli; vcereg.cli.main(['--version'])"),
}
CHILD = (
    "import time, sys\n"
    "{setup}\n"
    "t0 = time.perf_counter()\n"
    "{timed}\n"
    "sys.stderr.write(f'@@{{time.perf_counter() - t0:.6f}}\\n')\n"
)


def _env(cached: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if cached is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cached
    return env


def _run(name: str, env: dict[str, str]) -> tuple[float, float]:
    """(seconds inside the child, process wall seconds) for one fresh interpreter."""
    setup, timed = CASES[name]
    code = CHILD.format(setup=setup, timed=timed)
    t0 = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    wall = time.perf_counter() - t0
    inside = float(re.findall(r"@@([0-9.]+)", p.stderr)[-1])
    return (wall if name == "python -c pass" else inside), wall


def _importtime(statements: str, env: dict[str, str]) -> list[tuple[int, int, str]]:
    """(self µs, cumulative µs, module) from ``python -X importtime``."""
    p = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statements],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    rows = []
    for line in p.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), m.group(3)))
    return rows


def _breakdown(title: str, rows: list[tuple[int, int, str]], top: int) -> None:
    total = sum(r[0] for r in rows)
    print(f"\n{title}: {total / 1e6:.3f} s of imports ({len(rows)} modules)")
    by_package: Counter[str] = Counter()
    for own, _, name in rows:
        parts = name.split(".")
        by_package[".".join(parts[:2]) if parts[0] == "vcereg" else parts[0]] += own
    print("  by package (self time summed):")
    for name, us in by_package.most_common(top):
        print(f"    {us / 1e3:8.1f} ms  {name}")
    print("  top modules by self time:")
    for own, cum, name in sorted(rows, reverse=True)[:top]:
        print(f"    {own / 1e3:8.1f} ms  (cumulative {cum / 1e3:7.1f} ms)  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=9, help="fresh processes per case")
    parser.add_argument("--top", type=int, default=15, help="rows of the -X importtime lists")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as cache:
        envs = {"as run": _env(None), "cached": _env(cache)}
        for name in CASES:  # warm the bytecode cache (and the file system cache)
            _run(name, envs["cached"])
        times: dict[tuple[str, str], list[float]] = {}
        walls: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.repeat):
            for label, env in envs.items():
                for name in CASES:
                    inside, wall = _run(name, env)
                    times.setdefault((label, name), []).append(inside)
                    walls.setdefault((label, name), []).append(wall)
        print(f"\nmedian of {args.repeat} fresh processes (seconds; 'process' = wall time of")
        print("the whole interpreter, start-up and exit included)")
        print(f"{'':28}{'as run':>10}{'process':>10}{'cached':>10}{'process':>10}")
        for name in CASES:
            cells = []
            for label in envs:
                cells.append(statistics.median(times[(label, name)]))
                cells.append(statistics.median(walls[(label, name)]))
            print(f"{name:28}" + "".join(f"{c:10.3f}" for c in cells))
        for label in envs:
            t = statistics.median(times[(label, "import vcereg")])
            print(f"import vcereg ({label}): {t:.3f} s = {t / TARGET:.2f} x the {TARGET} s target")
        _breakdown("import vcereg", _importtime("import vcereg", envs["cached"]), args.top)
        _breakdown(
            "import vcereg + first fit",
            _importtime("import vcereg; " + FIT, envs["cached"]),
            args.top,
        )


if __name__ == "__main__":
    main()
