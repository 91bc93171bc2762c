"""From a design with absorbed fixed effects to a maximum-likelihood fit: ``ppmlhdfe``
(Poisson), logit/probit/cloglog with ``fe()`` (fixest's ``feglm``), ``clogit`` and
``xtlogit, fe`` (conditional logit), ``xtpoisson, fe`` (conditional Poisson).

In order: the outcome (binary commands: non-zero is a success); separation and singletons
(:mod:`.separation`: the observations go, and the note says how many, found by which
check and separated by which regressors); the fit (:mod:`.glm_fe`, :mod:`.clogit`,
:mod:`.cpoisson`); then a :class:`~vcereg.estimators.Fit` whose ``x_w`` are the scores and
``bread`` the inverse (profiled) information, as every maximum-likelihood fit hands the
variance registry.

Who multiplies by what (see docs/glm.md): Stata's conventions (ppmlhdfe: robust by
default, ``N/(N-1)`` for robust and ``G/(G-1)`` for clusters, z; the absorbed levels are not
counted) come from the ML small-sample policy (K = 1); under ``ssc="fixest"`` K is the
slopes plus the absorbed levels as pyfixest counts them (one level per extra effect
subtracted; effects nested in the cluster variable count once), the observed/expected
information as fixest (expected for non-canonical links).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Literal

import numpy as np

from .._types import FloatArray, IntArray
from ..design import Design, subset
from ..errors import DroppedRowsWarning, NotSupportedError, warn
from ..linalg import LeastSquares
from ..spec import ModelSpec, WeightKind
from .absorb import absorbed_dof
from .clogit import fit_clogit
from .cpoisson import conditional_poisson_loglik, fit_conditional_poisson
from .glm_fe import GLMFEFit, fit_glm_fe
from .glm_model import MLInputs, MLModelFit
from .mlinfo import MLInfo
from .ols import Fit
from .separation import METHODS, find_separation

__all__ = ["FE_MODELS", "FE_TITLES", "fit_fe_ml_model"]

#: models fitted here even without absorbed variables (ppmlhdfe: separation is checked)
FE_MODELS = ("ppmlhdfe", "clogit", "xtlogit", "xtpoisson")
FE_TITLES = {
    "ppmlhdfe": "HDFE PPML regression",
    "poisson": "HDFE PPML regression",
    "logit": "HDFE logistic regression",
    "logistic": "HDFE logistic regression",
    "probit": "HDFE probit regression",
    "cloglog": "HDFE complementary log-log regression",
    "clogit": "Conditional (fixed-effects) logistic regression",
    "xtlogit": "Conditional fixed-effects logistic regression",
    "xtpoisson": "Conditional fixed-effects Poisson regression",
}
_BINARY = ("logit", "logistic", "probit", "cloglog", "clogit", "xtlogit")
_DEFAULT_TOL = 1e-6  # FamilySpec's default (Stata's maximize): the IRLS uses ppmlhdfe's 1e-8
_IRLS_TOL = 1e-8
_IPB_NOTE = (
    "fixed-effects {model}: with few observations per group the slopes have the "
    "incidental-parameter bias (Neyman-Scott; of order 1/T); conditional logit (clogit) "
    "avoids it for the logit link"
)


def fit_fe_ml_model(
    spec: ModelSpec,
    design: Design,
    inputs: MLInputs,
    names: Mapping[str, str] | None = None,
) -> MLModelFit:
    """Fit ``spec`` (a family and absorbed effects) on ``design``."""
    fam = spec.family
    assert fam is not None
    if not isinstance(inputs.trials, float) or inputs.trials != 1.0:
        raise NotSupportedError("binomial trials are not supported with absorbed fixed effects")
    if not spec.absorb and fam.model != "ppmlhdfe":
        raise NotSupportedError(f"{fam.model} needs its groups: group(var), or fe(var)")
    # the constant is absorbed; without absorbed effects (ppmlhdfe, noabsorb) it is estimated
    slopes = [i for i, t in enumerate(design.terms) if t != "Intercept" or not spec.absorb]
    shown = [(names or {}).get(design.terms[i], design.terms[i]) for i in slopes]
    y = (design.y != 0).astype(np.float64) if fam.model in _BINARY else design.y
    codes = [np.asarray(c, dtype=np.int64) for c in design.absorb.values()]
    x = _columns(design.x, slopes)
    if fam.model in ("clogit", "xtlogit"):
        return _conditional_logit(spec, design, x, y, codes, slopes, shown, inputs)
    if fam.model == "xtpoisson":
        return _conditional_poisson(spec, design, x, y, codes, slopes, inputs)
    return _glm_fe(spec, design, x, y, codes, slopes, shown, inputs)


def _glm_fe(
    spec: ModelSpec,
    design: Design,
    x: FloatArray,
    y: FloatArray,
    codes: list[IntArray],
    slopes: list[int],
    shown: list[str],
    inputs: MLInputs,
) -> MLModelFit:
    fam = spec.family
    assert fam is not None
    if fam.family not in ("poisson", "binomial"):
        raise NotSupportedError(
            f"absorbed fixed effects with the {fam.family} family are not supported; "
            "Poisson (ppmlhdfe) and binary models (logit, probit, cloglog) are"
        )
    kind: Literal["poisson", "binary"] = "poisson" if fam.family == "poisson" else "binary"
    methods = METHODS if fam.separation is None else fam.separation
    const = [j for j, i in enumerate(slopes) if design.terms[i] == "Intercept"]
    xs = np.delete(x, const, axis=1) if const else x  # the checks add the constant
    single = not fam.keepsingletons
    sep = find_separation(y, xs, codes, kind=kind, methods=methods, singletons=single)
    del xs
    notes: list[str] = []
    message = sep.message(shown)
    if message:
        warn(message, DroppedRowsWarning)
        notes.append(message)
    keep = sep.keep
    offset, weights = inputs.offset, inputs.weights
    if not keep.all():
        del x  # one copy of the regressors at a time: the subset's
        design = subset(design, keep, singletons=sep.n_singletons, separated=sep.n_separated)
        x, y = _columns(design.x, slopes), y[keep]
        codes = list(sep.kept_codes)
        offset = offset[keep] if offset is not None else None
        weights = weights[keep] if weights is not None else None
    fisher = spec.ssc.name == "fixest" and fam.link not in (None, "log", "logit")
    tol = _IRLS_TOL if fam.tolerance == _DEFAULT_TOL else fam.tolerance
    fit = fit_glm_fe(
        x, y, codes, family=fam.family, link=fam.link, weights=weights, offset=offset, tol=tol,
        itol=fam.itolerance if fam.itolerance is not None else 1e-9,
        maxiter=max(fam.iterate, 1), hessian="eim" if fisher else "oim",
    )  # fmt: skip
    if kind == "binary":
        notes.append(_IPB_NOTE.format(model=fam.model))
    extra = {
        "n_separated": float(sep.n_separated),
        "n_singletons": float(sep.n_singletons),
        "inner_iterations": float(fit.inner_iterations),
        "wald_model_test": 1.0,
        **_absorbed_stats(design, spec, int(fit.keep.sum())),
    }
    info = _info(fam.model, fam.family, fit.link.name, fit, y, offset, weights, fit.loglik_0, extra)
    out = _make_fit(design, slopes, fit.params, fit.keep, fit.scores, fit.hessian, info, spec)
    return MLModelFit(out, _absorbed_design(design, slopes), tuple(notes), _title(fam.model))


def _conditional_logit(
    spec: ModelSpec,
    design: Design,
    x: FloatArray,
    y: FloatArray,
    codes: list[IntArray],
    slopes: list[int],
    shown: list[str],
    inputs: MLInputs,
) -> MLModelFit:
    fam = spec.family
    assert fam is not None
    if inputs.offset is not None:
        raise NotSupportedError(f"{fam.model} with offset() is not supported")
    group = codes[0]
    gw = None
    if inputs.weights is not None:
        gw = _group_weights(group, inputs.weights, fam.model)
    fit = fit_clogit(x, y, group, group_weights=gw, separation=fam.separation != (),
                     tol=fam.tolerance, ltol=fam.ltolerance or 1e-7, nrtol=fam.nrtolerance,
                     maxiter=fam.iterate)  # fmt: skip
    for note in fit.notes:
        warn(note, DroppedRowsWarning)
    if not fit.sample.all():
        design = subset(design, fit.sample, separated=int((~fit.sample).sum()))
    w = inputs.weights[fit.sample] if inputs.weights is not None else None
    yk = y[fit.sample]
    extra = {"n_separated": float(fit.n_separated), "dropped_groups": float(fit.dropped_groups),
             **_group_stats(design)}  # fmt: skip
    ghost = _Pseudo(fit.loglik, fit.iterations)
    info = _info(fam.model, "binomial", "logit", ghost, yk, None, w, fit.loglik_0, extra)
    out = _make_fit(design, slopes, fit.params, fit.keep, fit.scores, fit.hessian, info, spec)
    return MLModelFit(out, _absorbed_design(design, slopes), fit.notes, _title(fam.model))


def _conditional_poisson(
    spec: ModelSpec,
    design: Design,
    x: FloatArray,
    y: FloatArray,
    codes: list[IntArray],
    slopes: list[int],
    inputs: MLInputs,
) -> MLModelFit:
    fam = spec.family
    assert fam is not None
    if inputs.weights is not None or inputs.offset is not None:
        raise NotSupportedError("xtpoisson, fe with weights or exposure() is not supported yet")
    cp = fit_conditional_poisson(x, y, codes[0], maxiter=max(fam.iterate, 1))
    for note in cp.notes:
        warn(note, DroppedRowsWarning)
    if not cp.sample.all():
        design = subset(design, cp.sample, separated=int((~cp.sample).sum()))
    yk = y[cp.sample]
    group = np.unique(codes[0][cp.sample], return_inverse=True)[1].astype(np.int64)
    totals = np.asarray(np.bincount(group, weights=yk), dtype=np.float64)
    ll_0 = conditional_poisson_loglik(yk, totals[group], group)  # b = 0: equal shares
    extra = {"inner_iterations": float(cp.fit.inner_iterations), **_group_stats(design)}
    fit = cp.fit
    ghost = _Pseudo(cp.loglik, fit.iterations, fit.mu, fit.eta, fit.deviance)
    info = _info(fam.model, "poisson", "log", ghost, yk, None, None, ll_0, extra)
    out = _make_fit(design, slopes, fit.params, fit.keep, fit.scores, fit.hessian, info, spec)
    return MLModelFit(out, _absorbed_design(design, slopes), cp.notes, _title(fam.model))


class _Pseudo:
    """The fields :func:`_info` reads, for fits that are not a :class:`GLMFEFit`."""

    def __init__(
        self,
        loglik: float,
        iterations: int,
        mu: FloatArray | None = None,
        eta: FloatArray | None = None,
        deviance: float = float("nan"),
    ) -> None:
        self.loglik, self.iterations, self.deviance = loglik, iterations, deviance
        self.mu = mu if mu is not None else np.zeros(0)
        self.eta = eta if eta is not None else np.zeros(0)


def _info(
    model: str,
    family: str,
    link: str,
    fit: GLMFEFit | _Pseudo,
    y: FloatArray,
    offset: FloatArray | None,
    weights: FloatArray | None,
    ll_0: float | None,
    extra: dict[str, float],
) -> MLInfo:
    return MLInfo(
        model=model, family=family, link=link, loglik=fit.loglik, ll_0=ll_0,
        deviance=fit.deviance, pearson=float("nan"), scale=1.0, scale_kind="1", k_params=0,
        df_model=0, iterations=fit.iterations, method="irls", y=y, mu=fit.mu, eta=fit.eta,
        offset=offset, trials=1.0, weights=weights, oim_bread=np.zeros((0, 0)),
        eim_bread=None, design=None, extra=extra,
    )  # fmt: skip


def _make_fit(
    design: Design,
    slopes: list[int],
    params_kept_cols: FloatArray,
    keep: np.ndarray,
    scores: FloatArray,
    hessian: FloatArray,
    info: MLInfo,
    spec: ModelSpec,
) -> Fit:
    """A :class:`Fit` over the slope terms (the constant is absorbed)."""
    terms = [design.terms[i] for i in slopes]
    bread = np.linalg.inv(hessian) if hessian.size else np.zeros((0, 0))
    bread = (bread + bread.T) / 2
    rank = int(keep.sum())
    k_total = rank + _absorbed_k(design, spec)
    info = replace(info, k_params=rank, df_model=rank, oim_bread=bread, eim_bread=bread)
    fw = design.weights if design.weight_kind is WeightKind.FWEIGHT else None
    nobs = float(fw.sum()) if fw is not None else float(len(design.y))
    omitted = tuple(t for t, k in zip(terms, keep, strict=True) if not k)
    return Fit(
        params=np.asarray(params_kept_cols, dtype=np.float64),
        keep=np.asarray(keep, dtype=bool),
        lstsq=_pseudo_lstsq(hessian, keep),
        x_w=np.asfortranarray(scores),
        y_w=design.y,
        resid_w=np.ones(len(design.y)),
        nobs=nobs,
        k=k_total,
        df_resid=nobs - k_total,
        rss=float("nan"),
        tss=float("nan"),
        omitted=omitted,
        bread=bread,
        ml=info,
    )


def _absorbed_k(design: Design, spec: ModelSpec) -> int:
    """The absorbed levels pyfixest counts in K (used under ``ssc="fixest"``): all levels
    minus one per effect after the first; an effect nested in a cluster variable counts
    once (``k_fixef="nonnested"``)."""
    codes = list(design.absorb.values())
    if not codes:
        return 0
    clusters = [design.groups[v] for v in spec.vce.args if v in design.groups]
    dof = absorbed_dof(codes, clusters=clusters if spec.vce.name == "cluster" else ())
    total = 0
    for levels, nested in zip(dof.levels, dof.nested, strict=True):
        total += 1 if nested else levels
    return total - (len(codes) - 1)


def _absorbed_stats(design: Design, spec: ModelSpec, rank: int) -> dict[str, float]:
    """reghdfe's absorbed degrees of freedom per effect (nested in a cluster variable:
    all redundant) and the residual df ppmlhdfe reports, ``N - rank - df_a``."""
    codes = list(design.absorb.values())
    if not codes:
        return {"df_resid": float(len(design.y) - rank - 1)}
    clusters = [design.groups[v] for v in spec.vce.args if v in design.groups]
    dof = absorbed_dof(codes, clusters=clusters if spec.vce.name == "cluster" else ())
    out = {"df_resid": float(len(design.y) - rank - dof.df_a)}
    for name, lv, red, nst in zip(design.absorb, dof.levels, dof.redundant, dof.nested,
                                  strict=True):  # fmt: skip
        out |= {f"fe:{name}:levels": float(lv), f"fe:{name}:redundant": float(red),
                f"fe:{name}:nested": float(nst)}  # fmt: skip
    return out


def _group_stats(design: Design) -> dict[str, float]:
    """Number of groups and observations per group (xtlogit/xtpoisson's header)."""
    codes = next(iter(design.absorb.values()))
    sizes = np.bincount(codes)
    sizes = sizes[sizes > 0]
    return {"n_groups": float(sizes.size), "g_min": float(sizes.min()),
            "g_avg": float(sizes.mean()), "g_max": float(sizes.max())}  # fmt: skip


def _pseudo_lstsq(hessian: FloatArray, keep: np.ndarray) -> LeastSquares:
    """The R factor of the information (what the registry's rank and whitening use)."""
    k = hessian.shape[0]
    scale = np.sqrt(np.maximum(np.diag(hessian), 1e-300)) if k else np.zeros(0)
    r = np.linalg.cholesky(hessian / np.outer(scale, scale)).T if k else np.zeros((0, 0))
    return LeastSquares(np.zeros(k), np.asarray(keep, dtype=bool), r, scale, np.zeros(0))


def _columns(x: FloatArray, cols: list[int]) -> FloatArray:
    """``x[:, cols]``, a view (no copy of the data) when the columns are contiguous (the
    usual case: every term but the leading constant)."""
    if cols and cols == list(range(cols[0], cols[-1] + 1)):
        return x[:, cols[0] : cols[-1] + 1]
    return np.asfortranarray(x[:, cols])


def _absorbed_design(design: Design, slopes: list[int]) -> Design:
    """The design over the slopes (the constant is absorbed, as for reghdfe)."""
    return replace(
        design,
        x=_columns(design.x, slopes),
        terms=tuple(design.terms[i] for i in slopes),
        has_intercept=False,
    )


def _group_weights(group: IntArray, w: FloatArray, model: str) -> FloatArray:
    size = int(group.max()) + 1
    lo = np.full(size, np.inf)
    hi = np.full(size, -np.inf)
    np.minimum.at(lo, group, w)
    np.maximum.at(hi, group, w)
    if np.any(hi > lo * (1 + 1e-12)):
        raise NotSupportedError(
            f"{model}: weights must be constant within groups (Stata applies them to groups)"
        )
    return lo


def _title(model: str) -> str:
    return FE_TITLES.get(model, "HDFE maximum-likelihood regression")
