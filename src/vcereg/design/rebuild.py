"""A fitted model's design on other data: for predictions and margins.

The fit keeps formulaic's fitted specs (:class:`~vcereg.design.build.Rebuild`), never the
data; :func:`build_new` evaluates them on any frame with the variables the model reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._types import FloatArray
from ..errors import DataError, EstimationError, VceregWarning, warn
from ..spec import ModelSpec
from .build import Design, categorical_levels, fitted_matrix
from .checks import require_columns
from .sample import missing_mask
from .tsops import materialize

__all__ = ["NewDesign", "build_new", "with_tsvars"]


@dataclass(frozen=True, slots=True, eq=False)
class NewDesign:
    """Regressors (and the response, when its variables are there) rebuilt on other data.

    Rows follow the data given; a row missing a variable it needs is NaN.
    """

    x: FloatArray  # (n, K) over ``terms``
    terms: tuple[str, ...]
    y: FloatArray | None  # None when a variable of the dependent variable is absent
    index: pd.Index


def with_tsvars(spec: ModelSpec, data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with the model's time-series columns (``L.x``) added, if it lacks them."""
    absent = any(tv.name not in data.columns for tv in spec.tsvars)
    if spec.tsvars and spec.panel is not None and absent:
        return materialize(spec.tsvars, spec.panel, data)
    return data


def build_new(
    spec: ModelSpec,
    design: Design,
    data: pd.DataFrame,
    *,
    unseen: Literal["error", "missing"] = "error",
) -> NewDesign:
    """Rebuild a fitted model's regressors on ``data`` with the fit's formulaic state, so
    categorical levels, contrasts, stateful transforms (``center``, splines) and Stata
    factor and time-series operators mean what they meant in the fit.

    Raises
    ------
    MissingVariableError
        A variable the regressors need is not a column (the message names the closest).
    DataError
        A categorical level the fit has not seen, unless ``unseen="missing"``: then such
        rows are NaN, with a warning.

    Examples
    --------
    >>> import pandas as pd, vcereg
    >>> from vcereg.design import build
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 4.0, 3.0], "g": ["a", "b", "a", "b"]})
    >>> spec = vcereg.parse("y ~ C(g)")
    >>> new = build_new(spec, build(spec, df), pd.DataFrame({"g": ["b"]}))
    >>> new.terms, new.x.tolist(), new.y
    (('Intercept', 'C(g)[T.b]'), [[1.0, 1.0]], None)
    """
    rb = design.rebuild
    if rb is None:
        raise EstimationError("this fit does not keep its model spec; refit to predict")
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame (got {type(data).__name__})")
    data = with_tsvars(spec, data)
    require_columns(rb.rhs_vars, data, spec, "formula")
    known = _known_levels(design, data, unseen)
    x = _side(spec, rb.rhs, rb.rhs_vars, rb.rhs_terms, data, rb.env, known)
    y = None
    if all(v in data.columns for v in rb.lhs_vars):
        y = _side(spec, rb.lhs, rb.lhs_vars, rb.lhs_vars[:1], data, rb.env, None)[:, 0]
    return NewDesign(x=x, terms=rb.rhs_terms, y=y, index=data.index)


def _known_levels(
    design: Design, data: pd.DataFrame, unseen: Literal["error", "missing"]
) -> NDArray[np.bool_]:
    """Rows whose categorical values were all seen in the fit (missing values pass here;
    they are handled as missing). Unseen levels are an error, or NaN rows with a warning."""
    ok = np.ones(len(data), dtype=bool)
    for var, (levels, _) in categorical_levels(design).items():
        if var not in data.columns:
            continue
        col = data[var]
        bad = ~(col.isin(levels).to_numpy() | col.isna().to_numpy())
        if bad.any():
            new = sorted({str(v) for v in col[bad]})
            if unseen == "error":
                raise DataError(
                    f"{var!r} has level(s) the model was not fitted on: {', '.join(new[:5])}"
                    + (" ..." if len(new) > 5 else ""),
                    hint=f"levels in the fit: {', '.join(map(str, levels[:10]))}; drop those "
                    "rows or map them to a level of the fit",
                )
            warn(
                f"{int(bad.sum())} row(s) have a level of {var!r} the model was not fitted on "
                f"({', '.join(new[:5])}); their prediction is missing",
                VceregWarning,
            )
            ok &= ~bad
    return ok


def _side(
    spec: ModelSpec,
    fitted: object,
    names: Sequence[str],
    columns: Sequence[str],
    data: pd.DataFrame,
    env: Mapping[str, object],
    known: NDArray[np.bool_] | None,
) -> FloatArray:
    complete = np.ones(len(data), dtype=bool) if known is None else known.copy()
    for v in names:
        complete &= ~missing_mask(data[v])
    sub = data.loc[complete, list(names)]
    if fitted is None:  # plain numeric columns, as in the fit's fast path
        for v in names:
            col = sub[v]
            if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
                raise DataError(f"variable {v!r} was numeric in the fit (got {col.dtype})")
        cols = [
            np.ones(len(sub)) if c == "Intercept" else sub[c].to_numpy(dtype=np.float64)
            for c in columns
        ]
        mat = np.column_stack(cols) if cols else np.empty((len(sub), 0))
    else:
        mat = fitted_matrix(spec, fitted, sub, env)  # type: ignore[arg-type]
    out = np.full((len(data), mat.shape[1]), np.nan)
    out[complete] = mat
    return out
