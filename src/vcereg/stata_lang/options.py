"""Options of Stata estimation commands: the per-command tables, ``vce()`` and ``absorb()``.

:data:`OPTIONS` lists, for each command, the options it accepts with Stata's minimal
abbreviations; :class:`Options` reads the text after the comma against that table, checks
the combinations (``areg`` absorbs one variable, ``reghdfe`` needs ``absorb()`` or
``noabsorb``, ``xtreg`` needs a panel and at most one of ``fe``, ``re`` (the default) and
``be``) and combines ``vce()``, ``robust`` and
``cluster()`` into one :class:`~vcereg.spec.VceSpec`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..dsl import parse_vce
from ..errors import Span, UnknownVceError, closest
from ..spec import PanelSpec, VceSpec, WeightKind, WeightSpec
from .fe_ml_options import FE_ML_ACTIONS, FE_ML_OPTIONS, fe_ml_groups, fe_ml_vce
from .ivoptions import IV_ACTIONS, ivregress_hac
from .mloptions import ML_ACTIONS, ML_OPTIONS
from .syntax import (
    WORD,
    expand_abbrev,
    matching_paren,
    skip_ws,
    span_bounds,
    syntax_error,
    unsupported,
)

__all__ = ["OPTIONS", "VCE_NAMES", "Options"]

_DISPLAY = (
    " noheader:nohe notable:notab noomitted:noomit vsquish:vsq noemptycells:noempty "
    "baselevels:base allbaselevels:allb nofvlabel:nofvlab fvwrap( fvwrapon( cformat( pformat( "
    "sformat( nolstretch:nolstr coeflegend:coefl noci nopvalues:nopv"
)
_COMMON = "vce(=vce robust:r=robust cluster(:cl=cluster level(:l=level "
#: Options per command, as ``name[(][:minimal][=action]``: ``(`` takes an argument, no
#: action means accepted and ignored (display or computation only), ``=no`` is refused.
OPTIONS: dict[str, str] = {
    "regress": _COMMON + "noconstant:noc=nocons beta=beta eform( depname( hascons=no tsscons=no "
    "mse1=no" + _DISPLAY,
    "areg": _COMMON + "absorb(:a=absorb" + _DISPLAY,
    "reghdfe": _COMMON + "absorb(:a=absorb noabsorb:noa=noabsorb noconstant:noc "
    "nofootnote:nofoot tolerance(:tol maxiterations(:maxit verbose(:v poolsize( compact "
    "keepsingletons=no dofadjustments(:dof=no residuals(:resid=no groupvar(=no" + _DISPLAY,
    "ivregress": _COMMON + "noconstant:noc=nocons small=small first hascons=no "
    "wmatrix(:wmat=wmatrix center:c=center igmm:i=igmm eps( weps( perfect" + _DISPLAY,
    "ivreghdfe": _COMMON
    + "absorb(:a=absorb small=small first ffirst noconstant:noc partial(=no liml=liml "
    "fuller(=fuller kclass(:k=kclass gmm2s=gmm2s center=center cue=no" + _DISPLAY,
    "ivreg2": "robust:r=robust cluster(:cl=cluster level(:l=level small:sm=small first ffirst "
    "noconstant:noc=nocons liml=liml fuller(=fuller kclass(=kclass gmm2s=gmm2s center=center "
    "partial(=no bw(=no kernel(=no dkraay(=no kiefer=no cue=no coviv=no b0(=no endog(=no "
    "orthog(=no redundant(=no smatrix(=no wmatrix(=no savefirst=no rf saverf=no noid "
    "nocollin=no nofooter:nofo eform( depname(" + _DISPLAY,
    "xtreg": _COMMON + "fe=fe re=re be=be wls=wls sa=no mle=no pa=no theta i(=panel" + _DISPLAY,
    "newey": "lag(=lag force=force noconstant:noc=nocons level(:l=level" + _DISPLAY,
    "xtscc": "lag(=lag fe=fe pooled:pool=pooled ase=ase re=no noconstant:noc=nocons "
    "level(:l=level" + _DISPLAY,
}
# maximum-likelihood commands (glm's link() takes the abbreviation l, so level is spelled out)
OPTIONS |= {
    cmd: (text if cmd != "glm" else text.replace("level(:l=", "level(:level=")) + _DISPLAY
    for cmd, text in ML_OPTIONS.items()
}
OPTIONS |= {cmd: text + _DISPLAY for cmd, text in FE_ML_OPTIONS.items()}
#: vce() names and their minimal abbreviations → canonical registry name
VCE_NAMES = {
    "ols": ("ols", "ols"), "conventional": ("conv", "ols"), "unadjusted": ("unadj", "ols"),
    "iid": ("iid", "ols"), "robust": ("r", "robust"), "hc1": ("hc1", "robust"),
    "hc0": ("hc0", "hc0"), "hc2": ("hc2", "hc2"), "hc3": ("hc3", "hc3"),
    "cluster": ("cl", "cluster"), "cr1": ("cr1", "cluster"), "cr3": ("cr3", "cr3"),
    "jackknife": ("jack", "jackknife"), "bootstrap": ("boot", "bootstrap"), "hac": ("hac", "hac"),
    "cr2": ("cr2", "cr2"), "dk": ("dk", "dk"), "twoway": ("twoway", "cluster"),
    "wild": ("wild", "wild"), "oim": ("oim", "oim"), "opg": ("opg", "opg"),
    "eim": ("eim", "eim"),
}  # fmt: skip
# vce() types whose suboptions are passed to the registry: name -> {spelling: option}
_PASSED = {
    "hc2": {"dfadjust": "dfadjust"},
    "cr2": {"dfadjust": "dfadjust"},
    "hac": {"lags": "lags", "lag": "lags", "kernel": "kernel"},
    "dk": {"lags": "lags", "lag": "lags", "kernel": "kernel", "ase": "ase"},
}
_WITH_VARS = ("cluster", "cr3", "hc2", "cr2", "hac", "dk")
#: vce() types whose arguments and suboptions the variance registry checks itself
_REGISTRY_SYNTAX = {"wild"}


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


class Options:
    """The options after the comma, checked against the command's table, then combined.

    ``src`` is the whole line, ``cmd`` the full command name and ``cmd_at`` where it is typed
    (for carets), ``comma`` the index of the comma before the options (``len(src)`` if none).
    After construction: ``nocons``, ``level``, ``absorb``, ``panel`` (``xtreg, i()`` may set
    it) and ``flags`` (action → where it was given); :meth:`vce` combines the variance
    options.
    """

    def __init__(
        self, src: str, cmd: str, panel: PanelSpec | None, comma: int, cmd_at: int
    ) -> None:
        self.src, self.cmd, self.panel, self.cmd_at = src, cmd, panel, cmd_at
        self.nocons, self.level = False, 95.0
        self.lag: str | None = None
        self.absorb: tuple[str, ...] = ()
        self.estimator: str | None = None  # xtreg's model: xtreg_fe, xtreg_re, xtreg_be(_wls)
        self.req: tuple[str, tuple[str, ...], str, Span] | None = None
        self.vce_options: list[tuple[str, str]] = []
        self.req_spec: VceSpec | None = None  # for _REGISTRY_SYNTAX types
        self.robust: tuple[str, Span] | None = None
        self.cluster: tuple[tuple[str, ...], Span, str] | None = None
        self.flags: dict[str, Span] = {}
        self.iv_opts: dict[str, tuple[str, Span]] = {}  # see ivoptions.IV_ACTIONS
        self.ml_opts: dict[str, tuple[str, Span]] = {}  # see mloptions.ML_ACTIONS
        table = _table(cmd)
        i = comma + 1
        while (i := skip_ws(src, i)) < len(src):
            m = WORD.match(src, i)
            if m is None:
                raise syntax_error(src, f"expected an option name (got {src[i]!r})", i, i + 1)
            word, j, arg = m.group(0).lower(), m.end(), None
            if src[j : j + 1] == "(":
                close = matching_paren(src, j)
                if close is None:
                    raise syntax_error(
                        src, "unbalanced '(': expected ')' to close the option", j, j + 1
                    )
                arg, j = src[j + 1 : close], close + 1
            opt = next((o for o in table if o.name == word), None) or next(
                (o for o in table if o.name.startswith(word) and len(word) >= len(o.minimal)), None
            )
            if opt is None:
                near = closest(word, [o.name for o in table])
                raise syntax_error(
                    src,
                    f"option {word} not allowed with {cmd}",
                    i,
                    m.end(),
                    hint=f"did you mean {near}?" if near else None,
                )
            if opt.takes_arg and arg is None:
                raise syntax_error(
                    src, f"option {opt.name}() needs an argument: {opt.name}(...)", i, j
                )
            if not opt.takes_arg and arg is not None:
                raise syntax_error(
                    src, f"option {opt.name} takes no argument (got {word}({arg}))", i, j
                )
            if opt.action == "no":
                raise unsupported(src, f"option {opt.name} of {cmd} is not supported", i, j)
            if opt.action and opt.action in self.flags:
                raise syntax_error(src, f"option {opt.name} given twice", i, j)
            self.flags[opt.action] = Span(i, j)
            self._apply(opt.action, arg or "", m.end() + 1, word, Span(i, j))
            i = j
        self._check()

    def _apply(self, action: str, arg: str, at: int, word: str, span: Span) -> None:
        src = self.src
        if action in IV_ACTIONS:
            self.iv_opts[action] = (arg, span)
        elif action in ML_ACTIONS or action in FE_ML_ACTIONS:
            self.ml_opts[action] = (arg, span)
        elif action == "vce":
            if self.cmd == "ivregress":  # ivregress's vce(hac kernel #) → vce(hac t, lags(#))
                arg = ivregress_hac(src, arg, span, self.panel) or arg
            self.req = self._vce_body(arg, at)
        elif action == "robust":
            self.robust = (word, span)
        elif action == "cluster":
            names = tuple(arg.split())
            bad = next((n for n in names if not WORD.fullmatch(n)), None)
            if not names or bad:
                raise syntax_error(
                    src,
                    f"expected cluster variable names in {word}() (got {arg!r})",
                    *span_bounds(span),
                )
            self.cluster = (names, span, f"{word} {' '.join(names)}")
        elif action == "level":
            try:
                self.level = float(arg)
            except ValueError:
                self.level = -1.0
            if not 10 <= self.level <= 99.99:
                raise syntax_error(
                    src,
                    f"level() must be a number from 10 to 99.99 (got {arg.strip()!r})",
                    *span_bounds(span),
                )
        elif action == "nocons":
            self.nocons = True
        elif action == "lag":
            if not arg.strip().isdigit():
                raise syntax_error(
                    src,
                    f"lag() must be a non-negative integer (got {arg.strip()!r})",
                    *span_bounds(span),
                )
            self.lag = arg.strip()
        elif action == "absorb":
            self.absorb = self._absorb(arg, at)
        elif action == "panel":
            if not WORD.fullmatch(arg.strip()):
                raise syntax_error(
                    src, f"expected the panel variable in i() (got {arg!r})", *span_bounds(span)
                )
            self.panel = PanelSpec(arg.strip(), self.panel.time if self.panel else None)

    def _vce_body(self, body: str, at: int) -> tuple[str, tuple[str, ...], str, Span]:
        src, span = self.src, Span(at, at + len(body))
        head, sep, sub = body.partition(",")
        words = head.split()
        if not words:
            raise syntax_error(
                src,
                "vce() is empty: expected ols, robust, cluster var, hc2 or hc3",
                at - 4,
                at + len(body) + 1,
            )
        w0 = at + body.index(words[0])
        full = expand_abbrev(words[0], {k: v[0] for k, v in VCE_NAMES.items()})
        if full is None:
            near = closest(words[0], list(VCE_NAMES))
            raise UnknownVceError(
                f"unknown vce type {words[0]!r}; expected ols, robust, cluster, hc2, hc3 or "
                "jackknife",
                source=src,
                span=Span(w0, w0 + len(words[0])),
                hint=f"did you mean {near}?" if near else None,
            )
        name, args = VCE_NAMES[full][1], tuple(words[1:])
        if name in _REGISTRY_SYNTAX:
            self.req_spec = parse_vce(body, source=src, offset=at)
            return name, args, body.strip(), span
        if name == "bootstrap":
            raise unsupported(
                src,
                f"vce({full}) is not supported",
                w0,
                w0 + len(words[0]),
                hint="use vce(robust) or vce(cluster var)",
            )
        bad = next((a for a in args if not WORD.fullmatch(a)), None)
        if bad:
            raise syntax_error(
                src, f"expected variable names in vce() (got {bad!r})", *span_bounds(span)
            )
        if name in ("cluster", "cr3", "cr2") and not args:
            raise syntax_error(
                src,
                f"vce({words[0]}) needs a cluster variable: vce(cluster school)",
                *span_bounds(span),
            )
        if name in ("hac", "dk") and not args:
            raise syntax_error(
                src,
                f"vce({words[0]}) needs the time variable: vce({name} year, lags(2))",
                *span_bounds(span),
            )
        if full == "twoway" and len(args) != 2:
            raise syntax_error(
                src,
                f"vce(twoway ...) takes two cluster variables (got {len(args)})",
                *span_bounds(span),
                hint="e.g. vce(twoway firm year)",
            )
        if name == "hc3" and args:
            raise unsupported(
                src,
                f"clustered vce({full} {' '.join(args)}) is not supported",
                *span_bounds(span),
                hint="vce(jackknife, cluster(var)) gives the CR3 jackknife",
            )
        if name == "hc2" and len(args) > 1:
            raise syntax_error(
                src, "vce(hc2 clustvar) takes one cluster variable", *span_bounds(span)
            )
        if args and name not in _WITH_VARS:
            raise syntax_error(
                src,
                f"vce({words[0]}) takes no variables (got {' '.join(args)!r})",
                *span_bounds(span),
                hint=f"for clusters write vce(cluster {' '.join(args)})",
            )
        for m in re.finditer(r"(\w+)\s*(?:\(([^()]*)\))?", sub):
            a, b = at + len(head) + 1 + m.start(), at + len(head) + 1 + m.end()
            if name == "jackknife" and expand_abbrev(m.group(1), {"cluster": "cl"}) and m.group(2):
                name, args = "cr3", tuple(m.group(2).split())
            elif m.group(1).lower() in _PASSED.get(name, {}):
                key = _PASSED[name][m.group(1).lower()]
                self.vce_options.append((key, (m.group(2) or "").strip()))
            elif name != "jackknife" or m.group(1) not in ("nodots", "notable", "noheader"):
                raise unsupported(src, f"vce({full}, {m.group(0)}) is not supported", a, b)
        if sep and not sub.strip():
            raise syntax_error(src, "expected a suboption after ',' in vce()", *span_bounds(span))
        return name, args, body.strip(), span

    def _absorb(self, arg: str, at: int) -> tuple[str, ...]:
        head, _, sub = arg.partition(",")
        if sub.strip() and sub.strip() != "savefe":
            raise unsupported(
                self.src,
                f"absorb(..., {sub.strip()}) is not supported",
                at + len(head),
                at + len(arg),
            )
        out = []
        for m in re.finditer(r"\S+", head):
            tok, a, b = m.group(0), at + m.start(), at + m.end()
            if "=" in tok:
                raise unsupported(
                    self.src,
                    "saving fixed effects (name=var) is not supported",
                    a,
                    b,
                    hint=f"write absorb({tok.split('=')[-1]})",
                )
            parts = [p.removeprefix("i.") for p in tok.split("#")]
            if "##" in tok or any(p.startswith("c.") for p in parts):
                raise unsupported(
                    self.src, "heterogeneous slopes (a##c.x) in absorb() are not supported", a, b
                )
            if not all(WORD.fullmatch(p) for p in parts):
                raise syntax_error(
                    self.src, f"expected variable names in absorb() (got {tok!r})", a, b
                )
            out.append("#".join(parts))
        if not out:
            raise syntax_error(self.src, "absorb() needs a variable: absorb(firm)", at - 7, at + 1)
        return tuple(dict.fromkeys(out))

    def _check(self) -> None:
        src, cmd, flags = self.src, self.cmd, self.flags
        where = (self.cmd_at, self.cmd_at + len(cmd))
        if cmd in ("newey", "xtscc"):
            self._check_time_series(where)
            return
        if cmd == "areg" and (len(self.absorb) != 1 or "#" in self.absorb[0]):
            raise syntax_error(
                src,
                f"areg absorbs one variable: absorb(var) (got {self.absorb or 'none'})",
                *(span_bounds(flags["absorb"]) if "absorb" in flags else where),
                hint="use reghdfe for several fixed effects",
            )
        if cmd == "reghdfe" and ("absorb" in flags) == ("noabsorb" in flags):
            raise syntax_error(
                src, "reghdfe needs absorb(vars) or noabsorb (exactly one of them)", *where
            )
        if cmd in FE_ML_OPTIONS:
            self.absorb = fe_ml_groups(cmd, self.absorb, self.ml_opts, self.panel, src, where)
            return
        if cmd != "xtreg":
            return
        models = [m for m in ("fe", "re", "be") if m in flags]
        if len(models) > 1:
            raise syntax_error(
                src,
                f"xtreg fits one model: options {' and '.join(models)} cannot be combined",
                *span_bounds(flags[models[1]]),
                hint="fe (within), re (random effects, the default) or be (between)",
            )
        if "wls" in flags and models != ["be"]:
            raise syntax_error(
                src, "option wls needs be: xtreg y x, be wls", *span_bounds(flags["wls"])
            )
        model = models[0] if models else "re"
        self.estimator = "xtreg_be_wls" if "wls" in flags else f"xtreg_{model}"
        if self.panel is None or self.panel.id is None:
            raise syntax_error(
                src,
                "xtreg needs the panel declared: xtset id [time]",
                *where,
                hint="add an 'xtset id year' line before it, or pass panel=PanelSpec(...)",
            )
        if model == "fe":
            self.absorb = (self.panel.id,)

    def _check_time_series(self, where: tuple[int, int]) -> None:
        """newey needs tsset (and lag()); xtscc needs a panel and a time variable."""
        src, cmd, flags, panel = self.src, self.cmd, self.flags, self.panel
        if panel is None or panel.time is None:
            raise syntax_error(
                src,
                f"{cmd} needs the data declared as time series: tsset time or xtset id time",
                *where,
                hint=f"add a 'tsset year' (or 'xtset firm year') line before the {cmd} line",
            )
        if cmd == "newey" and self.lag is None:
            raise syntax_error(src, "newey requires the option lag(#)", *where)
        if cmd == "xtscc" and "fe" in flags:
            if "pooled" in flags:
                raise syntax_error(src, "xtscc: fe and pooled cannot be combined", *where)
            if panel.id is None:
                raise syntax_error(src, "xtscc, fe needs a panel: xtset id time", *where)
            self.absorb = (panel.id,)

    def _time_series_vce(self) -> VceSpec:
        """newey → vce(hac time [panel], lags(#)); xtscc → vce(dk time, lags(#) [ase])."""
        assert self.panel is not None and self.panel.time is not None  # by _check
        opts = [("lags", self.lag)] if self.lag is not None else []
        if self.cmd == "newey":
            args = (self.panel.time, *([self.panel.id] if self.panel.id else []))
            name = "hac"
        else:  # the panel, when declared, lets vce(dk) check one observation per period
            args, name = (self.panel.time, *([self.panel.id] if self.panel.id else [])), "dk"
            opts += [("ase", "")] if "ase" in self.flags else []
        spec = VceSpec(name=name, args=args, options=tuple(sorted(opts)))
        return VceSpec(name, args, spec.options, str(spec)[4:-1], None)

    def vce(self, weights: WeightSpec | None) -> VceSpec:
        if self.cmd in ("newey", "xtscc"):
            return self._time_series_vce()
        req, rob, clu, src = self.req, self.robust, self.cluster, self.src
        if req is not None and (rob or clu):
            if req[0] == "jackknife" and clu and not rob:
                req = ("cr3", clu[0], f"{req[2]}, cluster({' '.join(clu[0])})", req[3])
            elif not (req[0] == "robust" and rob and not clu):
                other = clu[1] if clu else rob[1] if rob else req[3]
                raise syntax_error(
                    src,
                    f"conflicting variance options: vce({req[2]}) and "
                    f"{src[other.start : other.end]}",
                    *span_bounds(other),
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
            raise unsupported(
                src,
                "vce(jackknife) without clusters is not supported",
                *span_bounds(span),
                hint="the cluster jackknife (CR3) is: vce(jackknife, cluster(var))",
            )
        if weights is not None and weights.kind is WeightKind.PWEIGHT and name == "ols":
            if req is not None:
                raise syntax_error(
                    src,
                    "pweights need robust or cluster standard errors (got vce(ols))",
                    *span_bounds(span),
                )
            name = "robust"
        if self.cmd == "xtreg" and self.panel is not None and self.panel.id is not None:
            model = (self.estimator or "xtreg_fe").split("_")[1]
            if model == "be" and name != "ols":
                raise unsupported(
                    src,
                    f"xtreg, be allows only vce(conventional) (got {text})",
                    *span_bounds(span),
                    hint="the Python API accepts vce('robust') on the panel means",
                )
            if name == "robust":
                name, args = "cluster", (self.panel.id,)
            elif name in ("hc0", "hc2", "hc3"):
                raise syntax_error(
                    src,
                    f"xtreg, {model} allows vce(conventional), vce(robust) or vce(cluster "
                    f"var) (got vce({text}))",
                    *span_bounds(span),
                )
        if self.cmd in FE_ML_OPTIONS:
            name, args = fe_ml_vce(self.cmd, name, args, self.absorb)
        if name in _REGISTRY_SYNTAX and self.req_spec is not None:
            return self.req_spec
        options = tuple(sorted(self.vce_options)) if req is not None else ()
        return VceSpec(name=name, args=args, options=options, text=text, span=span)
