"""Stata command lines → :class:`~vcereg.spec.ModelSpec`.

``parse("regress G3 absences, vce(cluster school)")`` gives the model of the DSL's
``"G3 ~ absences | vce(cluster school)"``. Commands: ``regress`` (``reg``, ``re``), ``areg``,
``reghdfe``, ``ivregress 2sls``, ``ivreghdfe`` and ``xtreg, fe``; the ``if``, ``in`` and
``[aw|fw|pw=var]`` qualifiers; factor-variable and time-series notation (see
:mod:`vcereg.stata_factors`); options with Stata's minimal abbreviations (:data:`OPTIONS`).
:func:`parse_do` reads a do-file fragment (comments, ``///``, ``xtset``/``tsset``) and
:func:`unparse` writes a spec back as a command line. The vce and option rules live in
:mod:`vcereg.stata_options`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import NotSupportedError, Span, StataSyntaxError, UnknownVceError, VceregError, closest
from .expr import parse_expression
from .naming import check_coding, formula_to_stata
from .spec import (
    Dialect,
    IVSpec,
    ModelSpec,
    PanelSpec,
    RowRange,
    SampleSpec,
    SmallSample,
    VceSpec,
    WeightKind,
    WeightSpec,
)
from .stata_factors import FTerm, categorical_expr, parse_varlist, term_formula

__all__ = ["COMMANDS", "OPTIONS", "is_stata_command", "parse", "parse_do", "unparse"]

#: command → (minimal abbreviation, estimator)
COMMANDS = {
    "regress": ("re", "ols"),
    "areg": ("areg", "areg"),
    "reghdfe": ("reghdfe", "reghdfe"),
    "ivregress": ("ivregress", "iv2sls"),
    "ivreghdfe": ("ivreghdfe", "iv2sls"),
    "xtreg": ("xtreg", "xtreg_fe"),
}
_OTHER = frozenset((
    "logit", "logistic", "probit", "poisson", "nbreg", "tobit", "qreg", "ivreg", "ivreg2",
    "xtivreg", "xtivreg2", "newey", "prais", "glm", "ppmlhdfe", "rreg", "mixed", "xtlogit",
    "xtprobit", "xtpoisson", "xtgls", "xtabond", "heckman", "sureg", "reg3", "xtscc", "xtmixed",
))  # fmt: skip
_PREFIXES = {"quietly": "qui", "noisily": "noi", "capture": "cap"}
_BAD_PREFIXES = frozenset((
    "by", "bys", "bysort", "xi", "svy", "bootstrap", "jackknife", "mi", "nestreg", "stepwise",
    "rolling",
))  # fmt: skip
_DISPLAY = (
    " noheader:nohe notable:notab noomitted:noomit vsquish:vsq noemptycells:noempty "
    "baselevels:base allbaselevels:allb nofvlabel:nofvlab fvwrap( fvwrapon( cformat( pformat( "
    "sformat( nolstretch:nolstr coeflegend:coefl noci nopvalues:nopv"
)
_COMMON = "vce(=vce robust:r=robust cluster(:cl=cluster level(:l=level "
#: Options per command, as ``name[(][:minimal][=action]``: ``(`` takes an argument, no
#: action means accepted and ignored (display or computation only), ``=no`` is refused.
OPTIONS: dict[str, str] = {
    "regress": _COMMON + "noconstant:noc=nocons beta eform( depname( hascons=no tsscons=no "
    "mse1=no" + _DISPLAY,
    "areg": _COMMON + "absorb(:a=absorb" + _DISPLAY,
    "reghdfe": _COMMON + "absorb(:a=absorb noabsorb:noa=noabsorb noconstant:noc "
    "nofootnote:nofoot tolerance(:tol maxiterations(:maxit verbose(:v poolsize( compact "
    "keepsingletons=no dofadjustments(:dof=no residuals(:resid=no groupvar(=no" + _DISPLAY,
    "ivregress": _COMMON + "noconstant:noc=nocons small=small first hascons=no wmatrix(:wmat=no "
    "perfect" + _DISPLAY,
    "ivreghdfe": _COMMON
    + "absorb(:a=absorb small=small first ffirst noconstant:noc partial(=no"
    + _DISPLAY,
    "xtreg": _COMMON + "fe=fe re=no be=no mle=no pa=no i(=panel" + _DISPLAY,
}
#: vce() names and their minimal abbreviations → canonical registry name
_VCE = {
    "ols": ("ols", "ols"), "conventional": ("conv", "ols"), "unadjusted": ("unadj", "ols"),
    "iid": ("iid", "ols"), "robust": ("r", "robust"), "hc1": ("hc1", "robust"),
    "hc0": ("hc0", "hc0"), "hc2": ("hc2", "hc2"), "hc3": ("hc3", "hc3"),
    "cluster": ("cl", "cluster"), "cr1": ("cr1", "cluster"), "cr3": ("cr3", "cr3"),
    "jackknife": ("jack", "jackknife"), "bootstrap": ("boot", "bootstrap"), "hac": ("hac", "hac"),
}  # fmt: skip
_WEIGHTS = {"aweight": "aw", "fweight": "fw", "frequency": "freq", "pweight": "pw",
            "iweight": "iw", "weight": "w"}  # fmt: skip
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUAL = re.compile(r"(if|in)(?![A-Za-z0-9_])")
_WEIGHT_OPEN = re.compile(r"\[\s*[A-Za-z]\w*\s*=(?!=)")


@dataclass(frozen=True, slots=True)
class _Opt:
    name: str
    minimal: str
    takes_arg: bool
    action: str


def _table(command: str) -> list[_Opt]:
    out = []
    for entry in OPTIONS[command].split():
        head, _, action = entry.partition("=")
        name, _, minimal = head.partition(":")
        out.append(_Opt(name.rstrip("("), minimal or name.rstrip("("), name.endswith("("), action))
    return out


def _abbrev(word: str, table: dict[str, str]) -> str | None:
    """The full name that ``word`` abbreviates (``table``: full name → minimal abbreviation)."""
    word = word.lower()
    return next((f for f, m in table.items() if f.startswith(word) and len(word) >= len(m)), None)


def _err(src: str, msg: str, a: int, b: int, hint: str | None = None) -> StataSyntaxError:
    return StataSyntaxError(msg, source=src, span=Span(a, max(b, a + 1)), hint=hint)


def _nope(src: str, msg: str, a: int, b: int, hint: str | None = None) -> NotSupportedError:
    return NotSupportedError(msg, source=src, span=Span(a, max(b, a + 1)), hint=hint)


def _ws(src: str, i: int, end: int | None = None) -> int:
    end = len(src) if end is None else end
    while i < end and src[i].isspace():
        i += 1
    return i


def _close(src: str, i: int) -> int | None:
    """Index of the ``)`` matching ``src[i] == "("`` (quotes respected), or None."""
    depth, quote = 0, False
    for j in range(i, len(src)):
        ch = src[j]
        if ch == '"':
            quote = not quote
        elif not quote and ch in "()":
            depth += 1 if ch == "(" else -1
            if depth == 0:
                return j
    return None


def _command_start(src: str) -> int:
    """Skip prefixes (``quietly``, ``capture``, ``eststo name:``); refuse ``by:``, ``xi:``."""
    pos = 0
    while True:
        m = _WORD.match(src, _ws(src, pos))
        if m is None:
            return _ws(src, pos)
        word, after = m.group(0).lower(), _ws(src, m.end())
        nxt = src[after : after + 1]
        if _abbrev(word, _PREFIXES) and nxt and nxt not in "~=,":
            pos = after + 1 if nxt == ":" else after
            continue
        colon = re.compile(r"\s*(?:[A-Za-z_]\w*\s*)?:").match(src, m.end())
        if word == "eststo" and colon:
            pos = colon.end()
            continue
        if word in _BAD_PREFIXES and ":" in src[m.end() :]:
            raise _nope(
                src,
                f"the {word} prefix is not supported",
                m.start(),
                m.end(),
                hint="fit each subset separately in Python",
            )
        return m.start()


def _command(src: str, start: int) -> tuple[str, int]:
    m = _WORD.match(src, start)
    word = m.group(0) if m else src[start:].split(" ")[0]
    cmd = _abbrev(word, {c: mn for c, (mn, _) in COMMANDS.items()}) if m else None
    if cmd is not None:
        return cmd, start + len(word)
    names = ", ".join(COMMANDS)
    if word.lower() in _OTHER:
        raise _nope(
            src,
            f"{word} is not supported; vcereg fits the linear models {names}",
            start,
            start + len(word),
        )
    near = closest(word, COMMANDS)
    raise _err(
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
        start = _command_start(text)
    except VceregError:
        return True
    m = _WORD.match(text, start)
    if m is None:
        return False
    word, rest = m.group(0).lower(), text[m.end() :]
    known = _abbrev(word, {c: mn for c, (mn, _) in COMMANDS.items()}) or word in _OTHER
    return bool(known) and rest[:1] in ("", " ", "\t", ",") and rest.lstrip()[:1] not in ("~", "=")


def parse(line: str, *, panel: PanelSpec | None = None) -> ModelSpec:
    """Parse one Stata estimation command into a :class:`~vcereg.spec.ModelSpec`.

    Parameters
    ----------
    line
        ``"regress y x1 i.region if age > 18 [pw=w], vce(cluster school)"``; ``///``
        continuations and comments are allowed.
    panel
        The panel declaration (``xtset id time``), needed by ``xtreg`` and by time-series
        operators.

    Returns
    -------
    ModelSpec
        With ``term_style="stata"``, ``command`` the full command name, ``source`` the line.

    Examples
    --------
    >>> s = parse("reg G3 absences i.school, vce(cl school)")
    >>> s.formula, s.vce.name, s.vce.args
    ('G3 ~ absences + C(school)', 'cluster', ('school',))
    >>> parse("reg y L.x", panel=PanelSpec("id", "t")).formula
    'y ~ L1__x'
    """
    if not isinstance(line, str):
        raise StataSyntaxError(f"expected a Stata command as a string (got {type(line).__name__})")
    src = line
    if any(t in line for t in ("\n", "//", "/*")) or line.lstrip().startswith("*"):
        commands = [text for _, text in _logical_lines(line) if text.strip()]
        if len(commands) != 1:
            raise StataSyntaxError(f"expected one command (got {len(commands)}); use parse_do")
        src = commands[0]
    return _parse_line(src, panel)


def _top_comma(src: str, start: int) -> int:
    depth, quote = 0, False
    for i in range(start, len(src)):
        ch = src[i]
        if ch == '"':
            quote = not quote
        elif not quote:
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
            if ch == "," and depth == 0:
                return i
    return len(src)


def _qualifiers(src: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """Split ``src[start:end]`` into ("varlist" | "if" | "in" | "weight", start, end)."""
    marks: list[tuple[str, int]] = [("varlist", start)]
    depth, quote, i = 0, False, start
    while i < end:
        ch = src[i]
        if ch == '"':
            quote = not quote
        elif not quote and ch in "()":
            depth += 1 if ch == "(" else -1
        elif not quote and depth == 0:
            if ch == "[" and _WEIGHT_OPEN.match(src, i):
                marks.append(("weight", i))
                close = src.find("]", i, end)
                if close < 0:
                    raise _err(src, "unbalanced '[': expected ']' after the weight", i, i + 1)
                marks.append(("", close + 1))
                i = close
            elif (i == start or src[i - 1].isspace()) and (m := _QUAL.match(src, i)):
                marks.append((m.group(1), i))
                i = m.end() - 1
        i += 1
    out = []
    for (kind, a), (_, b) in zip(marks, [*marks[1:], ("", end)], strict=True):
        if kind:
            out.append((kind, a, b))
        elif src[a:b].strip():
            raise _err(src, "expected if, in or [weight] after a weight (got more text)", a, b)
    return out


def _parse_line(src: str, panel: PanelSpec | None) -> ModelSpec:
    start = _command_start(src)
    cmd, pos = _command(src, start)
    comma = _top_comma(src, pos)
    if cmd == "ivregress":
        m = re.compile(r"\s*(\w*)").match(src, pos, comma)
        assert m is not None  # \w* matches the empty string
        est, at = m.group(1).lower(), m.start(1)
        if est in ("liml", "gmm"):
            raise _nope(src, f"ivregress {est} is not supported; only 2sls is", at, m.end(1))
        if est != "2sls":
            raise _err(
                src,
                f"expected 2sls, liml or gmm after ivregress (got {est or 'nothing'!r})",
                at,
                at + max(1, len(est)),
            )
        pos = m.end()
    fields: dict[str, object] = {}
    parts = _qualifiers(src, pos, comma)
    for kind, a, b in parts[1:]:
        if kind in fields:
            raise _err(src, f"{kind} given twice", a, b)
        fields[kind] = (a, b)
    opts = _Options(src, cmd, panel, comma)
    panel = opts.panel
    ts_ok = panel is not None and panel.time is not None
    v0, v1 = parts[0][1], parts[0][2]
    dep_a = _ws(src, v0, v1)
    dep_b = dep_a
    while dep_b < v1 and not src[dep_b].isspace():
        dep_b += 1
    if dep_a >= v1:
        raise _err(src, f"expected a dependent variable after {cmd} (got nothing)", v0, v0 + 1)
    dep = parse_varlist(src[dep_a:dep_b], source=src, offset=dep_a, ts=ts_ok)
    d = dep.terms[0] if len(dep.terms) == 1 else None
    if d is None or len(d.factors) != 1 or d.factors[0].kind != "c" or dep.iv_span:
        raise _err(
            src,
            f"expected one dependent variable (got {src[dep_a:dep_b]!r})",
            dep_a,
            dep_b,
            hint="the dependent variable cannot be a factor variable or a list",
        )
    iv_cmd = cmd in ("ivregress", "ivreghdfe")
    rest = parse_varlist(src[dep_b:v1], source=src, offset=dep_b, ts=ts_ok, iv=iv_cmd)
    if iv_cmd and rest.iv_span is None:
        raise _err(
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
        raise _err(src, "noconstant with no regressors leaves nothing to estimate", v0, v1)
    formula = f"{d.factors[0].column} ~ " + (" + ".join(rhs) if rhs else "1" if constant else "0")
    if rhs and not constant:
        formula += " - 1"
    tsvars = tuple(dict.fromkeys((*dep.tsvars, *rest.tsvars)))
    all_terms: list[FTerm] = [*terms, *rest.endog, *rest.instruments]
    names = [(categorical_expr(f), f.name) for t in all_terms for f in t.factors if f.kind == "i"]
    names += [(tv.name, tv.label) for tv in tsvars]
    weights = _weights(src, *fields["weight"]) if "weight" in fields else None  # type: ignore[misc]
    vce = opts.vce(weights)
    return ModelSpec(
        formula=formula,
        vce=vce,
        weights=weights,
        sample=_if(src, *fields["if"]) if "if" in fields else None,  # type: ignore[misc]
        in_range=_in(src, *fields["in"]) if "in" in fields else None,  # type: ignore[misc]
        absorb=opts.absorb,
        iv=IVSpec(tuple(map(term_formula, rest.endog)), tuple(map(term_formula, rest.instruments)))
        if iv_cmd
        else None,
        panel=panel if tsvars or cmd == "xtreg" else None,
        tsvars=tsvars,
        level=opts.level,
        ssc=SmallSample.preset("asymptotic")
        if iv_cmd and "small" not in opts.flags
        else SmallSample(),
        estimator=COMMANDS[cmd][1],
        term_style="stata",
        factor_names=tuple(dict.fromkeys(names)),
        source=src,
        command=cmd,
    )


def _if(src: str, a: int, b: int) -> SampleSpec:
    lo = _ws(src, a + 2, b)
    text = src[lo:b].rstrip()
    if not text:
        raise _err(src, "expected an expression after if (got nothing)", a, a + 2)
    parse_expression(text, Dialect.STATA, source=src, offset=lo)
    return SampleSpec(text, Dialect.STATA, Span(lo, lo + len(text)))


def _in(src: str, a: int, b: int) -> RowRange:
    a, b = _ws(src, a + 2, b), len(src[:b].rstrip())
    body = src[a:b]
    m = re.fullmatch(r"\s*([fl]|-?\d+)(?:\s*/\s*([fl]|-?\d+))?\s*", body, re.IGNORECASE)
    if m is None:
        raise _err(
            src, f"expected in #/# such as 'in 1/100' or 'in -10/l' (got {body.strip()!r})", a, b
        )
    first, last = (_obs(g) for g in (m.group(1), m.group(2) or m.group(1)))
    if 0 in (first, last):
        raise _err(src, "observation numbers start at 1 (or count back from -1 = l) (got 0)", a, b)
    if (first > 0) == (last > 0) and first > last:
        raise _err(src, f"expected first <= last in 'in' (got {body.strip()})", a, b)
    return RowRange(first, last)


def _obs(text: str) -> int:
    return {"f": 1, "l": -1}.get(text.lower()) or int(text)


def _weights(src: str, a: int, b: int) -> WeightSpec:
    m = re.fullmatch(r"\[\s*(\w+)\s*=\s*(.*?)\s*\]", src[a:b], re.DOTALL)
    assert m is not None  # _WEIGHT_OPEN matched
    kind = _abbrev(m.group(1), _WEIGHTS)
    k0, k1 = a + m.start(1), a + m.end(1)
    if kind in (None, "weight"):
        near = closest(m.group(1), ["aweight", "fweight", "pweight"])
        raise _err(
            src,
            f"expected a weight type aw, fw or pw (got {m.group(1)!r})",
            k0,
            k1,
            hint=f"did you mean {near}?" if near else "write [aw=w] (analytic) or [fw=w]",
        )
    if kind == "iweight":
        raise _nope(
            src,
            "importance weights [iw=] are not supported",
            k0,
            k1,
            hint="use [aw=] (analytic) or [pw=] (sampling) weights",
        )
    var = m.group(2)
    if not _WORD.fullmatch(var):
        raise _nope(
            src,
            f"a weight must be a variable name (got {var!r})",
            a + m.start(2),
            a + m.end(2),
            hint="generate the weight variable first",
        )
    wk = {"aweight": WeightKind.AWEIGHT, "pweight": WeightKind.PWEIGHT}.get(kind)
    return WeightSpec(var, wk or WeightKind.FWEIGHT)


class _Options:
    """The options after the comma, checked against the command's table, then combined."""

    def __init__(self, src: str, cmd: str, panel: PanelSpec | None, comma: int) -> None:
        self.src, self.cmd, self.panel = src, cmd, panel
        self.nocons, self.level = False, 95.0
        self.absorb: tuple[str, ...] = ()
        self.req: tuple[str, tuple[str, ...], str, Span] | None = None
        self.robust: tuple[str, Span] | None = None
        self.cluster: tuple[tuple[str, ...], Span, str] | None = None
        self.flags: dict[str, Span] = {}
        table = _table(cmd)
        i = comma + 1
        while (i := _ws(src, i)) < len(src):
            m = _WORD.match(src, i)
            if m is None:
                raise _err(src, f"expected an option name (got {src[i]!r})", i, i + 1)
            word, j, arg = m.group(0).lower(), m.end(), None
            if src[j : j + 1] == "(":
                close = _close(src, j)
                if close is None:
                    raise _err(src, "unbalanced '(': expected ')' to close the option", j, j + 1)
                arg, j = src[j + 1 : close], close + 1
            opt = next((o for o in table if o.name == word), None) or next(
                (o for o in table if o.name.startswith(word) and len(word) >= len(o.minimal)), None
            )
            if opt is None:
                near = closest(word, [o.name for o in table])
                raise _err(
                    src,
                    f"option {word} not allowed with {cmd}",
                    i,
                    m.end(),
                    hint=f"did you mean {near}?" if near else None,
                )
            if opt.takes_arg and arg is None:
                raise _err(src, f"option {opt.name}() needs an argument: {opt.name}(...)", i, j)
            if not opt.takes_arg and arg is not None:
                raise _err(src, f"option {opt.name} takes no argument (got {word}({arg}))", i, j)
            if opt.action == "no":
                raise _nope(src, f"option {opt.name} of {cmd} is not supported", i, j)
            if opt.action and opt.action in self.flags:
                raise _err(src, f"option {opt.name} given twice", i, j)
            self.flags[opt.action] = Span(i, j)
            self._apply(opt.action, arg or "", m.end() + 1, word, Span(i, j))
            i = j
        self._check()

    def _apply(self, action: str, arg: str, at: int, word: str, span: Span) -> None:
        src = self.src
        if action == "vce":
            self.req = self._vce_body(arg, at)
        elif action == "robust":
            self.robust = (word, span)
        elif action == "cluster":
            names = tuple(arg.split())
            bad = next((n for n in names if not _WORD.fullmatch(n)), None)
            if not names or bad:
                raise _err(
                    src, f"expected cluster variable names in {word}() (got {arg!r})", *_t(span)
                )
            self.cluster = (names, span, f"{word} {' '.join(names)}")
        elif action == "level":
            try:
                self.level = float(arg)
            except ValueError:
                self.level = -1.0
            if not 10 <= self.level <= 99.99:
                raise _err(
                    src,
                    f"level() must be a number from 10 to 99.99 (got {arg.strip()!r})",
                    *_t(span),
                )
        elif action == "nocons":
            self.nocons = True
        elif action == "absorb":
            self.absorb = self._absorb(arg, at)
        elif action == "panel":
            if not _WORD.fullmatch(arg.strip()):
                raise _err(src, f"expected the panel variable in i() (got {arg!r})", *_t(span))
            self.panel = PanelSpec(arg.strip(), self.panel.time if self.panel else None)

    def _vce_body(self, body: str, at: int) -> tuple[str, tuple[str, ...], str, Span]:
        src, span = self.src, Span(at, at + len(body))
        head, sep, sub = body.partition(",")
        words = head.split()
        if not words:
            raise _err(
                src,
                "vce() is empty: expected ols, robust, cluster var, hc2 or hc3",
                at - 4,
                at + len(body) + 1,
            )
        w0 = at + body.index(words[0])
        full = _abbrev(words[0], {k: v[0] for k, v in _VCE.items()})
        if full is None:
            near = closest(words[0], list(_VCE))
            raise UnknownVceError(
                f"unknown vce type {words[0]!r}; expected ols, robust, cluster, hc2, hc3 or "
                "jackknife",
                source=src,
                span=Span(w0, w0 + len(words[0])),
                hint=f"did you mean {near}?" if near else None,
            )
        name, args = _VCE[full][1], tuple(words[1:])
        if name in ("bootstrap", "hac"):
            raise _nope(
                src,
                f"vce({full}) is not supported",
                w0,
                w0 + len(words[0]),
                hint="use vce(robust) or vce(cluster var)",
            )
        bad = next((a for a in args if not _WORD.fullmatch(a)), None)
        if bad:
            raise _err(src, f"expected variable names in vce() (got {bad!r})", *_t(span))
        if name in ("cluster", "cr3") and not args:
            raise _err(
                src, f"vce({words[0]}) needs a cluster variable: vce(cluster school)", *_t(span)
            )
        if name in ("hc2", "hc3") and args:
            raise _nope(
                src,
                f"clustered vce({full} {' '.join(args)}) is not supported",
                *_t(span),
                hint="vce(jackknife, cluster(var)) gives the CR3 jackknife",
            )
        if args and name not in ("cluster", "cr3"):
            raise _err(
                src,
                f"vce({words[0]}) takes no variables (got {' '.join(args)!r})",
                *_t(span),
                hint=f"for clusters write vce(cluster {' '.join(args)})",
            )
        for m in re.finditer(r"(\w+)\s*(?:\(([^()]*)\))?", sub):
            a, b = at + len(head) + 1 + m.start(), at + len(head) + 1 + m.end()
            if name == "jackknife" and _abbrev(m.group(1), {"cluster": "cl"}) and m.group(2):
                name, args = "cr3", tuple(m.group(2).split())
            elif name != "jackknife" or m.group(1) not in ("nodots", "notable", "noheader"):
                raise _nope(src, f"vce({full}, {m.group(0)}) is not supported", a, b)
        if sep and not sub.strip():
            raise _err(src, "expected a suboption after ',' in vce()", *_t(span))
        return name, args, body.strip(), span

    def _absorb(self, arg: str, at: int) -> tuple[str, ...]:
        head, _, sub = arg.partition(",")
        if sub.strip() and sub.strip() != "savefe":
            raise _nope(
                self.src,
                f"absorb(..., {sub.strip()}) is not supported",
                at + len(head),
                at + len(arg),
            )
        out = []
        for m in re.finditer(r"\S+", head):
            tok, a, b = m.group(0), at + m.start(), at + m.end()
            if "=" in tok:
                raise _nope(
                    self.src,
                    "saving fixed effects (name=var) is not supported",
                    a,
                    b,
                    hint=f"write absorb({tok.split('=')[-1]})",
                )
            parts = [p.removeprefix("i.") for p in tok.split("#")]
            if "##" in tok or any(p.startswith("c.") for p in parts):
                raise _nope(
                    self.src, "heterogeneous slopes (a##c.x) in absorb() are not supported", a, b
                )
            if not all(_WORD.fullmatch(p) for p in parts):
                raise _err(self.src, f"expected variable names in absorb() (got {tok!r})", a, b)
            out.append("#".join(parts))
        if not out:
            raise _err(self.src, "absorb() needs a variable: absorb(firm)", at - 7, at + 1)
        return tuple(dict.fromkeys(out))

    def _check(self) -> None:
        src, cmd, flags = self.src, self.cmd, self.flags
        where = _t(Span(_command_start(src), _command_start(src) + len(cmd)))
        if cmd == "areg" and (len(self.absorb) != 1 or "#" in self.absorb[0]):
            raise _err(
                src,
                f"areg absorbs one variable: absorb(var) (got {self.absorb or 'none'})",
                *(_t(flags["absorb"]) if "absorb" in flags else where),
                hint="use reghdfe for several fixed effects",
            )
        if cmd == "reghdfe" and ("absorb" in flags) == ("noabsorb" in flags):
            raise _err(src, "reghdfe needs absorb(vars) or noabsorb (exactly one of them)", *where)
        if cmd != "xtreg":
            return
        if "fe" not in flags:
            raise _nope(
                src,
                "xtreg without fe fits random effects, which is not supported",
                *where,
                hint="add the option fe for the within estimator",
            )
        if self.panel is None or self.panel.id is None:
            raise _err(
                src,
                "xtreg needs the panel declared: xtset id [time]",
                *where,
                hint="add an 'xtset id year' line before it, or pass panel=PanelSpec(...)",
            )
        self.absorb = (self.panel.id,)

    def vce(self, weights: WeightSpec | None) -> VceSpec:
        req, rob, clu, src = self.req, self.robust, self.cluster, self.src
        if req is not None and (rob or clu):
            if req[0] == "jackknife" and clu and not rob:
                req = ("cr3", clu[0], f"{req[2]}, cluster({' '.join(clu[0])})", req[3])
            elif not (req[0] == "robust" and rob and not clu):
                other = clu[1] if clu else rob[1] if rob else req[3]
                raise _err(
                    src,
                    f"conflicting variance options: vce({req[2]}) and "
                    f"{src[other.start : other.end]}",
                    *_t(other),
                    hint="keep one of them",
                )
        if req is not None:
            name, args, text, span = req
        elif clu is not None:
            name, args, text, span = "cluster", clu[0], clu[2], clu[1]
        elif rob is not None:
            name, args, text, span = "robust", (), rob[0], rob[1]
        else:
            name, args, text, span = "ols", (), "", None
        if name == "jackknife":
            raise _nope(
                src,
                "vce(jackknife) without clusters is not supported",
                *_t(span),
                hint="the cluster jackknife (CR3) is: vce(jackknife, cluster(var))",
            )
        if weights is not None and weights.kind is WeightKind.PWEIGHT and name == "ols":
            if req is not None:
                raise _err(
                    src, "pweights need robust or cluster standard errors (got vce(ols))", *_t(span)
                )
            name = "robust"
        if self.cmd == "xtreg" and self.panel is not None and self.panel.id is not None:
            if name == "robust":
                name, args = "cluster", (self.panel.id,)
            elif name in ("hc0", "hc2", "hc3"):
                raise _err(
                    src,
                    f"xtreg, fe allows vce(conventional), vce(robust) or vce(cluster "
                    f"var) (got vce({text}))",
                    *_t(span),
                )
        return VceSpec(name=name, args=args, text=text, span=span)


