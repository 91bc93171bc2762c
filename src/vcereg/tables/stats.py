"""Footer statistics of regression tables: a registry of name → label + value + format.

Each :class:`Statistic` turns a sequence of results into one or more rows of raw values;
:mod:`vcereg.tables.etable` formats them with :func:`vcereg.tables.format.fmt_value`.
Statistics that expand to one row per variable (fixed effects, cluster counts) override
:meth:`Statistic.rows` and use their label as a template with ``{}`` for the variable.

>>> {"f", "f_pvalue", "fe", "n_clusters"} <= set(statistic_names())
True
>>> resolve_statistic("N").label
'Observations'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from numbers import Real

from ..errors import RenderError, closest
from ._protocol import ResultLike
from ._vcetext import vce_phrase

__all__ = [
    "ModelStatistic",
    "PerVariableStatistic",
    "StatFormat",
    "StatRow",
    "StatValue",
    "Statistic",
    "register_statistic",
    "resolve_statistic",
    "statistic_names",
]

StatValue = float | int | str | bool | None
"""A raw statistic value; ``None`` (or NaN) prints as an empty cell."""

StatFormat = str | int
"""``"count"``, ``"decimal"``, ``"auto"``, ``"text"`` or a number of decimals."""

_FORMATS = ("count", "decimal", "auto", "text")


@dataclass(frozen=True, slots=True)
class StatRow:
    """One footer row before formatting."""

    key: str
    label: str
    values: tuple[StatValue, ...]
    fmt: StatFormat


def _missing(value: StatValue) -> bool:
    return value is None or (
        isinstance(value, Real) and not isinstance(value, bool) and not math.isfinite(value)
    )


@dataclass(frozen=True, slots=True)
class Statistic:
    """A footer statistic; subclasses implement :meth:`rows`.

    Attributes
    ----------
    name
        Registry name used in ``etable(stats=[...])``.
    label
        Default row label (a template with ``{}`` for per-variable statistics).
    fmt
        How values are formatted; see :data:`StatFormat`.
    """

    name: str
    label: str
    fmt: StatFormat = "decimal"

    def rows(
        self, results: Sequence[ResultLike], label: str | None, rename: Callable[[str], str]
    ) -> list[StatRow]:
        """The rows this statistic adds for ``results``.

        ``label`` overrides the default label; ``rename`` maps variable names to display
        labels (used by per-variable statistics).
        """
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class ModelStatistic(Statistic):
    """One row whose cells are ``func(result)``; ``None`` where it does not apply.

    With ``skip_if_missing`` the row is left out when no model has a value (e.g. within
    R-squared without absorbed fixed effects).
    """

    func: Callable[[ResultLike], StatValue] = field(kw_only=True)
    skip_if_missing: bool = field(default=False, kw_only=True)

    def rows(
        self, results: Sequence[ResultLike], label: str | None, rename: Callable[[str], str]
    ) -> list[StatRow]:
        values = tuple(self.func(r) for r in results)
        if self.skip_if_missing and all(_missing(v) for v in values):
            return []
        return [StatRow(self.name, label or self.label, values, self.fmt)]


@dataclass(frozen=True, slots=True)
class PerVariableStatistic(Statistic):
    """One row per variable across models (union in order of appearance).

    ``variables(result)`` maps each variable to this result's value; models without the
    variable get ``missing_value``. No variable in any model means no row. The label is a
    template with ``{}`` for the (labelled) variable; a label without ``{}`` is printed as
    given when the table has one variable, and gets `` ({})`` only to tell several apart.
    """

    variables: Callable[[ResultLike], dict[str, StatValue]] = field(kw_only=True)
    missing_value: StatValue = field(default=None, kw_only=True)

    def rows(
        self, results: Sequence[ResultLike], label: str | None, rename: Callable[[str], str]
    ) -> list[StatRow]:
        per_model = [self.variables(r) for r in results]
        names = list(dict.fromkeys(v for mapping in per_model for v in mapping))
        template = label or self.label
        if "{}" not in template and len(names) > 1:
            template += " ({})"
        return [
            StatRow(
                f"{self.name}:{var}",
                template.replace("{}", rename(var)),
                tuple(m.get(var, self.missing_value) for m in per_model),
                self.fmt,
            )
            for var in names
        ]


@dataclass(frozen=True, slots=True)
class _VceStatistic(Statistic):
    """The variance in words, cluster variables in the table's labels."""

    def rows(
        self, results: Sequence[ResultLike], label: str | None, rename: Callable[[str], str]
    ) -> list[StatRow]:
        values = tuple(vce_phrase(r, rename, capital=True) for r in results)
        return [StatRow(self.name, label or self.label, values, self.fmt)]


