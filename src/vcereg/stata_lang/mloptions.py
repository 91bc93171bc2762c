"""The maximum-likelihood commands' options: ``logit``, ``logistic``, ``probit``,
``cloglog``, ``poisson``, ``nbreg`` and ``glm`` → :class:`~vcereg.spec.FamilySpec`.

``glm``'s ``family(binomial n|var)``, ``family(nbinomial #)``, ``link(power #)``,
``scale(x2|dev|#)`` and ``irls``; ``exposure()``, ``offset()``; the display options
``or``, ``irr``, ``eform`` (``logistic`` shows odds ratios unless ``coef``); the maximize
options ``tolerance()``, ``ltolerance()``, ``nrtolerance()``, ``iterate()``; ``asis``.

>>> from vcereg.errors import Span
>>> opts = {"family": ("binomial 5", Span(0, 1)), "link": ("probit", Span(0, 1))}
>>> fam = ml_family("glm", opts, "")
>>> fam.family, fam.link, fam.trials
('binomial', 'probit', 5.0)
"""

from __future__ import annotations

from ..errors import Span, closest
from ..spec import FamilySpec
from .syntax import WORD, span_bounds, syntax_error, unsupported

__all__ = ["ML_ACTIONS", "ML_COMMANDS", "ML_OPTIONS", "ml_family", "ml_option_words"]

#: command → (family, link) defaults
ML_COMMANDS = {
    "logit": ("binomial", "logit"),
    "logistic": ("binomial", "logit"),
    "probit": ("binomial", "probit"),
    "cloglog": ("binomial", "cloglog"),
    "poisson": ("poisson", "log"),
    "nbreg": ("nbinomial", "log"),
    "glm": ("gaussian", None),
}
#: option actions handled here (see options.OPTIONS)
ML_ACTIONS = frozenset({
    "family", "link", "scale", "irls", "exposure", "offset", "or", "irr", "eform", "coef",
    "tolerance", "ltolerance", "nrtolerance", "iterate", "asis", "dispersion",
})  # fmt: skip
_MAX = (
    " tolerance(:tol=tolerance ltolerance(:ltol=ltolerance nrtolerance(:nrtol=nrtolerance "
    "iterate(:iter=iterate nolog:nolo log difficult technique(:tech from(=no "
    "noconstant:noc=nocons"
)
_COMMON = "vce(=vce robust:r=robust cluster(:cl=cluster level(:l=level offset(=offset"
#: Options of each command, in the format of options.OPTIONS (display options appended there)
ML_OPTIONS = {
    "logit": _COMMON + _MAX + " or=or asis=asis",
    "logistic": _COMMON + _MAX + " coef=coef asis=asis",
    "probit": _COMMON + _MAX + " asis=asis",
    "cloglog": _COMMON + _MAX + " eform=eform",
    "poisson": _COMMON + _MAX + " exposure(:e=exposure irr=irr",
    "nbreg": _COMMON + _MAX + " exposure(:e=exposure irr=irr dispersion(:d=dispersion",
    "glm": _COMMON + _MAX + " family(:f=family link(:l=link scale(=scale irls=irls "
    "exposure(:e=exposure eform=eform lnoffset(=exposure mu(=no init(=no fisher(=no "
    "search=no disp(=no",
}
_GLM_FAMILIES = {
    "gaussian": "gaussian", "igaussian": "inverse_gaussian", "binomial": "binomial",
    "poisson": "poisson", "nbinomial": "nbinomial", "gamma": "gamma",
}  # fmt: skip
#: family → Stata's minimal abbreviation
_GLM_FAMILY_ABBREV = {"gaussian": "gau", "igaussian": "ig", "binomial": "b", "poisson": "p",
                      "nbinomial": "nb", "gamma": "gam"}  # fmt: skip
_GLM_LINKS = {"identity": "i", "log": "log", "logit": "l", "probit": "p", "cloglog": "c",
              "power": "pow"}  # fmt: skip
_REFUSED_LINKS = ("opower", "nbinomial", "loglog", "logc")


def _expand(word: str, table: dict[str, str]) -> str | None:
    w = word.lower()
    for name, minimal in table.items():
        if name.startswith(w) and len(w) >= len(minimal):
            return name
    return None


