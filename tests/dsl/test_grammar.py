"""The model-string grammar: sections, spans, round trips, and if() filtering."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.formula.api as smf

import vcereg
from vcereg import dsl
from vcereg.spec import Dialect, IVSpec, WeightKind, WeightSpec


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("y ~ x", "formula", "y ~ x"),
        ("y ~ x | vce(robust)", "vce.name", "robust"),
        ("y ~ x | vce(cluster a b)", "vce.args", ("a", "b")),
        ("y ~ x | vce( cluster  a ,cgm )", "vce.options", (("cgm", ""),)),
        ("y ~ x | vce(CLUSTER a)", "vce.name", "cluster"),
        ("y ~ x | weights(w)", "weights", WeightSpec("w", WeightKind.AWEIGHT)),
        ("y ~ x | weights(w, fw)", "weights", WeightSpec("w", WeightKind.FWEIGHT)),
        ("y ~ x | weight(w, pweight)", "weights", WeightSpec("w", WeightKind.PWEIGHT)),
        ("y ~ x | if(a == 1 | b == 2)", "sample.expr", "a == 1 | b == 2"),
        ("y ~ x | if( a > 0 )", "sample.dialect", Dialect.PYTHON),
        ("y ~ x | fe(firm year)", "absorb", ("firm", "year")),
        ("y ~ x | absorb(firm + year)", "absorb", ("firm", "year")),
        ("y ~ x | iv(d ~ z1 z2)", "iv", IVSpec(("d",), ("z1", "z2"))),
        ("y ~ C(g, contr.treatment(base='a|b')) | vce(hc3)", "vce.name", "hc3"),
        ("y ~ np.log(x) + I(x ** 2)", "formula", "y ~ np.log(x) + I(x ** 2)"),
    ],
)
def test_parse_fields(text, field, expected):
    spec = dsl.parse(text)
    value = spec
    for part in field.split("."):
        value = getattr(value, part)
    assert value == expected


def test_spans_point_into_the_source():
    text = "y ~ x | weights(w) | vce(cluster firm year)"
    spec = dsl.parse(text)
    assert text[spec.vce.span.start : spec.vce.span.end] == "cluster firm year"
    text = "y ~ x | if(age >= 18)"
    s = dsl.parse(text).sample
    assert text[s.span.start : s.span.end] == "age >= 18"


@pytest.mark.parametrize(
    "text",
    [
        "y ~ x",
        "y ~ x | vce(robust)",
        "y ~ x + z | weights(w, fweight) | if(x > 0) | vce(cluster a b, cgm)",
        "y ~ x | fe(a b) | vce(cluster a)",
        "y ~ x | iv(d ~ z1 z2) | vce(hc3)",
    ],
)
def test_unparse_round_trip(text):
    def essentials(spec):
        # the source text and spans legitimately differ; everything else must survive
        sample = spec.sample and (spec.sample.expr, spec.sample.dialect)
        vce = (spec.vce.name, spec.vce.args, spec.vce.options)
        return spec.replace(source="", sample=None, vce=None), sample, vce

    spec = dsl.parse(text)
    assert essentials(dsl.parse(dsl.unparse(spec))) == essentials(spec)


def test_vce_keyword_equals_section(student):
    a = vcereg.regress("G3 ~ absences", student, vce="cluster school")
    b = vcereg.regress("G3 ~ absences | vce(cluster school)", student)
    np.testing.assert_allclose(a.cov, b.cov)


def test_if_filter_matches_pandas_subset(student):
    r = vcereg.regress("G3 ~ absences | if(age >= 17 & school == 'GP')", student)
    sub = student[(student["age"] >= 17) & (student["school"] == "GP")]
    ref = smf.ols("G3 ~ absences", sub).fit()
    np.testing.assert_allclose(r.params, ref.params, rtol=1e-10)
    assert r.nobs == len(sub)
    assert r.rows.excluded_if == len(student) - len(sub)


def test_if_error_points_into_the_model_string(student):
    with pytest.raises(vcereg.errors.ExpressionError) as info:
        vcereg.regress("G3 ~ absences | if(age >> 17)", student)
    err = info.value
    assert err.source == "G3 ~ absences | if(age >> 17)"
    assert err.span.start >= err.source.index("if(") + 3
