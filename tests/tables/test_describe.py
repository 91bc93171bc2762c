"""Descriptive statistics against pandas, scipy and statsmodels; the Stata spellings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.weightstats import DescrStatsW

import vcereg
from vcereg.errors import MissingVariableError, NotSupportedError, RenderError
from vcereg.tables import describe


def _values(table: vcereg.ETable) -> dict[str, list[str]]:
    return {row.key: [c.text for c in row.cells] for row in table.table.panels[0].rows}


@pytest.fixture(scope="module")
def messy(student_data: pd.DataFrame) -> pd.DataFrame:
    """Columns typed as files give them: int8, nullable with NA, bool, text."""
    d = student_data.copy()
    d["age8"] = d["age"].astype("int8")
    d["abs_na"] = d["absences"].astype("Int64").mask(d.index % 7 == 0)
    d["urban"] = d["address"].eq("U")
    return d


def test_unweighted_statistics_match_pandas(messy: pd.DataFrame) -> None:
    cols = ["G3", "age8", "abs_na", "urban"]
    t = describe(messy, cols, stats=["n", "mean", "sd", "min", "max", "median", "p25", "p75"],
                 digits=6)  # fmt: skip
    got = _values(t)
    for col in cols:
        x = messy[col].astype("float64").dropna()
        expected = [f"{len(x):,d}", *(f"{v:.6f}" for v in (
            x.mean(), x.std(), x.min(), x.max(), x.median(), x.quantile(0.25), x.quantile(0.75)
        ))]  # fmt: skip
        assert got[col] == expected, col


def test_by_group_with_difference_matches_groupby_and_ttest(messy: pd.DataFrame) -> None:
    t = describe(messy, ["G3", "abs_na"], by="school", stats=["mean", "sd", "n"], digits=6)
    got = _values(t)
    for col in ("G3", "abs_na"):
        x = messy[[col, "school"]].dropna().astype({col: "float64"})
        g = x.groupby("school")[col]
        expected = []
        for level in ("GP", "MS"):
            expected += [f"{g.mean()[level]:.6f}", f"{g.std()[level]:.6f}", f"{g.size()[level]}"]
        a, b = (x.loc[x.school == s, col] for s in ("GP", "MS"))
        res = stats.ttest_ind(a, b)
        expected += [f"{a.mean() - b.mean():.6f}", f"{res.pvalue:.3f}"]
        assert got[col] == expected
    groups = [(c.text, c.span) for c in t.table.header[0].cells]
    assert groups[0] == ("GP", 3) and groups[3] == ("MS", 3)  # each over its three statistics
    assert [c.text for c in t.table.header[1].cells][-2:] == ["Difference", "p-value"]
    welch = _values(describe(messy, ["G3"], by="school", stats=["mean"], unequal=True))
    a, b = (messy.loc[messy.school == s, "G3"] for s in ("GP", "MS"))
    assert welch["G3"][-1] == f"{stats.ttest_ind(a, b, equal_var=False).pvalue:.3f}"


def test_weighted_mean_sd_and_difference_match_statsmodels(messy: pd.DataFrame) -> None:
    w = messy["studytime"].astype(float)
    t = describe(messy, ["G3"], by="sex", stats=["mean", "sd", "n"], weights="studytime",
                 digits=8)  # fmt: skip
    row = _values(t)["G3"]
    for k, sex in enumerate(("F", "M")):
        m = messy.sex == sex
        x, ws = messy.loc[m, "G3"].to_numpy(float), w[m].to_numpy()
        ref = DescrStatsW(x, weights=ws * len(x) / ws.sum(), ddof=1)  # Stata: aw sum to n
        assert row[3 * k] == f"{ref.mean:.8f}" and row[3 * k + 1] == f"{ref.std:.8f}"
    # difference and p-value: WLS of G3 on a group indicator (pooled variance)
    X = sm.add_constant((messy.sex == "M").astype(float))
    fit = sm.WLS(messy["G3"].astype(float), X, weights=w).fit()
    assert row[-2] == f"{-fit.params.iloc[1]:.8f}" and row[-1] == f"{fit.pvalues.iloc[1]:.3f}"
    assert t.table.notes[0] == "Weighted by studytime (analytic weights)."


def test_categorical_rows_are_shares(messy: pd.DataFrame) -> None:
    got = _values(describe(messy, ["Mjob"], stats=["mean", "n"], digits=6))
    shares = messy["Mjob"].value_counts(normalize=True)
    assert got.pop("Mjob") == ["", ""]  # the variable's heading row
    assert set(got) == {f"Mjob={k}" for k in shares.index}
    for level, share in shares.items():
        assert got[f"Mjob={level}"] == [f"{share:.6f}", "395"]


def test_renders_in_every_format_and_labels(messy: pd.DataFrame, tmp_path) -> None:
    t = describe(messy, ["G3"], by="school", labels={"G3": "Final grade"}, caption="Table 1")
    assert "Final grade" in t.to_text() and "Final grade" in t.to_latex()
    assert "Final grade" in t.to_markdown() and "Final grade" in t.to_html()
    pytest.importorskip("openpyxl")
    t.save(tmp_path / "t1.xlsx")
    assert (tmp_path / "t1.xlsx").stat().st_size > 0


def test_errors(messy: pd.DataFrame) -> None:
    with pytest.raises(MissingVariableError, match=r"G33. is not a column") as err:
        describe(messy, ["G33"])
    assert err.value.hint == "did you mean 'G3'?"
    with pytest.raises(RenderError, match=r"unknown statistic 'meen'"):
        describe(messy, ["G3"], stats=["meen"])
    with pytest.raises(NotSupportedError, match="median with weights"):
        describe(messy, ["G3"], stats=["median"], weights="studytime")
    with pytest.raises(RenderError, match="exactly two groups"):
        describe(messy, ["G3"], by="Mjob", diff=True)


def test_stata_summarize_and_tabstat(messy: pd.DataFrame) -> None:
    run = vcereg.run_do(
        "summarize G3 absences if age > 16\ntabstat G3, by(sex) stat(mean n)\nsu G3 [aw=studytime]",
        messy,
    )
    (_, _, summ), (_, _, tab), (_, _, weighted) = run.log
    older = messy[messy.age > 16]
    assert _values(summ)["absences"][:2] == [f"{len(older)}", f"{older.absences.mean():.3f}"]
    f = messy[messy.sex == "F"].G3
    assert _values(tab)["G3"][:2] == [f"{f.mean():.3f}", f"{len(f)}"]
    assert len(tab.table.header[0].cells) == 4  # tabstat: no difference column
    ref = DescrStatsW(messy.G3.astype(float), weights=messy.studytime.astype(float))
    assert _values(weighted)["G3"][1] == f"{ref.mean:.3f}"
    assert np.isfinite(float(_values(weighted)["G3"][2]))
