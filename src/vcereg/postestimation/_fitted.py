"""The estimation sample of a fit, rebuilt: original regressors, response and effects.

With absorbed fixed effects the fit keeps only the demeaned design, so the original ``y``
and ``X`` come back from the kept formulaic state on the rows of the estimation sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._types import FloatArray
from ..design import Design, build_new, with_tsvars
from ..errors import DataError, EstimationError, NotSupportedError
from ..estimators import Fit

if TYPE_CHECKING:
    from ..results import Results

__all__ = ["InSample", "align", "columns_of", "in_sample", "parts"]


@dataclass(frozen=True, slots=True, eq=False)
class InSample:
    """Estimation-sample arrays on the original scale (unweighted)."""

    x: FloatArray  # (n, K) over Results.terms
    y: FloatArray
    d: FloatArray | None  # sum of the absorbed effects (None without absorbed effects)
    index: pd.Index  # labels of the rows in the user's data
    positions: NDArray[np.intp] | None  # their positions in the user's data (None: unknown)


def parts(res: Results) -> tuple[Fit, Design]:
    """The kept fit and design, or a clear error when the result does not keep them."""
    if res._fit is None or res._design is None:
        raise EstimationError("this result does not keep its fit; refit to predict")
    return res._fit, res._design


def columns_of(names: tuple[str, ...], terms: tuple[str, ...]) -> list[int]:
    """Positions of the fit's ``terms`` among rebuilt columns ``names``."""
    where = {n: i for i, n in enumerate(names)}
    missing = [t for t in terms if t not in where]
    if missing:
        raise EstimationError(f"rebuilt design lacks the fitted terms {missing}")
    return [where[t] for t in terms]


def _positions(data: pd.DataFrame, index: pd.Index) -> NDArray[np.intp]:
    if not data.index.is_unique:
        raise DataError(
            "the data's index has repeated labels, so predictions cannot be aligned to rows",
            hint="call data.reset_index(drop=True) before fitting",
        )
    return np.asarray(data.index.get_indexer(index), dtype=np.intp)


#: Estimators whose kept design holds the regressors as they are (no transformation).
_PLAIN = ("ols", "iv2sls")


def in_sample(res: Results) -> InSample:
    """``x``, ``y`` and the absorbed effects on the estimation sample.

    Absorbed-effects and random-effects fits keep a transformed design (demeaned,
    quasi-demeaned), so the original ``x`` and ``y`` are rebuilt on the sample's rows.
    """
    fit, design = parts(res)
    data = res._data
    pos = _positions(data, design.index) if data is not None else None
    if res.spec.estimator in _PLAIN and not res.fixed_effects:
        return InSample(design.x, design.y, None, design.index, pos)
    if res.spec.estimator.startswith("xtreg_be"):
        raise NotSupportedError(
            "in-sample predictions after the between estimator: its fit runs on panel means",
            hint="pass the data: r.predict(data) predicts x b for every row",
        )
    if data is None or pos is None:
        raise EstimationError("this result does not keep its data; refit to predict")
    frame = with_tsvars(res.spec, data).iloc[pos]
    new = build_new(res.spec, design, frame)
    if new.y is None:
        raise EstimationError(f"the dependent variable {res.depvar!r} is not in the data")
    x = new.x[:, columns_of(new.terms, res.terms)]
    if not res.fixed_effects:
        return InSample(x, new.y, None, design.index, pos)
    resid = fit.resid_w if design.weights is None else fit.resid_w / np.sqrt(design.weights)
    # y = xb + d + e: the demeaned regression's residual e is the dummy regression's.
    d = new.y - x @ res.params.to_numpy() - resid
    return InSample(x, new.y, d, design.index, pos)


def align(res: Results, values: FloatArray, sample: InSample, name: str) -> pd.Series:
    """Values on the estimation sample as a Series over the user's rows (NaN elsewhere)."""
    data = res._data
    if data is None or sample.positions is None:
        return pd.Series(values, index=sample.index, name=name)
    out = np.full(len(data), np.nan)
    out[sample.positions] = values
    return pd.Series(out, index=data.index, name=name)