def _t(span: Span | None) -> tuple[int, int]:
    return (span.start, span.end) if span else (0, 1)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, command text) with comments removed and ``///`` joined."""
    blanked = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    if "/*" in blanked:
        n = blanked[: blanked.index("/*")].count("\n") + 1
        raise StataSyntaxError(f"line {n}: unterminated /* comment: expected */")
    out: list[tuple[int, str]] = []
    buf, first, comment = "", 0, False
    for n, raw in enumerate(blanked.split("\n"), 1):
        raw = raw.rstrip("\r")
        if comment or (not buf and raw.lstrip().startswith("*")):
            code, cont = "", raw.rstrip().endswith("///")
            comment = cont
        else:
            code, cont = _cut_comment(raw)
        first = first or n
        buf += code
        if cont:
            buf += " "
            continue
        out.append((first, buf))
        buf, first = "", 0
    if first:
        out.append((first, buf))
    return out


def _cut_comment(line: str) -> tuple[str, bool]:
    quote = False
    for i, ch in enumerate(line):
        if ch == '"':
            quote = not quote
        elif not quote and line.startswith("//", i) and (i == 0 or line[i - 1].isspace()):
            return line[:i], line.startswith("///", i)
    return line, False


def parse_do(text: str) -> list[ModelSpec]:
    """Parse a do-file fragment: estimation commands, ``xtset``/``tsset``, comments.

    ``xtset id time`` (or ``tsset time``) declares the panel for the commands after it;
    ``//``, ``/* */`` and ``*`` comments, blank lines and ``///`` continuations are handled.
    Any other command (``use``, ``gen``, ...) is an error naming it and its line.

    Examples
    --------
    >>> specs = parse_do('''
    ... xtset firm year
    ... * the baseline
    ... reg y x, vce(cluster firm)   // clustered
    ... xtreg y x L.x, ///
    ...     fe vce(robust)
    ... ''')
    >>> [(s.command, s.formula, s.vce.args) for s in specs]
    [('regress', 'y ~ x', ('firm',)), ('xtreg', 'y ~ x + L1__x', ('firm',))]
    """
    if not isinstance(text, str):
        raise StataSyntaxError(f"expected the do-file as a string (got {type(text).__name__})")
    panel: PanelSpec | None = None
    specs: list[ModelSpec] = []
    for n, line in _logical_lines(text):
        if not line.strip():
            continue
        try:
            start = _ws(line, 0)
            m = _WORD.match(line, start)
            word = m.group(0) if m else line[start:].split()[0]
            if word in ("xtset", "tsset"):
                panel = _panel_line(line, word, panel, start + len(word))
            elif is_stata_command(line) or closest(word, COMMANDS):
                specs.append(_parse_line(line, panel))
            else:
                raise _nope(
                    line,
                    f"{word!r} is not an estimation command; parse_do reads "
                    f"{', '.join(COMMANDS)}, xtset and tsset lines",
                    start,
                    start + len(word),
                    hint="load and prepare the data with pandas",
                )
        except VceregError as exc:
            raise type(exc)(
                f"line {n}: {exc.message}", source=exc.source, span=exc.span, hint=exc.hint
            ) from None
    return specs


