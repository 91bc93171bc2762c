"""Output of the fixed-effects maximum-likelihood models, as their Stata commands print it.

- ``ppmlhdfe`` (and logit/probit with absorbed effects): ppmlhdfe's header (title,
  "Absorbing N HDFE groups", number of observations, residual df, Wald chi2, deviance,
  log pseudolikelihood, pseudo R², the clusters), the coefficient table, and reghdfe's
  "Absorbed degrees of freedom" table;
- ``clogit``: the ML header (LR or Wald chi2, log likelihood, pseudo R²);
- ``xtlogit, fe`` / ``xtpoisson, fe``: the panel header (group variable, number of
  groups, observations per group).

Reads the result through attributes, never by importing :mod:`vcereg.results`.
"""

from __future__ import annotations

import textwrap
from typing import Any

from .format import fmt_df, stata_count, stata_fixed, stata_g, stata_sig
from .summary_ml import _WIDTH, _cluster_line, _header, _pseudo, _table

__all__ = ["FE_SUMMARY_MODELS", "render_fe_ml_summary"]

#: models rendered here (with absorbed effects, ``ppmlhdfe`` also without)
FE_SUMMARY_MODELS = ("ppmlhdfe", "clogit", "xtlogit", "xtpoisson")


def _two(left: str, label: str, value: str) -> str:
    """ppmlhdfe's layout: the label at column 51, '=' at 67, the value right-aligned."""
    return f"{left:<50}{label:<16}= {value:>10}"


def _hdfe_header(r: Any) -> list[str]:
    ml, extra = r.ml, r.ml.extra
    n_fe = len(r.fixed_effects)
    title2 = f"Absorbing {n_fe} HDFE group{'s' if n_fe != 1 else ''}" if n_fe else ""
    title3 = "Statistics robust to heteroskedasticity" if r.vce_name != "oim" else ""
    what = "Log pseudolikelihood" if _pseudo(r) else "Log likelihood"
    lines = [
        _two(r.model_label, "No. of obs", stata_count(r.nobs)),
        _two(title2, "Residual df", stata_count(extra.get("df_resid", float("nan")))),
        _two(title3, f"{r.model_test} chi2({fmt_df(r.f_df[0])})", stata_fixed(r.chi2, 2)),
        _two(
            f"{'Deviance':<21}= {stata_g(ml.deviance, 12):>12}",
            "Prob > chi2",
            stata_fixed(r.chi2_pvalue, 4),
        ),
        _two(f"{what:<21}= {stata_g(ml.loglik, 12):>12}", "Pseudo R2", stata_fixed(r.pseudo_r2, 4)),
    ]
    if r.n_clusters:
        lines.append("")
        for var, g in r.n_clusters.items():
            lines.append(f"{'Number of clusters (' + var + ')':<28}= {stata_count(g):>10}")
    return lines


def _panel_header(r: Any) -> list[str]:
    """xtlogit/xtpoisson, fe: the group variable and observations per group."""
    extra = r.ml.extra
    group = r.fixed_effects[0] if r.fixed_effects else ""
    what = "Log pseudolikelihood" if _pseudo(r) else "Log likelihood"

    def pair(left: str, label: str, value: str) -> str:
        return f"{left:<50}{label:<17}= {value:>9}"

    def stat(label: str, value: str) -> str:
        return f"{'':<50}{label:>16} = {value:>9}"

    nan = float("nan")
    return [
        pair(r.model_label, "Number of obs", stata_count(r.nobs)),
        pair(
            f"Group variable: {group}", "Number of groups", stata_count(extra.get("n_groups", nan))
        ),
        "",
        f"{'':<50}Obs per group:",
        stat("min", stata_count(extra.get("g_min", nan))),
        stat("avg", stata_fixed(extra.get("g_avg", nan), 1)),
        stat("max", stata_count(extra.get("g_max", nan))),
        "",
        pair("", f"{r.model_test} chi2({fmt_df(r.f_df[0])})", stata_fixed(r.chi2, 2)),
        pair(f"{what} = {stata_sig(r.ml.loglik, 8)}", "Prob > chi2", stata_fixed(r.chi2_pvalue, 4)),
    ]


def _absorbed_table(r: Any) -> list[str]:
    """reghdfe's footnote: categories, redundant, coefficients per absorbed effect."""
    extra = r.ml.extra
    rows = []
    for name in r.fixed_effects:
        levels = extra.get(f"fe:{name}:levels")
        if levels is None:
            return []
        red = extra.get(f"fe:{name}:redundant", 0.0)
        mark = "*" if extra.get(f"fe:{name}:nested", 0.0) else " "
        rows.append((name, levels, red, mark))
    if not rows:
        return []
    w = max(12, *(len(n) for n, *_ in rows))
    out = ["", "Absorbed degrees of freedom:", "-" * (w + 41) + "+"]
    out.append(f"{'Absorbed FE':>{w}} | Categories  - Redundant  = Num. Coefs |")
    out.append("-" * (w + 1) + "+" + "-" * 39 + "|")
    for name, levels, red, mark in rows:
        coefs = stata_count(levels - red)
        out.append(
            f"{name:>{w}} |{stata_count(levels):>11} {stata_count(red):>11} {coefs:>13} {mark}|"
        )
    out.append("-" * (w + 41) + "+")
    if any(mark == "*" for *_, mark in rows):
        out.append("* = FE nested within cluster; treated as redundant for DoF computation")
    return out


def render_fe_ml_summary(r: Any) -> str:
    """Stata-like output of a fixed-effects maximum-likelihood fit (``r.ml`` is set)."""
    model = r.ml.model
    if model in ("xtlogit", "xtpoisson"):
        lines = [*_panel_header(r), "", *_cluster_line(r)]
    elif model == "clogit":
        lines = [*_header(r), "", *_cluster_line(r)]
    else:
        lines = [*_hdfe_header(r), ""]
    lines += _table(r)
    if model not in ("clogit", "xtlogit", "xtpoisson"):
        lines += _absorbed_table(r)
    notes = list(r.notes)
    lines += [part for note in notes for part in textwrap.wrap(note, _WIDTH)]
    return "\n".join(line.rstrip() for line in lines) + "\n"
