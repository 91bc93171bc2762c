"""Stata's expression semantics (``evaluate_value``), each rule against the manual's own
examples or against a reference written here from the manual's definition.

References: [U] 12.2.1 Missing values, [U] 13 Functions and expressions (13.4 system
variables, 13.7 explicit subscripting), [FN] Mathematical, String and Date functions.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcereg.dsl.expr import EvalEnv, Groups, evaluate, evaluate_value, parse_expression
from vcereg.errors import ExpressionError


def value(text: str, data: pd.DataFrame | None = None, **env: object) -> list[object]:
    frame = pd.DataFrame(index=[0]) if data is None else data
    v = evaluate_value(parse_expression(text, "stata"), frame, EvalEnv(**env))  # type: ignore[arg-type]
    return [None if isinstance(x, float) and math.isnan(x) else x for x in v.values.tolist()]


def scalar(text: str) -> object:
    return value(text)[0]


# --- [U] 12.2.1: missing values are larger than every number, . < .a < ... < .z ---------
def _key(x: float, code: int) -> tuple[int, float]:
    """The manual's order: nonmissing numbers, then ., .a, ..., .z."""
    return (0, x) if not math.isnan(x) else (1 + code, 0.0)


_OPS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b, "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b}  # fmt: skip
_cells = st.one_of(
    st.tuples(st.sampled_from([-2.0, -0.5, 0.0, 1.0, 3.0, 1e9]), st.just(0)),
    st.tuples(st.just(math.nan), st.integers(0, 26)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_cells, _cells), min_size=1, max_size=12), st.sampled_from(list(_OPS)))
def test_comparisons_follow_the_missing_value_order(pairs: list, op: str) -> None:
    a = np.array([p[0][0] for p in pairs])
    b = np.array([p[1][0] for p in pairs])
    codes = {"a": np.array([p[0][1] for p in pairs], np.int8),
             "b": np.array([p[1][1] for p in pairs], np.int8)}  # fmt: skip
    got = value(f"a {op} b", pd.DataFrame({"a": a, "b": b}), codes=codes)
    want = [float(_OPS[op](_key(*p[0]), _key(*p[1]))) for p in pairs]
    assert got == want


def test_manual_missing_value_examples() -> None:
    # [U] 12.2.1: "age > 60 is true if variable age is greater than 60 or missing";
    # "ask whether the value is less than ." to exclude missing values
    d = pd.DataFrame({"age": [70.0, 50.0, math.nan]})
    assert value("age > 60", d) == [1.0, 0.0, 1.0]
    assert value("age > 60 & age < .", d) == [1.0, 0.0, 0.0]
    assert value("age >= .", d) == [0.0, 0.0, 1.0]
    assert [scalar(t) for t in (". < .a", ".a < .z", ".z > 1e300", "missing(.b)")] == [1.0] * 4
    # "the simple expression if varname evaluates to true for all nonzero values ... including
    # missing values"
    res = evaluate(parse_expression("age", "stata"), d)
    assert res.mask.tolist() == [True, True, True]


def test_arithmetic_on_missing_gives_system_missing() -> None:
    d = pd.DataFrame({"x": [math.nan, 2.0]})
    v = evaluate_value(
        parse_expression("x + 1", "stata"), d, EvalEnv(codes={"x": np.array([3, 0], np.int8)})
    )
    assert np.isnan(v.values[0]) and v.codes.tolist() == [0, 0]  # .c + 1 is ., not .c
    assert scalar("1/0") is None and scalar("ln(0)") is None and scalar("sqrt(-1)") is None


# --- [FN] mathematical functions: the manual's examples --------------------------------
@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("round(5.2,1)", 5.0), ("round(4.8,1)", 5.0), ("round(-5.2,1)", -5.0),
        ("round(-4.8,1)", -5.0), ("round(sqrt(2),.01)", 1.41), ("round(28,5)", 30.0),
        ("round(7.3,0)", 7.3), ("round(2.5)", 3.0), ("round(0.5)", 1.0), ("int(5.8)", 5.0),
        ("int(-5.8)", -5.0), ("floor(-5.2)", -6.0),
        ("ceil(-5.8)", -5.0), ("mod(5,2)", 1.0), ("mod(-3,2)", 1.0), ("mod(5,0)", None),
        ("min(3, ., 1)", 1.0), ("max(., .)", None), ("cond(1, 2, 3)", 2.0),
        ("cond(0, 2, 3)", 3.0), ("cond(., 2, 3)", 2.0), ("cond(., 2, 3, 4)", 4.0),
        ("abs(-2.5)", 2.5), ("sign(-3)", -1.0), ("exp(0)", 1.0), ("log10(1000)", 3.0),
        ("comb(5, 2)", 10.0), ("clip(5, 1, 3)", 3.0), ("clip(5, ., 3)", 3.0),
        ("2^3^2", 64.0), ("-2^2", -4.0), ("_pi", math.pi),
    ],
)  # fmt: skip
def test_math_functions(text: str, want: float | None) -> None:
    got = scalar(text)
    assert got == pytest.approx(want) if want is not None else got is None


