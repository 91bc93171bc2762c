"""The footer statistics registry."""

from __future__ import annotations

import pytest

from vcereg.errors import RenderError
from vcereg.tables import etable, register_statistic, resolve_statistic, statistic_names
from vcereg.tables.stats import _REGISTRY


def test_required_statistics_exist() -> None:
    names = set(statistic_names())
    assert {
        "nobs",
        "r2",
        "r2_adj",
        "r2_within",
        "f",
        "rmse",
        "n_clusters",
        "vce",
        "fe",
        "ssc",
    } <= names
    assert resolve_statistic("N").name == "nobs"
    assert resolve_statistic("n").name == "nobs"  # case-insensitive fallback


def test_unknown_statistic_lists_names_and_closest(fake_ols) -> None:
    with pytest.raises(RenderError) as err:
        etable(fake_ols, stats=["nobs", "r2_ajd"])
    message = str(err.value)
    assert "'r2_ajd'" in message
    assert "nobs, r2, r2_adj" in message
    assert "did you mean 'r2_adj'?" in message


def test_register_custom_statistic(fake_models) -> None:
    try:
        register_statistic("df_res", "Residual df", lambda r: r.df_resid, fmt="count")
        table = etable(fake_models, stats=["nobs", "df_res"]).table
        row = table.rows()
        labels = {r.label: [c.text for c in r.cells] for r in row}
        assert labels["Residual df"] == ["393", "392", "391"]
        with pytest.raises(RenderError, match="already registered"):
            register_statistic("df_res", "x", lambda r: 1)
        register_statistic("df_res", "Resid. df", lambda r: r.df_resid, replace=True, fmt=1)
        table = etable(fake_models, stats=["df_res"]).table
        stat_row = next(r for r in table.rows() if r.key == "df_res")
        assert stat_row.label == "Resid. df"
        assert stat_row.cells[0].text == "393.0"
    finally:
        _REGISTRY.pop("df_res", None)


def test_register_rejects_bad_input() -> None:
    with pytest.raises(RenderError, match="identifier"):
        register_statistic("bad name", "x", lambda r: 1)
    with pytest.raises(RenderError, match="unknown statistic format"):
        register_statistic("okname", "x", lambda r: 1, fmt="percent")
    assert "okname" not in statistic_names()
