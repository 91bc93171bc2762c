"""``egen`` ([D] egen): group statistics, ranks, groups, tags, row statistics and cuts.

``egen [type] newvar = fcn(arguments) [if] [in] [, options]``, with ``by varlist:`` or
``by(varlist)``. Rows outside ``if``/``in`` get missing (``tag`` gets 0). The data keep
their order (egen is ``sortpreserve`` in Stata). Supported functions: ``mean``, ``sd``,
``total`` (and its old name ``sum``), ``count``, ``min``, ``max``, ``median``,
``pctile(exp), p(#)``, ``rank`` (``field``, ``track``, ``unique``), ``std`` (``mean()``,
``std()``), ``group`` (``missing``, ``label``), ``tag`` (``missing``), ``rowmean``,
``rowtotal`` (``missing``), ``rowmax``, ``rowmin``, ``rowsd``, ``rownonmiss`` (``strok``),
``rowmiss`` and ``cut`` (``at()`` or ``group()``, ``icodes``, ``label``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..dofile import DoCommand, DoState, register_command
from ..dofile.control import numlist
from ..dofile.frame import sort_keys
from ..dofile.varlist import expand_varlist
from ..dsl.expr import StataValue
from ..dsl.stata_format import format_number
from ._common import new_name, parse_type, parts, row_mask, store, to_series, value
from .egen_funcs import group_stat, pctile, rank, row_stat

__all__ = ["group_codes"]

Arr = npt.NDArray[Any]
_EGEN = re.compile(r"(?:([A-Za-z]\w*)\s+)?([A-Za-z_]\w*)\s*=\s*([A-Za-z]\w*)\s*\((.*)\)\s*$", re.S)
_STATS = {"mean": "mean", "sd": "sd", "total": "total", "sum": "total", "count": "count",
          "min": "min", "max": "max"}  # fmt: skip
_ROWS = ("rowmean", "rowtotal", "rowmax", "rowmin", "rowsd", "rownonmiss", "rowmiss")
_NO_BY = ("group", "tag", "cut", *_ROWS)


def group_codes(
    state: DoState, names: Sequence[str], rows: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.int64], int]:
    """Each row's group among ``rows`` (-1 elsewhere), numbered in Stata's sort order."""
    n = len(state.data)
    codes = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(rows)
    if not len(idx):
        return codes, 0
    if not names:
        codes[idx] = 0
        return codes, 1
    keys: list[Arr] = []
    for name in reversed(list(names)):
        keys.extend(np.asarray(k)[idx] for k in sort_keys(state.data, state.meta, name))
    order = np.lexsort(keys)
    new = np.zeros(len(idx), bool)
    new[0] = True
    for k in keys:
        ks = k[order]
        new[1:] |= ks[1:] != ks[:-1]
    codes[idx[order]] = np.cumsum(new) - 1
    return codes, int(new.sum())


def _missing_any(state: DoState, names: Sequence[str]) -> npt.NDArray[np.bool_]:
    out = np.zeros(len(state.data), bool)
    for name in names:
        s = state.data[name]
        out |= s.isna().to_numpy(dtype=bool)
        if not pd.api.types.is_numeric_dtype(s.dtype):
            out |= (s.astype(object) == "").to_numpy(dtype=bool)
    return out


def _numbers(state: DoState, name: str) -> Arr:
    s = state.data[name]
    if not pd.api.types.is_numeric_dtype(s.dtype):
        return np.where(s.isna() | (s.astype(object) == ""), np.nan, 0.0)
    return s.to_numpy(dtype=float, na_value=np.nan)


_OPTIONS = ("by", "missing", "p", "field", "track", "unique", "mean", "std", "label", "at",
            "group", "icodes", "strok")  # fmt: skip


def _egen(cmd: DoCommand, state: DoState) -> str | None:
    cmd.check_options(_OPTIONS)
    p = parts(cmd)
    m = _EGEN.fullmatch(p.main)
    if m is None:
        raise cmd.error("expected egen [type] newvar = fcn(arguments)").with_rc(198)
    word, name, fcn, args = m.groups()
    stype = parse_type(word) if word else None
    if word and stype is None:
        raise cmd.error(f"{word} is not a storage type")
    new_name(state, cmd, name)
    cols = [str(c) for c in state.data.columns]
    by = list(cmd.by)
    if (opt := cmd.option("by")) is not None:
        by += expand_varlist(opt, cols)
    if by and fcn in _NO_BY:
        raise cmd.error(f"egen {fcn}() may not be combined with by").with_rc(190)
    rows = row_mask(state, p)
    missing_opt = cmd.option("missing", abbrev=1) is not None
    result: Arr
    if fcn in _STATS or fcn in ("median", "pctile", "rank", "std"):
        x = value(state, cmd, args.strip()).values
        if x.dtype == object:
            raise cmd.error(f"egen {fcn}() needs a numeric expression").with_rc(109)
        codes, g = group_codes(state, by, rows)
        if fcn in _STATS:
            result = group_stat(_STATS[fcn], x, codes, g, missing_opt)
        elif fcn in ("median", "pctile"):
            pct = float(cmd.option("p") or 50) if fcn == "pctile" else 50.0
            if not 0 < pct < 100:
                raise cmd.error(f"p({pct:g}) must be between 0 and 100").with_rc(198)
            result = pctile(x, codes, g, pct)
        elif fcn == "rank":
            how = next((h for h in ("field", "track", "unique") if cmd.option(h) is not None), "")
            result = rank(x, codes, g, how)
        else:
            result = _std(state, cmd, x, codes, g, stype)
    elif fcn in ("group", "tag"):
        names = expand_varlist(args, cols)
        use = rows & (missing_opt | ~_missing_any(state, names))
        codes, g = group_codes(state, names, use)
        if fcn == "group":
            result = np.where(codes >= 0, codes + 1.0, np.nan)
            if cmd.option("label", abbrev=1) is not None:
                _group_label(state, name, names, codes, g)
        else:
            first = np.zeros(len(codes), bool)
            seen = codes >= 0
            _, where = np.unique(codes[seen], return_index=True)
            first[np.flatnonzero(seen)[where]] = True
            result = first.astype(float)
            stype = stype or "byte"
    elif fcn in _ROWS:
        names = expand_varlist(args, cols)
        result = row_stat(fcn, [_numbers(state, v) for v in names], missing_opt)
        result = np.where(rows, result, np.nan)
    elif fcn == "cut":
        result = _cut(state, cmd, value(state, cmd, args.strip()).values, rows)
    else:
        raise cmd.error(f"unknown egen function {fcn}()", hint="see docs/stata.md").with_rc(133)
    v = StataValue("num", np.asarray(result, dtype=float), np.zeros(len(result), np.int8))
    missing = store(state, cmd, name, v, np.ones(len(result), bool), stype, replace=False)
    if missing:
        return f"({missing} missing value{'s' * (missing != 1)} generated)"
    return None


def _std(state: DoState, cmd: DoCommand, x: Arr, codes: Arr, g: int, stype: str | None) -> Arr:
    """``std()``: Stata stores ``exp`` in the new variable's type first, then standardises."""
    kind = stype or state.default_type
    stored, _ = to_series(np.where(codes >= 0, x, np.nan), kind, state.data.index)
    xs = stored.to_numpy(dtype=float, na_value=np.nan)
    mean = group_stat("mean", xs, codes, g)
    sd = group_stat("sd", xs, codes, g)
    target_mean = float(cmd.option("mean") or 0)
    target_sd = float(cmd.option("std") or 1)
    with np.errstate(all="ignore"):
        return (xs - mean) / sd * target_sd + target_mean


