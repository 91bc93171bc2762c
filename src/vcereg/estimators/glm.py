"""Maximum likelihood for generalized linear models on arrays: Newton-Raphson or IRLS.

:func:`fit_glm_arrays` is the core every nonlinear model shares (``logit``, ``probit``,
``cloglog``, ``poisson``, ``glm``, and the fixed-effects variants that call it on
demeaned data). It knows nothing of formulas or data frames: a full-rank ``X``, ``y``,
a family and a link, prior weights and an offset.

**Newton-Raphson** (the default, as Stata's ``ml``): steps ``H^{-1} g`` with the observed
negative Hessian ``H``, halved until the log likelihood does not fall; where ``H`` is not
positive definite (a non-concave region of a non-canonical link) the step uses the
expected information instead. Convergence follows Stata's ``[R] maximize``: the scaled
gradient ``g' H^{-1} g`` is below ``nrtol`` (1e-5) **and** either the coefficients
(``max |b - b_old| / (|b_old| + 1) < tol``, 1e-6) or the log likelihood
(``|ll - ll_old| / (|ll_old| + 1) < ltol``, 1e-7) have stopped moving. Then up to three
more Newton steps polish the optimum (quadratic convergence: the estimates settle to
machine precision, which the criteria alone do not promise). Columns are scaled to unit
norm inside the solver, so the iterations do not depend on the units of a regressor.

**IRLS** (``method="irls"``, Stata's ``glm, irls``): weighted least squares on the working
response until the relative change in the deviance is below ``ltol`` (Stata's default
for IRLS, 1e-6).

Not converging within ``maxiter`` iterations raises :class:`~vcereg.errors.ConvergenceError`
(Stata's r(430)): a result is never returned from an unfinished optimisation.

>>> rng = np.random.default_rng(0)
>>> x = np.column_stack([np.ones(200), rng.normal(size=200)])
>>> y = (rng.uniform(size=200) < 1 / (1 + np.exp(-(0.5 + x[:, 1])))).astype(float)
>>> fit = fit_glm_arrays(x, y, family="binomial", link="logit")
>>> fit.converged, fit.scores.shape, bool(np.allclose(fit.scores.sum(axis=0), 0, atol=1e-8))
(True, (200, 2), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.linalg as sla

from .._types import FloatArray
from ..errors import ConvergenceError, DataError, EstimationError
from ..linalg import least_squares, weighted_gram
from .glm_family import (
    Binomial,
    Family,
    Gaussian,
    Link,
    check_link,
    derivatives,
    glm_loglik,
    make_family,
    make_link,
)

__all__ = ["GLMArrayFit", "derivatives", "fit_glm_arrays", "glm_loglik"]

_POLISH = 3
_HALVINGS = 60
_SINGULAR = 1e-7  # smallest Cholesky pivot of the unit-diagonal Hessian (cond ~ 1e14)


@dataclass(frozen=True, slots=True, eq=False)
class GLMArrayFit:
    """The optimum of a GLM log likelihood and what inference needs there.

    ``scores`` are the per-row contributions ``d l_i / d beta`` (prior weights included,
    scale 1) and ``hessian`` the negative Hessian ``-d^2 l / d beta d beta'`` (observed
    information); ``eim`` the expected information; ``working_weights`` the IRLS weights
    ``w (dmu/deta)^2 / V(mu)``. ``mu`` is the mean of ``y`` (for a binomial with ``m``
    trials the expected count ``m p``). ``loglik`` is Stata's: at scale 1, except the
    Gaussian, at the maximum-likelihood scale deviance / sum(w).
    """

    params: FloatArray
    mu: FloatArray
    eta: FloatArray
    scores: FloatArray
    hessian: FloatArray
    loglik: float
    converged: bool
    iterations: int
    family: Family
    link: Link
    eim: FloatArray
    working_weights: FloatArray
    deviance: float
    pearson: float
    method: str = "newton"


def _prepare(
    x: FloatArray,
    y: FloatArray,
    weights: FloatArray | None,
    offset: FloatArray | None,
    trials: FloatArray | float | None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray | float]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = y.shape[0]
    if x.ndim != 2 or x.shape[0] != n:
        raise DataError(f"X must be (N, k) with N = len(y) = {n} (got shape {x.shape})")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=np.float64)
    m: FloatArray | float = 1.0 if trials is None else trials
    if isinstance(m, np.ndarray):
        m = np.asarray(m, dtype=np.float64)
    for name, arr in (("X", x), ("y", y), ("weights", w), ("offset", off)):
        if not np.all(np.isfinite(arr)):
            raise DataError(f"{name} has missing or non-finite values")
    return x, y, w, off, m


def _scaled_solve(h: FloatArray, g: FloatArray) -> FloatArray | None:
    """``h^{-1} g`` by Cholesky after scaling ``h`` to unit diagonal; None when ``h`` is
    not positive definite."""
    d = np.sqrt(np.abs(np.diag(h)))
    d[d == 0] = 1.0
    try:
        c = sla.cho_factor(h / np.outer(d, d), check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        return None
    piv = np.abs(np.diag(c[0]))
    if piv.size and piv.min() < _SINGULAR * piv.max():  # numerically singular
        return None
    out: FloatArray = sla.cho_solve(c, g / d, check_finite=False) / d
    if not np.all(np.isfinite(out)):
        return None
    return out


def _reldif(new: FloatArray | float, old: FloatArray | float) -> float:
    return float(np.max(np.abs(np.asarray(new) - old) / (np.abs(old) + 1.0)))


def _start(
    family: Family,
    link: Link,
    x: FloatArray,
    y: FloatArray,
    w: FloatArray,
    off: FloatArray,
    m: FloatArray | float,
) -> FloatArray:
    """One IRLS step from the family's starting means."""
    mu0 = family.valid_mu(family.start_mu(y, m))
    with np.errstate(all="ignore"):
        eta0 = link.link(mu0)
    if not np.all(np.isfinite(eta0)):
        eta0 = np.where(np.isfinite(eta0), eta0, 0.0)
    dmu = link.dmu(eta0)
    var = np.maximum(family.variance(family.valid_mu(link.inverse(eta0))), 1e-300)
    wk = w * m * dmu * dmu / var
    z = eta0 - off + (y / m - mu0) / np.where(dmu == 0, 1e-300, dmu)
    root = np.sqrt(np.maximum(wk, 0.0))
    ls = least_squares(x * root[:, None], z * root)
    beta = np.zeros(x.shape[1])
    beta[ls.keep] = ls.beta
    return beta


