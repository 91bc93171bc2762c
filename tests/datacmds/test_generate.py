"""``generate`` and ``replace`` ([D] generate) against pandas written here, and Stata's
storage rules: float storage by default ([D] data types, [U] 13.12), integer types,
promotion by ``replace``, string widths; ``by`` ordering ([D] by)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.errors import StataSyntaxError, VceregError, VceregWarning

from .conftest import run, stata_sorted


def test_default_type_is_float_and_rounds(messy: pd.DataFrame) -> None:
    out = run("gen y = x * 2 + 1\ngen double z = x * 2 + 1", messy).data
    ref = messy["x"] * 2 + 1
    assert out["y"].dtype == np.float32 and out["z"].dtype == np.float64
    np.testing.assert_array_equal(out["y"].to_numpy(), ref.astype(np.float32).to_numpy())
    np.testing.assert_array_equal(out["z"].to_numpy(), ref.to_numpy())


def test_float_storage_makes_point_one_unequal_to_point_one() -> None:
    # [U] 13.12 "Precision and problems therein": gen x = 0.1 stores float(0.1)
    d = pd.DataFrame({"a": [1, 2, 3]})
    run_ = run("gen x = 0.1\ncount if x == 0.1\ncount if x == float(0.1)\n"
               "gen double y = 0.1\ncount if y == 0.1", d)  # fmt: skip
    assert [str(o).strip() for _, _, o in run_.log] == ["0", "3", "3"]
    run2 = run("set type double\ngen x = 0.1\ncount if x == 0.1", d)
    assert str(run2.log[-1][2]).strip() == "3"


def test_missing_is_larger_than_every_number(messy: pd.DataFrame) -> None:
    # the trap: gen hi = x > 5 is 1 where x is missing ([U] 12.2.1)
    out = run("gen hi = x > 5\ngen hi2 = x > 5 & x < .\ngen m = missing(x)", messy).data
    x = messy["x"].to_numpy()
    assert out["hi"].tolist() == np.where(np.isnan(x) | (x > 5), 1.0, 0.0).tolist()
    assert out["hi2"].tolist() == np.where(~np.isnan(x) & (x > 5), 1.0, 0.0).tolist()
    assert out["m"].tolist() == np.isnan(x).astype(float).tolist()


def test_if_and_in_leave_other_rows_missing(messy: pd.DataFrame) -> None:
    out = run("gen y = x if g == 1\ngen z = 1 in 5/10\ngen u = 1 in -3/l", messy).data
    keep = messy["g"] == 1
    np.testing.assert_array_equal(
        out["y"].to_numpy(), messy["x"].where(keep).astype(np.float32).to_numpy()
    )
    assert out["z"].notna().to_numpy().nonzero()[0].tolist() == [4, 5, 6, 7, 8, 9]
    assert out["u"].notna().to_numpy().nonzero()[0].tolist() == [77, 78, 79]


def test_integer_types_truncate_and_lose_out_of_range_values() -> None:
    d = pd.DataFrame({"v": [1.7, -1.7, 100.0, 101.0, -127.0, -128.0, math.nan]})
    out = run("gen byte b = v\ngen int i = v * 1000\ngen long l = v", d).data
    assert str(out["b"].dtype) == "Int8" and str(out["i"].dtype) == "Int16"
    assert out["b"].tolist() == [1, -1, 100, pd.NA, -127, pd.NA, pd.NA]
    assert out["i"].tolist()[:3] == [1700, -1700, pd.NA]  # 100000 > 32740
    assert out["l"].tolist()[:2] == [1, -1]


def test_strings_width_and_missing() -> None:
    d = pd.DataFrame({"s": ["abcdef", "", None, "xy"]})
    out = run('gen str3 t = s\ngen u = s + "!"\ngen n = length(s)', d).data
    assert out["t"].tolist() == ["abc", "", "", "xy"]
    assert out["u"].tolist() == ["abcdef!", "!", "!", "xy!"]  # missing strings are ""
    assert out["n"].tolist() == [6.0, 0.0, 0.0, 2.0]


def test_generate_errors_name_the_line_and_the_rc(messy: pd.DataFrame) -> None:
    with pytest.raises(StataSyntaxError, match=r"line 2: variable x already defined; r\(110\)"):
        run("gen y = 1\ngen x = 2", messy)
    with pytest.raises(VceregError, match=r"type mismatch; r\(109\)"):
        run("gen str5 y = x", messy)
    with pytest.raises(VceregError, match=r"r\(111\)"):
        run("gen y = nosuch + 1", messy)


# --- by: _n, _N, subscripts and sum() within groups ([D] by, [U] 13.7) -------------------
def test_bysort_n_matches_a_stable_sort(messy: pd.DataFrame) -> None:
    out = run("bysort g (t): gen n = _n\nby g: gen N = _N\nby g: gen first_t = t[1]", messy).data
    ref = stata_sorted(messy, ["g", "t"])
    key = ref["g"].fillna(np.inf)
    assert out["id"].tolist() == ref["id"].tolist()  # the data stay sorted, as in Stata
    assert out["n"].tolist() == (ref.groupby(key, sort=False).cumcount() + 1).astype(float).tolist()
    assert out["N"].tolist() == ref.groupby(key)["t"].transform("size").astype(float).tolist()
    assert (
        out["first_t"].tolist() == ref.groupby(key)["t"].transform("first").astype(float).tolist()
    )


def test_by_needs_sorted_data_and_warns_about_ties(messy: pd.DataFrame) -> None:
    with pytest.raises(StataSyntaxError, match=r"not sorted; r\(5\)"):
        run("by g: gen n = _n", messy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vcereg.run_do("bysort g: gen n = _n", messy)
    assert any(issubclass(w.category, VceregWarning) and "random" in str(w.message) for w in caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vcereg.run_do("bysort id: gen n = _n\nbysort g: gen N = _N", messy)  # no order question
    assert not [w for w in caught if "random" in str(w.message)]


def test_running_sum_within_groups(messy: pd.DataFrame) -> None:
    out = run("bysort g (id): gen double c = sum(x)", messy).data
    ref = stata_sorted(messy, ["g", "id"])
    want = ref["x"].fillna(0).groupby(ref["g"].fillna(np.inf)).cumsum()
    np.testing.assert_allclose(out["c"].to_numpy(), want.to_numpy(), rtol=1e-15)


# --- replace ------------------------------------------------------------------------------
def test_replace_counts_changes_and_uses_missing_rules(messy: pd.DataFrame) -> None:
    r = run("replace x = 0 if x > 12", messy)
    x = messy["x"].to_numpy()
    hit = np.isnan(x) | (x > 12)
    assert r.data["x"].tolist() == np.where(hit, 0.0, x).tolist()
    assert r.log[-1][2] == f"({int(hit.sum())} real changes made)"


def test_replace_promotes_integers_and_keeps_float_rounding() -> None:
    d = pd.DataFrame({"b": pd.array([1, 2, 3], dtype="Int8"), "f": np.float32([1, 2, 3])})
    out = run("replace b = 1000 in 1\nreplace f = 0.1 in 2", d).data
    assert str(out["b"].dtype) == "Int16" and out["b"].tolist() == [1000, 2, 3]
    assert out["f"].dtype == np.float32 and out["f"].iloc[1] == np.float32(0.1)
    out = run("replace b = 1.5 in 1", d).data
    assert out["b"].dtype == np.float32 and out["b"].tolist() == [1.5, 2, 3]


def _carry_forward(x: list[float]) -> list[float]:
    """Reference: Stata's observation-by-observation replace x = x[_n-1] if missing(x)."""
    out = list(x)
    for i in range(1, len(out)):
        if math.isnan(out[i]):
            out[i] = out[i - 1]
    return out


