"""The model string's ``did(...)`` section: a staggered difference-in-differences design.

``did(ESTIMATOR COHORT[, options])``: the estimator, the variable holding each unit's first
treated period, then options in the ``name`` / ``name(value)`` form of ``vce(...)``. The
unit and period come from ``panel(id time)`` or the ``id()``/``time()`` options; the
formula's right-hand side lists covariates (``y ~ 1`` for none); ``vce(cluster v)`` sets
the cluster (default: the unit).

>>> from vcereg.dsl import parse
>>> d = parse("lemp ~ 1 | did(cs first_treat, notyet ipw) | panel(countyreal year)").did
>>> d.method, d.cohort, d.control, d.estimation, d.id, d.time
('cs', 'first_treat', 'notyet', 'ipw', 'countyreal', 'year')

=====================================  ==========================================================
estimators                             ``cs`` (``csdid``, ``callaway``), ``sa`` (``sunab``,
                                       ``eventstudyinteract``), ``bjs`` (``imputation``,
                                       ``did_imputation``), ``did2s`` (``gardner``), ``etwfe``
                                       (``jwdid``, ``wooldridge``)
``never`` ``notyet`` ``last``          control units (``control(...)`` too)
``dr`` ``ipw`` ``reg``                 Callaway-Sant'Anna's 2x2 estimator (``method(...)``)
``varying`` ``universal``              base period of pre-treatment cells (``base(...)``)
``anticipation(k)``                    periods of anticipation
``unbalanced``, ``rc``                 keep an unbalanced panel; repeated cross-sections
``dynamic`` ``simple`` ``group``       what the result reports (``agg(...)``; ``event`` is
``calendar`` ``gt``                    ``dynamic``)
``window(lo hi)``, ``min_e(k)``,       event-time window; balanced event study
``max_e(k)``, ``balance(k)``
``reps(B)``, ``seed(s)``, ``mammen``   multiplier bootstrap (Callaway-Sant'Anna)
``horizons(0 1 2)``, ``pretrends(k)``, imputation estimator's event times, pre-trend test and
``minn(k)``                            minimum effective sample
``static`` ``event``, ``treatment(v)``, two-stage estimator: second stage, treatment variable,
``fe(a b)``                            first-stage fixed effects
=====================================  ==========================================================
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import Span, SpecError, closest
from ..spec import DidSpec

__all__ = ["DID_METHODS", "parse_did", "unparse_did"]

#: spellings of each estimator
DID_METHODS = {
    "cs": "cs", "csdid": "cs", "callaway": "cs",
    "sa": "sa", "sunab": "sa", "sun": "sa", "eventstudyinteract": "sa",
    "bjs": "bjs", "imputation": "bjs", "did_imputation": "bjs", "borusyak": "bjs",
    "did2s": "did2s", "gardner": "did2s", "twostage": "did2s",
    "etwfe": "etwfe", "jwdid": "etwfe", "wooldridge": "etwfe",
}  # fmt: skip
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPTION = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\(([^()]*)\))?\s*")
#: bare words → (field, value)
_FLAGS: dict[str, tuple[str, Any]] = {
    "never": ("control", "never"), "notyet": ("control", "notyet"), "last": ("control", "last"),
    "dr": ("estimation", "dr"), "dripw": ("estimation", "dr"), "ipw": ("estimation", "ipw"),
    "stdipw": ("estimation", "ipw"), "reg": ("estimation", "reg"),
    "varying": ("base", "varying"), "universal": ("base", "universal"),
    "unbalanced": ("unbalanced", True), "rc": ("rc", True), "mammen": ("boot_weights", "mammen"),
    "dynamic": ("agg", "dynamic"), "event": ("agg", "dynamic"), "simple": ("agg", "simple"),
    "group": ("agg", "group"), "calendar": ("agg", "calendar"), "gt": ("agg", "gt"),
    "static": ("second", "static"),
}  # fmt: skip
_CHOICES = {
    "control": ("control", {"never": "never", "notyet": "notyet", "last": "last"}),
    "method": ("estimation", {"dr": "dr", "dripw": "dr", "ipw": "ipw", "stdipw": "ipw",
                              "reg": "reg"}),
    "base": ("base", {"varying": "varying", "universal": "universal"}),
    "agg": ("agg", {"dynamic": "dynamic", "event": "dynamic", "simple": "simple",
                    "group": "group", "calendar": "calendar", "gt": "gt"}),
    "second": ("second", {"static": "static", "event": "event"}),
}  # fmt: skip
_INTS = {"anticipation": "anticipation", "balance": "balance_e", "balance_e": "balance_e",
         "reps": "bootstrap", "bootstrap": "bootstrap", "seed": "seed",
         "pretrends": "pretrends", "minn": "minn"}  # fmt: skip
_NUMS = {"min_e": "min_e", "max_e": "max_e"}
_VARS = {"id": "id", "time": "time", "treatment": "treatment"}


def _error(source: str, msg: str, at: int, length: int, hint: str | None = None) -> SpecError:
    return SpecError(msg, source=source, span=Span(at, at + max(1, length)), hint=hint)


def _number(source: str, text: str, at: int, name: str, *, whole: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _error(source, f"{name}() expects a number (got {text!r})", at, len(text)) from None
    if whole and not value.is_integer():
        raise _error(source, f"{name}() expects a whole number (got {text!r})", at, len(text))
    return value


def parse_did(source: str, body: str, start: int) -> dict[str, object]:
    """Fields of the spec from the body of ``did(...)`` (``start``: its offset in
    ``source``)."""
    head, comma, opts = body.partition(",")
    words = head.split()
    if len(words) != 2 or not all(_NAME.fullmatch(w) for w in words):
        raise _error(
            source,
            f"expected did(estimator cohort[, options]) (got did({body.strip()}))",
            start,
            len(body),
            hint="e.g. did(cs first_treat, notyet) with panel(id time)",
        )
    method = DID_METHODS.get(words[0].lower())
    if method is None:
        near = closest(words[0].lower(), DID_METHODS)
        raise _error(
            source,
            f"unknown DiD estimator {words[0]!r}; expected one of cs, sa, bjs, did2s, etwfe",
            start + head.index(words[0]),
            len(words[0]),
            hint=f"did you mean {near!r}?" if near else None,
        )
    fields: dict[str, Any] = {"method": method, "cohort": words[1]}
    pos, at0 = 0, start + len(head) + len(comma)
    while comma and pos < len(opts):
        m = _OPTION.match(opts, pos)
        if m is None or m.end() == pos:
            raise _error(source, "expected options as 'name' or 'name(value)'", at0 + pos, 1)
        name, value, at = m.group(1).lower(), m.group(3), at0 + m.start(1)
        _option(source, fields, name, value, at, len(m.group(0).strip()))
        pos = m.end()
    rc = fields.pop("rc", False)
    if rc:
        fields["id"] = None
    return {"did": DidSpec(**fields), "estimator": "did", "_did_rc": rc}


def _option(
    source: str, fields: dict[str, Any], name: str, value: str | None, at: int, length: int
) -> None:
    if value is None:
        if name not in _FLAGS:
            raise _unknown(source, name, at, length)
        key, val = _FLAGS[name]
        fields[key] = val
        return
    text = value.strip()
    if name in _CHOICES:
        key, table = _CHOICES[name]
        if text.lower() not in table:
            near = closest(text.lower(), table)
            raise _error(
                source,
                f"{name}() expects one of {', '.join(table)} (got {text!r})",
                at,
                length,
                hint=f"did you mean {near!r}?" if near else None,
            )
        fields[key] = table[text.lower()]
    elif name in _INTS:
        fields[_INTS[name]] = int(_number(source, text, at, name, whole=True))
    elif name in _NUMS:
        fields[_NUMS[name]] = _number(source, text, at, name, whole=False)
    elif name == "window":
        parts = text.split()
        if len(parts) != 2:
            raise _error(source, "window() expects two event times, e.g. window(-3 5)", at, length)
        fields["min_e"] = _number(source, parts[0], at, name, whole=False)
        fields["max_e"] = _number(source, parts[1], at, name, whole=False)
    elif name == "horizons":
        fields["horizons"] = tuple(_number(source, p, at, name, whole=False) for p in text.split())
    elif name in _VARS:
        if not _NAME.fullmatch(text):
            raise _error(source, f"{name}() expects one variable name (got {text!r})", at, length)
        fields[_VARS[name]] = text
    elif name == "fe":
        fields["first_fe"] = tuple(text.split())
    else:
        raise _unknown(source, name, at, length)


def _unknown(source: str, name: str, at: int, length: int) -> SpecError:
    valid = sorted({*_FLAGS, *_CHOICES, *_INTS, *_NUMS, *_VARS, "window", "horizons", "fe"})
    near = closest(name, valid)
    return _error(
        source,
        f"did() has no option {name!r}",
        at,
        length,
        hint=f"did you mean {near!r}?" if near else "options: " + ", ".join(valid),
    )


def unparse_did(did: DidSpec) -> str:
    """The ``did(...)`` section (with the unit and period as options) that
    :func:`parse_did` reads back as ``did``.

    >>> unparse_did(DidSpec("cs", "g", id="i", time="t", control="notyet", anticipation=1))
    'did(cs g, id(i) time(t) control(notyet) anticipation(1))'
    """
    default = DidSpec(did.method, did.cohort)
    opts = [f"id({did.id})" if did.id else "rc", f"time({did.time})" if did.time else ""]
    simple = {"control": "control", "estimation": "method", "base": "base", "agg": "agg",
              "second": "second", "anticipation": "anticipation", "balance_e": "balance",
              "bootstrap": "reps", "seed": "seed", "pretrends": "pretrends", "minn": "minn",
              "min_e": "min_e", "max_e": "max_e", "treatment": "treatment"}  # fmt: skip
    for attr, name in simple.items():
        value = getattr(did, attr)
        if value != getattr(default, attr) and value is not None:
            opts.append(f"{name}({value:g})" if isinstance(value, float) else f"{name}({value})")
    if did.unbalanced:
        opts.append("unbalanced")
    if did.boot_weights != default.boot_weights:
        opts.append(did.boot_weights)
    if did.horizons is not None:
        opts.append(f"horizons({' '.join(f'{h:g}' for h in did.horizons)})")
    if did.first_fe:
        opts.append(f"fe({' '.join(did.first_fe)})")
    if did.rel_vars or did.control_var:
        raise SpecError("eventstudyinteract's indicator variables have no model-string form")
    body = " ".join(o for o in opts if o)
    return f"did({did.method} {did.cohort or '_'}, {body})"
