"""``margins`` after a maximum-likelihood fit: predictive margins, average marginal
effects and elasticities of the predicted mean, with delta-method standard errors.

The prediction is Stata's default for the command: the probability after ``logit``,
``probit`` and ``cloglog``; the expected count (exposure and offset included) after
``poisson`` and ``nbreg``; the mean of y after ``glm``. With ``F(eta)`` that prediction,
``eta = x(v) b + offset`` and ``s = d eta / d v`` (through every term that uses ``v``,
by the central differences of :mod:`.margins`), each row contributes

===========  =========================  =====================================
request      value                      Stata
===========  =========================  =====================================
(none)       F(eta)                     ``margins``
``dydx``     F'(eta) s                  ``margins, dydx(v)``
``eyex``     F'(eta) s v / F(eta)       ``margins, eyex(v)``
``dyex``     F'(eta) s v                ``margins, dyex(v)``
``eydx``     F'(eta) s / F(eta)         ``margins, eydx(v)``
===========  =========================  =====================================

averaged over the estimation sample with the fit's weights; the gradient of that average
with respect to ``b`` (analytic in ``F``: F', F'' from the link) gives the variance
``g' V g`` with the fit's covariance, and z inference. A factor variable's ``dydx`` is the
average discrete change ``F(eta_level) - F(eta_base)``. ``at`` sets variables to values;
``atmeans`` evaluates at the means of the design rows (factor indicators at their
proportions, as Stata's ``atmeans``); ``over`` repeats the computation by group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._types import FloatArray
from ..design import build_new, factor_levels, with_tsvars
from ..errors import DataError, EstimationError
from ..estimators.glm_family import make_family, make_link
from ..inference import critical_value, p_values
from ._fitted import columns_of, parts
from .margins import _at_means, _combos, _filled, _fmt, _groups, _require, _set

if TYPE_CHECKING:
    from ..results import Results

__all__ = ["ml_margins"]

_STEP = 1e-3
_EXPRESSIONS = {  # Stata's wording of the default prediction
    "logit": "Pr({y}), predict()",
    "logistic": "Pr({y}), predict()",
    "probit": "Pr({y}), predict()",
    "cloglog": "Pr({y}), predict()",
    "poisson": "Predicted number of events, predict()",
    "nbreg": "Predicted number of events, predict()",
    "glm": "Predicted mean {y}, predict()",
}
_KINDS = ("dydx", "eyex", "dyex", "eydx")


def _positions(res: Results) -> np.ndarray:
    _, design = parts(res)
    data = res._data
    if data is None or design.rebuild is None:
        raise EstimationError("margins needs the fitted data; this result does not keep it")
    return np.asarray(data.index.get_indexer(design.index), dtype=np.intp)


def ml_margins(
    res: Results,
    dydx: str | Sequence[str] | None = None,
    *,
    at: Mapping[str, object] | None = None,
    over: str | None = None,
    atmeans: bool = False,
    level: float | None = None,
    eyex: str | Sequence[str] | None = None,
    dyex: str | Sequence[str] | None = None,
    eydx: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Margins of a maximum-likelihood fit (see the module docstring); columns as
    :meth:`Results.tidy`.

    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat").assign(pass_=lambda f: (f.G3 >= 10) * 1)
    >>> m = vcereg.regress("logit pass_ absences studytime", d).margins(dydx="absences")
    >>> list(m.columns), m.index.tolist()
    (['estimate', 'std_error', 't', 'p', 'ci_low', 'ci_high'], ['absences'])
    """
    assert res.ml is not None
    _, design = parts(res)
    pos = _positions(res)
    data = res._data
    assert data is not None and design.rebuild is not None
    names = list(design.rebuild.rhs_vars)
    frame = with_tsvars(res.spec, data).iloc[pos]
    requests: list[tuple[str, str]] = []
    asked: list[tuple[str, str | Sequence[str] | None]] = [
        ("dydx", dydx), ("eyex", eyex), ("dyex", dyex), ("eydx", eydx),
    ]  # fmt: skip
    for what, wanted in asked:
        for var in [wanted] if isinstance(wanted, str) else list(wanted or []):
            _require(var, names, "a variable of the model's regressors")
            requests.append((what, var))
    for var in at or {}:
        _require(var, names, "a variable of the model's regressors")
    if over is not None:
        _require(over, [str(c) for c in data.columns], "a column of the data")
    w = res.ml.weights if res.ml.weights is not None else np.ones(len(frame))
    off = res.ml.offset if res.ml.offset is not None else np.zeros(len(frame))
    m = res.ml.trials
    main = [t for t in res.terms if not t.startswith("/")]
    b = res.params[main].to_numpy()
    cols: list[int] | None = None

    def rows(f: pd.DataFrame) -> FloatArray:
        nonlocal cols
        new = build_new(res.spec, design, f)
        cols = columns_of(new.terms, tuple(main)) if cols is None else cols
        return new.x[:, cols]

    curve = _Curve(res, b)
    labels: list[str] = []
    values: list[float] = []
    grads: list[FloatArray] = []
    for glabel, mask in _groups(data, pos, over):
        base = frame[names].iloc[np.flatnonzero(mask)]
        wg, og = w[mask], off[mask]
        mg = m if isinstance(m, float) else m[mask]
        for combo in _combos(at):
            f = base
            for var, value in combo.items():
                f = _filled(f, var, value)
            at_text = ", ".join(f"{k}={_fmt(v)}" for k, v in combo.items())
            suffix = f" | {glabel}" if glabel else ""
            point = _Point(res, f, wg, og, mg, rows, atmeans, set(combo))
            if not requests:
                v, g = curve.level(point)
                labels.append((at_text or "_cons") + suffix)
                values.append(v)
                grads.append(g)
            for kind, var in requests:
                for label, v, g in curve.effect(point, kind, var, f, rows):
                    labels.append(label + (f" @ {at_text}" if at_text else "") + suffix)
                    values.append(v)
                    grads.append(g)
    kinds = {k for k, _ in requests} or {"margins"}
    return _table(res, labels, np.asarray(values), np.vstack(grads), main, level, kinds)


