"""Table 1 and Table 2 of a paper, in every format, and rendered to PNG.

A simulated wage panel (5,000 workers x 10 years = 50,000 rows, 500 firms in 20 regions;
40% of the firms start a training programme in 2015; training hours, instrumented by the
distance to the training centre). Table 1 describes the workers of programme and other
firms; Table 2 has six models: OLS, firm fixed effects, firm and year fixed effects,
standard errors clustered by firm, IV, and standard errors clustered by region (20
clusters, so the table warns). A marginsplot and a coefficient plot come along.

Usage::

    python examples/paper_table.py [OUTDIR]          # default: paper_tables/
    python examples/paper_table.py OUTDIR --png      # and PNGs of each table in OUTDIR
    python examples/paper_table.py --docs            # the PNGs of docs/img/

Every table is written as .txt, .md, .tex, .html, .docx and .xlsx. PNGs are made from what
a reader opens: the LaTeX compiled with pdflatex (article class), the Word and Excel files
converted by LibreOffice, each PDF page rasterised by pdftoppm, the HTML page in headless
Chromium; a tool that is missing is skipped with a message.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import vcereg

DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"

LABELS = {
    "lnwage": "Log wage",
    "educ": "Education (years)",
    "exper": "Experience",
    "I(exper ** 2 / 100)": "Experience² / 100",
    "female": "Female",
    "union": "Union member",
    "treated": "Training programme",
    "training": "Training hours",
    "firm": "Firm",
    "year": "Year",
    "region": "Region",
    "industry": "Industry",
    "hired": "Hired on",
}


def wage_panel(workers: int = 5_000, years: int = 10, seed: int = 2024) -> pd.DataFrame:
    """The simulated panel (the same as tests/tables/paper_data.py)."""
    rng = np.random.default_rng(seed)
    firm_of = rng.integers(0, 500, workers)
    region_of_firm = rng.integers(0, 20, 500)
    programme = rng.random(500) < 0.4
    firm_effect = rng.normal(0, 0.25, 500)
    ability = rng.normal(0, 1, workers)
    educ = rng.integers(8, 21, workers)
    female = rng.random(workers) < 0.48
    start = rng.integers(0, 25, workers)
    distance = rng.gamma(2.0, 10.0, workers)
    industry = rng.choice(
        ["Manufacturing", "Retail", "Services", "Finance", "Public"],
        workers,
        p=[0.3, 0.2, 0.25, 0.1, 0.15],
    )
    hired = pd.Timestamp("2000-01-01") + pd.to_timedelta(rng.integers(0, 3650, workers), "D")
    w = np.repeat(np.arange(workers), years)
    year = np.tile(np.arange(2010, 2010 + years), workers)
    f = firm_of[w]
    exper = start[w] + (year - 2010)
    training = np.clip(20 + 8 * ability[w] - 0.4 * distance[w] + rng.normal(0, 6, len(w)), 0, None)
    union = rng.random(len(w)) < 0.2
    treated = programme[f] & (year >= 2015)
    lnwage = (
        1.2 + 0.08 * educ[w] + 0.035 * exper - 0.06 * exper**2 / 100 - 0.12 * female[w]
        + 0.05 * union + 0.04 * treated + 0.004 * training + 0.15 * ability[w]
        + firm_effect[f] + 0.02 * (year - 2010) + rng.normal(0, 0.3, len(w))
    )  # fmt: skip
    return pd.DataFrame(
        {
            "lnwage": lnwage,
            "educ": educ[w].astype("int8"),
            "exper": exper.astype("int16"),
            "female": female[w].astype(int),
            "union": union.astype(int),
            "treated": treated.astype(int),
            "programme": programme[f].astype(int),
            "training": training,
            "distance": distance[w],
            "industry": pd.Categorical(industry[w]),
            "hired": hired[w],
            "firm": f,
            "region": region_of_firm[f],
            "year": year,
        }
    )


def table1(d: pd.DataFrame) -> vcereg.ETable:
    return vcereg.describe(
        d,
        ["lnwage", "educ", "exper", "female", "union", "industry", "hired"],
        by="programme",
        by_order=[1, 0],
        by_labels={1: "Programme firms", 0: "Other firms"},
        stats=["mean", "sd", "n"],
        labels=LABELS,
        caption="Workers in programme and other firms",
        label="tab:descriptives",
    )


X = "educ + exper + I(exper ** 2 / 100) + female + union"
MODELS = [
    f"lnwage ~ {X} + treated",
    f"lnwage ~ {X} + treated | fe(firm)",
    f"lnwage ~ {X} + treated | fe(firm year)",
    f"lnwage ~ {X} + treated | fe(firm year) | vce(cluster firm)",
    f"lnwage ~ {X} | iv(training ~ distance) | fe(firm year) | vce(cluster firm)",
    f"lnwage ~ {X} + treated | fe(year) | vce(cluster region)",
]


def table2(d: pd.DataFrame) -> tuple[vcereg.ETable, list[vcereg.Results]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.VceregWarning)  # noted in the table
        models = [vcereg.regress(m, d) for m in MODELS]
    table = vcereg.etable(
        models,
        labels=LABELS,
        groups={"OLS": 4, "IV": [5], "Few clusters": [6]},
        stats=[
            "nobs",
            ("r2", "R²", 2),
            "ymean",
            ("n_clusters", "Clusters"),
            "fe",
            ("first_f", "First-stage F", 1),
        ],
        caption="Wages and the training programme",
        label="tab:wages",
    )
    return table, models


# --- rendering ------------------------------------------------------------------------------


def _run(*cmd: str, cwd: Path) -> bool:
    if shutil.which(cmd[0]) is None:
        print(f"  ({cmd[0]} is not installed: skipped)")
        return False
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        print(f"  ({' '.join(cmd[:2])} failed: {proc.stdout[-300:]}{proc.stderr[-300:]})")
    return proc.returncode == 0


def _png(pdf: Path, png: Path) -> None:
    """The PDF's first page as a PNG, cropped to the ink (Pillow, when installed)."""
    stem = png.with_suffix("")
    if not pdf.exists():
        print(f"  (no {pdf.name}: LibreOffice could not convert it; for .xlsx it needs Calc)")
        return
    if not _run(
        "pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(stem), cwd=pdf.parent
    ):
        return
    _crop(png)


