"""Reference values for the DiD tests from independent Python implementations, run on
the bundled mpdta data (tests/data/mpdta.csv, from R's did package).

Not run by the tests (the packages are not test dependencies): run it in a separate
environment with ``pip install moderndid==0.2.0 did-imputation==0.1.0`` and
``python tests/reference/make_did_python_reference.py`` to rewrite
``did_python_reference.json``.

* moderndid 0.2.0 (a port of R ``did``/``DRDID``): ``att_gt`` with analytic standard
  errors (``boot=False, cband=False``) for est_method reg/ipw/dr, with and without the
  covariate lpop, as a panel and as repeated cross-sections (``panel=False``: the
  cross-section 2x2 estimators), and ``aggte`` simple/dynamic/group/calendar.
* did-imputation 0.1.0 (a port of Stata ``did_imputation``): the overall ATT and all
  horizons, ``minn=0``.
"""

from __future__ import annotations

import json
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def _moderndid(df: pd.DataFrame) -> dict[str, object]:
    import moderndid as md

    out: dict[str, object] = {"package": f"moderndid {version('moderndid')}", "fits": {}}
    for panel, xformla, method in [
        (p, x, m) for p in (True, False) for x in (None, "~lpop") for m in ("reg", "ipw", "dr")
    ]:
        if True:
            key = f"{method}{'_lpop' if xformla else ''}{'' if panel else '_rc'}"
            r = md.att_gt(
                data=df,
                yname="lemp",
                tname="year",
                idname="countyreal",
                gname="first_treat",
                xformla=xformla,
                est_method=method,
                boot=False,
                cband=False,
                panel=panel,
            )
            fit: dict[str, object] = {
                "call": f"att_gt(yname='lemp', tname='year', idname='countyreal', "
                f"gname='first_treat', xformla={xformla!r}, est_method={method!r}, "
                f"boot=False, cband=False, panel={panel})",
                "group": np.asarray(r.groups).tolist(),
                "time": np.asarray(r.times).tolist(),
                "att": np.asarray(r.att_gt).tolist(),
                "se": np.asarray(r.se_gt).tolist(),
                "wald_pvalue": float(r.wald_pvalue),
            }
            # moderndid 0.2.0 cannot aggregate repeated cross-sections (a shape error)
            for kind in ("simple", "dynamic", "group", "calendar") if panel else ():
                a = md.aggte(r, type=kind, boot=False, cband=False)
                fit[kind] = {
                    "overall_att": float(a.overall_att),
                    "overall_se": float(a.overall_se),
                    "index": None if a.event_times is None else np.asarray(a.event_times).tolist(),
                    "att": None if a.att_by_event is None else np.asarray(a.att_by_event).tolist(),
                    "se": None if a.se_by_event is None else np.asarray(a.se_by_event).tolist(),
                }
            out["fits"][key] = fit  # type: ignore[index]
    return out


def _imputation(df: pd.DataFrame) -> dict[str, object]:
    import did_imputation as di

    d = df.copy()
    d["Ei"] = d["first_treat"].replace(0, np.nan)
    att = di.did_imputation(d, "lemp", "countyreal", "year", "Ei", minn=0)
    hor = di.did_imputation(d, "lemp", "countyreal", "year", "Ei", allhorizons=True, minn=0)
    return {
        "package": f"did-imputation {version('did-imputation')}",
        "call": "did_imputation(df, 'lemp', 'countyreal', 'year', 'Ei', minn=0) and with "
        "allhorizons=True",
        "att": float(att.estimates["tau_ate"]),
        "att_se": float(att.std_errors["tau_ate"]),
        "horizons": {k: float(v) for k, v in hor.estimates.items()},
        "horizons_se": {k: float(v) for k, v in hor.std_errors.items()},
    }


def main() -> None:
    warnings.filterwarnings("ignore")
    df = pd.read_csv(HERE.parent / "data" / "mpdta.csv")
    ref = {
        "data": "tests/data/mpdta.csv",
        "moderndid": _moderndid(df),
        "did_imputation": _imputation(df),
    }
    (HERE / "did_python_reference.json").write_text(json.dumps(ref, indent=1) + "\n")


if __name__ == "__main__":
    main()