class _Point:
    """Where the margin is evaluated: the design rows (or their means) with weights."""

    def __init__(
        self,
        res: Results,
        f: pd.DataFrame,
        w: FloatArray,
        off: FloatArray,
        m: FloatArray | float,
        rows: object,
        atmeans: bool,
        fixed: set[str],
    ) -> None:
        self.atmeans = atmeans
        self.frame = f
        self.res, self.orig_w, self.fixed = res, w, fixed
        if atmeans:
            cells, cw = _at_means(res, f, w, fixed)
            x = rows(cells)  # type: ignore[operator]
            self.x = (cw @ x / cw.sum())[None, :]
            self.w = np.ones(1)
            self.off = np.array([float(w @ off / w.sum())])
            self.m: FloatArray | float = m if isinstance(m, float) else float(w @ m / w.sum())
            self.cells, self.cw = cells, cw
        else:
            self.x = rows(f)  # type: ignore[operator]
            self.w, self.off, self.m = w, off, m


class _Curve:
    """The prediction F(eta) = m mu(eta) and its derivatives in eta."""

    def __init__(self, res: Results, b: FloatArray) -> None:
        assert res.ml is not None
        self.link = make_link(res.ml.link)
        self.family = make_family(res.ml.family, alpha=res.ml.alpha)
        self.b = b
        self.res = res

    def f(self, eta: FloatArray, m: FloatArray | float) -> tuple[FloatArray, ...]:
        mu = self.link.inverse(eta)
        return m * mu, m * self.link.dmu(eta), m * self.link.d2mu(eta)

    def _avg(self, v: FloatArray, w: FloatArray) -> float:
        out = float(w @ v / w.sum())
        if not np.isfinite(out):
            raise EstimationError("the margin is not finite at some rows")
        return out

    def level(self, p: _Point) -> tuple[float, FloatArray]:
        eta = p.x @ self.b + p.off
        f, f1, _ = self.f(eta, p.m)
        return self._avg(f, p.w), (p.w * f1) @ p.x / p.w.sum()

    def effect(
        self, p: _Point, kind: str, var: str, f: pd.DataFrame, rows: object
    ) -> list[tuple[str, float, FloatArray]]:
        _, design = parts(self.res)
        lv = factor_levels(design, var)
        if lv is not None or not pd.api.types.is_numeric_dtype(f[var]):
            if kind != "dydx":
                raise DataError(f"{kind}({var}): elasticities need a continuous variable")
            if lv is None:
                raise DataError(f"{var!r} is not numeric and not a factor of the model")
            levels, base = lv
            out = []
            ref = self._at(p, rows, _filled(f, var, base), var)
            for lev in levels:
                if lev == base:
                    continue
                v, g = self._at(p, rows, _filled(f, var, lev), var)
                out.append((f"{lev}.{var}", v - ref[0], g - ref[1]))
            return out
        jac = _jacobian(p, f, var, rows)
        eta = p.x @ self.b + p.off
        fv, f1, f2 = self.f(eta, p.m)
        s = jac @ self.b
        dy = f1 * s
        ddy = (f2 * s)[:, None] * p.x + f1[:, None] * jac
        xv = _var_values(p, f, var)
        if kind == "dydx":
            val, grad = dy, ddy
        elif kind == "dyex":
            val, grad = dy * xv, ddy * xv[:, None]
        else:
            inner = ddy / fv[:, None] - (dy * f1 / fv**2)[:, None] * p.x
            val, grad = dy / fv, inner
            if kind == "eyex":
                val, grad = val * xv, grad * xv[:, None]
        return [(var, self._avg(val, p.w), (p.w @ grad) / p.w.sum())]

    def _at(self, p: _Point, rows: object, f: pd.DataFrame, var: str) -> tuple[float, FloatArray]:
        """The level of the prediction with ``var`` set as in ``f`` (at the means of the
        other variables with ``atmeans``)."""
        if p.atmeans:
            cells, cw = _at_means(self.res, f, p.orig_w, p.fixed | {var})
            x = (cw @ rows(cells) / cw.sum())[None, :]  # type: ignore[operator]
        else:
            x = rows(f)  # type: ignore[operator]
        eta = x @ self.b + p.off
        fv, f1, _ = self.f(eta, p.m)
        return self._avg(fv, p.w), (p.w * f1) @ x / p.w.sum()


