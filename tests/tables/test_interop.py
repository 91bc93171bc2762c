"""vcereg results inside other table tools: maketables (and great_tables through it), and
notebook HTML."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import vcereg

maketables = pytest.importorskip("maketables", reason="maketables is not installed")
pf = pytest.importorskip("pyfixest", reason="pyfixest is not installed")


@pytest.fixture(scope="module")
def pair(student_data: pd.DataFrame) -> tuple[vcereg.Results, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = vcereg.regress("G3 ~ absences + age | vce(cluster Mjob)", student_data, ssc="fixest")
        theirs = pf.feols("G3 ~ absences + age", student_data, vcov={"CRV1": "Mjob"})
    return ours, theirs


def test_coef_table_matches_pyfixest_tidy(pair) -> None:
    ours, theirs = pair
    table = ours.__maketables_coef_table__
    tidy = theirs.tidy()
    assert list(table.index) == list(tidy.index)
    for mine, ref in [("b", "Estimate"), ("se", "Std. Error"), ("t", "t value"),
                      ("p", "Pr(>|t|)"), ("ci95l", "2.5%"), ("ci95u", "97.5%")]:  # fmt: skip
        np.testing.assert_allclose(table[mine], tidy[ref], rtol=1e-8)


def test_maketables_etable_prints_the_same_columns(pair) -> None:
    ours, theirs = pair
    df = maketables.ETable([ours, theirs]).df
    coef = df.loc["coef"]
    assert (coef.iloc[:, 0] == coef.iloc[:, 1]).all(), coef  # same coefficient and SE cells
    stats = df.loc["stats"]
    assert stats.loc["Observations"].tolist() == ["395", "395"]
    assert ours.__maketables_stat__("N") == 395
    assert ours.__maketables_stat__("r2") == pytest.approx(theirs._r2, rel=1e-10)
    assert ours.__maketables_stat__("n_clusters") == 5
    assert ours.__maketables_vcov_info__ == {"vcov_type": "cluster", "clustervar": ["Mjob"]}
    assert ours.__maketables_depvar__ == "G3" and ours.__maketables_fixef_string__ is None


def test_fixed_effects_and_great_tables(student_data: pd.DataFrame) -> None:
    pytest.importorskip("great_tables")
    r = vcereg.regress("G3 ~ absences | fe(Mjob)", student_data)
    assert r.__maketables_fixef_string__ == "Mjob"
    gt = maketables.ETable([r]).make(type="gt")
    assert type(gt).__name__ == "GT"
    assert "absences" in gt.as_raw_html()


def test_notebook_html(student_data: pd.DataFrame) -> None:
    r = vcereg.regress("G3 ~ absences", student_data)
    assert r._repr_html_().startswith('<div class="vcereg-table">')
    t = vcereg.etable([r, r])
    assert t._repr_html_() == t.to_html() and "absences" in t._repr_html_()
    d = vcereg.describe(student_data, ["G3"])
    assert "<table" in d._repr_html_()
