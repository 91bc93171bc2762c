"""Text widths for the Word and Excel renderers, which must size columns themselves.

Widths of printable ASCII in 1/1000 em, per font: Times New Roman (Adobe's Times-Roman
metrics, which Liberation Serif, Tinos, TeX Gyre Termes and Nimbus Roman share, so
LibreOffice lays a Times table out as Word does) and DejaVu Serif (what fontconfig
substitutes where no Times-compatible font is installed). For any other font the larger of
the two is used, so that a column sized here holds its text.

The decimal alignment of Word cells pads each part of a number with spaces of the same
class as the characters it lacks (figure space for a digit, punctuation space for the
point, a three-per-em space for a parenthesis), so that it lines up in any font that has
those spaces.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["PAD", "TIMES", "char_class", "text_width"]

TIMES = "Times New Roman"

_ASCII = (" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
          "abcdefghijklmnopqrstuvwxyz{|}~")  # fmt: skip
_TIMES = (
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278,
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444,
    921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722,
    556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500,
    333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500,
    500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
)  # fmt: skip
_DEJAVU = (
    318, 402, 460, 838, 636, 950, 890, 275, 390, 390, 500, 838, 318, 338, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 536,
    1000, 722, 735, 765, 802, 730, 694, 799, 872, 395, 401, 747, 664, 1024, 875, 820,
    673, 820, 753, 685, 667, 843, 722, 1028, 722, 722, 695, 390, 337, 390, 838, 500,
    500, 596, 640, 560, 640, 592, 370, 640, 644, 320, 310, 606, 320, 948, 644, 602,
    640, 640, 478, 513, 402, 644, 565, 856, 564, 565, 527, 636, 337, 636, 838,
)  # fmt: skip
# figure, punctuation, three-per-em and no-break spaces, minus sign; other glyphs: wide
_SPECIAL = "\u2007\u2008\u2004\u00a0\u2212"
_METRICS: dict[str, tuple[dict[str, int], int]] = {
    "times": (
        {**dict(zip(_ASCII, _TIMES, strict=True)),
         **dict(zip(_SPECIAL, (500, 250, 333, 250, 564), strict=True))},
        889,
    ),
    "dejavu": (
        {**dict(zip(_ASCII, _DEJAVU, strict=True)),
         **dict(zip(_SPECIAL, (636, 318, 330, 318, 838), strict=True))},
        1000,
    ),
}  # fmt: skip
_WIDEST = (
    {ch: max(_METRICS["times"][0][ch], _METRICS["dejavu"][0][ch]) for ch in _METRICS["times"][0]},
    1000,
)
_FAMILIES = {
    "times new roman": "times", "times": "times", "liberation serif": "times",
    "tinos": "times", "tex gyre termes": "times", "nimbus roman": "times",
    "dejavu serif": "dejavu",
}  # fmt: skip

#: The space that stands in for a character of each class in decimal alignment.
PAD = {"digit": "\u2007", "point": "\u2008", "bracket": "\u2004", "space": "\u00a0"}


def _widths(font: str) -> tuple[Mapping[str, int], int]:
    key = _FAMILIES.get(font.lower())
    return _METRICS[key] if key else _WIDEST


def char_class(ch: str) -> str:
    """``digit``, ``point``, ``bracket`` or ``space`` (what pads for ``ch``).

    >>> [char_class(c) for c in "−1.(  "]
    ['digit', 'digit', 'point', 'bracket', 'space', 'space']
    """
    if ch in ".,":
        return "point"
    if ch in "()[]":
        return "bracket"
    if ch.isspace():
        return "space"
    return "digit"


def text_width(text: str, size: float, font: str = TIMES) -> float:
    """Width of ``text`` in points at ``size`` points in ``font``.

    >>> text_width("0.081", 10), text_width("0.081", 10, "DejaVu Serif")
    (22.5, 28.62)
    """
    widths, wide = _widths(font)
    units = sum(widths.get(ch, wide) for ch in text)
    return units * size / 1000
