"""Absences and final grades: conventional, robust and school-clustered standard errors.

The example behind vcereg (docs/index.md): clustering on a variable with two values
gives a tiny standard error, t(1) inference, and a warning that the result cannot be
trusted. Run from anywhere::

    python examples/student_cluster.py
"""

from __future__ import annotations

import warnings

import vcereg


def main() -> None:
    d = vcereg.datasets.load("student-mat")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", vcereg.VceregWarning)
        models = {
            "OLS": vcereg.regress("G3 ~ absences", d),
            "Robust": vcereg.regress("G3 ~ absences | vce(robust)", d),
            "Cluster (school)": vcereg.regress("G3 ~ absences | vce(cluster school)", d),
        }
    print(str(vcereg.etable(models, notes=False)).rstrip())
    print()
    for name, r in models.items():
        df = "normal" if r.df_inference is None else f"t({r.df_inference:g})"
        print(
            f"{name:17} se = {r.se['absences']:.4f}   t = {r.tstat['absences']:5.2f}   "
            f"p = {r.pvalue['absences']:.3f}   {df}"
        )
    print()
    for w in caught:
        print(f"warning: {w.message}")


if __name__ == "__main__":
    main()
