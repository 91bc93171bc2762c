"""Frozen model specifications: what the DSL and the Stata parser produce.

Strings are parsed once, at the edge, into these objects; everything downstream
(design matrices, estimators, variance estimators) reads only these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

from .errors import Span, SpecError, VceOptionError, closest

__all__ = [
    "Dialect",
    "DidSpec",
    "FamilySpec",
    "IVSpec",
    "ModelSpec",
    "PanelSpec",
    "RowRange",
    "SampleSpec",
    "SmallSample",
    "TsVar",
    "VceSpec",
    "WeightKind",
    "WeightSpec",
    "make_tsvar",
    "separation_methods",
]


class WeightKind(StrEnum):
    """Stata's weight types. Analytic weights are the default of ``weights(var)``."""

    AWEIGHT = "aweight"
    FWEIGHT = "fweight"
    PWEIGHT = "pweight"


@dataclass(frozen=True, slots=True)
class WeightSpec:
    """Observation weights taken from column ``var``."""

    var: str
    kind: WeightKind = WeightKind.AWEIGHT


class Dialect(StrEnum):
    """Expression language of a sample filter.

    ``python``: pandas semantics (a comparison with a missing value is false).
    ``stata``: Stata semantics (missing is larger than any number).
    """

    PYTHON = "python"
    STATA = "stata"


@dataclass(frozen=True, slots=True)
class SampleSpec:
    """A row filter, kept as text and evaluated by :mod:`vcereg.dsl.expr` without ``eval``."""

    expr: str
    dialect: Dialect = Dialect.PYTHON
    span: Span | None = None  # where ``expr`` sits in ModelSpec.source, for carets


@dataclass(frozen=True, slots=True)
class RowRange:
    """Stata's ``in first/last``: 1-based, inclusive row positions; negative counts from the end."""

    first: int
    last: int


