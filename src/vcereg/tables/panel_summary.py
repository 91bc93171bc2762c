"""Stata's ``xtreg`` display: the panel header and the sigma_u/sigma_e/rho footer.

Layout as Stata 17 prints ``xtreg, fe``, ``xtreg, re`` and ``xtreg, be``: model label and
counts, R-squared within/between/overall beside the observations per group, the model
test, ``corr(u_i, X)``; under the coefficients sigma_u, sigma_e, rho and, after ``fe``,
the F test that all u_i = 0.
"""

from __future__ import annotations

import math
from typing import Protocol

import pandas as pd

from ._protocol import ResultLike
from .format import fmt_df, stata_count, stata_fixed, stata_g, stata_sig

__all__ = [
    "HausmanLike",
    "MundlakLike",
    "PanelLike",
    "panel_f_test",
    "panel_footer",
    "panel_header",
    "render_hausman",
    "render_mundlak",
]

_WIDTH = 78


class PanelLike(Protocol):
    """The panel statistics read here (see ``vcereg.estimators.panel.PanelStats``)."""

    @property
    def model(self) -> str: ...
    @property
    def panel_var(self) -> str: ...
    @property
    def n_panels(self) -> int: ...
    @property
    def t_min(self) -> int: ...
    @property
    def t_avg(self) -> float: ...
    @property
    def t_max(self) -> int: ...
    @property
    def sigma_u(self) -> float: ...
    @property
    def sigma_e(self) -> float: ...
    @property
    def rho(self) -> float: ...
    @property
    def r2_within(self) -> float: ...
    @property
    def r2_between(self) -> float: ...
    @property
    def r2_overall(self) -> float: ...
    @property
    def corr_u_xb(self) -> float | None: ...
    @property
    def f_u(self) -> float | None: ...
    @property
    def f_u_df(self) -> tuple[int, float] | None: ...
    @property
    def f_u_pvalue(self) -> float | None: ...


def _pair(left: str, label: str, value: str) -> str:
    return f"{left:<48}{label:<18}={value:>11}"


def panel_header(r: ResultLike, p: PanelLike) -> list[str]:
    """The lines above the coefficient table."""
    df1, df2 = r.f_df
    if df2 is None:
        test = (f"Wald chi2({fmt_df(df1)})", stata_fixed(r.fstat * df1, 2), "Prob > chi2")
    else:
        test = (f"F({fmt_df(df1)}, {fmt_df(df2)})", stata_fixed(r.fstat, 2), "Prob > F")
    if p.model == "fe":
        corr = f"corr(u_i, Xb) = {stata_fixed(p.corr_u_xb, 4)}"
    elif p.model == "re":
        corr = "corr(u_i, X) = 0 (assumed)"
    else:
        corr = f"sd(u_i + avg(e_i.)) = {stata_sig(r.rmse, 7)}"
    return [
        _pair(r.model_label, "Number of obs", stata_count(r.nobs)),
        _pair(f"Group variable: {p.panel_var}", "Number of groups", stata_count(p.n_panels)),
        "",
        f"{'R-squared:':<48}Obs per group:",
        f"{'     Within  = ' + stata_fixed(p.r2_within, 4):<48}{'min':>17} ={p.t_min:>11}",
        f"{'     Between = ' + stata_fixed(p.r2_between, 4):<48}{'avg':>17} ="
        f"{stata_fixed(p.t_avg, 1):>11}",
        f"{'     Overall = ' + stata_fixed(p.r2_overall, 4):<48}{'max':>17} ={p.t_max:>11}",
        "",
        _pair("", test[0], test[1]),
        _pair(corr, test[2], stata_fixed(r.f_pvalue, 4)),
    ]


def panel_footer(p: PanelLike) -> list[str]:
    """sigma_u, sigma_e, rho and the F test of the panel effects (not after ``be``)."""
    if p.model == "be":
        return []
    lines = [
        "-" * 13 + "+" + "-" * (_WIDTH - 14),
        f"{'sigma_u':>12} | {stata_g(p.sigma_u, 10):>10}",
        f"{'sigma_e':>12} | {stata_g(p.sigma_e, 10):>10}",
        f"{'rho':>12} | {stata_g(p.rho, 10):>10}   (fraction of variance due to u_i)",
    ]
    return lines


