"""Stata names for real formulaic columns, and the factor-coding check against formulaic.

Every accepted Stata variable list is built by formulaic (the installed version) and the
columns, renamed with ``stata_term_name``, must be exactly the columns Stata reports
(written out by hand below from Stata's rules: [U] 11.4.3, ``help fvvarlist``).
"""

from __future__ import annotations

import formulaic
import numpy as np
import pandas as pd
import pytest

from vcereg.errors import NotSupportedError
from vcereg.spec import PanelSpec
from vcereg.stata_lang import parse
from vcereg.stata_lang.naming import formula_to_stata, split_top, stata_term_name


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 60
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "a": np.tile([1, 2, 3], n // 3),
            "b": np.repeat([1, 2], n // 2),
            "g": np.tile([4.0, 6.0, 8.0, 6.0], n // 4),
            "s": np.tile(["GP", "MS"], n // 2),
        }
    )


def _stata_columns(line: str, data: pd.DataFrame) -> list[str]:
    spec = parse(line)
    mm = formulaic.model_matrix(spec.formula, data)
    names = dict(spec.factor_names)
    return [stata_term_name(c, names) for c in mm.rhs.columns]


CASES: list[tuple[str, list[str]]] = [
    ("reg y x", ["_cons", "x"]),
    ("reg y i.a", ["_cons", "2.a", "3.a"]),
    ("reg y ib2.a", ["_cons", "1.a", "3.a"]),
    ("reg y ib(first).a", ["_cons", "2.a", "3.a"]),
    ("reg y i.g", ["_cons", "6.g", "8.g"]),
    ("reg y ibn.a, noconstant", ["1.a", "2.a", "3.a"]),
    ("reg y ibn.a i.b, nocons", ["1.a", "2.a", "3.a", "2.b"]),
    # sex#c.age alone: one slope per level; with age in the model the base is omitted
    ("reg y i.a#c.x", ["_cons", "1.a#c.x", "2.a#c.x", "3.a#c.x"]),
    ("reg y x i.a#c.x", ["_cons", "x", "2.a#c.x", "3.a#c.x"]),
    ("reg y i.a i.a#c.x", ["_cons", "2.a", "3.a", "1.a#c.x", "2.a#c.x", "3.a#c.x"]),
    ("reg y i.a##c.x", ["_cons", "2.a", "x", "3.a", "2.a#c.x", "3.a#c.x"]),
    ("reg y c.x##i.a", ["_cons", "x", "2.a", "3.a", "c.x#2.a", "c.x#3.a"]),
    ("reg y i.a##i.b", ["_cons", "2.a", "3.a", "2.b", "2.a#2.b", "3.a#2.b"]),
    # UCLA FAQ: regress write i.grp i.female#i.grp -> female#grp has 4 df (one per grp)
    ("reg y i.b i.a#i.b", ["_cons", "2.b", "2.a#1.b", "3.a#1.b", "2.a#2.b", "3.a#2.b"]),
    ("reg y c.x#c.x", ["_cons", "c.x#c.x"]),
    ("reg y c.x##c.x", ["_cons", "x", "c.x#c.x"]),
    ("reg y c.x#c.z x z", ["_cons", "x", "z", "c.x#c.z"]),
    ("reg y x c.x#c.x#c.x", ["_cons", "x", "c.x#c.x#c.x"]),
    (
        "reg y i.a##c.x##c.x",
        ["_cons", "2.a", "3.a", "x", "2.a#c.x", "3.a#c.x", "c.x#c.x", "2.a#c.x#c.x", "3.a#c.x#c.x"],
    ),
    ("reg y i.(a b) x", ["_cons", "2.a", "3.a", "2.b", "x"]),
    ("reg y i.b##(c.x c.z)", ["_cons", "2.b", "x", "z", "2.b#c.x", "2.b#c.z"]),
    ("reg y i.s", ["_cons", "MS.s"]),
]


@pytest.mark.parametrize(("line", "expected"), CASES)
def test_formulaic_columns_are_statas(line: str, expected: list[str], data: pd.DataFrame) -> None:
    assert sorted(_stata_columns(line, data)) == sorted(expected)


@pytest.mark.parametrize(
    "line",
    [
        "reg y i.a#i.b",  # Stata: cells except 1#1; formulaic: b dummies + a x b
        "reg y i.a, noconstant",  # Stata keeps the base omitted; formulaic codes all levels
        "reg y i.a#i.b, nocons",
        "reg y ibn.a",  # collinear with the constant in Stata
        "reg y x i.a#i.b#c.x",
        "reg y ib2.a i.a#c.x",  # two bases for a
    ],
)
def test_refused_where_columns_would_differ(line: str) -> None:
    with pytest.raises(NotSupportedError):
        parse(line)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Intercept", "_cons"),
        ("x", "x"),
        ("C(region)[T.2]", "2.region"),
        ("C(a)[T.1]:x", "1.a#c.x"),
        ("C(a)[1]:x", "1.a#c.x"),
        ("C(a)[T.1]:C(b)[T.2]", "1.a#2.b"),
        ("x:z", "c.x#c.z"),
        ("I(x ** 2)", "c.x#c.x"),
        ("I(x ** 2):C(g)[4.0]", "c.x#c.x#4.g"),
        ("C(g)[T.6.0]", "6.g"),
        ("C(s, contr.treatment(base='MS'))[T.GP]", "GP.s"),
        ("L1__x", "L.x"),
        ("L1__x:C(a)[T.2]", "cL.x#2.a"),
        ("np.log(x)", "np.log(x)"),
    ],
)
def test_stata_term_name(name: str, expected: str) -> None:
    assert stata_term_name(name, {"L1__x": "L.x"}) == expected


