"""The result of a difference-in-differences estimator.

A :class:`DidResults` holds every effect table its estimator produces
(:mod:`.tables`) and *reports* one of them (``agg``): its terms are the coefficients that
``params``, ``cov``, ``se``, ``pvalue``, ``conf_int``, ``tidy``, ``test`` and tables
(``etable``) see, as for a regression. :meth:`DidResults.aggregate` reports another table;
:meth:`DidResults.event_study` is the tidy event-study frame with pointwise and uniform
bands, :meth:`DidResults.pretrend` the joint test of the pre-treatment estimates and
:meth:`DidResults.plot` the event-study plot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError, SpecError, closest
from ..inference import critical_value, p_values
from ..postestimation.hypotheses import WaldResult, parse_restrictions, wald
from ..spec import ModelSpec
from ..tables.etable import etable
from .plot import event_plot
from .summary import render
from .tables import EffectTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["DidResults"]

_NAN = math.nan


def _num(value: object) -> float | None:
    x = float(value)  # type: ignore[arg-type]
    return x if math.isfinite(x) else None


def _level(level: float | None, default: float) -> float:
    if level is not None and (isinstance(level, bool) or not isinstance(level, int | float)):
        raise SpecError(f"level expects a number such as 95 (got {level!r})")
    lev = default if level is None else float(level)
    lev = lev * 100 if 0 < lev < 1 else lev
    if not 0 < lev < 100:
        raise DataError(f"confidence level must be between 0 and 100 (got {level})")
    return lev


@dataclass(frozen=True, eq=False, repr=False)
class DidResults:
    """Estimates of a staggered DiD design (see :func:`vcereg.did`).

    Attributes
    ----------
    method, model_label
        ``cs``, ``sa``, ``bjs``, ``did2s`` or ``etwfe``, and its description.
    tables
        Every effect table the estimator produced, by kind.
    agg
        The kind reported as coefficients.
    df_inference
        t degrees of freedom (None: the normal distribution).
    nobs, n_units, n_clusters
        Observations used, units (cross-sections: observations), clusters per variable.
    details
        What the summary header shows: control group, estimation method, base period, ...
    """

    spec: ModelSpec
    depvar: str
    method: str
    model_label: str
    tables: Mapping[str, EffectTable]
    agg: str
    df_inference: float | None
    nobs: int
    n_units: int
    n_clusters: Mapping[str, int]
    vce_name: str
    vce_label: str
    level: float = 95.0
    details: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    pretrend_cells: str = "dynamic"  # the table whose pre-treatment terms pretrend() tests
    pretrend_df: float | None = None  # F denominator df of pretrend() (imputation: G - 1)
    n_dropped: int = 0

    # --- the reported table ---------------------------------------------------------
    @property
    def table(self) -> EffectTable:
        return self.tables[self.agg]

    @property
    def terms(self) -> tuple[str, ...]:
        return self.table.terms

    @cached_property
    def params(self) -> pd.Series:
        return pd.Series(self.table.estimate, index=list(self.terms), name="estimate")

    @cached_property
    def cov(self) -> pd.DataFrame:
        t = list(self.terms)
        return pd.DataFrame(self.table.cov, index=t, columns=t)

    @cached_property
    def se(self) -> pd.Series:
        """Standard errors (the multiplier bootstrap's when one was run)."""
        return pd.Series(self.table.se, index=list(self.terms), name="std_error")

    @cached_property
    def tstat(self) -> pd.Series:
        se = self.se.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(se > 0, self.params.to_numpy() / se, np.nan)
        return pd.Series(t, index=list(self.terms), name="t")

    @property
    def stat(self) -> pd.Series:
        return self.tstat

    @cached_property
    def pvalue(self) -> pd.Series:
        p = p_values(self.tstat.to_numpy(), self.df_inference)
        return pd.Series(p, index=list(self.terms), name="p")

    def conf_int(self, level: float | None = None) -> pd.DataFrame:
        """Pointwise confidence intervals (columns ``lower``, ``upper``)."""
        c = critical_value(_level(level, self.level), self.df_inference)
        b, s = self.params.to_numpy(), self.se.to_numpy()
        return pd.DataFrame({"lower": b - c * s, "upper": b + c * s}, index=list(self.terms))

    def tidy(self, level: float | None = None) -> pd.DataFrame:
        """One row per reported term: estimate, std_error, t, p, ci_low, ci_high, and what
        the term is (event_time, cohort, period)."""
        ci = self.conf_int(level)
        out = pd.DataFrame(
            {
                "estimate": self.params.to_numpy(),
                "std_error": self.se.to_numpy(),
                "t": self.tstat.to_numpy(),
                "p": self.pvalue.to_numpy(),
                "ci_low": ci["lower"].to_numpy(),
                "ci_high": ci["upper"].to_numpy(),
            },
            index=pd.Index(list(self.terms), name="term"),
        )
        return out.join(self.table.info)

    # --- other tables ---------------------------------------------------------------
    def aggregate(self, kind: str) -> DidResults:
        """The same estimates reporting another table: ``"simple"``, ``"dynamic"``
        (``"event"``), ``"group"``, ``"calendar"`` or ``"gt"``."""
        key = {"event": "dynamic", "att": "simple"}.get(kind, kind)
        if key not in self.tables:
            near = closest(str(kind), self.tables)
            raise SpecError(
                f"{self.model_label} has no {kind!r} aggregation; available: "
                + ", ".join(self.tables),
                hint=f"did you mean {near!r}?" if near else None,
            )
        return replace(self, agg=key)

    def event_study(self, level: float | None = None) -> pd.DataFrame:
        """The event study: one row per event time with the estimate, its standard error,
        p-value, pointwise interval (``ci_low``/``ci_high``) and uniform band
        (``cb_low``/``cb_high``, covering all event times jointly)."""
        if "dynamic" not in self.tables:
            raise SpecError(f"{self.model_label} has no event study (agg {self.agg!r})")
        tab = self.tables["dynamic"]
        lev = _level(level, self.level)
        idx = tab.band_terms()
        est, se = tab.estimate[idx], tab.se[idx]
        crit = critical_value(lev, self.df_inference)
        unif = tab.uniform_crit(lev)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(se > 0, est / se, np.nan)
        out = pd.DataFrame(
            {
                "term": [tab.terms[i] for i in idx],
                "estimate": est,
                "std_error": se,
                "p": p_values(t, self.df_inference),
                "ci_low": est - crit * se,
                "ci_high": est + crit * se,
                "cb_low": est - unif * se,
                "cb_high": est + unif * se,
            },
            index=pd.Index(tab.info["event_time"].to_numpy()[idx], name="event_time"),
        )
        out.attrs["uniform_critical_value"] = unif
        return out

    @property
    def att_gt(self) -> pd.DataFrame:
        """The group-time effects (tidy columns plus cohort and period), where available."""
        return self.aggregate("gt").tidy()

    # --- tests ----------------------------------------------------------------------
    def test(self, hypothesis: str) -> WaldResult:
        """Wald test of linear restrictions on the reported terms, e.g. ``"Tp0 = Tp1"``."""
        R, r = parse_restrictions(hypothesis, self.terms)
        return wald(self.params.to_numpy(), self.table.cov, R, r, self.df_inference, self.terms)

    def pretrend(self) -> WaldResult:
        """Joint test that every pre-treatment estimate is zero (csdid's ``estat
        pretrend``; for Callaway-Sant'Anna the pre-treatment ATT(g,t), as R ``did``'s
        pre-test; for the imputation estimator its ``pretrends()`` coefficients)."""
        tab = self.tables.get(self.pretrend_cells)
        if tab is None:
            raise SpecError("no pre-treatment estimates to test")
        info = tab.info
        pre = np.flatnonzero(
            (info["event_time"].to_numpy() < 0)
            | (info["cohort"].to_numpy() > info["period"].to_numpy())
        )
        if pre.size == 0:
            raise SpecError(
                "no pre-treatment estimates to test",
                hint="the imputation estimator needs pretrends(k); Sun-Abraham and the "
                "two-stage event study report them",
            )
        R = np.zeros((pre.size, len(tab.terms)))
        R[np.arange(pre.size), pre] = 1.0
        names = list(tab.terms)
        df = self.pretrend_df if self.pretrend_df is not None else self.df_inference
        return wald(tab.estimate, tab.cov, R, np.zeros(pre.size), df, names)

    # --- display --------------------------------------------------------------------
    def plot(
        self, *, ax: Axes | None = None, uniform: bool = True, level: float | None = None
    ) -> Figure:
        """Event-study plot: estimates with pointwise intervals and the uniform band."""
        return event_plot(self, ax=ax, uniform=uniform, level=level)

    def summary(self) -> str:
        """Stata-like output: a header (estimator, sample, controls, variance) and the
        reported coefficients."""
        return render(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<DidResults {self.model_label}: N={self.nobs}, {len(self.terms)} terms>"

    def _repr_html_(self) -> str:
        return etable(self).to_html()  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the reported table, the covariance and the notes."""
        tidy = self.tidy()
        return {
            "model": self.spec.source or self.spec.formula,
            "method": self.method,
            "agg": self.agg,
            "coefficients": {
                t: {c: _num(tidy.at[t, c]) for c in ("estimate", "std_error", "t", "p")}
                for t in self.terms
            },
            "vcov": [[_num(v) for v in row] for row in self.table.cov],
            "nobs": self.nobs,
            "n_units": self.n_units,
            "vce": self.vce_label,
            "notes": list(self.notes),
        }

    # --- what tables read (vcereg.tables.ResultLike) ---------------------------------
    @property
    def display_names(self) -> Mapping[str, str]:
        return {}

    @property
    def omitted(self) -> tuple[str, ...]:
        return ()

    df_resid = _NAN
    df_model = _NAN
    rsquared = _NAN
    rsquared_adj = _NAN
    rmse = _NAN
    ess = _NAN
    rss = _NAN
    tss = _NAN
    fstat = _NAN
    f_pvalue = _NAN
    f_df: tuple[float, float | None] = (_NAN, None)
    rsquared_within: float | None = None
    fixed_effects: tuple[str, ...] = ()
    ssc_name = ""