def _crop(png: Path) -> None:
    """Crop a PNG to its ink (with Pillow, which comes with matplotlib; else as it is)."""
    try:
        from PIL import Image, ImageChops
    except ImportError:
        return
    image = Image.open(png).convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if box:
        pad = 12
        left, top = max(box[0] - pad, 0), max(box[1] - pad, 0)
        right, bottom = min(box[2] + pad, image.width), min(box[3] + pad, image.height)
        image.crop((left, top, right, bottom)).save(png)


_ARTICLE = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage{booktabs,threeparttable,graphicx,siunitx}
\pagestyle{empty}
\begin{document}
\input{%s}
\end{document}
"""


def office_font() -> str:
    """Times New Roman, unless LibreOffice has no font with its metrics here (it would
    show another, wider one): then DejaVu Serif, so that the pictures show the layout a
    reader gets."""
    if shutil.which("fc-match") is None:
        return "Times New Roman"
    found = subprocess.run(
        ["fc-match", "-f", "%{family}", "Times New Roman"], capture_output=True, text=True
    ).stdout
    if any(n in found for n in ("Liberation Serif", "Tinos", "TeX Gyre Termes", "Nimbus Roman")):
        return "Times New Roman"
    print(f"  (no Times-compatible font for LibreOffice ({found}): Word and Excel in DejaVu Serif)")
    return "DejaVu Serif"


def render(name: str, table: vcereg.ETable, out: Path, img: Path | None) -> None:
    for ext in ("txt", "md", "tex", "html", "docx", "xlsx"):
        table.save(out / f"{name}.{ext}")
    if img is None:
        return
    font = office_font()
    for ext in ("docx", "xlsx"):
        table.with_options(font=font).save(out / f"{name}.{ext}")
    build = out / "build"
    build.mkdir(exist_ok=True)
    (build / f"{name}_latex.tex").write_text(_ARTICLE % (out / f"{name}.tex"), encoding="utf-8")
    if _run("pdflatex", "-interaction=nonstopmode", f"{name}_latex.tex", cwd=build):
        _png(build / f"{name}_latex.pdf", img / f"{name}_latex.png")
    shot = img / f"{name}_html.png"
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
    if _run(browser, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
            "--window-size=1400,1200", f"--user-data-dir={build / 'chromium'}",
            (out / f"{name}.html").as_uri(), cwd=build):  # fmt: skip
        _crop(shot)
    for ext, what in (("docx", "word"), ("xlsx", "excel")):
        copy = build / f"{name}_{what}.{ext}"
        shutil.copy(out / f"{name}.{ext}", copy)
        if _run("soffice", "--headless", "--convert-to", "pdf", copy.name, cwd=build):
            _png(build / f"{name}_{what}.pdf", img / f"{name}_{what}.png")


def main(argv: list[str]) -> Path:
    docs = "--docs" in argv
    args = [a for a in argv if a not in ("--docs", "--png")]
    out = (Path(args[0]) if args else Path("paper_tables")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    img = DOCS_IMG if docs else out if "--png" in argv else None
    d = wage_panel()
    t1 = table1(d)
    t2, models = table2(d)
    print(t1, t2, sep="\n")
    render("table1", t1, out, img)
    render("table2", t2, out, img)
    if img is None:
        print(f"\nwrote {out}/table1.* and {out}/table2.*")
        return out
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:
        print("  (matplotlib is not installed: no plots)")
        return out
    iv = models[4]
    vcereg.coefplot(
        {"Firm + year FE": models[3], "IV": iv}, keep=["educ", "female", "union"], labels=LABELS
    ).savefig(img / "coefplot.png", dpi=120)
    margins = models[0].margins(at={"exper": [0, 10, 20, 30, 40]}, over="female")
    vcereg.marginsplot(margins, labels=LABELS).savefig(img / "marginsplot.png", dpi=120)
    print(f"\nwrote {out}/table1.* and {out}/table2.*; PNGs in {img}")
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
