"""What Stata's ``xtreg`` reports beside the coefficients (:class:`PanelStats`), and panel
means (:func:`group_means`); the estimators are in :mod:`.panel`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .._types import FloatArray, IntArray

__all__ = ["PanelStats", "group_means"]


@dataclass(frozen=True, slots=True, eq=False)
class PanelStats:
    """What Stata's ``xtreg`` reports beside the coefficients (its e() scalars).

    Attributes
    ----------
    model
        ``"re"``, ``"be"`` or ``"fe"``.
    panel_var
        The panel identifier (``xtset`` variable).
    n_panels, t_min, t_avg, t_max
        Panels and observations per panel (Stata's N_g, g_min, g_avg, g_max).
    t_harmonic
        Harmonic mean of the panel sizes (Stata's Tbar after ``re``).
    sigma_u, sigma_e, rho
        Standard deviations of the panel effect and of the idiosyncratic error, and
        rho = sigma_u^2 / (sigma_u^2 + sigma_e^2); NaN after ``be``.
    r2_within, r2_between, r2_overall
        Stata's R-squared within, between and overall.
    theta
        Per-panel quasi-demeaning weight (``re``; None otherwise), in panel-code order.
    corr_u_xb
        corr(u_i, Xb) over the observations (``fe``; None otherwise).
    f_u, f_u_df, f_u_pvalue
        F test that all u_i = 0 (``fe``; None otherwise).
    sigma_u_truncated
        True when the Swamy-Arora estimate of sigma_u^2 was negative and set to 0.
    """

    model: Literal["re", "be", "fe"]
    panel_var: str
    n_panels: int
    t_min: int
    t_avg: float
    t_max: int
    t_harmonic: float
    sigma_u: float
    sigma_e: float
    rho: float
    r2_within: float
    r2_between: float
    r2_overall: float
    theta: FloatArray | None = None
    corr_u_xb: float | None = None
    f_u: float | None = None
    f_u_df: tuple[int, float] | None = None
    f_u_pvalue: float | None = None
    sigma_u_truncated: bool = False
    # for the Mundlak test: the untransformed y, X (kept columns), terms and panel codes
    _y: FloatArray | None = field(default=None, repr=False)
    _x: FloatArray | None = field(default=None, repr=False)
    _terms: tuple[str, ...] = field(default=(), repr=False)
    _codes: IntArray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, object]:
        """The statistics as plain Python values (theta summarised), for JSON."""
        out: dict[str, object] = {
            name: getattr(self, name)
            for name in (
                "model", "panel_var", "n_panels", "t_min", "t_avg", "t_max", "t_harmonic",
                "sigma_u", "sigma_e", "rho", "r2_within", "r2_between", "r2_overall",
                "corr_u_xb", "f_u", "f_u_pvalue",
            )
        }  # fmt: skip
        out["f_u_df"] = list(self.f_u_df) if self.f_u_df is not None else None
        out["theta"] = self.theta_summary() or None
        return {
            k: None if isinstance(v, float) and not np.isfinite(v) else v for k, v in out.items()
        }

    def theta_summary(self) -> dict[str, float]:
        """min, 5%, median, 95% and max of theta over panels (Stata's ``re theta`` line)."""
        if self.theta is None or self.theta.size == 0:
            return {}
        q = np.quantile(self.theta, [0.0, 0.05, 0.5, 0.95, 1.0])
        return dict(zip(("min", "5%", "50%", "95%", "max"), map(float, q), strict=True))


def group_means(a: FloatArray, codes: IntArray, weights: FloatArray | None = None) -> FloatArray:
    """(Weighted) panel means of the columns of ``a``: one row per code.

    >>> import numpy as np
    >>> group_means(np.array([1.0, 3.0, 10.0]), np.array([0, 0, 1])).tolist()
    [2.0, 10.0]
    """
    size = int(codes.max()) + 1 if codes.size else 0
    w = np.ones(codes.size) if weights is None else weights
    total = np.bincount(codes, weights=w, minlength=size)
    if a.ndim == 1:
        out: FloatArray = np.bincount(codes, weights=a * w, minlength=size) / total
        return out
    cols = [np.bincount(codes, weights=a[:, j] * w, minlength=size) for j in range(a.shape[1])]
    return np.column_stack(cols) / total[:, None] if cols else np.zeros((size, 0))
