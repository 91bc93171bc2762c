"""Random model strings: either a result or a VceregError, never another exception.

The default run is a 10-second slice with a fresh, printed seed (``VCEREG_TEST_SEED``
replays one, tests/timebox.py); ``-m slow`` runs 20,000 strings.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vcereg
from tests.timebox import run_for

TOKENS = [
    "y", "x", "z", "g", "w", "~", "+", "-", "*", ":", "/", "**", "|", "(", ")", "[", "]",
    ",", "1", "0", "2.5", "'a'", "C(g)", "I(", "np.log(", "vce(", "cluster", "robust", "hc3",
    "cr3", "weights(", "fweight", "if(", "fe(", "iv(", ">", "==", "&", "x ~", "{", "}", "`",
    "reg", "regress", "areg", "ivregress 2sls", "i.g", "c.x#c.x", "L.x", "absorb(g)",
    "[aw=w]", "in 1/5", "noconstant", "xtreg", ", fe", "ib2.g", "##", "#", "\"", ".",
]  # fmt: skip


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 40
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "g": rng.integers(0, 5, n),
            "w": rng.uniform(1, 2, n),
        }
    )


DATA = _data()
_soup = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map(" ".join)
_commands = st.sampled_from(["regress", "reg", "areg", "reghdfe", "ivregress 2sls", "xtreg"])
model_strings = _soup | st.tuples(_commands, _soup).map(" ".join)


def _check(text: str) -> None:
    with warnings.catch_warnings(), contextlib.suppress(vcereg.VceregError):
        warnings.simplefilter("ignore")
        vcereg.regress(text, DATA)


#: seconds of the default run's slice (the 20,000-string run is ``-m slow``)
BUDGET = 10.0


def test_random_model_strings_raise_only_vcereg_errors():
    """A time-boxed slice with a fresh seed each run (printed; VCEREG_TEST_SEED replays
    it): see tests/timebox.py."""
    run_for(BUDGET, model_strings, _check, batch=100, name="fuzz")


@pytest.mark.slow
@settings(max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_strings)
def test_random_model_strings_many(text):
    _check(text)
