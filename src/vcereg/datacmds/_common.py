"""What the data commands share: qualifiers, expressions, and Stata's storage types.

Storage types ([D] data types) map onto pandas dtypes: ``byte``/``int``/``long`` are the
nullable ``Int8``/``Int16``/``Int32`` (missing is ``<NA>``), ``float`` is ``float32`` and
``double`` is ``float64`` (missing is NaN), ``str#`` are Python strings with ``""`` for
missing. A new numeric variable is ``float`` unless typed (or after ``set type double``):
its values are rounded to single precision, so ``gen x = 0.1`` then ``x == 0.1`` is false,
exactly as in Stata. ``replace`` keeps the storage type, rounding to it, except that it
promotes integers that receive non-integers (``byte``/``int`` to ``float``, ``long`` to
``double``) or values too large (to the next integer type), and widens strings ([D]
generate: "replace ... promotes").
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..dofile import DoCommand, DoState
from ..dofile.frame import groups_of
from ..dsl.expr import Expression, StataValue, evaluate, evaluate_value, parse_expression
from ..dsl.expr_values import Groups
from ..errors import StataSyntaxError
from ..spec import Dialect
from ..stata_lang.qualifiers import parse_in, split_qualifiers

__all__ = [
    "INT_RANGE",
    "Parts",
    "current_type",
    "new_name",
    "parse_type",
    "parts",
    "row_mask",
    "store",
    "to_series",
    "value",
]

Arr = npt.NDArray[Any]
#: Stata's integer storage types: (smallest, largest) nonmissing value, pandas dtype
INT_RANGE: dict[str, tuple[int, int, pd.api.extensions.ExtensionDtype]] = {
    "byte": (-127, 100, pd.Int8Dtype()),
    "int": (-32767, 32740, pd.Int16Dtype()),
    "long": (-2147483647, 2147483620, pd.Int32Dtype()),
}
_TYPE = re.compile(r"(byte|int|long|float|double|strL|str(\d+)?)$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
_RESERVED = frozenset((
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long",
    "_n", "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with",
))  # fmt: skip
_PROMOTE = {"byte": "int", "int": "long", "long": "double"}


def parse_type(word: str) -> str | None:
    """A storage type word (``str`` alone means "wide enough"), else ``None``."""
    return word if _TYPE.fullmatch(word) else None


def new_name(state: DoState, cmd: DoCommand, name: str) -> str:
    """Check a new variable name: valid, not reserved, not taken (r(110))."""
    if not _NAME.fullmatch(name) or name in _RESERVED or re.fullmatch(r"str\d+", name):
        raise cmd.error(f"{name} invalid name").with_rc(198)
    if name in state.data.columns:
        raise cmd.error(f"variable {name} already defined").with_rc(110)
    return name


class Parts:
    """A command's text cut at its qualifiers: ``main``, ``if_`` and ``in_`` (or None)."""

    def __init__(self, cmd: DoCommand, text: str | None = None) -> None:
        text = cmd.args if text is None else text
        self.main, self.if_, self.in_ = text, None, None
        pieces = split_qualifiers(text, 0, len(text))
        self.main = text[pieces[0][1] : pieces[0][2]].strip()
        for kind, a, b in pieces[1:]:
            if kind == "weight":
                raise cmd.error(f"{cmd.word}: weights are not allowed here").with_rc(101)
            if kind == "if":
                self.if_ = text[a + 2 : b].strip()
            else:
                self.in_ = text[a:b]
        self.cmd = cmd


def parts(cmd: DoCommand, text: str | None = None) -> Parts:
    return Parts(cmd, text)


def expression(cmd: DoCommand, text: str) -> Expression:
    """``text`` parsed as a Stata expression; errors point into the command line."""
    offset = cmd.line.find(text)
    if offset < 0:
        return parse_expression(text, Dialect.STATA)
    return parse_expression(text, Dialect.STATA, source=cmd.line, offset=offset)


def groups(state: DoState, cmd: DoCommand) -> Groups | None:
    """The ``by`` groups of the command (the runner has sorted the data already)."""
    return groups_of(state.data, state.meta, cmd.by) if cmd.by else None


def row_mask(
    state: DoState, p: Parts, grp: Groups | None = None, regex: list[Any] | None = None
) -> npt.NDArray[np.bool_]:
    """The rows a command's ``if`` and ``in`` select (all rows without them)."""
    n = len(state.data)
    mask = np.ones(n, dtype=bool)
    if p.in_ is not None:
        rng = parse_in(p.in_, 0, len(p.in_))
        first = rng.first - 1 if rng.first > 0 else n + rng.first
        last = rng.last if rng.last > 0 else n + rng.last + 1
        if first >= n or last > n or first < 0:
            raise p.cmd.error("Obs. nos. out of range").with_rc(198)
        mask[:] = False
        mask[first:last] = True
    if p.if_ is not None:
        expr = expression(p.cmd, p.if_)
        mask &= evaluate(expr, state.data, state.env(grp, regex=regex)).mask
    return mask


def value(
    state: DoState, cmd: DoCommand, text: str, grp: Groups | None = None, **env: Any
) -> StataValue:
    """The value of the expression ``text`` in every row."""
    return evaluate_value(expression(cmd, text), state.data, state.env(grp, **env))


