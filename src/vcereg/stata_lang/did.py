"""Stata's DiD commands → a :class:`~vcereg.spec.ModelSpec` with a :class:`~vcereg.spec.DidSpec`.

======================  ===========================================================
command                 syntax (options as in the commands' help files)
======================  ===========================================================
``csdid``               ``csdid y [x] [if] [in] [weight], ivar(id) time(t) gvar(g)``
                        ``[notyet] [method(dripw|reg|stdipw)] [long2|long]``
                        ``[agg(simple|event|group|calendar)] [wboot] [reps(#)]``
                        ``[rseed(#)] [cluster(v)] [level(#)] [anticipation(#)]``
``did_imputation``      ``did_imputation y i t Ei [if] [in] [aw], [horizons(numlist)]``
                        ``[allhorizons] [pretrends(#)] [minn(#)] [shift(#)]``
                        ``[controls(varlist)] [cluster(v)] [autosample]``
``eventstudyinteract``  ``eventstudyinteract y reltime_dummies, cohort(g)``
                        ``control_cohort(v) absorb(i.id i.t) [covariates(varlist)]``
                        ``[vce(cluster v)]``
``did2s``               ``did2s y [if] [in] [weight], first_stage(i.a i.b [x])``
                        ``second_stage(varlist) treatment(v) cluster(v)``
``jwdid``               ``jwdid y [x] [if] [in] [weight], ivar(id) tvar(t) gvar(g)``
                        ``[never] [cluster(v)]``
======================  ===========================================================

``csdid``'s default ``method(drimp)`` is accepted without covariates (where it equals
``dripw``); with covariates it needs ``method(dripw|reg|stdipw)``.
"""

from __future__ import annotations

import re

from ..dsl import parse_vce
from ..errors import closest
from ..spec import DidSpec, ModelSpec, PanelSpec, VceSpec
from .factors import term_formula
from .qualifiers import parse_if, parse_in, parse_weight, split_qualifiers
from .syntax import WORD, skip_ws, syntax_error, top_comma, unsupported
from .varlist import FTerm, parse_varlist

__all__ = ["DID_COMMANDS", "parse_did_line"]

#: command → its options as ``name:minimal abbreviation`` (``(`` takes a value)
DID_COMMANDS: dict[str, str] = {
    "csdid": "ivar(:ivar time(:time tvar(:tvar gvar(:gvar notyet:notyet method(:method "
    "long:long long2:long2 agg(:agg wboot:wboot wboot(:wboot reps(:reps rseed(:rseed "
    "cluster(:clu level(:level anticipation(:antic pointwise:pointwise saverif(:saverif "
    "replace:replace noisily:noi asinr:asinr rc1:rc1",
    "did_imputation": "horizons(:hor allhorizons:allh pretrends(:pre minn(:minn shift(:shift "
    "controls(:c cluster(:clus autosample:autos fe(:fe hbalance:hbal level(:level",
    "eventstudyinteract": "cohort(:cohort control_cohort(:control_cohort absorb(:absorb "
    "covariates(:covariates vce(:vce",
    "did2s": "first_stage(:first_stage second_stage(:second_stage treatment(:treatment "
    "cluster(:cluster level(:level",
    "jwdid": "ivar(:ivar tvar(:tvar time(:time gvar(:gvar never:never cluster(:cluster "
    "group:group method(:method level(:level",
}
_OPT = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*")


def _table(cmd: str) -> dict[str, tuple[str, bool]]:
    """option name (``name(`` when it takes a value) → (minimal abbreviation, takes a value)."""
    out: dict[str, tuple[str, bool]] = {}
    for item in DID_COMMANDS[cmd].split():
        name, _, minimal = item.partition(":")
        out[name] = (minimal, name.endswith("("))
    return out


