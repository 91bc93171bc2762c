"""Effect tables of the Sun-Abraham, imputation, two-stage and extended-TWFE estimators.

Each ``fit_*`` runs one estimator on the loaded data and returns the keyword arguments of
:class:`~.results.DidResults` (tables, label, sample sizes, variance description).
Aggregates of regression coefficients are linear combinations ``L b`` with covariance
``L V L'``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from .._types import BoolArray, FloatArray, IntArray
from ..design import build
from ..errors import DataError, SpecError
from ..estimators.did.etwfe import etwfe
from ..estimators.did.imputation import imputation, treated_rows
from ..estimators.did.pretrends import pre_trends
from ..estimators.did.sunab import sun_abraham
from ..estimators.did.twostage import two_stage
from ..spec import DidSpec, ModelSpec
from .data import DidData
from .tables import EffectTable, cell_name, event_name

__all__ = ["fit_bjs", "fit_did2s", "fit_etwfe", "fit_sa"]


def _info(
    terms: list[str],
    event_time: FloatArray | None = None,
    cohort: FloatArray | None = None,
    period: FloatArray | None = None,
    n: FloatArray | None = None,
) -> pd.DataFrame:
    k = len(terms)

    def col(v: FloatArray | None) -> FloatArray:
        return np.full(k, np.nan) if v is None else np.asarray(v, dtype=np.float64)

    return pd.DataFrame(
        {"event_time": col(event_time), "cohort": col(cohort), "period": col(period), "n": col(n)},
        index=pd.Index(terms, name="term"),
    )


def _linear(kind: str, terms: list[str], lmat: FloatArray, b: FloatArray, v: FloatArray,
            info: pd.DataFrame) -> EffectTable:  # fmt: skip
    return EffectTable(kind, tuple(terms), lmat @ b, lmat @ v @ lmat.T, info)


def _groups(dd: DidData) -> dict[str, IntArray]:
    assert dd.panel is not None and dd.panel.rows is not None
    return {k: v[dd.panel.rows] for k, v in dd.design.groups.items()}


def _vres_kw(vres: Any, nobs: float) -> dict[str, Any]:
    return {
        "df_inference": vres.df_inference,
        "n_clusters": dict(vres.n_clusters),
        "vce_name": "cluster" if vres.n_clusters else "robust",
        "vce_label": vres.label,
        "nobs": int(nobs),
    }


def _user_bins(did: DidSpec, dd: DidData) -> tuple[Any, tuple[IntArray, FloatArray]]:
    """eventstudyinteract's control-cohort indicator and relative-time indicators."""
    panel = dd.panel
    assert panel is not None and panel.rows is not None
    rows = dd.frame.iloc[panel.rows]
    if did.control_var is not None:
        ctrl = rows[did.control_var].fillna(0).to_numpy(dtype=np.float64) != 0
        panel = replace(panel, cohort=np.where(ctrl, np.inf, panel.cohort))
    dummies = np.column_stack(
        [rows[v].fillna(0).to_numpy(dtype=np.float64) != 0 for v in did.rel_vars]
    )
    if (dummies.sum(axis=1) > 1).any():
        raise DataError("the relative-time indicators overlap: each row may be in one at most")
    code = np.where(dummies.any(axis=1), dummies.argmax(axis=1), -1).astype(np.int64)
    rel = panel.periods[panel.period] - panel.cohort
    bin_time = np.array(
        [float(np.nanmean(np.where(code == j, rel, np.nan))) if (code == j).any() else np.nan
         for j in range(len(did.rel_vars))]
    )  # fmt: skip
    return panel, (code, bin_time)