_UNITS = frozenset((
    "clear", "generic", "yearly", "halfyearly", "quarterly", "monthly", "weekly", "daily",
    "clocktime", "noquery",
))  # fmt: skip


def _panel_line(line: str, word: str, panel: PanelSpec | None, at: int) -> PanelSpec | None:
    comma = _top_comma(line, at)
    names = line[at:comma].split()
    for m in re.finditer(r"(\w+)\s*(?:\(([^()]*)\))?", line[comma + 1 :]):
        a, b = comma + 1 + m.start(), comma + 1 + m.end()
        if m.group(1) == "clear":
            return None
        if m.group(1) == "delta" and (m.group(2) or "").strip() not in ("1", ""):
            raise _nope(line, f"{word} with delta({m.group(2)}) is not supported", a, b)
        if m.group(1) not in _UNITS | {"delta", "format"}:
            raise _err(line, f"option {m.group(1)} not allowed with {word}", a, b)
    bad = next((x for x in names if not _WORD.fullmatch(x)), None)
    if bad or len(names) > 2:
        raise _err(line, f"expected {word} panelvar timevar (got {' '.join(names)!r})", at, comma)
    if not names:
        return panel
    if len(names) == 2:
        return PanelSpec(names[0], names[1])
    return PanelSpec(names[0], None) if word == "xtset" else PanelSpec(None, names[0])


