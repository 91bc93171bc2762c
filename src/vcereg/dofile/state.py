"""What the commands of one do-file run share (:class:`DoState`), and what the run returns
(:class:`DoRun`).

File access is off unless the caller names a directory (``run_do(..., files=DIR)``, the
command line's ``--allow-files DIR``): every path a do-file reads or writes (``use``,
``import delimited``, ``merge``, ``save``, ``esttab using``, ``outreg2 using``, ``do``)
is resolved inside that directory, symbolic links included, and refused outside it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..dsl.expr_values import EvalEnv, Groups
from ..errors import NotSupportedError
from ..results import Results
from ..staggered import DidResults
from .frame import DataMeta
from .registry import DoCommand

__all__ = ["DoRun", "DoState"]


@dataclass
class DoState:
    """What the commands of one run share: the data copy, the fits, stored estimates,
    macros, labels, the tables made and the files written."""

    data: pd.DataFrame
    results: list[Results] = field(default_factory=list)
    stored: dict[str, Results] = field(default_factory=dict)
    active: Results | None = None
    did: DidResults | None = None  # the active DiD estimates (csdid, jwdid, ...), if last
    did_results: list[DidResults] = field(default_factory=list)
    meta: DataMeta = field(default_factory=DataMeta)
    locals: dict[str, str] = field(default_factory=dict)
    globals: dict[str, str] = field(default_factory=dict)
    rc: int = 0
    eststo: list[str] = field(default_factory=list)
    tables: list[object] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    files: Path | None = None
    preserved: tuple[pd.DataFrame, DataMeta] | None = None
    tempvars: list[str] = field(default_factory=list)
    default_type: str = "float"
    appended: dict[Path, list[tuple[Results, str | None]]] = field(default_factory=dict)
    returned: dict[str, float] = field(default_factory=dict)  # r() of the last r-class command
    memfiles: dict[str, tuple[pd.DataFrame, DataMeta]] = field(default_factory=dict)
    etable_models: list[Results] = field(default_factory=list)  # for ``etable, append``
    titles: dict[str, str] = field(default_factory=dict)  # eststo name -> title()
    _temp: int = 0

    def current(self, cmd: DoCommand) -> Results:
        """The active estimates; Stata's "last estimates not found" when there are none."""
        if self.active is None:
            err = cmd.error(
                f"{cmd.word}: last estimates not found",
                hint="run an estimation command (regress, areg, ...) before it",
            )
            err.rc = 301
            raise err
        return self.active

    def env(
        self,
        groups: Groups | None = None,
        *,
        first_only: bool = False,
        active: npt.NDArray[np.bool_] | None = None,
        regex: list[tuple[str, ...] | None] | None = None,
    ) -> EvalEnv:
        """The expression environment: extended missing codes, ``_rc``, ``_b[]``/``_se[]``."""
        return EvalEnv(
            codes=self.meta.missing,
            groups=groups,
            scalars={"_rc": float(self.rc)},
            lookup=self.lookup,
            first_only=first_only,
            active=active,
            regex=regex,
        )

    def lookup(self, kind: str, name: str) -> float | str:
        """``_b[x]``, ``_se[x]``, ``e(name)``, ``r(name)`` and ``c(name)`` ([U] 13.5, 13.6);
        ``KeyError`` when there is no such result."""
        if kind == "r":
            return self.returned[name]
        if kind == "c":
            consts = {"N": len(self.data), "k": self.data.shape[1], "pi": math.pi}
            return float(consts[name])
        fit = self.active
        if fit is None:
            raise KeyError(name)
        if kind in ("_b", "_se"):
            alias = {fit.display_names.get(t, t): t for t in fit.terms}
            table = fit.params if kind == "_b" else fit.se
            return float(table[alias.get(name, name)])
        stored: dict[str, float | str] = {
            "N": float(fit.nobs), "r2": fit.rsquared, "r2_a": fit.rsquared_adj,
            "df_r": fit.df_resid, "df_m": fit.df_model, "F": fit.fstat, "rmse": fit.rmse,
            "rss": fit.rss, "mss": fit.tss - fit.rss, "level": fit.level,
            "depvar": fit.depvar, "cmd": fit.spec.command or "regress", "vce": fit.vce_name,
            "N_clust": float(next(iter(fit.n_clusters.values()))) if fit.n_clusters else math.nan,
        }  # fmt: skip
        return stored[name]

    def take_rows(self, pos: npt.NDArray[np.intp]) -> None:
        """Keep and reorder the rows at positions ``pos`` (data and metadata together)."""
        self.data = self.data.iloc[pos]
        self.meta.take(pos)

    def tempname(self, prefix: str = "_tmp") -> str:
        """A new name no variable has (``tempvar``, ``tempfile``)."""
        while True:
            self._temp += 1
            name = f"{prefix}{self._temp:06d}"
            if name not in self.data.columns:
                return name

    def path(
        self, cmd: DoCommand, text: str, *, write: bool = False, suffix: str | None = None
    ) -> Path:
        """``text`` as a file inside the allowed directory (``suffix`` added when the name has
        none); refused without a directory, outside it, or naming a directory."""
        what = "write" if write else "read"
        name = text.strip().strip('"').strip()
        if self.files is None:
            err = NotSupportedError(
                f"{cmd.word}: file access is off; the do-file cannot {what} {name!r}",
                hint="allow a directory: run_do(..., files='DIR') or the command line's "
                "--allow-files DIR",
            )
            err.rc = 603
            raise err
        if not name:
            raise cmd.error(f"{cmd.word}: expected a file name")
        if suffix and not Path(name).suffix:
            name += suffix
        root = self.files.resolve()
        target = (root / os.path.expanduser(name)).resolve()
        if target == root or target.is_dir():
            raise cmd.error(f"{cmd.word}: {name!r} is a directory, not a file").with_rc(603)
        if not target.is_relative_to(root):
            err = NotSupportedError(
                f"{cmd.word}: {name!r} is outside the allowed directory {str(root)!r}",
                hint="keep the do-file's files inside the directory given to --allow-files",
            )
            err.rc = 603
            raise err
        return target


@dataclass(frozen=True)
class DoRun:
    """The outcome of :func:`vcereg.run_do`.

    Attributes
    ----------
    results
        Every estimation, in order.
    log
        ``(line number, command, output)`` for every command that printed something.
    data
        The run's copy of the data, as the do-file left it (generated variables, ``keep``,
        ``collapse``...); extended missing values ``.a``-``.z`` are NaN here.
    stored
        Estimates saved with ``estimates store NAME`` or ``eststo NAME``.
    did
        Every DiD estimation (``csdid``, ``did_imputation``, ``eventstudyinteract``,
        ``did2s``, ``jwdid`` or a model string with ``did(...)``), in order.
    labels
        Variable labels (``label variable``, or from a ``.dta`` file).
    tables
        The tables ``esttab``, ``estout``, ``outreg2`` and ``etable`` made (``ETable``).
    written
        Files the do-file wrote (``esttab using``, ``save``, ...).
    """

    results: tuple[Results, ...]
    log: tuple[tuple[int, str, object], ...]
    data: pd.DataFrame
    stored: dict[str, Results]
    did: tuple[DidResults, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    tables: tuple[object, ...] = ()
    written: tuple[Path, ...] = ()

    def __str__(self) -> str:
        parts = [f". {line}\n\n{output}" for _, line, output in self.log]
        return "\n\n".join(parts)
