"""``predict`` after a maximum-likelihood fit, with Stata's names.

=================  ===========================================================  =========
``what``           value                                                        default of
=================  ===========================================================  =========
``pr``             probability of a positive outcome (binary models)            logit,
                                                                                probit
``n``              expected count, exposure and offset included                 poisson,
                                                                                nbreg
``mu``             the mean of y (glm; ``m p`` for binomial(m))                 glm
``ir``             incidence rate exp(x b), without exposure and offset
``xb``             linear prediction x b (+ offset)
``stdp``           standard error of x b, sqrt(x V x')
``response``       y - mu
``pearson``        (y - mu) / sqrt(V(mu)) (binomial(m): m V(p))
``deviance``       sign(y - mu) sqrt(d_i), d_i the unit deviance
``anscombe``       Anscombe residuals (McCullagh & Nelder; as Stata's glm)
``working``        (y - mu) d eta / d mu
``score``          d l_i / d eta, the first derivative of the log likelihood
=================  ===========================================================  =========

``residuals`` is the Pearson residual for binary models and the response residual
otherwise. Residuals are not multiplied by prior weights (as Stata). Without data, the
prediction is on the estimation sample, aligned to the data's index; with data, the
regressors (and the offset/exposure variables) are rebuilt from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import special

from .._types import FloatArray
from ..design import build_new
from ..errors import DataError, MissingVariableError, closest
from ..estimators.glm import derivatives
from ..estimators.glm_family import Binomial, Family, make_family, make_link
from ._fitted import columns_of, parts

if TYPE_CHECKING:
    from ..results import Results

__all__ = ["ML_PREDICTIONS", "anscombe", "ml_predict"]

ML_PREDICTIONS = (
    "pr", "n", "mu", "ir", "xb", "stdp", "response", "pearson", "deviance", "anscombe",
    "working", "score", "residuals",
)  # fmt: skip
_ALIASES = {"p": "pr", "eta": "xb", "resid": "residuals", "r": "residuals", "e": "residuals"}
_DEFAULT = {"logit": "pr", "logistic": "pr", "probit": "pr", "cloglog": "pr", "poisson": "n",
            "nbreg": "n", "glm": "mu"}  # fmt: skip


def _kind(res: Results, what: str | None) -> str:
    assert res.ml is not None
    if what is None:
        return _DEFAULT.get(res.ml.model, "mu")
    key = str(what).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in ML_PREDICTIONS:
        near = closest(key, [*ML_PREDICTIONS, *_ALIASES])
        raise DataError(
            f"unknown prediction {what!r} after {res.ml.model}; expected one of "
            f"{', '.join(ML_PREDICTIONS)}",
            hint=f"did you mean {_ALIASES.get(near, near)!r}?" if near else None,
        )
    if key == "residuals":
        return "pearson" if res.ml.family == "binomial" and res.ml.model != "glm" else "response"
    return key


def anscombe(family: Family, y: FloatArray, mu: FloatArray, m: FloatArray | float) -> FloatArray:
    """Anscombe residuals of each family (``mu`` the mean of ``y / m``)."""
    name = family.name
    with np.errstate(all="ignore"):
        if name == "binomial":
            a = special.beta(2 / 3, 2 / 3)
            num = a * (special.betainc(2 / 3, 2 / 3, y / m) - special.betainc(2 / 3, 2 / 3, mu))
            out: FloatArray = np.sqrt(m) * num / (mu * (1 - mu)) ** (1 / 6)
        elif name == "poisson":
            out = 1.5 * (y ** (2 / 3) - mu ** (2 / 3)) / mu ** (1 / 6)
        elif name == "gaussian":
            out = y - mu
        elif name == "gamma":
            out = 3 * (y ** (1 / 3) - mu ** (1 / 3)) / mu ** (1 / 3)
        elif name == "inverse_gaussian":
            out = (np.log(y) - np.log(mu)) / np.sqrt(mu)
        else:  # negative binomial: Hilbe's hypergeometric form, as Stata
            alpha = float(getattr(family, "alpha", 1.0))

            def h(v: FloatArray) -> FloatArray:
                r: FloatArray = special.hyp2f1(2 / 3, 1 / 3, 5 / 3, -alpha * v) * v ** (2 / 3)
                return r

            out = 1.5 * (h(y) - h(mu)) / (mu + alpha * mu**2) ** (1 / 6)
    return out


def _family(res: Results) -> Family:
    assert res.ml is not None
    return make_family(res.ml.family, alpha=res.ml.alpha)


def _offset(res: Results, data: pd.DataFrame) -> FloatArray:
    fam = res.spec.family
    out = np.zeros(len(data))
    if fam is None:
        return out
    for var, log in ((fam.offset, False), (fam.exposure, True)):
        if not var:
            continue
        if var not in data.columns:
            raise MissingVariableError(
                f"the {'exposure' if log else 'offset'} {var!r} is not in the data"
            )
        v = pd.to_numeric(data[var], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = out + (np.log(np.where(v > 0, v, np.nan)) if log else v)
    return out


def _trials(res: Results, data: pd.DataFrame | None, n: int) -> FloatArray | float:
    fam = res.spec.family
    if fam is None or fam.trials is None:
        return 1.0
    if isinstance(fam.trials, str):
        if data is None:
            assert res.ml is not None
            return res.ml.trials
        return pd.to_numeric(data[fam.trials]).to_numpy(dtype=np.float64)
    return float(fam.trials)


def ml_predict(
    res: Results,
    data: pd.DataFrame | None = None,
    *,
    what: str | None = None,
    unseen: Literal["error", "missing"] = "error",
) -> pd.Series:
    """Predictions and residuals of a maximum-likelihood fit (see the module docstring).

    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat").assign(pass_=lambda f: (f.G3 >= 10) * 1)
    >>> r = vcereg.regress("logit pass_ absences", d)
    >>> p = r.predict()
    >>> bool(p.between(0, 1).all()), round(float(p.mean()), 4) == round(float(d.pass_.mean()), 4)
    (True, True)
    """
    assert res.ml is not None
    kind = _kind(res, what)
    _, design = parts(res)
    main = [t for t in res.terms if not t.startswith("/")]
    b = res.params[main].to_numpy()
    if data is None:
        ml = res.ml
        x = design.x
        y: FloatArray | None = ml.y
        eta = ml.eta
        m = ml.trials
        index = design.index
        base = res._data
    else:
        to_pandas = getattr(data, "to_pandas", None)
        if not isinstance(data, pd.DataFrame) and callable(to_pandas):
            data = to_pandas()
        new = build_new(res.spec, design, data, unseen=unseen)
        x = new.x[:, columns_of(new.terms, tuple(main))]
        y = new.y
        if y is not None and res.ml.model in ("logit", "logistic", "probit", "cloglog"):
            y = (y != 0).astype(np.float64)
        eta = x @ b + _offset(res, data)
        m = _trials(res, data, len(data))
        index, base = data.index, None
    values = _values(res, kind, x, b, y, eta, m)
    out = pd.Series(values, index=index, name=kind)
    if data is None and base is not None and base.index.is_unique:
        out = out.reindex(base.index)
    return out


def _values(
    res: Results,
    kind: str,
    x: FloatArray,
    b: FloatArray,
    y: FloatArray | None,
    eta: FloatArray,
    m: FloatArray | float,
) -> FloatArray:
    assert res.ml is not None
    family = _family(res)
    link = make_link(res.ml.link)
    if kind == "xb":
        return eta
    if kind == "stdp":
        main = [t for t in res.terms if not t.startswith("/")]
        v = res.cov.loc[main, main].to_numpy()
        return np.asarray(np.sqrt(np.clip(np.einsum("ij,jk,ik->i", x, v, x), 0, None)))
    if kind == "ir":
        return np.asarray(np.exp(x @ b), dtype=np.float64)
    mu = family.valid_mu(link.inverse(eta))  # mean of y / m
    if kind in ("pr", "n", "mu"):
        if kind == "pr" and not isinstance(family, Binomial):
            raise DataError(f"predict pr is for binary models; after {res.ml.model} use n or mu")
        out: FloatArray = mu if kind == "pr" else m * mu
        return out
    if y is None:
        raise MissingVariableError(
            f"{kind} residuals need the dependent variable {res.depvar!r}, not in the data"
        )
    with np.errstate(all="ignore"):
        if kind == "response":
            return y - m * mu
        if kind == "pearson":
            return np.asarray((y - m * mu) / np.sqrt(m * family.variance(mu)))
        if kind == "deviance":
            d = np.clip(family.unit_deviance(y, mu, m), 0, None)
            return np.asarray(np.sign(y - m * mu) * np.sqrt(d))
        if kind == "anscombe":
            return anscombe(family, y, mu, m)
        if kind == "working":
            return np.asarray((y / m - mu) / link.dmu(eta))
        _, d1, _, _ = derivatives(family, link, y, eta, np.ones(len(y)), m)
        return d1