def test_names_of_time_series_columns(data: pd.DataFrame) -> None:
    frame = data.assign(L1__x=data["x"].shift(), id=1, t=range(len(data)))
    spec = parse("reg y L.x i.a#cL.x", panel=PanelSpec("id", "t"))
    mm = formulaic.model_matrix(spec.formula, frame)
    got = [stata_term_name(c, dict(spec.factor_names)) for c in mm.rhs.columns]
    assert got == ["_cons", "L.x", "2.a#cL.x", "3.a#cL.x"]


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("y ~ x", ("y", ["x"], True)),
        ("y ~ 1", ("y", [], True)),
        ("y ~ x - 1", ("y", ["x"], False)),
        ("y ~ 0 + x", ("y", ["x"], False)),
        ("y ~ C(a) + C(a):x", ("y", ["i.a", "i.a#c.x"], True)),
        ("y ~ C(a, contr.treatment(base=3))", ("y", ["ib3.a"], True)),
        ("y ~ C(a, contr.treatment(base=__stata_base_freq__))", ("y", ["ib(freq).a"], True)),
        ("y ~ C(a, contr.treatment(base=__stata_base_nth_2__))", ("y", ["ib(#2).a"], True)),
        ("y ~ x:z + I(x ** 3)", ("y", ["c.x#c.z", "c.x#c.x#c.x"], True)),
    ],
)
def test_formula_to_stata(formula: str, expected: tuple[str, list[str], bool]) -> None:
    assert formula_to_stata(formula) == expected


@pytest.mark.parametrize("formula", ["y ~ np.log(x)", "log(y) ~ x", "y ~ x - z", "y ~ x ~ z"])
def test_formula_to_stata_refuses(formula: str) -> None:
    with pytest.raises(NotSupportedError):
        formula_to_stata(formula)


def test_split_top() -> None:
    assert split_top("C(s, contr.treatment(base='a:b'))[T.x]:z", ":") == [
        "C(s, contr.treatment(base='a:b'))[T.x]",
        "z",
    ]
