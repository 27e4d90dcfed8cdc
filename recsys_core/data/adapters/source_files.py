"""Locating and reading the adapters' source files, with errors that name file, row and value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from recsys_core.errors import DataIssue, DataValidationError

# A wholly wrong file would otherwise produce one issue per line; past this many, stop listing.
MAX_ISSUES = 50


def resolve_file(path: str | Path, names: Iterable[str], *, what: str) -> Path:
    """``path`` itself when it is a file, else the first of ``names`` inside the folder ``path``."""
    path = Path(path)
    names = tuple(names)
    if path.is_file():
        return path
    if path.is_dir():
        for name in names:
            if (path / name).is_file():
                return path / name
        expected = " or ".join(names)
        raise DataValidationError(
            [DataIssue(str(path), None, None, None, f"no {what} file here (expected {expected})")]
        )
    raise DataValidationError(
        [DataIssue(str(path), None, None, None, f"{what} file or folder not found; check the path")]
    )


def require_file(path: str | Path, *, what: str) -> Path:
    """``path`` as a Path, or a DataValidationError naming it when it is not a readable file."""
    path = Path(path)
    if not path.is_file():
        raise DataValidationError(
            [DataIssue(str(path), None, None, None, f"{what} file not found; check the path")]
        )
    return path


def read_csv_checked(
    path: Path,
    *,
    required: Iterable[str],
    dtype: Mapping[str, str] | None = None,
    encoding: str = "utf-8",
) -> pd.DataFrame:
    """Read a CSV (plain or .gz); unreadable files and missing columns raise DataValidationError."""
    try:
        frame = pd.read_csv(path, dtype=dict(dtype or {}), encoding=encoding, low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        detail = " ".join(str(exc).split())[:160]
        raise DataValidationError(
            [DataIssue(str(path), None, None, None, f"cannot read as CSV ({detail})")]
        ) from exc
    except ValueError as exc:  # a dtype that does not fit, e.g. text in an int column
        detail = " ".join(str(exc).split())[:160]
        raise DataValidationError(
            [DataIssue(str(path), None, None, None, f"a column has the wrong type ({detail})")]
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    found = ", ".join(frame.columns)
    missing = [
        DataIssue(str(path), None, name, None, f"required column is missing (found: {found})")
        for name in required
        if name not in frame.columns
    ]
    if missing:
        raise DataValidationError(missing)
    return frame


def row_issues(
    path: Path,
    bad: pd.Series,
    *,
    column: str,
    values: pd.Series,
    problem: str,
) -> list[DataIssue]:
    """One issue per True in ``bad`` (1-based data rows, header excluded), at most MAX_ISSUES."""
    positions = [int(i) for i in bad.to_numpy().nonzero()[0][:MAX_ISSUES]]
    out: list[DataIssue] = []
    for pos in positions:
        value = values.iloc[pos]
        shown = None if pd.isna(value) else str(value)
        out.append(DataIssue(str(path), pos + 1, column, shown, problem))
    return out


def strip_ids(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    """Trim id columns in place; an id of only spaces becomes missing."""
    for column in columns:
        frame[column] = frame[column].str.strip().replace("", pd.NA)


def key_issues(path: Path, frame: pd.DataFrame, key: str, text: str) -> list[DataIssue]:
    """Rows with an empty or repeated ``key``, or an empty ``text``."""
    return (
        row_issues(path, frame[key].isna(), column=key, values=frame[key], problem="empty id")
        + row_issues(
            path,
            frame[key].duplicated() & frame[key].notna(),
            column=key,
            values=frame[key],
            problem="duplicate id",
        )
        + row_issues(
            path, frame[text].isna(), column=text, values=frame[text], problem="empty text"
        )
    )
