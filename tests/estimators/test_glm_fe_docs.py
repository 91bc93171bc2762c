"""The gravity example of docs/glm.md (PPML with absorbed effects) prints what the page
quotes."""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "glm.md"


def test_gravity_example_output_is_current():
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index("## Poisson (PPML), logit and conditional logit") :]
    code, quoted = re.findall(r"^```(?:python|text)\n(.*?)^```", section, re.M | re.S)[:2]
    out = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(out):
        warnings.simplefilter("ignore")
        exec(code, {})
    assert out.getvalue().rstrip("\n") == quoted.rstrip("\n")
