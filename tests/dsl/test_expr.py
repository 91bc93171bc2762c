"""Tests of vcereg.dsl.expr: the safe filter language (tokenizer, parser, evaluator)."""

from __future__ import annotations

import dataclasses
import doctest
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import vcereg.dsl.expr as expr_mod
from vcereg.dsl.expr import Binary, Call, Expression, Unary, evaluate, parse_expression
from vcereg.errors import (
    DataError,
    ExpressionError,
    MissingVariableError,
    Span,
    UnsafeExpressionError,
)
from vcereg.spec import Dialect

Ref = Callable[[pd.DataFrame], "pd.Series[bool] | np.ndarray"]


@pytest.fixture
def df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [15, 18, 25, np.nan, 40, 70, np.nan, 33],
            "income": [0.0, 1.5, np.nan, 3.0, -2.0, 10.0, 4.0, np.nan],
            "school": ["GP", "MS", None, "GP", "", "MS", "GP", "XX"],
            "region": [1, 2, 3, 1, 2, 3, 1, 2],
            "flag": [True, False, True, True, False, False, True, False],
            "my col": [1, 2, 3, 4, 5, 6, 7, 8],
        }
    )


def mask(text: str, data: pd.DataFrame, dialect: str = "python") -> np.ndarray:
    return evaluate(parse_expression(text, dialect), data).mask


# -- python dialect: pandas boolean indexing computed directly is the reference -----------

PYTHON_CASES: list[tuple[str, Ref]] = [
    ("age >= 18", lambda d: d.age >= 18),
    ("age >= 18 & school == 'GP'", lambda d: (d.age >= 18) & (d.school == "GP")),
    ("age < 30 | income > 2", lambda d: (d.age < 30) | (d.income > 2)),
    ('age >= 18 and school == "MS"', lambda d: (d.age >= 18) & (d.school == "MS")),
    ("school != 'GP'", lambda d: d.school != "GP"),
    ("age != 25", lambda d: d.age != 25),
    ("not age > 20", lambda d: ~(d.age > 20)),
    ("!(age > 20) & ~flag", lambda d: ~(d.age > 20) & ~d.flag),
    ("flag", lambda d: d.flag),
    ("flag or income < 0", lambda d: d.flag | (d.income < 0)),
    ("flag == True", lambda d: d.flag),
    ("flag != False & True", lambda d: d.flag),
    ("False", lambda d: np.zeros(len(d), bool)),
    ("region in (1, 3)", lambda d: d.region.isin([1, 3])),
    ("region in [2]", lambda d: d.region.isin([2])),
    ("school not in ('GP', 'MS',)", lambda d: ~d.school.isin(["GP", "MS"])),
    ("isna(age)", lambda d: d.age.isna()),
    ("notna(income) & income > 0", lambda d: d.income.notna() & (d.income > 0)),
    ("missing(age, income)", lambda d: d.age.isna() | d.income.isna()),
    ("missing(school)", lambda d: d.school.isna()),
    ("abs(income) > 1.5", lambda d: d.income.abs() > 1.5),
    ("log(age) > 3", lambda d: np.log(d.age) > 3),
    ("ln(age) <= 3.2", lambda d: np.log(d.age) <= 3.2),
    ("sqrt(age) >= 5", lambda d: np.sqrt(d.age) >= 5),
    ("exp(income) < 2", lambda d: np.exp(d.income) < 2),
    ("floor(income) == 1", lambda d: np.floor(d.income) == 1),
    ("ceil(income) == 2", lambda d: np.ceil(d.income) == 2),
    ("round(income / 3, 1) == 0.5", lambda d: (d.income / 3).round(1) == 0.5),
    ("round(income) == 4", lambda d: d.income.round() == 4),
    ("age ** 2 > 1000", lambda d: d.age**2 > 1000),
    ("-age < -30", lambda d: -d.age < -30),
    ("-age ** 2 < -1000", lambda d: -(d.age**2) < -1000),
    ("age / income > 10", lambda d: d.age / d.income > 10),
    ("(age + income) * 2 >= 60", lambda d: (d.age + d.income) * 2 >= 60),
    ("age - 1e1 > .5e2", lambda d: d.age - 10 > 50),
    ("`my col` > 4", lambda d: d["my col"] > 4),
    ("inrange(age, 18, 40)", lambda d: d.age.between(18, 40)),
    ("school + 'x' == 'GPx'", lambda d: (d.school + "x") == "GPx"),
    ("school < 'H'", lambda d: d.school < "H"),
    ("school == ''", lambda d: d.school == ""),
    ("(age > 20) + (income > 2) >= 1", lambda d: (d.age > 20).astype(int) + (d.income > 2) >= 1),
    ("region == 1 & flag | region == 3", lambda d: ((d.region == 1) & d.flag) | (d.region == 3)),
    ("region == 1 | region == 2 & flag", lambda d: (d.region == 1) | ((d.region == 2) & d.flag)),
]


