"""vcereg: Stata-style regression with honest standard errors, and tables for papers.

>>> import vcereg
>>> d = vcereg.datasets.load("student-mat")
>>> r = vcereg.regress("G3 ~ absences", d)
>>> r.nobs
395

``import vcereg`` loads almost nothing: each public name below is imported from its module
when first used (PEP 562, see ``vcereg._lazy``), so a script pays only for what it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import errors
from ._lazy import attach, register_plugins
from .errors import VceregError, VceregWarning

if TYPE_CHECKING:
    from . import datasets, io
    from .api import did, fit_spec, glm, parse, regress, stata
    from .dofile import DoRun, run_do
    from .dsl import unparse as to_dsl
    from .plot import coefplot, marginsplot
    from .postestimation.hausman import hausman, mundlak
    from .results import Results
    from .spec import DidSpec, ModelSpec, SmallSample, VceSpec
    from .staggered import DidResults
    from .stata_lang import parse_do
    from .stata_lang import unparse as to_stata
    from .tables import ETable
    from .tables.describe import describe
    from .tables.etable import etable
    from .tables.stack import stack
    from .vce import VarianceEstimator, VceContext, VceResult, register_vce, unregister_vce
    from .vce import available as available_vce

__version__ = "0.1.0"

# The do-file commands register themselves when imported; the registry imports them
# before its first lookup (vcereg.dofile.registry), however the run was started.
register_plugins("vcereg.do-commands", "vcereg.commands", "vcereg.datacmds")

__getattr__, __dir__ = attach(
    __name__,
    {
        # subpackages and modules, imported on first access (``vcereg.io.read``, ...)
        "api": "vcereg.api",
        "backends": "vcereg.backends",
        "cli": "vcereg.cli",
        "commands": "vcereg.commands",
        "datacmds": "vcereg.datacmds",
        "datasets": "vcereg.datasets",
        "design": "vcereg.design",
        "dofile": "vcereg.dofile",
        "dsl": "vcereg.dsl",
        "estimators": "vcereg.estimators",
        "inference": "vcereg.inference",
        "io": "vcereg.io",
        "linalg": "vcereg.linalg",
        "plot": "vcereg.plot",
        "postestimation": "vcereg.postestimation",
        "progress": "vcereg.progress",
        "results": "vcereg.results",
        "spec": "vcereg.spec",
        "staggered": "vcereg.staggered",
        "stata_lang": "vcereg.stata_lang",
        "tables": "vcereg.tables",
        "vce": "vcereg.vce",
        # the public API
        "DidResults": "vcereg.staggered:DidResults",
        "DidSpec": "vcereg.spec:DidSpec",
        "DoRun": "vcereg.dofile:DoRun",
        "ETable": "vcereg.tables:ETable",
        "ModelSpec": "vcereg.spec:ModelSpec",
        "Results": "vcereg.results:Results",
        "SmallSample": "vcereg.spec:SmallSample",
        "VarianceEstimator": "vcereg.vce:VarianceEstimator",
        "VceContext": "vcereg.vce:VceContext",
        "VceResult": "vcereg.vce:VceResult",
        "VceSpec": "vcereg.spec:VceSpec",
        "available_vce": "vcereg.vce:available",
        "coefplot": "vcereg.plot:coefplot",
        "describe": "vcereg.tables:describe",
        "did": "vcereg.api:did",
        "etable": "vcereg.tables:etable",
        "fit_spec": "vcereg.api:fit_spec",
        "glm": "vcereg.api:glm",
        "hausman": "vcereg.postestimation.hausman:hausman",
        "marginsplot": "vcereg.plot:marginsplot",
        "mundlak": "vcereg.postestimation.hausman:mundlak",
        "parse": "vcereg.api:parse",
        "parse_do": "vcereg.stata_lang:parse_do",
        "register_vce": "vcereg.vce:register_vce",
        "regress": "vcereg.api:regress",
        "run_do": "vcereg.dofile:run_do",
        "stack": "vcereg.tables:stack",
        "stata": "vcereg.api:stata",
        "to_dsl": "vcereg.dsl:unparse",
        "to_stata": "vcereg.stata_lang:unparse",
        "unregister_vce": "vcereg.vce:unregister_vce",
    },
)

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
