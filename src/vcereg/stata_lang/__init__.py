"""Stata command lines → :class:`~vcereg.spec.ModelSpec`, and back.

``parse("regress G3 absences, vce(cluster school)")`` gives the model of the DSL's
``"G3 ~ absences | vce(cluster school)"``. Commands: ``regress`` (``reg``, ``re``), ``areg``,
``reghdfe``, ``ivregress 2sls``, ``ivreghdfe`` and ``xtreg, fe``; the ``if``, ``in`` and
``[aw|fw|pw=var]`` qualifiers; factor-variable and time-series notation (see
:mod:`vcereg.stata_lang.factors`); options with Stata's minimal abbreviations (:data:`OPTIONS`).
:func:`parse_do` reads a do-file fragment (comments, ``///``, ``xtset``/``tsset``) and
:func:`unparse` writes a spec back as a command line.

This module is the public entry point; the work is done in

* :mod:`vcereg.stata_lang.command` -- one command line: command word, prefixes, ``parse_line``;
* :mod:`vcereg.stata_lang.varlist` -- the variable-list grammar (factor-variable and
  time-series notation), :mod:`vcereg.stata_lang.operators` its operator prefixes;
* :mod:`vcereg.stata_lang.qualifiers` -- ``if``, ``in`` and ``[weight]``;
* :mod:`vcereg.stata_lang.options` -- the option tables, ``vce()`` and ``absorb()``;
* :mod:`vcereg.stata_lang.do` -- do-file fragments: comments, ``///``, ``xtset``/``tsset``;
* :mod:`vcereg.stata_lang.factors` -- terms → formulaic, data-dependent base levels;
* :mod:`vcereg.stata_lang.syntax` -- scanning helpers and error spans shared by the above.
"""

from __future__ import annotations

from ..errors import NotSupportedError, StataSyntaxError, VceregError
from ..spec import Dialect, ModelSpec, PanelSpec, SmallSample
from .command import COMMANDS, is_stata_command, parse_line
from .do import logical_lines, panel_line, parse_do
from .ivoptions import iv_words
from .mloptions import ML_COMMANDS, ml_option_words
from .naming import formula_to_stata
from .options import OPTIONS, VCE_NAMES
from .qualifiers import WEIGHT_ABBREVS