@pytest.mark.parametrize(("text", "ref"), PYTHON_CASES, ids=[c[0] for c in PYTHON_CASES])
def test_python_dialect_matches_pandas(df: pd.DataFrame, text: str, ref: Ref) -> None:
    result = evaluate(parse_expression(text), df)
    expected = np.asarray(ref(df), dtype=bool)
    np.testing.assert_array_equal(result.mask, expected)
    assert result.mask.dtype == np.bool_ and result.mask.shape == (len(df),)
    assert result.missing_as_large == 0 and result.notes == ()


def test_python_dialect_object_and_categorical_columns(df: pd.DataFrame) -> None:
    d = df.assign(
        school=df.school.astype(object),
        cat=pd.Categorical(["a", "b", None, "a", "b", "a", "c", "a"]),
        num_cat=pd.Categorical([1, 2, 3, 1, 2, 3, 1, None]),
        n=pd.array([1, None, 3, 4, 5, 6, 7, 8], dtype="Int64"),
    )
    np.testing.assert_array_equal(mask("school == 'GP'", d), d.school == "GP")
    np.testing.assert_array_equal(mask("cat != 'a'", d), (d.cat != "a").to_numpy())
    np.testing.assert_array_equal(mask("num_cat >= 2", d), [0, 1, 1, 0, 1, 1, 0, 0])
    np.testing.assert_array_equal(mask("n > 3", d), [0, 0, 0, 1, 1, 1, 1, 1])
    np.testing.assert_array_equal(mask("isna(n)", d), d.n.isna())


def test_python_nullable_boolean_follows_kleene_logic() -> None:
    d = pd.DataFrame({"b": pd.array([True, False, None, True], dtype="boolean")})
    d["x"] = [1.0, 2.0, 3.0, np.nan]
    for text, ref in [
        ("b", d.b),
        ("~b", ~d.b),
        ("b & x > 0", d.b & (d.x > 0)),
        ("b | x > 2", d.b | (d.x > 2)),
        ("~(b & x > 0)", ~(d.b & (d.x > 0))),
    ]:
        np.testing.assert_array_equal(mask(text, d), ref.fillna(False).to_numpy(bool), text)


def test_numeric_zero_one_is_a_condition_in_python() -> None:
    d = pd.DataFrame({"d": [0, 1, 1, np.nan], "x": [1, 2, 3, 4]})
    np.testing.assert_array_equal(mask("d", d), [0, 1, 1, 0])
    np.testing.assert_array_equal(mask("d & x > 2", d), [0, 0, 1, 0])


def test_constant_expressions_and_empty_frames(df: pd.DataFrame) -> None:
    assert mask("1 == 1", df).tolist() == [True] * len(df)
    assert mask("'a' < 'b' & 2 ** 3 == 8", df).all()
    assert mask("age > 1", df.iloc[:0]).shape == (0,)


# -- Stata dialect ---------------------------------------------------------------------------

