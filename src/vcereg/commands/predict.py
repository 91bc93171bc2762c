"""Stata's ``predict`` line in a do-file, and the data the CLI's ``--predict`` writes.

``predict NAME[, xb|residuals|stdp|stdf|pr(a,b)|e(a,b)|ystar(a,b)|xbd|d]`` adds the column
``NAME`` to the run's copy of the data, over every row where it can be computed, as Stata
does (``predict NAME if e(sample)`` keeps the estimation sample only). Any other option is
an error that lists the valid ones (Stata's other statistics, such as ``cooksd`` or
``rstudent``, are not computed). Importing the module registers it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..dofile import DoCommand, DoRun, DoState, register_command
from ..errors import DataError
from ..postestimation.ml_predict import ML_PREDICTIONS
from ..postestimation.predict import SPELLINGS
from ..results import Results

__all__ = ["predictions_frame", "write_predictions"]

# Stata's minimal abbreviations of predict's options; the last three take (a,b)
_PREDICT_ABBREV = {
    "xb": 2, "residuals": 1, "stdp": 4, "stdf": 4, "xbd": 3, "d": 1, "pr": 2, "e": 1, "ystar": 5
}  # fmt: skip
_WITH_BOUNDS = ("pr", "e", "ystar")
_OPTION = re.compile(r"([A-Za-z_]\w*)\s*(?:\(([^()]*)\))?")
_TYPES = {"byte", "int", "long", "float", "double"}
_PREDICTED = "vcereg_predicted"  # attrs key: columns the do-file's predict lines added


def _predict(cmd: DoCommand, state: DoState) -> None:
    res = state.current(cmd)
    head, _, cond = cmd.args.partition(" if ")
    words = [w for w in head.split() if w not in _TYPES]
    if len(words) != 1 or not re.fullmatch(r"[A-Za-z_]\w*", words[0]):
        raise cmd.error("expected predict NAME[, xb|residuals|stdp|xbd|d]")
    name = words[0]
    if cond and re.sub(r"\s+", "", cond) != "e(sample)":
        raise cmd.error(f"predict: only 'if e(sample)' is supported (got 'if {cond.strip()}')")
    if name in state.data.columns:
        raise cmd.error(f"variable {name} already defined", hint="drop it or pick another name")
    if res.ml is not None:  # logit, poisson, glm...: pr, n, mu and glm's residuals
        chosen = [k for k in ML_PREDICTIONS if cmd.option(k, abbrev=min(2, len(k))) is not None]
    else:
        chosen = _statistics(cmd)
    if len(chosen) > 1:
        raise cmd.error(f"predict: only one of {', '.join(chosen)} may be given")
    what: str | None = chosen[0] if chosen else (None if res.ml is not None else "xb")
    # Stata fills every row it can; a level outside the estimation sample cannot be
    values = (
        res.predict(what=what) if cond else res.predict(state.data, what=what, unseen="missing")
    )
    state.data[name] = values.reindex(state.data.index)
    state.data.attrs[_PREDICTED] = [*state.data.attrs.get(_PREDICTED, []), name]


def _statistics(cmd: DoCommand) -> list[str]:
    """The statistics the options ask for, as ``Results.predict`` spells them; any other
    option, or pr/e/ystar without their two bounds, is an error naming the valid ones."""
    valid = ", ".join(SPELLINGS)
    out = []
    for m in _OPTION.finditer(cmd.options):
        word, inner = m.group(1).lower(), m.group(2)
        full = next(
            (
                k
                for k, n in _PREDICT_ABBREV.items()
                if n <= len(word) <= len(k) and k.startswith(word)
            ),
            None,
        )
        if full is None:
            raise cmd.error(f"predict: option {m.group(1)} not allowed; valid: {valid}")
        if (full in _WITH_BOUNDS) != (inner is not None) or (
            inner is not None and inner.count(",") != 1
        ):
            form = f"{full}(a,b)" if full in _WITH_BOUNDS else full
            raise cmd.error(
                f"predict: write {form}",
                hint="a and b are numbers, variable names or . (minus or plus infinity)",
            )
        out.append(f"{full}({inner})" if inner is not None else full)
    return out


def predictions_frame(results: Sequence[Results], run: DoRun | None) -> pd.DataFrame:
    """The data with predictions: a do-file's own ``predict`` columns when it ran any;
    otherwise, per model, ``xb`` and ``resid`` (and ``xbd`` with absorbed effects), suffixed
    ``_1``, ``_2``... when there are several models."""
    if run is not None and run.data.attrs.get(_PREDICTED):
        return run.data
    data = results[0]._data if results else None
    if data is None:
        raise DataError("the results do not keep their data; nothing to add predictions to")
    out = data.copy()
    for k, res in enumerate(results, start=1):
        tag = "" if len(results) == 1 else f"_{k}"
        out[f"xb{tag}"] = res.predict(data)
        if res.fixed_effects:
            out[f"xbd{tag}"] = res.predict(data, what="xbd")
        if res.depvar in data.columns:
            out[f"resid{tag}"] = res.predict(data, what="residuals")
    return out


def write_predictions(frame: pd.DataFrame, path: str) -> None:
    """Write ``frame`` by the file's extension: .csv, .tsv, .parquet, .dta, .xlsx."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in (".csv", ".txt"):
        frame.to_csv(target, index=False)
    elif suffix == ".tsv":
        frame.to_csv(target, sep="\t", index=False)
    elif suffix == ".parquet":
        frame.to_parquet(target, index=False)
    elif suffix == ".dta":
        frame.to_stata(target, write_index=False)
    elif suffix == ".xlsx":
        frame.to_excel(target, index=False)
    else:
        raise DataError(
            f"--predict {path}: unknown file type {suffix or '(none)'!r}",
            hint="use .csv, .tsv, .parquet, .dta or .xlsx",
        )


register_command("predict", _predict, abbrev=4)
