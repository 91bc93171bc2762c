"""A table of estimates (``tidy()``'s columns) as a table column: margins, for instance.

:meth:`vcereg.Results.margins` returns a DataFrame with the columns estimate, std_error,
t, p, ci_low and ci_high, and in ``attrs`` what a table shows about it (observations, the
variance label, the t degrees of freedom); :func:`as_result` wraps such a frame so that
:func:`~vcereg.tables.etable` shows it next to regressions, as esttab does after
``margins, post``. Statistics a frame does not have (R-squared, F) print as ``-``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from ..errors import RenderError
from ..inference import confidence_level, critical_value
from ._protocol import ResultLike

__all__ = ["TidyResult", "as_result"]

TIDY_COLUMNS = ("estimate", "std_error", "t", "p", "ci_low", "ci_high")
_NAN = math.nan


@dataclass(frozen=True, eq=False)
class TidyResult:
    """A frame of estimates seen as a :class:`~vcereg.tables._protocol.ResultLike`."""

    frame: pd.DataFrame
    depvar: str = ""
    nobs: float = _NAN
    df_inference: float | None = None
    vce_name: str = ""
    vce_label: str = ""
    level: float = 95.0
    model_label: str = "Margins"
    notes: tuple[str, ...] = ()
    display_names: Mapping[str, str] = field(default_factory=dict)
    omitted: tuple[str, ...] = ()
    n_clusters: Mapping[str, int] = field(default_factory=dict)
    fixed_effects: tuple[str, ...] = ()
    rsquared_within: float | None = None
    df_resid: float = _NAN
    df_model: float = _NAN
    rsquared: float = _NAN
    rsquared_adj: float = _NAN
    rmse: float = _NAN
    ess: float = _NAN
    rss: float = _NAN
    tss: float = _NAN
    fstat: float = _NAN
    f_pvalue: float = _NAN
    f_df: tuple[float, float | None] = (_NAN, None)
    n_dropped: int = 0
    ssc_name: str = ""

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(str(t) for t in self.frame.index)

    def _col(self, name: str) -> pd.Series:
        return pd.Series(self.frame[name].to_numpy(dtype=float), index=list(self.terms))

    @property
    def params(self) -> pd.Series:
        return self._col("estimate")

    @property
    def se(self) -> pd.Series:
        return self._col("std_error")

    @property
    def tstat(self) -> pd.Series:
        return self._col("t")

    @property
    def pvalue(self) -> pd.Series:
        return self._col("p")

    def conf_int(self, level: float = 95.0) -> pd.DataFrame:
        lev = confidence_level(level)
        if abs(lev - self.level) < 1e-9:
            lo, hi = self._col("ci_low").to_numpy(), self._col("ci_high").to_numpy()
        else:
            c = critical_value(lev, self.df_inference)
            b, s = self.params.to_numpy(), self.se.to_numpy()
            lo, hi = b - c * s, b + c * s
        return pd.DataFrame({"lower": lo, "upper": hi}, index=list(self.terms))


def as_result(model: object) -> ResultLike:
    """``model`` itself, or a DataFrame with ``tidy()``'s columns wrapped as a result.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"estimate": [0.5], "std_error": [0.1], "t": [5.0], "p": [0.0],
    ...                   "ci_low": [0.3], "ci_high": [0.7]}, index=["x"])
    >>> r = as_result(f)
    >>> r.terms, float(r.se["x"])
    (('x',), 0.1)
    """
    if not isinstance(model, pd.DataFrame):
        return model  # type: ignore[return-value]
    missing = [c for c in TIDY_COLUMNS if c not in model.columns]
    if missing:
        raise RenderError(
            f"a DataFrame in a table needs the columns of tidy() ({', '.join(TIDY_COLUMNS)}); "
            f"missing {', '.join(missing)}"
        )
    a = model.attrs
    nobs = a.get("nobs", _NAN)
    df = a.get("df_inference")
    return TidyResult(
        frame=model,
        depvar=str(a.get("depvar", "")),
        nobs=float(nobs) if nobs is not None else _NAN,
        df_inference=float(df) if df is not None else None,
        vce_name=str(a.get("vce_name", "")),
        vce_label=str(a.get("vce_label", "")),
        level=float(a.get("level", 95.0)),
        model_label=str(a.get("model_label", "Margins")),
    )
