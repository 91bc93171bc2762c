"""Text widths for the Word and Excel renderers, which must size columns themselves.

The widths are those of printable ASCII in 1/1000 em, the larger of Times New Roman's
(Adobe's Times-Roman metrics) and DejaVu Serif's (what LibreOffice substitutes on systems
without Times or its metric clone Liberation Serif), so that a column sized here holds its
text in both. Other characters count as a wide glyph.

The decimal alignment of Word cells pads each part of a number with spaces of the same
class as the characters it lacks (figure space for a digit, punctuation space for the
point, a three-per-em space for a parenthesis), so that it lines up in any font that has
those spaces.
"""

from __future__ import annotations

__all__ = ["PAD", "char_class", "text_width"]

_ASCII = (" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
          "abcdefghijklmnopqrstuvwxyz{|}~")  # fmt: skip
_WIDTHS = (
    318, 402, 460, 838, 636, 950, 890, 275, 390, 390, 500, 838, 318, 338, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 536,
    1000, 722, 735, 765, 802, 730, 694, 799, 872, 395, 401, 747, 664, 1024, 875, 820,
    673, 820, 753, 685, 667, 843, 722, 1028, 722, 722, 695, 390, 337, 390, 838, 500,
    500, 596, 640, 560, 640, 592, 370, 640, 644, 320, 310, 606, 320, 948, 644, 602,
    640, 640, 478, 513, 402, 644, 565, 856, 564, 565, 527, 636, 337, 636, 838,
)  # fmt: skip
_WIDTH = dict(zip(_ASCII, _WIDTHS, strict=True))
_WIDE = 1000
_SPACES = {"\u2007": 636, "\u2008": 318, "\u2004": 390, "\u00a0": 318, "\u2212": 838}

#: The space that stands in for a character of each class in decimal alignment.
PAD = {"digit": "\u2007", "point": "\u2008", "bracket": "\u2004", "space": "\u00a0"}


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


def text_width(text: str, size: float) -> float:
    """Width of ``text`` in points at ``size`` points.

    >>> round(text_width("0.081", 10), 1)
    28.6
    """
    units = sum(_WIDTH.get(ch, _SPACES.get(ch, _WIDE)) for ch in text)
    return units * size / 1000
