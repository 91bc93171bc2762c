"""The model string's family sections: maximum-likelihood models next to ``fe()``/``vce()``.

=========================================  ==============================================
``| logit``, ``| probit``, ``| cloglog``    binary outcome (0 = failure, anything else =
                                           success); ``| logistic`` shows odds ratios
``| poisson``                              count outcome, log link
``| nbreg``                                negative binomial (NB2), alpha estimated
``| glm(family[, link])``                  ``gaussian``, ``binomial [n|var]``, ``poisson``,
                                           ``gamma``, ``igaussian``, ``nbinomial [#]``;
                                           links ``identity``, ``log``, ``logit``,
                                           ``probit``, ``cloglog``, ``power #``
=========================================  ==============================================

Options follow as ``key=value`` or flags, in any of these sections:
``exposure=var``, ``offset=var``, ``or`` / ``irr`` / ``eform`` (exponentiated display),
``scale=x2|dev|#`` and ``irls`` (``glm``), ``asis`` (binary models), and the maximize
options ``tol=``, ``ltol=``, ``nrtol=``, ``iterate=``. For example
``y ~ x | logit | vce(cluster g)``, ``y ~ x | poisson(exposure=t, irr)``,
``y ~ x | glm(gamma, log) | weights(w)``.

>>> f = parse_family("y ~ x | glm(binomial 5, probit, scale=x2)", "glm",
...                  "binomial 5, probit, scale=x2", 12)["family"]
>>> f.family, f.link, f.trials, f.scale
('binomial', 'probit', 5.0, 'x2')
"""

from __future__ import annotations

import re

from ..errors import Span, SpecError, closest
from ..spec import FamilySpec, separation_methods

__all__ = ["FAMILY_SECTIONS", "parse_family", "unparse_family"]

#: section → (family, link)
FAMILY_SECTIONS = {
    "logit": ("binomial", "logit"),
    "logistic": ("binomial", "logit"),
    "probit": ("binomial", "probit"),
    "cloglog": ("binomial", "cloglog"),
    "poisson": ("poisson", "log"),
    "nbreg": ("nbinomial", "log"),
    "glm": ("gaussian", None),
    # with fe(...): conditional logit on the fe() groups; ppmlhdfe's Poisson (robust by
    # default, its tolerances)
    "clogit": ("binomial", "logit"),
    "ppmlhdfe": ("poisson", "log"),
}
_FAMILIES = {
    "gaussian": "gaussian", "normal": "gaussian", "binomial": "binomial",
    "bernoulli": "binomial", "poisson": "poisson", "gamma": "gamma",
    "igaussian": "inverse_gaussian", "inverse_gaussian": "inverse_gaussian",
    "nbinomial": "nbinomial", "negbin": "nbinomial",
}  # fmt: skip
_LINKS = ("identity", "log", "logit", "probit", "cloglog", "power")
_FLAGS = {"or": "eform", "irr": "eform", "eform": "eform", "irls": "irls", "asis": "asis",
          "coef": "coef", "keepsingletons": "keepsingletons"}  # fmt: skip
_KEYS = {"exposure": "exposure", "offset": "offset", "scale": "scale", "tol": "tolerance",
         "tolerance": "tolerance", "ltol": "ltolerance", "ltolerance": "ltolerance",
         "nrtol": "nrtolerance", "nrtolerance": "nrtolerance", "iterate": "iterate",
         "maxiter": "iterate", "separation": "separation", "itol": "itolerance",
         "itolerance": "itolerance"}  # fmt: skip
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _error(source: str, message: str, start: int, text: str, hint: str | None = None) -> SpecError:
    return SpecError(message, source=source, span=Span(start, start + max(1, len(text))), hint=hint)


