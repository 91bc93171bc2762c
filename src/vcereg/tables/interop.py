"""What other table packages read from a vcereg result.

maketables (and through it great_tables) discovers results by duck typing: an object with
``__maketables_coef_table__`` and friends is a model it can put in an ``ETable`` next to
pyfixest and statsmodels models. ``vcereg.Results`` implements those attributes by calling
the functions here, which read only the :class:`ResultLike` protocol; neither package is
imported by vcereg.

Statistic keys follow maketables' names: ``N``, ``r2``, ``adj_r2``, ``r2_within``, ``rmse``,
``fvalue``, ``n_clusters``, ``se_type``, ``df_resid``.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ._protocol import ResultLike
from .format import fmt_level

__all__ = ["coef_table", "stat", "stat_labels", "vcov_info"]


def coef_table(r: ResultLike) -> pd.DataFrame:
    """Coefficients with ``b``, ``se``, ``t``, ``p`` and the interval at the result's level
    (``ci95l``/``ci95u`` at 95%), indexed by term; omitted terms are left out, as fixest does.
    """
    kept = [t for t in r.terms if t not in r.omitted]
    ci = r.conf_int(r.level)
    level = fmt_level(r.level).replace(".", "_")
    out = pd.DataFrame(
        {
            "b": r.params[kept],
            "se": r.se[kept],
            "t": r.tstat[kept],
            "p": r.pvalue[kept],
            f"ci{level}l": ci.iloc[:, 0][kept],
            f"ci{level}u": ci.iloc[:, 1][kept],
        },
        index=pd.Index(kept, name="Coefficient"),
    )
    return out


def _number(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def stat(r: ResultLike, key: str) -> Any:
    """One statistic by maketables' key; ``None`` when it does not apply."""
    if key == "N":
        return int(r.nobs) if float(r.nobs).is_integer() else r.nobs
    if key == "se_type":
        return r.vce_label
    if key == "n_clusters":
        return min(r.n_clusters.values()) if r.n_clusters else None
    values = {
        "r2": r.rsquared,
        "adj_r2": r.rsquared_adj,
        "r2_within": r.rsquared_within,
        "rmse": r.rmse,
        "fvalue": r.fstat,
        "df_resid": r.df_resid,
    }
    return _number(values.get(key))


def stat_labels() -> dict[str, str]:
    """Row labels vcereg uses for the statistics (the same as its own tables)."""
    return {
        "N": "Observations",
        "r2": "R-squared",
        "adj_r2": "Adj. R-squared",
        "r2_within": "Within R-squared",
        "rmse": "Root MSE",
        "fvalue": "F statistic",
        "n_clusters": "Clusters",
        "se_type": "Std. errors",
    }


def vcov_info(r: ResultLike) -> dict[str, Any]:
    """``{"vcov_type": name, "clustervar": [...] or None}``."""
    return {"vcov_type": r.vce_name, "clustervar": list(r.n_clusters) or None}
