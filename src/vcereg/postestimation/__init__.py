"""What is computed from a fitted model afterwards: tests, linear combinations, ...

:mod:`vcereg.postestimation.hypotheses` parses linear hypotheses (``"x1 = x2"``) and
computes Wald tests and ``lincom``.
"""
