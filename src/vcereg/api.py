"""Public entry points: parse, build, estimate, compute the variance, assemble.

>>> import vcereg
>>> d = vcereg.datasets.load("student-mat")
>>> r = vcereg.regress("G3 ~ absences | vce(robust)", d)
>>> r.vce_label
'Robust (HC1)'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import pandas as pd

from . import dsl, stata_lang
from ._lazy import lazy_import
from .backends.detect import is_dask_frame
from .design import build
from .errors import DataError, NotSupportedError, SpecError
from .estimators import IVInfo, fit_absorbed, fit_ols
from .estimators.mlinfo import ML_ESTIMATORS
from .estimators.panel import PANEL_ESTIMATORS, fe_panel_stats, fit_panel
from .inference import confidence_level
from .progress import Progress
from .results import Results, assemble, compute_vce, vce_setup, with_panel
from .results.vcefit import display_names
from .spec import ModelSpec, PanelSpec, SmallSample, VceSpec, WeightKind
from .vce import resolve
from .vce.bootstrap import set_progress

# What a plain regression does not use is imported when a model needs it.
if TYPE_CHECKING:
    from . import staggered
    from .backends import dask as dask_backend
    from .estimators import ivdiag, ivmodel, ml_model
    from .estimators.iv import FirstStage
    from .staggered import DidResults
else:
    dask_backend = lazy_import("vcereg.backends.dask")
    ivdiag = lazy_import("vcereg.estimators.ivdiag")
    ivmodel = lazy_import("vcereg.estimators.ivmodel")
    ml_model = lazy_import("vcereg.estimators.ml_model")
    staggered = lazy_import("vcereg.staggered")

__all__ = ["DataLike", "as_pandas", "did", "fit_spec", "glm", "parse", "regress", "stata"]


class _ToPandas(Protocol):
    """A frame that converts itself, such as a polars DataFrame."""

    def to_pandas(self) -> Any: ...


#: What the API accepts as data: a pandas DataFrame, or a frame with ``to_pandas()``.
DataLike: TypeAlias = pd.DataFrame | _ToPandas

# long wild bootstraps show the command-line progress indicator (silent off a terminal)
set_progress(lambda total, label: Progress(total=total, label=label))

_SUPPORTED = {"ols", "iv2sls", "areg", "reghdfe", "xtreg_fe", *PANEL_ESTIMATORS, *ML_ESTIMATORS}


def parse(model: str, *, vce: str | None = None) -> ModelSpec:
    """Parse a DSL string or a Stata command line into a spec (no data needed).

    Specs are frozen, so a string parsed once is not parsed again (loops that refit the
    same model on many data sets pay the parsing once).
    """
    if not isinstance(model, str) or not (vce is None or isinstance(vce, str)):
        return _parse(model, vce)  # let the parsers report the type error
    return _parse_cached(model, vce)


@lru_cache(maxsize=512)
def _parse_cached(model: str, vce: str | None) -> ModelSpec:
    return _parse(model, vce)


def _parse(model: str, vce: str | None) -> ModelSpec:
    if isinstance(model, str):
        model = model.lstrip("\ufeff")  # a byte-order mark from a file saved on Windows
    if stata_lang.is_stata_command(model):
        if vce is not None:
            raise SpecError("give the variance inside the Stata line, not as vce=")
        return stata_lang.parse(model)
    return dsl.parse(model, vce=vce)


def regress(
    model: str | ModelSpec,
    data: DataLike,
    *,
    vce: str | None = None,
    ssc: str | SmallSample | None = None,
    level: float | None = None,
    safe: bool = True,
    context: Mapping[str, object] | None = None,
) -> Results:
    """Fit a linear regression described by a model string.

    Parameters
    ----------
    model
        ``"y ~ x1 + x2 | vce(cluster g) | weights(w) | if(x1 > 0)"``, a Stata command line
        such as ``"regress y x1 x2, vce(cluster g)"``, or a :class:`ModelSpec`.
    data
        A pandas DataFrame (or anything with ``to_pandas()``, e.g. polars), or a Dask
        DataFrame (fitted in passes over its partitions, see docs/scale.md). Never modified.
    vce
        The variance as a separate string, e.g. ``"cluster school"``.
    ssc
        Small-sample conventions: ``"stata"`` (default), ``"fixest"``, ``"statsmodels"``,
        or a :class:`SmallSample`.
    level
        Confidence level in percent (default 95); a proportion such as 0.95 also works.
    safe
        Refuse formula code outside a whitelist (default). With ``safe=False`` formula code
        may call functions passed in ``context``.

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> r = vcereg.regress("G3 ~ absences | vce(cluster school)", d)
    >>> round(float(r.pvalue["absences"]), 3)
    0.143
    """
    _check_arguments(model, vce, level)
    spec = model if isinstance(model, ModelSpec) else parse(model, vce=vce)
    if isinstance(model, ModelSpec) and vce is not None:
        spec = spec.replace(vce=dsl.parse_vce(vce))
    if ssc is not None:
        spec = spec.replace(ssc=ssc if isinstance(ssc, SmallSample) else SmallSample.preset(ssc))
    if level is not None:
        # 0.95 means 95%, as conf_int() reads it; a 0.95% interval is never meant
        spec = spec.replace(level=confidence_level(level))
    return fit_spec(spec, data, safe=safe, context=context)


def glm(
    formula: str,
    data: DataLike,
    *,
    family: str = "gaussian",
    link: str | None = None,
    vce: str | None = None,
    ssc: str | SmallSample | None = None,
    level: float | None = None,
    **options: object,
) -> Results:
    """Fit a generalized linear model by maximum likelihood (Stata's ``glm``).

    ``family`` is ``gaussian``, ``binomial``, ``poisson``, ``gamma``, ``igaussian`` or
    ``nbinomial``; ``link`` defaults to the family's canonical link. ``options`` are those
    of the model string's ``glm(...)`` section (``exposure="t"``, ``scale="dev"``,
    ``irls=True``, ``eform=True``...); see docs/glm.md. The same as
    ``regress("y ~ x | glm(family, link, ...)", data)``.

    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> r = vcereg.glm("absences ~ studytime", d, family="poisson", vce="robust")
    >>> r.model_label, r.ml.link
    ('Generalized linear models', 'log')
    """
    if not isinstance(formula, str) or "|" in formula:
        raise SpecError("glm() takes a formula such as 'y ~ x1 + x2' (sections go in the keywords)")
    parts = [family if link is None else f"{family}, {link}"]
    for key, value in options.items():
        if value is True:
            parts.append(key)
        elif value not in (None, False):
            parts.append(f"{key}={value}")
    return regress(f"{formula} | glm({', '.join(parts)})", data, vce=vce, ssc=ssc, level=level)


def _check_arguments(model: object, vce: object, level: object) -> None:
    """Types of the keyword arguments, checked where they enter (no raw TypeError later)."""
    if not isinstance(model, str | ModelSpec):
        raise SpecError(f"expected a model string such as 'y ~ x' (got {type(model).__name__})")
    if vce is not None and not isinstance(vce, str):
        raise SpecError(
            f"vce= expects a string such as 'robust' or 'cluster g' (got {type(vce).__name__} "
            f"{vce!r})"
        )
    if level is not None and (isinstance(level, bool) or not isinstance(level, int | float)):
        raise SpecError(
            f"level= expects a number between 0 and 100, e.g. 95 (got {type(level).__name__} "
            f"{level!r})"
        )


def stata(
    line: str,
    data: DataLike,
    *,
    panel: PanelSpec | None = None,
    ssc: str | SmallSample | None = None,
    safe: bool = True,
) -> Results:
    """Fit a model written as a Stata command line, e.g. ``regress y x, vce(robust)``."""
    if not isinstance(line, str):
        raise SpecError(f"expected a Stata command line (got {type(line).__name__})")
    spec = stata_lang.parse(line.lstrip("\ufeff"), panel=panel)
    if ssc is not None:
        spec = spec.replace(ssc=ssc if isinstance(ssc, SmallSample) else SmallSample.preset(ssc))
    return fit_spec(spec, data, safe=safe)


def did(
    model: str | ModelSpec,
    data: DataLike,
    *,
    vce: str | None = None,
    level: float | None = None,
    safe: bool = True,
) -> DidResults:
    """Fit a staggered difference-in-differences design (see docs/did.md).

    Parameters
    ----------
    model
        A model string with a ``did(...)`` section,
        ``"lemp ~ 1 | did(cs first_treat, notyet) | panel(countyreal year)"``, or a Stata
        line of ``csdid``, ``did_imputation``, ``eventstudyinteract``, ``did2s`` or
        ``jwdid``.
    data
        A pandas DataFrame (or anything with ``to_pandas()``); never modified.
    vce
        The variance as a separate string (DiD estimators cluster by unit by default).
    level
        Confidence level in percent (default 95).

    Examples
    --------
    >>> import vcereg, numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> unit = np.repeat(np.arange(60), 4); year = np.tile([1, 2, 3, 4], 60)
    >>> cohort = np.repeat(rng.choice([0, 3, 4], size=60), 4)
    >>> y = rng.normal(size=240) + 2.0 * ((cohort > 0) & (year >= cohort))
    >>> d = pd.DataFrame({"y": y, "id": unit, "year": year, "g": cohort})
    >>> r = vcereg.did("y ~ 1 | did(cs g) | panel(id year)", d)
    >>> r.terms[:2], bool(abs(r.params["ATT"] - 2) < 0.5)
    (('ATT', 'Tm2'), True)
    """
    _check_arguments(model, vce, level)
    spec = model if isinstance(model, ModelSpec) else parse(model, vce=vce)
    if isinstance(model, ModelSpec) and vce is not None:
        spec = spec.replace(vce=dsl.parse_vce(vce))
    if spec.did is None:
        raise SpecError(
            "not a DiD model: add a did(...) section or use a DiD Stata command",
            hint="e.g. 'y ~ 1 | did(cs first_treat) | panel(id year)' or "
            "'csdid y, ivar(id) time(year) gvar(first_treat)'",
        )
    if level is not None:
        spec = spec.replace(level=float(level) * (100 if 0 < float(level) < 1 else 1))
    return staggered.fit_did(spec, as_pandas(data), safe=safe)


def as_pandas(data: object, what: str = "this function") -> pd.DataFrame:
    """``data`` as a pandas DataFrame (polars and other frames via ``to_pandas()``);
    ``what`` names the caller in the message for a Dask DataFrame, which is not read
    into memory behind the user's back."""
    if isinstance(data, pd.DataFrame):
        return data
    if is_dask_frame(data):
        raise DataError(
            f"{what} does not take a Dask DataFrame (it needs the data in memory); only "
            "models are fitted on Dask data (vcereg.regress, vcereg.stata)",
            hint="call data.compute() to load it into pandas first, if it fits in memory",
        )
    to_pandas = getattr(data, "to_pandas", None)
    if callable(to_pandas):
        out = to_pandas()
        if isinstance(out, pd.DataFrame):
            return out
    raise DataError(
        f"expected a pandas or polars DataFrame (got {type(data).__module__}."
        f"{type(data).__name__})",
        hint="read a file with vcereg.io.read(path)",
    )


