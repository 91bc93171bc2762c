"""NIST StRD certified ANOVA F for every model with an intercept (and the uncentred F of
the two no-intercept models): the model F of ``vce(ols)`` is the classical F.

Scored in LRE digits as in test_nist.py: at least 7 on Filip (the hardest certified
problem, where V cannot be inverted in double precision, so the F comes from the fit's
R factor), at least 9 elsewhere. Wampler1/2 are exact fits (F certified as infinity).
"""

from __future__ import annotations

import numpy as np
import pytest

import vcereg
from tests.test_nist import CERT, _model, lre

FINITE_F = sorted(n for n, c in CERT.items() if c["anova"]["regression"]["F"] is not None)


def test_the_sets_with_a_finite_certified_f():
    assert len(FINITE_F) == 9  # 7 with an intercept, NoInt1, NoInt2


@pytest.mark.parametrize("name", FINITE_F)
def test_certified_anova_f(name):
    reg = CERT[name]["anova"]
    formula, d, _, _ = _model(name)
    r = vcereg.regress(formula, d)
    assert r.f_df == (reg["regression"]["df"], reg["residual"]["df"])
    floor = 7.0 if name == "Filip" else 9.0
    assert lre(np.array([r.fstat]), np.array([reg["regression"]["F"]])) >= floor
    assert not any("constraint" in n for n in r.notes)


@pytest.mark.parametrize("name", ["Wampler1", "Wampler2"])
def test_exact_fit_f_is_huge_with_full_df(name):
    formula, d, _, _ = _model(name)
    r = vcereg.regress(formula, d)
    assert r.f_df[0] == 5
    assert not r.fstat < 1e12