_REGISTRY: dict[str, Statistic] = {}
_ALIASES: dict[str, str] = {}


def _add(stat: Statistic, aliases: Sequence[str] = (), *, replace: bool = False) -> Statistic:
    if not isinstance(stat.name, str) or not stat.name.isidentifier():
        raise RenderError(f"a statistic name must be an identifier (got {stat.name!r})")
    if not (isinstance(stat.fmt, int) and stat.fmt >= 0) and stat.fmt not in _FORMATS:
        raise RenderError(
            f"unknown statistic format {stat.fmt!r}; expected one of {', '.join(_FORMATS)} "
            "or a number of decimals"
        )
    taken = [n for n in (stat.name, *aliases) if n in _REGISTRY or n in _ALIASES]
    if taken and not replace:
        raise RenderError(
            f"statistic name {taken[0]!r} is already registered",
            hint="pass replace=True to override it",
        )
    _REGISTRY[stat.name] = stat
    _ALIASES.pop(stat.name, None)
    for alias in aliases:
        _ALIASES[alias] = stat.name
    return stat


def register_statistic(
    name: str,
    label: str,
    func: Callable[[ResultLike], StatValue],
    *,
    fmt: StatFormat = "decimal",
    aliases: Sequence[str] = (),
    skip_if_missing: bool = False,
    replace: bool = False,
) -> Statistic:
    """Make a footer statistic available to ``etable(stats=[...])``.

    Parameters
    ----------
    name
        Registry name (a Python identifier).
    label
        Default row label.
    func
        ``func(result) -> value``; return ``None`` when the statistic does not apply.
    fmt
        ``"decimal"`` (the table's ``digits``), ``"count"`` (thousands separators),
        ``"auto"`` (integers as counts), ``"text"`` or a fixed number of decimals.
    aliases
        Other names that select the statistic.
    skip_if_missing
        Drop the row when every model's value is missing.
    replace
        Allow overriding an existing name.

    Returns
    -------
    Statistic
        The registered statistic.

    Examples
    --------
    >>> stat = register_statistic("df_r", "Residual df", lambda r: r.df_resid, fmt="count")
    >>> resolve_statistic("df_r").label
    'Residual df'
    """
    stat = ModelStatistic(name, label, fmt, func=func, skip_if_missing=skip_if_missing)
    return _add(stat, aliases, replace=replace)


def statistic_names() -> tuple[str, ...]:
    """Registered statistic names (without aliases)."""
    return tuple(_REGISTRY)


def resolve_statistic(name: str) -> Statistic:
    """The statistic registered as ``name`` or one of its aliases.

    Raises
    ------
    RenderError
        For an unknown name, listing the valid ones and the closest match.
    """
    key = _ALIASES.get(name, name)
    if key in _REGISTRY:
        return _REGISTRY[key]
    lowered = {n.lower(): n for n in (*_REGISTRY, *_ALIASES)}
    if name.lower() in lowered:
        return resolve_statistic(lowered[name.lower()])
    near = closest(name, (*_REGISTRY, *_ALIASES))
    raise RenderError(
        f"unknown statistic {name!r}; expected one of {', '.join(_REGISTRY)}",
        hint=f"did you mean {near!r}?" if near else None,
    )