def panel_f_test(p: PanelLike) -> list[str]:
    """The line under the table after ``fe``: F test that all u_i = 0."""
    if p.f_u is None or p.f_u_df is None:
        return []
    test = f"F test that all u_i=0: F({fmt_df(p.f_u_df[0])}, {fmt_df(p.f_u_df[1])}) = "
    test += stata_fixed(p.f_u, 2)
    return [f"{test:<62}Prob > F = {stata_fixed(p.f_u_pvalue, 4)}"]


class HausmanLike(Protocol):
    """What :func:`render_hausman` reads (``vcereg.postestimation.hausman.HausmanTest``)."""

    @property
    def stat(self) -> float: ...
    @property
    def df(self) -> int: ...
    @property
    def pvalue(self) -> float: ...
    @property
    def table(self) -> pd.DataFrame: ...
    @property
    def sigma(self) -> str | None: ...
    @property
    def notes(self) -> tuple[str, ...]: ...
    @property
    def labels(self) -> tuple[str, str]: ...


class MundlakLike(Protocol):
    """What :func:`render_mundlak` reads (``vcereg.postestimation.hausman.MundlakTest``)."""

    @property
    def stat(self) -> float: ...
    @property
    def df(self) -> int: ...
    @property
    def pvalue(self) -> float: ...
    @property
    def n_clusters(self) -> int: ...
    @property
    def notes(self) -> tuple[str, ...]: ...


def render_hausman(h: HausmanLike) -> str:
    """Stata's ``hausman`` display: the coefficients compared, then the chi2 test."""
    b_label, e_label = h.labels
    lines = [
        f"{'':>13}{'---- Coefficients ----':^50}",
        f"{'':>12} |{'(b)':>11}{'(B)':>13}{'(b-B)':>14}{'sqrt(diag(V_b-V_B))':>22}",
        f"{'':>12} |{b_label[:10]:>11}{e_label[:12]:>13}{'Difference':>14}{'Std. err.':>22}",
        "-" * 13 + "+" + "-" * (_WIDTH - 14),
    ]
    for name, row in h.table.iterrows():
        lines.append(
            f"{str(name)[:12]:>12} |{stata_g(row['b'], 10):>11}{stata_g(row['B'], 10):>13}"
            f"{stata_g(row['difference'], 10):>14}{stata_g(row['std_error'], 10):>22}"
        )
    lines += [
        "-" * _WIDTH,
        f"b = consistent under H0 and Ha; obtained from {b_label}",
        f"B = inconsistent under Ha, efficient under H0; obtained from {e_label}",
        "",
        "Test of H0: Difference in coefficients not systematic",
        "",
        f"    chi2({h.df}) = (b-B)'[(V_b-V_B)^(-1)](b-B)",
        f"{'':>11} = {stata_fixed(h.stat, 2):>8}",
    ]
    if not math.isnan(h.pvalue):
        lines.append(f"{'Prob > chi2':>11} = {stata_fixed(h.pvalue, 4):>8}")
    if h.sigma:
        lines.append(f"(V_b-V_B is based on the {h.sigma} model's disturbance variance)")
    lines += [f"Note: {n}" for n in h.notes]
    return "\n".join(lines) + "\n"


def render_mundlak(m: MundlakLike) -> str:
    """The Mundlak test in the style of Stata's ``test`` after a clustered ``xtreg, re``."""
    lines = [
        "Mundlak test (correlated random effects), cluster-robust by panel",
        f"(Std. err. adjusted for {stata_count(m.n_clusters)} clusters)",
        "H0: the panel means of the regressors have zero coefficients",
        "    (the random-effects estimates are consistent)",
        "",
        f"{'chi2(' + str(m.df) + ')':>16} = {stata_fixed(m.stat, 2):>8}",
        f"{'Prob > chi2':>16} = {stata_fixed(m.pvalue, 4):>8}",
        *[f"Note: {n}" for n in m.notes],
    ]
    return "\n".join(lines) + "\n"
