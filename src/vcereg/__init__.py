"""vcereg: Stata-style regression with honest standard errors, and tables for papers.

>>> import vcereg
>>> d = vcereg.datasets.load("student-mat")
>>> r = vcereg.regress("G3 ~ absences", d)
>>> r.nobs
395
"""

from __future__ import annotations

from . import (
    commands,  # noqa: F401  (importing it registers the do-file commands)
    datacmds,  # noqa: F401  (and the data commands)
    datasets,
    errors,
    io,
)
from .api import did, fit_spec, glm, parse, regress, stata
from .dofile import DoRun, run_do
from .dsl import unparse as to_dsl
from .errors import VceregError, VceregWarning
from .plot import coefplot, marginsplot
from .postestimation.hausman import hausman, mundlak
from .results import Results
from .spec import DidSpec, ModelSpec, SmallSample, VceSpec
from .staggered import DidResults
from .stata_lang import parse_do
from .stata_lang import unparse as to_stata
from .tables import ETable, describe, etable, stack
from .vce import VarianceEstimator, VceContext, VceResult, register_vce, unregister_vce
from .vce import available as available_vce

__version__ = "0.1.0"

__all__ = [
    "DidResults",
    "DidSpec",
    "DoRun",
    "ETable",
    "ModelSpec",
    "Results",
    "SmallSample",
    "VarianceEstimator",
    "VceContext",
    "VceResult",
    "VceSpec",
    "VceregError",
    "VceregWarning",
    "available_vce",
    "coefplot",
    "datasets",
    "describe",
    "did",
    "errors",
    "etable",
    "fit_spec",
    "glm",
    "hausman",
    "io",
    "marginsplot",
    "mundlak",
    "parse",
    "parse_do",
    "register_vce",
    "regress",
    "run_do",
    "stack",
    "stata",
    "to_dsl",
    "to_stata",
    "unregister_vce",
]