def fit_spec(
    spec: ModelSpec,
    data: DataLike,
    *,
    safe: bool = True,
    context: Mapping[str, object] | None = None,
) -> Results:
    """Estimate a parsed spec on data (a Dask DataFrame goes to the Dask backend)."""
    spec = _with_pweight_default(spec)
    if spec.iv is not None:  # (a no-op without instruments)
        spec = ivmodel.gmm_default_vce(spec)
    spec = _ml_default_vce(spec)
    estimator, vspec = resolve(spec.vce, spec.source or None)
    spec = spec.replace(vce=vspec)
    if is_dask_frame(data):
        confidence_level(spec.level)
        return _fit_dask(spec, data, safe=safe, context=context)
    frame = as_pandas(data)
    if spec.did is not None:
        raise NotSupportedError(
            "a DiD model gives DiD results: fit it with vcereg.did(model, data)"
        )
    if spec.estimator not in _SUPPORTED:
        what = spec.command or spec.estimator
        raise NotSupportedError(f"{what}: estimator {spec.estimator!r} is not supported yet")
    confidence_level(spec.level)
    panel_id = spec.panel.id if spec.estimator in PANEL_ESTIMATORS and spec.panel else None
    extra = (*estimator.variables(vspec), *([panel_id] if panel_id else []))
    extra += ivmodel.iv_variables(spec) if spec.iv is not None else ()
    extra += ml_model.ml_variables(spec) if spec.family is not None else ()
    design = build(spec, frame, extra=tuple(dict.fromkeys(extra)), safe=safe, context=context)
    first: tuple[FirstStage, ...] = ()
    panel = pfit = None
    label = "Linear regression"
    r2_within: float | None = None
    df_fit: float | None = None
    iv_info: IVInfo | None = None
    ml_notes: tuple[str, ...] = ()
    if spec.family is not None:  # maximum likelihood: logit, probit, poisson, glm, nbreg
        mlfit = ml_model.fit_ml_spec(spec, design, frame, display_names(spec, design))
        fit, design, label = mlfit.fit, mlfit.design, mlfit.label
        ml_notes = mlfit.notes
    elif spec.absorb:
        original = design
        absorbed = fit_absorbed(spec, design)
        fit, design, first = absorbed.fit, absorbed.design, absorbed.first_stage
        label, r2_within = absorbed.label, absorbed.rsquared_within
        df_fit, iv_info = absorbed.df_fit, absorbed.iv
        if spec.iv is not None:
            label += f" ({ivmodel.method_label(spec, short=True)})"
        elif spec.estimator == "xtreg_fe":
            panel = fe_panel_stats(original, absorbed, spec.absorb[0])
    elif spec.estimator in PANEL_ESTIMATORS:
        pfit = fit_panel(spec, design)
        fit, design, label, panel = pfit.fit, pfit.design, pfit.label, pfit.stats
    elif spec.iv is not None:
        fit, first, iv_info = ivmodel.fit_instrumental(spec, design)
        label = ivmodel.method_label(spec)
    else:
        fit = fit_ols(design)
    notes = tuple(_first_stage_note(f) for f in first) + (pfit.notes if pfit else ())
    notes += ml_notes
    if iv_info is not None:
        weak = ivdiag.weak_id_note(iv_info, vce_setup(spec, design))
        notes += (weak,) if weak else ()
    vres = compute_vce(spec, design, fit, frame, normal=pfit is not None and pfit.normal)

    def refit(new: ModelSpec) -> Results:
        return fit_spec(new, frame, safe=safe, context=context)

    result = assemble(
        spec,
        design,
        fit,
        vres,
        frame,
        notes,
        model_label=label,
        rsquared_within=r2_within,
        refit=refit if spec.absorb or panel is not None else None,
        df_fit=df_fit,
        iv=iv_info,
    )
    return with_panel(result, panel, pfit.nobs if pfit else None)


