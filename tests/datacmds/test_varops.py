"""``keep``/``drop``/``sort``/``gsort``/``rename``/``order``/``clonevar``, labels,
``encode``/``decode``, ``destring``/``tostring``, ``recode``, ``xtile``, ``collapse`` and
``preserve``/``restore``, each against pandas written here ([D] manuals)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from vcereg.errors import VceregError

from .conftest import run, stata_sorted


def test_keep_drop_rows_and_variables(messy: pd.DataFrame) -> None:
    r = run("drop if x > 12\nkeep if g < 3 in 1/30\ndrop w t", messy)
    x = messy["x"]
    step1 = messy[~(x.isna() | (x > 12))]  # missing is > 12: dropped too
    step2 = step1.iloc[:30][step1["g"].iloc[:30] < 3]  # g missing is not < 3
    assert r.data["id"].tolist() == step2["id"].tolist()
    assert list(r.data.columns) == ["id", "g", "x", "k", "s"]
    assert r.log[0][2] == f"({len(messy) - len(step1)} observations deleted)"
    assert "w" in messy  # the caller's data is untouched


def test_by_keep_first_of_each_group(messy: pd.DataFrame) -> None:
    out = run("bysort g (t id): keep if _n == 1", messy).data
    ref = (
        stata_sorted(messy, ["g", "t", "id"]).groupby(messy["g"].fillna(np.inf), sort=True).head(1)
    )
    assert out["id"].tolist() == ref["id"].tolist()


def test_sort_puts_missing_last_and_empty_strings_first(messy: pd.DataFrame) -> None:
    out = run("sort x", messy).data
    assert out["id"].tolist() == stata_sorted(messy, ["x"])["id"].tolist()
    out = run("sort s id", messy).data
    text = messy.assign(s2=messy["s"].fillna(""))
    assert out["id"].tolist() == text.sort_values(["s2", "id"], kind="mergesort")["id"].tolist()


def test_extended_missing_values_sort_in_order() -> None:
    d = pd.DataFrame({"v": [3.0, 1.0, 2.0, 4.0, 5.0]})
    out = run("replace v = .b in 1\nreplace v = . in 2\nreplace v = .a in 3\nsort v\n"
              "gen c = v == .a", d).data  # fmt: skip
    assert out["v"].tolist()[:2] == [4.0, 5.0] and out["c"].tolist() == [0, 0, 0, 1, 0]


def test_gsort_descending_keeps_missing_last(messy: pd.DataFrame) -> None:
    out = run("gsort -x id", messy).data
    ref = messy.sort_values(
        ["x", "id"], ascending=[False, True], kind="mergesort", na_position="last"
    )
    assert out["id"].tolist() == ref["id"].tolist()
    out = run("gsort -x, mfirst", messy).data
    assert out["x"].isna().iloc[: messy["x"].isna().sum()].all()


def test_rename_order_clonevar(messy: pd.DataFrame) -> None:
    out = run("rename x xx\nrename (g s) (s g)\norder t id\nclonevar x2 = xx\n"
              'label variable xx "Income"', messy)  # fmt: skip
    assert list(out.data.columns)[:2] == ["t", "id"] and out.data["s"].equals(messy["g"])
    assert out.data["x2"].equals(out.data["xx"]) and out.labels == {"xx": "Income"}
    with pytest.raises(VceregError, match=r"already defined; r\(110\)"):
        run("rename x g", messy)


def test_encode_decode_roundtrip(messy: pd.DataFrame) -> None:
    out = run("encode s, gen(sc)\ndecode sc, gen(s2)", messy)
    text = messy["s"].fillna("")
    levels = sorted(set(text) - {""})
    want = [levels.index(v) + 1.0 if v else math.nan for v in text]
    got = out.data["sc"].astype("Float64").fillna(np.nan).to_numpy(dtype=float)
    np.testing.assert_array_equal(got, np.array(want))
    assert out.data["s2"].tolist() == text.tolist()


def test_value_labels_and_label_define_rules() -> None:
    d = pd.DataFrame({"v": [1, 2, 2]})
    out = run('label define yn 1 "No" 2 "Yes"\nlabel values v yn\nlabel list yn', d)
    assert "1 No" in str(out.log[-1][2]) and "2 Yes" in str(out.log[-1][2])
    with pytest.raises(VceregError, match=r"already defined; r\(110\)"):
        run('label define yn 1 "a"\nlabel define yn 2 "b"', d)
    run('label define yn 1 "a"\nlabel define yn 2 "b", add', d)


def test_destring_tostring() -> None:
    d = pd.DataFrame(
        {"a": ["1", "2", "", "."], "b": ["1.5", "x", "3", ""], "c": [1.0, 1 / 3, np.nan, 2.0]}
    )
    out = run("destring a, replace\ndestring b, gen(b2)\ndestring b, gen(b3) force\n"
              "tostring c, gen(c2)\ntostring c, gen(c3) force", d)  # fmt: skip
    assert str(out.data["a"].dtype) == "Int8" and out.data["a"].tolist()[:2] == [1, 2]
    assert "b2" not in out.data  # nonnumeric characters: no generate
    assert out.data["b3"].tolist()[0] == 1.5 and math.isnan(out.data["b3"].tolist()[1])
    # %12.0g, tostring's default, shows 1/3 as .3333333333: not reversible without force
    assert "c2" not in out.data and out.data["c3"].tolist() == ["1", ".3333333333", ".", "2"]


def test_recode_rules(messy: pd.DataFrame) -> None:
    out = run("recode g (1 = 10) (2/3 = 20) (missing = 99), gen(g2)\n"
              "recode x (min/8 = 1) (8/12 = 2) (else = 3), gen(xc)", messy).data  # fmt: skip
    g = messy["g"]
    assert (
        out["g2"].tolist()
        == np.select([g == 1, g.between(2, 3), g.isna()], [10, 20, 99]).astype(float).tolist()
    )
    x = messy["x"]
    want = np.select([x <= 8, x <= 12, x.isna()], [1, 2, 3], 3)  # the first rule that matches
    assert out["xc"].tolist() == want.astype(float).tolist()


def test_xtile(messy: pd.DataFrame) -> None:
    out = run("xtile q = x, nq(4)", messy).data
    xs = sorted(v for v in messy["x"] if not math.isnan(v))
    n = len(xs)
    cuts = []
    for k in (1, 2, 3):  # _pctile's definition
        pos = n * k / 4
        cuts.append((xs[int(pos) - 1] + xs[int(pos)]) / 2 if pos == int(pos) else xs[int(pos)])
    want = [math.nan if math.isnan(v) else 1.0 + sum(v > c for c in cuts) for v in messy["x"]]
    np.testing.assert_array_equal(out["q"].to_numpy(), np.array(want))


def test_collapse(messy: pd.DataFrame) -> None:
    out = run("collapse (mean) x (sd) sdx=x (count) n=x (sum) w (max) t, by(g)", messy)
    grp = messy.groupby("g", dropna=False, sort=True)
    ref = pd.DataFrame({"x": grp["x"].mean(), "sdx": grp["x"].std(ddof=1), "n": grp["x"].count(),
                        "w": grp["w"].sum(), "t": grp["t"].max()})  # fmt: skip
    # x is double, so are its statistics; w is an int: its mean would be float, its sum double
    np.testing.assert_allclose(out.data["x"], ref["x"], rtol=1e-15)
    np.testing.assert_allclose(out.data["sdx"], ref["sdx"], rtol=1e-14)
    assert out.data["n"].tolist() == ref["n"].tolist()
    assert out.data["w"].tolist() == ref["w"].astype(float).tolist()
    assert out.labels["x"] == "(mean) x" and out.data.columns[0] == "g"


def test_preserve_restore_and_end_of_run(messy: pd.DataFrame) -> None:
    out = run("preserve\ndrop if g == 1\nrestore\ngen y = 1\npreserve\nkeep in 1/3", messy).data
    assert len(out) == len(messy) and "y" in out  # a preserved state comes back at the end
