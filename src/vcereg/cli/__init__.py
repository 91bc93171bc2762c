"""The ``vcereg`` command line.

::

    vcereg "G3 ~ absences | vce(cluster school)" --example student-mat
    vcereg "G3 ~ absences" "regress G3 absences, vce(robust)" --data student-mat.csv -f latex
    vcereg --do models.do --data panel.dta --out table.tex

One model prints Stata's regression output; several models (or any table option) print one
table. Formula code is always checked by safe mode. Exit status: 0 success, 2 usage or
model-syntax error, 1 data or estimation error. Warnings go to stderr as ``warning: ...``.
See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from typing import TYPE_CHECKING, TextIO

from .._lazy import lazy_import
from ..errors import SpecError, VceregError
from .args import UsageError, build_parser
from .fit import load_and_fit
from .models import collect_models, read_do
from .output import emit_log, output_format, read_labels, write_outputs

# ``vcereg --version`` or a usage error imports only the argument parser: the rest is
# imported as a run needs it
if TYPE_CHECKING:
    from .. import vce
    from ..backends import dask as dask_backend
else:
    dask_backend = lazy_import("vcereg.backends.dask")  # with --scheduler only
    vce = lazy_import("vcereg.vce")

__all__ = ["build_parser", "main"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.list_vce:
        for name, aliases in sorted(vce.available().items()):
            print(f"{name:<10} {', '.join(aliases)}".rstrip(), file=out)
        return 0
    fmt = output_format(args)
    if args.digits is not None and not 0 <= args.digits <= 12:
        raise UsageError(f"--digits must be from 0 to 12 (got {args.digits})")
    labels = read_labels(args.labels) if args.labels else None
    do = read_do(args)
    models = collect_models(args, do)
    titles = args.title
    # (without --scheduler: Dask's default, as dask_backend.scheduler(None) gives)
    on = dask_backend.scheduler(args.scheduler) if args.scheduler else contextlib.nullcontext()
    with on:
        results, messages, var_labels, run = load_and_fit(models, args, do)
    if not results and run is not None and (run.log or run.written):
        emit_log(run, out)  # a data step alone: its log is the output
        return 0
    if not results:
        raise UsageError("no model given: the do-file has no estimation command")
    if titles is not None and len(titles) != len(results):
        raise UsageError(f"--title given {len(titles)} time(s) for {len(results)} model(s)")
    var_labels = {**var_labels, **(run.labels if run is not None else {})}  # label variable
    if var_labels:
        labels = {**var_labels, **(labels or {})}  # --labels wins over the file's labels
    for message in [] if args.quiet else messages:
        print(f"warning: {message}", file=err)
    write_outputs(args, fmt, results, run, labels, out)
    return 0


def _report(err: TextIO, exc: BaseException) -> None:
    notes = getattr(exc, "__notes__", None) or []
    prefix = "".join(f"{n}: " for n in reversed(notes))
    message = _ANSI.sub("", str(exc))  # third-party messages may carry terminal colours
    print(f"vcereg: error: {prefix}{message}", file=err)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 data/estimation, 2 usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage and message (or --help/--version)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return _run(args, sys.stdout, sys.stderr)
    except (SpecError, UsageError) as exc:
        _report(sys.stderr, exc)
        return 2
    except BrokenPipeError:  # e.g. `vcereg ... | head`: stop quietly, also at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (VceregError, OSError) as exc:
        _report(sys.stderr, exc)
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
