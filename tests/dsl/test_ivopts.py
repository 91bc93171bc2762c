"""The options of the DSL's iv(...) section."""

from __future__ import annotations

import pytest

import vcereg
from vcereg.dsl import parse, unparse
from vcereg.errors import SpecError


@pytest.mark.parametrize(
    ("text", "method", "extra"),
    [
        ("iv(d ~ z1 z2)", "2sls", {}),
        ("iv(d ~ z1 z2, method=liml)", "liml", {}),
        ("iv(d ~ z1 z2, method=LIML)", "liml", {}),
        ("iv(d ~ z1 z2, fuller=4)", "fuller", {"fuller": 4.0}),
        ("iv(d ~ z1 z2, kappa=0.5)", "kclass", {"kappa": 0.5}),
        ("iv(d ~ z1 z2, method=gmm, wmatrix=cluster g, center, igmm)", "gmm", {"center": True}),
        ("iv(d ~ z1 z2, method=gmm, wmatrix=hac t lags=2 kernel=qs)", "gmm", {"igmm": False}),
    ],
)
def test_methods(text, method, extra):
    spec = parse(f"y ~ x | {text}")
    assert spec.iv.method == method
    for k, v in extra.items():
        assert getattr(spec.iv, k) == v
    assert parse(unparse(spec)).iv == spec.iv


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("iv(d ~ z, metod=liml)", "did you mean 'method'"),
        ("iv(d ~ z, method=lmil)", "did you mean 'liml'"),
        ("iv(d ~ z, method=kclass)", "needs kappa"),
        ("iv(d ~ z, fuller=a)", "expects a number"),
        ("iv(d ~ z, wmatrix=robust)", "method=gmm only"),
        ("iv(d ~ z, center=1)", "takes no value"),
        ("iv(d ~ z, method=gmm, wmatrix=hac t lag=2)", "unknown option 'lag'"),
        ("iv(d ~ z, )", "empty option"),
    ],
)
def test_errors(text, message):
    with pytest.raises(SpecError) as info:
        parse(f"y ~ x | {text}")
    assert message in str(info.value)


def test_wmatrix_gmm_spec():
    iv = vcereg.parse("y ~ x | iv(d ~ z1 z2, method=gmm, wmatrix=cluster firm)").iv
    assert (iv.wmatrix.name, iv.wmatrix.args) == ("cluster", ("firm",))
