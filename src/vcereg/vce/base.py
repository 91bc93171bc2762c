"""The variance registry: contexts, results, the estimator protocol and name resolution.

An estimator registers under its Stata name with aliases (``robust`` ← ``hc1``, ``r``).
Estimators never guess small-sample factors: the policy (:class:`~vcereg.spec.SmallSample`)
travels in the :class:`VceContext`.

>>> resolve(VceSpec(name="r"))[0].name
'robust'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .._types import FloatArray, IntArray
from ..errors import NonPSDWarning, UnknownVceError, VceOptionError, closest, warn
from ..linalg import LeastSquares
from ..spec import SmallSample, VceSpec, WeightKind

__all__ = [
    "MLContext",
    "VarianceEstimator",
    "VceContext",
    "VceInference",
    "VceResult",
    "available",
    "fix_psd",
    "refuse_ml",
    "register_vce",
    "resolve",
    "unregister_vce",
]


@dataclass(frozen=True, slots=True, eq=False)
class MLContext:
    """What a maximum-likelihood fit adds to the context.

    For such a fit ``VceContext.x`` holds the per-row scores ``d l_i / d theta`` (prior
    weights included) and ``resid`` is 1, so every sandwich estimator sees the scores
    ``x_i * resid_i`` as for least squares; ``bread`` is the inverse observed information
    (Stata's ``oim``). ``VceContext.k`` is the parameter count the policy puts in the
    small-sample factors (1 under Stata's ML convention: robust N/(N-1), cluster G/(G-1)).

    Attributes
    ----------
    scale
        The dispersion phi multiplying the model-based covariance (``oim``, ``eim``):
        1 for binomial, Poisson and negative binomial models, Pearson chi2 / (N - K) by
        default for the Gaussian, gamma and inverse Gaussian families.
    oim_bread, eim_bread
        Inverse observed and expected information (``vce(oim)``, ``glm``'s
        ``vce(eim)``); the sandwich bread is ``VceContext.bread`` (the expected one after
        ``glm, irls``, as Stata).
    design
        ``sqrt(w) X`` with the IRLS weights at the optimum: the regressors the effective
        number of clusters is computed on.
    k_params
        Estimated parameters (for fixest's (N-1)/(N-K) on ``oim``).
    """

    scale: float = 1.0
    oim_bread: FloatArray | None = None
    eim_bread: FloatArray | None = None
    design: FloatArray | None = None
    k_params: int = 1


def refuse_ml(ctx: VceContext, what: str, instead: str = "vce(robust) or vce(cluster ...)") -> None:
    """Raise for estimators that need least squares (leverage, residual resampling)."""
    if ctx.ml is not None:
        raise VceOptionError(
            f"{what} needs a least-squares fit (leverages or residuals); it is not defined "
            f"for maximum-likelihood models: use {instead}"
        )


@dataclass(frozen=True, slots=True, eq=False)
class VceContext:
    """Everything a variance estimator may use; all arrays cover the estimation sample.

    ``x`` and ``resid`` are weighted (multiplied by sqrt(w)) for WLS, so the bread is
    ``(x'x)^{-1}`` and the scores are ``x_i * resid_i``. With frequency weights each row
    stands for ``fweights[i]`` observations.

    Attributes
    ----------
    x, y, resid
        Weighted kept regressors (N, k), response and residuals (N,).
    bread
        ``(x'x)^{-1}`` (k, k).
    lstsq
        The factorisation, for leverages.
    nobs
        Number of observations N (sum of frequency weights when given).
    k
        Parameters counted in small-sample factors: estimated coefficients plus
        absorbed fixed-effect levels as the policy says.
    df_resid
        Residual degrees of freedom of the fit.
    groups
        Factorised codes (0..G-1) of the variables the estimator asked for.
    ssc
        Small-sample policy.
    vce
        The (canonical) request, with its arguments and options.
    weight_kind, fweights
        The weight type, and the frequency weights (else None).
    absorbed
        Factorised codes of absorbed fixed effects (for nesting checks).
    iid_bread
        When set, the conventional covariance is ``s^2 * iid_bread`` instead of
        ``s^2 * bread`` (GMM: ``(X'Z W Z'X)^{-1} N / u'u``, so that it is Stata's
        efficient-GMM variance ``(X'Z W Z'X)^{-1}``, times N/(N-K) with ``small``).
    leave_out
        When set, ``leave_out(codes)`` gives the (G, k) changes ``b_(g) - b`` of the kept
        coefficients when each group of ``codes`` is left out. Jackknife estimators use it
        when the coefficients are not a least-squares function of ``x`` alone (2SLS: the
        first stage is re-estimated too, as Stata's ``vce(jackknife)`` does; maximum
        likelihood: each left-out fit is a refit).
    ml
        Set for maximum-likelihood fits (see :class:`MLContext`): ``x`` holds scores,
        inference is normal (z).
    constant
        Position (among the kept columns) of the constant that absorbed fixed effects
        report as ``_cons``, or None; :func:`fix_psd` keeps it out of the slopes' fix.
    absorbed_projector
        With absorbed effects, the projection of (N, m) columns (weighted as ``x``) on
        the effects, net of the constant's when the fit reports ``_cons``: what the wild
        bootstrap removes from its residuals when the effects are not nested in the
        clusters.
    """

    x: FloatArray
    y: FloatArray
    resid: FloatArray
    bread: FloatArray
    lstsq: LeastSquares
    nobs: float
    k: int
    df_resid: float
    groups: Mapping[str, IntArray]
    ssc: SmallSample
    vce: VceSpec
    weight_kind: WeightKind | None = None
    fweights: FloatArray | None = None
    absorbed: Mapping[str, IntArray] = field(default_factory=dict)
    iid_bread: FloatArray | None = None
    leave_out: Callable[[IntArray], FloatArray] | None = None
    ml: MLContext | None = None
    constant: int | None = None
    absorbed_projector: Callable[[FloatArray], FloatArray] | None = None

    def t_or_normal(self, df: float, *, robust: bool = True) -> float | None:
        """``df`` for t inference, or None for normal inference, as the policy says
        (maximum-likelihood fits: always normal, as Stata's ML commands)."""
        if not self.ssc.small or self.ml is not None:
            return None
        return df if self.ssc.robust_inference == "t" or not robust else None

    def dof_factor(self, factor: float) -> float:
        """A small-sample factor, or 1 when the policy switches them off."""
        return factor if self.ssc.small else 1.0


class VceInference(Protocol):
    """p-values and intervals that do not come from t(df) on the covariance (e.g. the
    wild cluster bootstrap); one entry per kept coefficient."""

    @property
    def pvalues(self) -> FloatArray: ...

    def conf_int(self, level: float) -> FloatArray: ...


@dataclass(frozen=True, slots=True, eq=False)
class VceResult:
    """A covariance matrix and how to do inference with it.

    ``df_inference`` is the t degrees of freedom, or None for the normal distribution.
    ``df_terms``, when given, holds one t degrees of freedom per coefficient (in the order
    of ``cov``), e.g. Bell-McCaffrey's; p-values and intervals then use it instead.
    ``inference``, when given, replaces the t/normal p-values and intervals of the
    coefficients (the covariance still gives the standard errors and the F test).
    """

    cov: FloatArray
    label: str
    df_inference: float | None
    n_clusters: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    factor: float = 1.0
    df_terms: FloatArray | None = None
    # (cluster variable, G* per coefficient): Carter-Schnepel-Steigerwald's effective
    # number of clusters, reported in the notes. A callable is evaluated only when the
    # notes are read (it costs a pass over the data).
    effective_clusters: tuple[str, FloatArray | Callable[[], FloatArray]] | None = None
    inference: VceInference | None = None
    # the t df of linear combinations c'b (rows c over the kept coefficients), when the
    # variance gives each its own (Bell-McCaffrey); lincom and margins use it
    df_contrast: Callable[[FloatArray], FloatArray] | None = None


class VarianceEstimator:
    """Base class for variance estimators; override :meth:`compute`.

    Class attributes: ``name`` (canonical, Stata's spelling), ``aliases``, ``options``
    (allowed option names), ``min_args``/``max_args`` (positional arguments, usually
    variables), ``args_are_variables``, ``summary`` (one line for listings) and
    ``supports_iv`` (False when the estimator is only valid for least squares).
    """

    name: str = ""
    aliases: tuple[str, ...] = ()
    options: frozenset[str] = frozenset()
    min_args: int = 0
    max_args: int | None = 0
    args_are_variables: bool = True
    summary: str = ""
    supports_iv: bool = True  # False: refused after instrumental variables

    def validate(self, spec: VceSpec, source: str | None = None) -> None:
        """Check arguments and options; raise :class:`VceOptionError` with a caret."""
        n = len(spec.args)
        if n < self.min_args or (self.max_args is not None and n > self.max_args):
            if self.max_args == 0:
                want = "no arguments"
            elif self.max_args is None:
                want = f"at least {self.min_args} variable(s)"
            else:
                want = f"{self.min_args} to {self.max_args} argument(s)"
            example = f"vce({self.name} school)" if self.min_args else f"vce({self.name})"
            raise VceOptionError(
                f"vce({self.name}) takes {want} (got {n}), e.g. {example}",
                source=source,
                span=spec.span,
            )
        for key, _ in spec.options:
            if key not in self.options:
                near = closest(key, self.options)
                valid = ", ".join(sorted(self.options)) or "none"
                raise VceOptionError(
                    f"vce({self.name}) has no option {key!r}; valid options: {valid}",
                    source=source,
                    span=spec.span,
                    hint=f"did you mean {near!r}?" if near else None,
                )

    def redirect(self, spec: VceSpec) -> str | None:
        """Registered name that handles this request instead, or None (the default).

        Lets one Stata spelling cover two estimators: ``vce(hc2 g)`` is CR2.
        """
        return None

    def variables(self, spec: VceSpec) -> tuple[str, ...]:
        """Data columns this request needs (listwise deletion covers them)."""
        return spec.args if self.args_are_variables else ()

    def time_variables(self, spec: VceSpec) -> tuple[str, ...]:
        """Those of :meth:`variables` that are time: coded in the order of their values
        under the rule of ``L.x`` (whole numbers), never in the order of their text."""
        return ()

    def compute(self, ctx: VceContext) -> VceResult:  # pragma: no cover - abstract
        raise NotImplementedError


class _FunctionEstimator(VarianceEstimator):
    """Adapter so a plain function ``f(ctx) -> VceResult | ndarray`` can be registered."""

    def __init__(
        self,
        func: Callable[[VceContext], VceResult | FloatArray],
        name: str,
        max_args: int | None,
        options: frozenset[str],
    ) -> None:
        self._func = func
        self.name = name
        self.max_args = max_args
        self.options = options
        self.summary = (func.__doc__ or "").strip().split("\n")[0]

    def compute(self, ctx: VceContext) -> VceResult:
        out = self._func(ctx)
        if isinstance(out, VceResult):
            return out
        cov = np.asarray(out, dtype=np.float64)
        return VceResult(cov, self.name, ctx.t_or_normal(ctx.df_resid))


_REGISTRY: dict[str, VarianceEstimator] = {}
_ALIASES: dict[str, str] = {}


def register_vce(
    estimator: VarianceEstimator | type[VarianceEstimator] | Callable[[VceContext], object],
    *,
    name: str | None = None,
    aliases: tuple[str, ...] = (),
    max_args: int | None = None,
    options: tuple[str, ...] = (),
    replace: bool = False,
) -> VarianceEstimator:
    """Register a variance estimator so its name can be used in ``vce(...)``.

    Parameters
    ----------
    estimator
        A :class:`VarianceEstimator` (instance or subclass), or a function
        ``f(ctx: VceContext) -> VceResult | ndarray``.
    name, aliases
        Required for functions; override the class attributes otherwise.
    max_args, options
        For functions: how many positional variables and which options it accepts.
    replace
        Allow overwriting an existing name.

    Examples
    --------
    >>> def half_iid(ctx):
    ...     s2 = float(ctx.resid @ ctx.resid) / ctx.df_resid
    ...     return 0.5 * s2 * ctx.bread
    >>> est = register_vce(half_iid, name="halfiid")
    >>> resolve(VceSpec(name="halfiid"))[0] is est
    True
    >>> unregister_vce("halfiid")
    """
    if isinstance(estimator, type) and issubclass(estimator, VarianceEstimator):
        inst: VarianceEstimator = estimator()
    elif isinstance(estimator, VarianceEstimator):
        inst = estimator
    elif callable(estimator):
        if not name:
            raise VceOptionError("register_vce(function) needs name='...'")
        inst = _FunctionEstimator(
            estimator,  # type: ignore[arg-type]
            name.lower(),
            max_args,
            frozenset(options),
        )
    else:
        raise VceOptionError(
            f"expected a VarianceEstimator or a function (got {type(estimator).__name__})"
        )
    canonical = (name or inst.name).lower()
    if not canonical.isidentifier():
        raise VceOptionError(f"a variance name must be an identifier (got {canonical!r})")
    all_names = (canonical, *(a.lower() for a in (*inst.aliases, *aliases)))
    for n in all_names:
        if not replace and (n in _REGISTRY or n in _ALIASES):
            raise VceOptionError(
                f"vce name {n!r} is already registered; pass replace=True to override"
            )
    inst.name = canonical
    _REGISTRY[canonical] = inst
    for a in all_names[1:]:
        _ALIASES[a] = canonical
    return inst


def unregister_vce(name: str) -> None:
    """Remove a registered estimator and its aliases."""
    canonical = _ALIASES.get(name.lower(), name.lower())
    _REGISTRY.pop(canonical, None)
    for alias in [a for a, c in _ALIASES.items() if c == canonical]:
        del _ALIASES[alias]


def available() -> dict[str, tuple[str, ...]]:
    """Registered canonical names with their aliases."""
    return {n: tuple(a for a, c in _ALIASES.items() if c == n) for n in _REGISTRY}


def resolve(spec: VceSpec, source: str | None = None) -> tuple[VarianceEstimator, VceSpec]:
    """Find the estimator for ``spec`` and return it with the canonical spec.

    Raises :class:`UnknownVceError` listing the valid names and the closest match.
    """
    key = spec.name.lower()
    canonical = _ALIASES.get(key, key)
    est = _REGISTRY.get(canonical)
    other = est.redirect(spec) if est is not None else None
    if other is not None and other in _REGISTRY:
        canonical, est = other, _REGISTRY[other]
    if est is None:
        names = sorted({*_REGISTRY, *_ALIASES})
        near = closest(key, names)
        raise UnknownVceError(
            f"unknown variance estimator {spec.name!r}; expected one of: "
            + ", ".join(sorted(_REGISTRY)),
            source=source,
            span=spec.span,
            hint=f"did you mean {near!r}?" if near else None,
        )
    est.validate(spec, source)
    if canonical != spec.name:
        spec = VceSpec(canonical, spec.args, spec.options, spec.text, spec.span)
    return est, spec


def fix_psd(
    cov: FloatArray, what: str, constant: int | None = None
) -> tuple[FloatArray, tuple[str, ...]]:
    """Clip negative eigenvalues to zero (reghdfe's fix), reporting when it matters.

    With ``constant`` (the position of the ``_cons`` absorbed effects report), the block of
    the other coefficients is then replaced by its own fix, as reghdfe does, so reporting
    the constant never changes the slopes' standard errors."""
    cov = (cov + cov.T) / 2
    if cov.size == 0:
        return cov, ()
    vals, vecs = np.linalg.eigh(cov)
    tol = 1e-12 * max(1.0, float(np.abs(vals).max()))
    if vals.min() >= -tol:
        return cov, ()
    n_neg = int((vals < -tol).sum())
    fixed = _clipped(vals, vecs)
    if constant is not None and cov.shape[0] > 1:
        rest = [i for i in range(cov.shape[0]) if i != constant]
        block = cov[np.ix_(rest, rest)]
        b_vals, b_vecs = np.linalg.eigh(block)
        fixed[np.ix_(rest, rest)] = _clipped(b_vals, b_vecs) if b_vals.min() < 0 else block
    note = (
        f"the {what} covariance was not positive semi-definite ({n_neg} negative "
        "eigenvalue(s)); negative eigenvalues were set to zero"
    )
    warn(note, NonPSDWarning)
    return fixed, (note,)


def _clipped(vals: FloatArray, vecs: FloatArray) -> FloatArray:
    out: FloatArray = (vecs * np.clip(vals, 0.0, None)) @ vecs.T
    return out
