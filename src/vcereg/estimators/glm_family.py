"""Families of generalized linear models: variance functions, log likelihoods, deviances.

Every family works with the response ``y``, the mean ``mu`` of ``y / m`` (for the binomial
the probability, ``m`` the number of trials; ``m = 1`` for the other families) and the
scale (dispersion) ``phi``. The per-observation log likelihoods follow Stata's ``glm``:
the binomial includes ``ln C(m, y)``, the Poisson ``-ln y!``; for the gamma, inverse
Gaussian and negative binomial Stata reports the log likelihood at ``phi = 1``, for the
Gaussian at the maximum-likelihood ``phi = deviance / N`` (see :mod:`.glm_model`).

=================  ===========  ===================  ===============================
family             V(mu)        canonical link       Stata's default scale
=================  ===========  ===================  ===============================
binomial           mu (1 - mu)  logit                1
poisson            mu           log                  1
gaussian           1            identity             Pearson chi2 / (N - K)
gamma              mu^2         power(-1)            Pearson chi2 / (N - K)
inverse_gaussian   mu^3         power(-2)            Pearson chi2 / (N - K)
nbinomial          mu + a mu^2  log (Stata's default) 1
=================  ===========  ===================  ===============================

Links are in :mod:`.glm_links`; both modules import only numpy, scipy and the foundation.

>>> fam = make_family("poisson")
>>> fam.name, fam.default_link
('poisson', 'log')
>>> float(fam.unit_deviance(np.array([2.0]), np.array([2.0]), 1.0)[0])
0.0
"""

from __future__ import annotations

import numpy as np

from .._lazy import lazy_import
from .._types import FloatArray
from ..errors import SpecError, closest
from .glm_links import LINKS, Link, make_link

special = lazy_import("scipy.special")

__all__ = [
    "FAMILIES",
    "Family",
    "Link",
    "derivatives",
    "glm_loglik",
    "make_family",
    "make_link",
    "xlogy",
]

Trials = FloatArray | float


def xlogy(x: FloatArray, y: FloatArray) -> FloatArray:
    """``x ln y`` with ``0 ln 0 = 0``."""
    out: FloatArray = special.xlogy(x, y)
    return out


class Family:
    """A GLM family; ``alpha`` is the negative binomial's dispersion (else unused)."""

    name: str = ""
    stata_name: str = ""  # Stata's display: "Bernoulli", "Poisson", "Gamma", ...
    default_link: str = ""
    has_scale: bool = False  # True: phi is estimated (Pearson chi2 / (N - K) by default)
    links: tuple[str, ...] = ()  # links Stata allows (power links are checked by range)

    def variance(self, mu: FloatArray) -> FloatArray:
        raise NotImplementedError

    def dvariance(self, mu: FloatArray) -> FloatArray:
        """``dV / dmu``."""
        raise NotImplementedError

    def loglik(self, y: FloatArray, mu: FloatArray, m: Trials, phi: float) -> FloatArray:
        """Per-observation log likelihood (unweighted)."""
        raise NotImplementedError

    def unit_deviance(self, y: FloatArray, mu: FloatArray, m: Trials) -> FloatArray:
        """Per-observation deviance contribution (unweighted)."""
        raise NotImplementedError

    def valid_mu(self, mu: FloatArray) -> FloatArray:
        """``mu`` kept inside the family's support (away from 0 and 1 where it matters)."""
        return mu

    def start_mu(self, y: FloatArray, m: Trials) -> FloatArray:
        """Starting means for the first IRLS step."""
        out: FloatArray = (y + float(np.mean(y))) / 2.0
        return out

    def check_y(self, y: FloatArray, m: Trials) -> str | None:
        """A message when ``y`` is outside the family's support, else None."""
        return None

    def __repr__(self) -> str:
        return f"Family({self.name!r})"


