"""What is computed from a fit afterwards: predictions, fixed-effect estimates, margins.

:class:`vcereg.Results` delegates to these modules (``predict``, ``fixef``, ``margins``);
they read the fit, its covariance and the formulaic state the design kept, never a copy
of the data.
"""

from __future__ import annotations

from .fixef import fixef
from .margins import margins, model_variables
from .predict import PREDICTIONS, predict

__all__ = ["PREDICTIONS", "fixef", "margins", "model_variables", "predict"]
