"""From a design to a maximum-likelihood :class:`~vcereg.estimators.Fit`: ``logit``,
``probit``, ``cloglog``, ``poisson`` and ``glm`` (``nbreg`` is in :mod:`.nbreg`).

What happens, in Stata's order:

1. the outcome is checked (binary commands: 0 = failure, any other value = success);
2. collinear regressors are omitted (as ``regress`` would, on the weighted design);
3. binary commands apply Stata's perfect-prediction rules (:mod:`.perfect_prediction`);
4. the offset is ``offset + ln(exposure)``; prior weights are frequency weights as counts,
   analytic weights normalised to sum to N (as ``glm [aw=]``), sampling weights as given
   (the log *pseudo*-likelihood depends on their scale, the estimates do not);
5. :func:`~vcereg.estimators.glm.fit_glm_arrays` maximises the likelihood (Newton, or
   IRLS with ``irls``), then the constant-only model gives the LR test's ``ll_0``;
6. the dispersion: 1 for binomial and Poisson, Pearson chi2 / (N - K) for the Gaussian,
   gamma and inverse Gaussian families unless ``scale()`` says otherwise.

The :class:`~vcereg.estimators.Fit` keeps the scores as ``x_w`` (``resid_w`` = 1) and the
inverse observed information as ``bread``, which is all the variance registry needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._types import FloatArray, IntArray
from ..design import Design, subset
from ..errors import CollinearityWarning, DataError, EstimationError, PerfectPredictionWarning, warn
from ..linalg import least_squares
from ..spec import FamilySpec, ModelSpec, WeightKind
from .glm import GLMArrayFit, fit_glm_arrays, glm_loglik
from .glm_family import Binomial, Poisson, make_family, make_link
from .mlinfo import MODEL_TITLES, MLInfo
from .ols import Fit
from .perfect_prediction import check_perfect_prediction

__all__ = [
    "MLInputs",
    "MLModelFit",
    "fit_glm_model",
    "ml_inputs",
    "numeric_columns",
    "omit_collinear",
]

_BINARY = ("logit", "logistic", "probit", "cloglog")


@dataclass(frozen=True, slots=True, eq=False)
class MLModelFit:
    """The fit, the design it was computed on (rows dropped for perfect prediction are
    gone from it) and the notes to show."""

    fit: Fit
    design: Design
    notes: tuple[str, ...]
    label: str


@dataclass(frozen=True, slots=True, eq=False)
class MLInputs:
    """Arrays a maximum-likelihood model needs besides ``y`` and ``X``."""

    offset: FloatArray | None
    trials: FloatArray | float
    weights: FloatArray | None


def numeric_columns(
    data: pd.DataFrame, index: pd.Index, names: tuple[str, ...]
) -> dict[str, FloatArray]:
    """The named columns on the estimation sample's rows, as floats."""
    out: dict[str, FloatArray] = {}
    for name in names:
        col = pd.to_numeric(data.loc[index, name], errors="coerce")
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.all(np.isfinite(values)):
            raise DataError(f"{name!r} must be numeric and finite on the estimation sample")
        out[name] = values
    return out


def ml_inputs(
    fam: FamilySpec,
    design: Design,
    columns: Mapping[str, FloatArray],
    raw_weights: FloatArray | None,
) -> MLInputs:
    """Offset (with ``ln(exposure)``), binomial trials and prior weights on the sample."""
    offset: FloatArray | None = None
    if fam.offset:
        offset = columns[fam.offset].copy()
    if fam.exposure:
        e = columns[fam.exposure]
        if np.any(e <= 0):
            raise DataError(
                f"exposure({fam.exposure}) must be greater than zero: "
                f"{int(np.sum(e <= 0))} observation(s) are not"
            )
        offset = np.log(e) if offset is None else offset + np.log(e)
    trials: FloatArray | float = 1.0
    if isinstance(fam.trials, str):
        trials = columns[fam.trials]
        if np.any(trials <= 0) or np.any(trials != np.round(trials)):
            raise DataError(f"binomial trials {fam.trials!r} must be positive whole numbers")
    elif fam.trials is not None:
        trials = float(fam.trials)
    weights = design.weights
    if design.weight_kind is WeightKind.PWEIGHT and raw_weights is not None:
        weights = raw_weights  # the pseudo-likelihood Stata reports uses them as given
    return MLInputs(offset, trials, weights)


def _binary_outcome(y: FloatArray, model: str) -> FloatArray:
    if model in _BINARY:
        out: FloatArray = (y != 0).astype(np.float64)
        return out
    return y


def omit_collinear(design: Design, w: FloatArray | None) -> np.ndarray:
    x = design.x if w is None else design.x * np.sqrt(w)[:, None]
    keep = np.asarray(least_squares(np.asfortranarray(x), design.y).keep, dtype=bool)
    omitted = [t for t, k in zip(design.terms, keep, strict=True) if not k]
    if omitted:
        warn(f"omitted because of collinearity: {', '.join(omitted)}", CollinearityWarning)
    return keep