def _options(src: str, cmd: str, start: int) -> dict[str, tuple[str | None, int, int]]:
    """The options after the comma: name → (value or None, start, end)."""
    table = _table(cmd)
    out: dict[str, tuple[str | None, int, int]] = {}
    pos = start
    while pos < len(src):
        pos = skip_ws(src, pos)
        if pos >= len(src):
            break
        m = _OPT.match(src, pos)
        if m is None:
            raise syntax_error(src, "expected an option name", pos, pos + 1)
        word, end = m.group(1), m.end()
        value, at = None, m.start(1)
        if end < len(src) and src[end] == "(":
            depth, j = 0, end
            while j < len(src):
                depth += {"(": 1, ")": -1}.get(src[j], 0)
                if depth == 0:
                    break
                j += 1
            if depth:
                raise syntax_error(src, f"unbalanced parenthesis in {word}(", end, end + 1)
            raw = src[end + 1 : j]
            at = end + 1 + len(raw) - len(raw.lstrip())
            value, end = raw.strip(), j + 1
        key = (word + "(") if value is not None else word
        name = None
        for full, (minimal, _) in table.items():
            if (full.rstrip("(") == word or (full.startswith(word) and len(word) >= len(minimal))) \
                    and full.endswith("(") == (value is not None):  # fmt: skip
                name = full
                break
        if name is None:
            near = closest(word, [f.rstrip("(") for f in table])
            raise syntax_error(
                src,
                f"option {key.rstrip('(')} not allowed with {cmd}",
                m.start(1),
                end,
                hint=f"did you mean {near}?" if near else None,
            )
        out[name.rstrip("(")] = (value, at, end)
        pos = end
    return out


def _names(src: str, text: str, at: int, what: str) -> list[str]:
    words = text.split()
    for w in words:
        if not WORD.fullmatch(w):
            raise syntax_error(
                src,
                f"expected variable names in {what} (got {w!r})",
                at,
                at + len(text),
                hint="list the variables one by one (ranges and wildcards need the data)",
            )
    return words


def _one(src: str, opts: dict[str, tuple[str | None, int, int]], name: str, cmd: str) -> str:
    if name not in opts or not opts[name][0]:
        raise syntax_error(src, f"{cmd} needs {name}(varname)", 0, len(src))
    value, a, b = opts[name]
    words = _names(src, value or "", a, f"{name}()")
    if len(words) != 1:
        raise syntax_error(src, f"{name}() takes one variable", a, b)
    return words[0]


def _int(src: str, opts: dict[str, tuple[str | None, int, int]], name: str) -> int | None:
    if name not in opts:
        return None
    value, a, b = opts[name]
    try:
        return int(value or "")
    except ValueError:
        raise syntax_error(src, f"{name}() expects a whole number", a, b) from None


def parse_did_line(src: str, start: int, cmd: str, panel: PanelSpec | None) -> ModelSpec:
    """One DiD command line (comments removed; ``start``: the command word)."""
    pos = start + len(src[start:].split(None, 1)[0])
    comma = top_comma(src, pos)
    parts = split_qualifiers(src, pos, comma)
    fields: dict[str, object] = {}
    for kind, a, b in parts[1:]:
        if kind == "if":
            fields["sample"] = parse_if(src, a, b)
        elif kind == "in":
            fields["in_range"] = parse_in(src, a, b)
        elif kind == "weight":
            fields["weights"] = parse_weight(src, a, b)
    v0, v1 = parts[0][1], parts[0][2]
    varlist = parse_varlist(src[v0:v1], source=src, offset=v0)
    terms = list(varlist.terms)
    if not terms:
        raise syntax_error(src, f"{cmd} needs the dependent variable", v0, max(v0 + 1, v1))
    opts = _options(src, cmd, comma + 1) if comma < len(src) else {}
    level = opts.get("level", (None, 0, 0))[0]
    if level:
        fields["level"] = float(level)
    build = {"csdid": _csdid, "did_imputation": _imputation, "eventstudyinteract": _esi,
             "did2s": _did2s, "jwdid": _jwdid}[cmd]  # fmt: skip
    did, covariates, vce = build(src, terms, opts)
    dep = terms[0].factors[0].column
    rhs = " + ".join(dict.fromkeys(term_formula(t) for t in covariates)) or "1"
    return ModelSpec(
        formula=f"{dep} ~ {rhs}",
        vce=vce,
        estimator="did",
        term_style="stata",
        source=src,
        command=cmd,
        did=did,
        **fields,  # type: ignore[arg-type]
    )


_Opts = dict[str, tuple[str | None, int, int]]
_Parsed = tuple[DidSpec, list[FTerm], VceSpec]