__all__ = ["COMMANDS", "OPTIONS", "is_stata_command", "parse", "parse_do", "unparse"]


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
    >>> v = parse("xtset firm year\\nnewey y x, lag(2)").vce
    >>> v.name, v.args, v.options
    ('hac', ('year', 'firm'), (('lags', '2'),))
    """
    if not isinstance(line, str):
        raise StataSyntaxError(f"expected a Stata command as a string (got {type(line).__name__})")
    src = line
    if any(t in line for t in ("\n", "//", "/*")) or line.lstrip().startswith("*"):
        commands = []
        for _, _, text in logical_lines(line):
            word = text.split()[0] if text.strip() else ""
            if word in ("xtset", "tsset"):
                panel = panel_line(text, word, panel, text.index(word) + len(word))
            elif text.strip():
                commands.append(text)
        if len(commands) != 1:
            raise StataSyntaxError(
                f"expected one estimation command, after any xtset/tsset lines (got "
                f"{len(commands)}); use parse_do for several"
            )
        src = commands[0]
    return parse_line(src, panel)


def unparse(spec: ModelSpec) -> str:
    """Write a spec as one Stata command line; ``parse(unparse(s))`` gives back ``s``
    (up to ``source`` and the spans) for specs from :func:`parse`.

    Specs from the DSL are written when Stata can say the same thing; otherwise
    ``NotSupportedError`` (e.g. Python-syntax ``if()`` filters, arbitrary formula code).

    >>> unparse(parse("reg y i.g c.x##c.x [pw=w] if x > 0 in 1/50, l(90)"))
    'regress y i.g x c.x#c.x if x > 0 in 1/50 [pw=w], level(90)'
    """
    if spec.did is not None:
        raise NotSupportedError(
            "writing a DiD model back as a Stata line is not available; "
            "vcereg.to_dsl(spec) writes its model string"
        )
    # newey/xtscc lines are written back as regress/xtreg with their vce(hac|dk ...)
    native = spec.command in COMMANDS and spec.command not in ("newey", "xtscc")
    cmd = spec.command if native and spec.command else _command_for(spec)
    dep, terms, constant = formula_to_stata(spec.formula, spec.tsvars)
    iv_opts: list[str] = []
    if spec.iv is not None:
        cmd, iv_opts = iv_words(spec.iv, cmd)
    method = iv_opts.pop(0) if cmd == "ivregress" else None
    words = [cmd, *([method] if method else []), dep, *terms]
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
        words.append(f"[{WEIGHT_ABBREVS[spec.weights.kind.value]}={spec.weights.var}]")
    opts = []
    if cmd == "xtreg":
        opts += _XTREG_MODELS.get(spec.estimator, ["fe"])
    elif spec.absorb or cmd == "reghdfe":
        opts.append(f"absorb({' '.join(spec.absorb)})" if spec.absorb else "noabsorb")
    if not constant and cmd in ("regress", "ivregress", "ivreg2", *ML_COMMANDS):
        opts.append("noconstant")
    if spec.family is not None:
        opts += ml_option_words(spec.family)
    opts += iv_opts
    if spec.level != 95.0:
        opts.append(f"level({spec.level:g})")
    if spec.beta and cmd == "regress":
        opts.append("beta")
    ivreg2 = cmd in ("ivreg2", "ivreghdfe")
    if (spec.iv is not None or ivreg2) and spec.ssc.small:
        opts.append("small")
    large = SmallSample.preset("ivreg2" if ivreg2 else "asymptotic")
    if spec.ssc != (large if (spec.iv or ivreg2) and not spec.ssc.small else SmallSample()):
        raise NotSupportedError(
            f"no Stata spelling for the small-sample conventions {spec.ssc.name!r}"
        )
    v = spec.vce
    tries = [f"vce({v.text})"] if v.text else [""]
    alias = VCE_NAMES.get(v.name, ("", v.name))[1]
    canonical = {"ols": "vce(ols)", "cr3": f"vce(jackknife, cluster({' '.join(v.args)}))"}
    tries += [canonical.get(alias, f"vce({' '.join((alias, *v.args))})"), ""]
    if cmd == "ivreg2":  # no vce() option: robust, cluster(vars)
        tries = [{"robust": "robust", "cluster": f"cluster({' '.join(v.args)})"}.get(alias, "")]
    first: VceregError | None = None
    for vce in tries:
        line = " ".join(words) + (", " + " ".join([*opts, vce]).strip() if opts or vce else "")
        try:
            got = parse_line(line, spec.panel).vce
        except VceregError as exc:
            first = first or exc
            continue
        if (got.name, got.args, got.options) == (alias, v.args, v.options):
            return line
    reason = f": {first.message}" if first else f" with vce {v}"
    raise NotSupportedError(f"cannot write this model as a Stata command{reason}")


_XTREG_MODELS = {
    "xtreg_fe": ["fe"],
    "xtreg_re": ["re"],
    "xtreg_be": ["be"],
    "xtreg_be_wls": ["be", "wls"],
}


def _command_for(spec: ModelSpec) -> str:
    if spec.family is not None:
        return spec.family.model if spec.family.model in ML_COMMANDS else "glm"
    if spec.iv is not None:
        return "ivreghdfe" if spec.absorb else "ivregress"
    if spec.estimator.startswith("xtreg_"):
        return "xtreg"
    if spec.estimator == "areg":
        return "areg"
    return "reghdfe" if spec.absorb else "regress"


def _obs_text(n: int) -> str:
    return "l" if n == -1 else str(n)