def _fit_dask(
    spec: ModelSpec, data: object, *, safe: bool, context: Mapping[str, object] | None
) -> Results:
    """A Dask DataFrame: sufficient statistics from the backend, then the usual variance
    and assembly; the Results keep neither the compressed arrays nor the data."""
    fit_dask = dask_backend.fit_dask_ml if spec.family is not None else dask_backend.fit_dask
    part = fit_dask(spec, data, safe=safe, context=context)
    vres = compute_vce(part.vce_spec, part.design, part.fit, None)
    if part.label is not None:
        vres = dataclasses.replace(vres, label=part.label)
    label = part.fit.ml.title if part.fit.ml is not None else "Linear regression"
    res = assemble(spec, part.design, part.fit, vres, None, model_label=label)
    # the notes are resolved now: a lazy note would keep the compressed arrays alive
    g_star = res.effective_clusters
    kept = [t for t in res.terms if t not in res.omitted]
    resolved = None if g_star is None else (str(g_star.name), g_star[kept].to_numpy())
    return dataclasses.replace(
        res, _fit=None, _design=None, _data=None, _notes=res.notes, _notes_later=None,
        _g_star=resolved,
    )  # fmt: skip


def _first_stage_note(f: FirstStage) -> str:
    note = (
        f"first stage for {f.endog}: F({f.df[0]}, {f.df[1]:g}) = {f.f:.2f} on the excluded "
        f"instruments, partial R-squared {f.partial_r2:.4f}"
    )
    return note