def _cluster(src: str, opts: _Opts, name: str = "cluster") -> VceSpec:
    if name not in opts:
        return VceSpec()
    var = _one(src, opts, name, "")
    return VceSpec("cluster", (var,), text=f"cluster {var}")


def _csdid(src: str, terms: list[FTerm], opts: _Opts) -> _Parsed:
    method = (opts.get("method", ("drimp", 0, 0))[0] or "drimp").lower()
    table = {"dripw": "dr", "drimp": "dr", "reg": "reg", "stdipw": "ipw"}
    if method not in table:
        a, b = opts["method"][1:]
        if method == "ipw":
            raise unsupported(src, "method(ipw) (unnormalised weights) is not available", a, b,
                              hint="method(stdipw) is the normalised IPW estimator")  # fmt: skip
        raise syntax_error(src, f"unknown method({method}); expected dripw, reg or stdipw", a, b)
    if method == "drimp" and len(terms) > 1:
        at = opts["method"][1] if "method" in opts else 0
        raise unsupported(
            src,
            "csdid's default method(drimp) (improved doubly robust) is not available with "
            "covariates",
            at,
            len(src),
            hint="use method(dripw), the doubly robust estimator of R's did",
        )
    agg = (opts.get("agg", ("gt", 0, 0))[0] or "gt").lower()
    agg_map = {"gt": "gt", "simple": "simple", "event": "dynamic", "group": "group",
               "calendar": "calendar"}  # fmt: skip
    if agg not in agg_map:
        a, b = opts["agg"][1:]
        raise syntax_error(src, f"agg({agg}): expected simple, event, group or calendar", a, b)
    reps = 0
    if "wboot" in opts:
        inner = opts["wboot"][0] or ""
        m = re.search(r"reps\((\d+)\)", inner)
        reps = int(m.group(1)) if m else 999
        seed_m = re.search(r"rseed\((\d+)\)", inner)
        if seed_m and "rseed" not in opts:
            opts["rseed"] = (seed_m.group(1), 0, 0)
    if "reps" in opts and reps:
        reps = _int(src, opts, "reps") or reps
    time = _one(src, opts, "time" if "time" in opts else "tvar", "csdid")
    did = DidSpec(
        method="cs",
        cohort=_one(src, opts, "gvar", "csdid"),
        id=_one(src, opts, "ivar", "csdid") if "ivar" in opts else None,
        time=time,
        control="notyet" if "notyet" in opts else "never",
        estimation=table[method],  # type: ignore[arg-type]
        anticipation=_int(src, opts, "anticipation") or 0,
        base="universal" if ("long" in opts or "long2" in opts) else "varying",
        agg=agg_map[agg],  # type: ignore[arg-type]
        bootstrap=reps,
        seed=_int(src, opts, "rseed"),
    )
    return did, terms[1:], _cluster(src, opts)


def _imputation(src: str, terms: list[FTerm], opts: _Opts) -> _Parsed:
    if len(terms) != 4 or any(len(t.factors) != 1 or t.factors[0].kind != "c" for t in terms):
        raise syntax_error(src, "did_imputation needs four variables: Y i t Ei", 0, len(src))
    _, i, t, ei = (term.factors[0].name for term in terms)
    if "fe" in opts and (opts["fe"][0] or "").split() not in ([i, t], [t, i]):
        a, b = opts["fe"][1:]
        raise unsupported(src, "fe() other than the unit and period effects", a, b)
    horizons: tuple[float, ...] | None = ()
    if "allhorizons" in opts:
        horizons = None
    elif "horizons" in opts:
        value, a, b = opts["horizons"]
        horizons = tuple(float(h) for h in _numlist(src, value or "", a, b))
    controls = opts.get("controls", (None, 0, 0))
    covariates = (
        []
        if controls[0] is None
        else list(parse_varlist(controls[0], source=src, offset=controls[1]).terms)
    )
    did = DidSpec(
        method="bjs",
        cohort=ei,
        id=i,
        time=t,
        anticipation=_int(src, opts, "shift") or 0,
        horizons=horizons,
        pretrends=_int(src, opts, "pretrends") or 0,
        minn=30 if "minn" not in opts else (_int(src, opts, "minn") or 0),
        agg="dynamic",
    )
    return did, covariates, _cluster(src, opts)


