"""Stata-like text output of a DiD result: a header with the design, then the reported
coefficients in ``csdid``'s layout (z or t statistics, p-values, intervals), then the
notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..tables.format import fmt_level, stata_count, stata_fixed, stata_g

if TYPE_CHECKING:
    from .results import DidResults

__all__ = ["render"]

_WIDTH = 78


def _header(r: DidResults) -> list[str]:
    items = [("Number of obs", stata_count(r.nobs)), ("Number of units", stata_count(r.n_units))]
    items += [(k, v) for k, v in r.details.items()]
    lines = []
    for i, (label, value) in enumerate(items):
        left = r.model_label if i == 0 else ""
        if len(left) > 46:
            lines.append(left)
            left = ""
        lines.append(f"{left:<46}{label:<18}= {value:>11}")
    return lines


def render(r: DidResults) -> str:
    """The result as 78-column text."""
    lines = _header(r)
    lines.append("")
    if r.n_clusters:
        ((var, g),) = list(r.n_clusters.items())[:1]
        lines.append(f"(Std. err. adjusted for {stata_count(g)} clusters in {var})".rjust(_WIDTH))
    stat = "z" if r.df_inference is None else "t"
    interval = f"[{fmt_level(r.level)}% conf. interval]"
    lines.append("-" * _WIDTH)
    name = r.depvar if len(r.depvar) <= 12 else r.depvar[:10] + "~" + r.depvar[-1]
    lines.append(f"{name:>12} | Coefficient  std. err.      {stat}    P>|{stat}|{interval:>25}")
    lines.append("-" * 13 + "+" + "-" * (_WIDTH - 14))
    ci = r.conf_int()
    for term in r.terms:
        label = term if len(term) <= 12 else term[:10] + "~" + term[-1]
        lines.append(
            f"{label:>12} |{stata_g(r.params[term]):>11}{stata_g(r.se[term]):>11}"
            f"{stata_fixed(r.tstat[term], 2, width=8):>9}{stata_fixed(r.pvalue[term], 3):>8}"
            f"{stata_g(ci.at[term, 'lower']):>13}{stata_g(ci.at[term, 'upper']):>12}"
        )
    lines.append("-" * _WIDTH)
    lines += [f"Note: {n}" for n in r.notes]
    return "\n".join(lines) + "\n"
