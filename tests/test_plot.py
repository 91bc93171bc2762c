"""vcereg.plot.coefplot: rendered to PNG with the Agg backend, and its refusals."""

from __future__ import annotations

import builtins
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import vcereg
from vcereg.errors import RenderError
from vcereg.plot import coefplot

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
pytest.importorskip("matplotlib.figure")

FORMULA = "G3 ~ absences + studytime + failures + C(school)"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def models(student: pd.DataFrame) -> dict[str, vcereg.Results]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.FewClustersWarning)
        return _fit(student)


def _fit(student: pd.DataFrame) -> dict[str, vcereg.Results]:
    return {
        "OLS": vcereg.regress(FORMULA, student),
        "Robust": vcereg.regress(FORMULA + " | vce(robust)", student),
        "Cluster": vcereg.regress(FORMULA + " | vce(cluster school)", student),
    }


def _errorbars(fig: Any) -> list[Any]:
    return list(fig.axes[0].containers)


def test_one_model_to_png(tmp_path: Path, models: dict[str, vcereg.Results]) -> None:
    fig = coefplot(models["OLS"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "absences",
        "studytime",
        "failures",
        "C(school)[T.MS]",
    ]
    assert ax.get_title() == "Dependent variable: G3"
    out = tmp_path / "coef.png"
    fig.savefig(out, dpi=80)
    data = out.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 5_000


def test_points_and_intervals_are_the_estimates(models: dict[str, vcereg.Results]) -> None:
    r = models["Robust"]
    fig = coefplot(r, keep=["absences", "failures"], level=90)
    (bars,) = _errorbars(fig)
    line, _, (segments,) = bars.lines
    x, y = (np.asarray(v, dtype=float) for v in line.get_data())
    np.testing.assert_allclose(x, r.params[["absences", "failures"]].to_numpy())
    np.testing.assert_allclose(y, [0.0, 1.0])
    ci = r.conf_int(90).loc[["absences", "failures"]].to_numpy()
    ends = np.array([[seg[0][0], seg[1][0]] for seg in segments.get_segments()])
    np.testing.assert_allclose(ends, ci)
    assert "90% confidence" in fig.axes[0].get_xlabel()


def test_several_models_are_dodged(tmp_path: Path, models: dict[str, vcereg.Results]) -> None:
    fig = coefplot(models, drop="school", labels={"failures": "Past failures"})
    bars = _errorbars(fig)
    assert len(bars) == 3
    ys = np.array([b.lines[0].get_data()[1] for b in bars], dtype=float)  # (model, term)
    assert ys.shape == (3, 3)
    assert np.all(np.diff(ys, axis=0) > 0)  # each model shifted within a term
    assert np.all(np.abs(ys - np.arange(3)) < 0.5)  # but stays in its term's band
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["OLS", "Robust", "Cluster"]
    assert "Past failures" in [t.get_text() for t in ax.get_yticklabels()]
    fig.savefig(tmp_path / "three.png")
    assert (tmp_path / "three.png").read_bytes()[:8] == PNG_MAGIC


def test_intercept_titles_and_given_axes(models: dict[str, vcereg.Results]) -> None:
    base = matplotlib.figure.Figure()
    ax = base.add_subplot()
    fig = coefplot([models["OLS"], models["Cluster"]], ax=ax, titles=["a", "b"], intercept=True)
    assert fig is base
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "Intercept"


def test_stata_names_are_displayed(student: pd.DataFrame) -> None:
    r = vcereg.regress("regress G3 absences i.school, vce(robust)", student)
    fig = coefplot(r)
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert shown == [r.display_names[t] for t in r.terms if t != "Intercept"]
    assert shown[0] == "absences" and shown[1].endswith(".school")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keep": "nonexistent"}, "matches no term"),
        ({"drop": ".*"}, "nothing to plot"),
        ({"level": 120}, "level="),
        ({"titles": ["only one"]}, "one title per model"),
    ],
)
def test_refusals(
    models: dict[str, vcereg.Results], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(RenderError, match=message):
        coefplot([models["OLS"], models["Robust"]], **kwargs)  # type: ignore[arg-type]


def test_not_a_result() -> None:
    with pytest.raises(RenderError, match="expects vcereg results"):
        coefplot([object()])  # type: ignore[list-item]


def test_missing_matplotlib_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, models: dict[str, vcereg.Results]
) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(RenderError, match=r"pip install vcereg\[plot\]"):
        coefplot(models["OLS"])


def test_import_vcereg_does_not_import_matplotlib() -> None:
    code = "import sys, vcereg, vcereg.plot, vcereg.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
