"""The output docs/glm.md quotes is what vcereg prints (the page's worked example)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import vcereg

PAGE = Path(__file__).resolve().parents[2] / "docs" / "glm.md"


def _text_blocks() -> list[str]:
    return re.findall(r"^```text\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.M | re.S)


def test_worked_example_output_is_current():
    d = vcereg.datasets.load("student-mat")
    d["pass"] = (d["G3"] >= 10).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = vcereg.regress("logit pass absences studytime failures i.sex, vce(cluster Mjob)", d)
    summary, ame = _text_blocks()[:2]
    assert summary == r.summary()
    table = r.margins(dydx=["absences", "studytime", "failures", "sex"]).round(4).to_string()
    norm = [line.rstrip() for line in table.splitlines()]
    assert [line.rstrip() for line in ame.splitlines()] == norm