STATA_CASES: list[tuple[str, Ref, int]] = [
    ("age > 30", lambda d: (d.age > 30) | d.age.isna(), 2),
    ("age >= 30", lambda d: (d.age >= 30) | d.age.isna(), 2),
    ("age < 30", lambda d: d.age < 30, 0),
    ("age > 30 & age < .", lambda d: d.age > 30, 0),
    ("age > 30 & !missing(age)", lambda d: d.age > 30, 0),
    ("!(age <= 30)", lambda d: (d.age > 30) | d.age.isna(), 0),
    ("!(age > 30)", lambda d: d.age <= 30, 2),
    ("age == .", lambda d: d.age.isna(), 0),
    ("age >= .", lambda d: d.age.isna(), 0),
    ("age != .", lambda d: d.age.notna(), 0),
    ("age ~= 25", lambda d: d.age != 25, 0),
    ("age < .a", lambda d: np.ones(len(d), bool), 0),
    ("age == .a | age > .z", lambda d: np.zeros(len(d), bool), 0),
    ("income", lambda d: d.income != 0, 0),
    ("!income", lambda d: d.income == 0, 0),
    ("income & age", lambda d: (d.income != 0) & (d.age != 0), 0),
    ("age == income", lambda d: d.age == d.income, 0),
    ("school == ''", lambda d: d.school.isna() | (d.school == ""), 0),
    ("missing(school)", lambda d: d.school.isna() | (d.school == ""), 0),
    ("school > 'A'", lambda d: d.school.fillna("") > "A", 0),
    ("school != 'GP'", lambda d: d.school.fillna("") != "GP", 0),
    ("inlist(region, 1, 3)", lambda d: d.region.isin([1, 3]), 0),
    ("inlist(school, 'GP', 'XX', '')", lambda d: d.school.fillna("").isin(["GP", "XX", ""]), 0),
    ("inlist(age, 18, .)", lambda d: (d.age == 18) | d.age.isna(), 0),
    ("inrange(age, 18, .)", lambda d: d.age >= 18, 0),
    ("inrange(age, ., 30)", lambda d: d.age <= 30, 0),
    ("inrange(age, 18, 40)", lambda d: d.age.between(18, 40), 0),
    ("inrange(school, 'GP', 'MS')", lambda d: d.school.between("GP", "MS"), 0),
    ("age / 0 == .", lambda d: np.ones(len(d), bool), 0),
    ("log(income) > 0", lambda d: (d.income > 1) | (d.income <= 0) | d.income.isna(), 4),
    ("!age > 0", lambda d: d.age == 0, 0),  # ! binds tighter than >: (!age) > 0
    ("-2^2 == -4 & 2^3^2 == 64", lambda d: np.ones(len(d), bool), 0),
    ("region == 1 & flag | region == 3", lambda d: ((d.region == 1) & d.flag) | (d.region == 3), 0),
    ("flag == 1", lambda d: d.flag, 0),
    ("school + \"x\" == 'x'", lambda d: d.school.isna() | (d.school == ""), 0),
]


@pytest.mark.parametrize(("text", "ref", "n_large"), STATA_CASES, ids=[c[0] for c in STATA_CASES])
def test_stata_dialect_semantics(df: pd.DataFrame, text: str, ref: Ref, n_large: int) -> None:
    result = evaluate(parse_expression(text, Dialect.STATA), df)
    np.testing.assert_array_equal(result.mask, np.asarray(ref(df), dtype=bool))
    assert result.missing_as_large == n_large


def test_stata_notes_explain_missing_rules(df: pd.DataFrame) -> None:
    res = evaluate(parse_expression("age > 30", "stata"), df)
    assert res.missing_as_large == 2
    assert len(res.notes) == 1 and "'age > 30' is true for 2 row(s)" in res.notes[0]
    assert "larger than any number" in res.notes[0]
    res = evaluate(parse_expression("income", "stata"), df)
    assert res.missing_as_large == 0
    assert res.notes == ("2 row(s) where 'income' is missing count as true",)
    python = evaluate(parse_expression("age > 30"), df)
    assert python.missing_as_large == 0 and python.notes == ()
    assert python.mask.sum() == 3 and mask("age > 30", df, "stata").sum() == 5


