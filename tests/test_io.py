"""vcereg.io: separator sniffing, Parquet and Stata round trips, and the refusals."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg import io
from vcereg.errors import DataError

DATA = Path(__file__).parent / "data"


@pytest.fixture()
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "y": [1.5, 2.0, 3.25, 4.0],
            "x": [1, 2, 3, 4],
            "name": ["a; b", "c, d", "e\tf", "g"],  # separators inside quoted text
        }
    )


def test_bundled_semicolon_file_is_sniffed() -> None:
    path = vcereg.datasets.path("student-mat")
    assert io.sniff_separator(Path(path).read_text()[:2000]) == ";"
    d = io.read(path)
    pd.testing.assert_frame_equal(d, vcereg.datasets.load("student-mat"))
    assert d.shape == (395, 33)
    assert d["school"].tolist()[:2] == ["GP", "GP"]  # quotes removed
    assert d["G1"].dtype.kind == "i"  # quoted numbers ("5") are numbers


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_sniffing_each_separator(tmp_path: Path, frame: pd.DataFrame, sep: str) -> None:
    path = tmp_path / "d.csv"
    frame.to_csv(path, sep=sep, index=False)
    pd.testing.assert_frame_equal(io.read(path), frame)


def test_tsv_and_explicit_sep(tmp_path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(tmp_path / "d.tsv", sep="\t", index=False)
    pd.testing.assert_frame_equal(io.read(tmp_path / "d.tsv"), frame)
    frame.to_csv(tmp_path / "d.txt", sep="|", index=False)
    pd.testing.assert_frame_equal(io.read(tmp_path / "d.txt", sep="|"), frame)


def test_gzip_csv(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "d.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        frame.to_csv(fh, sep=";", index=False)
    pd.testing.assert_frame_equal(io.read(path), frame)


def test_reference_csv_files_read_like_pandas() -> None:
    for name in ("petersen.csv", "grunfeld.csv"):
        pd.testing.assert_frame_equal(io.read(DATA / name), pd.read_csv(DATA / name))


def test_parquet_round_trip(tmp_path: Path, frame: pd.DataFrame) -> None:
    pytest.importorskip("pyarrow")
    path = tmp_path / "d.parquet"
    frame.to_parquet(path)
    pd.testing.assert_frame_equal(io.read(path), frame)


def test_parquet_without_pyarrow_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "d.parquet"
    path.write_bytes(b"PAR1")
    real = io.importlib.util.find_spec
    monkeypatch.setattr(
        io.importlib.util, "find_spec", lambda name: None if name == "pyarrow" else real(name)
    )
    with pytest.raises(DataError, match=r"pip install vcereg\[parquet\]"):
        io.read(path)


def test_stata_round_trip_keeps_variable_labels(tmp_path: Path) -> None:
    d = pd.DataFrame(
        {
            "wage": [10.5, 12.0, 9.75, 20.0],
            "educ": np.array([12, 16, 10, 18], dtype=np.int32),
            "union": np.array([0, 1, 1, 0], dtype=np.int8),
        }
    )
    labels = {"wage": "Hourly wage (USD)", "educ": "Years of schooling"}
    path = tmp_path / "d.dta"
    d.to_stata(
        path,
        write_index=False,
        variable_labels=labels,
        value_labels={"union": {0: "non-union", 1: "union"}},
        version=118,
    )
    back = io.read(path)
    pd.testing.assert_frame_equal(back, d, check_dtype=False)
    assert back["union"].dtype.kind == "i"  # value-labelled variables stay numeric, as in Stata
    assert back.attrs["labels"] == labels
    assert io.read_labels(path) == labels
    assert back.attrs["value_labels"]["union"] == {0: "non-union", 1: "union"}
    r = vcereg.regress("wage ~ educ", back)  # and the data are usable as they come
    assert r.nobs == 4


def test_excel_when_openpyxl_is_installed(tmp_path: Path, frame: pd.DataFrame) -> None:
    pytest.importorskip("openpyxl")
    path = tmp_path / "d.xlsx"
    frame.to_excel(path, index=False, sheet_name="data")
    pd.testing.assert_frame_equal(io.read(path, sheet="data"), frame)


def test_read_labels_of_a_csv_is_empty() -> None:
    assert io.read_labels(vcereg.datasets.path("student-mat")) == {}


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("d.sav", {}, "supported extensions: .csv"),
        ("d", {}, "supported extensions"),
        ("d.parquet.gz", {}, "supported extensions"),
        ("d.csv", {"sheet": "x"}, "sheet= applies to Excel files only"),
        ("d.dta", {"sep": ";"}, "sep= applies to delimited text files only"),
    ],
)
def test_refusals(tmp_path: Path, name: str, kwargs: dict[str, str], message: str) -> None:
    path = tmp_path / name
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match=message):
        io.read(path, **kwargs)  # type: ignore[arg-type]


def test_missing_file_suggests_a_near_name(tmp_path: Path) -> None:
    (tmp_path / "students.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="no such data file") as info:
        io.read(tmp_path / "studnets.csv")
    assert "students.csv" in str(info.value)
    with pytest.raises(DataError, match="expected a data file"):
        io.read(tmp_path)


def test_bad_encoding_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name;x\nJos\xe9;1\n".encode("latin-1"))
    with pytest.raises(DataError, match="encoding"):
        io.read(path)
    assert io.read(path, encoding="latin-1")["name"].tolist() == ["José"]