def _ml_default_vce(spec: ModelSpec) -> ModelSpec:
    """Maximum-likelihood models default to the inverse observed information (Stata's
    ``vce(oim)``), or the expected one after ``glm, irls``; ``ppmlhdfe`` to robust. After
    the conditional likelihoods (``clogit``, ``xtlogit``/``xtpoisson, fe``) robust means
    clustered on the groups, as Stata."""
    fam = spec.family
    if fam is None:
        return spec
    if fam.model in ("clogit", "xtlogit", "xtpoisson") and spec.vce.name in ("robust", "r"):
        text = f"cluster {' '.join(spec.absorb)}"
        return spec.replace(vce=VceSpec("cluster", spec.absorb, text=text, span=spec.vce.span))
    if spec.vce.name not in ("ols", "iid") or spec.vce.text:
        return spec
    name = "robust" if fam.model == "ppmlhdfe" else "eim" if fam.irls else "oim"
    return spec.replace(vce=VceSpec(name=name))


def _with_pweight_default(spec: ModelSpec) -> ModelSpec:
    """Stata: probability weights imply a robust variance unless one is asked for."""
    w = spec.weights
    if w is not None and w.kind is WeightKind.PWEIGHT and spec.vce.name in ("ols", "iid"):
        if spec.vce.text:
            raise SpecError(
                "probability weights need a robust or cluster variance (Stata: pweights "
                "imply vce(robust)); vce(ols) is not allowed with them"
            )
        return spec.replace(vce=VceSpec(name="robust", text="robust"))
    return spec
