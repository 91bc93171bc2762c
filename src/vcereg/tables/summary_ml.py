"""Stata's output of maximum-likelihood commands: ``logit``, ``probit``, ``cloglog``,
``poisson``, ``nbreg`` (the header with the LR or Wald chi-squared, the log likelihood and
McFadden's pseudo R²) and ``glm`` (deviance, Pearson, variance and link functions, AIC and
BIC). The coefficient table has z statistics; with ``or``/``irr``/``eform`` it shows the
exponentiated coefficients. ``nbreg`` adds ``/lnalpha``, ``alpha`` and the LR test of
alpha = 0.

Reads the result through attributes (``ml``, ``loglik``, ``eform()``...), never by
importing :mod:`vcereg.results`.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from .format import fmt_df, fmt_level, stata_count, stata_fixed, stata_g, stata_sig

__all__ = ["render_ml_summary"]

_WIDTH = 78
_INTERCEPTS = ("Intercept", "_cons")
_EFORM = {"or": "Odds ratio", "irr": "IRR", "eform": "exp(b)", "hr": "Haz. ratio"}
_VARIANCE = {
    "binomial": ("u*(1-u)", "Bernoulli"),
    "poisson": ("u", "Poisson"),
    "gaussian": ("1", "Gaussian"),
    "gamma": ("u^2", "Gamma"),
    "inverse_gaussian": ("u^3", "Inverse Gaussian"),
    "nbinomial": ("u+({a})u^2", "Neg. Binomial"),
}
_LINKS = {
    "identity": ("u", "Identity"),
    "log": ("ln(u)", "Log"),
    "logit": ("ln(u/(1-u))", "Logit"),
    "probit": ("invnorm(u)", "Probit"),
    "cloglog": ("ln(-ln(1-u))", "Complementary log-log"),
}
_VCE_TITLES = {"robust": "Robust", "cluster": "Robust", "hc0": "Robust", "opg": "OPG",
               "eim": "EIM", "cr3": "Jackknife", "hac": "HAC", "dk": "Drisc/Kraay"}  # fmt: skip


def _right(label: str, value: str, width: int = 14) -> str:
    return f"{label:<{width}}= {value:>6}"


def _pseudo(r: Any) -> bool:
    return bool(r.vce_name not in ("oim", "eim", "opg") or r.spec.weights is not None)


def _header(r: Any) -> list[str]:
    ml = r.ml
    chi_label = f"{r.model_test} chi2({fmt_df(r.f_df[0])})"
    right = [
        _right("Number of obs", stata_count(r.nobs)),
        _right(chi_label, stata_fixed(r.chi2, 2, width=10)),
        _right("Prob > chi2", stata_fixed(r.chi2_pvalue, 4)),
        _right("Pseudo R2", stata_fixed(r.pseudo_r2, 4)),
    ]
    what = "Log pseudolikelihood" if _pseudo(r) else "Log likelihood"
    left = [r.model_label, "", "", f"{what} = {stata_sig(ml.loglik, 8)}"]
    if ml.model == "nbreg":
        left[2] = "Dispersion: mean"
    return [f"{a:<56}{b}" for a, b in zip(left, right, strict=True)]


def _glm_header(r: Any) -> list[str]:
    ml = r.ml
    n = float(r.nobs)
    df = n - ml.k_params
    var, var_name = _VARIANCE.get(ml.family, ("", ""))
    var = var.replace("{a}", stata_sig(ml.alpha, 6) if ml.alpha is not None else "1")
    if ml.family == "binomial" and not (isinstance(ml.trials, float) and ml.trials == 1.0):
        var, var_name = "u*(1-u/N)", "Binomial"
    link, link_name = _LINKS.get(ml.link, (f"u^({ml.link[6:-1]})", "Power"))

    def item(label: str, value: str) -> str:
        return f"{label:<18}= {value:>10}"

    dev = stata_g(ml.deviance, 12)
    pear = stata_g(ml.pearson, 12)
    aic = (-2 * ml.loglik + 2 * ml.k_params) / n
    bic = ml.deviance - df * math.log(n)
    what = "Log pseudolikelihood" if _pseudo(r) else "Log likelihood"
    return [
        f"{r.model_label:<50}{item('Number of obs', stata_count(r.nobs))}",
        f"{'Optimization     : ' + ('MQL Fisher scoring' if ml.method == 'irls' else 'ML'):<50}"
        f"{item('Residual df', stata_count(df))}",
        f"{'':<50}{item('Scale parameter', stata_g(ml.scale))}",
        f"{'Deviance         = ' + dev:<50}{item('(1/df) Deviance', stata_g(ml.deviance / df))}",
        f"{'Pearson          = ' + pear:<50}{item('(1/df) Pearson', stata_g(ml.pearson / df))}",
        "",
        f"{'Variance function: V(u) = ' + var:<50}[{var_name}]",
        f"{'Link function    : g(u) = ' + link:<50}[{link_name}]",
        "",
        f"{'':<50}{item('AIC', stata_g(aic))}",
        f"{what + ' = ' + stata_g(ml.loglik, 12):<50}{item('BIC', stata_g(bic))}",
    ]


def _cluster_line(r: Any) -> list[str]:
    if len(r.n_clusters) != 1:
        return []
    ((var, g),) = r.n_clusters.items()
    return [f"(Std. err. adjusted for {stata_count(g)} clusters in {var})".rjust(_WIDTH)]


def _row(label: str, b: float, se: float, z: float, p: float, lo: float, hi: float) -> str:
    name = label if len(label) <= 12 else f"{label[:10]}~{label[-1]}"
    return (
        f"{name:>12} |{stata_g(b):>11}{stata_g(se):>11}"
        f"{stata_fixed(z, 2, width=8):>9}{stata_fixed(p, 3):>8}"
        f"{stata_g(lo):>13}{stata_g(hi):>12}"
    )


def _table(r: Any) -> list[str]:
    eform = r.spec.family.eform if r.spec.family is not None else None
    tidy = r.eform() if eform else r.tidy()
    title = _EFORM.get(eform or "", "Coefficient")
    vce = "" if r.vce_name == "oim" else _VCE_TITLES.get(r.vce_name, r.vce_name.upper())
    interval = f"[{fmt_level(r.level)}% conf. interval]"
    se_head = "std. err." if vce else "Std. err."
    lines = ["-" * _WIDTH]
    if vce:
        lines.append(f"{'':>12} |".ljust(28 + (9 - len(vce)) // 2) + vce)
    lines.append(f"{r.depvar[:12]:>12} | {title:>11}  {se_head}      z    P>|z|{interval:>25}")
    lines.append("-" * 13 + "+" + "-" * (_WIDTH - 14))
    names = r.display_names
    ancillary = [t for t in r.terms if t.startswith("/")]
    main = [t for t in r.terms if t not in ancillary]
    order = [t for t in main if t not in _INTERCEPTS] + [t for t in main if t in _INTERCEPTS]
    for term in order:
        shown = "_cons" if term in _INTERCEPTS else names.get(term, term)
        if term in r.omitted:
            lines.append(f"{shown:>12} |{'1' if eform else '0':>11}  (omitted)")
            continue
        row = tidy.loc[term]
        lines.append(
            _row(shown, row.estimate, row.std_error, row.t, row.p, row.ci_low, row.ci_high)
        )
    if ancillary:
        lines += _ancillary(r, ancillary)
    lines.append("-" * _WIDTH)
    return lines


def _ancillary(r: Any, terms: list[str]) -> list[str]:
    """``/lnalpha`` (no z test, as Stata) and ``alpha = exp(lnalpha)`` below it."""
    tidy = r.tidy()
    out = ["-" * 13 + "+" + "-" * (_WIDTH - 14)]
    for term in terms:
        t = tidy.loc[term]
        out.append(
            f"{term:>12} |{stata_g(t.estimate):>11}{stata_g(t.std_error):>11}{'':>17}"
            f"{stata_g(t.ci_low):>13}{stata_g(t.ci_high):>12}"
        )
    if "/lnalpha" in terms:
        t = tidy.loc["/lnalpha"]
        a = math.exp(t.estimate)
        out.append("-" * 13 + "+" + "-" * (_WIDTH - 14))
        out.append(
            f"{'alpha':>12} |{stata_g(a):>11}{stata_g(a * t.std_error):>11}{'':>17}"
            f"{stata_g(math.exp(t.ci_low)):>13}{stata_g(math.exp(t.ci_high)):>12}"
        )
    return out


def _footer(r: Any) -> list[str]:
    extra = r.ml.extra
    if "chibar2" not in extra or r.vce_name not in ("oim", "eim", "opg"):
        return []
    stat = stata_fixed(extra["chibar2"], 2)
    p = stata_fixed(extra["chibar2_p"], 3)
    return [f"{'LR test of alpha=0: chibar2(01) = ' + stat:<55}Prob >= chibar2 = {p}"]


def render_ml_summary(r: Any) -> str:
    """Stata-like output of a maximum-likelihood fit (``r.ml`` is set)."""
    lines = _glm_header(r) if r.ml.model == "glm" else _header(r)
    lines.append("")
    lines += _cluster_line(r)
    lines += _table(r)
    lines += _footer(r)
    notes = list(r.notes)
    if r.n_dropped > 0 and not any("dropped" in n for n in notes):
        notes.append(f"{stata_count(r.n_dropped)} rows dropped because of missing values")
    lines += [part for note in notes for part in textwrap.wrap(note, _WIDTH)]
    return "\n".join(line.rstrip() for line in lines) + "\n"
