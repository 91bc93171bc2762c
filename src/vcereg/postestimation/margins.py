"""``margins`` after a linear fit: average marginal effects and predictive margins.

Every quantity is linear in the coefficients, ``m = g'b``, with ``g`` an average of
rebuilt design rows over the estimation sample (weighted by the fit's weights, as
Stata's ``margins``), so the delta-method variance ``g'Vg`` is exact and uses the fit's
covariance and its degrees of freedom.

- ``dydx="x"`` (continuous): ``g`` is the average derivative of the design rows with
  respect to ``x``, through every term that uses it (``I(x**2)``, ``np.log(x)``,
  ``C(a):x``, ``center(x)``...), by central differences with one Richardson step (step
  ``1e-3·|x|``: truncation ~1e-12, rounding ~1e-13 relative), exact for polynomials up
  to degree four.
- ``dydx="g"`` (categorical): the discrete change from the base level, one row per
  other level, as Stata's ``margins, dydx(i.g)``.
- ``at={"x": [10, 20]}``: the variables set to each value (all combinations when several);
  ``atmeans=True`` sets every other variable to its sample mean and categorical variables
  to their sample proportions (Stata's ``atmeans``); ``over="v"``: separately per group.
- Without ``dydx``: predictive margins, the average of ``x b``. With absorbed effects,
  ``x b`` includes ``_cons``, the average of the effects, which has a variance and a
  covariance with the slopes like any coefficient (it is ``ybar - xbar'b``); the effects
  themselves do not enter (Stata's ``margins`` after ``areg``, ``reghdfe`` and
  ``xtreg, fe``, which predict ``xb``). Over the whole sample this is the predictive
  margin of the regression with the effects as dummies, with the same standard error.
- A margin whose standard error is 0 (an exact fit) has no t statistic or p-value.
- Inference is the model's (:mod:`.contrasts`): each margin's own Bell-McCaffrey df after
  ``vce(hc2 g, dfadjust)``, the wild bootstrap's p-value and interval after ``vce(wild g)``,
  and z with normal intervals after instrumental variables (Stata's ``margins`` after
  ``ivregress``, with or without ``small``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._types import FloatArray
from ..design import build_new, factor_levels, with_tsvars
from ..errors import DataError, EstimationError, MissingVariableError, NotSupportedError, closest
from ..inference import confidence_level
from ._fitted import columns_of, in_sample, parts
from .contrasts import combinations

if TYPE_CHECKING:
    from ..results import Results

__all__ = ["margins", "model_variables"]

_STEP = 1e-3
_MAX_CELLS = 10_000


def margins(
    res: Results,
    dydx: str | Sequence[str] | None = None,
    *,
    at: Mapping[str, object] | None = None,
    over: str | None = None,
    atmeans: bool = False,
    level: float | None = None,
) -> pd.DataFrame:
    """Average marginal effects (``dydx``) or predictive margins, with delta-method SEs.

    Returns a DataFrame with the columns of :meth:`Results.tidy` (estimate, std_error, t,
    p, ci_low, ci_high), one row per effect or margin; ``attrs`` keeps what a table needs.

    Examples
    --------
    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat")
    >>> r = vcereg.regress("G3 ~ absences + I(absences**2) | vce(robust)", d)
    >>> m = r.margins(dydx="absences")
    >>> b = r.params
    >>> ame = b["absences"] + 2 * b["I(absences ** 2)"] * d["absences"].mean()
    >>> bool(abs(m.loc["absences", "estimate"] - ame) < 1e-9)
    True
    """
    _, design = parts(res)
    data = res._data
    sample = in_sample(res)
    if data is None or sample.positions is None or design.rebuild is None:
        raise EstimationError("margins needs the fitted data; this result does not keep it")
    names = list(design.rebuild.rhs_vars)
    frame = with_tsvars(res.spec, data).iloc[sample.positions]
    # Stata's spelling of a time-series variable (L.x) names its generated column (L1__x)
    column = {tv.label: tv.name for tv in res.spec.tsvars}
    label = {tv.name: tv.label for tv in res.spec.tsvars}
    dy = [column.get(v, v) for v in ([dydx] if isinstance(dydx, str) else list(dydx or []))]
    at = {column.get(k, k): v for k, v in at.items()} if at else None
    for v in [*dy, *(at or {})]:
        _require(v, names, "a variable of the model's regressors")
    if over is not None:
        _require(over, [str(c) for c in data.columns], "a column of the data")
    w = design.weights if design.weights is not None else np.ones(len(frame))
    cols: list[int] | None = None

    def rows(f: pd.DataFrame) -> FloatArray:
        nonlocal cols
        new = build_new(res.spec, design, f)
        cols = columns_of(new.terms, res.terms) if cols is None else cols
        return new.x[:, cols]

    combos = _combos(at)
    groups = _groups(data, sample.positions, over)
    labels: list[str] = []
    grads: list[FloatArray] = []
    for glabel, mask in groups:
        base = frame[names].iloc[np.flatnonzero(mask)]
        wg = w[mask]
        for combo in combos:
            f = base
            for var, value in combo.items():
                f = _filled(f, var, value)
            wf = wg
            if atmeans:
                f, wf = _at_means(res, f, wg, fixed=set(combo))
            at_text = ", ".join(f"{label.get(k, k)}={_fmt(v)}" for k, v in combo.items())
            suffix = f" | {glabel}" if glabel else ""
            if not dy:
                labels.append((at_text or "_cons") + suffix)
                grads.append(_wmean(rows(f), wf))
            for var in dy:
                for term, g in _effects(res, var, f, wf, rows):
                    term = label.get(term, term)
                    labels.append(term + (f" @ {at_text}" if at_text else "") + suffix)
                    grads.append(g)
    kind = "dydx" if dy else "margins"
    return _table(res, labels, np.vstack(grads), level, kind)


def model_variables(res: Results) -> tuple[str, ...]:
    """The variables the fit's regressors read (Stata's ``dydx(*)``)."""
    _, design = parts(res)
    return design.rebuild.rhs_vars if design.rebuild is not None else ()


def _fmt(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _require(var: str, names: Sequence[str], what: str) -> None:
    if var not in names:
        near = closest(var, names)
        raise MissingVariableError(
            f"{var!r} is not {what}",
            hint=f"did you mean {near!r}?" if near else f"expected one of {', '.join(names)}",
        )


def _combos(at: Mapping[str, object] | None) -> list[dict[str, object]]:
    if not at:
        return [{}]
    values = [list(v) if isinstance(v, list | tuple | np.ndarray) else [v] for v in at.values()]
    return [dict(zip(at, combo, strict=True)) for combo in itertools.product(*values)]


def _groups(
    data: pd.DataFrame, positions: np.ndarray, over: str | None
) -> list[tuple[str, np.ndarray]]:
    n = len(positions)
    if over is None:
        return [("", np.ones(n, dtype=bool))]
    col = data[over].iloc[positions]
    if col.isna().any():
        raise DataError(f"over({over}) is missing in {int(col.isna().sum())} sample row(s)")
    return [(f"{over}={v}", (col == v).to_numpy()) for v in sorted(col.unique())]


def _set(f: pd.DataFrame, var: str, values: np.ndarray) -> pd.DataFrame:
    """``f`` with column ``var`` replaced by ``values`` (categorical dtype kept)."""
    col = f[var]
    if isinstance(col.dtype, pd.CategoricalDtype):
        bad = set(values) - set(col.cat.categories)
        if bad:
            raise DataError(f"{var!r} has no level {sorted(map(str, bad))[0]}")
        new: object = pd.Categorical(values, categories=col.cat.categories)
    elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        try:
            new = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError(f"{var!r} is numeric; got the value {values[0]!r}") from None
    else:
        new = values
    return f.assign(**{var: pd.Series(new, index=f.index)})


def _filled(f: pd.DataFrame, var: str, value: object) -> pd.DataFrame:
    """``f`` with every row's ``var`` set to ``value``."""
    return _set(f, var, np.repeat(np.asarray([value], dtype=object), len(f)))


