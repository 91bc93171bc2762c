"""Malformed input: the exception class, the message and the caret position."""

from __future__ import annotations

import pandas as pd
import pytest

import vcereg
from vcereg.errors import (
    DataError,
    EmptySampleError,
    FormulaError,
    MissingVariableError,
    SpecError,
    UnknownVceError,
    UnsafeExpressionError,
    VceOptionError,
    VceregError,
    VceSyntaxError,
)


@pytest.fixture(scope="module")
def d() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "y": [1.0, 2, 3, 5, 4, 6],
            "x": [1.0, 2, 3, 4, 5, 6],
            "g": list("aabbcc"),
            "w": [1.0, 2, 1, 2, 1, -1],
            "age": [18, 19, 20, 21, 22, 23],
        }
    )


CASES = [
    # (model, exception, message fragment, caret text or None)
    ("y ~ x | vce(clustr g)", UnknownVceError, "did you mean 'cluster'", "clustr g"),
    ("y ~ x | vce(robust", SpecError, "unbalanced '('", "("),
    ("y ~ x | vcee(robust)", SpecError, "did you mean vce(...)", "vcee"),
    ("y x", SpecError, "expected a formula with '~'", "y x"),
    ("", SpecError, "empty formula", None),
    ("y ~ x |", SpecError, "empty section", None),
    ("y ~ x | vce()", VceSyntaxError, "empty vce()", None),
    ("y ~ x | vce(cluster)", VceOptionError, "takes at least 1 variable", None),
    ("y ~ x | vce(robust g)", VceOptionError, "takes no arguments", None),
    ("y ~ x | vce(cluster g, foo)", VceOptionError, "has no option 'foo'", None),
    ("y ~ x | vce(hc2, a, b)", VceSyntaxError, "at most one ','", None),
    ("y ~ x | weights(w, iweight)", SpecError, "unknown weight type", "iweight"),
    ("y ~ x | vce(robust) | vce(hc3)", SpecError, "given twice", "vce(hc3)"),
    ("y ~ x + agee", MissingVariableError, "did you mean 'age'", "agee"),
    ("y ~ x | vce(cluster gg)", MissingVariableError, "did you mean 'g'", "gg"),
    ("y ~ x | weights(ww)", MissingVariableError, "not found", "ww"),
    ("y ~ x | weights(w)", DataError, "negative", None),
    ("y ~ x + (", SpecError, "unbalanced '('", "("),
    ("y ~ x ~ z", FormulaError, "could not parse the formula", "~"),
    ("y ~ x +", FormulaError, "insuffient arguments", "+"),
    ("y ~ x + np.log(g)", FormulaError, "could not build the design matrix", "np.log(g)"),
    ("y ~ {__import__('os').getcwd()}", UnsafeExpressionError, "safe mode", None),
    ("y ~ x.__class__", MissingVariableError, "not found", "x.__class__"),
    ("y ~ I(x * 10 ** 10 ** 10)", UnsafeExpressionError, "constant power", None),
    ("y ~ I(x + len('a' * 10 ** 9))", UnsafeExpressionError, "safe mode", None),
    ("y ~ {'a' * 99999999999}", UnsafeExpressionError, "arithmetic on a string", None),
    ("y ~ x | if(age > 100)", EmptySampleError, "no observations left", None),
    ("y ~ x | vce(cluster g g)", VceOptionError, "repeated", None),
    ("y ~ x | fe g", SpecError, "expected a section", None),
    ("y ~ x | iv(x)", SpecError, "iv(endogenous ~ instruments)", None),
]


@pytest.mark.parametrize(("model", "exc", "fragment", "caret_text"), CASES)
def test_malformed_input(d, model, exc, fragment, caret_text):
    with pytest.raises(exc) as info:
        vcereg.regress(model, d)
    err = info.value
    assert isinstance(err, VceregError)
    assert fragment in str(err)
    if caret_text is not None:
        assert err.span is not None and err.source is not None
        assert err.source[err.span.start : err.span.end] == caret_text
        assert "^" in str(err)


def test_vce_given_twice(d):
    with pytest.raises(SpecError, match="given twice"):
        vcereg.regress("y ~ x | vce(robust)", d, vce="hc3")


def test_unknown_vce_lists_valid_names(d):
    with pytest.raises(UnknownVceError) as info:
        vcereg.regress("y ~ x | vce(sandwich)", d)
    for name in ("robust", "cluster", "hc3", "cr3", "ols"):
        assert name in str(info.value)


def test_unknown_ssc_preset(d):
    with pytest.raises(VceOptionError, match="did you mean 'stata'"):
        vcereg.regress("y ~ x", d, ssc="stat")


def test_not_a_dataframe():
    with pytest.raises(DataError, match="expected a pandas or polars DataFrame"):
        vcereg.regress("y ~ x", [[1, 2]])


def test_single_cluster_is_a_data_error(d):
    with pytest.raises(DataError, match="at least 2 clusters"):
        vcereg.regress("y ~ x | vce(cluster g)", d.assign(g="a"))


def test_errors_are_value_errors_for_spec_problems(d):
    with pytest.raises(ValueError):
        vcereg.regress("y ~ x | vce(nonsense)", d)


def test_date_regressor_is_explained(d):
    dated = d.assign(t=pd.date_range("2020-01-01", periods=len(d)))
    with pytest.raises(DataError, match="holds dates") as info:
        vcereg.regress("y ~ x + t", dated)
    assert "dt.year" in str(info.value)


def test_no_builtin_exception_escapes_on_garbage(d):
    for model in [
        "~",
        "~ x",
        "y ~ x | vce(, robust)",
        "y ~ x | if()",
        "|||",
        "y ~ x | weights()",
        "y ~ C(",
        "y ~ x | vce(cluster g, cgm(",
        "y ~ x ~ z",
    ]:
        with pytest.raises(VceregError):
            vcereg.regress(model, d)
