"""Fitting a DiD spec: the data (:mod:`.data`), one estimator (:mod:`vcereg.estimators.did`)
and its effect tables (:mod:`.tables`) assembled into a :class:`~.results.DidResults`."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._types import FloatArray, IntArray
from ..errors import DataError, SpecError
from ..estimators.did import GroupTime, aggregate, att_gt, if_cov, multiplier_bootstrap
from ..spec import DidSpec, ModelSpec
from .data import DidData, load
from .regression import fit_bjs, fit_did2s, fit_etwfe, fit_sa
from .results import DidResults
from .tables import EffectTable, cell_name, event_name

__all__ = ["fit_did", "info_frame"]

_ESTIMATION = {
    "dr": "doubly robust",
    "ipw": "inverse probability weighting",
    "reg": "outcome regression",
}
_CONTROL = {"never": "never treated", "notyet": "not yet treated", "last": "last treated"}


def info_frame(
    terms: list[str],
    event_time: FloatArray | None = None,
    cohort: FloatArray | None = None,
    period: FloatArray | None = None,
    n: FloatArray | None = None,
) -> pd.DataFrame:
    """What each term is: event time, cohort, period (NaN where it does not apply), n."""
    k = len(terms)
    nan = np.full(k, np.nan)

    def col(v: FloatArray | None) -> FloatArray:
        return nan if v is None else np.asarray(v, dtype=np.float64)

    return pd.DataFrame(
        {"event_time": col(event_time), "cohort": col(cohort), "period": col(period), "n": col(n)},
        index=pd.Index(terms, name="term"),
    )


def fit_did(spec: ModelSpec, data: pd.DataFrame, *, safe: bool = True) -> DidResults:
    """Estimate the DiD design of ``spec`` (``spec.did``) on ``data``."""
    if not 0 < spec.level < 100:
        raise SpecError(f"level must be between 0 and 100 (got {spec.level})")
    dd = load(spec, data, safe=safe)
    did = spec.did
    assert did is not None
    if did.method == "cs":
        return _fit_cs(spec, did, dd)
    fit = {"sa": fit_sa, "bjs": fit_bjs, "did2s": fit_did2s, "etwfe": fit_etwfe}[did.method]
    parts = fit(spec, did, dd)
    return _assemble(spec, did, dd, **parts)


def _assemble(
    spec: ModelSpec, did: DidSpec, dd: DidData, *, tables: Mapping[str, EffectTable], **kw: object
) -> DidResults:
    agg = did.agg if did.agg in tables else next(iter(tables))
    notes: tuple[str, ...] = tuple(kw.pop("notes", ()))  # type: ignore[arg-type]
    if did.agg not in tables:
        notes += (f"{did.agg!r} is not available for this estimator; reporting {agg!r}",)
    base_notes = dd.design.notes + dd.design.rows.messages()
    panel_notes = dd.panel.notes if dd.panel is not None else ()
    return DidResults(
        spec=spec,
        depvar=dd.design.depvar,
        tables=dict(tables),
        agg=agg,
        level=spec.level,
        notes=tuple(dict.fromkeys((*base_notes, *panel_notes, *notes))),
        n_dropped=dd.design.rows.n_dropped,
        **kw,  # type: ignore[arg-type]
    )


def _cs_tables(
    g: GroupTime, did: DidSpec, psi_cluster: IntArray | None, level: float
) -> dict[str, EffectTable]:
    tables: dict[str, EffectTable] = {}
    valid = np.flatnonzero(g.valid & np.isfinite(g.att))
    blocks: dict[str, tuple[list[str], FloatArray, FloatArray, pd.DataFrame]] = {}
    terms = [cell_name(g.group[j], g.time[j]) for j in valid]
    info = info_frame(terms, g.time[valid] - g.group[valid], g.group[valid], g.time[valid])
    blocks["gt"] = (terms, g.att[valid], g.inf[:, valid], info)
    for kind in ("simple", "dynamic", "group", "calendar"):
        try:
            a = aggregate(
                g,
                kind,  # type: ignore[arg-type]
                min_e=-np.inf if did.min_e is None else did.min_e,
                max_e=np.inf if did.max_e is None else did.max_e,
                balance_e=did.balance_e,
            )
        except DataError:
            continue
        if kind == "simple":
            terms, est, psi = ["ATT"], np.array([a.overall]), a.overall_inf[:, None]
            info = info_frame(terms)
        else:
            names = {
                "dynamic": [event_name(e) for e in a.index],
                "group": [f"G{c:g}" for c in a.index],
                "calendar": [f"T{t:g}" for t in a.index],
            }[kind]
            terms = ["ATT", *names]
            est = np.concatenate([[a.overall], a.estimate])
            psi = np.column_stack([a.overall_inf, a.inf])
            col = {"dynamic": "event_time", "group": "cohort", "calendar": "period"}[kind]
            info = info_frame(terms, **{col: np.concatenate([[np.nan], a.index])})  # type: ignore[arg-type]
            if kind == "dynamic" and not np.isfinite(a.overall):
                terms, est, psi, info = terms[1:], est[1:], psi[:, 1:], info.iloc[1:]
        blocks[kind] = (terms, est, psi, info)
    for kind, (terms, est, psi, info) in blocks.items():
        cov = if_cov(psi, psi_cluster)  # type: ignore[arg-type]
        boot_se = crit = None
        if did.bootstrap:
            kw = {"reps": did.bootstrap, "level": level, "cluster": psi_cluster,
                  "weights": did.boot_weights, "seed": did.seed}  # fmt: skip
            boot_se = multiplier_bootstrap(psi, **kw).se  # type: ignore[arg-type]
            band = [i for i, t in enumerate(terms) if t != "ATT"]
            if band:
                crit = multiplier_bootstrap(psi[:, band], **kw).crit  # type: ignore[arg-type]
        tables[kind] = EffectTable(kind, tuple(terms), est, cov, info, boot_se, crit)
    return tables


def _fit_cs(spec: ModelSpec, did: DidSpec, dd: DidData) -> DidResults:
    panel = dd.panel
    assert panel is not None
    control = did.control or "never"
    if control == "last":
        raise SpecError("Callaway-Sant'Anna's controls are never or notyet (not last)")
    gt = att_gt(
        panel,
        method=did.estimation,
        control=control,
        anticipation=float(did.anticipation),
        base=did.base,
        unbalanced=did.unbalanced,
    )
    by_unit = dd.cluster_var is None or dd.cluster_var == did.id
    cluster = None if by_unit else gt.unit_cluster
    tables = _cs_tables(gt, did, cluster, spec.level)
    n_cl = int(np.unique(cluster).size) if cluster is not None else gt.n
    cl_name = dd.cluster_var or ("observation" if did.id is None else did.id)
    boot = f"Multiplier bootstrap ({did.bootstrap} reps), " if did.bootstrap else ""
    details = {
        "Control group": _CONTROL[control],
        "Estimation": _ESTIMATION[did.estimation],
        "Base period": did.base,
    }
    if did.anticipation:
        details["Anticipation"] = str(did.anticipation)
    return _assemble(
        spec,
        did,
        dd,
        tables=tables,
        method="cs",
        model_label=f"Callaway-Sant'Anna (2021), {_ESTIMATION[did.estimation]}",
        df_inference=None,
        nobs=panel.n_rows,
        n_units=gt.n,
        n_clusters={cl_name: n_cl},
        vce_name="cluster",
        vce_label=f"{boot}Clustered ({cl_name})",
        details=details,
        notes=gt.notes,
        pretrend_cells="gt",
    )