def fit_sa(spec: ModelSpec, did: DidSpec, dd: DidData) -> dict[str, Any]:
    panel = dd.panel
    assert panel is not None
    bins = None
    if did.rel_vars:
        panel, bins = _user_bins(did, dd)
    control = did.control or ("never" if np.isinf(panel.cohort).any() else "last")
    if control == "notyet":
        raise SpecError("Sun-Abraham's control cohort is never or last (not notyet)")
    sa = sun_abraham(
        panel,
        vce=dd.vce,
        ssc=spec.ssc,
        groups=_groups(dd),
        control=control,  # type: ignore[arg-type]
        anticipation=float(did.anticipation),
        weight_kind=dd.design.weight_kind,
        covariate_names=dd.covariates,
        rel_bins=bins,
    )
    ok = sa.reg.keep[: sa.coef.size]
    tables: dict[str, EffectTable] = {}
    cells = np.flatnonzero(ok)
    terms = [f"g{sa.cohort[j]:g}_{event_name(sa.rel[j])}" for j in cells]
    sel = np.zeros((cells.size, sa.coef.size))
    sel[np.arange(cells.size), cells] = 1.0
    info = _info(terms, sa.rel[cells], sa.cohort[cells], sa.cohort[cells] + sa.rel[cells],
                 sa.share[cells])  # fmt: skip
    tables["gt"] = _linear("gt", terms, sel, sa.coef, sa.cov, info)
    _, w_att = sa.weights("att")
    tables["simple"] = _linear("simple", ["ATT"], w_att, sa.coef, sa.cov, _info(["ATT"]))
    for kind, label in (("dynamic", "event"), ("group", "cohort")):
        index, w = sa.weights(label)  # type: ignore[arg-type]
        names = [event_name(e) for e in index] if kind == "dynamic" else [f"G{c:g}" for c in index]
        col = np.concatenate([[np.nan], index])
        info = _info(["ATT", *names], **{"event_time" if kind == "dynamic" else "cohort": col})
        tables[kind] = _linear(kind, ["ATT", *names], np.vstack([w_att, w]), sa.coef, sa.cov, info)
    return {
        "tables": tables,
        "method": "sa",
        "model_label": f"Sun-Abraham (2021) interaction-weighted, {control}-treated control",
        "n_units": int(np.unique(panel.unit[sa.used]).size),
        "details": {"Control cohort": control},
        "notes": sa.notes,
        **_vres_kw(sa.reg.vres, sa.reg.nobs),
    }


def _cluster_codes(dd: DidData) -> IntArray:
    panel = dd.panel
    assert panel is not None
    out: IntArray = panel.unit if panel.cluster is None else panel.cluster
    return out


def fit_bjs(spec: ModelSpec, did: DidSpec, dd: DidData) -> dict[str, Any]:
    panel = dd.panel
    assert panel is not None
    cluster = _cluster_codes(dd)
    horizons = None if did.horizons is None else np.asarray(did.horizons, dtype=np.float64)
    imp = imputation(
        panel, cluster=cluster, anticipation=float(did.anticipation), horizons=horizons,
        minn=did.minn,
    )  # fmt: skip
    names = list(imp.names)
    eps, est = imp.eps, imp.estimate
    event = imp.event_time
    n = imp.n_treated.astype(np.float64)
    notes = list(imp.notes)
    pre_df = None
    if did.pretrends:
        untreated = ~treated_rows(panel, float(did.anticipation))
        pt = pre_trends(panel, untreated, cluster, did.pretrends)
        order = np.argsort(-pt.lead)
        pre_names = [event_name(-h) for h in pt.lead[order]]
        names = [names[0], *pre_names, *names[1:]]
        eps = np.column_stack([eps[:, :1], pt.eps[:, order], eps[:, 1:]])
        est = np.concatenate([est[:1], pt.coef[order], est[1:]])
        event = np.concatenate([event[:1], -pt.lead[order], event[1:]])
        n = np.concatenate([n[:1], np.full(order.size, np.nan), n[1:]])
        pre_df = pt.df
    cov = eps.T @ eps
    tables: dict[str, EffectTable] = {}
    if "ATT" in names:
        tables["simple"] = EffectTable(
            "simple", ("ATT",), est[:1], cov[:1, :1], _info(["ATT"], n=n[:1])
        )
    tables["dynamic"] = EffectTable("dynamic", tuple(names), est, cov, _info(names, event, n=n))
    cl_name = dd.cluster_var or (did.id or "unit")
    return {
        "tables": tables,
        "method": "bjs",
        "model_label": "Borusyak-Jaravel-Spiess (2024) imputation",
        "df_inference": None,
        "nobs": panel.n_rows,
        "n_units": panel.n_units,
        "n_clusters": {cl_name: imp.n_clusters},
        "vce_name": "cluster",
        "vce_label": f"Clustered ({cl_name})",
        "details": {"Treated obs.": str(int(imp.n_treated[0])) if imp.n_treated.size else "0"},
        "notes": tuple(notes),
        "pretrend_df": pre_df,
    }


def _did2s_second(
    did: DidSpec, dd: DidData, treated: BoolArray
) -> tuple[list[str], FloatArray, FloatArray | None]:
    """Second-stage regressors: the treatment dummy, event-time dummies, or Stata variables."""
    panel = dd.panel
    if did.second == "static":
        return ["ATT"], treated[:, None].astype(np.float64), None
    if did.second == "event":
        if panel is None:
            raise SpecError("the event-study second stage needs the cohort variable")
        ev = panel.periods[panel.period] - panel.cohort
        ref = -1.0 - did.anticipation
        levels = [e for e in np.unique(ev[np.isfinite(ev)]) if e != ref]
        x2 = np.column_stack([(ev == e).astype(np.float64) for e in levels])
        return [event_name(e) for e in levels], x2, np.asarray(levels)
    spec2 = ModelSpec(formula=f"{dd.design.depvar} ~ {did.second}", term_style="stata")
    d2 = build(spec2, dd.frame)
    if len(d2.index) != len(dd.frame):
        raise DataError("the second-stage variables have missing values in the estimation sample")
    cols = [i for i, t in enumerate(d2.terms) if t != "Intercept"]
    return [d2.terms[i] for i in cols], np.asarray(d2.x)[:, cols], None


