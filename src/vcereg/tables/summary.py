"""Stata's ``regress`` display for one model.

Layout (78 columns, as Stata 17 prints it): the ANOVA header for conventional standard
errors, else the model label with the fit statistics on the right; the cluster line; the
coefficient table with ``_cons`` last and ``%9.0g`` numbers; then the model's notes.
"""

from __future__ import annotations

import math
import re
import textwrap

import pandas as pd

from ._protocol import ResultLike
from .format import fmt_df, fmt_level, stata_count, stata_fixed, stata_g, stata_sig
from .ivstats import iv_footer
from .panel_summary import panel_f_test, panel_footer, panel_header
from .summary_fe_ml import FE_SUMMARY_MODELS, render_fe_ml_summary
from .summary_ml import render_ml_summary

__all__ = ["render_summary"]

_WIDTH = 78
_NAME = 12  # Stata's name column
_INTERCEPTS = ("Intercept", "(Intercept)", "const", "_cons")
_FACTOR = re.compile(r"^C\((\w+)\)\[T\.(.+)\]$")  # formulaic's treatment-coded level
_VCE_TITLES = {
    "robust": "Robust",
    "hc0": "Robust",
    "hc1": "Robust",
    "hc2": "Robust HC2",
    "hc3": "Robust HC3",
    "cluster": "Robust",
    "cr3": "Robust CR3",
    "cr2": "Robust HC2",
    "hac": "Newey-West",
    "dk": "Drisc/Kraay",
    "wild": "Robust",
    "bootstrap": "Bootstrap",
    "jackknife": "Jackknife",
}


def _abbrev(name: str, width: int = _NAME) -> str:
    """Stata's ``abbrev()``: ``displacement`` → ``displa~t`` when too long."""
    return name if len(name) <= width else f"{name[: width - 2]}~{name[-1]}"


def _f_items(r: ResultLike) -> list[tuple[str, str]]:
    df1, df2 = r.f_df
    if df2 is None:  # normal inference: Stata reports the Wald chi-squared
        chi2 = r.fstat * df1 if math.isfinite(r.fstat) else math.nan
        return [
            (f"Wald chi2({fmt_df(df1)})", stata_fixed(chi2, 2, width=10)),
            ("Prob > chi2", stata_fixed(r.f_pvalue, 4)),
        ]
    return [
        (f"F({fmt_df(df1)}, {fmt_df(df2)})", stata_fixed(r.fstat, 2, width=10)),
        ("Prob > F", stata_fixed(r.f_pvalue, 4)),
    ]


def _anova_header(r: ResultLike) -> list[str]:
    def ms(ss: float, df: float) -> float:
        return ss / df if df > 0 else math.nan

    df_total = r.df_model + r.df_resid
    left = [
        "      Source |       SS           df       MS      ",
        "-------------+----------------------------------   ",
        *(
            f"{name:>12} |{stata_g(ss, 11):>12}{fmt_df(df):>10}{stata_g(ms(ss, df), 11):>12}   "
            for name, ss, df in (("Model", r.ess, r.df_model), ("Residual", r.rss, r.df_resid))
        ),
        "-------------+----------------------------------   ",
        f"{'Total':>12} |{stata_g(r.tss, 11):>12}{fmt_df(df_total):>10}"
        f"{stata_g(ms(r.tss, df_total), 11):>12}   ",
    ]
    right = [
        ("Number of obs", stata_count(r.nobs)),
        *_f_items(r),
        ("R-squared", stata_fixed(r.rsquared, 4)),
        ("Adj R-squared", stata_fixed(r.rsquared_adj, 4)),
        ("Root MSE", stata_sig(r.rmse)),
    ]
    return [f"{a}{label:<16}={value:>10}" for a, (label, value) in zip(left, right, strict=True)]


def _model_header(r: ResultLike) -> list[str]:
    items = [("Number of obs", stata_count(r.nobs)), *_f_items(r)]
    items.append(("R-squared", stata_fixed(r.rsquared, 4)))
    if r.fixed_effects:
        items.append(("Adj R-squared", stata_fixed(r.rsquared_adj, 4)))
        if r.rsquared_within is not None:
            items.append(("Within R-sq.", stata_fixed(r.rsquared_within, 4)))
    items.append(("Root MSE", stata_sig(r.rmse)))
    lines = []
    for i, (label, value) in enumerate(items):
        left = r.model_label if i == 0 else ""
        lines.append(f"{left:<48}{label:<18}={value:>11}")
    return lines


def _cluster_lines(r: ResultLike) -> list[str]:
    if not r.n_clusters:
        return []
    if len(r.n_clusters) == 1:
        ((var, g),) = r.n_clusters.items()
        return [f"(Std. err. adjusted for {stata_count(g)} clusters in {var})".rjust(_WIDTH)]
    parts = ", ".join(f"{stata_count(g)} {var}" for var, g in r.n_clusters.items())
    return [f"(Std. err. adjusted for multiway clustering: {parts})".rjust(_WIDTH)]


