"""render_summary: Stata's `regress` display, on the statsmodels-backed fixtures."""

from __future__ import annotations

import dataclasses

from vcereg.tables import render_summary

from .conftest import with_omitted


def test_ols_anova_layout(fake_ols) -> None:
    text = render_summary(fake_ols)
    lines = text.splitlines()
    assert lines[0] == (
        "      Source |       SS           df       MS      Number of obs   =       395"
    )
    assert lines[1].startswith("-------------+----------------------------------   F(1, 393)")
    assert lines[2].startswith("       Model |  9.69959965         1  9.69959965   Prob > F")
    assert lines[5].startswith("       Total |  8269.90886       394  20.9896164   Root MSE")
    assert "          G3 | Coefficient  Std. err.      t    P>|t|     [95% conf. interval]" in lines
    assert lines[-3].startswith("    absences |   .0196052   .0288598     0.68   0.497")
    assert lines[-2].startswith("       _cons |   10.30327   .2834708    36.35   0.000")
    assert all(len(line) <= 78 for line in lines)
    assert "Robust" not in text


def test_robust_header(fake_robust) -> None:
    lines = render_summary(fake_robust).splitlines()
    assert lines[0] == (
        "Linear regression                               Number of obs     =        395"
    )
    assert lines[1].strip() == "F(2, 392)         =       5.46"
    assert "             |               Robust" in lines
    assert any(line.startswith("          G3 | Coefficient  std. err.") for line in lines)
    assert lines[-2].startswith("       _cons |")  # intercept last


def test_cluster_line_and_notes(fake_cluster) -> None:
    r = dataclasses.replace(fake_cluster, n_dropped=3)
    lines = render_summary(r).splitlines()
    assert "(Std. err. adjusted for 2 clusters in school)".rjust(78) in lines
    assert lines[-2] == "2 clusters is too few for reliable cluster-robust inference"
    long_note = dataclasses.replace(r, notes=("word " * 40,), n_dropped=0)
    wrapped = render_summary(long_note).splitlines()[-3:]
    assert all(60 < len(line) <= 78 for line in wrapped[:2]) and wrapped[2].startswith("word")
    assert lines[-1] == "3 rows dropped because of missing values"


def test_omitted_and_normal_inference(fake_robust) -> None:
    r = dataclasses.replace(
        with_omitted(fake_robust, "absences2"), df_inference=None, f_df=(2.0, None)
    )
    text = render_summary(r)
    assert "   absences2 |          0  (omitted)" in text
    assert "P>|z|" in text and "Wald chi2(2)" in text and "Prob > chi2" in text
    assert text.splitlines()[-1] == "absences2 omitted because of collinearity"


def test_factor_levels_grouped_and_long_names_abbreviated(fake_cluster) -> None:
    lines = render_summary(fake_cluster).splitlines()
    i = lines.index("      school |")
    assert lines[i - 1].startswith("-------------+")  # first term: no blank line above it
    assert lines[i + 2] == "             |"  # but one after the group
    assert lines[i + 1].startswith("         MS  |    .445003   .0182515    24.38   0.026")
    r = dataclasses.replace(fake_cluster, display_names={"absences": "absences_in_school_year"})
    assert "absences_i~r |" in render_summary(r)
    assert "[90% conf. interval]" in render_summary(dataclasses.replace(fake_cluster, level=90.0))


def test_absorbed_model_header(fake_robust) -> None:
    r = dataclasses.replace(
        fake_robust,
        vce_name="ols",
        fixed_effects=("school",),
        rsquared_within=0.0123,
        model_label="Linear regression, absorbing indicators",
    )
    lines = render_summary(r).splitlines()
    assert lines[0].startswith("Linear regression, absorbing indicators")
    assert any(line.strip() == "Within R-sq.      =     0.0123" for line in lines)
    assert "Absorbed fixed effects: school" in lines
