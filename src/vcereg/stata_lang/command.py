"""One Stata estimation command line → :class:`~vcereg.spec.ModelSpec`.

The command word (with Stata's minimal abbreviations, :data:`COMMANDS`) after any
``quietly``/``capture``/``eststo name:`` prefix, then the dependent variable and the variable
list (:mod:`vcereg.stata_lang.varlist`), the qualifiers
(:mod:`vcereg.stata_lang.qualifiers`) and the options (:mod:`vcereg.stata_lang.options`).
Comments and ``///`` are handled by the callers (:mod:`vcereg.stata_lang`,
:mod:`vcereg.stata_lang.do`).
"""

from __future__ import annotations

import re

from ..errors import VceregError, closest
from ..spec import IVSpec, ModelSpec, PanelSpec, SmallSample
from .did import DID_COMMANDS, parse_did_line
from .factors import categorical_expr, term_formula
from .fe_ml_options import FE_ML_COMMANDS, fe_ml_family
from .ivoptions import apply_iv_options
from .mloptions import ML_COMMANDS, ml_family
from .naming import check_coding
from .options import Options
from .qualifiers import parse_if, parse_in, parse_weight, split_qualifiers
from .syntax import (
    WORD,
    expand_abbrev,
    skip_ws,
    span_bounds,
    syntax_error,
    top_comma,
    unsupported,
)
from .varlist import FTerm, parse_varlist

__all__ = ["COMMANDS", "command_start", "is_stata_command", "parse_line"]

#: command → (minimal abbreviation, estimator)
COMMANDS = {
    "regress": ("re", "ols"),
    "areg": ("areg", "areg"),
    "reghdfe": ("reghdfe", "reghdfe"),
    "ivregress": ("ivregress", "iv2sls"),
    "ivreghdfe": ("ivreghdfe", "iv2sls"),
    "ivreg2": ("ivreg2", "iv2sls"),
    "xtreg": ("xtreg", "xtreg_fe"),
    "newey": ("newey", "ols"),
    "xtscc": ("xtscc", "ols"),
    "logit": ("logit", "glm"),
    "logistic": ("logistic", "glm"),
    "probit": ("probit", "glm"),
    "cloglog": ("cloglog", "glm"),
    "poisson": ("poisson", "glm"),
    "nbreg": ("nbreg", "nbreg"),
    "glm": ("glm", "glm"),
    "ppmlhdfe": ("ppmlhdfe", "glm"),
    "clogit": ("clogit", "glm"),
    "xtlogit": ("xtlogit", "glm"),
    "xtpoisson": ("xtpoisson", "glm"),
}
_OTHER = frozenset((
    "tobit", "qreg", "ivreg",
    "xtivreg", "xtivreg2", "prais", "rreg", "mixed",
    "xtprobit", "xtgls", "xtabond", "heckman", "sureg", "reg3", "xtmixed",
))  # fmt: skip
_PANEL_COMMANDS = ("xtreg", "xtlogit", "xtpoisson")
_ABBREVS = {c: minimal for c, (minimal, _) in COMMANDS.items()}
_XTIVREG = (
    "for the within 2SLS (xtivreg, fe's estimator) use ivreghdfe y x (w = z), absorb(id), or "
    "the model string 'y ~ x | panel(id, fe) | iv(w ~ z)'; xtivreg, re and be are not available"
)
_PREFIXES = {"quietly": "qui", "noisily": "noi", "capture": "cap"}
_BAD_PREFIXES = frozenset((
    "by", "bys", "bysort", "xi", "svy", "bootstrap", "jackknife", "mi", "nestreg", "stepwise",
    "rolling",
))  # fmt: skip


