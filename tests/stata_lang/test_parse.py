"""Stata command lines → ModelSpec: a table of do-file lines, a table of malformed lines
(exception, message and caret), parse_do, round trips, and equivalence with the DSL on data.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg import dsl
from vcereg.errors import (
    ExpressionError,
    NotSupportedError,
    Span,
    StataSyntaxError,
    UnknownVceError,
    VceregError,
)
from vcereg.spec import (
    Dialect,
    IVSpec,
    ModelSpec,
    PanelSpec,
    RowRange,
    SampleSpec,
    SmallSample,
    WeightKind,
)
from vcereg.stata_lang import is_stata_command, parse, parse_do, unparse
from vcereg.stata_lang.factors import has_pending_bases, resolve_bases

P = PanelSpec("id", "year")
AW, FW, PW = WeightKind.AWEIGHT, WeightKind.FWEIGHT, WeightKind.PWEIGHT
CL_SCHOOL = ("cluster", ("school",))
G = "G3 ~ absences"

# (line, panel, expected fields). "vce" is (name, args); "weights" is (var, kind);
# "sample" the expression text; other keys are ModelSpec attributes.
VALID: list[tuple[str, PanelSpec | None, dict[str, Any]]] = [
    ("regress G3 absences, vce(cluster school)", None, {"formula": G, "vce": CL_SCHOOL}),
    ("reg G3 absences", None, {"formula": G, "vce": ("ols", ()), "command": "regress"}),
    ("re G3 absences", None, {"formula": G, "command": "regress", "estimator": "ols"}),
    ("regr G3 absences studytime", None, {"formula": "G3 ~ absences + studytime"}),
    ("regress   G3    absences  ,   robust  ", None, {"formula": G, "vce": ("robust", ())}),
    ("reg G3 absences, r", None, {"vce": ("robust", ())}),
    ("reg G3 absences, vce(r)", None, {"vce": ("robust", ())}),
    ("reg G3 absences, vce(rob)", None, {"vce": ("robust", ())}),
    ("reg G3 absences,vce( robust )", None, {"vce": ("robust", ())}),
    ("reg G3 absences, vce(hc1)", None, {"vce": ("robust", ())}),
    ("reg G3 absences, cluster(school)", None, {"vce": CL_SCHOOL}),
    ("reg G3 absences, cl(school)", None, {"vce": CL_SCHOOL}),
    ("reg G3 absences, vce(cl school)", None, {"vce": CL_SCHOOL}),
    ("reg G3 absences, vce(cluster school Mjob)", None, {"vce": ("cluster", ("school", "Mjob"))}),
    ("reg G3 absences, robust cluster(school)", None, {"vce": CL_SCHOOL}),
    ("reg G3 absences, vce(ols)", None, {"vce": ("ols", ())}),
    ("reg G3 absences, vce(conv)", None, {"vce": ("ols", ())}),
    ("reg G3 absences, vce(unadjusted)", None, {"vce": ("ols", ())}),
    ("reg G3 absences, vce(hc2)", None, {"vce": ("hc2", ())}),
    ("reg G3 absences, vce(hc3)", None, {"vce": ("hc3", ())}),
    ("reg G3 absences, vce(jackknife, cluster(school))", None, {"vce": ("cr3", ("school",))}),
    ("reg G3 absences, vce(jack) cl(school)", None, {"vce": ("cr3", ("school",))}),
    ("reg G3 absences, noconstant", None, {"formula": "G3 ~ absences - 1"}),
    ("reg G3 absences studytime, nocons", None, {"formula": "G3 ~ absences + studytime - 1"}),
    ("reg G3 absences, noc r", None, {"formula": "G3 ~ absences - 1", "vce": ("robust", ())}),
    ("reg G3 absences, level(90)", None, {"level": 90.0}),
    ("reg G3 absences, l(99.5)", None, {"level": 99.5}),
    ("reg G3 absences, beta noheader cformat(%9.3f)", None, {"formula": G, "vce": ("ols", ())}),
    ('reg G3 absences if sex == "F"', None, {"sample": 'sex == "F"'}),
    ('reg G3 absences if age >= 17 & school == "GP", robust', None,
     {"sample": 'age >= 17 & school == "GP"', "vce": ("robust", ())}),
    ("reg G3 absences if inlist(Medu, 1, 2), robust", None,
     {"sample": "inlist(Medu, 1, 2)", "vce": ("robust", ())}),
    ("reg G3 absences in 1/100", None, {"in_range": RowRange(1, 100)}),
    ("reg G3 absences in -10/l", None, {"in_range": RowRange(-10, -1)}),
    ("reg G3 absences in f/50", None, {"in_range": RowRange(1, 50)}),
    ("reg G3 absences in 5", None, {"in_range": RowRange(5, 5)}),
    ("reg G3 absences [aw=studytime]", None, {"weights": ("studytime", AW)}),
    ("reg G3 absences [aweight=studytime]", None, {"weights": ("studytime", AW)}),
    ("reg G3 absences [fw = freq]", None, {"weights": ("freq", FW)}),
    ("reg G3 absences [fweight=freq], robust", None, {"weights": ("freq", FW)}),
    ("reg G3 absences [pw=w]", None, {"weights": ("w", PW), "vce": ("robust", ())}),
    ("reg G3 absences [pweight=w], vce(cluster school)", None, {"vce": CL_SCHOOL}),
    ("reg G3 absences [pw=w] if age > 16 in 1/200, cl(school)", None,
     {"weights": ("w", PW), "sample": "age > 16", "in_range": RowRange(1, 200), "vce": CL_SCHOOL}),
    ("reg G3 absences in 1/200 [aw=w] if age > 16", None,
     {"weights": ("w", AW), "sample": "age > 16", "in_range": RowRange(1, 200)}),
    ("reg G3 absences i.Medu", None,
     {"formula": "G3 ~ absences + C(Medu)", "factor_names": (("C(Medu)", "Medu"),)}),
    ("reg G3 absences ib2.Medu", None,
     {"formula": "G3 ~ absences + C(Medu, contr.treatment(base=2))"}),
    ("reg G3 absences ib(2).Medu", None,
     {"formula": "G3 ~ absences + C(Medu, contr.treatment(base=2))"}),
    ("reg G3 b3.Medu", None, {"formula": "G3 ~ C(Medu, contr.treatment(base=3))"}),
    ("reg G3 ib(first).Medu", None, {"formula": "G3 ~ C(Medu)"}),
    ("reg G3 ib(last).Medu", None,
     {"formula": "G3 ~ C(Medu, contr.treatment(base=__stata_base_last__))"}),
    ("reg G3 ib(freq).Medu", None,
     {"formula": "G3 ~ C(Medu, contr.treatment(base=__stata_base_freq__))"}),
    ("reg G3 ib(#2).Medu", None,
     {"formula": "G3 ~ C(Medu, contr.treatment(base=__stata_base_nth_2__))"}),
    ("reg G3 c.absences##c.absences", None, {"formula": "G3 ~ absences + I(absences ** 2)"}),
    ("reg G3 c.age#c.absences age absences", None,
     {"formula": "G3 ~ age:absences + age + absences"}),
    ("reg G3 i.Medu##c.absences", None, {"formula": "G3 ~ C(Medu) + absences + C(Medu):absences"}),
    ("reg G3 i.sex#c.absences", None, {"formula": "G3 ~ C(sex):absences"}),
    ("reg G3 i.Medu##i.Fedu", None, {"formula": "G3 ~ C(Medu) + C(Fedu) + C(Medu):C(Fedu)"}),
    ("reg G3 Medu##Fedu", None, {"formula": "G3 ~ C(Medu) + C(Fedu) + C(Medu):C(Fedu)"}),
    ("reg G3 i.(Medu Fedu) absences", None, {"formula": "G3 ~ C(Medu) + C(Fedu) + absences"}),
    ("reg G3 ibn.Medu, nocons", None, {"formula": "G3 ~ C(Medu) - 1"}),
    ("reg G3 absences absences", None, {"formula": G}),
    ("areg G3 absences, absorb(school)", None,
     {"formula": G, "absorb": ("school",), "estimator": "areg", "command": "areg"}),
    ("areg G3 absences, a(school) vce(cluster school)", None,
     {"absorb": ("school",), "vce": CL_SCHOOL}),
    ("reghdfe G3 absences, absorb(school Mjob)", None,
     {"absorb": ("school", "Mjob"), "estimator": "reghdfe"}),
    ("reghdfe G3 absences, absorb(school#Mjob) vce(cl school)", None,
     {"absorb": ("school#Mjob",), "vce": CL_SCHOOL}),
    ("reghdfe G3 absences, absorb(i.school i.Mjob#i.Fjob)", None,
     {"absorb": ("school", "Mjob#Fjob")}),
    ("reghdfe G3 absences, noabsorb", None, {"absorb": (), "estimator": "reghdfe"}),
    ("reghdfe G3 absences, a(school) tol(1e-8) maxit(100)", None, {"absorb": ("school",)}),
    ("ivregress 2sls G3 age (absences = studytime failures)", None,
     {"formula": "G3 ~ age", "iv": IVSpec(("absences",), ("studytime", "failures")),
      "estimator": "iv2sls", "command": "ivregress"}),
    ("ivregress 2sls G3 (absences = studytime), vce(robust) small first", None,
     {"formula": "G3 ~ 1", "vce": ("robust", ())}),
    ('ivregress 2sls G3 age (absences = i.studytime) if school == "GP", vce(cluster school)', None,
     {"iv": IVSpec(("absences",), ("C(studytime)",)), "sample": 'school == "GP"'}),
    ("ivreghdfe G3 age (absences = studytime), absorb(school) cluster(Mjob)", None,
     {"absorb": ("school",), "vce": ("cluster", ("Mjob",)), "command": "ivreghdfe"}),
    ("xtreg y x, fe", P, {"absorb": ("id",), "estimator": "xtreg_fe", "panel": P}),
    ("xtreg y x, fe vce(robust)", P, {"vce": ("cluster", ("id",))}),
    ("xtreg y x, fe vce(cluster id)", P, {"vce": ("cluster", ("id",))}),
    ("xtreg y x, fe i(firm)", None, {"absorb": ("firm",), "panel": PanelSpec("firm", None)}),
    ("xtreg y x", P, {"absorb": (), "estimator": "xtreg_re", "panel": P}),
    ("xtreg y x, re vce(robust)", P, {"estimator": "xtreg_re", "vce": ("cluster", ("id",))}),
    ("xtreg y x, re vce(cluster g) theta", P, {"vce": ("cluster", ("g",))}),
    ("xtreg y x, be", P, {"absorb": (), "estimator": "xtreg_be", "vce": ("ols", ())}),
    ("xtreg y x, be wls", P, {"estimator": "xtreg_be_wls"}),
    ("reg y L.x", P, {"formula": "y ~ L1__x", "panel": P, "factor_names": (("L1__x", "L.x"),)}),
    ("reg y L(1/3).x", P, {"formula": "y ~ L1__x + L2__x + L3__x"}),
    ("reg D.y L.x F2.x", P, {"formula": "D1__y ~ L1__x + F2__x"}),
    ("reg y L(0/1).x", P, {"formula": "y ~ x + L1__x"}),
    ("reg y S4.x", P, {"formula": "y ~ S4__x"}),
    ("reg y l.x", P, {"formula": "y ~ L1__x"}),
    ("quietly reg G3 absences", None, {"formula": G}),
    ("qui: reg G3 absences, r", None, {"vce": ("robust", ())}),
    ("capture noisily regress G3 absences", None, {"formula": G}),
    ("eststo m1: reg G3 absences", None, {"formula": G}),
    ("reg G3 absences, vce(robust) level(90) noheader", None, {"level": 90.0}),
    ("reg G3 absences, level(90) vce(robust)", None, {"level": 90.0, "vce": ("robust", ())}),
    ("reg G3 absences   // trailing comment", None, {"formula": G}),
    ("reg G3 absences /* inline */ studytime", None, {"formula": "G3 ~ absences + studytime"}),
    ("reg G3 absences ///\n    studytime, ///\n    robust", None,
     {"formula": "G3 ~ absences + studytime", "vce": ("robust", ())}),
    ("reg G3", None, {"formula": "G3 ~ 1"}),
]  # fmt: skip


def _check(spec: ModelSpec, expected: dict[str, Any]) -> None:
    for key, want in expected.items():
        if key == "vce":
            assert (spec.vce.name, spec.vce.args) == want
        elif key == "weights":
            assert spec.weights is not None
            assert (spec.weights.var, spec.weights.kind) == want
        elif key == "sample":
            assert spec.sample is not None
            assert (spec.sample.expr, spec.sample.dialect) == (want, Dialect.STATA)
        else:
            assert getattr(spec, key) == want, key


@pytest.mark.parametrize(("line", "panel", "expected"), VALID)
def test_valid_lines(line: str, panel: PanelSpec | None, expected: dict[str, Any]) -> None:
    spec = parse(line, panel=panel)
    _check(spec, expected)
    assert spec.term_style == "stata"
    assert spec.command in ("regress", "areg", "reghdfe", "ivregress", "ivreghdfe", "xtreg")


def test_spans_point_into_the_line() -> None:
    line = "reg G3 absences if age > 16, vce(cluster school)"
    spec = parse(line)
    assert spec.vce.span is not None and spec.vce.text == "cluster school"
    assert line[spec.vce.span.start : spec.vce.span.end] == "cluster school"
    assert spec.sample == SampleSpec("age > 16", Dialect.STATA, Span(19, 27))
    assert spec.source == line


def test_ivregress_small_sample_conventions() -> None:
    assert parse("ivregress 2sls y (d = z)").ssc == SmallSample.preset("asymptotic")
    assert parse("ivregress 2sls y (d = z), small").ssc == SmallSample()
    assert parse("ivreghdfe y (d = z), absorb(a) small").ssc == SmallSample()
    assert parse("reg y x").ssc == SmallSample()


def test_tsvars_recorded() -> None:
    spec = parse("reg D.y L(1/2).x", panel=P)
    assert [(t.name, t.op, t.order, t.var, t.label) for t in spec.tsvars] == [
        ("D1__y", "D", 1, "y", "D.y"),
        ("L1__x", "L", 1, "x", "L.x"),
        ("L2__x", "L", 2, "x", "L2.x"),
    ]


def at(line: str, part: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = line.index(part, start + 1)
    return start, start + len(part)


# (line, panel, exception, message fragment, the part of the line under the caret)
MALFORMED: list[tuple[str, PanelSpec | None, type[VceregError], str, str | tuple[str, int]]] = [
    ("reg y x, robustt", None, StataSyntaxError, "option robustt not allowed", "robustt"),
    ("reg y x, vce(clustr g)", None, UnknownVceError, "unknown vce type 'clustr'", "clustr"),
    ("reg y x, vce(cluster)", None, StataSyntaxError, "needs a cluster variable", "cluster"),
    ("reg y x, vce(robust g)", None, StataSyntaxError, "takes no variables", "robust g"),
    ("reg y x, vce(bootstrap)", None, NotSupportedError, "vce(bootstrap)", "bootstrap"),
    ("reg y x, vce(boot, reps(100))", None, NotSupportedError, "vce(bootstrap)", "boot"),
    ("reg y x, vce(jackknife)", None, NotSupportedError, "without clusters", "jackknife"),
    ("reg y x, vce(hc3 g)", None, NotSupportedError, "clustered vce(hc3 g)", "hc3 g"),
    ("reg y x, level(5)", None, StataSyntaxError, "from 10 to 99.99 (got '5')", "level(5)"),
    ("reg y x, level(abc)", None, StataSyntaxError, "from 10 to 99.99", "level(abc)"),
    ("reg y x [iw=w]", None, NotSupportedError, "importance weights", "iw"),
    ("reg y x [w=w]", None, StataSyntaxError, "expected a weight type aw, fw or pw", "w"),
    ("reg y x [aw=1/w]", None, NotSupportedError, "a weight must be a variable name", "1/w"),
    ("reg y x*", None, NotSupportedError, "wildcards", "x*"),
    ("reg y x1-x5", None, NotSupportedError, "ranges", "x1-x5"),
    ("reg y L.x", None, StataSyntaxError, "require tsset/xtset", "L.x"),
    ("reg y LD.x", P, NotSupportedError, "combined time-series operators", "LD"),
    ("xtreg y x, fe", None, StataSyntaxError, "xtreg needs the panel declared: xtset id [time]",
     "xtreg"),
    ("xtreg y x, re sa", P, NotSupportedError, "option sa of xtreg is not supported", "sa"),
    ("xtreg y x, re mle", P, NotSupportedError, "option mle of xtreg", "mle"),
    ("xtreg y x, fe re", P, StataSyntaxError, "fe and re cannot be combined", ("re", 1)),
    ("xtreg y x, re wls", P, StataSyntaxError, "option wls needs be", "wls"),
    ("xtreg y x, be vce(robust)", P, NotSupportedError, "xtreg, be allows only", "robust"),
    ("xtreg y x, fe vce(hc3)", P, StataSyntaxError, "xtreg, fe allows", "hc3"),
    ("xtreg y x, vce(hc2)", P, StataSyntaxError, "xtreg, re allows", "hc2"),
    ("ivregress gmm y (x = z), wmatrix(hac bartlett 2)", None, StataSyntaxError, "tsset",
     "wmatrix(hac bartlett 2)"),
    ("ivregress liml y (x = z), center", None, StataSyntaxError, "GMM only", "center"),
    ("ivregress y x (d = z)", None, StataSyntaxError, "expected 2sls, liml or gmm", "y"),
    ("ivregress 2sls y x", None, StataSyntaxError, "needs the instrumented group", "y x"),
    ("ivregress 2sls y (d = )", None, StataSyntaxError, "expected instruments", "= )"),
    ("reg y (x = z)", None, NotSupportedError, "needs ivregress 2sls", "(x = z)"),
    ("tobit y x", None, NotSupportedError, "tobit is not supported", "tobit"),
    ("regresss y x", None, StataSyntaxError, "expected an estimation command", "regresss"),
    ("areg y x", None, StataSyntaxError, "areg absorbs one variable", "areg"),
    ("areg y x, absorb(a b)", None, StataSyntaxError, "areg absorbs one variable", "absorb(a b)"),
    ("reghdfe y x", None, StataSyntaxError, "needs absorb(vars) or noabsorb", "reghdfe"),
    ("reghdfe y x, absorb(a##c.x)", None, NotSupportedError, "heterogeneous slopes", "a##c.x"),
    ("reghdfe y x, absorb(fe1=a)", None, NotSupportedError, "saving fixed effects", "fe1=a"),
    ("reg y x, vce(robust) cluster(g)", None, StataSyntaxError, "conflicting variance options",
     "cluster(g)"),
    ("reg y x [pw=w], vce(ols)", None, StataSyntaxError, "pweights need robust", "ols"),
    ("reg y x if", None, StataSyntaxError, "expected an expression after if", "if"),
    ("reg y x if age >> 3", None, ExpressionError, "", (">", 1)),
    ("reg y x in 0/10", None, StataSyntaxError, "observation numbers start at 1", "0/10"),
    ("reg y x in 10/5", None, StataSyntaxError, "expected first <= last", "10/5"),
    ("reg y i.a#i.b", None, NotSupportedError, "differently from Stata", "i.a#i.b"),
    ("reg y i.a, noconstant", None, NotSupportedError, "differently from Stata", "i.a"),
    ("reg y x, absorb(g)", None, StataSyntaxError, "option absorb not allowed with regress",
     "absorb"),
    ("reg i.y x", None, StataSyntaxError, "expected one dependent variable", "i.y"),
    ("reg y x+z", None, StataSyntaxError, "unexpected '+' after x", "+"),
    ("by g: reg y x", None, NotSupportedError, "the by prefix", "by"),
    ("reg y x, vce(cluster g", None, StataSyntaxError, "unbalanced '('", "("),
    ("reg y i2.a", None, NotSupportedError, "selecting levels", "2"),
    ("reg y x, robust robust", None, StataSyntaxError, "given twice", ("robust", 1)),
    ("reg", None, StataSyntaxError, "expected a dependent variable after regress", ""),
    ("reg y ib(middle).a", None, StataSyntaxError, "expected a base level", "b(middle)"),
    ("reg y x, noconstant vce(robust) levl(90)", None, StataSyntaxError, "option levl", "levl"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "panel", "exc", "fragment", "part"), MALFORMED)
def test_malformed_lines(
    line: str,
    panel: PanelSpec | None,
    exc: type[VceregError],
    fragment: str,
    part: str | tuple[str, int],
) -> None:
    with pytest.raises(exc) as info:
        parse(line, panel=panel)
    err = info.value
    assert fragment in err.message
    assert err.source == line
    assert err.span is not None
    text, nth = part if isinstance(part, tuple) else (part, 0)
    got = line[err.span.start : err.span.end]
    if text:
        assert (err.span.start, err.span.end) == at(line, text, nth), got
    else:
        assert err.span.start == len(line)
    assert "^" in str(err)


def test_near_misses_get_a_suggestion() -> None:
    with pytest.raises(StataSyntaxError) as info:
        parse("reg y x, robustt")
    assert info.value.hint == "did you mean robust?"
    with pytest.raises(UnknownVceError) as info2:
        parse("reg y x, vce(clustr g)")
    assert info2.value.hint == "did you mean cluster?"
    with pytest.raises(StataSyntaxError) as info3:
        parse("regresss y x")
    assert info3.value.hint == "did you mean regress?"


def test_not_a_string() -> None:
    with pytest.raises(StataSyntaxError, match="as a string"):
        parse(42)  # type: ignore[arg-type]


# --- do-files --------------------------------------------------------------------------------


def test_parse_do_panel_comments_continuations() -> None:
    text = """
    // baseline models
    reg y x, robust           // pooled
    xtset firm year
    xtreg y x L.x, ///
        fe vce(robust)        /* clustered by firm */
    * a comment line ///
      that continues
    tsset year
    reg y L(1/2).x, vce(hc3)

    xtset, clear
    areg y x, absorb(firm)
    """
    specs = parse_do(text)
    assert [s.command for s in specs] == ["regress", "xtreg", "regress", "areg"]
    assert specs[0].panel is None and specs[0].vce.name == "robust"
    assert specs[1].panel == PanelSpec("firm", "year")
    assert specs[1].formula == "y ~ x + L1__x" and specs[1].vce.args == ("firm",)
    assert specs[1].source.split() == ["xtreg", "y", "x", "L.x,", "fe", "vce(robust)"]
    assert specs[2].panel == PanelSpec(None, "year") and specs[2].vce.name == "hc3"
    assert specs[3].panel is None


@pytest.mark.parametrize(
    ("text", "exc", "fragment"),
    [
        ("reg y x\nuse data.dta\nreg y z", NotSupportedError, "line 2: 'use' is not an estimation"),
        ("\n\ngen z = x^2", NotSupportedError, "line 3: 'gen'"),
        ("reg y x\nreg y x, vce(clustr g)", UnknownVceError, "line 2: unknown vce type"),
        ("reg y ///\n x ///\n, fe", StataSyntaxError, "line 1: option fe not allowed"),
        ("xtreg y x, fe", StataSyntaxError, "line 1: xtreg needs the panel declared"),
        ("xtset a b c", StataSyntaxError, "line 1: expected xtset panelvar timevar"),
        ("tsset t, delta(2)", NotSupportedError, "delta(2)"),
        ("reg y x /* open", StataSyntaxError, "unterminated /*"),
        ("regres y x\nreggress y x", StataSyntaxError, "line 2: expected an estimation command"),
    ],
)
def test_parse_do_errors(text: str, exc: type[VceregError], fragment: str) -> None:
    with pytest.raises(exc) as info:
        parse_do(text)
    assert fragment in info.value.message


def test_parse_do_xtset_before_time_series() -> None:
    with pytest.raises(StataSyntaxError, match="line 1: time-series operators require"):
        parse_do("reg y L.x\nxtset id t")
    assert parse_do("xtset id t\nreg y L.x")[0].tsvars[0].label == "L.x"


def test_parse_rejects_several_commands() -> None:
    with pytest.raises(StataSyntaxError, match="expected one estimation command"):
        parse("reg y x\nreg y z")


def test_parse_accepts_xtset_and_tsset_lines_before_the_command() -> None:
    spec = parse("xtset firm year\nreg y L.x, vce(cluster firm)")
    assert spec.panel == PanelSpec("firm", "year") and spec.tsvars[0].label == "L.x"
    assert parse("tsset year // annual\nnewey y x, lag(3)").vce.args == ("year",)
    with pytest.raises(StataSyntaxError, match="needs the data declared as time series"):
        parse("newey y x, lag(3)")
    with pytest.raises(StataSyntaxError, match="newey requires the option lag"):
        parse("tsset year\nnewey y x")


# --- routing, round trips --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("regress y x", True),
        ("reg y x, robust", True),
        ("  qui reg y x", True),
        ("re y x", True),
        ("xtreg y x, fe", True),
        ("ivregress 2sls y (x = z)", True),
        ("logit y x", True),
        ("by g: reg y x", True),
        ("regress", True),
        ("y ~ x", False),
        ("reg ~ x", False),
        ("re ~ x + z", False),
        ("regression ~ x", False),
        ("G3 ~ absences | vce(robust)", False),
        ("", False),
    ],
)
def test_is_stata_command(text: str, expected: bool) -> None:
    assert is_stata_command(text) is expected


def _normalized(spec: ModelSpec) -> ModelSpec:
    sample = None if spec.sample is None else dataclasses.replace(spec.sample, span=None)
    return spec.replace(source="", vce=dataclasses.replace(spec.vce, span=None), sample=sample)


@pytest.mark.parametrize(("line", "panel", "expected"), VALID)
def test_round_trip(line: str, panel: PanelSpec | None, expected: dict[str, Any]) -> None:
    spec = parse(line, panel=panel)
    again = parse(unparse(spec), panel=spec.panel or panel)
    assert _normalized(again) == _normalized(spec)


@pytest.mark.parametrize(
    ("model", "line"),
    [
        ("G3 ~ absences | vce(cluster school)", "regress G3 absences, vce(cluster school)"),
        ("G3 ~ absences + C(Medu) | vce(hc1)", "regress G3 absences i.Medu, vce(hc1)"),
        ("G3 ~ absences - 1 | weights(w)", "regress G3 absences [aw=w], noconstant"),
        ("G3 ~ x | weights(w, pweight) | vce(hc3)", "regress G3 x [pw=w], vce(hc3)"),
        ("G3 ~ absences | fe(school Mjob)", "reghdfe G3 absences, absorb(school Mjob)"),
        (
            "G3 ~ age | iv(absences ~ studytime)",
            "ivregress 2sls G3 age (absences = studytime), small",
        ),
    ],
)
def test_unparse_dsl_specs(model: str, line: str) -> None:
    assert unparse(dsl.parse(model)) == line


@pytest.mark.parametrize(
    "model",
    [
        "log(G3) ~ absences",
        "G3 ~ absences | if(age > 16)",
        "G3 ~ absences | weights(w, pweight)",  # Stata has no pweights with vce(ols)
        "G3 ~ absences | vce(myestimator)",
    ],
)
def test_unparse_refuses_what_stata_cannot_say(model: str) -> None:
    with pytest.raises(NotSupportedError):
        unparse(dsl.parse(model))


# --- data-dependent bases --------------------------------------------------------------------


def test_resolve_bases() -> None:
    data = pd.DataFrame({"y": [1.0, 2, 3, 4, 5], "g": [3, 1, 2, 2, 5], "h": [1.0, 1, 2, 2, 2]})
    data["k"] = [7, 7, 9, 8, 8]
    spec = parse("reg y ib(last).g ib(freq).h ib(#2).k#c.y")
    assert has_pending_bases(spec)
    fixed = resolve_bases(spec, data)
    assert not has_pending_bases(fixed)
    assert fixed.formula == (
        "y ~ C(g, contr.treatment(base=5)) + C(h, contr.treatment(base=2))"
        " + C(k, contr.treatment(base=8)):y"
    )
    assert dict(fixed.factor_names)["C(h, contr.treatment(base=2))"] == "h"
    assert resolve_bases(fixed, data) is fixed
    assert spec.formula.count("__stata_base_") == 3  # the spec itself is unchanged


def test_resolve_bases_ties_strings_and_errors() -> None:
    data = pd.DataFrame({"y": [1.0, 2, 3, 4], "g": ["b", "a", "b", "a"], "h": [2, 1, 1, np.nan]})
    assert "base='a'" in resolve_bases(parse("reg y ib(freq).g"), data).formula
    assert "base=1" in resolve_bases(parse("reg y ib(freq).h"), data).formula
    assert "base=2" in resolve_bases(parse("reg y ib(last).h"), data).formula
    with pytest.raises(vcereg.errors.DataError, match=r"ib\(#3\).h"):
        resolve_bases(parse("reg y ib(#3).h"), data)
    with pytest.raises(vcereg.errors.MissingVariableError, match="'q'"):
        resolve_bases(parse("reg y ib(last).q"), data)
    iv = resolve_bases(parse("ivregress 2sls y (x = ib(last).h)"), data).iv
    assert iv == IVSpec(("x",), ("C(h, contr.treatment(base=2))",))


# --- the same numbers as the DSL and statsmodels ---------------------------------------------


# mtcars (quoted header) and student-mat (sep=";") come from tests/conftest.py


def _same_fit(a: Any, b: Any) -> None:
    pd.testing.assert_series_equal(a.params, b.params, rtol=1e-10, check_names=False)
    pd.testing.assert_series_equal(a.se, b.se, rtol=1e-10, check_names=False)


@pytest.mark.filterwarnings("ignore::vcereg.errors.VceregWarning")
@pytest.mark.parametrize(
    ("line", "model", "which"),
    [
        ("regress mpg wt hp", "mpg ~ wt + hp", "mtcars"),
        ("reg mpg wt hp, robust", "mpg ~ wt + hp | vce(robust)", "mtcars"),
        ("reg mpg wt hp, vce(hc3)", "mpg ~ wt + hp | vce(hc3)", "mtcars"),
        ("reg mpg wt hp, cl(cyl)", "mpg ~ wt + hp | vce(cluster cyl)", "mtcars"),
        ("reg mpg wt, noconstant", "mpg ~ wt - 1", "mtcars"),
        ("reg mpg wt [aw=hp]", "mpg ~ wt | weights(hp)", "mtcars"),
        ("regress G3 absences, vce(cluster school)", "G3 ~ absences | vce(cluster school)", "s"),
        ("reg G3 absences i.Medu, r", "G3 ~ absences + C(Medu) | vce(robust)", "s"),
        ("reg G3 absences studytime if age >= 17, vce(cl Mjob)",
         "G3 ~ absences + studytime | if(age >= 17) | vce(cluster Mjob)", "s"),
        ("reg G3 c.absences##c.absences i.sex", "G3 ~ absences + I(absences ** 2) + C(sex)", "s"),
    ],
)  # fmt: skip
def test_same_model_as_the_dsl(
    line: str, model: str, which: str, mtcars: pd.DataFrame, student: pd.DataFrame
) -> None:
    data = mtcars if which == "mtcars" else student
    _same_fit(vcereg.regress(line, data), vcereg.regress(model, data))
    _same_fit(vcereg.stata(line, data), vcereg.regress(model, data))


# Stata's name of each coefficient -> statsmodels' (patsy) name for the same coefficient,
# written out by hand: the comparison is by term, so swapped coefficients are caught.
_CYL = {"_cons": "Intercept", "wt": "wt", "6.cyl": "C(cyl)[T.6]", "8.cyl": "C(cyl)[T.8]"}
_IB8 = "C(cyl, Treatment(reference=8))"
_CYL_WT = {
    "_cons": "Intercept",
    "6.cyl": "C(cyl)[T.6]",
    "8.cyl": "C(cyl)[T.8]",
    "wt": "wt",
    "6.cyl#c.wt": "C(cyl)[T.6]:wt",
    "8.cyl#c.wt": "C(cyl)[T.8]:wt",
}
_CYL_HASH_WT = {
    "_cons": "Intercept",
    "4.cyl#c.wt": "C(cyl)[4]:wt",
    "6.cyl#c.wt": "C(cyl)[6]:wt",
    "8.cyl#c.wt": "C(cyl)[8]:wt",
}
_AM_VS = {
    "_cons": "Intercept",
    "1.am": "C(am)[T.1]",
    "1.vs": "C(vs)[T.1]",
    "1.am#1.vs": "C(am)[T.1]:C(vs)[T.1]",
    "hp": "hp",
}
_HP2 = {"_cons": "Intercept", "hp": "hp", "c.hp#c.hp": "I(hp ** 2)", "wt": "wt"}


def _assert_same_by_name(ours: vcereg.Results, theirs: pd.Series, names: dict[str, str]) -> None:
    shown = {ours.display_names.get(t, t): t for t in ours.terms}
    assert set(shown) == set(names), (sorted(shown), sorted(names))
    assert set(theirs.index) == set(names.values())
    for stata_name, sm_name in names.items():
        assert float(ours.params[shown[stata_name]]) == pytest.approx(
            float(theirs[sm_name]), rel=1e-10, abs=1e-10
        ), stata_name


@pytest.mark.parametrize(
    ("line", "formula", "names"),
    [
        ("reg mpg wt i.cyl", "mpg ~ wt + C(cyl)", _CYL),
        ("reg mpg wt ib8.cyl", f"mpg ~ wt + {_IB8}",
         {"_cons": "Intercept", "wt": "wt", "4.cyl": f"{_IB8}[T.4]", "6.cyl": f"{_IB8}[T.6]"}),
        ("reg mpg i.cyl##c.wt", "mpg ~ C(cyl) * wt", _CYL_WT),
        ("reg mpg i.cyl#c.wt", "mpg ~ C(cyl):wt", _CYL_HASH_WT),
        ("reg mpg i.am##i.vs hp", "mpg ~ C(am) * C(vs) + hp", _AM_VS),
        ("reg mpg c.hp##c.hp wt", "mpg ~ hp + I(hp ** 2) + wt", _HP2),
    ],
)  # fmt: skip
def test_factor_models_match_statsmodels(
    line: str, formula: str, names: dict[str, str], mtcars: pd.DataFrame
) -> None:
    smf = pytest.importorskip("statsmodels.formula.api")
    theirs = smf.ols(formula, mtcars).fit()
    _assert_same_by_name(vcereg.regress(line, mtcars), theirs.params, names)


@pytest.mark.filterwarnings("ignore::vcereg.errors.DroppedRowsWarning")
def test_time_series_columns_fit_like_hand_made_lags(grunfeld: pd.DataFrame) -> None:
    spec = parse("reg invest L.value D.capital, vce(cluster firm)", panel=PanelSpec("firm", "year"))
    ours = vcereg.fit_spec(spec, grunfeld)  # the design step materialises L. and D.
    h = grunfeld.sort_values(["firm", "year"])
    h = h.assign(
        lv=h.groupby("firm")["value"].shift(),
        dc=h["capital"] - h.groupby("firm")["capital"].shift(),
    )
    theirs = vcereg.regress("invest ~ lv + dc | vce(cluster firm)", h)
    np.testing.assert_allclose(ours.params.to_numpy(), theirs.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.se.to_numpy(), theirs.se.to_numpy(), rtol=1e-10)


def test_resolved_base_fits_like_statsmodels(mtcars: pd.DataFrame) -> None:
    smf = pytest.importorskip("statsmodels.formula.api")
    spec = resolve_bases(parse("reg mpg wt ib(last).cyl ib(freq).gear"), mtcars)
    ours = vcereg.fit_spec(spec, mtcars)
    gear = "C(gear, Treatment(reference=3))"
    formula = f"mpg ~ wt + {_IB8} + {gear}"
    theirs = smf.ols(formula, mtcars).fit().params
    # ib(last).cyl: base 8 (the largest level); ib(freq).gear: base 3 (the most frequent)
    names = {
        "_cons": "Intercept",
        "wt": "wt",
        "4.cyl": f"{_IB8}[T.4]",
        "6.cyl": f"{_IB8}[T.6]",
        "4.gear": f"{gear}[T.4]",
        "5.gear": f"{gear}[T.5]",
    }
    _assert_same_by_name(ours, theirs, names)
    # and without resolving by hand: the design step resolves bases on the sample
    direct = vcereg.stata("reg mpg wt ib(last).cyl ib(freq).gear", mtcars)
    assert direct.display_names["C(cyl, contr.treatment(base=8))[T.4]"] == "4.cyl"
    _assert_same_by_name(direct, theirs, names)


@pytest.mark.parametrize(
    "text",
    [
        "xtset id t\nnewey y x, lag(2)",
        "xtset id t\nxtscc y x, lag(2) fe",
        "tsset t\nxtscc y x, ase",
        "reg y x, vce(hc2 g, dfadjust)",
        "reg y x, vce(dk t, ase lags(3))",
        "reg y x, vce(twoway a b)",
    ],
)
def test_new_variances_round_trip(text: str) -> None:
    spec = parse(text)
    back = parse(unparse(spec), panel=spec.panel or PanelSpec("id", "t"))
    assert (back.vce.name, back.vce.args, back.vce.options) == (
        spec.vce.name,
        spec.vce.args,
        spec.vce.options,
    )