def test_replace_with_its_own_lag_runs_observation_by_observation() -> None:
    d = pd.DataFrame({
        "id": [1, 1, 1, 1, 2, 2, 2, 3],
        "t": [4, 1, 2, 3, 1, 2, 3, 1],
        "x": [np.nan, 5.0, np.nan, np.nan, np.nan, 7.0, np.nan, np.nan],
    })  # fmt: skip
    out = run("bysort id (t): replace x = x[_n-1] if missing(x)", d).data
    ref = stata_sorted(d, ["id", "t"])
    want = [v for _, grp in ref.groupby("id", sort=True) for v in _carry_forward(grp["x"].tolist())]
    assert out["x"].fillna(-1).tolist() == pd.Series(want).fillna(-1).tolist()
    assert out["x"].tolist()[:4] == [5.0, 5.0, 5.0, 5.0]  # a run of missing values is filled


def test_replace_cumulative_within_groups_matches_a_loop(messy: pd.DataFrame) -> None:
    out = run(
        "bysort g (id): gen double c = x\nby g: replace c = c + c[_n-1] if _n > 1", messy
    ).data
    ref = stata_sorted(messy, ["g", "id"])
    want: list[float] = []
    for _, grp in ref.groupby(ref["g"].fillna(np.inf), sort=True):
        acc: list[float] = []
        for v in grp["x"]:
            acc.append(v if not acc else v + acc[-1])
        want.extend(acc)
    np.testing.assert_allclose(out["c"].to_numpy(), np.array(want), rtol=1e-14)


def test_replace_nopromote_and_generate_placement() -> None:
    d = pd.DataFrame(
        {"b": pd.array([1, 2, 3], dtype="Int8"), "s": ["ab", "cd", "ef"], "z": [0, 0, 0]}
    )
    text = (
        'replace b = 2.7 in 1, nopromote\nreplace s = "wxyz" in 1, nopromote\n'
        'replace s = "long text" in 2\ngen y = 1, before(s)\ngen w = 2, after(z)'
    )
    out = run(text, d).data
    assert str(out["b"].dtype) == "Int8" and out["b"].tolist() == [2, 2, 3]  # truncated, kept byte
    assert out["s"].tolist() == ["wx", "long text", "ef"]  # str2 kept, then widened
    assert list(out.columns) == ["b", "y", "s", "z", "w"]
    with pytest.raises(VceregError, match=r"option nosuch not allowed; r\(198\)"):
        run("gen q = 1, nosuch", d)
