"""Fitted values and residuals of a Dask fit, as lazy Dask Series on request.

The Results of a Dask fit keep no data; :func:`predict` builds the design again, partition
by partition, from the Dask DataFrame it is given (normally the one the model was fitted
on) and the fitted coefficients.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from ..._types import FloatArray
from ...errors import EstimationError, SpecError
from ...spec import ModelSpec
from ...vce import resolve
from .fit import collect_levels
from .partition import Setup, design_of

__all__ = ["predict"]


class _Fitted(Protocol):
    """What predict needs from a Results."""

    spec: ModelSpec
    terms: tuple[str, ...]
    params: pd.Series


def _part(
    part: pd.DataFrame, setup: Setup, terms: tuple[str, ...], params: FloatArray, what: str
) -> pd.Series:
    d = design_of(part, setup)
    out = np.full(len(part), np.nan)
    if len(d.y):
        if d.terms != terms:
            raise EstimationError(
                f"the data give the terms {', '.join(d.terms)}, the fit has {', '.join(terms)}"
                "; predict on the data the model was fitted on"
            )
        xb = d.x @ params
        out[d.index.to_numpy()] = xb if what == "xb" else d.y - xb
    return pd.Series(out, index=part.index, name=what)


def predict(
    results: _Fitted,
    ddf: Any,
    *,
    what: Literal["xb", "residuals"] = "xb",
    safe: bool = True,
    context: Mapping[str, object] | None = None,
) -> Any:
    """Linear prediction ``x'b`` or residuals ``y - x'b`` as a lazy Dask Series.

    Rows outside the estimation sample (``if()``, missing values, zero weights) get NaN;
    residuals are unweighted, as Stata's ``predict, residuals``.

    Parameters
    ----------
    results
        A fit of ``vcereg.regress`` on ``ddf`` (any Results with the same terms).
    ddf
        The Dask DataFrame the model was fitted on.
    what
        ``"xb"`` (default) or ``"residuals"``.
    """
    if what not in ("xb", "residuals"):
        raise SpecError(f"what must be 'xb' or 'residuals' (got {what!r})")
    spec = results.spec
    estimator, vspec = resolve(spec.vce, spec.source or None)
    setup = Setup(spec, tuple(estimator.variables(vspec)), safe, context)
    setup = collect_levels(setup, ddf)
    params = results.params.reindex(list(results.terms)).to_numpy(dtype=np.float64)
    meta = pd.Series(np.zeros(0), name=what)
    return ddf.map_partitions(_part, setup, tuple(results.terms), params, what, meta=meta)