def command_start(src: str) -> int:
    """Index of the command word, after ``quietly``, ``capture``, ``eststo name:`` prefixes.

    Prefixes that change the sample or the estimator (``by:``, ``xi:``, ``svy:``) are refused.
    """
    pos = 0
    while True:
        m = WORD.match(src, skip_ws(src, pos))
        if m is None:
            return skip_ws(src, pos)
        word, after = m.group(0).lower(), skip_ws(src, m.end())
        nxt = src[after : after + 1]
        if expand_abbrev(word, _PREFIXES) and nxt and nxt not in "~=,":
            pos = after + 1 if nxt == ":" else after
            continue
        colon = re.compile(r"\s*(?:[A-Za-z_]\w*\s*)?:").match(src, m.end())
        if word == "eststo" and colon:
            pos = colon.end()
            continue
        if word in _BAD_PREFIXES and ":" in src[m.end() :]:
            raise unsupported(
                src,
                f"the {word} prefix is not supported",
                m.start(),
                m.end(),
                hint="fit each subset separately in Python",
            )
        return m.start()


def _command(src: str, start: int) -> tuple[str, int]:
    m = WORD.match(src, start)
    word = m.group(0) if m else src[start:].split(" ")[0]
    cmd = expand_abbrev(word, _ABBREVS) if m else None
    if cmd is not None:
        return cmd, start + len(word)
    names = ", ".join(COMMANDS)
    if word.lower() in _OTHER:
        raise unsupported(
            src,
            f"{word} is not supported; vcereg fits {names}",
            start,
            start + len(word),
            hint=_XTIVREG if word.lower() in ("xtivreg", "xtivreg2") else None,
        )
    near = closest(word, COMMANDS)
    raise syntax_error(
        src,
        f"expected an estimation command: {names} (got {word!r})",
        start,
        start + len(word),
        hint=f"did you mean {near}?" if near else None,
    )


def is_stata_command(text: str) -> bool:
    """Whether ``text`` starts with a Stata estimation command word or abbreviation.

    >>> is_stata_command("reg y x, robust"), is_stata_command("reg ~ x")
    (True, False)
    """
    if not isinstance(text, str):
        return False
    try:
        start = command_start(text)
    except VceregError:
        return True
    m = WORD.match(text, start)
    if m is None:
        return False
    word, rest = m.group(0).lower(), text[m.end() :]
    known = expand_abbrev(word, _ABBREVS) or word in _OTHER or word in DID_COMMANDS
    return bool(known) and rest[:1] in ("", " ", "\t", ",") and rest.lstrip()[:1] not in ("~", "=")