def _r2_within(r: ResultLike) -> StatValue:
    return r.rsquared_within


def _fe(r: ResultLike) -> dict[str, StatValue]:
    return dict.fromkeys(r.fixed_effects, True)


def _clusters(r: ResultLike) -> dict[str, StatValue]:
    return dict(r.n_clusters)


def _attribute(name: str) -> Callable[[ResultLike], StatValue]:
    """A statistic some results have (``Results.depvar_mean``) and others lack."""

    def get(r: ResultLike) -> StatValue:
        value = getattr(r, name, None)
        return float(value) if isinstance(value, Real) else None

    return get


def _ml_extra(key: str) -> Callable[[ResultLike], StatValue]:
    """A model-specific number a maximum-likelihood fit keeps (``results.ml.extra``)."""

    def get(r: ResultLike) -> StatValue:
        ml = getattr(r, "ml", None)
        value = ml.extra.get(key) if ml is not None else None
        return float(value) if isinstance(value, Real) else None

    return get


def _stat(
    name: str,
    label: str,
    func: Callable[[ResultLike], StatValue],
    fmt: StatFormat = "decimal",
    *,
    skip: bool = False,
) -> ModelStatistic:
    return ModelStatistic(name, label, fmt, func=func, skip_if_missing=skip)


_add(_stat("nobs", "Observations", lambda r: r.nobs, "count"), ("N", "obs"))
_add(_stat("r2", "R-squared", lambda r: r.rsquared, skip=True), ("rsquared",))
_add(_stat("r2_adj", "Adj. R-squared", lambda r: r.rsquared_adj, skip=True), ("r2_a", "adj_r2"))
_add(_stat("r2_within", "Within R-squared", _r2_within, skip=True), ("r2_w",))
_add(_stat("f", "F statistic", lambda r: r.fstat), ("F", "fstat"))
_add(_stat("f_pvalue", "Prob > F", lambda r: r.f_pvalue), ("p_f",))
_add(_stat("rmse", "Root MSE", lambda r: r.rmse), ("root_mse",))
_add(
    PerVariableStatistic("n_clusters", "Clusters", "count", variables=_clusters),
    ("clusters", "N_clust", "G"),
)
_add(_VceStatistic("vce", "Std. errors", "text"), ("se_type", "vcetype"))
_add(_stat("ymean", "Mean of dep. var.", _attribute("depvar_mean"), skip=True),
     ("depvar_mean", "mean_y", "ybar"))  # fmt: skip
_add(_stat("ysd", "SD of dep. var.", _attribute("depvar_sd"), skip=True), ("depvar_sd", "sd_y"))
_add(
    PerVariableStatistic("fe", "{} FE", "text", variables=_fe, missing_value=False),
    ("fixed_effects",),
)
_add(_stat("ssc", "Small-sample adj.", lambda r: r.ssc_name, "text"))
# maximum-likelihood fits (logit, poisson, glm, nbreg); missing, and skipped, for OLS
_add(_stat("r2_p", "Pseudo R-squared", _attribute("pseudo_r2"), skip=True), ("pseudo_r2", "pr2"))
_add(_stat("ll", "Log likelihood", _attribute("loglik"), skip=True), ("loglik", "llf"))
_add(_stat("chi2", "Model chi2", _attribute("chi2"), skip=True))
_add(_stat("aic", "AIC", _attribute("aic"), skip=True))
_add(_stat("bic", "BIC", _attribute("bic"), skip=True))
_add(_stat("deviance", "Deviance", _attribute("deviance"), skip=True))
# fixed-effects maximum likelihood (ppmlhdfe, feglm, clogit): observations dropped because
# they were separated (skipped for models without the check)
_add(
    _stat("n_separated", "Separated obs.", _ml_extra("n_separated"), "count", skip=True),
    ("separated", "num_separated"),
)