def _wmean(m: FloatArray, w: FloatArray) -> FloatArray:
    out = np.asarray(w @ m / w.sum(), dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise EstimationError(
            "the margin is not finite: a transform is undefined at some rows (e.g. log near 0)"
        )
    return out


_Rows = Callable[[pd.DataFrame], FloatArray]


def _effects(
    res: Results, var: str, f: pd.DataFrame, w: FloatArray, build: _Rows
) -> list[tuple[str, FloatArray]]:
    """(label, gradient) of the average effect of ``var``: the derivative, or for a factor
    the change from the base level for each other level."""
    _, design = parts(res)
    lv = factor_levels(design, var)
    if lv is not None or not pd.api.types.is_numeric_dtype(f[var]):
        if lv is None:
            raise DataError(f"{var!r} is not numeric and not a factor of the model")
        levels, base = lv
        ref = _wmean(build(_filled(f, var, base)), w)
        return [
            (f"{lev}.{var}", _wmean(build(_filled(f, var, lev)), w) - ref)
            for lev in levels
            if lev != base
        ]
    x0 = f[var].to_numpy(dtype=np.float64)
    spread = float(np.std(x0)) or 1.0
    h = _STEP * np.where(x0 != 0, np.abs(x0), spread)

    def central(step: FloatArray) -> FloatArray:
        up = build(_set(f, var, x0 + step))
        down = build(_set(f, var, x0 - step))
        return np.asarray((up - down) / (2 * step[:, None]))

    jac = (4 * central(h / 2) - central(h)) / 3  # Richardson: O(h^4)
    return [(var, _wmean(jac, w))]


def _at_means(
    res: Results, f: pd.DataFrame, w: FloatArray, fixed: set[str]
) -> tuple[pd.DataFrame, FloatArray]:
    """One row per combination of categorical levels (weights: products of proportions),
    every continuous variable at its (weighted) mean; ``fixed`` variables keep their value."""
    _, design = parts(res)
    out: dict[str, list[object]] = {}
    cats: list[tuple[str, list[object], FloatArray]] = []
    for var in f.columns:
        col = f[var]
        if var in fixed:
            out[var] = [col.iloc[0]]
            continue
        lv = factor_levels(design, var)
        if (
            lv is None
            and pd.api.types.is_numeric_dtype(col)
            and not pd.api.types.is_bool_dtype(col)
        ):
            out[var] = [float(w @ col.to_numpy(dtype=np.float64) / w.sum())]
            continue
        levels = lv[0] if lv is not None else sorted(col.unique())
        share = np.array([w[(col == lev).to_numpy()].sum() for lev in levels]) / w.sum()
        cats.append(
            (var, [lev for lev, s in zip(levels, share, strict=True) if s > 0], share[share > 0])
        )
    cells = int(np.prod([len(c[1]) for c in cats])) if cats else 1
    if cells > _MAX_CELLS:
        raise NotSupportedError(f"atmeans over {cells} combinations of categorical levels")
    combos = list(itertools.product(*[c[1] for c in cats])) if cats else [()]
    weights = np.array(
        [
            np.prod([c[2][c[1].index(v)] for c, v in zip(cats, combo, strict=True)])
            for combo in combos
        ]
    )
    frame = pd.DataFrame({k: v * len(combos) for k, v in out.items()})
    for j, (var, _, _) in enumerate(cats):
        frame[var] = pd.Series([combo[j] for combo in combos], dtype=object)
    for var in f.columns:
        if isinstance(f[var].dtype, pd.CategoricalDtype):
            frame[var] = pd.Categorical(frame[var], categories=f[var].cat.categories)
    return frame[list(f.columns)], np.asarray(weights, dtype=np.float64)


def _table(
    res: Results,
    labels: list[str],
    g: FloatArray,
    level: float | None,
    kind: str,
) -> pd.DataFrame:
    lev = res.level if level is None else confidence_level(level)
    # after IV Stata's margins reports z and normal intervals, with or without small
    normal = bool(res.instrumented)
    out = combinations(res, g, np.zeros(len(labels)), labels, lev, normal=normal)
    out.attrs.update(
        kind=kind,
        depvar=res.depvar,
        nobs=res.nobs,
        df_inference=None if normal else res.df_inference,
        vce_name=res.vce_name,
        vce_label=res.vce_label,
        level=lev,
        model_label="Average marginal effects" if kind == "dydx" else "Predictive margins",
    )
    return out