def unparse(spec: ModelSpec) -> str:
    """Write a spec as one Stata command line; ``parse(unparse(s))`` gives back ``s``
    (up to ``source`` and the spans) for specs from :func:`parse`.

    Specs from the DSL are written when Stata can say the same thing; otherwise
    ``NotSupportedError`` (e.g. Python-syntax ``if()`` filters, arbitrary formula code).

    >>> unparse(parse("reg y i.g c.x##c.x [pw=w] if x > 0 in 1/50, l(90)"))
    'regress y i.g x c.x#c.x if x > 0 in 1/50 [pw=w], level(90)'
    """
    cmd = spec.command if spec.command in COMMANDS else _command_for(spec)
    dep, terms, constant = formula_to_stata(spec.formula, spec.tsvars)
    words = [cmd, *(["2sls"] if cmd == "ivregress" else []), dep, *terms]
    if spec.iv is not None:
        endog = formula_to_stata("_ ~ " + " + ".join(spec.iv.endog), spec.tsvars)[1]
        inst = formula_to_stata("_ ~ " + " + ".join(spec.iv.instruments), spec.tsvars)[1]
        words.append(f"({' '.join(endog)} = {' '.join(inst)})")
    if spec.sample is not None:
        if spec.sample.dialect is not Dialect.STATA:
            raise NotSupportedError("the if() filter is in Python syntax; no Stata spelling")
        words.append(f"if {spec.sample.expr}")
    if spec.in_range is not None:
        words.append(f"in {_obs_text(spec.in_range.first)}/{_obs_text(spec.in_range.last)}")
    if spec.weights is not None:
        words.append(f"[{_WEIGHTS[spec.weights.kind.value]}={spec.weights.var}]")
    opts = []
    if cmd == "xtreg":
        opts.append("fe")
    elif spec.absorb or cmd == "reghdfe":
        opts.append(f"absorb({' '.join(spec.absorb)})" if spec.absorb else "noabsorb")
    if not constant and cmd in ("regress", "ivregress"):
        opts.append("noconstant")
    if spec.level != 95.0:
        opts.append(f"level({spec.level:g})")
    if spec.iv is not None and spec.ssc.small:
        opts.append("small")
    if spec.ssc != (
        SmallSample.preset("asymptotic") if spec.iv and not spec.ssc.small else SmallSample()
    ):
        raise NotSupportedError(
            f"no Stata spelling for the small-sample conventions {spec.ssc.name!r}"
        )
    v = spec.vce
    tries = [f"vce({v.text})"] if v.text else [""]
    alias = _VCE.get(v.name, ("", v.name))[1]
    canonical = {"ols": "vce(ols)", "cr3": f"vce(jackknife, cluster({' '.join(v.args)}))"}
    tries += [canonical.get(alias, f"vce({' '.join((alias, *v.args))})"), ""]
    first: VceregError | None = None
    for vce in tries:
        line = " ".join(words) + (", " + " ".join([*opts, vce]).strip() if opts or vce else "")
        try:
            got = _parse_line(line, spec.panel).vce
        except VceregError as exc:
            first = first or exc
            continue
        if (got.name, got.args, got.options) == (alias, v.args, v.options):
            return line
    reason = f": {first.message}" if first else f" with vce {v}"
    raise NotSupportedError(f"cannot write this model as a Stata command{reason}")


def _command_for(spec: ModelSpec) -> str:
    if spec.iv is not None:
        return "ivreghdfe" if spec.absorb else "ivregress"
    if spec.estimator in ("areg", "xtreg_fe"):
        return {"areg": "areg", "xtreg_fe": "xtreg"}[spec.estimator]
    return "reghdfe" if spec.absorb else "regress"


def _obs_text(n: int) -> str:
    return "l" if n == -1 else str(n)
