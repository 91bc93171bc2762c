"""Three models in one LaTeX table, ready for ``\\input{}`` in a paper.

Usage::

    python examples/paper_table.py [output.tex]      # default: paper_table.tex

The file needs ``\\usepackage{booktabs}`` (and ``threeparttable`` for the notes).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import vcereg


def main(argv: list[str]) -> Path:
    out = Path(argv[0]) if argv else Path("paper_table.tex")
    d = vcereg.datasets.load("student-mat")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vcereg.errors.FewClustersWarning)  # noted in the table
        models = [
            vcereg.regress("G3 ~ absences", d),
            vcereg.regress("G3 ~ absences + studytime + failures | vce(robust)", d),
            vcereg.regress("regress G3 absences studytime failures i.school, vce(hc3)", d),
        ]
    table = vcereg.etable(
        models,
        titles=["Baseline", "Controls", "School effects"],
        labels={
            "G3": "Final grade",
            "absences": "Absences",
            "studytime": "Weekly study time",
            "failures": "Past class failures",
        },
        drop=["school"],
        add_rows={"School fixed effects": ["No", "No", "Yes"]},
        caption="Absences and final grades (UCI student performance data, mathematics)",
        label="tab:absences",
        latex_env="threeparttable",
    )
    table.save(out)
    print(table)
    print(f"\nwrote {out}")
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