def fit_glm_arrays(
    X: FloatArray,
    y: FloatArray,
    *,
    family: str | Family = "binomial",
    link: str | Link | None = None,
    weights: FloatArray | None = None,
    offset: FloatArray | None = None,
    tol: float = 1e-6,
    maxiter: int = 300,
    start: FloatArray | None = None,
    ltol: float | None = None,
    nrtol: float = 1e-5,
    trials: FloatArray | float | None = None,
    alpha: float | None = None,
    method: Literal["newton", "irls"] = "newton",
) -> GLMArrayFit:
    """Fit a GLM by maximum likelihood (see the module docstring for the algorithm).

    Parameters
    ----------
    X, y
        Full-rank (N, k) regressors and the response (a count for ``binomial`` with
        ``trials``).
    family, link
        A family name (``binomial``, ``poisson``, ``gaussian``, ``gamma``,
        ``inverse_gaussian``, ``nbinomial``) or object; the link (default the family's:
        logit, log, identity, power(-1), power(-2), log).
    weights, offset
        Prior weights multiplying each row's log likelihood; a known part of the linear
        predictor (``ln(exposure)``).
    tol, ltol, nrtol, maxiter
        Stata's ``tolerance()``, ``ltolerance()`` (default 1e-7; 1e-6 on the deviance
        for IRLS), ``nrtolerance()`` and ``iterate()``.
    start
        Starting coefficients (e.g. from a previous fit); default one IRLS step.
    trials, alpha
        Binomial trials (number or array); the negative binomial's alpha.
    method
        ``"newton"`` (maximum likelihood) or ``"irls"``.
    """
    fam = make_family(family, alpha=alpha)
    lnk = make_link(link if link is not None else fam.default_link)
    check_link(fam, lnk)
    x, yv, w, off, m = _prepare(X, y, weights, offset, trials)
    problem = fam.check_y(yv, m)
    if problem:
        raise DataError(problem)
    k = x.shape[1]
    if maxiter < 0:
        raise EstimationError(f"maxiter must be non-negative (got {maxiter})")
    beta = np.asarray(start, dtype=np.float64).copy() if start is not None else None
    if beta is None:
        beta = _start(fam, lnk, x, yv, w, off, m)
    if beta.shape != (k,):
        raise DataError(f"start must have {k} values (got shape {beta.shape})")
    if method == "irls":
        return _irls(fam, lnk, x, yv, w, off, m, beta, maxiter, 1e-6 if ltol is None else ltol)
    return _newton(
        fam, lnk, x, yv, w, off, m, beta, tol, 1e-7 if ltol is None else ltol, nrtol, maxiter
    )


