"""Reading data files: CSV/TSV (separator sniffed), Parquet, Stata ``.dta`` and Excel.

>>> import vcereg
>>> d = read(vcereg.datasets.path("student-mat"))  # ';'-separated, quoted text fields
>>> d.shape
(395, 33)

=========================================  ====================================================
extension                                  reader
=========================================  ====================================================
``.csv`` ``.tsv`` ``.tab`` ``.txt``        :func:`pandas.read_csv`; the separator is sniffed
(also ``.gz``, ``.bz2``, ``.xz``)          among ``, ; tab |`` unless ``sep=`` is given
``.parquet`` ``.pq``                       :func:`pandas.read_parquet` (``pip install
                                           vcereg[parquet]``)
``.dta``                                   :func:`pandas.read_stata`; variable labels in
                                           ``df.attrs["labels"]``, value labels in
                                           ``df.attrs["value_labels"]``
``.xlsx`` ``.xlsm``                        :func:`pandas.read_excel` when ``openpyxl`` is
                                           installed
=========================================  ====================================================

Stata variables with value labels stay numeric, as in Stata (``regress y x`` uses the codes
of ``x``); write ``i.x`` or ``C(x)`` to get dummies. Every problem raises
:class:`~vcereg.errors.DataError`.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import importlib.util
import lzma
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import pandas as pd

from ._lazy import lazy_import
from .errors import DataError, VceregWarning, closest, warn

if TYPE_CHECKING:
    from .backends import dask as dask_backend
else:
    dask_backend = lazy_import("vcereg.backends.dask")  # only for engine="dask"

__all__ = ["SUPPORTED_EXTENSIONS", "read", "read_labels", "sniff_separator"]

_TEXT = (".csv", ".tsv", ".tab", ".txt")
_COMPRESSED = (".gz", ".bz2", ".xz")
_PARQUET = (".parquet", ".pq")
_STATA = (".dta",)
_EXCEL = (".xlsx", ".xlsm")
#: Every extension :func:`read` understands (text files may also end in .gz, .bz2 or .xz).
SUPPORTED_EXTENSIONS = (*_TEXT, *_PARQUET, *_STATA, *_EXCEL)
_CANDIDATES = (",", ";", "\t", "|")
_SAMPLE_BYTES = 64 * 1024
_SAMPLE_LINES = 50


def _kind(path: Path) -> tuple[str, str | None]:
    """The (extension, compression suffix) of ``path``, lower-cased."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        inner = suffixes[-2] if len(suffixes) > 1 else ""
        return inner, suffixes[-1]
    return (suffixes[-1] if suffixes else ""), None


