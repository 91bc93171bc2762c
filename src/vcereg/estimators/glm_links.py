"""Link functions of generalized linear models, with the derivatives Newton's method needs.

A link ``g`` maps the mean to the linear predictor, ``eta = g(mu)``; every class gives the
inverse ``mu(eta)`` and its first two derivatives in ``eta``, which is all the fit uses
(the observed Hessian needs the second). The binary links also give the Bernoulli
log likelihood's derivatives in closed forms that stay finite far in the tails (inverse
Mills ratios for probit), where ``(y - mu) mu' / (mu (1 - mu))`` would be 0/0.

Names are Stata's: ``identity``, ``log``, ``logit``, ``probit``, ``cloglog``,
``power(p)`` (``power(0)`` is ``log``, ``power(1)`` is ``identity``, ``power(-1)`` the
reciprocal). Imports stay at the foundation layer (numpy, scipy, errors), so other
estimators can use them.

>>> round(float(make_link("logit").inverse(np.array([0.0]))[0]), 3)
0.5
>>> make_link("power(-1)").name, make_link("power(0)").name
('power(-1)', 'log')
"""

from __future__ import annotations

import re

import numpy as np
from scipy import special, stats

from .._types import FloatArray
from ..errors import SpecError, closest

__all__ = ["LINKS", "Link", "make_link"]

_SQRT_2PI_LOG = 0.5 * np.log(2 * np.pi)


class Link:
    """``eta = g(mu)``; subclasses define the inverse and its derivatives."""

    name: str = ""

    def link(self, mu: FloatArray) -> FloatArray:
        raise NotImplementedError

    def inverse(self, eta: FloatArray) -> FloatArray:
        raise NotImplementedError

    def dmu(self, eta: FloatArray) -> FloatArray:
        """``d mu / d eta``."""
        raise NotImplementedError

    def d2mu(self, eta: FloatArray) -> FloatArray:
        """``d^2 mu / d eta^2``."""
        raise NotImplementedError

    def bernoulli(self, y: FloatArray, eta: FloatArray) -> tuple[FloatArray, FloatArray] | None:
        """First and second derivatives in ``eta`` of ``y ln p + (1 - y) ln(1 - p)`` in a
        numerically stable form, or None to use the generic formula."""
        return None

    def log_p(self, eta: FloatArray) -> tuple[FloatArray, FloatArray] | None:
        """``(ln p, ln(1 - p))`` computed from ``eta`` without cancellation, or None."""
        return None

    def __repr__(self) -> str:
        return f"Link({self.name!r})"


class Identity(Link):
    name = "identity"

    def link(self, mu: FloatArray) -> FloatArray:
        return mu

    def inverse(self, eta: FloatArray) -> FloatArray:
        return eta

    def dmu(self, eta: FloatArray) -> FloatArray:
        return np.ones_like(eta)

    def d2mu(self, eta: FloatArray) -> FloatArray:
        return np.zeros_like(eta)