def _number(src: str, text: str, span: Span, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise syntax_error(
            src, f"{what} expects a number (got {text.strip()!r})", *span_bounds(span)
        ) from None


def _glm_family(src: str, arg: str, span: Span) -> tuple[str, float | str | None, float | None]:
    words = arg.split()
    name = _expand(words[0], _GLM_FAMILY_ABBREV) if words else None
    if name is None:
        near = closest(words[0] if words else "", list(_GLM_FAMILIES))
        raise syntax_error(
            src,
            f"unknown family({arg.strip()}); expected one of {', '.join(_GLM_FAMILIES)}",
            *span_bounds(span),
            hint=f"did you mean {near}?" if near else None,
        )
    family = _GLM_FAMILIES[name]
    rest = words[1:]
    if not rest:
        return family, None, None
    if len(rest) > 1 or family not in ("binomial", "nbinomial"):
        raise syntax_error(
            src, f"family({name}) takes no argument here (got {' '.join(rest)!r})",
            *span_bounds(span),
        )  # fmt: skip
    if family == "nbinomial":
        if rest[0].lower() == "ml":
            raise unsupported(
                src, "family(nbinomial ml) is not supported", *span_bounds(span),
                hint="nbreg estimates alpha by maximum likelihood",
            )  # fmt: skip
        return family, None, _number(src, rest[0], span, "family(nbinomial #)")
    if WORD.fullmatch(rest[0]):
        return family, rest[0], None  # binomial trials in a variable
    return family, _number(src, rest[0], span, "family(binomial #)"), None


def _glm_link(src: str, arg: str, span: Span) -> str:
    words = arg.split()
    if words and words[0].lower() in _REFUSED_LINKS:
        raise unsupported(src, f"link({words[0]}) is not supported", *span_bounds(span))
    name = _expand(words[0], _GLM_LINKS) if words else None
    if name is None:
        near = closest(words[0] if words else "", list(_GLM_LINKS))
        raise syntax_error(
            src,
            f"unknown link({arg.strip()}); expected one of {', '.join(_GLM_LINKS)}",
            *span_bounds(span),
            hint=f"did you mean {near}?" if near else None,
        )
    if name == "power":
        if len(words) != 2:
            raise syntax_error(src, "link(power #) needs the power", *span_bounds(span))
        return f"power({_number(src, words[1], span, 'link(power #)'):g})"
    return name


def _scale(src: str, arg: str, span: Span) -> str | float:
    word = arg.strip().lower()
    if word in ("x2", "dev"):
        return word
    value = _number(src, word, span, "scale()")
    if value <= 0:
        raise syntax_error(src, "scale() must be positive", *span_bounds(span))
    return value


def _variable(src: str, arg: str, span: Span, what: str) -> str:
    name = arg.strip()
    if not WORD.fullmatch(name):
        raise syntax_error(src, f"{what}() expects one variable (got {arg!r})", *span_bounds(span))
    return name


def ml_family(cmd: str, opts: dict[str, tuple[str, Span]], src: str) -> FamilySpec:
    """The :class:`FamilySpec` of an ML command line with its options (action → (text,
    span))."""
    family, link = ML_COMMANDS[cmd]
    fields: dict[str, object] = {"family": family, "link": link, "model": cmd}
    if cmd == "nbreg":
        fields["estimate_alpha"] = True
        if "dispersion" in opts and opts["dispersion"][0].strip().lower() not in ("mean", "m"):
            raise unsupported(
                src, "nbreg, dispersion(constant) (NB1) is not supported",
                *span_bounds(opts["dispersion"][1]),
            )  # fmt: skip
    if cmd == "logistic":
        fields["eform"] = None if "coef" in opts else "or"
    for action in ("or", "irr", "eform"):
        if action in opts:
            fields["eform"] = action
    for action, (arg, span) in opts.items():
        if action == "family":
            fam, trials, alpha = _glm_family(src, arg, span)
            fields.update(family=fam, trials=trials, alpha=alpha)
        elif action == "link":
            fields["link"] = _glm_link(src, arg, span)
        elif action == "scale":
            fields["scale"] = _scale(src, arg, span)
        elif action == "irls":
            fields["irls"] = True
        elif action in ("exposure", "offset"):
            fields[action] = _variable(src, arg, span, action)
        elif action == "asis":
            fields["asis"] = True
        elif action in ("tolerance", "ltolerance", "nrtolerance"):
            value = _number(src, arg, span, f"{action}()")
            if value <= 0:
                raise syntax_error(src, f"{action}() must be positive", *span_bounds(span))
            fields[action] = value
        elif action == "iterate":
            if not arg.strip().isdigit():
                raise syntax_error(src, "iterate() expects a whole number", *span_bounds(span))
            fields["iterate"] = int(arg)
    if cmd == "glm" and "link" not in opts:
        fields["link"] = None  # the family's default (canonical) link
    return FamilySpec(**fields)  # type: ignore[arg-type]


_STATA_FAMILIES = {v: k for k, v in _GLM_FAMILIES.items()}


def ml_option_words(fam: FamilySpec) -> list[str]:
    """The options that give ``fam`` back on a Stata line (``ml_family`` reads them).

    >>> ml_option_words(FamilySpec("gamma", "log", model="glm", scale="dev"))
    ['family(gamma)', 'link(log)', 'scale(dev)']
    """
    out: list[str] = []
    if fam.model == "glm":
        family = _STATA_FAMILIES.get(fam.family, fam.family)
        if fam.trials is not None:
            family += f" {fam.trials:g}" if isinstance(fam.trials, float) else f" {fam.trials}"
        if fam.family == "nbinomial" and fam.alpha is not None:
            family += f" {fam.alpha:g}"
        out.append(f"family({family})")
        if fam.link is not None:
            link = fam.link
            out.append(
                f"link(power {link[6:-1]})" if link.startswith("power(") else f"link({link})"
            )
        if fam.scale is not None:
            scale = fam.scale
            out.append(f"scale({scale:g})" if isinstance(scale, float) else f"scale({scale})")
        if fam.irls:
            out.append("irls")
    for key in ("exposure", "offset"):
        value = getattr(fam, key)
        if value:
            out.append(f"{key}({value})")
    if fam.model == "logistic" and fam.eform is None:
        out.append("coef")
    elif fam.eform and not (fam.model == "logistic" and fam.eform == "or"):
        out.append(fam.eform)
    if fam.asis:
        out.append("asis")
    defaults = FamilySpec()
    for key in ("tolerance", "ltolerance", "nrtolerance", "iterate"):
        value = getattr(fam, key)
        if value != getattr(defaults, key):
            out.append(f"{key}({value:g})")
    return out
