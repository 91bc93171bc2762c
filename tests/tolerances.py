"""Why each tolerance is what it is (one place, as STYLE.md asks).

- REL_REFERENCE = 1e-8: vcereg and the reference packages (statsmodels, pyfixest,
  linearmodels) solve the same well-conditioned least-squares problems with different but
  backward-stable algorithms (QR here, pinv/Cholesky there); on these data sets
  (condition numbers below 1e6) both are accurate to ~1e-12, so 1e-8 leaves four digits
  of head-room while still catching any wrong small-sample factor (the smallest factor
  difference we guard against, (N-1)/N at N = 5000, is 2e-4).
- REL_IDENTITY = 1e-10: identities computed by the same code path on the same numbers
  (row permutations, relabelling, scaling) differ only by summation order.
- NIST: certified values are scored in log relative error (LRE) digits, see test_nist.py.
"""

REL_REFERENCE = 1e-8
REL_IDENTITY = 1e-10