def _numlist(src: str, text: str, a: int, b: int) -> list[float]:
    out: list[float] = []
    for part in text.replace(",", " ").split():
        m = re.fullmatch(r"(-?\d+)(?:/(-?\d+))?", part)
        if m is None:
            raise syntax_error(src, f"expected a numlist such as 0/5 (got {part!r})", a, b)
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        out += [float(v) for v in range(lo, hi + 1)]
    return out


def _fe_pair(src: str, value: str, a: int, b: int, what: str) -> tuple[list[str], list[FTerm]]:
    """``i.a i.b x`` → the two fixed effects and the other terms."""
    terms = list(parse_varlist(value, source=src, offset=a).terms)
    fes = [t.factors[0].name for t in terms if len(t.factors) == 1 and t.factors[0].kind == "i"]
    rest = [t for t in terms if not (len(t.factors) == 1 and t.factors[0].kind == "i")]
    if len(fes) != 2:
        raise unsupported(src, f"{what} must absorb exactly two variables, e.g. i.id i.year", a, b)
    return fes, rest


def _esi(src: str, terms: list[FTerm], opts: _Opts) -> _Parsed:
    cohort = _one(src, opts, "cohort", "eventstudyinteract")
    control = _one(src, opts, "control_cohort", "eventstudyinteract")
    if "absorb" not in opts:
        raise syntax_error(src, "eventstudyinteract needs absorb(i.id i.time)", 0, len(src))
    value, a, b = opts["absorb"]
    fes, _ = _fe_pair(src, value or "", a, b, "absorb()")
    covs = opts.get("covariates", (None, 0, 0))
    covariates = (
        [] if covs[0] is None else list(parse_varlist(covs[0], source=src, offset=covs[1]).terms)
    )
    rel = [t.factors[0].name for t in terms[1:]]
    vce = parse_vce(opts["vce"][0] or "", source=src, offset=opts["vce"][1]) if "vce" in opts \
        else VceSpec()  # fmt: skip
    did = DidSpec(method="sa", cohort=cohort, id=fes[0], time=fes[1], control="never",
                  control_var=control, rel_vars=tuple(rel))  # fmt: skip
    return did, covariates, vce


def _did2s(src: str, terms: list[FTerm], opts: _Opts) -> _Parsed:
    for need in ("first_stage", "second_stage", "treatment"):
        if need not in opts:
            raise syntax_error(src, f"did2s needs {need}()", 0, len(src))
    value, a, b = opts["first_stage"]
    fes, covariates = _fe_pair(src, value or "", a, b, "first_stage()")
    treat = _one(src, opts, "treatment", "did2s")
    second_text, sa, _ = opts["second_stage"]
    second_terms = list(parse_varlist(second_text or "", source=src, offset=sa).terms)
    names = [t.factors[0].name for t in second_terms if len(t.factors) == 1]
    if len(second_terms) == 1 and names == [treat]:
        second = "static"
    else:
        second = " + ".join(term_formula(t) for t in second_terms)
    did = DidSpec(method="did2s", cohort=None, treatment=treat, first_fe=tuple(fes),
                  second=second, agg="simple" if second == "static" else "custom")  # fmt: skip
    return did, covariates, _cluster(src, opts)


def _jwdid(src: str, terms: list[FTerm], opts: _Opts) -> _Parsed:
    if "method" in opts and (opts["method"][0] or "").lower() not in ("regress", "reg"):
        a, b = opts["method"][1:]
        raise unsupported(src, "jwdid's nonlinear methods are not available (linear only)", a, b)
    if "group" in opts:
        a, b = opts["group"][1:]
        raise unsupported(src, "the group option (cohort instead of unit effects)", a, b)
    time = _one(src, opts, "tvar" if "tvar" in opts else "time", "jwdid")
    did = DidSpec(method="etwfe", cohort=_one(src, opts, "gvar", "jwdid"),
                  id=_one(src, opts, "ivar", "jwdid"), time=time,
                  control="never" if "never" in opts else "notyet", agg="gt")  # fmt: skip
    vce = _cluster(src, opts) if "cluster" in opts else VceSpec()
    return did, terms[1:], vce