def test_stata_two_missing_values_are_equal() -> None:
    d = pd.DataFrame({"a": [1.0, np.nan, np.nan, 2.0], "b": [1.0, np.nan, 2.0, np.nan]})
    eq = evaluate(parse_expression("a == b", "stata"), d)
    assert eq.mask.tolist() == [True, True, False, False] and eq.missing_as_large == 1
    ne = evaluate(parse_expression("a ~= b", "stata"), d)
    assert ne.mask.tolist() == [False, False, True, True] and ne.missing_as_large == 1
    assert "'a ~= b' is false for 1 row(s)" in ne.notes[0]
    assert mask("a != b", d).tolist() == [False, True, True, True]  # pandas


def test_stata_round_and_power() -> None:
    d = pd.DataFrame({"x": [2.5, -2.5, 0.5, 1.49, 28.0, np.nan]})
    ev = evaluate(parse_expression("round(x) == 3 | round(x) == -3", "stata"), d)
    assert ev.mask.tolist() == [True, True, False, False, False, False]
    assert mask("round(x, 5) == 30", d, "stata").tolist() == [0, 0, 0, 0, 1, 0]
    assert mask("round(x, 0) == x", d, "stata").tolist() == [1, 1, 1, 1, 1, 1]  # . == .
    assert mask("round(x) == .", d, "stata").tolist() == [0, 0, 0, 0, 0, 1]
    assert mask("2 ** 3 ** 2 == 512", d).all()  # python: right-associative
    assert mask("2^3^2 == 64", d, "stata").all()  # stata: left-associative
    assert mask("round(x) == 2", d).tolist() == [1, 0, 0, 0, 0, 0]  # python: halves to even


# -- parsing ------------------------------------------------------------------------------------