def parse_line(src: str, panel: PanelSpec | None) -> ModelSpec:
    """One estimation command (a logical line, comments already removed) → ``ModelSpec``."""
    start = command_start(src)
    word = WORD.match(src, start)
    if word is not None and word.group(0).lower() in DID_COMMANDS:
        return parse_did_line(src, start, word.group(0).lower(), panel)
    cmd, pos = _command(src, start)
    comma = top_comma(src, pos)
    est = "2sls"
    if cmd == "ivregress":
        m = re.compile(r"\s*(\w*)").match(src, pos, comma)
        assert m is not None  # \w* matches the empty string
        est, at = m.group(1).lower(), m.start(1)
        if est not in ("2sls", "liml", "gmm"):
            raise syntax_error(
                src,
                f"expected 2sls, liml or gmm after ivregress (got {est or 'nothing'!r})",
                at,
                at + max(1, len(est)),
            )
        pos = m.end()
    fields: dict[str, tuple[int, int]] = {}
    parts = split_qualifiers(src, pos, comma)
    for kind, a, b in parts[1:]:
        if kind in fields:
            raise syntax_error(src, f"{kind} given twice", a, b)
        fields[kind] = (a, b)
    opts = Options(src, cmd, panel, comma, start)
    panel = opts.panel
    ts_ok = panel is not None and panel.time is not None
    v0, v1 = parts[0][1], parts[0][2]
    dep_a = skip_ws(src, v0, v1)
    dep_b = dep_a
    while dep_b < v1 and not src[dep_b].isspace():
        dep_b += 1
    if dep_a >= v1:
        raise syntax_error(
            src, f"expected a dependent variable after {cmd} (got nothing)", v0, v0 + 1
        )
    dep = parse_varlist(src[dep_a:dep_b], source=src, offset=dep_a, ts=ts_ok)
    d = dep.terms[0] if len(dep.terms) == 1 else None
    if d is None or len(d.factors) != 1 or d.factors[0].kind != "c" or dep.iv_span:
        raise syntax_error(
            src,
            f"expected one dependent variable (got {src[dep_a:dep_b]!r})",
            dep_a,
            dep_b,
            hint="the dependent variable cannot be a factor variable or a list",
        )
    iv_cmd = cmd in ("ivregress", "ivreghdfe", "ivreg2")
    rest = parse_varlist(src[dep_b:v1], source=src, offset=dep_b, ts=ts_ok, iv=iv_cmd)
    if cmd == "ivregress" and rest.iv_span is None:
        raise syntax_error(
            src,
            f"{cmd} needs the instrumented group: (endog = instruments)",
            dep_a,
            len(src[:v1].rstrip()),
            hint=f"e.g. {cmd}{' 2sls' if cmd == 'ivregress' else ''} y x (d = z)",
        )
    constant = not opts.nocons
    terms = list(rest.terms)
    check_coding(terms + list(rest.endog), constant=constant, source=src)
    if rest.instruments:
        check_coding(terms + list(rest.instruments), constant=constant, source=src)
    rhs = list(dict.fromkeys(term_formula(t) for t in terms))
    if not rhs and not constant and not rest.endog:
        raise syntax_error(src, "noconstant with no regressors leaves nothing to estimate", v0, v1)
    formula = f"{d.factors[0].column} ~ " + (" + ".join(rhs) if rhs else "1" if constant else "0")
    if rhs and not constant:
        formula += " - 1"
    tsvars = tuple(dict.fromkeys((*dep.tsvars, *rest.tsvars)))
    all_terms: list[FTerm] = [*terms, *rest.endog, *rest.instruments]
    names = [(categorical_expr(f), f.name) for t in all_terms for f in t.factors if f.kind == "i"]
    names += [(tv.name, tv.label) for tv in tsvars]
    weights = parse_weight(src, *fields["weight"]) if "weight" in fields else None
    vce = opts.vce(weights)
    iv = None
    ivreg2 = cmd in ("ivreg2", "ivreghdfe")  # ivreg2's conventions (ivreghdfe is built on it)
    if iv_cmd and rest.iv_span is not None:
        iv = IVSpec(
            tuple(map(term_formula, rest.endog)),
            tuple(map(term_formula, rest.instruments)),
            convention="ivreg2" if ivreg2 else "ivregress",
        )
        iv = apply_iv_options(iv, est, opts.iv_opts, src, vce, panel)
    elif opts.iv_opts:  # ivreg2/ivreghdfe without instruments: OLS, as they run it
        action, (_, span) = next(iter(opts.iv_opts.items()))
        if action != "center":
            raise syntax_error(
                src, f"option {action} needs instrumented variables: (d = z)", *span_bounds(span)
            )
    if not iv_cmd or "small" in opts.flags:
        ssc = SmallSample()
    else:  # large-sample statistics; ivreg2's model F is the small-sample F regardless
        ssc = SmallSample.preset("ivreg2" if ivreg2 else "asymptotic")
    return ModelSpec(
        formula=formula,
        vce=vce,
        weights=weights,
        sample=parse_if(src, *fields["if"]) if "if" in fields else None,
        in_range=parse_in(src, *fields["in"]) if "in" in fields else None,
        absorb=opts.absorb,
        iv=iv,
        panel=panel if tsvars or cmd in _PANEL_COMMANDS or "fe" in opts.flags else None,
        tsvars=tsvars,
        level=opts.level,
        ssc=ssc,
        estimator="xtreg_fe"
        if cmd == "xtscc" and opts.absorb
        else (opts.estimator or COMMANDS[cmd][1]),
        term_style="stata",
        factor_names=tuple(dict.fromkeys(names)),
        source=src,
        command=cmd,
        family=ml_family(cmd, opts.ml_opts, src)
        if cmd in ML_COMMANDS
        else fe_ml_family(cmd, opts.ml_opts, src)
        if cmd in FE_ML_COMMANDS
        else None,
        beta="beta" in opts.flags,
    )