def _number(source: str, text: str, start: int, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _error(source, f"{what} expects a number (got {text!r})", start, text) from None


def _items(body: str, start: int) -> list[tuple[str, int]]:
    """Comma-separated items with their offsets."""
    out, pos = [], 0
    for part in body.split(","):
        lead = len(part) - len(part.lstrip())
        if part.strip():
            out.append((part.strip(), start + pos + lead))
        pos += len(part) + 1
    return out


def parse_family(source: str, name: str, body: str, start: int) -> dict[str, object]:
    """Spec fields of a family section ``name(body)`` (``start``: the body's offset)."""
    family, link = FAMILY_SECTIONS[name]
    fields: dict[str, object] = {"family": family, "link": link, "model": name}
    if name == "nbreg":
        fields["estimate_alpha"] = True
    if name == "logistic":
        fields["eform"] = "or"
    if name == "ppmlhdfe":
        fields.update(tolerance=1e-8, iterate=10_000)  # ppmlhdfe's defaults
    items = _items(body, start)
    if name == "glm":
        if not items or "=" in items[0][0] or items[0][0].lower() in _FLAGS:
            raise _error(
                source, "glm(...) needs a family first, e.g. glm(gamma, log)", start, body,
                hint="families: " + ", ".join(dict.fromkeys(_FAMILIES.values())),
            )  # fmt: skip
        fields.update(_glm_family(source, *items[0]))
        items = items[1:]
        if items and "=" not in items[0][0] and items[0][0].split()[0].lower() in _LINKS:
            fields["link"] = _glm_link(source, *items[0])
            items = items[1:]
        else:
            fields["link"] = None
    for text, at in items:
        key, eq, value = (p.strip() for p in text.partition("="))
        low = key.lower()
        if not eq:
            if low not in _FLAGS:
                near = closest(low, [*_FLAGS, *_KEYS])
                raise _error(
                    source, f"unknown option {key!r} in {name}(...)", at, text,
                    hint=f"did you mean {near!r}?" if near else None,
                )  # fmt: skip
            if _FLAGS[low] == "eform":
                fields["eform"] = low
            elif low == "coef":
                fields["eform"] = None
            else:
                fields[_FLAGS[low]] = True
            continue
        if low not in _KEYS:
            near = closest(low, list(_KEYS))
            raise _error(
                source, f"unknown option {key!r} in {name}(...)", at, text,
                hint=f"did you mean {near!r}?" if near else None,
            )  # fmt: skip
        target = _KEYS[low]
        if target in ("exposure", "offset"):
            if not _NAME.fullmatch(value):
                raise _error(source, f"{key}= expects a variable name", at, text)
            fields[target] = value
        elif target == "scale":
            fields["scale"] = (
                value.lower()
                if value.lower() in ("x2", "dev")
                else _number(source, value, at, "scale=")
            )
        elif target == "separation":
            fields["separation"] = separation_methods(value.replace("+", " ")) if value else ()
        elif target == "iterate":
            if not value.isdigit():
                raise _error(source, "iterate= expects a whole number", at, text)
            fields["iterate"] = int(value)
        else:
            fields[target] = _number(source, value, at, f"{key}=")
    return {"family": FamilySpec(**fields), "estimator": "nbreg" if name == "nbreg" else "glm"}  # type: ignore[arg-type]


def _glm_family(source: str, text: str, at: int) -> dict[str, object]:
    words = text.split()
    fam = _FAMILIES.get(words[0].lower())
    if fam is None:
        near = closest(words[0].lower(), list(_FAMILIES))
        raise _error(
            source, f"unknown family {words[0]!r}", at, text,
            hint=f"did you mean {near!r}?" if near else None,
        )  # fmt: skip
    out: dict[str, object] = {"family": fam}
    if len(words) == 2 and fam == "binomial":
        arg = words[1]
        out["trials"] = arg if _NAME.fullmatch(arg) else _number(source, arg, at, "binomial")
    elif len(words) == 2 and fam == "nbinomial":
        out["alpha"] = _number(source, words[1], at, "nbinomial")
    elif len(words) > 1:
        raise _error(source, f"family {words[0]} takes no argument here", at, text)
    return out


def _glm_link(source: str, text: str, at: int) -> str:
    words = text.split()
    if words[0].lower() == "power":
        if len(words) != 2:
            raise _error(source, "the power link needs its power: power -1", at, text)
        return f"power({_number(source, words[1], at, 'power'):g})"
    if len(words) != 1:
        raise _error(source, f"unexpected text after the link {words[0]!r}", at, text)
    return words[0].lower()


def unparse_family(fam: FamilySpec) -> str:
    """The section for a family spec (``parse_family`` reads it back).

    >>> unparse_family(FamilySpec("poisson", "log", model="poisson", exposure="t"))
    'poisson(exposure=t)'
    """
    opts: list[str] = []
    head = fam.model if fam.model in FAMILY_SECTIONS else "glm"
    if head == "glm":
        inverse: dict[str, str] = {}
        for spelling, canonical in _FAMILIES.items():
            inverse.setdefault(canonical, spelling)
        first = inverse.get(fam.family, fam.family)
        if fam.trials is not None:
            first += f" {fam.trials:g}" if isinstance(fam.trials, float) else f" {fam.trials}"
        if fam.family == "nbinomial" and fam.alpha is not None:
            first += f" {fam.alpha:g}"
        opts.append(first)
        if fam.link is not None:
            link = fam.link
            opts.append(f"power {link[6:-1]}" if link.startswith("power(") else link)
    for key in ("exposure", "offset"):
        value = getattr(fam, key)
        if value:
            opts.append(f"{key}={value}")
    if fam.scale is not None:
        opts.append(
            f"scale={fam.scale:g}" if isinstance(fam.scale, float) else f"scale={fam.scale}"
        )
    if fam.eform and not (head == "logistic" and fam.eform == "or"):
        opts.append(fam.eform)
    if head == "logistic" and fam.eform is None:
        opts.append("coef")
    if fam.irls:
        opts.append("irls")
    if fam.asis:
        opts.append("asis")
    if fam.separation is not None:
        opts.append(f"separation={'+'.join(fam.separation) or 'none'}")
    if fam.itolerance is not None:
        opts.append(f"itol={fam.itolerance:g}")
    if fam.keepsingletons:
        opts.append("keepsingletons")
    defaults = FamilySpec(tolerance=1e-8, iterate=10_000) if head == "ppmlhdfe" else FamilySpec()
    for key, short in (("tolerance", "tol"), ("ltolerance", "ltol"), ("nrtolerance", "nrtol"),
                       ("iterate", "iterate")):  # fmt: skip
        value = getattr(fam, key)
        if value != getattr(defaults, key):
            opts.append(f"{short}={value:g}")
    return f"{head}({', '.join(opts)})" if opts else head