def test_round_and_floor_keep_extended_missing() -> None:
    # [FN] round(): "round(.a) = .a"
    for text in ("round(.a)", "floor(.a)", "ceil(.a)", "int(.a)"):
        v = evaluate_value(parse_expression(text, "stata"), pd.DataFrame(index=[0]))
        assert v.codes.tolist() == [1], text
    v = evaluate_value(parse_expression("round(.a, .)", "stata"), pd.DataFrame(index=[0]))
    assert v.codes.tolist() == [0]  # "if y is missing, . is returned"


def test_inrange_and_inlist_rules() -> None:
    # [FN] inrange(z,a,b): z >= . gives 0; a missing bound is unbounded
    assert [scalar(t) for t in ("inrange(.,1,2)", "inrange(5,.,7)", "inrange(5,6,.)",
                                "inrange(2,1,2)", "inlist(2,1,2,3)", "inlist(.,1,.)")] == [
        0.0, 1.0, 0.0, 1.0, 1.0, 1.0]  # fmt: skip


def test_float_rounds_to_single_precision() -> None:
    # [FN] float(x): x rounded to float precision; [U] 13.12: 0.1 is not a float
    assert scalar("float(0.1) == 0.1") == 0.0
    assert scalar("float(0.1)") == float(np.float32(0.1))
    assert scalar("float(0.5) == 0.5") == 1.0  # exactly representable


# --- [FN] string functions: the manual's examples ----------------------------------------
@pytest.mark.parametrize(
    ("text", "want"),
    [
        ('substr("abcdef",2,3)', "bcd"), ('substr("abcdef",-3,2)', "de"),
        ('substr("abcdef",2,.)', "bcdef"), ('substr("abcdef",-3,.)', "def"),
        ('substr("abcdef",2,0)', ""), ('substr("abcdef",15,2)', ""),
        ('strpos("this","is")', 3.0), ('strpos("this","it")', 0.0),
        ('strproper("mR. joHn a. sMitH")', "Mr. John A. Smith"),
        ('strproper("jack o\'reilly")', "Jack O'Reilly"),
        ('subinstr("this is this","is","X",1)', "thX is this"),
        ('subinstr("this is this","is","X",2)', "thX X this"),
        ('subinstr("this is this","is","X",.)', "thX X thX"),
        ('word("Now is the time",2)', "is"), ('word("Now is the time",-1)', "time"),
        ('word("Now is the time",5)', ""), ('wordcount("a b  c")', 3.0),
        ('strupper("caf\u00e9 a")', "CAF\u00e9 A"), ('ustrupper("caf\u00e9")', "CAF\u00c9"),
        ('strlen("caf\u00e9")', 5.0), ('ustrlen("caf\u00e9")', 4.0),
        ('trim("  a b  ")', "a b"), ('ltrim("  a ")', "a "), ('itrim("a   b")', "a b"),
        ('lower("AbC")', "abc"), ('strreverse("abc")', "cba"), ('real("1e3")', 1000.0),
        ('real("12a")', None), ('real(" 5 ")', 5.0), ('string(1/3)', ".3333333"),
        ('string(12345)', "12345"), ('string(0.5)', ".5"), ('string(1.5, "%9.2f")', "1.50"),
        ('strmatch("17.4","1??4")', 1.0), ('strmatch("abc","a*")', 1.0),
        ('"a" + "b"', "ab"), ('char(65)', "A"),
    ],
)  # fmt: skip
def test_string_functions(text: str, want: object) -> None:
    assert scalar(text) == want