_ENCODINGS = ("utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "ascii", "iso-8859-15")


def _check_file(path: Path) -> None:
    if path.is_file():
        return
    if path.is_dir():
        raise DataError(f"expected a data file (got the directory {str(path)!r})")
    if path.exists():
        raise DataError(
            f"expected a data file (got {str(path)!r}, which is a device or pipe, not a file)"
        )
    parent = path.parent if str(path.parent) else Path(".")
    siblings = [p.name for p in parent.iterdir()] if parent.is_dir() else []
    near = closest(path.name, siblings)
    raise DataError(
        f"no such data file: {str(path)!r}",
        hint=f"did you mean {str(parent / near)!r}?" if near else None,
    )


def _unsupported(path: Path) -> DataError:
    ext = "".join(path.suffixes) or "no extension"
    near = closest(path.suffix.lower(), SUPPORTED_EXTENSIONS) if path.suffix else None
    return DataError(
        f"cannot read {path.name!r} ({ext}); supported extensions: "
        + ", ".join(SUPPORTED_EXTENSIONS)
        + " (text files may be compressed: .gz, .bz2, .xz)",
        hint=f"did you mean {near!r}?" if near else None,
    )


def _require(module: str, install: str, what: str) -> None:
    # find_spec only looks the package up; pandas imports it when it reads the file.
    if importlib.util.find_spec(module) is None:
        raise DataError(
            f"reading {what} files needs the optional package {module!r}, which is not installed",
            hint=f"install it with: pip install {install}",
        )


def sniff_separator(sample: str) -> str:
    """Guess the field separator of delimited text.

    A candidate (``,``, ``;``, tab, ``|``) qualifies when every line of the sample splits
    into the same number (more than one) of fields, quotes respected; the one giving the
    most fields wins. With no qualifying candidate, the one splitting the header most.

    >>> sniff_separator('a;b;"c;d"\\n1;2;"x"\\n')
    ';'
    >>> sniff_separator("a\\tb\\n1\\t2\\n")
    '\\t'
    """
    lines = [ln for ln in sample.splitlines()[:_SAMPLE_LINES] if ln.strip()]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a truncated sample may be cut short
    if not lines:
        return ","
    best: tuple[int, str] | None = None
    for sep in _CANDIDATES:
        counts = {len(row) for row in csv.reader(lines, delimiter=sep, quotechar='"')}
        if len(counts) == 1 and (n := counts.pop()) > 1 and (best is None or n > best[0]):
            best = (n, sep)
    if best is not None:
        return best[1]
    header = lines[0]
    return max(_CANDIDATES, key=lambda s: len(next(csv.reader([header], delimiter=s))))


def _head(path: Path, compression: str | None) -> bytes:
    if compression == ".gz":
        with gzip.open(path, "rb") as gz:
            return gz.read(_SAMPLE_BYTES)
    if compression == ".bz2":
        with bz2.open(path, "rb") as bz:
            return bz.read(_SAMPLE_BYTES)
    if compression == ".xz":
        with lzma.open(path, "rb") as xz:
            return xz.read(_SAMPLE_BYTES)
    with path.open("rb") as fh:
        return fh.read(_SAMPLE_BYTES)


def _sample(path: Path, compression: str | None, encoding: str) -> str:
    raw = _head(path, compression)
    # a sample cut at _SAMPLE_BYTES may end inside a multi-byte character
    return raw.decode(encoding, errors="ignore" if len(raw) == _SAMPLE_BYTES else "strict")


def _read_text(
    path: Path, ext: str, compression: str | None, sep: str | None, enc: str
) -> pd.DataFrame:
    if sep is None:
        sep = "\t" if ext in (".tsv", ".tab") else sniff_separator(_sample(path, compression, enc))
    frame = pd.read_csv(path, sep=sep, encoding=enc, compression="infer")
    if frame.empty and len(frame.columns):
        raise DataError(
            f"{path.name!r} has a header ({', '.join(map(str, frame.columns[:8]))}"
            f"{', ...' if len(frame.columns) > 8 else ''}) but no data rows"
        )
    return _stata_missing(frame, path.name)


_STATA_MISSING = re.compile(r"^\.[a-z]?$")


def _stata_missing(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Stata exports missing numbers as ``.`` (``.a`` ... ``.z``): a column that is numeric
    apart from those is read as numbers with NaN, and a warning says so (otherwise it
    would be text, and a regression would make one dummy per distinct value)."""
    converted: dict[str, int] = {}
    new: dict[str, pd.Series] = {}
    for col in frame.columns:
        s = frame[col]
        if not isinstance(s, pd.Series) or not pd.api.types.is_string_dtype(s.dtype):
            continue
        text = s.astype("string").str.strip()
        dots = text.str.match(_STATA_MISSING.pattern).fillna(False).to_numpy(dtype=bool)
        if not dots.any():
            continue
        rest = pd.to_numeric(s[~dots & s.notna().to_numpy()], errors="coerce")
        if rest.notna().all():
            new[str(col)] = pd.to_numeric(s.where(~dots), errors="coerce")
            converted[str(col)] = int(dots.sum())
    if not converted:
        return frame
    detail = ", ".join(f"{c}: {n}" for c, n in converted.items())
    warn(
        f"{name}: Stata's missing value '.' read as missing in numeric column(s) ({detail})",
        VceregWarning,
    )
    return frame.assign(**new)


def _read_stata(path: Path) -> pd.DataFrame:
    frame = pd.read_stata(path, convert_categoricals=False)
    with pd.read_stata(path, iterator=True) as reader:  # the header only: cheap
        labels = reader.variable_labels()
        value_labels = reader.value_labels()
    frame.attrs["labels"] = {k: v for k, v in labels.items() if v}
    frame.attrs["value_labels"] = value_labels
    return frame


@overload
def read(
    path: str | os.PathLike[str],
    *,
    sep: str | None = None,
    sheet: str | int | None = None,
    encoding: str = "utf-8-sig",
    engine: Literal["pandas"] = "pandas",
) -> pd.DataFrame: ...


@overload
def read(
    path: str | os.PathLike[str],
    *,
    sep: str | None = None,
    sheet: str | int | None = None,
    encoding: str = "utf-8-sig",
    engine: str,
) -> Any: ...


def read(
    path: str | os.PathLike[str],
    *,
    sep: str | None = None,
    sheet: str | int | None = None,
    encoding: str = "utf-8-sig",
    engine: str = "pandas",
) -> Any:
    """Read a data file into a pandas DataFrame, choosing the reader by extension.

    Parameters
    ----------
    path
        A ``.csv``/``.tsv``/``.tab``/``.txt`` (optionally ``.gz``, ``.bz2``, ``.xz``),
        ``.parquet``/``.pq``, ``.dta`` or ``.xlsx``/``.xlsm`` file.
    sep
        Field separator of a text file; sniffed when None (``.tsv`` and ``.tab`` use tab).
    sheet
        Excel sheet name or 0-based position (default: the first sheet).
    encoding
        Text encoding of delimited files (default UTF-8, with or without a byte-order mark).
    engine
        ``"pandas"`` (default) reads into memory; ``"dask"`` opens Parquet lazily as a Dask
        DataFrame (``path`` may then be a directory or a glob such as
        ``"data/*.parquet"``), for data larger than memory; see docs/scale.md.

    Delimited text: a column that is numeric except for Stata's missing values ``.``
    (``.a`` ... ``.z``), as Stata's ``export delimited`` writes them, is read as numbers
    with those cells missing, and a :class:`~vcereg.errors.VceregWarning` says so.

    Returns
    -------
    pandas.DataFrame
        For ``.dta`` files, ``attrs["labels"]`` maps variables to their labels and
        ``attrs["value_labels"]`` label sets to ``{code: text}``. A Dask DataFrame with
        ``engine="dask"``.

    Raises
    ------
    DataError
        Missing file, unknown extension, a missing optional reader, or an unreadable file.

    Examples
    --------
    >>> import vcereg
    >>> d = read(vcereg.datasets.path("student-mat"))
    >>> d[["school", "G3"]].head(2)
      school  G3
    0     GP   6
    1     GP   6
    """
    if engine == "dask":
        return dask_backend.read_parquet(path)
    if engine != "pandas":
        raise DataError(f"engine must be 'pandas' or 'dask' (got {engine!r})")
    target = Path(path)
    _check_file(target)
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        near = closest(str(encoding).lower(), _ENCODINGS)
        raise DataError(
            f"unknown text encoding {encoding!r}",
            hint=f"did you mean {near!r}?" if near else f"e.g. {', '.join(_ENCODINGS[:4])}",
        ) from None
    ext, compression = _kind(target)
    if sheet is not None and ext not in _EXCEL:
        raise DataError(f"sheet= applies to Excel files only (got {target.name!r})")
    if sep is not None and ext not in _TEXT:
        raise DataError(f"sep= applies to delimited text files only (got {target.name!r})")
    try:
        if ext in _TEXT:
            return _read_text(target, ext, compression, sep, encoding)
        if compression is not None:
            raise _unsupported(target)
        if ext in _PARQUET:
            _require("pyarrow", "vcereg[parquet]", "Parquet")
            return pd.read_parquet(target)
        if ext in _STATA:
            return _read_stata(target)
        if ext in _EXCEL:
            _require("openpyxl", "openpyxl", "Excel")
            return pd.read_excel(target, sheet_name=0 if sheet is None else sheet)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{target.name!r} is not valid {encoding} text ({exc.reason} at byte {exc.start})",
            hint="pass the file's encoding, e.g. encoding='latin-1' (--encoding latin-1)",
        ) from None
    except (ValueError, OSError, KeyError, pd.errors.ParserError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"cannot read {target.name!r}: {exc}") from exc
    raise _unsupported(target)


def read_labels(path: str | os.PathLike[str]) -> dict[str, str]:
    """Variable labels of a Stata ``.dta`` file (``{}`` for other formats).

    >>> import vcereg
    >>> read_labels(vcereg.datasets.path("student-mat"))
    {}
    """
    target = Path(path)
    _check_file(target)
    if _kind(target)[0] not in _STATA:
        return {}
    with pd.read_stata(target, iterator=True) as reader:
        labels = reader.variable_labels()
    return {k: v for k, v in labels.items() if v}