def scale_of(fam: FamilySpec, fit: GLMArrayFit, nobs: float, k: int) -> tuple[float, str]:
    """Stata's dispersion for the model-based covariance, and how it was chosen."""
    scale = fam.scale
    family = make_family(fam.family, alpha=fam.alpha)
    if scale is None:
        scale = "x2" if family.has_scale else 1.0
    if isinstance(scale, str):
        if nobs <= k:
            raise EstimationError("no residual degrees of freedom to estimate the scale")
        value = fit.pearson if scale == "x2" else fit.deviance
        return value / (nobs - k), scale
    return float(scale), "1" if float(scale) == 1.0 else "#"


def fit_glm_model(
    spec: ModelSpec,
    design: Design,
    inputs: MLInputs,
    names: Mapping[str, str] | None = None,
) -> MLModelFit:
    """Fit ``spec`` (whose ``family`` is set) on ``design``; see the module docstring."""
    fam = spec.family
    assert fam is not None
    family = make_family(fam.family, alpha=fam.alpha)
    link = make_link(fam.link if fam.link is not None else family.default_link)
    y = _binary_outcome(design.y, fam.model)
    notes: list[str] = []
    w = inputs.weights
    keep = omit_collinear(design, w)
    if fam.model in _BINARY:
        shown = [(names or {}).get(t, t) for t in design.terms]
        pp = check_perfect_prediction(
            y, design.x, design.terms, keep, design.has_intercept, names=shown, asis=fam.asis
        )
        for note in pp.notes:
            warn(note, PerfectPredictionWarning)
        notes += pp.notes
        if pp.drop_rows.any():
            design = subset(design, ~pp.drop_rows)
            y = y[~pp.drop_rows]
            w = w[~pp.drop_rows] if w is not None else None
            inputs = MLInputs(
                inputs.offset[~pp.drop_rows] if inputs.offset is not None else None,
                inputs.trials if isinstance(inputs.trials, float) else inputs.trials[~pp.drop_rows],
                w,
            )
            keep = keep & np.array([t not in pp.drop_columns for t in design.terms])
            keep = keep & omit_collinear(design, w)
    x = np.asfortranarray(design.x[:, keep])
    fw = w if design.weight_kind is WeightKind.FWEIGHT else None
    nobs = float(fw.sum()) if fw is not None else float(len(y))
    k = int(keep.sum())
    if nobs <= k:
        raise EstimationError(
            f"insufficient observations: {nobs:g} observations for {k} parameters"
        )
    kwargs = {
        "family": family,
        "link": link,
        "weights": w,
        "offset": inputs.offset,
        "trials": inputs.trials,
        "tol": fam.tolerance,
        "ltol": fam.ltolerance,
        "nrtol": fam.nrtolerance,
        "maxiter": fam.iterate,
        "method": "irls" if fam.irls else "newton",
    }
    fit = fit_glm_arrays(x, y, **kwargs)  # type: ignore[arg-type]
    ll_0 = _null_loglik(design, y, kwargs)
    notes += _determined(fit, y, inputs.trials, fam.model)
    scale, kind = scale_of(fam, fit, nobs, k)
    out = _make_fit(design, keep, fit, nobs, k, y, inputs, ll_0, scale, kind, fam, kwargs)
    return MLModelFit(out, design, tuple(notes), _label(fam))


def _label(fam: FamilySpec) -> str:
    return MODEL_TITLES.get(fam.model, MODEL_TITLES["glm"])


def _null_loglik(design: Design, y: FloatArray, kwargs: Mapping[str, object]) -> float | None:
    """Log likelihood of the constant-only model (all coefficients 0 without a constant)."""
    if not design.has_intercept:  # Stata: the model with every coefficient 0
        family, link = kwargs["family"], kwargs["link"]
        off = kwargs["offset"]
        eta = np.zeros(len(y)) if off is None else np.asarray(off, dtype=np.float64)
        w = kwargs["weights"]
        w = np.ones(len(y)) if w is None else np.asarray(w, dtype=np.float64)
        m = kwargs["trials"]
        with np.errstate(all="ignore"):
            mu = family.valid_mu(link.inverse(eta))  # type: ignore[attr-defined]
            ll = glm_loglik(family, link, y, mu, eta, w, m)  # type: ignore[arg-type]
        return ll if np.isfinite(ll) else None
    closed = _null_loglik_closed(y, kwargs)
    if closed is not None:
        return closed
    try:
        return fit_glm_arrays(np.ones((len(y), 1)), y, **kwargs).loglik  # type: ignore[arg-type]
    except EstimationError:
        return None


