"""Frozen model specifications: what the DSL and the Stata parser produce.

Strings are parsed once, at the edge, into these objects; everything downstream
(design matrices, estimators, variance estimators) reads only these.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

from .errors import Span, VceOptionError, closest

__all__ = [
    "Dialect",
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
    """

    endog: tuple[str, ...]
    instruments: tuple[str, ...]
    method: Literal["2sls", "liml", "fuller", "kclass", "gmm"] = "2sls"
    kappa: float | None = None
    fuller: float | None = None
    wmatrix: VceSpec | None = None
    center: bool = False
    igmm: bool = False


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
            return cls(name="fixest", hc23_factor=True, jackknife="fixest")
        if key == "statsmodels":
            return cls(name="statsmodels", multiway="per_term", robust_inference="normal")
        if key in ("asymptotic", "large"):
            return cls(name="asymptotic", small=False, robust_inference="normal")
        near = closest(key, SSC_PRESETS)
        raise VceOptionError(
            f"unknown small-sample preset {name!r}; expected one of {', '.join(SSC_PRESETS)}",
            hint=f"did you mean {near!r}?" if near else None,
        )


SSC_PRESETS = ("stata", "fixest", "pyfixest", "statsmodels", "asymptotic")


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
        ``"ols"``, ``"areg"``, ``"reghdfe"``, ``"xtreg_fe"``, ``"iv2sls"``, or the panel
        models ``"xtreg_re"``, ``"xtreg_be"``, ``"xtreg_be_wls"`` (which need ``panel.id``).
    term_style
        ``"formulaic"`` names (``C(g)[T.2]``) or ``"stata"`` (``2.g``); ``factor_names`` maps
        formulaic factor expressions to the Stata variable spelling used for display.
    source, command
        The user's original text and, for Stata input, the command used.
    beta
        Display standardized coefficients in the summary (Stata's ``regress, beta``);
        it does not change the fit.
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
    beta: bool = False

    def replace(self, **changes: object) -> ModelSpec:
        """A copy with some fields changed (the spec itself is immutable)."""
        return replace(self, **changes)  # type: ignore[arg-type]


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
