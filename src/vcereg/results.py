"""The frozen regression result.

A result never changes: :meth:`Results.with_vce` returns a new one with another
covariance, computed from the stored fit without re-estimating.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._types import FloatArray
from .design import Design
from .design.sample import RowAccounting, factorize_groups
from .dsl import parse_vce
from .errors import DataError, EstimationError, NotSupportedError, SpecError, VceregError
from .estimators import Fit, IVInfo
from .estimators.ivdiag import VceSetup, estat_table, first_stage_stats
from .estimators.panel import PanelStats
from .inference import WaldTest, critical_value, p_values, wald_test
from .postestimation.boottest import BootTest, boottest
from .postestimation.fixef import fixef
from .postestimation.hypotheses import WaldResult, lincom, parse_restrictions, wald
from .postestimation.margins import margins
from .postestimation.predict import predict
from .spec import ModelSpec, SmallSample, VceSpec, WeightKind
from .stata_lang.naming import stata_term_name
from .tables import interop
from .tables.etable import etable
from .tables.summary import render_summary
from .vce import VceContext, VceInference, VceResult, resolve

__all__ = ["Results", "assemble", "compute_vce", "vce_setup", "with_panel"]


@dataclass(frozen=True, eq=False, repr=False)
class Results:
    """Estimates, their covariance and fit statistics of one regression.

    Attributes
    ----------
    params, cov
        Coefficients (Series) and covariance (DataFrame) over all terms; omitted
        (collinear) terms have coefficient 0 and zero variance, as in Stata's ``e(V)``.
    se, tstat, pvalue
        NaN for omitted terms.
    nobs, df_resid, df_inference
        Observations (sum of frequency weights), residual df, and the t degrees of
        freedom used for inference (None means the normal distribution).
    n_clusters
        Cluster variable to number of clusters.
    rsquared, rsquared_adj, rmse
        Stata's R-squared, adjusted R-squared and Root MSE = sqrt(RSS / df_resid).
    fstat, f_pvalue, f_df
        Wald F test that all coefficients but the intercept are zero, with the chosen vce.

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> r = vcereg.regress("G3 ~ absences", d)
    >>> round(float(r.params["absences"]), 4), round(float(r.pvalue["absences"]), 3)
    (0.0196, 0.497)
    """

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
    rmse: float
    rss: float
    tss: float
    fstat: float
    f_pvalue: float
    f_df: tuple[float, float | None]
    vce_name: str
    vce_label: str
    rows: RowAccounting
    _notes: tuple[str, ...]  # computed at fit time; see the notes property
    display_names: Mapping[str, str] = field(default_factory=dict)
    fixed_effects: tuple[str, ...] = ()
    rsquared_within: float | None = None
    model_label: str = "Linear regression"
    level: float = 95.0
    instrumented: tuple[str, ...] = ()  # IV: endogenous regressors (display names)
    instruments: tuple[str, ...] = ()  # IV: exogenous regressors and excluded instruments
    # Per-coefficient t degrees of freedom (e.g. Bell-McCaffrey); None: df_inference for all
    df_terms: pd.Series | None = None
    panel: PanelStats | None = None  # xtreg: sigma_u, sigma_e, rho, R-squared within/between...
    _estimator_notes: tuple[str, ...] = field(default=(), repr=False)
    # notes whose diagnostics cost a pass over the data (G*): computed when first read
    _notes_later: Callable[[], tuple[str, ...]] | None = field(default=None, repr=False)
    _notes_at: int = field(default=-1, repr=False)  # where they go in the notes (-1: last)
    _fit: Fit | None = field(default=None, repr=False)
    _design: Design | None = field(default=None, repr=False)
    _data: pd.DataFrame | None = field(default=None, repr=False)
    # With absorbed effects the degrees of freedom depend on the cluster variables
    # (effects nested in a cluster are not counted), so with_vce refits through this.
    _refit: Callable[[ModelSpec], Results] | None = field(default=None, repr=False)
    _iv: IVInfo | None = field(default=None, repr=False)
    # p-values and intervals from the variance estimator itself (the wild bootstrap)
    _inference: VceInference | None = field(default=None, repr=False)

    @cached_property
    def notes(self) -> tuple[str, ...]:
        """What the reader should know: dropped rows, omitted terms, few clusters, the
        effective number of clusters G*, how p-values were obtained."""
        later = self._notes_later() if self._notes_later is not None else ()
        at = len(self._notes) if self._notes_at < 0 else self._notes_at
        return tuple(dict.fromkeys((*self._notes[:at], *later, *self._notes[at:])))

    # --- inference -------------------------------------------------------------------
    @property
    def ess(self) -> float:
        """Explained (model) sum of squares."""
        return self.tss - self.rss

    @property
    def n_dropped(self) -> int:
        """Rows dropped for missing or non-finite values and zero weights."""
        return self.rows.n_dropped

    @property
    def ssc_name(self) -> str:
        return self.spec.ssc.name

    @cached_property
    def se(self) -> pd.Series:
        """Standard errors (NaN for omitted terms)."""
        v = np.sqrt(np.clip(np.diag(self.cov.to_numpy()), 0, None))
        v[[t in self.omitted for t in self.terms]] = np.nan
        return pd.Series(v, index=list(self.terms), name="std_error")

    @cached_property
    def tstat(self) -> pd.Series:
        """t (or z) statistics; NaN where the standard error is 0 (a perfect fit or a
        constant outcome: Stata prints ``.``), so p-values and stars are missing too."""
        se = self.se.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(se > 0, self.params.to_numpy() / se, np.nan)
        return pd.Series(t, index=list(self.terms), name="t")

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
        return pd.Series(p, index=list(self.terms), name="p")

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
        if level is not None and (isinstance(level, bool) or not isinstance(level, int | float)):
            raise SpecError(f"level expects a number such as 95 (got {level!r})")
        lev = self.level if level is None else float(level)
        if 0 < lev < 1:
            lev *= 100
        if not 0 < lev < 100:
            raise DataError(f"confidence level must be between 0 and 100 (got {level})")
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

    # --- IV diagnostics ----------------------------------------------------------------
    def _vce_setup(self) -> VceSetup:
        if self._iv is None or self._design is None:
            raise EstimationError(
                "IV diagnostics need an instrumental-variables model, e.g. "
                "'y ~ x | iv(d ~ z1 z2)' or 'ivregress 2sls y x (d = z1 z2)'"
            )
        return vce_setup(self.spec, self._design, self._data)

    def estat(self, what: str) -> pd.DataFrame:
        """IV diagnostics by Stata's names: ``"firststage"``, ``"overid"``, ``"endogenous"``.

        A DataFrame indexed by test with columns ``stat``, ``df``, ``df_denom`` (F tests)
        and ``pvalue``; see :mod:`vcereg.estimators.ivdiag` for the formulas.

        >>> import vcereg
        >>> d = vcereg.datasets.load("student-mat")
        >>> r = vcereg.regress("G3 ~ age | iv(absences ~ Medu Fedu)", d)
        >>> list(r.estat("overid").index)
        ['Sargan', 'Basmann']
        """
        if self._iv is None:
            self._vce_setup()  # raises the explanation
        assert self._iv is not None
        return estat_table(what, self._iv, self._vce_setup())

    @cached_property
    def first_stage(self) -> pd.DataFrame:
        """IV: per endogenous regressor the first-stage F (with the model's variance),
        its degrees of freedom and p-value, the partial R² and Shea's partial R².

        Empty for models without instruments.
        """
        cols = ["f", "df_num", "df_denom", "pvalue", "partial_r2", "shea_r2"]
        if self._iv is None:
            return pd.DataFrame(columns=cols)
        rows = {}
        for s in first_stage_stats(self._iv, self._vce_setup()):
            df_denom = np.nan if s.df[1] is None else s.df[1]
            rows[s.endog] = [s.f, s.df[0], df_denom, s.pvalue, s.partial_r2, s.shea_r2]
        out = pd.DataFrame.from_dict(rows, orient="index", columns=cols)
        out.index.name = "endog"
        return out

    @cached_property
    def iv_stats(self) -> dict[str, float]:
        """IV summary statistics as numbers (empty without instruments): ``first_f:<endog>``,
        ``cd_f`` (Cragg-Donald Wald F), ``kp_f`` (Kleibergen-Paap rk Wald F, robust or
        cluster variance), ``sargan``/``sargan_p``/``sargan_df`` or
        ``hansen_j``/``hansen_j_p``/``hansen_j_df`` when over-identified. What cannot be
        computed (e.g. too few clusters for the moments) is left out.
        """
        if self._iv is None:
            return {}
        out: dict[str, float] = {}
        for what in ("firststage", "overid"):
            try:
                table = self.estat(what)
            except (VceregError, np.linalg.LinAlgError, ValueError):
                continue
            for test, row in table.iterrows():
                key = _IV_STAT_KEYS.get(str(test))
                if key is None and str(test).startswith("F "):
                    out[f"first_f:{str(test)[2:]}"] = float(row["stat"])
                elif key is not None:
                    out[key] = float(row["stat"])
                    if key in ("sargan", "hansen_j"):
                        out[f"{key}_p"] = float(row["pvalue"])
                        out[f"{key}_df"] = float(row["df"])
        return out

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

    def lincom(self, expression: str, level: float | None = None) -> pd.DataFrame:
        """A linear combination of coefficients with its standard error, t, p and interval
        (Stata's ``lincom``): one row with the columns of :meth:`tidy`.

        >>> import vcereg
        >>> r = vcereg.regress("G3 ~ absences + studytime", vcereg.datasets.load("student-mat"))
        >>> list(r.lincom("absences + 2*studytime").columns)
        ['estimate', 'std_error', 't', 'p', 'ci_low', 'ci_high']
        """
        R, r = self._restrictions(expression)
        lev = self.level if level is None else float(level)
        lev = lev * 100 if 0 < lev < 1 else lev
        df = self.df_inference if self.df_terms is None else self.df_terms.to_numpy()
        label = expression.strip()
        return lincom(self.params.to_numpy(), self.cov.to_numpy(), R, r, df, lev, label)

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
        return assemble(
            spec,
            self._design,
            self._fit,
            vres,
            self._data,
            self._estimator_notes,
            model_label=self.model_label,
            rsquared_within=self.rsquared_within,
            iv=self._iv,
        )

    # --- after the fit (see vcereg.postestimation) ------------------------------------
    def predict(
        self,
        data: pd.DataFrame | None = None,
        *,
        what: str = "xb",
        unseen: Literal["error", "missing"] = "error",
    ) -> pd.Series:
        """Stata's ``predict``: ``what`` is ``"xb"``, ``"residuals"``, ``"stdp"``, and with
        absorbed effects ``"xbd"`` or ``"d"``. Without ``data``, on the estimation sample
        aligned to the fitted data's index (NaN elsewhere); a categorical level the fit has
        not seen is an error, or NaN with ``unseen="missing"``. See
        :mod:`vcereg.postestimation.predict`.
        """
        return predict(self, data, what=what, unseen=unseen)

    def fixef(self) -> dict[str, pd.Series]:
        """The absorbed fixed effects, one Series per absorbed variable (normalisation:
        :mod:`vcereg.postestimation.fixef`)."""
        return fixef(self)

    def margins(
        self,
        dydx: str | list[str] | None = None,
        *,
        at: Mapping[str, object] | None = None,
        over: str | None = None,
        atmeans: bool = False,
        level: float | None = None,
    ) -> pd.DataFrame:
        """Stata's ``margins``: average marginal effects (``dydx``) or predictive margins,
        with delta-method standard errors; columns as :meth:`tidy`."""
        return margins(self, dydx, at=at, over=over, atmeans=atmeans, level=level)

    def boottest(
        self,
        hypothesis: str,
        *,
        cluster: str | None = None,
        reps: int = 9999,
        weights: str = "rademacher",
        seed: int | None = None,
        null: bool = True,
        level: float | None = None,
    ) -> BootTest:
        """Wild cluster bootstrap test of one linear restriction, e.g. ``"x1 = x2"``
        (Stata's ``boottest``); see :func:`vcereg.postestimation.boottest.boottest`.

        >>> import vcereg
        >>> d = vcereg.datasets.load("student-mat")
        >>> bt = vcereg.regress("G3 ~ absences | vce(cluster school)", d).boottest("absences")
        >>> bt.reps, bt.enumerated
        (4, True)
        """
        return boottest(
            self,
            hypothesis,
            cluster=cluster,
            reps=reps,
            weights=weights,
            seed=seed,
            null=null,
            level=level,
        )

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
        coefs = {
            term: {col: _num(tidy.at[term, col]) for col in tidy.columns}
            | {"omitted": term in self.omitted, "display_name": self.display_names.get(term, term)}
            | ({"df": _num(self.df_terms[term])} if self.df_terms is not None else {})
            for term in self.terms
        }
        return {
            "model": self.spec.source or self.spec.formula,
            "depvar": self.depvar,
            "terms": list(self.terms),
            "coefficients": coefs,
            "vcov": {
                "terms": list(self.terms),
                "matrix": [[_num(v) for v in row] for row in self.cov.to_numpy()],
            },
            "nobs": self.nobs,
            "df_resid": _num(self.df_resid),
            "df_model": _num(self.df_model),
            "df_inference": _num(self.df_inference),
            "r2": _num(self.rsquared),
            "r2_adj": _num(self.rsquared_adj),
            "r2_within": _num(self.rsquared_within),
            "rmse": _num(self.rmse),
            "level": self.level,
            "f": {
                "stat": _num(self.fstat),
                "p": _num(self.f_pvalue),
                "df": [_num(d) for d in self.f_df],
            },
            "vce": {"name": self.vce_name, "label": self.vce_label, "ssc": self.ssc_name},
            "n_clusters": dict(self.n_clusters),
            "fixed_effects": list(self.fixed_effects),
            "n_dropped": self.n_dropped,
            "notes": list(self.notes),
            "panel": self.panel.to_dict() if self.panel is not None else None,
        }

    # --- display -------------------------------------------------------------------
    def summary(self) -> str:
        """Stata-like regression output."""
        return render_summary(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        model = self.spec.source or self.spec.formula
        return f"<Results {model!r}: N={self.nobs}, {self.vce_label}, {len(self.terms)} terms>"

    def _repr_html_(self) -> str:
        return etable(self).to_html()

    # --- maketables plug-in protocol (see vcereg.tables.interop) -------------------
    @property
    def __maketables_coef_table__(self) -> pd.DataFrame:
        return interop.coef_table(self)

    def __maketables_stat__(self, key: str) -> Any:
        return interop.stat(self, key)

    @property
    def __maketables_depvar__(self) -> str:
        return self.depvar

    @property
    def __maketables_fixef_string__(self) -> str | None:
        return "+".join(self.fixed_effects) or None

    @property
    def __maketables_vcov_info__(self) -> dict[str, Any]:
        return interop.vcov_info(self)

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


_IV_STAT_KEYS = {
    "Cragg-Donald Wald F": "cd_f",
    "Kleibergen-Paap rk Wald F": "kp_f",
    "Sargan": "sargan",
    "Hansen J": "hansen_j",
}


def _num(value: object) -> float | None:
    """A JSON-safe number: NaN and infinities become None."""
    if value is None:
        return None
    x = float(value)  # type: ignore[arg-type]
    return x if math.isfinite(x) else None


def assemble(
    spec: ModelSpec,
    design: Design,
    fit: Fit,
    vres: VceResult,
    data: pd.DataFrame | None,
    notes: tuple[str, ...] = (),
    *,
    model_label: str = "Linear regression",
    rsquared_within: float | None = None,
    refit: Callable[[ModelSpec], Results] | None = None,
    df_fit: float | None = None,
    iv: IVInfo | None = None,
) -> Results:
    """Build a :class:`Results` from the pieces (used by the api)."""
    terms = design.terms
    k_all = len(terms)
    cov = np.zeros((k_all, k_all))
    idx = np.flatnonzero(fit.keep)
    cov[np.ix_(idx, idx)] = vres.cov
    params = pd.Series(fit.params, index=list(terms), name="estimate")
    df_terms = None
    if vres.df_terms is not None:
        df_all = np.full(k_all, np.nan)
        df_all[idx] = vres.df_terms
        df_terms = pd.Series(df_all, index=list(terms), name="df")
    slopes = [i for i, t in enumerate(terms) if fit.keep[i] and t != "Intercept"]
    test = _model_test(fit, slopes, cov, vres.df_inference)
    df_model = float(len(slopes))
    r2 = 1 - fit.rss / fit.tss if fit.tss > 0 else float("nan")
    n = fit.nobs
    centered = 1 if design.has_intercept else 0
    # Root MSE and adjusted R-squared count every absorbed level, even those the variance
    # leaves out because they are nested in a cluster (reghdfe, fixest, areg agree here).
    df_fit = fit.df_resid if df_fit is None else df_fit
    r2_adj = 1 - (1 - r2) * (n - centered) / df_fit
    names = _display_names(spec, design)
    all_notes = (*design.notes, *design.rows.messages(), *vres.notes, *notes)
    all_notes += _df_notes(vres, terms, idx, names)
    g_star_at = len(all_notes)  # the G* note goes here when the notes are read
    if fit.omitted:
        all_notes += (f"omitted because of collinearity: {', '.join(fit.omitted)}",)
    if design.has_intercept and terms == ("Intercept",) and not spec.absorb:
        all_notes += ("no regressors: an intercept-only model (the constant is the mean)",)
    if test.dropped and test.df_num:
        all_notes += (
            f"F test: {test.dropped} constraint(s) dropped because the covariance is "
            "singular on them",
        )
    return Results(
        spec=spec,
        depvar=design.depvar,
        terms=terms,
        params=params,
        cov=pd.DataFrame(cov, index=list(terms), columns=list(terms)),
        omitted=fit.omitted,
        nobs=int(n) if float(n).is_integer() else n,
        df_resid=fit.df_resid,
        df_model=df_model,
        df_inference=vres.df_inference,
        n_clusters=dict(vres.n_clusters),
        rsquared=r2,
        rsquared_adj=r2_adj,
        rmse=float(np.sqrt(fit.rss / (df_fit if spec.ssc.small else fit.nobs))),
        rss=fit.rss,
        tss=fit.tss,
        fstat=test.stat,
        f_pvalue=test.pvalue,
        f_df=(float(test.df_num), test.df_denom),
        vce_name=spec.vce.name,
        vce_label=vres.label,
        rows=design.rows,
        _notes=all_notes,
        display_names={t: names[t] for t in terms if t in names},
        level=spec.level,
        model_label=model_label,
        rsquared_within=rsquared_within,
        fixed_effects=spec.absorb,
        instrumented=tuple(names.get(t, t) for t in design.endog_terms),
        instruments=tuple(names.get(t, t) for t in design.z_terms if t != "Intercept"),
        df_terms=df_terms,
        _estimator_notes=notes,
        _notes_later=(
            (lambda: _g_star_notes(vres, terms, idx, names))
            if vres.effective_clusters is not None
            else None
        ),
        _notes_at=g_star_at,
        _inference=vres.inference,
        _refit=refit,
        _iv=iv,
        _fit=fit,
        _design=design,
        _data=data,
    )


def _model_test(fit: Fit, slopes: list[int], cov: np.ndarray, df: float | None) -> WaldTest:
    """The model F: slopes jointly zero, through the fit's R factor where V is iid."""
    kept = np.cumsum(fit.keep) - 1  # position of each term among the kept columns
    cols = [int(kept[i]) for i in slopes]
    bread = fit.lstsq.bread()[np.ix_(cols, cols)] if cols else None
    whitener = fit.lstsq.whitener(cols) if cols else None
    sub = cov[np.ix_(slopes, slopes)]
    return wald_test(fit.params[slopes], sub, df, whitener=whitener, bread=bread)


def vce_setup(spec: ModelSpec, design: Design, data: pd.DataFrame | None = None) -> VceSetup:
    """The model's variance request with the codes it needs, for IV diagnostics."""
    groups = dict(design.groups)
    missing = [v for v in spec.vce.args if v not in groups]
    if missing and data is not None:
        time = resolve(spec.vce)[0].time_variables(spec.vce)
        groups.update(factorize_groups(data, design.index, missing, time))
    fw = design.weights if design.weight_kind is WeightKind.FWEIGHT else None
    return VceSetup(spec.vce, spec.ssc, groups, design.weight_kind, fw)


def _shown(
    terms: tuple[str, ...], idx: np.ndarray, names: Mapping[str, str]
) -> tuple[list[int], list[str]]:
    kept = [terms[i] for i in idx]
    shown = [j for j, t in enumerate(kept) if t != "Intercept"][:6]
    return shown, [names.get(kept[j], kept[j]) for j in shown]


def _df_notes(
    vres: VceResult, terms: tuple[str, ...], idx: np.ndarray, names: Mapping[str, str]
) -> tuple[str, ...]:
    """Per-coefficient degrees of freedom, with term names."""
    shown, label = _shown(terms, idx, names)
    if vres.df_terms is None or not shown:
        return ()
    dfs = ", ".join(f"{n} {vres.df_terms[j]:.1f}" for n, j in zip(label, shown, strict=True))
    return (f"t degrees of freedom per coefficient (Bell-McCaffrey): {dfs}",)


def _g_star_notes(
    vres: VceResult, terms: tuple[str, ...], idx: np.ndarray, names: Mapping[str, str]
) -> tuple[str, ...]:
    """The effective number of clusters per coefficient (computed on first read)."""
    shown, label = _shown(terms, idx, names)
    if vres.effective_clusters is None or not shown:
        return ()
    var, g_star = vres.effective_clusters
    values = g_star() if callable(g_star) else g_star
    vals = ", ".join(f"{n} {values[j]:.1f}" for n, j in zip(label, shown, strict=True))
    g = vres.n_clusters.get(var, "?")
    return (
        f"effective number of clusters G* (Carter, Schnepel & Steigerwald 2017, "
        f"rho = 1) with G = {g} in {var}: {vals}",
    )


def _display_names(spec: ModelSpec, design: Design) -> dict[str, str]:
    if spec.term_style != "stata":
        return {}
    names = dict(design.factor_names)
    return {t: stata_term_name(t, names) for t in (*design.terms, *design.z_terms)}


def with_panel(result: Results, panel: PanelStats | None, nobs: int | None = None) -> Results:
    """Attach xtreg's panel statistics; random effects report the overall R-squared (Stata's
    r2_o) and no adjusted one; ``nobs`` restores the observations behind panel means."""
    if panel is None:
        return result
    changes: dict[str, Any] = {"panel": panel, "rsquared_within": panel.r2_within}
    if panel.model == "re":
        changes |= {"rsquared": panel.r2_overall, "rsquared_adj": float("nan")}
    if nobs is not None:
        changes["nobs"] = nobs
    return replace(result, **changes)


def compute_vce(
    spec: ModelSpec,
    design: Design,
    fit: Fit,
    data: pd.DataFrame | None,
    *,
    normal: bool = False,
) -> VceResult:
    """Resolve ``spec.vce`` and compute it for a fit (shared by fitting and ``with_vce``).

    ``normal`` forces z inference whatever the variance (Stata's ``xtreg, re``)."""
    estimator, vspec = resolve(spec.vce, spec.source or None)
    if spec.iv is not None and not estimator.supports_iv:
        raise NotSupportedError(
            f"vce({vspec.name}) is not available after instrumental variables; "
            "use vce(cluster ...) or vce(robust)"
        )
    needed = estimator.variables(vspec)
    groups = dict(design.groups)
    time = estimator.time_variables(vspec)
    missing = [v for v in needed if v not in groups]
    if data is not None:  # a time variable kept as a cluster variable is recoded in time order
        missing += [v for v in time if v in groups]
    if missing:
        if data is None:
            raise DataError(
                f"variables {', '.join(missing)} are not available for this result; refit"
            )
        groups.update(factorize_groups(data, design.index, missing, time))
    fweights = design.weights if design.weight_kind is WeightKind.FWEIGHT else None
    ctx = VceContext(
        x=fit.x_w,
        y=fit.y_w,
        resid=fit.resid_w,
        bread=fit.lstsq.bread() if fit.bread is None else fit.bread,
        lstsq=fit.lstsq,
        nobs=fit.nobs,
        k=fit.k,
        df_resid=fit.df_resid,
        groups=groups,
        ssc=spec.ssc,
        vce=vspec,
        weight_kind=design.weight_kind,
        fweights=fweights,
        absorbed=design.absorb,
        iid_bread=fit.iid_bread,
        leave_out=fit.leave_out,
    )
    result = estimator.compute(ctx)
    cov = np.asarray(result.cov, dtype=np.float64)
    if cov.shape != (fit.lstsq.rank, fit.lstsq.rank) or not np.all(np.isfinite(cov)):
        raise EstimationError(
            f"vce({vspec.name}) returned a covariance of shape {cov.shape} "
            f"(expected {(fit.lstsq.rank, fit.lstsq.rank)}) or with non-finite values"
        )
    return replace(result, df_inference=None) if normal else result
