"""Effect tables: the estimates a DiD result can report, with their joint covariance.

Every estimator produces some of ``simple`` (the overall ATT), ``dynamic`` (the ATT and one
estimate per event time), ``group`` (per cohort), ``calendar`` (per period) and ``gt``
(every cohort-period cell). Term names follow ``csdid``: ``ATT``, ``Tm2`` (two periods
before treatment), ``Tp0`` (the period of treatment), ``G2004`` (cohort), ``T2006``
(period), ``g2004_t2006`` (cell).

The uniform band of a table covers all its terms but the overall ATT jointly: the
critical value is the multiplier bootstrap's when one was run, otherwise the sup-t
critical value of the estimated correlation (Montiel Olea & Plagborg-Moller 2019),
simulated with a fixed seed so results are reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._types import FloatArray

__all__ = ["EffectTable", "cell_name", "event_name", "sup_t"]

_SUP_T_DRAWS = 50_000
_SUP_T_SEED = 20_240_501


def event_name(e: float) -> str:
    """``Tm2`` for two periods before treatment, ``Tp0`` for the first treated period."""
    return f"Tm{-e:g}" if e < 0 else f"Tp{e:g}"


def cell_name(g: float, t: float) -> str:
    return f"g{g:g}_t{t:g}"


def sup_t(cov: FloatArray, level: float) -> float:
    """Critical value c with P(max_j |Z_j| / sd_j <= c) = level for Z ~ N(0, cov)."""
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    ok = sd > 0
    if not ok.any():
        return float("nan")
    corr = cov[np.ix_(ok, ok)] / np.outer(sd[ok], sd[ok])
    vals, vecs = np.linalg.eigh((corr + corr.T) / 2)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    rng = np.random.default_rng(_SUP_T_SEED)
    draws = rng.standard_normal((_SUP_T_DRAWS, root.shape[1])) @ root.T
    return float(np.quantile(np.max(np.abs(draws), axis=1), level / 100.0))


@dataclass(frozen=True, slots=True, eq=False)
class EffectTable:
    """Estimates with their covariance and what each term is.

    Attributes
    ----------
    kind
        ``simple``, ``dynamic``, ``group``, ``calendar``, ``gt`` or ``custom``.
    terms, estimate, cov
        Names, estimates and covariance (Wald tests always use ``cov``).
    info
        One row per term: ``event_time``, ``cohort``, ``period`` (NaN where they do not
        apply) and ``n`` (treated observations behind it, when known).
    boot_se
        Multiplier-bootstrap standard errors, which replace the analytic ones in the
        reported standard errors, tests of single terms and intervals.
    crit
        Uniform-band critical value from the bootstrap (None: sup-t from ``cov``).
    """

    kind: str
    terms: tuple[str, ...]
    estimate: FloatArray
    cov: FloatArray
    info: pd.DataFrame
    boot_se: FloatArray | None = None
    crit: float | None = None

    @property
    def se(self) -> FloatArray:
        if self.boot_se is not None:
            return self.boot_se
        out: FloatArray = np.sqrt(np.clip(np.diag(self.cov), 0, None))
        return out

    def band_terms(self) -> list[int]:
        """Terms the uniform band covers: all but the overall ATT."""
        return [i for i, t in enumerate(self.terms) if t != "ATT"]

    def uniform_crit(self, level: float) -> float:
        if self.crit is not None:
            return self.crit
        idx = self.band_terms()
        if not idx:
            return float("nan")
        cov = self.cov[np.ix_(idx, idx)]
        if self.boot_se is not None:  # rescale to the bootstrap standard errors
            sd = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
            cov = cov / np.outer(sd, sd) * np.outer(self.boot_se[idx], self.boot_se[idx])
        return sup_t(cov, level)