def _table_head(r: ResultLike, beta: bool = False) -> list[str]:
    stat = "z" if r.df_inference is None else "t"
    title = _VCE_TITLES.get(r.vce_name, r.vce_name.capitalize()) if r.vce_name != "ols" else ""
    se_head = "std. err." if title else "Std. err."
    interval = "Beta" if beta else f"[{fmt_level(r.level)}% conf. interval]"
    lines = ["-" * _WIDTH]
    if title:
        start = 28 + (9 - len(title)) // 2  # centred over the std. err. column
        lines.append(f"{'':>12} |".ljust(start) + title)
    lines.append(
        f"{_abbrev(r.depvar):>12} | Coefficient  {se_head}      {stat}    P>|{stat}|{interval:>25}"
    )
    lines.append("-" * 13 + "+" + "-" * (_WIDTH - 14))
    return lines


def _row_labels(r: ResultLike, terms: list[str]) -> list[tuple[str | None, str]]:
    """(term or None for a label-only line, name column) in display order.

    Factor levels ``C(g)[T.b]`` are grouped under a ``g`` line and indented, with blank
    lines around the group, as Stata shows factor variables.
    """
    out: list[tuple[str | None, str]] = []
    group = None
    for term in terms:
        match = None if term in r.display_names else _FACTOR.match(term)
        if match is None:
            if group is not None:
                out.append((None, f"{'':>12} |"))
            group = None
            shown = "_cons" if term in _INTERCEPTS else r.display_names.get(term, term)
            out.append((term, f"{_abbrev(shown):>12} |"))
            continue
        var, level = match.groups()
        if var != group:
            out += [(None, f"{'':>12} |"), (None, f"{_abbrev(var):>12} |")]
            group = var
        out.append((term, f"{_abbrev(level, 10):>11}  |"))
    if out and out[0][0] is None and out[0][1].strip() == "|":
        out.pop(0)  # no blank line right under the header rule
    return out


def _coef_rows(r: ResultLike, beta: pd.Series | None = None) -> list[str]:
    def is_cons(term: str) -> bool:
        return term in _INTERCEPTS or r.display_names.get(term) == "_cons"

    terms = [t for t in r.terms if not is_cons(t)] + [t for t in r.terms if is_cons(t)]
    ci = r.conf_int(r.level)
    rows = []
    for term, label in _row_labels(r, terms):
        if term is None:
            rows.append(label)
        elif term in r.omitted:
            rows.append(f"{label}{'0':>11}  (omitted)")
        else:
            right = (
                f"{stata_g(beta.get(term)):>25}"
                if beta is not None
                else f"{stata_g(ci.at[term, 'lower']):>13}{stata_g(ci.at[term, 'upper']):>12}"
            )
            rows.append(
                f"{label}{stata_g(r.params[term]):>11}{stata_g(r.se[term]):>11}"
                f"{stata_fixed(r.tstat[term], 2, width=8):>9}{stata_fixed(r.pvalue[term], 3):>8}"
                + right
            )
    return rows


def render_summary(result: ResultLike, *, beta: bool = False) -> str:
    """Stata-like ``regress`` output for one model.

    Parameters
    ----------
    result
        A fitted model (anything satisfying :class:`~vcereg.tables.ResultLike`).
    beta
        Standardized coefficients (``result.beta``) in place of the confidence interval,
        as Stata's ``regress, beta``.

    Returns
    -------
    str
        78-column text ending with a newline.
    """
    r = result
    ml = getattr(r, "ml", None)
    if ml is not None:  # logit, poisson, glm...: Stata's ML output
        if r.fixed_effects or ml.model in FE_SUMMARY_MODELS:  # ppmlhdfe, clogit, fe()
            return render_fe_ml_summary(r)
        return render_ml_summary(r)
    anova = r.vce_name == "ols" and not r.fixed_effects and r.model_label == "Linear regression"
    panel = getattr(r, "panel", None)  # xtreg results only (not in ResultLike)
    if panel is not None:
        lines = panel_header(r, panel)
    else:
        lines = _anova_header(r) if anova else _model_header(r)
    lines.append("")
    lines += _cluster_lines(r)
    betas = getattr(r, "beta", None) if beta else None
    lines += _table_head(r, beta=betas is not None)
    lines += _coef_rows(r, betas if isinstance(betas, pd.Series) else None)
    lines += panel_footer(panel) if panel is not None else []
    lines.append("-" * _WIDTH)
    lines += panel_f_test(panel) if panel is not None else []
    if r.fixed_effects:
        lines.append(f"Absorbed fixed effects: {', '.join(r.fixed_effects)}")
    instrumented = getattr(r, "instrumented", ())  # IV results only (not in ResultLike)
    if instrumented:
        instruments = getattr(r, "instruments", ())
        lines += textwrap.wrap(f"Instrumented: {' '.join(instrumented)}", _WIDTH)
        lines += textwrap.wrap(f"Instruments:  {' '.join(instruments)}", _WIDTH)
        lines += iv_footer(r)
    notes = list(r.notes)
    if r.n_dropped > 0 and not any("dropped" in n for n in notes):
        rows = "row" if r.n_dropped == 1 else "rows"
        notes.append(f"{stata_count(r.n_dropped)} {rows} dropped because of missing values")
    lines += [part for note in notes for part in textwrap.wrap(note, _WIDTH)]
    return "\n".join(line.rstrip() for line in lines) + "\n"