class Log(Link):
    name = "log"

    def link(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = np.log(mu)
        return out

    def inverse(self, eta: FloatArray) -> FloatArray:
        out: FloatArray = np.exp(np.minimum(eta, 709.0))
        return out

    def dmu(self, eta: FloatArray) -> FloatArray:
        return self.inverse(eta)

    def d2mu(self, eta: FloatArray) -> FloatArray:
        return self.inverse(eta)


class Logit(Link):
    name = "logit"

    def link(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = special.logit(mu)
        return out

    def inverse(self, eta: FloatArray) -> FloatArray:
        out: FloatArray = special.expit(eta)
        return out

    def dmu(self, eta: FloatArray) -> FloatArray:
        p = special.expit(eta)
        out: FloatArray = p * special.expit(-eta)
        return out

    def d2mu(self, eta: FloatArray) -> FloatArray:
        p, q = special.expit(eta), special.expit(-eta)
        out: FloatArray = p * q * (q - p)
        return out

    def bernoulli(self, y: FloatArray, eta: FloatArray) -> tuple[FloatArray, FloatArray]:
        p, q = special.expit(eta), special.expit(-eta)
        return y - p, -p * q

    def log_p(self, eta: FloatArray) -> tuple[FloatArray, FloatArray]:
        return -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)


def _mills(t: FloatArray) -> FloatArray:
    """``phi(t) / Phi(t)``, finite for every t (log scale: no 0/0 in the far left tail)."""
    out: FloatArray = np.exp(-0.5 * t * t - _SQRT_2PI_LOG - special.log_ndtr(t))
    return out


class Probit(Link):
    name = "probit"

    def link(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = special.ndtri(mu)
        return out

    def inverse(self, eta: FloatArray) -> FloatArray:
        out: FloatArray = special.ndtr(eta)
        return out

    def dmu(self, eta: FloatArray) -> FloatArray:
        out: FloatArray = stats.norm.pdf(eta)
        return out

    def d2mu(self, eta: FloatArray) -> FloatArray:
        out: FloatArray = -eta * stats.norm.pdf(eta)
        return out

    def bernoulli(self, y: FloatArray, eta: FloatArray) -> tuple[FloatArray, FloatArray]:
        lam1, lam0 = _mills(eta), _mills(-eta)
        d1 = y * lam1 - (1 - y) * lam0
        d2 = -y * lam1 * (eta + lam1) - (1 - y) * lam0 * (lam0 - eta)
        return d1, d2

    def log_p(self, eta: FloatArray) -> tuple[FloatArray, FloatArray]:
        return special.log_ndtr(eta), special.log_ndtr(-eta)


class Cloglog(Link):
    """``eta = ln(-ln(1 - mu))``: the complementary log-log."""

    name = "cloglog"

    def link(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = np.log(-np.log1p(-mu))
        return out

    def inverse(self, eta: FloatArray) -> FloatArray:
        out: FloatArray = -np.expm1(-np.exp(np.minimum(eta, 709.0)))
        return out

    def dmu(self, eta: FloatArray) -> FloatArray:
        t = np.exp(np.minimum(eta, 709.0))
        out: FloatArray = t * np.exp(-t)
        return out

    def d2mu(self, eta: FloatArray) -> FloatArray:
        t = np.exp(np.minimum(eta, 709.0))
        out: FloatArray = t * np.exp(-t) * (1 - t)
        return out

    def bernoulli(self, y: FloatArray, eta: FloatArray) -> tuple[FloatArray, FloatArray]:
        t = np.exp(np.minimum(eta, 709.0))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            em1 = np.expm1(t)
            ratio = np.where(t > 700, 0.0, t / em1)  # d ln p / d eta = t / (e^t - 1)
            # d/d eta of t/(e^t - 1) = ratio * (1 - t e^t / (e^t - 1)) = ratio (1 - t - ratio)
            dratio = np.where(t > 700, 0.0, ratio * (1.0 - t - ratio))
        d1 = y * ratio - (1 - y) * t
        d2 = y * dratio - (1 - y) * t
        return d1, d2

    def log_p(self, eta: FloatArray) -> tuple[FloatArray, FloatArray]:
        t = np.exp(np.minimum(eta, 709.0))
        return np.log(-np.expm1(-t)), -t


class Power(Link):
    """``eta = mu^p`` (``p`` not 0 or 1: those are ``log`` and ``identity``)."""

    def __init__(self, power: float) -> None:
        self.power = float(power)
        self.name = f"power({power:g})"

    def link(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = np.power(mu, self.power)
        return out

    def inverse(self, eta: FloatArray) -> FloatArray:
        out: FloatArray = np.power(eta, 1.0 / self.power)
        return out

    def dmu(self, eta: FloatArray) -> FloatArray:
        q = 1.0 / self.power
        out: FloatArray = q * np.power(eta, q - 1.0)
        return out

    def d2mu(self, eta: FloatArray) -> FloatArray:
        q = 1.0 / self.power
        out: FloatArray = q * (q - 1.0) * np.power(eta, q - 2.0)
        return out


LINKS: dict[str, type[Link]] = {
    "identity": Identity,
    "log": Log,
    "logit": Logit,
    "probit": Probit,
    "cloglog": Cloglog,
}
_ALIASES = {"id": "identity", "i": "identity", "l": "logit", "p": "probit", "c": "cloglog"}
_POWER = re.compile(r"^\s*(?:power|pow)\s*\(?\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*\)?\s*$")


def make_link(name: str | Link) -> Link:
    """The link named ``name`` (Stata's spelling, ``power(-1)`` included).

    Raises :class:`~vcereg.errors.SpecError` naming the valid links and the closest one.
    """
    if isinstance(name, Link):
        return name
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key in LINKS:
        return LINKS[key]()
    match = _POWER.match(key)
    if match:
        p = float(match.group(1))
        if p == 0.0:
            return Log()
        if p == 1.0:
            return Identity()
        return Power(p)
    if key in ("reciprocal", "inverse", "inverse_power"):
        return Power(-1.0)
    if key in ("inverse_squared",):
        return Power(-2.0)
    valid = [*LINKS, "power(#)"]
    near = closest(key, valid)
    raise SpecError(
        f"unknown link {name!r}; expected one of {', '.join(valid)}",
        hint=f"did you mean {near!r}?" if near else None,
    )
