"""Stock–Yogo (2005) critical values for the Cragg–Donald F statistic: 2SLS size.

Source: J. H. Stock and M. Yogo (2005), "Testing for Weak Instruments in Linear IV
Regression", in *Identification and Inference for Econometric Models: Essays in Honor of
Thomas Rothenberg*, Cambridge University Press, Table 5.2 ("Critical values for the weak
instrument test based on TSLS size", 5% significance). Transcribed from the copy that
ivreg2 ships (``s_cdsy`` in livreg2.mata, Baum, Schaffer & Stillman; the
labordynamicsinstitute/ssc-mirror copy of the SSC archive), which reproduces it "by
permission"; rows L2 = 1..30 excluded instruments, columns K2 = 1, 2 endogenous regressors.

The value is the smallest first-stage F for which one rejects, at 5%, that the actual size
of a nominal 5% Wald test on the 2SLS coefficients exceeds r (10%, 15%, 20%, 25%).

>>> critical_value(10, k2=1, l2=4)
24.58
>>> critical_value(10, k2=2, l2=1) is None  # needs L2 >= K2
True
"""

from __future__ import annotations

__all__ = ["SIZES", "critical_value"]

_NA = None
# size r (%) -> rows (K2 = 1, K2 = 2) for L2 = 1, 2, ..., 30
SIZES: dict[int, tuple[tuple[float, float | None], ...]] = {
    10: (
        (16.38, _NA), (19.93, 7.03), (22.30, 13.43), (24.58, 16.87), (26.87, 19.45),
        (29.18, 21.68), (31.50, 23.72), (33.84, 25.64), (36.19, 27.51), (38.54, 29.32),
        (40.90, 31.11), (43.27, 32.88), (45.64, 34.62), (48.01, 36.36), (50.39, 38.08),
        (52.77, 39.80), (55.15, 41.51), (57.53, 43.22), (59.92, 44.92), (62.30, 46.62),
        (64.69, 48.31), (67.07, 50.01), (69.46, 51.70), (71.85, 53.39), (74.24, 55.07),
        (76.62, 56.76), (79.01, 58.45), (81.40, 60.13), (83.79, 61.82), (86.17, 63.51),
    ),
    15: (
        (8.96, _NA), (11.59, 4.58), (12.83, 8.18), (13.96, 9.93), (15.09, 11.22),
        (16.23, 12.33), (17.38, 13.34), (18.54, 14.31), (19.71, 15.24), (20.88, 16.16),
        (22.06, 17.06), (23.24, 17.95), (24.42, 18.84), (25.61, 19.72), (26.80, 20.60),
        (27.99, 21.48), (29.19, 22.35), (30.38, 23.22), (31.58, 24.09), (32.77, 24.96),
        (33.97, 25.82), (35.17, 26.69), (36.37, 27.56), (37.57, 28.42), (38.77, 29.29),
        (39.97, 30.15), (41.17, 31.02), (42.37, 31.88), (43.57, 32.74), (44.78, 33.61),
    ),
    20: (
        (6.66, _NA), (8.75, 3.95), (9.54, 6.40), (10.26, 7.54), (10.98, 8.38),
        (11.72, 9.10), (12.48, 9.77), (13.24, 10.41), (14.01, 11.03), (14.78, 11.65),
        (15.56, 12.25), (16.35, 12.86), (17.14, 13.45), (17.93, 14.05), (18.72, 14.65),
        (19.51, 15.24), (20.31, 15.83), (21.10, 16.42), (21.90, 17.02), (22.70, 17.61),
        (23.50, 18.20), (24.30, 18.79), (25.10, 19.38), (25.90, 19.97), (26.71, 20.56),
        (27.51, 21.15), (28.31, 21.74), (29.12, 22.33), (29.92, 22.92), (30.72, 23.51),
    ),
    25: (
        (5.53, _NA), (7.25, 3.63), (7.80, 5.45), (8.31, 6.28), (8.84, 6.89),
        (9.38, 7.42), (9.93, 7.91), (10.50, 8.39), (11.07, 8.85), (11.65, 9.31),
        (12.23, 9.77), (12.82, 10.22), (13.41, 10.68), (14.00, 11.13), (14.60, 11.58),
        (15.19, 12.03), (15.79, 12.49), (16.39, 12.94), (16.99, 13.39), (17.60, 13.84),
        (18.20, 14.29), (18.80, 14.74), (19.41, 15.19), (20.01, 15.64), (20.61, 16.10),
        (21.22, 16.55), (21.83, 17.00), (22.43, 17.45), (23.04, 17.90), (23.65, 18.35),
    ),
}  # fmt: skip


def critical_value(size: int, *, k2: int, l2: int) -> float | None:
    """The 2SLS critical value for maximal size ``size`` (10, 15, 20 or 25 percent), or
    None outside the table (K2 > 2, L2 > 30, or L2 < K2)."""
    rows = SIZES.get(size)
    if rows is None or not 1 <= k2 <= 2 or not 1 <= l2 <= len(rows) or l2 < k2:
        return None
    return rows[l2 - 1][k2 - 1]
