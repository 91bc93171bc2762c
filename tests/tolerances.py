"""Why each tolerance is what it is (one place, as STYLE.md asks).

- REL_REFERENCE = 1e-8: vcereg and the reference packages (statsmodels, pyfixest,
  linearmodels) solve the same well-conditioned least-squares problems with different but
  backward-stable algorithms (QR here, pinv/Cholesky there); on these data sets
  (condition numbers below 1e6) both are accurate to ~1e-12, so 1e-8 leaves four digits
  of head-room while still catching any wrong small-sample factor (the smallest factor
  difference we guard against, (N-1)/N at N = 5000, is 2e-4).
- REL_IDENTITY = 1e-10
REL_ML = 1e-7: identities computed by the same code path on the same numbers
  (row permutations, relabelling, scaling) differ only by summation order.
- REL_ML = 1e-7: maximum-likelihood estimates solved to convergence by two Newton
  implementations (vcereg's and statsmodels' with tol=1e-12) agree to ~1e-11 on these
  problems; 1e-7 leaves room for the references' own stopping rules (statsmodels' GLM
  IRLS stops on the deviance) while catching any wrong factor (N/(N-1) at N = 1000 is
  1e-3, G/(G-1) at G = 50 is 2e-2).
- NIST: certified values are scored in log relative error (LRE) digits, see test_nist.py.
"""

REL_REFERENCE = 1e-8
REL_IDENTITY = 1e-10
REL_ML = 1e-7