def _cut(state: DoState, cmd: DoCommand, x: Arr, rows: npt.NDArray[np.bool_]) -> Arr:
    at, ngroups = cmd.option("at"), cmd.option("group", abbrev=1)
    if (at is None) == (ngroups is None):
        raise cmd.error("egen cut(): specify one of at() or group()").with_rc(198)
    if x.dtype == object:
        raise cmd.error("egen cut() needs a numeric expression").with_rc(109)
    icodes = cmd.option("icodes", abbrev=2) is not None or ngroups is not None
    if at is not None:
        cuts = numlist(at.replace(",", " "))
        x = np.where(x >= cuts[-1], np.nan, x)  # the last cut closes the top interval
    else:
        k = int(float(ngroups or 0))
        use = rows & ~np.isnan(x)
        codes = np.where(use, 0, -1).astype(np.int64)
        inner = [pctile(x, codes, 1, 100 * j / k)[use][0] for j in range(1, k)] if use.any() else []
        cuts = [float(np.nanmin(x[use])), *inner, float(np.nanmax(x[use])) + 1] if use.any() else []
    out = np.full(len(x), np.nan)
    for i, c in enumerate(cuts):
        out = np.where(rows & ~np.isnan(x) & (x >= c), i if icodes else c, out)
    return out


def _group_label(state: DoState, name: str, names: list[str], codes: Arr, g: int) -> None:
    """``group(), label``: each group's values as its value label."""
    labels: dict[float, str] = {}
    for code in range(g):
        row = int(np.flatnonzero(codes == code)[0])
        parts_ = []
        for var in names:
            v = state.data[var].iloc[row]
            lab = state.meta.value_labels.get(state.meta.label_of.get(var, ""), {})
            if isinstance(v, str):
                parts_.append(v)
            elif pd.isna(v):
                parts_.append(".")
            else:
                parts_.append(lab.get(float(v), format_number(float(v))))
        labels[float(code + 1)] = " ".join(parts_)
    state.meta.value_labels[name] = labels
    state.meta.label_of[name] = name


register_command("egen", _egen, byable=True)