def fit_did2s(spec: ModelSpec, did: DidSpec, dd: DidData) -> dict[str, Any]:
    design, panel = dd.design, dd.panel
    rows = panel.rows if panel is not None and panel.rows is not None else np.arange(len(design.y))
    groups = {k: v[rows] for k, v in design.groups.items()}
    if did.treatment is not None:
        treated = dd.frame[did.treatment].to_numpy()[rows]
        if not np.isin(treated, (0, 1, True, False)).all():
            raise DataError(f"the treatment variable {did.treatment!r} must be 0/1")
        treated = treated.astype(bool)
    elif panel is not None:
        treated = treated_rows(panel, float(did.anticipation))
    else:
        raise SpecError("did2s needs the cohort or a treatment() variable")
    if did.first_fe:
        if len(did.first_fe) != 2:
            raise SpecError("the first stage absorbs two fixed effects, e.g. fe(id year)")
        fe = (groups[did.first_fe[0]], groups[did.first_fe[1]])
    elif panel is not None:
        fe = (panel.unit, panel.period)
    else:
        raise SpecError("did2s needs id and time, or the first-stage fixed effects")
    names, x2, events = _did2s_second(did, dd, treated)
    y = design.y[rows]
    x1 = dd.x_with_intercept[rows, 1:]
    w = np.ones(rows.size) if design.weights is None else design.weights[rows]
    cl_name = dd.cluster_var or (did.first_fe[0] if did.first_fe else did.id)
    cluster = groups[cl_name] if cl_name in groups else fe[0]
    ts = two_stage(y, fe[0], fe[1], x1, w, treated, x2, cluster)
    kind = "simple" if did.second == "static" else ("dynamic" if events is not None else "custom")
    table = EffectTable(kind, tuple(names), ts.params, ts.cov, _info(names, events))
    return {
        "tables": {kind: table},
        "method": "did2s",
        "model_label": "Gardner (2021) two-stage DiD",
        "df_inference": None,
        "nobs": ts.nobs,
        "n_units": int(np.unique(fe[0][ts.sample]).size),
        "n_clusters": {str(cl_name): ts.n_clusters},
        "vce_name": "cluster",
        "vce_label": f"Clustered ({cl_name})",
        "details": {"Second stage": did.second if did.second in ("static", "event") else "custom"},
        "notes": ts.notes,
    }


def fit_etwfe(spec: ModelSpec, did: DidSpec, dd: DidData) -> dict[str, Any]:
    panel = dd.panel
    assert panel is not None
    control = did.control or "notyet"
    if control == "last":
        raise SpecError("extended TWFE's controls are notyet (default) or never")
    et = etwfe(
        panel, vce=dd.vce, ssc=spec.ssc, groups=_groups(dd), control=control,  # type: ignore[arg-type]
        anticipation=float(did.anticipation), weight_kind=dd.design.weight_kind,
    )  # fmt: skip
    tables: dict[str, EffectTable] = {}
    _, l_att = et.weights("simple")
    b, v = et.params, et.cov
    tables["simple"] = _linear("simple", ["ATT"], l_att, b, v, _info(["ATT"]))
    for kind, label in (("dynamic", "event"), ("group", "group"), ("calendar", "calendar")):
        index, lmat = et.weights(label)  # type: ignore[arg-type]
        names = {"dynamic": [event_name(e) for e in index], "group": [f"G{c:g}" for c in index],
                 "calendar": [f"T{t:g}" for t in index]}[kind]  # fmt: skip
        col = {"dynamic": "event_time", "group": "cohort", "calendar": "period"}[kind]
        info = _info(["ATT", *names], **{col: np.concatenate([[np.nan], index])})
        tables[kind] = _linear(kind, ["ATT", *names], np.vstack([l_att, lmat]), b, v, info)
    cells = [cell_name(g, t) for g, t in zip(et.cohort, et.time, strict=True)]
    sel = np.zeros((len(cells), b.size))
    sel[np.arange(len(cells)), np.arange(len(cells))] = 1.0
    info = _info(cells, et.time - et.cohort, et.cohort, et.time, et.count)
    tables["gt"] = _linear("gt", cells, sel, b, v, info)
    return {
        "tables": tables,
        "method": "etwfe",
        "model_label": f"Wooldridge (2021) extended TWFE, {control}-treated controls",
        "n_units": int(np.unique(panel.unit[et.reg.sample]).size),
        "details": {"Control group": control},
        "notes": et.notes,
        **_vres_kw(et.reg.vres, et.reg.nobs),
    }