def _var_values(p: _Point, f: pd.DataFrame, var: str) -> FloatArray:
    x0 = f[var].to_numpy(dtype=np.float64)
    if p.atmeans:
        return np.array([float(p.cw @ p.cells[var].to_numpy(dtype=np.float64) / p.cw.sum())])
    return x0


def _jacobian(p: _Point, f: pd.DataFrame, var: str, rows: object) -> FloatArray:
    """d x / d var of the design rows, by central differences with a Richardson step."""
    g = p.cells if p.atmeans else f
    x0 = g[var].to_numpy(dtype=np.float64)
    spread = float(np.std(x0)) or 1.0
    h = _STEP * np.where(x0 != 0, np.abs(x0), spread)

    def central(step: FloatArray) -> FloatArray:
        up = rows(_set(g, var, x0 + step))  # type: ignore[operator]
        down = rows(_set(g, var, x0 - step))  # type: ignore[operator]
        return np.asarray((up - down) / (2 * step[:, None]))

    jac = (4 * central(h / 2) - central(h)) / 3
    if p.atmeans:
        return np.asarray((p.cw @ jac / p.cw.sum())[None, :])
    return jac


def _table(
    res: Results,
    labels: list[str],
    est: FloatArray,
    g: FloatArray,
    main: list[str],
    level: float | None,
    kinds: set[str],
) -> pd.DataFrame:
    v = res.cov.loc[main, main].to_numpy()
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", g, v, g), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    lev = res.level if level is None else (level * 100 if 0 < level < 1 else float(level))
    c = critical_value(lev, res.df_inference)
    out = pd.DataFrame(
        {
            "estimate": est,
            "std_error": se,
            "t": z,
            "p": p_values(z, res.df_inference),
            "ci_low": est - c * se,
            "ci_high": est + c * se,
        },
        index=pd.Index(labels, name="term"),
    )
    kind = "margins" if kinds == {"margins"} else "dydx" if kinds == {"dydx"} else "effects"
    titles = {"margins": "Predictive margins", "dydx": "Average marginal effects"}
    out.attrs.update(
        kind=kind,
        depvar=res.depvar,
        nobs=res.nobs,
        df_inference=res.df_inference,
        vce_name=res.vce_name,
        vce_label=res.vce_label,
        level=lev,
        model_label=titles.get(kind, "Average marginal effects and elasticities"),
        expression=_EXPRESSIONS.get(res.ml.model, "Predicted mean").format(y=res.depvar)
        if res.ml is not None
        else "",
    )
    return out
