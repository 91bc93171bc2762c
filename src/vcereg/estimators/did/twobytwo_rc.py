"""The 2x2 DiD estimators of Sant'Anna & Zhao (2020) on repeated cross-sections.

The rows of one comparison are observations of treated (``d = 1``) or control units in the
base (``post = 0``) or current (``post = 1``) period; nothing links a row to another.
Methods as in :mod:`.twobytwo` (R ``DRDID``'s ``reg_did_rc``, ``std_ipw_did_rc`` and the
locally efficient ``drdid_rc``); influence functions per row, scaled so that the variance
of the ATT is ``mean(psi^2) / n``. Unbalanced panels use these estimators too, with the
rows of a unit summed into one influence-function entry by the caller.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg as sla

from ..._types import FloatArray
from ...errors import EstimationError
from .twobytwo import Method, ps_weights, wls

__all__ = ["did_rc"]


class _Ols:
    """WLS of ``y`` on ``x`` in one cell of the comparison, with its linear representation:
    ``lin(m)`` is each row's contribution to ``m' (b_hat - b)`` (times n)."""

    def __init__(self, x: FloatArray, y: FloatArray, w: FloatArray, cell: FloatArray) -> None:
        sel = cell > 0
        self.beta = wls(x[sel], y[sel], w[sel])
        self.fitted = x @ self.beta
        wc = w * cell
        self.score = wc * (y - self.fitted)
        self.xpx = (x * wc[:, None]).T @ x / x.shape[0]
        self.x = x

    def lin(self, m: FloatArray) -> FloatArray:
        try:
            v = sla.solve(self.xpx, m, assume_a="sym")
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise EstimationError("a covariate cross-product matrix is singular") from exc
        out: FloatArray = self.score * (self.x @ v)
        return out


def _mean_ratio(a: FloatArray, wt: FloatArray) -> tuple[FloatArray, float]:
    """``eta_i = wt_i a_i / mean(wt)`` and its mean (a Hajek mean of ``a``)."""
    eta = wt * a / float(wt.mean())
    return eta, float(eta.mean())


def _hajek_inf(eta: FloatArray, wt: FloatArray, level: float) -> FloatArray:
    out: FloatArray = eta - wt * level / float(wt.mean())
    return out


def _reg(
    y: FloatArray, post: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray
) -> tuple[float, FloatArray]:
    pre_c = _Ols(x, y, w, (1 - d) * (1 - post))
    post_c = _Ols(x, y, w, (1 - d) * post)
    w_t0, w_t1, w_c = w * d * (1 - post), w * d * post, w * d
    eta_t0, att_t0 = _mean_ratio(y, w_t0)
    eta_t1, att_t1 = _mean_ratio(y, w_t1)
    eta_c, att_c = _mean_ratio(post_c.fitted - pre_c.fitted, w_c)
    m1 = (x * w_c[:, None]).mean(axis=0)
    inf_treat = _hajek_inf(eta_t1, w_t1, att_t1) - _hajek_inf(eta_t0, w_t0, att_t0)
    inf_cont = _hajek_inf(eta_c, w_c, att_c) + (post_c.lin(m1) - pre_c.lin(m1)) / float(w_c.mean())
    return (att_t1 - att_t0) - att_c, inf_treat - inf_cont


def _ipw(
    y: FloatArray, post: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray
) -> tuple[float, FloatArray]:
    p, trim, hinv = ps_weights(x, d, w)
    odds = p * (1 - d) / (1 - p)
    w_t0, w_t1 = trim * w * d * (1 - post), trim * w * d * post
    w_c0, w_c1 = trim * w * odds * (1 - post), trim * w * odds * post
    eta_t0, att_t0 = _mean_ratio(y, w_t0)
    eta_t1, att_t1 = _mean_ratio(y, w_t1)
    eta_c0, att_c0 = _mean_ratio(y, w_c0)
    eta_c1, att_c1 = _mean_ratio(y, w_c1)
    inf_treat = _hajek_inf(eta_t1, w_t1, att_t1) - _hajek_inf(eta_t0, w_t0, att_t0)
    inf_cont = _hajek_inf(eta_c1, w_c1, att_c1) - _hajek_inf(eta_c0, w_c0, att_c0)
    m2_0 = (x * (w_c0 * (y - att_c0))[:, None]).mean(axis=0) / float(w_c0.mean())
    m2_1 = (x * (w_c1 * (y - att_c1))[:, None]).mean(axis=0) / float(w_c1.mean())
    inf_cont = inf_cont + w * (d - p) * (x @ (hinv @ (m2_1 - m2_0)))
    return (att_t1 - att_t0) - (att_c1 - att_c0), inf_treat - inf_cont


def _dr(
    y: FloatArray, post: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray
) -> tuple[float, FloatArray]:
    p, trim, hinv = ps_weights(x, d, w)
    c0 = _Ols(x, y, w, (1 - d) * (1 - post))
    c1 = _Ols(x, y, w, (1 - d) * post)
    t0 = _Ols(x, y, w, d * (1 - post))
    t1 = _Ols(x, y, w, d * post)
    y_c = post * c1.fitted + (1 - post) * c0.fitted
    odds = p * (1 - d) / (1 - p)
    w_t0, w_t1 = trim * w * d * (1 - post), trim * w * d * post
    w_c0, w_c1 = trim * w * odds * (1 - post), trim * w * odds * post
    w_d, w_dt1, w_dt0 = trim * w * d, trim * w * d * post, trim * w * d * (1 - post)
    r = y - y_c
    eta_t0, att_t0 = _mean_ratio(r, w_t0)
    eta_t1, att_t1 = _mean_ratio(r, w_t1)
    eta_c0, att_c0 = _mean_ratio(r, w_c0)
    eta_c1, att_c1 = _mean_ratio(r, w_c1)
    eta_d1, att_d1 = _mean_ratio(t1.fitted - c1.fitted, w_d)
    eta_dt1, att_dt1 = _mean_ratio(t1.fitted - c1.fitted, w_dt1)
    eta_d0, att_d0 = _mean_ratio(t0.fitted - c0.fitted, w_d)
    eta_dt0, att_dt0 = _mean_ratio(t0.fitted - c0.fitted, w_dt0)
    att = (att_t1 - att_t0) - (att_c1 - att_c0) + (att_d1 - att_dt1) - (att_d0 - att_dt0)

    def col_mean(weight: FloatArray) -> FloatArray:
        out: FloatArray = (x * weight[:, None]).mean(axis=0)
        return out

    # the treated Hajek means: the estimated control regressions enter through y_c
    m1_1 = -col_mean(w_t1 * post) / float(w_t1.mean())
    m1_0 = -col_mean(w_t0 * (1 - post)) / float(w_t0.mean())
    inf_treat = (
        _hajek_inf(eta_t1, w_t1, att_t1)
        - _hajek_inf(eta_t0, w_t0, att_t0)
        + c1.lin(m1_1)
        + c0.lin(m1_0)
    )
    m2_0 = col_mean(w_c0 * (r - att_c0)) / float(w_c0.mean())
    m2_1 = col_mean(w_c1 * (r - att_c1)) / float(w_c1.mean())
    m3_1 = -col_mean(w_c1 * post) / float(w_c1.mean())
    m3_0 = -col_mean(w_c0 * (1 - post)) / float(w_c0.mean())
    inf_cont = (
        _hajek_inf(eta_c1, w_c1, att_c1)
        - _hajek_inf(eta_c0, w_c0, att_c0)
        + w * (d - p) * (x @ (hinv @ (m2_1 - m2_0)))
        + c1.lin(m3_1)
        + c0.lin(m3_0)
    )
    inf_eff = (
        _hajek_inf(eta_d1, w_d, att_d1)
        - _hajek_inf(eta_dt1, w_dt1, att_dt1)
        - (_hajek_inf(eta_d0, w_d, att_d0) - _hajek_inf(eta_dt0, w_dt0, att_dt0))
    )
    mom1 = col_mean(w_d / float(w_d.mean()) - w_dt1 / float(w_dt1.mean()))
    mom0 = col_mean(w_d / float(w_d.mean()) - w_dt0 / float(w_dt0.mean()))
    inf_or = (t1.lin(mom1) - c1.lin(mom1)) - (t0.lin(mom0) - c0.lin(mom0))
    return att, inf_treat - inf_cont + inf_eff + inf_or


_RC: dict[str, Callable[..., tuple[float, FloatArray]]] = {"reg": _reg, "ipw": _ipw, "dr": _dr}


def did_rc(
    y: FloatArray, post: FloatArray, d: FloatArray, x: FloatArray, w: FloatArray, method: Method
) -> tuple[float, FloatArray]:
    """ATT and per-row influence function of one 2x2 comparison on repeated cross-sections.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([1.0, 4.0, 1.0, 2.0]); post = np.array([0.0, 1.0, 0.0, 1.0])
    >>> d = np.array([1.0, 1.0, 0.0, 0.0])
    >>> att, _ = did_rc(y, post, d, np.ones((4, 1)), np.ones(4), "reg")
    >>> att  # (4 - 1) - (2 - 1)
    2.0
    """
    for dd, pp in ((1, 0), (1, 1), (0, 0), (0, 1)):
        if not ((d == dd) & (post == pp)).any():
            who = "treated" if dd else "control"
            when = "current" if pp else "base"
            raise EstimationError(f"no {who} observations in the {when} period")
    w = w / w.mean()
    return _RC[method](y, post, d, x, w)