def _state(
    fam: Family,
    lnk: Link,
    x: FloatArray,
    y: FloatArray,
    w: FloatArray,
    off: FloatArray,
    m: FloatArray | float,
    beta: FloatArray,
) -> tuple[float, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    eta = x @ beta + off
    with np.errstate(all="ignore"):
        mu, d1, d2, ew = derivatives(fam, lnk, y, eta, w, m)
        ll = glm_loglik(fam, lnk, y, mu, eta, w, m)
    return ll, eta, mu, d1, d2, ew


def _newton(
    fam: Family,
    lnk: Link,
    x: FloatArray,
    y: FloatArray,
    w: FloatArray,
    off: FloatArray,
    m: FloatArray | float,
    beta: FloatArray,
    tol: float,
    ltol: float,
    nrtol: float,
    maxiter: int,
) -> GLMArrayFit:
    ll, *state = _state(fam, lnk, x, y, w, off, m, beta)
    if not np.isfinite(ll):
        raise EstimationError("the log likelihood is not finite at the starting values")
    it = 0
    moved = (np.inf, np.inf)  # relative changes of the coefficients and the log likelihood
    while True:
        step, nr = _direction(x, *state[2:])
        if it > 0 and nr < nrtol and (moved[0] < tol or moved[1] < ltol):
            break
        if it >= maxiter:
            raise ConvergenceError(
                f"convergence not achieved after {it} iterations (Stata's r(430)); the "
                "likelihood may have no finite maximum (perfect prediction or "
                "separation), or raise iterate()",
                hint="check for outcomes that a regressor predicts perfectly",
            )
        new, ll_new, new_state = _line_search(fam, lnk, x, y, w, off, m, beta, ll, step)
        if new is None:
            raise ConvergenceError(
                "convergence not achieved: no step along the Newton direction improves the "
                "log likelihood (Stata's r(430), 'not concave')"
            )
        moved = (_reldif(new, beta), _reldif(ll_new, ll))
        beta, ll, state = new, ll_new, new_state
        it += 1
    for _ in range(_POLISH):  # quadratic convergence: the last digits for free
        if nr < 1e-20:
            break
        new, ll_new, new_state = _line_search(fam, lnk, x, y, w, off, m, beta, ll, step, 0)
        if new is None:
            break
        beta, ll, state = new, ll_new, new_state
        step, nr = _direction(x, *state[2:])
    if not (np.isfinite(ll) and np.all(np.isfinite(beta))):
        raise EstimationError("the maximum-likelihood estimates are not finite")
    eta, mu, d1, d2, ew = state
    out = _result(fam, lnk, x, y, w, m, beta, eta, mu, d1, d2, ew, it, "newton")
    _check_separation(out, w)
    return out


def _check_separation(fit: GLMArrayFit, w: FloatArray) -> None:
    """A binary model whose every observation is fitted perfectly has no finite maximum
    (complete separation): the criteria are met only because the log likelihood has
    flattened out on its way to 0. Refuse rather than report infinite coefficients."""
    if isinstance(fit.family, Binomial) and fit.deviance <= 1e-8 * max(float(w.sum()), 1.0):
        raise ConvergenceError(
            "convergence not achieved: the regressors predict the outcome perfectly "
            "(complete separation), so the likelihood has no finite maximum (Stata's r(430) "
            "or r(2000))",
            hint="drop or combine the regressors that separate the outcome",
        )


def _direction(
    x: FloatArray, d1: FloatArray, d2: FloatArray, ew: FloatArray
) -> tuple[FloatArray, float]:
    """The Newton step ``H^{-1} g`` (Fisher scoring where ``H`` is not positive definite)
    and the scaled gradient ``g' H^{-1} g``."""
    g = x.T @ d1
    step = _scaled_solve(weighted_gram(x, -d2), g)
    if step is None:
        step = _scaled_solve(weighted_gram(x, ew), g)
    if step is None:
        raise EstimationError(
            "the information matrix is singular: the regressors are collinear on the "
            "observations that carry information"
        )
    return step, float(g @ step)


def _line_search(
    fam: Family,
    lnk: Link,
    x: FloatArray,
    y: FloatArray,
    w: FloatArray,
    off: FloatArray,
    m: FloatArray | float,
    beta: FloatArray,
    ll: float,
    step: FloatArray,
    halvings: int = _HALVINGS,
) -> tuple[FloatArray | None, float, list[FloatArray]]:
    """The step, halved until the log likelihood does not fall (rounding allowed)."""
    t = 1.0
    slack = 1e-12 * (abs(ll) + 1.0)
    for _ in range(halvings + 1):
        new = beta + t * step
        ll_new, *state = _state(fam, lnk, x, y, w, off, m, new)
        if np.isfinite(ll_new) and ll_new >= ll - slack:
            return new, ll_new, state
        t /= 2
    return None, ll, []


def _irls(
    fam: Family,
    lnk: Link,
    x: FloatArray,
    y: FloatArray,
    w: FloatArray,
    off: FloatArray,
    m: FloatArray | float,
    beta: FloatArray,
    maxiter: int,
    ltol: float,
) -> GLMArrayFit:
    _, eta, mu, d1, d2, ew = _state(fam, lnk, x, y, w, off, m, beta)
    dev = _deviance(fam, y, mu, w, m)
    for it in range(1, maxiter + 1):
        dmu = lnk.dmu(eta)
        z = eta - off + (y / m - mu) / np.where(dmu == 0, 1e-300, dmu)
        root = np.sqrt(np.maximum(ew, 0.0))
        ls = least_squares(x * root[:, None], z * root)
        if not ls.keep.all():
            raise EstimationError("the regressors are collinear in the IRLS step")
        beta = ls.beta
        _, eta, mu, d1, d2, ew = _state(fam, lnk, x, y, w, off, m, beta)
        new_dev = _deviance(fam, y, mu, w, m)
        if not np.isfinite(new_dev):
            raise ConvergenceError("convergence not achieved: the deviance is not finite")
        if abs(new_dev - dev) / (abs(dev) + 1.0) < ltol:
            return _result(fam, lnk, x, y, w, m, beta, eta, mu, d1, d2, ew, it, "irls")
        dev = new_dev
    raise ConvergenceError(
        f"convergence not achieved after {maxiter} IRLS iterations (Stata's r(430))"
    )


def _deviance(
    fam: Family, y: FloatArray, mu: FloatArray, w: FloatArray, m: FloatArray | float
) -> float:
    with np.errstate(all="ignore"):
        return float(w @ fam.unit_deviance(y, mu, m))


def _result(
    fam: Family,
    lnk: Link,
    x: FloatArray,
    y: FloatArray,
    w: FloatArray,
    m: FloatArray | float,
    beta: FloatArray,
    eta: FloatArray,
    mu: FloatArray,
    d1: FloatArray,
    d2: FloatArray,
    ew: FloatArray,
    iterations: int,
    method: str,
) -> GLMArrayFit:
    dev = _deviance(fam, y, mu, w, m)
    with np.errstate(all="ignore"):
        pearson = float(w @ (m * (y / m - mu) ** 2 / np.maximum(fam.variance(mu), 1e-300)))
    if isinstance(fam, Gaussian):
        phi = dev / float(w.sum())
        ll = float(w @ fam.loglik(y, mu, 1.0, phi)) if phi > 0 else np.inf
    else:
        ll = glm_loglik(fam, lnk, y, mu, eta, w, m)
    return GLMArrayFit(
        params=beta,
        mu=m * mu,
        eta=eta,
        scores=x * d1[:, None],
        hessian=weighted_gram(x, -d2),
        loglik=ll,
        converged=True,
        iterations=iterations,
        family=fam,
        link=lnk,
        eim=weighted_gram(x, ew),
        working_weights=ew,
        deviance=dev,
        pearson=pearson,
        method=method,
    )
