"""Time-series operators against an independent reference: pandas groupby().shift() on the
panel completed to every (id, time) pair, so that gaps become missing rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vcereg.design.tsops import materialize
from vcereg.errors import DataError, MissingVariableError
from vcereg.spec import PanelSpec, make_tsvar


@pytest.fixture
def panel() -> pd.DataFrame:
    # id 1 has a gap at t=3; id 2 starts late and is stored out of order; id 3 has one row
    rows = [
        (1, 1, 1.0), (1, 2, 2.5), (1, 4, 4.0), (1, 5, 7.0), (1, 6, 11.0),
        (2, 5, 3.0), (2, 3, 1.0), (2, 4, 2.0), (2, 7, 9.0),
        (3, 2, 5.0),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["id", "t", "x"]).sample(frac=1.0, random_state=3)


def _reference(df: pd.DataFrame, op: str, k: int) -> pd.Series:
    full = pd.MultiIndex.from_product(
        [sorted(df["id"].unique()), range(df["t"].min(), df["t"].max() + 1)], names=["id", "t"]
    )
    x = df.set_index(["id", "t"])["x"].reindex(full)
    g = x.groupby(level="id")
    if op == "L":
        out = g.shift(k)
    elif op == "F":
        out = g.shift(-k)
    elif op == "S":
        out = x - g.shift(k)
    else:  # D^k by repeated first differences
        out = x
        for _ in range(k):
            out = out - out.groupby(level="id").shift(1)
    return out.reindex(pd.MultiIndex.from_frame(df[["id", "t"]]))


@pytest.mark.parametrize(
    ("op", "k"), [("L", 1), ("L", 2), ("L", 3), ("F", 1), ("F", 2), ("D", 1), ("D", 2), ("S", 2)]
)
def test_matches_groupby_reference(panel: pd.DataFrame, op: str, k: int) -> None:
    tv = make_tsvar(op, k, "x")  # type: ignore[arg-type]
    out = materialize([tv], PanelSpec("id", "t"), panel)
    expected = _reference(panel, op, k).to_numpy()
    np.testing.assert_allclose(out[tv.name].to_numpy(), expected, equal_nan=True)


def test_gap_gives_missing_not_previous_row(panel: pd.DataFrame) -> None:
    out = materialize([make_tsvar("L", 1, "x")], PanelSpec("id", "t"), panel)
    row = out[(out["id"] == 1) & (out["t"] == 4)]
    assert np.isnan(row["L1__x"].item())  # t=3 is absent for id 1
    row = out[(out["id"] == 1) & (out["t"] == 2)]
    assert row["L1__x"].item() == 1.0


def test_input_not_modified_and_index_kept(panel: pd.DataFrame) -> None:
    before = panel.copy()
    out = materialize([make_tsvar("D", 1, "x")], PanelSpec("id", "t"), panel)
    pd.testing.assert_frame_equal(panel, before)
    assert list(out.index) == list(panel.index)
    assert list(out.columns) == ["id", "t", "x", "D1__x"]


def test_time_series_without_id() -> None:
    df = pd.DataFrame({"t": [3, 1, 2, 5], "x": [30.0, 10.0, 20.0, 50.0]})
    out = materialize([make_tsvar("L", 1, "x"), make_tsvar("F", 1, "x")], PanelSpec(None, "t"), df)
    np.testing.assert_allclose(out["L1__x"], [20.0, np.nan, 10.0, np.nan])
    np.testing.assert_allclose(out["F1__x"], [np.nan, 20.0, 30.0, np.nan])


def test_missing_time_or_value_gives_missing() -> None:
    df = pd.DataFrame({"id": [1, 1, 1], "t": [1.0, np.nan, 2.0], "x": [1.0, 2.0, np.nan]})
    out = materialize([make_tsvar("L", 1, "x")], PanelSpec("id", "t"), df)
    np.testing.assert_allclose(out["L1__x"], [np.nan, np.nan, 1.0])


def test_repeated_time_within_panel_is_an_error() -> None:
    df = pd.DataFrame({"id": [1, 1, 2], "t": [1, 1, 1], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="repeated time values within panel"):
        materialize([make_tsvar("L", 1, "x")], PanelSpec("id", "t"), df)


P = PanelSpec("id", "t")


@pytest.mark.parametrize(
    ("frame", "panel", "exc", "fragment"),
    [
        ({"t": [1, 2], "x": [1.0, 2.0]}, P, MissingVariableError, "'id'"),
        ({"id": [1, 1], "t": [1, 2], "z": [1.0, 2.0]}, P, MissingVariableError, "'x'"),
        ({"id": [1, 1], "t": [1.0, 1.5], "x": [1.0, 2.0]}, P, DataError, "whole numbers"),
        ({"id": [1, 1], "t": [1, 2], "x": ["a", "b"]}, P, DataError, "numeric"),
        ({"id": [1, 1], "t": [1, 2], "x": [1.0, 2.0]}, PanelSpec("id", None), DataError, "time"),
        ({"t": [1, 2], "x": [1.0, 2], "L1__x": [0, 0]}, PanelSpec(None, "t"), DataError, "has it"),
    ],
)  # fmt: skip
def test_errors(frame: dict[str, list[object]], panel: PanelSpec, exc: type, fragment: str) -> None:
    with pytest.raises(exc, match=fragment):
        materialize([make_tsvar("L", 1, "x")], panel, pd.DataFrame(frame))


def test_labels_and_names() -> None:
    assert make_tsvar("L", 1, "gdp").label == "L.gdp"
    assert make_tsvar("F", 3, "gdp").label == "F3.gdp"
    assert make_tsvar("S", 4, "gdp").name == "S4__gdp"
    assert materialize([], PanelSpec("id", "t"), pd.DataFrame({"a": [1]})).shape == (1, 1)