def _null_loglik_closed(y: FloatArray, kwargs: Mapping[str, object]) -> float | None:
    """The constant-only binomial or Poisson model without an offset, in closed form: its
    maximum-likelihood mean is the weighted mean of ``y`` (per trial), whatever the link.
    None where that does not apply (an offset, other families, a mean on the boundary)."""
    family, link, off = kwargs["family"], kwargs["link"], kwargs["offset"]
    if off is not None or not isinstance(family, (Binomial, Poisson)):
        return None
    w = kwargs["weights"]
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=np.float64)
    m = kwargs["trials"]
    trials = np.asarray(1.0 if m is None else m, dtype=np.float64)
    total = float(np.sum(w * trials)) if isinstance(family, Binomial) else float(w.sum())
    mean = float(w @ y) / total if total > 0 else np.nan
    upper = 1.0 if isinstance(family, Binomial) else np.inf
    if not 0.0 < mean < upper:
        return None
    with np.errstate(all="ignore"):
        eta = np.full(len(y), float(link.link(np.array([mean]))[0]))  # type: ignore[attr-defined]
        if not np.isfinite(eta[0]):
            return None
        mu = family.valid_mu(link.inverse(eta))  # type: ignore[attr-defined]
        ll = glm_loglik(family, link, y, mu, eta, w, 1.0 if m is None else m)  # type: ignore[arg-type]
    return ll if np.isfinite(ll) else None


def _determined(
    fit: GLMArrayFit, y: FloatArray, trials: FloatArray | float, model: str
) -> list[str]:
    """Stata's note on observations whose binary outcome the fit predicts exactly."""
    if model not in _BINARY:
        return []
    p = fit.mu / trials
    lo = int(np.sum((p < 1e-8) & (y == 0)))
    hi = int(np.sum((p > 1 - 1e-8) & (y != 0)))
    if lo + hi == 0:
        return []
    note = (
        f"{lo} failures and {hi} successes completely determined: the estimates of the "
        "coefficients that predict them are not reliable"
    )
    warn(note, PerfectPredictionWarning)
    return [note]


def _make_fit(
    design: Design,
    keep: np.ndarray,
    fit: GLMArrayFit,
    nobs: float,
    k: int,
    y: FloatArray,
    inputs: MLInputs,
    ll_0: float | None,
    scale: float,
    scale_kind: str,
    fam: FamilySpec,
    kwargs: Mapping[str, object],
) -> Fit:
    x = np.asfortranarray(design.x[:, keep])
    root = np.sqrt(np.maximum(fit.working_weights, 0.0))
    weighted = np.asfortranarray(x * root[:, None])
    lstsq = least_squares(weighted, np.zeros(len(y)))
    oim: FloatArray = np.asarray(np.linalg.inv(fit.hessian), dtype=np.float64)
    eim: FloatArray = np.asarray(np.linalg.inv(fit.eim), dtype=np.float64)
    params = np.zeros(len(design.terms))
    params[keep] = fit.params
    omitted = tuple(t for t, kk in zip(design.terms, keep, strict=True) if not kk)
    slopes = [t for t, kk in zip(design.terms, keep, strict=True) if kk and t != "Intercept"]
    info = MLInfo(
        model=fam.model,
        family=fit.family.name,
        link=fit.link.name,
        loglik=fit.loglik,
        ll_0=ll_0,
        deviance=fit.deviance,
        pearson=fit.pearson,
        scale=scale,
        scale_kind=scale_kind,
        k_params=k,
        df_model=len(slopes),
        iterations=fit.iterations,
        method=fit.method,
        y=y,
        mu=fit.mu,
        eta=fit.eta,
        offset=inputs.offset,
        trials=inputs.trials,
        weights=inputs.weights,
        oim_bread=oim,
        eim_bread=eim,
        design=weighted,
        alpha=fam.alpha if fam.family == "nbinomial" else None,
    )

    def leave_out(codes: IntArray) -> FloatArray:
        return _jackknife(x, y, codes, fit.params, kwargs)

    return Fit(
        params=params,
        keep=keep,
        lstsq=lstsq,
        x_w=np.asfortranarray(fit.scores),
        y_w=y,
        resid_w=np.ones(len(y)),
        nobs=nobs,
        k=k,
        df_resid=nobs - k,
        rss=float("nan"),
        tss=float("nan"),
        omitted=omitted,
        bread=eim if fam.irls else oim,
        leave_out=leave_out,
        ml=info,
    )


def _jackknife(
    x: FloatArray,
    y: FloatArray,
    codes: IntArray,
    beta: FloatArray,
    kwargs: Mapping[str, object],
) -> FloatArray:
    """``b_(g) - b`` for each group left out: a refit warm-started at ``b`` (Stata's
    ``vce(jackknife)`` refits the whole command)."""
    g = int(codes.max()) + 1
    out = np.empty((g, beta.size))
    per_row = ("weights", "offset", "trials")
    for j in range(g):
        rest = codes != j
        kw = {
            key: (val[rest] if key in per_row and isinstance(val, np.ndarray) else val)
            for key, val in kwargs.items()
        }
        try:
            refit = fit_glm_arrays(x[rest], y[rest], start=beta, **kw)  # type: ignore[arg-type]
        except EstimationError as exc:
            raise EstimationError(
                f"vce(jackknife): the model cannot be fitted without cluster {j + 1} of {g} "
                f"({exc.message})"
            ) from None
        out[j] = refit.params - beta
    return out
