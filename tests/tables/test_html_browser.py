"""The HTML output in a real browser: Debian's headless Chromium.

``--dump-dom`` gives the DOM after parsing (so malformed markup would show as a different
tree); ``--screenshot`` renders the page to a PNG.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from vcereg.tables import etable

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None
)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LEGEND = "* p<0.10, ** p<0.05, *** p<0.01"


def dark_fraction(png: bytes) -> float:
    """Share of bytes darker than light grey in an 8-bit RGB/RGBA PNG (stdlib only)."""
    pos, idat, width, channels = 8, b"", 0, 3
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, _, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * channels
    # filtered bytes are not pixel values, but a white page filters to (almost) all 0/255
    dark = sum(
        1 for row in range(0, len(raw), stride) for b in raw[row + 1 : row + stride] if 30 < b < 200
    )
    return dark / len(raw)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    proc = subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


class TableParser(HTMLParser):
    """Collects (row class, [cell texts]) of every <tr>, and <caption>."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []
        self.caption = ""
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append((dict(attrs).get("class") or "", []))
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "caption":
            self._in_caption = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1][1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "caption":
            self._in_caption = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self.caption += data


@pytest.fixture
def page(fake_models, tmp_path: Path) -> Path:
    t = etable(
        fake_models,
        caption="Final grade & <absences>",
        labels={"absences": "Absences <days>"},
        label="tab:grades",
        stats=["nobs", "n_clusters", "vce"],
    )
    return t.save(tmp_path / "table.html")


def test_dom(page: Path, tmp_path: Path, fake_models) -> None:
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    parser = TableParser()
    parser.feed(dom)
    assert parser.caption == "Final grade & <absences>"
    rows = {cells[0]: (cls, cells[1:]) for cls, cells in parser.rows if cells and cells[0]}
    assert rows["Absences <days>"] == ("coef", ["0.020", "0.037", "0.040"])
    assert rows["age"][1] == ["", "\u22120.621***", "\u22120.666**"]  # a true minus sign
    assert "<sup" in dom  # stars are superscripts
    assert rows["Observations"] == ("stat", ["395", "395", "395"])
    assert rows["Std. errors"][1] == ["Conventional", "Robust (HC1)", "Clustered by school"]
    assert rows["Clusters"][1] == ["", "", "2"]  # missing statistics are blank
    header = [cells for cls, cells in parser.rows if cls == "header"]
    assert header == [["", "G3"], ["", "(1)", "(2)", "(3)"]]
    assert 'colspan="3" class="group"' in dom  # the dependent variable spans the models
    below = [cells for cls, cells in parser.rows if cls == "below"]
    assert below[0] == ["", "(0.029)", "(0.026)", "(0.009)"]
    notes = [cells[0] for cls, cells in parser.rows if cls == "" and len(cells) == 1]
    assert notes[0].replace("\u00a0", " ") == (f"Standard errors in parentheses; {LEGEND}")
    assert 'id="tab:grades"' in dom
    # one value per model in every body row: no cell was lost or merged by the parser
    body = [cells for cls, cells in parser.rows if cls not in ("", "header")]
    assert all(len(cells) == len(fake_models) + 1 for cells in body)


def test_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "table.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=800,600", page.as_uri())
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 5000  # a blank 800x600 page compresses to about 3 kB
    assert dark_fraction(data) > 0.001