def test_regexm_then_regexs_reads_the_match_of_each_row() -> None:
    d = pd.DataFrame({"s": ["123 Main St", "no number", "45 Elm"]})
    env: list[object] = [None] * 3
    evaluate(parse_expression('regexm(s, "^([0-9]+) (.*)$")', "stata"), d, EvalEnv(regex=env))  # type: ignore[arg-type]
    assert value("regexs(1)", d, regex=env) == ["123", "", "45"]
    assert value("regexs(2)", d, regex=env) == ["Main St", "", "Elm"]
    assert value('regexr(s, "[0-9]+", "N")', d) == ["N Main St", "no number", "N Elm"]


def test_stata_strings_have_no_backslash_escapes() -> None:
    assert scalar('"C:\\data\\n"') == "C:\\data\\n"  # Stata keeps backslashes
    assert scalar('regexm("a1", "\\d")') == 1.0


# --- [FN] date functions, against Python's calendar --------------------------------------
_EPOCH = dt.date(1960, 1, 1)


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_date_functions_match_the_calendar(day: dt.date) -> None:
    days = (day - _EPOCH).days
    assert scalar(f"mdy({day.month}, {day.day}, {day.year})") == days
    got = [scalar(f"{f}({days})") for f in ("year", "month", "day", "dow", "doy", "quarter")]
    doy = day.timetuple().tm_yday
    assert got == [day.year, day.month, day.day, day.isoweekday() % 7, doy, (day.month + 2) // 3]
    assert scalar(f"week({days})") == min((doy - 1) // 7 + 1, 52)
    assert scalar(f"mofd({days})") == (day.year - 1960) * 12 + day.month - 1
    assert scalar(f"dofm(mofd({days}))") == (dt.date(day.year, day.month, 1) - _EPOCH).days


def test_date_parsing_and_invalid_dates() -> None:
    want = (dt.date(2007, 1, 20) - _EPOCH).days
    assert [scalar(f'date("{s}", "{m}")') for s, m in (("20jan2007", "DMY"),
            ("January 20, 2007", "MDY"), ("2007-01-20", "YMD"), ("20070120", "YMD"),
            ("20/1/07", "DM20Y"))] == [want] * 5  # fmt: skip
    assert scalar("mdy(2, 30, 2000)") is None and scalar("mdy(2, 29, 2000)") is not None
    assert scalar('monthly("2007m3", "YM")') == (2007 - 1960) * 12 + 2
    assert scalar("mdy(1, 1, 1960)") == 0 and scalar("dow(0)") == 5  # a Friday


# --- [U] 13.4 _n and _N, [U] 13.7 explicit subscripting, sum() ---------------------------
def test_subscripts_n_and_sum_within_groups() -> None:
    d = pd.DataFrame({"x": [1.0, 2.0, math.nan, 4.0, 5.0]})
    g = Groups.from_keys(np.array([True, False, False, True, False]))
    assert value("_n", d, groups=g) == [1.0, 2.0, 3.0, 1.0, 2.0]
    assert value("_N", d, groups=g) == [3.0, 3.0, 3.0, 2.0, 2.0]
    assert value("x[_n-1]", d, groups=g) == [None, 1.0, 2.0, None, 4.0]
    assert value("x[_N]", d, groups=g) == [None, None, None, 5.0, 5.0]
    assert value("x[1.9]", d, groups=g) == [1.0, 1.0, 1.0, 4.0, 4.0]  # truncated
    assert value("sum(x)", d, groups=g) == [1.0, 3.0, 3.0, 4.0, 9.0]  # missing counts as 0
    assert value("sum(x)", d, groups=g, active=np.array([1, 0, 1, 1, 1], bool)) == [
        1.0, 1.0, 1.0, 4.0, 9.0]  # fmt: skip


def test_stored_results_and_errors() -> None:
    lookup = {("e", "N"): 10.0, ("_b", "x"): 0.5, ("e", "cmd"): "regress"}
    got = value("_b[x] * e(N)", lookup=lambda k, n: lookup[(k, n)])
    assert got == [5.0] and value("e(cmd)", lookup=lambda k, n: lookup[(k, n)]) == ["regress"]
    with pytest.raises(ExpressionError, match="not found"):
        value("_b[z]", lookup=lambda k, n: lookup[(k, n)])
    with pytest.raises(ExpressionError, match="random numbers"):
        parse_expression("runiform() > .5", "stata")
    with pytest.raises(ExpressionError, match="type mismatch"):
        value('"a" * 2')
