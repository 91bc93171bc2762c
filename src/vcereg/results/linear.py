"""What only a linear fit has: sums of squares and the IV diagnostics.

R², the F test and Root MSE are fields set at assembly; this module adds what is
computed from them or from the kept fit afterwards (explained sum of squares, Stata's
``estat firststage``/``overid``/``endogenous``, first-stage statistics).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from ..design import Design
from ..design.sample import factorize_groups
from ..errors import EstimationError, VceregError
from ..estimators import IVInfo
from ..estimators.ivdiag import VceSetup, estat_table, first_stage_stats
from ..spec import ModelSpec, WeightKind
from ..vce import resolve

__all__ = ["LinearStats", "vce_setup"]


class LinearStats:
    """Sums of squares and IV diagnostics (mixed into ``Results``)."""

    spec: ModelSpec
    rss: float
    tss: float
    _iv: IVInfo | None
    _design: Design | None
    _data: pd.DataFrame | None

    @property
    def ess(self) -> float:
        """Explained (model) sum of squares."""
        return self.tss - self.rss

    # --- IV diagnostics ----------------------------------------------------------------
    def _vce_setup(self) -> VceSetup:
        if self._iv is None or self._design is None:
            raise EstimationError(
                "IV diagnostics need an instrumental-variables model, e.g. "
                "'y ~ x | iv(d ~ z1 z2)' or 'ivregress 2sls y x (d = z1 z2)'"
            )
        return vce_setup(self.spec, self._design, self._data)

    def estat(self, what: str) -> pd.DataFrame:
        """IV diagnostics by Stata's names: ``"firststage"``, ``"overid"``, ``"endogenous"``.

        A DataFrame indexed by test with columns ``stat``, ``df``, ``df_denom`` (F tests)
        and ``pvalue``; see :mod:`vcereg.estimators.ivdiag` for the formulas.

        >>> import vcereg
        >>> d = vcereg.datasets.load("student-mat")
        >>> r = vcereg.regress("G3 ~ age | iv(absences ~ Medu Fedu)", d)
        >>> list(r.estat("overid").index)
        ['Sargan', 'Basmann']
        """
        if self._iv is None:
            self._vce_setup()  # raises the explanation
        assert self._iv is not None
        return estat_table(what, self._iv, self._vce_setup())

    @cached_property
    def first_stage(self) -> pd.DataFrame:
        """IV: per endogenous regressor the first-stage F (with the model's variance),
        its degrees of freedom and p-value, the partial R² and Shea's partial R².

        Empty for models without instruments.
        """
        cols = ["f", "df_num", "df_denom", "pvalue", "partial_r2", "shea_r2"]
        if self._iv is None:
            return pd.DataFrame(columns=cols)
        rows = {}
        for s in first_stage_stats(self._iv, self._vce_setup()):
            df_denom = np.nan if s.df[1] is None else s.df[1]
            rows[s.endog] = [s.f, s.df[0], df_denom, s.pvalue, s.partial_r2, s.shea_r2]
        out = pd.DataFrame.from_dict(rows, orient="index", columns=cols)
        out.index.name = "endog"
        return out

    @cached_property
    def iv_stats(self) -> dict[str, float]:
        """IV summary statistics as numbers (empty without instruments): ``first_f:<endog>``,
        ``underid``/``underid_p``/``underid_df`` (Anderson's LM, or the Kleibergen-Paap rk
        LM with a robust or cluster variance), ``cd_f`` (Cragg-Donald Wald F), ``kp_f``
        (Kleibergen-Paap rk Wald F, robust or cluster variance),
        ``sargan``/``sargan_p``/``sargan_df`` or
        ``hansen_j``/``hansen_j_p``/``hansen_j_df`` when over-identified. What cannot be
        computed (e.g. too few clusters for the moments) is left out.
        """
        if self._iv is None:
            return {}
        out: dict[str, float] = {}
        for what in ("firststage", "overid"):
            try:
                table = self.estat(what)
            except (VceregError, np.linalg.LinAlgError, ValueError):
                continue
            for test, row in table.iterrows():
                key = _IV_STAT_KEYS.get(str(test))
                if key is None and str(test).startswith("F "):
                    out[f"first_f:{str(test)[2:]}"] = float(row["stat"])
                elif key is not None:
                    out[key] = float(row["stat"])
                    if key in ("sargan", "hansen_j", "underid"):
                        out[f"{key}_p"] = float(row["pvalue"])
                        out[f"{key}_df"] = float(row["df"])
        return out


_IV_STAT_KEYS = {
    "Anderson canon. corr. LM": "underid",
    "Kleibergen-Paap rk LM": "underid",
    "Cragg-Donald Wald F": "cd_f",
    "Kleibergen-Paap rk Wald F": "kp_f",
    "Sargan": "sargan",
    "Hansen J": "hansen_j",
}


def vce_setup(spec: ModelSpec, design: Design, data: pd.DataFrame | None = None) -> VceSetup:
    """The model's variance request with the codes it needs, for IV diagnostics."""
    groups = dict(design.groups)
    missing = [v for v in spec.vce.args if v not in groups]
    if missing and data is not None:
        time = resolve(spec.vce)[0].time_variables(spec.vce)
        groups.update(factorize_groups(data, design.index, missing, time))
    fw = design.weights if design.weight_kind is WeightKind.FWEIGHT else None
    return VceSetup(spec.vce, spec.ssc, groups, design.weight_kind, fw)