class Binomial(Family):
    name = "binomial"
    stata_name = "Binomial"
    default_link = "logit"
    links = ("logit", "probit", "cloglog", "log", "identity")

    def variance(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = mu * (1.0 - mu)
        return out

    def dvariance(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = 1.0 - 2.0 * mu
        return out

    def loglik(self, y: FloatArray, mu: FloatArray, m: Trials, phi: float = 1.0) -> FloatArray:
        comb = special.gammaln(m + 1.0) - special.gammaln(y + 1.0) - special.gammaln(m - y + 1.0)
        out: FloatArray = comb + xlogy(y, mu) + xlogy(m - y, 1.0 - mu)
        return out

    def unit_deviance(self, y: FloatArray, mu: FloatArray, m: Trials) -> FloatArray:
        fitted = m * mu
        out: FloatArray = 2.0 * (xlogy(y, y / fitted) + xlogy(m - y, (m - y) / (m - fitted)))
        return out

    def valid_mu(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = np.clip(mu, 1e-300, 1.0 - 1e-16)
        return out

    def start_mu(self, y: FloatArray, m: Trials) -> FloatArray:
        out: FloatArray = (y + 0.5) / (m + 1.0)
        return out

    def check_y(self, y: FloatArray, m: Trials) -> str | None:
        if np.any(y < 0) or np.any(y > m):
            return "the outcome of a binomial model must lie between 0 and the number of trials"
        return None


class Poisson(Family):
    name = "poisson"
    stata_name = "Poisson"
    default_link = "log"
    links = ("log", "identity")

    def variance(self, mu: FloatArray) -> FloatArray:
        return mu

    def dvariance(self, mu: FloatArray) -> FloatArray:
        return np.ones_like(mu)

    def loglik(self, y: FloatArray, mu: FloatArray, m: Trials, phi: float = 1.0) -> FloatArray:
        out: FloatArray = xlogy(y, mu) - mu - special.gammaln(y + 1.0)
        return out

    def unit_deviance(self, y: FloatArray, mu: FloatArray, m: Trials) -> FloatArray:
        out: FloatArray = 2.0 * (xlogy(y, y / mu) - (y - mu))
        return out

    def valid_mu(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = np.maximum(mu, 1e-300)
        return out

    def check_y(self, y: FloatArray, m: Trials) -> str | None:
        if np.any(y < 0):
            return "the outcome of a Poisson model must not be negative"
        return None


class Gaussian(Family):
    name = "gaussian"
    stata_name = "Gaussian"
    default_link = "identity"
    has_scale = True
    links = ("identity", "log")

    def variance(self, mu: FloatArray) -> FloatArray:
        return np.ones_like(mu)

    def dvariance(self, mu: FloatArray) -> FloatArray:
        return np.zeros_like(mu)

    def loglik(self, y: FloatArray, mu: FloatArray, m: Trials, phi: float) -> FloatArray:
        out: FloatArray = -0.5 * ((y - mu) ** 2 / phi + np.log(2.0 * np.pi * phi))
        return out

    def unit_deviance(self, y: FloatArray, mu: FloatArray, m: Trials) -> FloatArray:
        out: FloatArray = (y - mu) ** 2
        return out


class Gamma(Family):
    name = "gamma"
    stata_name = "Gamma"
    default_link = "power(-1)"
    has_scale = True
    links = ("log", "identity")

    def variance(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = mu * mu
        return out

    def dvariance(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = 2.0 * mu
        return out

    def loglik(self, y: FloatArray, mu: FloatArray, m: Trials, phi: float) -> FloatArray:
        k = 1.0 / phi
        out: FloatArray = k * np.log(y * k / mu) - y * k / mu - np.log(y) - special.gammaln(k)
        return out

    def unit_deviance(self, y: FloatArray, mu: FloatArray, m: Trials) -> FloatArray:
        out: FloatArray = 2.0 * (-np.log(y / mu) + (y - mu) / mu)
        return out

    def valid_mu(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = np.maximum(mu, 1e-300)
        return out

    def check_y(self, y: FloatArray, m: Trials) -> str | None:
        if np.any(y <= 0):
            return "the outcome of a gamma model must be positive"
        return None


class InverseGaussian(Family):
    name = "inverse_gaussian"
    stata_name = "Inverse Gaussian"
    default_link = "power(-2)"
    has_scale = True
    links = ("log", "identity")

    def variance(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = mu**3
        return out

    def dvariance(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = 3.0 * mu * mu
        return out

    def loglik(self, y: FloatArray, mu: FloatArray, m: Trials, phi: float) -> FloatArray:
        out: FloatArray = -0.5 * (
            (y - mu) ** 2 / (y * mu * mu * phi) + np.log(2.0 * np.pi * phi * y**3)
        )
        return out

    def unit_deviance(self, y: FloatArray, mu: FloatArray, m: Trials) -> FloatArray:
        out: FloatArray = (y - mu) ** 2 / (y * mu * mu)
        return out

    def valid_mu(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = np.maximum(mu, 1e-300)
        return out

    def check_y(self, y: FloatArray, m: Trials) -> str | None:
        if np.any(y <= 0):
            return "the outcome of an inverse Gaussian model must be positive"
        return None


class NegativeBinomial(Family):
    """NB2 with a given ``alpha``: ``V = mu + alpha mu^2`` (Stata's ``family(nbinomial #)``)."""

    name = "nbinomial"
    stata_name = "Neg. Binomial"
    default_link = "log"
    links = ("log", "identity")

    def __init__(self, alpha: float = 1.0) -> None:
        if not np.isfinite(alpha) or alpha <= 0:
            raise SpecError(f"the negative binomial alpha must be positive (got {alpha})")
        self.alpha = float(alpha)

    def variance(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = mu + self.alpha * mu * mu
        return out

    def dvariance(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = 1.0 + 2.0 * self.alpha * mu
        return out

    def loglik(self, y: FloatArray, mu: FloatArray, m: Trials, phi: float = 1.0) -> FloatArray:
        a = self.alpha
        inv = 1.0 / a
        out: FloatArray = (
            special.gammaln(y + inv)
            - special.gammaln(y + 1.0)
            - special.gammaln(inv)
            + xlogy(y, a * mu)
            - (y + inv) * np.log1p(a * mu)
        )
        return out

    def unit_deviance(self, y: FloatArray, mu: FloatArray, m: Trials) -> FloatArray:
        a = self.alpha
        out: FloatArray = 2.0 * (
            xlogy(y, y / mu) - (y + 1.0 / a) * np.log((1.0 + a * y) / (1.0 + a * mu))
        )
        return out

    def valid_mu(self, mu: FloatArray) -> FloatArray:
        out: FloatArray = np.maximum(mu, 1e-300)
        return out

    def check_y(self, y: FloatArray, m: Trials) -> str | None:
        if np.any(y < 0):
            return "the outcome of a negative binomial model must not be negative"
        return None

    def __repr__(self) -> str:
        return f"Family('nbinomial', alpha={self.alpha:g})"


FAMILIES: dict[str, type[Family]] = {
    "binomial": Binomial,
    "poisson": Poisson,
    "gaussian": Gaussian,
    "gamma": Gamma,
    "inverse_gaussian": InverseGaussian,
    "nbinomial": NegativeBinomial,
}
_ALIASES = {
    "bernoulli": "binomial",
    "binomial": "binomial",
    "b": "binomial",
    "bin": "binomial",
    "poi": "poisson",
    "p": "poisson",
    "normal": "gaussian",
    "gau": "gaussian",
    "gaus": "gaussian",
    "gam": "gamma",
    "igaussian": "inverse_gaussian",
    "ig": "inverse_gaussian",
    "inversegaussian": "inverse_gaussian",
    "inverse gaussian": "inverse_gaussian",
    "nb": "nbinomial",
    "negbin": "nbinomial",
    "negative_binomial": "nbinomial",
    "negativebinomial": "nbinomial",
}


def derivatives(
    family: Family,
    link: Link,
    y: FloatArray,
    eta: FloatArray,
    w: FloatArray,
    m: FloatArray | float = 1.0,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``(mu, d l / d eta, d^2 l / d eta^2, expected weight)`` per row at scale 1.

    ``mu`` is the mean of ``y / m``; prior weights ``w`` and trials ``m`` are included.
    """
    mu = family.valid_mu(link.inverse(eta))
    yp = y / m
    closed = link.bernoulli(yp, eta) if isinstance(family, Binomial) else None
    dmu = link.dmu(eta)
    var = np.maximum(family.variance(mu), 1e-300)
    expected = w * m * dmu * dmu / var
    if closed is not None:
        d1, d2 = closed
        return mu, w * m * d1, w * m * d2, expected
    resid = yp - mu
    d1 = w * m * resid * dmu / var
    curv = link.d2mu(eta) / var - dmu * dmu * family.dvariance(mu) / (var * var)
    d2 = w * m * (-dmu * dmu / var + resid * curv)
    return mu, d1, d2, expected


def glm_loglik(
    family: Family,
    link: Link,
    y: FloatArray,
    mu: FloatArray,
    eta: FloatArray,
    w: FloatArray,
    m: FloatArray | float = 1.0,
    phi: float = 1.0,
) -> float:
    """Sum of the weighted log likelihood (binary links evaluated from ``eta`` so the
    tails do not round to ``ln 0``)."""
    logs = link.log_p(eta) if isinstance(family, Binomial) else None
    if logs is None:
        return float(w @ family.loglik(y, mu, m, phi))
    if np.isscalar(m) and m == 1.0 and bool(np.all((y == 0.0) | (y == 1.0))):
        comb: FloatArray | float = 0.0  # Bernoulli: the binomial coefficient is 1
    else:
        comb = special.gammaln(m + 1.0) - special.gammaln(y + 1.0) - special.gammaln(m - y + 1.0)
    with np.errstate(invalid="ignore"):
        per = comb + np.where(y > 0, y * logs[0], 0.0) + np.where(m - y > 0, (m - y) * logs[1], 0.0)
    return float(w @ per)


def make_family(name: str | Family, *, alpha: float | None = None) -> Family:
    """The family named ``name`` (Stata's names and abbreviations; ``alpha`` for
    ``nbinomial``, default 1 as in Stata).

    >>> make_family("nbinomial", alpha=0.5)
    Family('nbinomial', alpha=0.5)
    """
    if isinstance(name, Family):
        return name
    key = str(name).strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key == "nbinomial":
        return NegativeBinomial(1.0 if alpha is None else alpha)
    if key in FAMILIES:
        return FAMILIES[key]()
    near = closest(key, [*FAMILIES, *_ALIASES])
    raise SpecError(
        f"unknown family {name!r}; expected one of {', '.join(FAMILIES)}",
        hint=f"did you mean {near!r}?" if near else None,
    )


def check_link(family: Family, link: Link) -> None:
    """Refuse a family-link pair Stata's glm does not fit (e.g. Poisson with probit)."""
    if link.name in family.links or link.name == make_link(family.default_link).name:
        return
    if link.name.startswith("power(") and family.name != "binomial":
        return
    if family.name == "binomial" and link.name in LINKS:
        return
    raise SpecError(
        f"the {family.name} family does not take the {link.name} link; expected one of "
        f"{', '.join(family.links)}"
    )
