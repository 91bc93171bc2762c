"""The NIST StRD files themselves: the untouched ``.dat`` originals in
``tests/data/nist/original/`` have the sha256 and size recorded in ``certified.json``, the
CSVs hold exactly their data sections, and every certified number in ``certified.json``
(coefficients, standard deviations, residual SD, R², the ANOVA table with its F) is the
number printed in the original. So the values ``test_nist.py`` scores against are NIST's,
not a transcription of them.
"""

from __future__ import annotations

import hashlib
import json
import math
import re

import pandas as pd
import pytest

from tests.conftest import DATA

NIST = DATA / "nist"
CERT = {k: v for k, v in json.loads((NIST / "certified.json").read_text()).items() if k[0] != "_"}


def _lines(name: str) -> list[str]:
    return (NIST / "original" / f"{name}.dat").read_bytes().decode("ascii").splitlines()


def _section(lines: list[str], what: str) -> list[str]:
    """The lines of a section, from the header's own "(lines a to b)" (1-based)."""
    header = next(ln for ln in lines[:10] if re.match(rf"\s*{what}\s+\(lines", ln))
    m = re.search(r"lines (\d+) to (\d+)", header)
    assert m is not None, header
    return lines[int(m.group(1)) - 1 : int(m.group(2))]


def _num(text: str) -> float:
    return math.inf if text == "Infinity" else float(text)


@pytest.mark.parametrize("name", sorted(CERT))
def test_original_file_has_recorded_checksum(name: str) -> None:
    raw = (NIST / "original" / f"{name}.dat").read_bytes()
    src = CERT[name]["source"]
    assert len(raw) == src["dat_bytes"]
    assert hashlib.sha256(raw).hexdigest() == src["dat_sha256"]
    assert b"\r\n" in raw  # kept byte for byte (see .gitattributes)


@pytest.mark.parametrize("name", sorted(CERT))
def test_csv_is_the_data_section(name: str) -> None:
    lines = _lines(name)
    data = _section(lines, "Data")
    rows = [[float(v) for v in ln.split()] for ln in data if ln.strip()]
    csv = pd.read_csv(NIST / CERT[name]["csv"])
    assert list(csv.columns) == CERT[name]["columns"]
    assert csv.shape == (len(rows), len(rows[0])) == (CERT[name]["n_obs"], len(csv.columns))
    # the same decimal text parsed by two parsers: equal doubles, no tolerance
    assert csv.to_numpy(float).tolist() == rows


@pytest.mark.parametrize("name", sorted(CERT))
def test_certified_json_is_what_the_original_prints(name: str) -> None:
    c = CERT[name]
    cert = _section(_lines(name), "Certified Values")
    params = [ln.split() for ln in cert if re.match(r"\s+B\d+\s", ln)]
    assert [p[0] for p in params] == c["parameters"]
    assert [float(p[1]) for p in params] == c["coefficients"]
    assert [float(p[2]) for p in params] == c["coefficient_std_devs"]
    text = "\n".join(cert)
    rsd = re.search(r"Standard Deviation\s+(\S+)\s*$", text, re.M)
    r2 = re.search(r"R-Squared\s+(\S+)", text)
    assert rsd is not None and r2 is not None
    assert float(rsd.group(1)) == c["residual_std_dev"]
    assert float(r2.group(1)) == c["r_squared"]
    reg = next(ln.split() for ln in cert if ln.startswith("Regression"))
    res = next(ln.split() for ln in cert if ln.startswith("Residual "))
    anova = c["anova"]
    assert int(reg[1]) == anova["regression"]["df"] == c["n_params"] - int(c["intercept"])
    assert float(reg[2]) == anova["regression"]["ss"]
    assert reg[4] == anova["regression"]["F_text"]
    f = _num(reg[4])
    assert f == (math.inf if anova["regression"]["F"] is None else anova["regression"]["F"])
    assert int(res[1]) == anova["residual"]["df"] == c["n_obs"] - c["n_params"]
    assert float(res[2]) == anova["residual"]["ss"]