def current_type(state: DoState, name: str) -> str:
    """The Stata storage type of column ``name`` (from its dtype, or as declared)."""
    s = state.data[name]
    declared = state.meta.types.get(name)
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "byte"
    if pd.api.types.is_integer_dtype(dtype):
        size = _itemsize(dtype)
        size *= 1 if pd.api.types.is_signed_integer_dtype(dtype) else 2  # unsigned: wider
        kind = {1: "byte", 2: "int", 4: "long"}.get(size, "long")
        if size >= 8 and s.notna().any():
            lo, hi = INT_RANGE["long"][:2]
            kind = "double" if s.min() < lo or s.max() > hi else kind
        return kind
    if pd.api.types.is_float_dtype(dtype):
        return "float" if _itemsize(dtype) == 4 else "double"
    if pd.api.types.is_numeric_dtype(dtype):
        return "double"
    if declared and declared.startswith("str"):
        return declared
    return _wide_enough(_strings(s))


def _itemsize(dtype: Any) -> int:
    return int(np.dtype(getattr(dtype, "numpy_dtype", dtype)).itemsize)


def to_series(values: Arr, stype: str, index: pd.Index) -> tuple[pd.Series, int]:
    """Values stored as ``stype`` and how many became missing for being out of range."""
    if stype.startswith("str"):
        return pd.Series(values.astype(object), index=index), 0
    x = np.asarray(values, dtype=float)
    if stype in INT_RANGE:
        lo, hi, dtype = INT_RANGE[stype]
        x = np.trunc(x)
        bad = ~np.isnan(x) & ((x < lo) | (x > hi))
        x = np.where(bad, np.nan, x)
        ints = pd.array(x, dtype="Float64").astype(dtype)  # NaN becomes <NA>
        return pd.Series(ints, index=index), int(bad.sum())
    if stype == "float":
        with np.errstate(over="ignore"):
            y = x.astype(np.float32)
        bad = ~np.isfinite(y) & ~np.isnan(x)
        return pd.Series(np.where(bad, np.nan, y).astype(np.float32), index=index), int(bad.sum())
    return pd.Series(x, index=index), 0


def _wide_enough(values: Arr) -> str:
    widths = [len(str(v).encode()) for v in values]
    return f"str{max([1, *widths])}"


def _promoted(stype: str, x: Arr) -> str:
    """The type ``replace`` promotes an integer type to, to hold the values ``x``."""
    finite = x[~np.isnan(x)]
    if not len(finite):
        return stype
    if (finite != np.trunc(finite)).any():
        return "double" if stype == "long" else "float"
    while stype in INT_RANGE:
        lo, hi, _ = INT_RANGE[stype]
        if finite.min() >= lo and finite.max() <= hi:
            return stype
        stype = _PROMOTE[stype]
    return stype


def store(
    state: DoState,
    cmd: DoCommand,
    name: str,
    v: StataValue,
    rows: npt.NDArray[np.bool_],
    stype: str | None,
    *,
    replace: bool,
    promote: bool = True,
) -> int:
    """Write ``v`` into column ``name`` on ``rows`` (``generate`` leaves the others
    missing, ``replace`` leaves them alone); returns how many values changed (replace) or
    how many are missing (generate). ``promote=False`` is ``replace, nopromote``: values
    are stored in the variable's type as they are (truncated, or missing if too large)."""
    data, n = state.data, len(state.data)
    old = data[name] if replace else None
    if old is not None:
        stype = current_type(state, name)
        is_str = stype.startswith("str")
        if is_str != (v.kind == "str"):
            raise cmd.error("type mismatch").with_rc(109)
    elif stype is None:
        stype = _wide_enough(v.values[rows]) if v.kind == "str" else state.default_type
    elif stype.startswith("str") != (v.kind == "str"):
        raise cmd.error("type mismatch").with_rc(109)
    if v.kind == "str":
        base = np.full(n, "", dtype=object) if old is None else _strings(old)
        new = np.where(rows, v.values, base)
        width = int(stype[3:]) if stype[3:].isdigit() else None
        if width is not None and (old is None or not promote):  # str# truncates
            new = np.array([s.encode()[:width].decode(errors="ignore") for s in new], dtype=object)
        elif old is not None and width is not None:  # replace widens, never narrows
            stype = f"str{max(width, int(_wide_enough(new)[3:]))}"
        series, _ = to_series(new, stype, data.index)
        changed = int((new != base).sum()) if old is not None else int((new == "").sum())
        _set(state, name, series, stype, None)
        return changed
    base_x = np.full(n, np.nan) if old is None else old.to_numpy(dtype=float, na_value=np.nan)
    base_codes = state.meta.codes(name, n) if old is not None else np.zeros(n, np.int8)
    x = np.where(rows, v.values, base_x)
    codes = np.where(rows, v.codes, base_codes).astype(np.int8)
    if old is not None and stype in INT_RANGE and promote:
        stype = _promoted(stype, np.where(rows, v.values, np.nan))
    series, _ = to_series(x, stype, data.index)
    stored = series.to_numpy(dtype=float, na_value=np.nan)
    if old is None:
        changed = int(np.isnan(stored).sum())
    else:
        same = (stored == base_x) | (np.isnan(stored) & np.isnan(base_x) & (codes == base_codes))
        changed = int((~same).sum())
    _set(state, name, series, stype, codes)
    return changed


def _strings(s: pd.Series) -> Arr:
    return np.asarray(s.astype(object).where(s.notna(), "").astype(str).to_numpy(), dtype=object)


def _set(state: DoState, name: str, series: pd.Series, stype: str, codes: Arr | None) -> None:
    state.data[name] = series
    state.meta.types[name] = stype
    if codes is not None and codes.any():
        state.meta.missing[name] = codes
    else:
        state.meta.missing.pop(name, None)


def require_columns(state: DoState, cmd: DoCommand) -> None:
    if not len(state.data.columns):
        raise StataSyntaxError("no variables defined").with_rc(111)