def test_parse_structure_and_variables() -> None:
    e = parse_expression("b > 1 & a < 2 & b < 3 & missing(c) | `d e` == 1", "python")
    assert isinstance(e, Expression) and e.variables == ("b", "a", "c", "d e")
    assert e.text == e.source and e.dialect is Dialect.PYTHON
    assert isinstance(e.node, Binary) and e.node.op == "|"
    assert parse_expression("a == 1 & b == 2").node.op == "&"  # comparisons bind tighter
    node = parse_expression("-x^2", "stata").node
    assert isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Binary)
    node = parse_expression("!x == 1", "stata").node
    assert isinstance(node, Binary) and isinstance(node.left, Unary)
    node = parse_expression("not x == 1").node
    assert isinstance(node, Unary) and isinstance(node.operand, Binary)
    node = parse_expression("x not in (1, 2)").node
    assert isinstance(node, Unary) and isinstance(node.operand, Call)
    assert node.operand.func == "inlist" and len(node.operand.args) == 3
    assert parse_expression("log(x) > 0").variables == ("x",)
    assert parse_expression("x > .", "stata").variables == ("x",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.text = "x"  # type: ignore[misc]


def test_long_flat_chains_parse_and_evaluate(df: pd.DataFrame) -> None:
    text = " | ".join(f"region == {i}" for i in range(200))
    np.testing.assert_array_equal(mask(text, df), np.ones(len(df), bool))
    assert mask("inlist(region, " + ", ".join(map(str, range(5, 900))) + ")", df).sum() == 0
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression(" + ".join(["age"] * 400) + " > 1")


def test_string_escapes() -> None:
    d = pd.DataFrame({"s": ["it's", 'say "hi"', "a\\b"]})
    assert mask(r"s == 'it\'s'", d).tolist() == [1, 0, 0]
    assert mask(r's == "say \"hi\""', d).tolist() == [0, 1, 0]
    assert mask(r"s == 'a\\b'", d).tolist() == [0, 0, 1]


def test_spans_are_shifted_into_the_callers_source() -> None:
    source = "y ~ x | if(age >= 18 &)"
    start = source.index("age")
    with pytest.raises(ExpressionError) as info:
        parse_expression(source[start:-1], source=source, offset=start)
    err = info.value
    assert err.source == source and err.span == Span(source.index("&"), source.index("&") + 1)
    caret_line = str(err).splitlines()[2]
    assert caret_line.index("^") - 2 == source.index("&")


# (text, dialect, exception, message fragment, span of the caret within text)
MALFORMED: list[tuple[str, str, type[Exception], str, tuple[int, int]]] = [
    ("", "python", ExpressionError, "empty expression", (0, 1)),
    ("   ", "stata", ExpressionError, "empty expression", (0, 3)),
    ("(age > 18", "python", ExpressionError, "'(' is never closed", (0, 1)),
    ("missing(age", "stata", ExpressionError, "'(' is never closed", (7, 8)),
    ("age > 18)", "python", ExpressionError, "')' has no matching '('", (8, 9)),
    ("age >", "python", ExpressionError, "ends after '>'", (4, 5)),
    ("age >= 18 &", "stata", ExpressionError, "ends after '&'", (10, 11)),
    ("age >= 18 and", "python", ExpressionError, "ends after 'and'", (10, 13)),
    ("age 18", "python", ExpressionError, "missing operator between 'age' and '18'", (4, 6)),
    ("(a > 1) b", "stata", ExpressionError, "missing operator between '(a > 1)' and 'b'", (8, 9)),
    ("school == 'GP", "python", ExpressionError, "unterminated string", (10, 13)),
    ('s == "GP', "stata", ExpressionError, "unterminated string", (5, 8)),
    ("`my col > 1", "python", ExpressionError, "unterminated backquoted name", (0, 11)),
    ("age = 18", "stata", ExpressionError, "unexpected '='", (4, 5)),
    ("age && flag", "python", ExpressionError, "unexpected '&&'", (4, 6)),
    ("a < b < c", "python", ExpressionError, "comparisons cannot be chained", (6, 7)),
    ("foo(age) > 1", "python", ExpressionError, "unknown function 'foo'", (0, 3)),
    ("isna(age)", "stata", ExpressionError, "unknown function 'isna'", (0, 4)),
    ("inrange(age, 1)", "stata", ExpressionError, "inrange() takes 3 arguments (got 2)", (0, 15)),
    ("abs(x, 2) > 1", "python", ExpressionError, "abs() takes 1 argument (got 2)", (0, 9)),
    ("inlist(x)", "stata", ExpressionError, "takes at least 2 arguments (got 1)", (0, 9)),
    ("missing(age,)", "stata", ExpressionError, "expected an expression after ','", (11, 12)),
    ("age > 18 $", "python", ExpressionError, "unexpected character '$'", (9, 10)),
    ("()", "python", ExpressionError, "empty parentheses", (0, 2)),
    ("age > * 3", "python", ExpressionError, "expected an expression (got '*')", (6, 7)),
    ("age ^ 2 > 3", "python", ExpressionError, "unexpected '^'", (4, 5)),
    ("age ** 2 > 3", "stata", ExpressionError, "unexpected '**'", (4, 6)),
    ("x ~= 1", "python", ExpressionError, "unexpected '~='", (2, 4)),
    ("x in 3", "python", ExpressionError, "expected a list after 'in'", (5, 6)),
    ("x not in ()", "python", ExpressionError, "empty list after 'not in'", (9, 11)),
    ("x in (1, 2", "python", ExpressionError, "'(' is never closed", (5, 6)),
    ("age > None", "python", ExpressionError, "None is not supported", (6, 10)),
    ("age > .", "python", ExpressionError, "expected an expression (got '.')", (6, 7)),
    ("x > 1 and or y", "python", ExpressionError, "expected an expression (got 'or')", (10, 12)),
    ("`a` > 1", "stata", ExpressionError, "python dialect only", (0, 1)),
    ("(" * 150 + "x" + ")" * 150, "python", ExpressionError, "nested too deeply", (100, 101)),
]


@pytest.mark.parametrize(
    ("text", "dialect", "exc", "fragment", "span"), MALFORMED, ids=[m[0][:30] for m in MALFORMED]
)
def test_malformed_expressions(
    text: str, dialect: str, exc: type[Exception], fragment: str, span: tuple[int, int]
) -> None:
    prefix = "y ~ x | if("
    with pytest.raises(exc) as info:
        parse_expression(text, dialect, source=prefix + text + ")", offset=len(prefix))
    err = info.value
    assert isinstance(err, ExpressionError | UnsafeExpressionError)
    assert fragment in err.message
    assert err.span == Span(span[0] + len(prefix), span[1] + len(prefix))
    assert err.source == prefix + text + ")"


def test_hints(df: pd.DataFrame) -> None:
    cases = {
        ("age = 18", "stata"): "use == for comparison",
        ("age ^ 2", "python"): "use ** for powers",
        ("flor(age) > 1", "python"): "did you mean 'floor'?",
        ("age > .", "python"): "isna(x)",
        ("a < b < c", "stata"): "(a < b) & (b < c)",
        ("age 18", "python"): "insert an operator",
    }
    for (text, dialect), hint in cases.items():
        with pytest.raises(ExpressionError) as info:
            parse_expression(text, dialect)
        assert info.value.hint is not None and hint in info.value.hint, text
    with pytest.raises(ExpressionError, match="expected one of abs, ceil"):
        parse_expression("foo(1)")


# (text, dialect, message fragment, span) -- errors only the data can reveal
TYPE_ERRORS: list[tuple[str, str, str, tuple[int, int]]] = [
    ("school > 1", "python", "expected two numbers or two strings (got string column", (0, 10)),
    ("age == 'GP'", "stata", "(got numeric column 'age' and string 'GP')", (0, 11)),
    ("age + school > 1", "python", "expected a number (got string column 'school')", (6, 12)),
    ("-school < 1", "stata", "expected a number (got string column 'school')", (1, 7)),
    ("age & flag", "python", "expected a condition, True/False or 0/1 (got numeric column", (0, 3)),
    ("age", "python", "expected a condition, True/False or 0/1 (got numeric column 'age')", (0, 3)),
    ("school", "stata", "expected a condition (got string column 'school')", (0, 6)),
    ("!school", "python", "expected a condition (got string column 'school')", (1, 7)),
    ("inrange(age, 'a', 3)", "stata", "expected three numbers or three strings", (0, 20)),
    ("inlist(age, 1, 'a')", "stata", "expected two numbers or two strings", (0, 19)),
    ("round(income, 1.5) > 1", "python", "whole number of digits (got number 1.5)", (14, 17)),
    ("school in (1, 2)", "python", "expected two numbers or two strings", (0, 16)),
]


@pytest.mark.parametrize(("text", "dialect", "fragment", "span"), TYPE_ERRORS)
def test_type_errors_have_carets(
    df: pd.DataFrame, text: str, dialect: str, fragment: str, span: tuple[int, int]
) -> None:
    e = parse_expression(text, dialect)
    with pytest.raises(ExpressionError) as info:
        evaluate(e, df)
    assert fragment in info.value.message
    assert info.value.span == Span(*span)


def test_unknown_variable_suggests_the_closest(df: pd.DataFrame) -> None:
    source = "y ~ x | if(agee >= 18)"
    e = parse_expression("agee >= 18", source=source, offset=11)
    with pytest.raises(MissingVariableError) as info:
        evaluate(e, df)
    err = info.value
    assert err.message == "variable 'agee' not found in the data; did you mean 'age'?"
    assert err.span == Span(11, 15) and err.source == source
    assert "^^^^" in str(err)
    with pytest.raises(MissingVariableError) as info:
        evaluate(parse_expression("age > 1 & zzzzz", "stata"), df)
    assert info.value.message == "variable 'zzzzz' not found in the data"
    assert info.value.hint is not None and "age, income, school" in info.value.hint


def test_unsupported_columns(df: pd.DataFrame) -> None:
    d = df.assign(when=pd.date_range("2020-01-01", periods=len(df)), mixed=[1, "a"] * 4)
    with pytest.raises(ExpressionError, match="expected a numeric, boolean or string column"):
        evaluate(parse_expression("when > 1"), d)
    with pytest.raises(ExpressionError, match="of type mixed"):
        evaluate(parse_expression("mixed == 1"), d)
    dup = pd.concat([df[["age"]], df[["age"]]], axis=1)
    with pytest.raises(DataError, match="more than once"):
        evaluate(parse_expression("age > 1"), dup)


# -- safety -------------------------------------------------------------------------------------

PAYLOADS = [
    "__import__('os').system('echo hi')",
    "x.__class__",
    "().__class__.__bases__",
    "().__class__.__bases__[0].__subclasses__()",
    "open('f')",
    "exec('1')",
    "eval('1')",
    "compile('1', 'f', 'exec')",
    "getattr(x, 'y')",
    "globals()",
    "__builtins__",
    "lambda: 1",
    "import os",
    "[c for c in ()]",
    "x[0]",
    "x.isin([1])",
    "(x)(1)",
    "f(x)(1)",
    "abs(x)(1)",
    "f'{x}'",
    "age; import os",
    "1 if x else 2",
    "age > 1 or __import__('os').system('echo hi')",
    "age.__class__.__init__.__globals__",
    "x @ y",
    "{1: 2}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("dialect", ["python", "stata"])
def test_code_is_rejected_and_nothing_runs(
    payload: str, dialect: str, df: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if dialect == "stata" and payload == "x[0]":
        pytest.skip("x[0] is Stata's explicit subscript (tested in test_stata_values.py)")
    calls: list[object] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    monkeypatch.chdir(tmp_path)
    with pytest.raises((ExpressionError, UnsafeExpressionError)) as info:
        evaluate(parse_expression(payload, dialect), df.assign(x=1, y=2))
    assert info.value.span is not None and info.value.source == payload
    assert calls == [] and list(tmp_path.iterdir()) == []


def test_unsafe_constructs_raise_unsafe_expression_error() -> None:
    for text in ["x.__class__", "__import__('os')", "open('f')", "exec('1')", "x[0]", "lambda: 1"]:
        with pytest.raises(UnsafeExpressionError):
            parse_expression(text)
    with pytest.raises(UnsafeExpressionError, match="attribute access"):
        parse_expression("L.x > 1", "stata")


def test_module_never_uses_eval() -> None:
    here = Path(expr_mod.__file__).parent
    modules = ("expr", "expr_parse", "expr_eval", "expr_values", "stata_funcs", "stata_dates")
    code = "".join((here / f"{m}.py").read_text() for m in (*modules, "stata_format"))
    for pattern in [
        r"(?<![\w.])(eval|exec|compile)\(",
        r"\.query\(",
        r"import ast\b",
        r"__import__\(",
    ]:
        assert not re.search(pattern, code), pattern
    assert "pd.eval" not in code


# -- properties, purity, doctests ------------------------------------------------------------

OPS = ["==", "!=", "<", "<=", ">", ">="]
NP_OPS = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
column = arrays(np.float64, st.integers(0, 30), elements=st.one_of(finite, st.just(np.nan)))


@settings(max_examples=150, deadline=None)
@given(x=column, op=st.sampled_from(OPS), c=finite)
def test_comparisons_agree_with_numpy(x: np.ndarray, op: str, c: float) -> None:
    d = pd.DataFrame({"x": x})
    text = f"x {op} {c!r}"
    np.testing.assert_array_equal(mask(text, d), NP_OPS[op](x, c))
    stata = evaluate(parse_expression(text, "stata"), d)
    as_inf = np.where(np.isnan(x), np.inf, x)  # Stata: missing is larger than any number
    np.testing.assert_array_equal(stata.mask, NP_OPS[op](as_inf, c))
    pandas_like = NP_OPS[op](x, c)
    assert stata.missing_as_large == int(np.count_nonzero(stata.mask != pandas_like))


@settings(max_examples=100, deadline=None)
@given(
    x=column,
    ops=st.tuples(st.sampled_from(OPS), st.sampled_from(OPS)),
    consts=st.tuples(finite, finite),
    conj=st.sampled_from(["&", "|", "and", "or"]),
    negate=st.booleans(),
)
def test_connectives_agree_with_numpy(
    x: np.ndarray, ops: tuple[str, str], consts: tuple[float, float], conj: str, negate: bool
) -> None:
    d = pd.DataFrame({"x": x, "y": x[::-1] * 2})
    text = f"x {ops[0]} {consts[0]!r} {conj} y {ops[1]} {consts[1]!r}"
    a, b = NP_OPS[ops[0]](x, consts[0]), NP_OPS[ops[1]](x[::-1] * 2, consts[1])
    ref = (a & b) if conj in ("&", "and") else (a | b)
    if negate:
        text, ref = f"not ({text})", ~ref
    np.testing.assert_array_equal(mask(text, d), ref)


TOKENS = (  # noqa: SIM905
    "x y age school flag 1 2.5 .5 1e3 'GP' \"a\" . .a ( ) , [ ] ` ' \" \\ "
    "== != ~= < <= > >= = & | ! ~ + - * / ^ ** && and or not in True None inlist "
    "missing( inrange( isna( round( abs( log( __x ; @ : {"
).split()


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(TOKENS), max_size=12),
    seps=st.lists(st.sampled_from(["", " "]), min_size=12, max_size=12),
    dialect=st.sampled_from(["python", "stata"]),
)
def test_fuzz_only_raises_vcereg_errors(parts: list[str], seps: list[str], dialect: str) -> None:
    text = "".join(p + s for p, s in zip(parts, seps, strict=False))
    data = pd.DataFrame({"x": [1.0, np.nan], "y": [0, 1], "age": [3, 4]})
    data = data.assign(school=["GP", None], flag=[True, False])
    try:
        result = evaluate(parse_expression(text, dialect), data)
    except (ExpressionError, UnsafeExpressionError, MissingVariableError) as err:
        assert err.span is not None and err.source == text
        assert 0 <= err.span.start <= err.span.end <= max(len(text), 1)
    else:
        assert result.mask.dtype == np.bool_ and result.mask.shape == (2,)


def test_evaluate_does_not_modify_the_data(df: pd.DataFrame) -> None:
    d = df.assign(cat=pd.Categorical(list("abcabcab")), n=pd.array(range(8), dtype="Int64"))
    before = d.copy(deep=True)
    texts = [
        ("age > 18 & school == 'GP' | isna(income)", "python"),
        ("cat in ('a', 'b') & n > 2 & flag & `my col` > 1", "python"),
        ("age > 30 & income & school == '' | inlist(region, 1) | round(age, 10) == 20", "stata"),
        ("flag == 1 & cat != 'c' & inrange(n, 1, .)", "stata"),
    ]
    for text, dialect in texts:
        evaluate(parse_expression(text, dialect), d)
    pd.testing.assert_frame_equal(d, before)
    assert list(d.columns) == list(before.columns)


def test_large_frame_is_vectorised() -> None:
    rng = np.random.default_rng(0)
    n = 200_000
    d = pd.DataFrame({"x": rng.normal(size=n), "g": rng.integers(0, 5, size=n)})
    d.loc[::7, "x"] = np.nan
    res = evaluate(parse_expression("x > 0 & inlist(g, 1, 2) | missing(x)", "stata"), d)
    ref = ((d.x > 0) | d.x.isna()) & d.g.isin([1, 2]) | d.x.isna()
    np.testing.assert_array_equal(res.mask, ref.to_numpy())


def test_doctests() -> None:
    failures, tried = doctest.testmod(expr_mod)
    assert tried >= 4 and failures == 0
