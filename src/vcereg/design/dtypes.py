"""Formula arithmetic in double precision, whatever the column dtype.

``pandas.read_stata`` and :func:`vcereg.io.read` give Stata byte/int/long variables as
int8/int16/int32, and numpy computes ``year ** 2`` on an int16 column in int16, wrapping
around silently. Stata computes every expression in double. So the columns a formula
reads are converted to float64 once, where data enters design building (integers of any
width, unsigned, nullable ``Int64``/``Float64``, float32, pyarrow-backed numbers, and
booleans used inside formula code). Columns used as categories keep their labels:
``C(g)`` gets the original column back (see :func:`categorical_context`).

``if()`` filters are evaluated on the user's data before this conversion, so their
comparisons keep exact integer semantics.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

import numpy as np
import pandas as pd

__all__ = ["as_float_columns", "categorical_context", "plain_strings", "tidy_categories"]


def plain_strings(sub: pd.DataFrame) -> pd.DataFrame:
    """Nullable (``string``) text columns as the plain text formulaic encodes as categories
    (missing values are gone by now); a new frame, the input is untouched."""
    texts = [
        c for c, t in sub.dtypes.items() if isinstance(t, pd.StringDtype) and t.na_value is pd.NA
    ]
    if not texts:
        return sub
    return sub.assign(**{str(c): sub[c].astype(object) for c in texts})


def tidy_categories(frame: pd.DataFrame, names: Collection[str]) -> pd.DataFrame:
    """Text of pandas' ``string`` dtype (``convert_dtypes()``, pyarrow strings) as plain
    objects, as other text; categoricals without the levels absent from the sample (Stata
    makes indicators only for levels present, so an unused level is not "omitted")."""
    new: dict[str, pd.Series] = {}
    for name in names:
        if name not in frame.columns or not isinstance(frame[name], pd.Series):
            continue
        col = frame[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            present = col.cat.remove_unused_categories()
            if len(present.cat.categories) < len(col.cat.categories):
                new[name] = present
        elif pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
            new[name] = col.astype(object).where(col.notna(), None)
    return frame.assign(**new) if new else frame


def _needs_float(col: pd.Series, *, bool_too: bool) -> bool:
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return bool_too
    if not pd.api.types.is_numeric_dtype(dtype):
        return False
    return not (isinstance(dtype, np.dtype) and dtype == np.float64)


def as_float_columns(
    frame: pd.DataFrame, numeric: Collection[str], booleans: Collection[str] = ()
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """A frame whose numeric columns among ``numeric`` (and boolean ones among
    ``booleans``) are float64, and the original columns that were converted.

    Missing values of nullable dtypes become NaN. The input frame is not modified.

    Examples
    --------
    >>> d = pd.DataFrame({"year": np.array([2000, 2010], dtype="int16")})
    >>> out, orig = as_float_columns(d, ["year"])
    >>> (out["year"] ** 2).tolist(), str(orig["year"].dtype)
    ([4000000.0, 4040100.0], 'int16')
    """
    converted: dict[str, pd.Series] = {}
    for name in dict.fromkeys([*numeric, *booleans]):
        if name not in frame.columns:
            continue
        col = frame[name]
        if not isinstance(col, pd.Series) or not _needs_float(col, bool_too=name in booleans):
            continue
        converted[name] = col
    if not converted:
        return frame, converted
    new = {
        name: pd.Series(col.to_numpy(dtype=np.float64, na_value=np.nan), index=col.index, name=name)
        for name, col in converted.items()
    }
    return frame.assign(**new), converted


def categorical_context(
    originals: Mapping[str, pd.Series], converted: pd.DataFrame, base: Callable[..., object]
) -> dict[str, object]:
    """Formula context in which ``C(col)`` (formulaic's ``base``) sees the column as the
    user typed it, so ``C(year)`` on an int16 column is labelled ``C(year)[T.2001]``,
    not ``[T.2001.0]``. Only the column itself is swapped back (same name and the same
    values as its float64 version): ``C(small > 0)`` is a new series that keeps its name."""
    if not originals:
        return {}

    def c(data: object, *args: object, **kwargs: object) -> object:
        name = getattr(data, "name", None)
        if isinstance(data, pd.Series) and isinstance(name, str) and name in originals:
            as_float = converted[name]
            same = (
                data.dtype == np.float64
                and data.index.equals(as_float.index)
                and np.array_equal(data.to_numpy(), as_float.to_numpy(), equal_nan=True)
            )
            if same:
                data = originals[name].loc[data.index]
        return base(data, *args, **kwargs)

    wrapped: Callable[..., object] = c
    return {"C": wrapped}
