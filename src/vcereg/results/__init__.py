"""The frozen result of a fit and how it is built.

- :mod:`~vcereg.results.base`: the inference interface every model shares (standard
  errors, t or z, p-values, intervals, ``tidy``, ``test``, ``lincom``, ``with_vce``,
  ``to_dict``, notes, display);
- :mod:`~vcereg.results.linear`: what only linear fits have (sums of squares, IV
  diagnostics);
- :mod:`~vcereg.results.model`: the frozen :class:`Results` dataclass;
- :mod:`~vcereg.results.vcefit` and :mod:`~vcereg.results.assemble`: covariance and
  assembly, shared by fitting and ``with_vce``.
"""

from __future__ import annotations

from .assemble import assemble, with_panel
from .base import ResultsBase
from .linear import vce_setup
from .model import Results
from .vcefit import compute_vce

__all__ = ["Results", "ResultsBase", "assemble", "compute_vce", "vce_setup", "with_panel"]
