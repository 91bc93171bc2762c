"""Reading the data and fitting the models, with the warnings collected as lines."""

from __future__ import annotations

import argparse
import warnings
from typing import TYPE_CHECKING, Any

from .._lazy import lazy_import
from ..errors import VceregError
from ..progress import Progress
from ..spec import SmallSample
from .args import UsageError
from .models import Model, is_post_estimation

if TYPE_CHECKING:
    import pandas as pd

    from .. import api, datasets, dofile, io
    from ..dofile import DoRun
    from ..results import Results
else:
    api = lazy_import("vcereg.api")
    datasets = lazy_import("vcereg.datasets")
    dofile = lazy_import("vcereg.dofile")  # a do-file with more than model lines
    io = lazy_import("vcereg.io")
    pd = lazy_import("pandas")

__all__ = ["load_and_fit"]

_DEV_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _load_data(args: argparse.Namespace) -> Any:
    if args.data is not None and args.example is not None:
        raise UsageError("give either --data or --example, not both")
    if args.example is not None:
        return datasets.load(args.example)
    if args.data is None:
        if args.do is not None:  # the do-file may load its own data (use, import)
            return pd.DataFrame()
        raise UsageError("no data: pass --data FILE or --example NAME")
    if args.dask or args.scheduler:
        return io.read(args.data, engine="dask")
    sheet = int(args.sheet) if args.sheet is not None and args.sheet.isdigit() else args.sheet
    return io.read(args.data, sep=args.sep, sheet=sheet, encoding=args.encoding)


def _lines(caught: list[warnings.WarningMessage], prefix: str) -> list[str]:
    """One line per warning meant for users (deprecations are for developers)."""
    return [
        prefix + " ".join(str(w.message).split())
        for w in caught
        if not issubclass(w.category, _DEV_WARNINGS)
    ]


def load_and_fit(
    models: list[Model], args: argparse.Namespace, do: tuple[str, str] | None
) -> tuple[list[Results], list[str], dict[str, str], DoRun | None]:
    """Read the data and fit every model; returns the results, the warning lines, the
    data's variable labels (Stata .dta files), which become default term labels, and the
    run of a do-file with post-estimation commands (its fits come first)."""
    results: list[Results] = []
    messages: list[str] = []
    ssc = SmallSample.preset(args.ssc) if args.ssc else None
    run: DoRun | None = None
    with Progress(label="reading data", enabled=not args.quiet) as progress:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data = _load_data(args)
        messages += _lines(caught, "")
        if do is not None and is_post_estimation(do[0]):
            progress.set_label("running " + do[1])
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    run = dofile.run_do(
                        do[0], data, ssc=ssc, level=args.level, files=args.allow_files
                    )
                except VceregError as exc:
                    exc.add_note(do[1])
                    raise
            results += run.results
            messages += _lines(caught, f"{do[1]}: ")
        progress.total = len(models)
        progress.set_label("fitting")
        for model in models:
            spec = model.spec if ssc is None else model.spec.replace(ssc=ssc)
            spec = spec if args.level is None else spec.replace(level=args.level)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    results.append(api.fit_spec(spec, data))  # safe mode: the default, always
                except VceregError as exc:
                    if model.where:
                        exc.add_note(model.where)
                    raise
            progress.advance()
            messages += _lines(caught, f"{model.where}: " if model.where else "")
    found = getattr(data, "attrs", {}).get("labels") or {}
    var_labels = {str(k): str(v) for k, v in found.items() if v}
    return results, list(dict.fromkeys(messages)), var_labels, run
