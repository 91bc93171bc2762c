"""IV rows for tables and the summary: first-stage F, weak-identification F, Sargan/Hansen J.

Reads ``result.iv_stats`` (a dict of numbers, see :attr:`vcereg.Results.iv_stats`) when a
result has it; other results get no rows. Registered statistics (``etable(stats=[...])``):
``first_f`` (one row per endogenous variable), ``underid``, ``underid_p``, ``cd_f``,
``kp_f``, ``sargan``, ``sargan_p``, ``hansen_j``, ``hansen_j_p``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from ._protocol import ResultLike
from .format import fmt_df, stata_fixed
from .stats import ModelStatistic, PerVariableStatistic, StatValue, _add

__all__ = ["iv_footer"]


def _stats(r: ResultLike) -> Mapping[str, float]:
    stats = getattr(r, "iv_stats", None)
    return stats if isinstance(stats, Mapping) else {}


def _first(r: ResultLike) -> dict[str, StatValue]:
    return {k.split(":", 1)[1]: v for k, v in _stats(r).items() if k.startswith("first_f:")}


def _getter(key: str) -> Callable[[ResultLike], StatValue]:
    def get(r: ResultLike) -> StatValue:
        return _stats(r).get(key)

    return get


_add(PerVariableStatistic("first_f", "First-stage F", 2, variables=_first), ("first_stage_f",))
for _key, _label, _aliases in (
    ("underid", "Underidentification LM", ("idstat",)),
    ("underid_p", "Underidentification p-value", ("idp",)),
    ("cd_f", "Cragg-Donald Wald F", ("cragg_donald",)),
    ("kp_f", "Kleibergen-Paap rk Wald F", ("kleibergen_paap", "widstat")),
    ("sargan", "Sargan statistic", ()),
    ("sargan_p", "Sargan p-value", ()),
    ("hansen_j", "Hansen J statistic", ("j", "j_stat")),
    ("hansen_j_p", "Hansen J p-value", ("j_p",)),
):
    _add(ModelStatistic(_key, _label, 3, func=_getter(_key), skip_if_missing=True), _aliases)


def iv_footer(r: ResultLike) -> list[str]:
    """ivreg2-style lines under the coefficient table: weak identification and over-
    identification statistics (nothing for results without instruments)."""
    s = _stats(r)
    if not s:
        return []
    lines = []
    if "underid" in s and math.isfinite(s["underid"]):
        name = "Kleibergen-Paap rk LM" if "kp_f" in s else "Anderson canon. corr. LM"
        lines.append(
            f"Underidentification: {name} chi2({fmt_df(s['underid_df'])}) = "
            f"{stata_fixed(s['underid'], 3)}, Prob > chi2 = {stata_fixed(s['underid_p'], 4)}"
        )
    weak = []
    if "cd_f" in s:
        weak.append(f"Cragg-Donald Wald F = {stata_fixed(s['cd_f'], 2)}")
    if "kp_f" in s:
        weak.append(f"Kleibergen-Paap rk Wald F = {stata_fixed(s['kp_f'], 2)}")
    if weak:
        lines.append("Weak identification: " + "; ".join(weak))
    for key, name in (("sargan", "Sargan"), ("hansen_j", "Hansen J")):
        if key in s and math.isfinite(s[key]):
            df = fmt_df(s[f"{key}_df"])
            lines.append(
                f"Overidentification: {name} chi2({df}) = {stata_fixed(s[key], 3)}, "
                f"Prob > chi2 = {stata_fixed(s[f'{key}_p'], 4)}"
            )
    return lines
