"""``estat ic``: Akaike's and Schwarz's information criteria of the active model.

As Stata prints it: N, ll(null), ll(model), df (estimated parameters), AIC = -2 ll + 2 df
and BIC = -2 ll + df ln N. After maximum-likelihood fits the likelihood is the model's;
after ``regress`` (unweighted) it is the Gaussian one, -N/2 (ln(2 pi RSS/N) + 1).
Importing the module registers the subcommand.
"""

from __future__ import annotations

import math

import pandas as pd

from ..dofile import DoCommand
from ..errors import NotSupportedError
from ..results import Results
from .estat import register_estat

__all__ = ["information_criteria"]


def information_criteria(res: Results) -> pd.DataFrame:
    """One row: ``N``, ``ll0``, ``ll``, ``df``, ``AIC``, ``BIC`` (Stata's ``estat ic``).

    >>> import vcereg
    >>> d = vcereg.datasets.load("student-mat").assign(p=lambda f: (f.G3 >= 10) * 1)
    >>> ic = information_criteria(vcereg.regress("logit p absences", d))
    >>> list(ic.columns), int(ic["df"].iloc[0])
    (['N', 'll0', 'll', 'df', 'AIC', 'BIC'], 2)
    """
    n = float(res.nobs)
    if res.ml is not None:
        ll, ll0, k = res.loglik, res.ll_0, res.k_params
    elif res.spec.weights is None and not res.fixed_effects and res.spec.iv is None:
        ll = -n / 2 * (math.log(2 * math.pi * res.rss / n) + 1)
        tss = res.tss
        ll0 = -n / 2 * (math.log(2 * math.pi * tss / n) + 1) if tss > 0 else math.nan
        k = len(res.terms) - len(res.omitted)
    else:
        raise NotSupportedError(
            "estat ic after weighted, absorbed or IV least squares is not available"
        )
    aic = -2 * ll + 2 * k
    bic = -2 * ll + k * math.log(n)
    return pd.DataFrame(
        {"N": [n], "ll0": [ll0], "ll": [ll], "df": [k], "AIC": [aic], "BIC": [bic]},
        index=pd.Index(["."], name="Model"),
    )


def _ic(result: Results, cmd: DoCommand) -> pd.DataFrame:
    return information_criteria(result)


register_estat("ic", _ic)
