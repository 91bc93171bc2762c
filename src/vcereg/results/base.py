"""The inference interface every fitted model shares, linear or not.

:class:`ResultsBase` reads the stored estimates and covariance: standard errors, t or z
statistics, p-values, intervals, ``tidy``, Wald tests, linear combinations, another
covariance without refitting (``with_vce``), the JSON export, the notes and the display
hooks. The concrete, frozen :class:`~vcereg.results.Results` adds the fields.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .._types import FloatArray
from ..design import Design
from ..design.sample import RowAccounting
from ..dsl import parse_vce
from ..errors import EstimationError, SpecError
from ..estimators import Fit
from ..inference import confidence_level, critical_value, p_values
from ..postestimation.contrasts import combinations
from ..postestimation.hypotheses import WaldResult, lincom, parse_restrictions, wald
from ..postestimation.standardize import depvar_summary, standardized
from ..spec import ModelSpec, SmallSample, VceSpec
from ..stata_lang.naming import stata_term_name
from ..tables import interop
from ..tables.etable import etable
from ..tables.summary import render_summary
from ..vce import VceInference, resolve
from .vcefit import compute_vce, g_star_notes, vce_fields

if TYPE_CHECKING:
    from .model import Results

__all__ = ["ResultsBase", "json_number"]


class ResultsBase:
    """Inference from stored estimates and their covariance (mixed into ``Results``)."""

    # the fields this interface reads (declared by the dataclass that mixes it in)
    spec: ModelSpec
    depvar: str
    terms: tuple[str, ...]
    params: pd.Series
    cov: pd.DataFrame
    omitted: tuple[str, ...]
    nobs: int | float
    df_resid: float
    df_model: float
    df_inference: float | None
    n_clusters: Mapping[str, int]
    rsquared: float
    rsquared_adj: float
    rsquared_within: float | None
    rmse: float
    fstat: float
    f_pvalue: float
    f_df: tuple[float, float | None]
    vce_name: str
    vce_label: str
    rows: RowAccounting
    display_names: Mapping[str, str]
    fixed_effects: tuple[str, ...]
    level: float
    df_terms: pd.Series | None
    _notes: tuple[str, ...]
    _notes_later: Callable[[], tuple[str, ...]] | None
    _notes_at: int
    _estimator_notes: tuple[str, ...]
    _fit: Fit | None
    _design: Design | None
    _data: pd.DataFrame | None
    _refit: Callable[[ModelSpec], Results] | None
    _inference: VceInference | None
    _g_star: tuple[str, Any] | None
    _df_contrast: Callable[[Any], Any] | None

    @cached_property
    def notes(self) -> tuple[str, ...]:
        """What the reader should know: dropped rows, omitted terms, few clusters, the
        effective number of clusters G*, how p-values were obtained."""
        later = self._notes_later() if self._notes_later is not None else ()
        later += g_star_notes(self.effective_clusters, self.n_clusters, self.display_names)
        at = len(self._notes) if self._notes_at < 0 else self._notes_at
        return tuple(dict.fromkeys((*self._notes[:at], *later, *self._notes[at:])))

    @cached_property
    def effective_clusters(self) -> pd.Series | None:
        """The effective number of clusters G* per coefficient (Carter, Schnepel &
        Steigerwald 2017; see the variance docs), named after the cluster variable; NaN for
        omitted terms, None when the variance is not clustered. Computed on first read."""
        if self._g_star is None:
            return None
        var, values = self._g_star
        kept = [i for i, t in enumerate(self.terms) if t not in self.omitted]
        out = np.full(len(self.terms), np.nan)
        out[kept] = values() if callable(values) else values
        return pd.Series(out, index=list(self.terms), name=var)

    @cached_property
    def depvar_mean(self) -> float:
        """Mean of the dependent variable on the estimation sample (weighted as the model;
        NaN when the result does not keep its sample)."""
        return depvar_summary(self)[0]  # type: ignore[arg-type]

    @cached_property
    def depvar_sd(self) -> float:
        """Standard deviation of the dependent variable on the estimation sample, as
        Stata's ``summarize`` (weighted as the model)."""
        return depvar_summary(self)[1]  # type: ignore[arg-type]

    @cached_property
    def beta(self) -> pd.Series:
        """Standardized coefficients b sd(x) / sd(y) (Stata's ``regress, beta``; see
        :mod:`vcereg.postestimation.standardize`); NaN for the constant.

        >>> import vcereg
        >>> r = vcereg.regress("G3 ~ absences + age", vcereg.datasets.load("student-mat"))
        >>> round(float(r.beta["age"]), 4)
        -0.1729
        """
        return standardized(self)  # type: ignore[arg-type]

    @property
    def n_dropped(self) -> int:
        """Rows dropped for missing or non-finite values and zero weights."""
        return self.rows.n_dropped

    @property
    def ssc_name(self) -> str:
        return self.spec.ssc.name

    # --- inference -------------------------------------------------------------------
    @cached_property
    def se(self) -> pd.Series:
        """Standard errors (NaN for omitted terms)."""
        v = np.sqrt(np.clip(np.diag(self.cov.to_numpy()), 0, None))
        v[[t in self.omitted for t in self.terms]] = np.nan
        return pd.Series(v, index=self.params.index, name="std_error")

    @cached_property
    def tstat(self) -> pd.Series:
        """t (or z) statistics; NaN where the standard error is 0 (a perfect fit or a
        constant outcome: Stata prints ``.``), so p-values and stars are missing too."""
        se = self.se.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(se > 0, self.params.to_numpy() / se, np.nan)
        return pd.Series(t, index=self.params.index, name="t")

    @property
    def stat(self) -> pd.Series:
        """The test statistics: t under t inference, z under the normal (``tstat``)."""
        return self.tstat

    @cached_property
    def pvalue(self) -> pd.Series:
        """Two-sided p-values from t(df_inference), or the normal when that is None
        (per coefficient from ``df_terms`` when the variance gives one df per term); from
        the bootstrap for ``vce(wild ...)``."""
        if self._inference is not None:
            p = self._expand(self._inference.pvalues)
        else:
            df = self.df_inference if self.df_terms is None else self.df_terms.to_numpy()
            p = p_values(self.tstat.to_numpy(), df)
        return pd.Series(p, index=self.params.index, name="p")

    def _expand(self, kept: FloatArray) -> FloatArray:
        """Per-kept-coefficient values placed over all terms (NaN for omitted ones)."""
        keep = [t not in self.omitted for t in self.terms]
        out = np.full((len(self.terms), *kept.shape[1:]), np.nan)
        out[keep] = kept
        return out

    def conf_int(self, level: float | None = None) -> pd.DataFrame:
        """Confidence intervals (columns ``lower``, ``upper``); ``level`` in percent.

        Accepts 0.95 as well as 95.
        """
        lev = self.level if level is None else confidence_level(level)
        if self._inference is not None:
            ci = self._expand(self._inference.conf_int(lev))
            return pd.DataFrame({"lower": ci[:, 0], "upper": ci[:, 1]}, index=list(self.terms))
        df = self.df_inference if self.df_terms is None else self.df_terms.to_numpy()
        c = critical_value(lev, df)
        b, s = self.params.to_numpy(), self.se.to_numpy()
        return pd.DataFrame({"lower": b - c * s, "upper": b + c * s}, index=list(self.terms))

    def tidy(self, level: float | None = None) -> pd.DataFrame:
        """One row per term: estimate, std_error, t, p, ci_low, ci_high."""
        ci = self.conf_int(level)
        return pd.DataFrame(
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

    # --- tests after the fit -----------------------------------------------------------
    def _restrictions(self, hypothesis: str) -> tuple[np.ndarray, np.ndarray]:
        aliases = {"_cons": "Intercept"}
        names = dict(self.spec.factor_names)
        for t in self.terms:
            aliases.setdefault(self.display_names.get(t, t), t)
            aliases.setdefault(stata_term_name(t, names), t)
        return parse_restrictions(hypothesis, self.terms, aliases)

    def test(self, hypothesis: str) -> WaldResult:
        """Wald test of linear restrictions with this fit's covariance (Stata's ``test``).

        ``"x1 = x2"``, ``"x1 = 0, x2 = 0"``, ``"x1 x2"``, ``"2.g = 3.g"``; F(q, df) when
        the fit uses t inference, chi2(q) when it uses the normal. See
        :mod:`vcereg.postestimation.hypotheses`.

        >>> import vcereg
        >>> r = vcereg.regress("G3 ~ absences + studytime", vcereg.datasets.load("student-mat"))
        >>> res = r.test("absences = 0, studytime = 0")
        >>> res.df, round(res.stat, 3) == round(r.fstat, 3)
        ((2, 392.0), True)
        """
        R, r = self._restrictions(hypothesis)
        shown = [self.display_names.get(t, t) for t in self.terms]
        return wald(self.params.to_numpy(), self.cov.to_numpy(), R, r, self.df_inference, shown)

    def lincom(
        self, expression: str, level: float | None = None, *, eform: bool = False
    ) -> pd.DataFrame:
        """A linear combination of coefficients with its standard error, t, p and interval
        (Stata's ``lincom``): one row with the columns of :meth:`tidy`. ``eform=True``
        exponentiates it (``lincom ..., or`` / ``irr``: the estimate exp(c'b), its delta-method
        standard error exp(c'b) se, the interval exp of the bounds; z and p unchanged).

        >>> import vcereg
        >>> r = vcereg.regress("G3 ~ absences + studytime", vcereg.datasets.load("student-mat"))
        >>> list(r.lincom("absences + 2*studytime").columns)
        ['estimate', 'std_error', 't', 'p', 'ci_low', 'ci_high']
        """
        R, r = self._restrictions(expression)
        lev = self.level if level is None else confidence_level(level)
        label = expression.strip()
        if R.shape[0] != 1:  # the error lincom gives for several combinations
            lincom(self.params.to_numpy(), self.cov.to_numpy(), R, r, None, lev, label)
        # the model's inference for the combination: its own Bell-McCaffrey df, the wild
        # bootstrap's p-value and interval (see postestimation.contrasts)
        out = combinations(self, R, r, [label], lev)
        if eform:  # Stata's lincom ..., or / irr / eform: exp of the combination
            est, se = out["estimate"].to_numpy(), out["std_error"].to_numpy()
            out["estimate"] = np.exp(est)
            out["std_error"] = np.exp(est) * se
            out["ci_low"] = np.exp(out["ci_low"].to_numpy())
            out["ci_high"] = np.exp(out["ci_high"].to_numpy())
        return out

    # --- other covariances -------------------------------------------------------------
    def with_vce(self, vce: str | VceSpec, *, ssc: str | None = None) -> Results:
        """The same estimates with another covariance (no re-estimation, except with
        absorbed fixed effects, whose degrees of freedom depend on the cluster variables).

        >>> import vcereg
        >>> d = vcereg.datasets.load("student-mat")
        >>> r = vcereg.regress("G3 ~ absences", d).with_vce("hc3")
        >>> r.vce_label
        'Robust (HC3)'
        """
        if self._fit is None or self._design is None:
            raise EstimationError("this result does not keep its fit; refit with the new vce")
        if not isinstance(vce, str | VceSpec):
            raise SpecError(
                f"with_vce() expects a string such as 'robust' or 'cluster g' "
                f"(got {type(vce).__name__} {vce!r})"
            )
        vspec = parse_vce(vce) if isinstance(vce, str) else vce
        spec = self.spec.replace(vce=vspec, source="")
        if ssc is not None:
            spec = spec.replace(ssc=SmallSample.preset(ssc))
        _, canonical = resolve(vspec)
        spec = spec.replace(vce=canonical)
        if self._refit is not None:  # absorbed effects and panel models
            return self._refit(spec)
        vres = compute_vce(spec, self._design, self._fit, self._data)
        notes = self._estimator_notes
        fields = vce_fields(spec, self._design, self._fit, vres, notes, self._data)
        return cast("Results", replace(self, **fields))  # type: ignore[type-var]

    # --- export --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain Python objects: coefficients with inference, the covariance
        matrix, fit statistics, the variance label and the notes (NaN becomes None).

        >>> import json, vcereg
        >>> r = vcereg.regress("G3 ~ absences", vcereg.datasets.load("student-mat"))
        >>> json.loads(json.dumps(r.to_dict()))["coefficients"]["absences"]["p"] > 0.4
        True
        """
        tidy = self.tidy()
        num = json_number
        coefs = {
            term: {col: num(tidy.at[term, col]) for col in tidy.columns}
            | {"omitted": term in self.omitted, "display_name": self.display_names.get(term, term)}
            | ({"df": num(self.df_terms[term])} if self.df_terms is not None else {})
            for term in self.terms
        }
        panel = getattr(self, "panel", None)
        return {
            "model": self.spec.source or self.spec.formula,
            "depvar": self.depvar,
            "terms": list(self.terms),
            "coefficients": coefs,
            "vcov": {
                "terms": list(self.terms),
                "matrix": [[num(v) for v in row] for row in self.cov.to_numpy()],
            },
            "nobs": self.nobs,
            "df_resid": num(self.df_resid),
            "df_model": num(self.df_model),
            "df_inference": num(self.df_inference),
            "r2": num(self.rsquared),
            "r2_adj": num(self.rsquared_adj),
            "r2_within": num(self.rsquared_within),
            "rmse": num(self.rmse),
            "level": self.level,
            "f": {
                "stat": num(self.fstat),
                "p": num(self.f_pvalue),
                "df": [num(d) for d in self.f_df],
            },
            "vce": {"name": self.vce_name, "label": self.vce_label, "ssc": self.ssc_name},
            "n_clusters": dict(self.n_clusters),
            "fixed_effects": list(self.fixed_effects),
            "n_dropped": self.n_dropped,
            "notes": list(self.notes),
            "panel": panel.to_dict() if panel is not None else None,
            "ml": self._ml_dict(),
        }

    def _ml_dict(self) -> dict[str, Any] | None:
        """Likelihood statistics of a maximum-likelihood fit (None for least squares)."""
        ml = getattr(self, "ml", None)
        if ml is None:
            return None
        num = json_number
        r: Any = self
        return {
            "model": ml.model,
            "family": ml.family,
            "link": ml.link,
            "loglik": num(ml.loglik),
            "ll_0": num(ml.ll_0),
            "pseudo_r2": num(r.pseudo_r2),
            "chi2": num(r.chi2),
            "chi2_type": r.model_test,
            "aic": num(r.aic),
            "bic": num(r.bic),
            "deviance": num(ml.deviance),
            "pearson": num(ml.pearson),
            "scale": num(ml.scale),
            "alpha": num(ml.alpha),
            "iterations": ml.iterations,
        }

    # --- display -------------------------------------------------------------------
    def summary(self, *, beta: bool | None = None) -> str:
        """Stata-like regression output; ``beta=True`` shows standardized coefficients in
        place of the confidence interval (default: as the Stata line asked, ``, beta``)."""
        shown = self.spec.beta if beta is None else beta
        return render_summary(self, beta=shown)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        model = self.spec.source or self.spec.formula
        return f"<Results {model!r}: N={self.nobs}, {self.vce_label}, {len(self.terms)} terms>"

    def _repr_html_(self) -> str:
        return etable(self).to_html()  # type: ignore[arg-type]

    # --- maketables plug-in protocol (see vcereg.tables.interop) -------------------
    @property
    def __maketables_coef_table__(self) -> pd.DataFrame:
        return interop.coef_table(self)  # type: ignore[arg-type]

    def __maketables_stat__(self, key: str) -> Any:
        return interop.stat(self, key)  # type: ignore[arg-type]

    @property
    def __maketables_depvar__(self) -> str:
        return self.depvar

    @property
    def __maketables_fixef_string__(self) -> str | None:
        return "+".join(self.fixed_effects) or None

    @property
    def __maketables_vcov_info__(self) -> dict[str, Any]:
        return interop.vcov_info(self)  # type: ignore[arg-type]

    @property
    def __maketables_stat_labels__(self) -> dict[str, str]:
        return interop.stat_labels()

    @property
    def __maketables_default_stat_keys__(self) -> list[str]:
        return ["N", "r2", "adj_r2", "r2_within", "n_clusters", "se_type"]

    @property
    def __maketables_var_labels__(self) -> dict[str, str] | None:
        shown = {t: n for t, n in self.display_names.items() if n != t}
        return shown or None


def json_number(value: object) -> float | None:
    """A JSON-safe number: NaN and infinities become None."""
    if value is None:
        return None
    x = float(value)  # type: ignore[arg-type]
    return x if math.isfinite(x) else None