@dataclass(frozen=True, slots=True)
class VceSpec:
    """A variance request: registered ``name`` (canonical), positional ``args`` (e.g. cluster
    variables) and ``options`` as sorted (key, value) pairs.

    ``text`` keeps the user's spelling for messages; ``span`` locates it in the source string.
    """

    name: str = "ols"
    args: tuple[str, ...] = ()
    options: tuple[tuple[str, str], ...] = ()
    text: str = ""
    span: Span | None = None

    def option(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.options:
            if k == key:
                return v
        return default

    def __str__(self) -> str:
        body = " ".join((self.name, *self.args))
        if self.options:
            body += ", " + " ".join(f"{k}({v})" if v else k for k, v in self.options)
        return f"vce({body})"


@dataclass(frozen=True, slots=True)
class IVSpec:
    """Instrumental variables: endogenous regressors and excluded instruments (formula terms).

    ``method`` is ``"2sls"`` (default), ``"liml"``, ``"fuller"`` (Fuller's modified LIML
    with constant ``fuller``), ``"kclass"`` (k-class with ``kappa``) or ``"gmm"`` (two-step
    efficient GMM; ``wmatrix`` is the weight-matrix type as a variance request, ``center``
    centres the moments in it, ``igmm`` iterates to convergence). See
    :mod:`vcereg.estimators.kclass` and :mod:`vcereg.estimators.gmm`.

    ``convention`` is whose GMM conventions apply: ``"ivregress"`` (Stata's command: the
    unadjusted weight matrix centres the residuals, the variance is re-estimated at the
    final residuals) or ``"ivreg2"`` (ivreg2/ivreghdfe ``gmm2s``: no centring unless
    ``center``, the variance from the weight matrix of the estimate, i.e. the first-step
    residuals).
    """

    endog: tuple[str, ...]
    instruments: tuple[str, ...]
    method: Literal["2sls", "liml", "fuller", "kclass", "gmm"] = "2sls"
    kappa: float | None = None
    fuller: float | None = None
    wmatrix: VceSpec | None = None
    center: bool = False
    igmm: bool = False
    convention: Literal["ivregress", "ivreg2"] = "ivregress"


@dataclass(frozen=True, slots=True)
class FamilySpec:
    """A model fitted by maximum likelihood: the distribution of the outcome and its link.

    ``family`` is ``binomial``, ``poisson``, ``gaussian``, ``gamma``, ``inverse_gaussian``
    or ``nbinomial``; ``link`` None means the family's default (logit, log, identity,
    power(-1), power(-2), log). Binomial ``trials`` are a number or a variable (Stata's
    ``family(binomial n)``); ``alpha`` is the negative binomial's (``nbreg`` estimates it:
    ``estimate_alpha``). ``exposure`` enters the linear predictor as ``ln(exposure)``,
    ``offset`` as itself. ``scale`` is Stata's ``scale(x2|dev|#)`` (None: the family's
    default); ``irls`` asks for IRLS with the expected information (``glm, irls``).
    ``eform`` is a display request (``"or"``, ``"irr"``, ``"eform"``). ``tolerance``,
    ``ltolerance``, ``nrtolerance`` and ``iterate`` are Stata's maximize options. ``asis``
    keeps regressors that predict a binary outcome perfectly (Stata's ``asis``).
    ``model`` is the command whose conventions and output apply: ``logit``,
    ``logistic``, ``probit``, ``cloglog``, ``poisson``, ``glm`` or ``nbreg``.
    ``absorb`` models (``fe(...)`` with a family) are fitted by the fixed-effects GLM.
    """

    family: str = "binomial"
    link: str | None = None
    model: str = "glm"
    trials: str | float | None = None
    alpha: float | None = None
    estimate_alpha: bool = False
    exposure: str | None = None
    offset: str | None = None
    scale: str | float | None = None
    irls: bool = False
    eform: str | None = None
    tolerance: float = 1e-6
    ltolerance: float | None = None
    nrtolerance: float = 1e-5
    iterate: int = 300
    asis: bool = False
    # absorbed fixed effects (ppmlhdfe, feglm, clogit, xtlogit/xtpoisson fe): the
    # separation checks (None: ppmlhdfe's default fe simplex ir), the demeaning tolerance
    # itolerance() and whether singleton groups stay (ppmlhdfe's keepsingletons)
    separation: tuple[str, ...] | None = None
    itolerance: float | None = None
    keepsingletons: bool = False

    def variables(self) -> tuple[str, ...]:
        """Data columns the family needs besides the formula (listwise deletion covers them)."""
        out = [v for v in (self.exposure, self.offset) if v]
        if isinstance(self.trials, str):
            out.append(self.trials)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class PanelSpec:
    """Panel / time structure, as Stata's ``xtset id time`` (``tsset time`` leaves ``id`` None)."""

    id: str | None
    time: str | None


@dataclass(frozen=True, slots=True)
class TsVar:
    """A time-series-operated variable such as Stata's ``L2.x``.

    ``op`` is ``"L"`` (lag), ``"F"`` (lead), ``"D"`` (difference) or ``"S"`` (seasonal
    difference); ``order`` the lag/lead or difference order; ``name`` the column the design
    step creates for it (a valid Python identifier used in the formula), ``label`` its display.
    """

    name: str
    op: Literal["L", "F", "D", "S"]
    order: int
    var: str
    label: str


DidMethod = Literal["cs", "sa", "bjs", "did2s", "etwfe"]


@dataclass(frozen=True, slots=True)
class DidSpec:
    """A staggered difference-in-differences design (see docs/did.md).

    Attributes
    ----------
    method
        ``"cs"`` Callaway-Sant'Anna, ``"sa"`` Sun-Abraham, ``"bjs"`` Borusyak-Jaravel-Spiess
        imputation, ``"did2s"`` Gardner's two-stage, ``"etwfe"`` Wooldridge's extended TWFE.
    cohort
        Variable holding the first treated period (missing, 0 or later than the data:
        never treated); None for ``did2s`` given a ``treatment`` variable.
    id, time
        Unit and period variables (``id`` None: repeated cross-sections).
    control
        ``"never"``, ``"notyet"`` or ``"last"`` (Sun-Abraham's last-treated cohort); None
        for the method's default.
    estimation
        Callaway-Sant'Anna's 2x2 estimator: ``"dr"``, ``"ipw"`` or ``"reg"``.
    anticipation, base, unbalanced
        Periods of anticipation; ``"varying"`` or ``"universal"`` base period; keep an
        unbalanced panel (cross-section estimators) instead of balancing it.
    agg
        What the result reports as its coefficients: ``"dynamic"`` (event study and ATT),
        ``"simple"``, ``"group"``, ``"calendar"``, ``"gt"`` (every ATT(g,t)) or ``"custom"``
        (a two-stage model's own second stage).
    min_e, max_e, balance_e
        Event-time window and balancing of the event study.
    bootstrap, seed, boot_weights
        Multiplier-bootstrap repetitions (0: analytic standard errors), seed and weights.
    horizons, pretrends, minn
        Imputation estimator: event times reported (None: all), pre-trend coefficients
        tested, minimum effective number of treated observations per estimate.
    treatment, first_fe, second
        Two-stage estimator: the 0/1 treatment variable (default: from the cohort), the
        first-stage fixed effects (default id and time) and the second stage
        (``"static"``, ``"event"`` or Stata variables as formula terms).
    rel_vars, control_var
        Sun-Abraham: relative-time indicator variables and the control-cohort indicator
        (``eventstudyinteract``'s list and ``control_cohort()``).
    """

    method: DidMethod
    cohort: str | None
    id: str | None = None
    time: str | None = None
    control: Literal["never", "notyet", "last"] | None = None
    estimation: Literal["dr", "ipw", "reg"] = "dr"
    anticipation: int = 0
    base: Literal["varying", "universal"] = "varying"
    unbalanced: bool = False
    agg: Literal["dynamic", "simple", "group", "calendar", "gt", "custom"] = "dynamic"
    min_e: float | None = None
    max_e: float | None = None
    balance_e: int | None = None
    bootstrap: int = 0
    seed: int | None = None
    boot_weights: Literal["rademacher", "mammen"] = "rademacher"
    horizons: tuple[float, ...] | None = None
    pretrends: int = 0
    minn: int = 0
    treatment: str | None = None
    first_fe: tuple[str, ...] = ()
    second: str = "event"
    rel_vars: tuple[str, ...] = ()
    control_var: str | None = None


_Inference = Literal["t", "normal"]


@dataclass(frozen=True, slots=True)
class SmallSample:
    """Small-sample conventions: who multiplies by what (see docs/variance.md).

    Attributes
    ----------
    name
        Preset name, for display.
    hc23_factor
        Multiply HC2/HC3 by N/(N-K) (pyfixest does; Stata does not).
    cluster_g_adj
        Multiply cluster-robust covariances by G/(G-1).
    cluster_n_adj
        Multiply cluster-robust covariances by (N-1)/(N-K).
    multiway
        ``"min"``: one G_min/(G_min-1) factor after inclusion-exclusion (reghdfe, ivreg2
        ``small``, fixest); ``"per_term"``: each intersection gets its own G_S/(G_S-1)
        (Cameron-Gelbach-Miller; Petersen's ``cluster2``; statsmodels).
    robust_inference
        ``"t"`` or ``"normal"`` for every non-iid estimator (statsmodels uses the normal).
    jackknife
        ``"stata"``: CR3 is (G-1)/G times the sum of squared deviations of the
        leave-one-cluster-out estimates from their mean (Stata's ``vce(jackknife)``);
        ``"fixest"``: deviations from the full-sample estimate, times the cluster factor
        G/(G-1)(N-1)/(N-K) (pyfixest's CRV3).
    small
        False switches off every degrees-of-freedom correction and uses the normal
        distribution: s^2 = RSS/N, no N/(N-K), no G/(G-1) or (N-1)/(N-K); Stata's
        ``ivregress`` without ``small`` (linearmodels ``debiased=False``).
    absorbed_in_k
        How absorbed fixed effects count in K for ``reghdfe``/``fe()`` models: ``"all"``
        (as areg), ``"nonnested"`` (reghdfe, fixest: effects nested in a cluster variable
        do not count).
    model_f
        ``"vce"``: the model F (or chi2) follows the policy; ``"small"``: it is always
        the small-sample F with the residual (or G-1) denominator degrees of freedom,
        whatever ``small`` says (ivreg2 and ivreghdfe).
    ml_k
        K in the factors of maximum-likelihood fits: ``"one"`` (Stata's ML commands:
        robust N/(N-1), cluster G/(G-1) and no (N-1)/(N-K)) or ``"all"`` (statsmodels,
        fixest: the estimated parameters, as for least squares).
    ml_model_adj
        Multiply the model-based ML covariance (``oim``) by (N-1)/(N-K) (fixest's
        ``ssc(adj=TRUE)`` for GLMs); Stata and statsmodels do not.
    ml_robust_adj
        Apply ``robust``'s factor to ML fits (Stata N/(N-1), fixest N/(N-K)); statsmodels'
        HC1 of a maximum-likelihood model is its HC0 (no factor).
    """

    name: str = "stata"
    hc23_factor: bool = False
    cluster_g_adj: bool = True
    cluster_n_adj: bool = True
    multiway: Literal["min", "per_term"] = "min"
    robust_inference: _Inference = "t"
    jackknife: Literal["stata", "fixest"] = "stata"
    small: bool = True
    absorbed_in_k: Literal["all", "nonnested"] = "nonnested"
    model_f: Literal["vce", "small"] = "vce"
    ml_k: Literal["one", "all"] = "one"
    ml_model_adj: bool = False
    ml_robust_adj: bool = True

    @classmethod
    def preset(cls, name: str) -> SmallSample:
        """Return a named preset: ``stata`` (default), ``fixest``/``pyfixest``, ``statsmodels``.

        >>> SmallSample.preset("statsmodels").robust_inference
        'normal'
        """
        if not isinstance(name, str):
            raise VceOptionError(
                f"ssc= expects a preset name such as 'stata' or a SmallSample "
                f"(got {type(name).__name__} {name!r})"
            )
        key = name.strip().lower()
        if key == "stata":
            return cls()
        if key in ("fixest", "pyfixest"):
            return cls(
                name="fixest", hc23_factor=True, jackknife="fixest", ml_k="all", ml_model_adj=True
            )
        if key == "statsmodels":
            return cls(
                name="statsmodels",
                multiway="per_term",
                robust_inference="normal",
                ml_k="all",
                ml_robust_adj=False,
            )
        if key in ("asymptotic", "large"):
            return cls(name="asymptotic", small=False, robust_inference="normal")
        if key == "ivreg2":  # large-sample variance, small-sample model F
            return cls(name="ivreg2", small=False, robust_inference="normal", model_f="small")
        near = closest(key, SSC_PRESETS)
        raise VceOptionError(
            f"unknown small-sample preset {name!r}; expected one of {', '.join(SSC_PRESETS)}",
            hint=f"did you mean {near!r}?" if near else None,
        )


SSC_PRESETS = ("stata", "fixest", "pyfixest", "statsmodels", "asymptotic", "ivreg2")
#: ppmlhdfe's separation checks, in the order they run (see vcereg.estimators.separation)
SEPARATION_METHODS = ("fe", "simplex", "ir")


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """Everything needed to fit one model, independent of the data.

    Attributes
    ----------
    formula
        A formulaic formula, ``"y ~ x1 + C(g)"``.
    vce
        The variance request.
    weights, sample, in_range
        Observation weights, ``if`` filter, Stata ``in`` range.
    absorb
        Variables whose fixed effects are absorbed (``areg``/``reghdfe``/``fe(...)``).
    iv
        Instrumental-variables part, if any.
    panel, tsvars
        Panel declaration and the time-series-operated columns the formula refers to.
    ssc
        Small-sample conventions.
    level
        Confidence level in percent.
    estimator
        ``"ols"``, ``"areg"``, ``"reghdfe"``, ``"xtreg_fe"``, ``"iv2sls"``, the panel
        models ``"xtreg_re"``, ``"xtreg_be"``, ``"xtreg_be_wls"`` (which need ``panel.id``),
        or ``"glm"`` / ``"nbreg"`` for maximum-likelihood models (with ``family``).
    family
        The distribution and link of a maximum-likelihood model (``logit``, ``poisson``,
        ``glm``, ``nbreg``); None for least squares.
    term_style
        ``"formulaic"`` names (``C(g)[T.2]``) or ``"stata"`` (``2.g``); ``factor_names`` maps
        formulaic factor expressions to the Stata variable spelling used for display.
    source, command
        The user's original text and, for Stata input, the command used.
    beta
        Display standardized coefficients in the summary (Stata's ``regress, beta``);
        it does not change the fit.
    did
        A staggered difference-in-differences design, fitted by :func:`vcereg.did`.
    """

    formula: str
    vce: VceSpec = field(default_factory=VceSpec)
    weights: WeightSpec | None = None
    sample: SampleSpec | None = None
    in_range: RowRange | None = None
    absorb: tuple[str, ...] = ()
    iv: IVSpec | None = None
    panel: PanelSpec | None = None
    tsvars: tuple[TsVar, ...] = ()
    ssc: SmallSample = field(default_factory=SmallSample)
    level: float = 95.0
    estimator: str = "ols"
    term_style: Literal["formulaic", "stata"] = "formulaic"
    factor_names: tuple[tuple[str, str], ...] = ()
    source: str = ""
    command: str | None = None
    family: FamilySpec | None = None
    beta: bool = False
    did: DidSpec | None = None  # a difference-in-differences design (vcereg.did)

    def replace(self, **changes: object) -> ModelSpec:
        """A copy with some fields changed (the spec itself is immutable)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def separation_methods(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """ppmlhdfe's ``separation()`` option: ``fe simplex ir`` (default; ``relu`` means
    ``ir``), ``none`` / ``off``, ``all``, or a subset in any order."""
    if text is None:
        return SEPARATION_METHODS
    words = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    words = [w.lower() for w in words]
    if not words or words in (["default"], ["on"], ["auto"], ["all"], ["full"]):
        return SEPARATION_METHODS
    if words in (["none"], ["no"], ["off"]):
        return ()
    out = []
    for w in words:
        w = "ir" if w == "relu" else w
        if w not in SEPARATION_METHODS:
            near = closest(w, (*SEPARATION_METHODS, "none", "relu"))
            raise SpecError(
                f"unknown separation method {w!r}; expected some of "
                f"{', '.join(SEPARATION_METHODS)}, or none",
                hint=f"did you mean {near!r}?" if near else None,
            )
        out.append(w)
    return tuple(
        m for m in SEPARATION_METHODS if m in out
    )  # ppmlhdfe's order whatever the spelling


def make_tsvar(op: Literal["L", "F", "D", "S"], order: int, var: str) -> TsVar:
    """The :class:`~vcereg.spec.TsVar` for Stata's ``{op}{order}.{var}``.

    The generated column is ``{op}{order}__{var}`` (double underscore, so it is unlikely to
    clash with a user's ``L1_x``); the label is Stata's spelling.

    >>> make_tsvar("L", 2, "gdp")
    TsVar(name='L2__gdp', op='L', order=2, var='gdp', label='L2.gdp')
    >>> make_tsvar("D", 1, "gdp").label
    'D.gdp'
    """
    label = f"{op}.{var}" if order == 1 else f"{op}{order}.{var}"
    return TsVar(name=f"{op}{order}__{var}", op=op, order=order, var=var, label=label)
