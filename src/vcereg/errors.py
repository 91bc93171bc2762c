"""Exceptions and warnings raised by vcereg.

Every error the package raises derives from :class:`VceregError`::

    VceregError
    ├── SpecError (also ValueError)      the model string or an option is wrong
    │   ├── FormulaError                 the formula part (formulaic could not use it)
    │   │   └── UnsafeExpressionError    code or sizes the safe mode refuses to evaluate
    │   ├── VceSyntaxError               a vce(...) section that does not parse
    │   ├── UnknownVceError              a variance name nobody registered
    │   ├── VceOptionError               a known variance type with a bad option
    │   ├── ExpressionError              an if(...) / Stata ``if`` expression
    │   ├── StataSyntaxError             a Stata command line that does not parse
    │   └── NotSupportedError            valid input for a feature not available yet
    ├── DataError                        the data cannot support the model
    │   ├── MissingVariableError         a name that is not a column
    │   └── EmptySampleError             no rows left after filters and listwise deletion
    ├── EstimationError                  the numbers cannot be computed
    └── RenderError                      a table or plot cannot be produced

Warnings derive from :class:`VceregWarning` (a ``UserWarning``): few clusters,
omitted collinear terms, dropped rows, a covariance fixed to be positive semi-definite,
weak instruments.

Messages say what went wrong, what was expected, point at the offending part of the
string with a caret where there is one, and suggest the closest valid alternative.
"""

from __future__ import annotations

import difflib
import os
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self

__all__ = [
    "CollinearityWarning",
    "ConvergenceError",
    "DataError",
    "DroppedRowsWarning",
    "EmptySampleError",
    "EstimationError",
    "ExpressionError",
    "FewClustersWarning",
    "FormulaError",
    "HypothesisError",
    "MissingVariableError",
    "NonPSDWarning",
    "NotSupportedError",
    "PerfectPredictionWarning",
    "RenderError",
    "Span",
    "SpecError",
    "StataSyntaxError",
    "UnknownVceError",
    "UnsafeExpressionError",
    "VceOptionError",
    "VceSyntaxError",
    "VceregError",
    "VceregWarning",
    "WeakInstrumentsWarning",
    "caret",
    "closest",
    "warn",
]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def warn(message: str, category: type[Warning]) -> None:
    """Warn, attributing the warning to the first caller outside vcereg (the user's line)."""
    level = 2  # stacklevel 2 is warn()'s caller, the frame sys._getframe(1) returns
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level)


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character range ``[start, end)`` into the user's source string."""

    start: int
    end: int

    def shift(self, offset: int) -> Span:
        return Span(self.start + offset, self.end + offset)


def caret(source: str, span: Span) -> str:
    """Render ``source`` with carets under ``span`` (plain text, no colour).

    >>> print(caret("y ~ x | vce(clustr g)", Span(12, 18)))
      y ~ x | vce(clustr g)
                  ^^^^^^
    """
    start = max(0, min(span.start, len(source)))
    end = max(start + 1, min(span.end, len(source) + 1))
    line = source.replace("\n", " ").replace("\t", " ")
    return f"  {line}\n  {' ' * start}{'^' * (end - start)}"


def closest(name: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """Return the candidate most similar to ``name`` (case-insensitive), if any is close."""
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    if name.lower() in lowered:
        return lowered[name.lower()]
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


class VceregError(Exception):
    """Root of every exception raised by vcereg.

    Parameters
    ----------
    message
        What went wrong, ideally "expected X (got Y)".
    source, span
        The user's string and the offending part of it; rendered with a caret.
    hint
        A suggestion, e.g. "did you mean 'cluster'?".

    Attributes
    ----------
    rc
        Stata's return code for this kind of error (``r(198)`` invalid syntax, ``r(111)``
        variable not found, ...), which a do-file's ``capture`` stores in ``_rc``.
    """

    rc: int = 198

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        span: Span | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.span = span
        self.hint = hint
        super().__init__(str(self))

    def with_rc(self, rc: int) -> Self:
        """This error with Stata's return code ``rc`` (for messages and ``capture``)."""
        self.rc = rc
        return self

    def __str__(self) -> str:
        parts = [self.message]
        if self.source is not None and self.span is not None:
            parts.append(caret(self.source, self.span))
        if self.hint:
            parts.append(self.hint)
        return "\n".join(parts)

    def __reduce__(self) -> tuple[object, ...]:  # keep keyword-only state through pickling
        return (_rebuild, (type(self), self.message, self.source, self.span, self.hint))


def _rebuild(
    cls: type[VceregError], message: str, source: str | None, span: Span | None, hint: str | None
) -> VceregError:
    return cls(message, source=source, span=span, hint=hint)


class SpecError(VceregError, ValueError):
    """The model specification (string or keyword options) is invalid."""


class FormulaError(SpecError):
    """The formula part could not be understood."""


class VceSyntaxError(SpecError):
    """A ``vce(...)`` specification does not parse."""


class UnknownVceError(SpecError):
    """A variance estimator name that is not registered."""


class VceOptionError(SpecError):
    """A registered variance estimator was given an invalid option or argument."""


class ExpressionError(SpecError):
    """A sample-selection expression (``if(...)``) is invalid."""


class StataSyntaxError(SpecError):
    """A Stata command line does not parse."""


class UnsafeExpressionError(FormulaError):
    """Safe mode refused to evaluate code in a formula or expression."""


class HypothesisError(SpecError):
    """A hypothesis or linear combination (``test``, ``lincom``) is invalid."""


class NotSupportedError(SpecError):
    """Valid input asking for something vcereg cannot do yet."""

    rc = 199


class DataError(VceregError):
    """The data cannot support the requested model."""

    rc = 459


class MissingVariableError(DataError):
    """A variable named in the model is not a column of the data."""

    rc = 111


class EmptySampleError(DataError):
    """No observations are left to estimate the model."""

    rc = 2000


class EstimationError(VceregError):
    """The estimates or their covariance cannot be computed."""

    rc = 498


class ConvergenceError(EstimationError):
    """An iterative (maximum-likelihood) fit did not converge: Stata's r(430),
    "convergence not achieved". No result is returned."""

    rc = 430


class RenderError(VceregError):
    """A table or plot cannot be rendered with the given options."""


class VceregWarning(UserWarning):
    """Base class of vcereg's warnings."""


class FewClustersWarning(VceregWarning):
    """Too few clusters for reliable cluster-robust inference."""


class CollinearityWarning(VceregWarning):
    """Collinear regressors were omitted."""


class PerfectPredictionWarning(VceregWarning):
    """A binary model dropped observations whose outcome a regressor predicts perfectly
    (Stata's "x != 0 predicts failure perfectly")."""


class DroppedRowsWarning(VceregWarning):
    """Rows were dropped (missing values, non-finite transforms, singletons)."""


class NonPSDWarning(VceregWarning):
    """A covariance matrix was not positive semi-definite and was repaired."""


class WeakInstrumentsWarning(VceregWarning):
    """The excluded instruments are weak: the first-stage (Cragg-Donald or
    Kleibergen-Paap) F statistic is below 10 or below the Stock-Yogo critical value."""
