"""Petersen's panel test data: standard errors clustered by firm, by year, and both.

Petersen (2009, Review of Financial Studies) simulated 500 firms over 10 years with
firm and time effects in both x and the error, and published the standard errors each
method gives (OLS 0.0286, White 0.0284, firm 0.0506, year 0.0334, firm and year 0.0536).
Two-way clustering here uses reghdfe's single small-sample factor; ``cgm`` gives each
term its own factor, as Petersen's ``cluster2`` did. Usage::

    python examples/petersen_panel.py [path/to/petersen.csv]
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import vcereg
from vcereg import io

DEFAULT = Path(__file__).resolve().parent.parent / "tests" / "data" / "petersen.csv"


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else DEFAULT
    d = io.read(path)
    print(f"{path.name}: {len(d)} rows, {d['firmid'].nunique()} firms, "
          f"{d['year'].nunique()} years\n")  # fmt: skip
    variances = {
        "OLS": "ols",
        "White": "robust",
        "Firm": "cluster firmid",
        "Year": "cluster year",
        "Firm & year": "cluster firmid year",
        "Firm & year (CGM)": "cluster firmid year, cgm",
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", vcereg.VceregWarning)
        base = vcereg.regress("y ~ x", d)
        models = {name: base.with_vce(v) for name, v in variances.items()}
    print(str(vcereg.etable(models, stats=["nobs", "n_clusters"], digits=4, notes=False)).rstrip())
    print()
    for w in {str(w.message): w for w in caught}.values():
        print(f"warning: {w.message}")


if __name__ == "__main__":
    main(sys.argv[1:])
