r"""Text that is LaTeX markup: written verbatim in LaTeX, shown as plain text elsewhere.

Labels, titles, notes and captions are escaped in LaTeX by default, so ``x_1 & 50%``
prints as typed. A :class:`Latex` string (or any text given with ``etable(...,
escape=False)``) is LaTeX source instead: ``$\ln w_{it}$`` goes into the ``.tex`` file as
it is, and the other formats (text, Markdown, HTML, Word, Excel) show
:func:`latex_to_text` of it, ``ln wᵢₜ``.

>>> latex_to_text(r"$\ln w_{it}$"), latex_to_text(r"$R^2$"), latex_to_text(r"\% of \textit{GDP}")
('ln wᵢₜ', 'R²', '% of GDP')
"""

from __future__ import annotations

import re

__all__ = ["Latex", "concat", "latex_escape", "latex_to_text", "plain"]


class Latex(str):
    """A string of LaTeX markup (not escaped in LaTeX output).

    >>> isinstance(Latex(r"$\beta$"), str)
    True
    """

    __slots__ = ()


_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",  # OT1 fonts print < and > as inverted punctuation
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "\u2212": r"\ensuremath{-}",
    "\u2013": "--",
    "\u2014": "---",
    "\u00a0": "~",
    "\u2009": r"\,",
    "\u00b2": r"\textsuperscript{2}",
    "\u00b3": r"\textsuperscript{3}",
    "\u00d7": r"\ensuremath{\times}",
    "\u2264": r"\ensuremath{\leq}",
    "\u2265": r"\ensuremath{\geq}",
    "\u00b1": r"\ensuremath{\pm}",
}


def latex_escape(text: str) -> str:
    r"""LaTeX source for ``text``: escaped, unless it is :class:`Latex` already.

    >>> print(latex_escape("C(school)[T.MS] & 50% of x_1 < $5"))
    C(school)[T.MS] \& 50\% of x\_1 \textless{} \$5
    >>> print(latex_escape(Latex(r"$R^2$")))
    $R^2$
    """
    if isinstance(text, Latex):
        return str(text)
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def concat(*parts: str) -> str:
    """Texts joined: LaTeX when any part is (the others escaped), else plain text.

    >>> print(concat("a_b ", Latex("$x$")), concat("a", "b"))
    a\\_b $x$ ab
    """
    if any(isinstance(p, Latex) for p in parts):
        return Latex("".join(latex_escape(p) for p in parts))
    return "".join(parts)


def plain(text: str) -> str:
    """What a non-LaTeX format shows: ``text``, or :func:`latex_to_text` of LaTeX."""
    return latex_to_text(text) if isinstance(text, Latex) else text


_SUP = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW*",
                "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ*",
                strict=True))  # fmt: skip
_SUB = dict(
    zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)
)
_SYMBOLS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "φ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    "times": "×",
    "cdot": "·",
    "pm": "±",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "ne": "≠",
    "approx": "≈",
    "infty": "∞",
    "ldots": "…",
    "dots": "…",
    "cdots": "⋯",
    "sim": "∼",
    "prime": "′",
    "to": "→",
    "rightarrow": "→",
    "partial": "∂",
    "sum": "Σ",
    "prod": "Π",
    "ln": "ln",
    "log": "log",
    "exp": "exp",
    "max": "max",
    "min": "min",
    "Pr": "Pr",
    "E": "E",
    "Var": "Var",
}
_SPACES = {",": "\u2009", ";": " ", ":": " ", "!": "", " ": " ", "quad": " ", "qquad": "  "}
_LITERAL = {"%": "%", "&": "&", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}",
            "textless": "<", "textgreater": ">", "textbar": "|", "textbackslash": "\\",
            "textasciitilde": "~", "textasciicircum": "^", "textendash": "–",
            "textemdash": "—"}  # fmt: skip
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([\^_])|(\{)|(\})|(\$)|(---|--|~)|(.)", re.S)
_SPACED = {"×", "·", "±", "≤", "≥", "≠", "≈", "→", "∼"}  # binary operators keep spaces
_DASHES = {"---": "—", "--": "–", "~": "\u00a0"}


def _script(text: str, table: dict[str, str], mark: str) -> str:
    if text and all(ch in table for ch in text):
        return "".join(table[ch] for ch in text)
    return f"{mark}{text}" if len(text) == 1 else f"{mark}({text})"


def _group(source: str, pos: int) -> tuple[str, int]:
    """The braced group (or single character or command) starting at ``pos``."""
    while pos < len(source) and source[pos] == " ":
        pos += 1
    if pos >= len(source):
        return "", pos
    if source[pos] == "{":
        depth, end = 0, pos
        while end < len(source):
            depth += {"{": 1, "}": -1}.get(source[end], 0)
            if depth == 0:
                break
            end += 1
        return latex_to_text(source[pos + 1 : end]), end + 1
    m = re.match(r"\\[A-Za-z]+|\\.|.", source[pos:], re.S)
    assert m is not None
    return latex_to_text(m.group()), pos + m.end()


def latex_to_text(source: str) -> str:
    r"""A plain-text reading of simple LaTeX: math shifts and braces dropped, Greek letters
    and common symbols as Unicode, super- and subscripts as Unicode where it has them
    (``x^(ab)`` otherwise), font commands reduced to their text.

    >>> latex_to_text(r"$\hat{\beta}_1 \times 100$ --- see \emph{Notes}")
    'β₁ × 100 — see Notes'
    """
    out: list[str] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        assert m is not None
        command, script, _, _, _, dash, char = m.groups()
        pos = m.end()
        spaced = False
        if command is not None and command.isalpha():  # a control word eats the spaces after it
            while pos < len(source) and source[pos] in " \t\n":
                pos, spaced = pos + 1, True
        if command is not None:
            if command in _LITERAL:
                out.append(_LITERAL[command])
            elif command in _SPACES:
                out.append(_SPACES[command])
            elif command == "\\":
                out.append(" ")
            elif command in _SYMBOLS:
                symbol = _SYMBOLS[command]
                if symbol in _SPACED:  # binary operators stand between spaces
                    out.append(f" {symbol} ")
                else:
                    out.append(symbol + (" " if spaced and len(symbol) > 1 else ""))
            elif command == "textsuperscript":
                text, pos = _group(source, pos)
                out.append(_script(text, _SUP, "^"))
            elif command.isalpha():  # \textit{x}, \mathrm{x}, \hat{x}: keep the argument
                if pos < len(source) and source[pos] == "{":
                    text, pos = _group(source, pos)
                    out.append(text)
            else:
                out.append(command)
        elif script is not None:
            text, pos = _group(source, pos)
            out.append(_script(text, _SUP if script == "^" else _SUB, script))
        elif dash is not None:
            out.append(_DASHES[dash])
        elif char is not None:
            out.append(char)
    return re.sub(r"(?<=\S)  +(?=\S)", " ", "".join(out))
