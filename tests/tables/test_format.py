"""Number formatting (vcereg.tables.format): the one place numbers become strings."""

from __future__ import annotations

import math

import pytest

from vcereg.tables import format as fmt


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Stata 17 `regress` output of `sysuse auto; regress mpg weight foreign`
        (-0.0065879, "-.0065879"),
        (0.0006371, ".0006371"),
        (41.6797, "41.6797"),
        (-1.650029, "-1.650029"),
        (0.4954422, ".4954422"),
        (37.36172, "37.36172"),
        # from the brief
        (0.01960451, ".0196045"),
        (-1.2345674, "-1.234567"),
        (10.134834, "10.13483"),
        (0.0, "0"),
        (5.0, "5"),
        (12345678.0, "12345678"),
        (123456789.0, "1.23e+08"),
        (0.0000123456, ".0000123"),
        (-0.00000123456, "-1.23e-06"),
        (9.99999999, "10"),
        (math.nan, "."),
        (None, "."),
    ],
)
def test_stata_g(value: float | None, expected: str) -> None:
    assert fmt.stata_g(value) == expected
    assert len(fmt.stata_g(value)) <= 9


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1619.2877, "1619.2877"), (824.171761, "824.171761"), (11.608053, "11.608053")],
)
def test_stata_g_wide(value: float, expected: str) -> None:
    """The ANOVA table's SS and MS columns (Stata prints up to 10 characters)."""
    assert fmt.stata_g(value, 11) == expected


def test_fixed_and_counts() -> None:
    assert fmt.fmt_fixed(0.0196, 3) == "0.020"
    assert fmt.fmt_fixed(-0.0004, 3) == "0.000"  # no negative zero
    assert fmt.fmt_fixed(math.inf, 3) == fmt.MISSING
    assert fmt.fmt_count(1234567) == "1,234,567"
    assert fmt.fmt_count(None) == ""
    assert fmt.fmt_value(12, "auto", 3) == "12"
    assert fmt.fmt_value(0.5, "auto", 2) == "0.50"
    assert fmt.fmt_value("Yes", "decimal", 3) == "Yes"
    assert fmt.fmt_value(False, "text", 3) == "No"
    assert fmt.fmt_value(math.nan, "count", 3) == ""
    assert fmt.fmt_ci(0.1, 0.25, 2) == "[0.10, 0.25]"


def test_stars_and_thresholds() -> None:
    spec = (("*", 0.10), ("**", 0.05), ("***", 0.01))
    assert [fmt.stars_for(p, spec) for p in (0.5, 0.1, 0.09, 0.04, 0.001)] == [
        "",
        "",
        "*",
        "**",
        "***",
    ]
    assert fmt.stars_for(None, spec) == ""
    assert fmt.fmt_threshold(0.1) == "0.10"
    assert fmt.fmt_threshold(0.001) == "0.001"


def test_stata_helpers() -> None:
    assert fmt.stata_fixed(-0.00001, 4) == "0.0000"
    assert fmt.stata_sig(4.58456) == "4.5846"
    assert fmt.stata_count(12345) == "12,345"
    assert fmt.fmt_df(393.0) == "393"
    assert fmt.fmt_level(99.5) == "99.5"
