"""Coercion of raw columns to the schema's dtypes, cell by cell, reporting what fails."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.data.schema import Column, TableSchema

PANDAS_DTYPES: dict[str, str] = {
    "str": "string",
    "int": "Int64",
    "float": "Float64",
    "datetime": "datetime64[ns, UTC]",
    "json": "string",
}


def normalise_text(value: str) -> str:
    """NFKC unicode, no control characters, single spaces, trimmed."""
    text = unicodedata.normalize("NFKC", value)
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    return " ".join(text.split())


def normalise_markdown(value: str) -> str:
    """NFKC unicode and trimmed lines, keeping line breaks (markdown structure)."""
    text = unicodedata.normalize("NFKC", value).replace("\r\n", "\n").replace("\r", "\n")
    lines = [" ".join(line.split()) if line.strip() else "" for line in text.split("\n")]
    return "\n".join(lines).strip()


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip() == ""


def coerce_cell(value: Any, column: Column) -> tuple[Any, str | None]:
    """Return (coerced value, None) or (None, problem). Missing values come back as None."""
    if is_missing(value):
        return None, None
    kind = column.dtype
    try:
        if kind == "str":
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # "17850.0"-style ids written by spreadsheets
            return str(value), None
        if kind == "int":
            if isinstance(value, (bool, np.bool_)):
                return None, "expected an integer, got a boolean"
            number = (
                float(str(value).strip()) if not isinstance(value, (int, np.integer)) else value
            )
            if isinstance(number, float):
                if not np.isfinite(number) or not number.is_integer():
                    return None, "expected an integer"
                number = int(number)
            return int(number), None
        if kind == "float":
            if isinstance(value, (bool, np.bool_)):
                return None, "expected a number, got a boolean"
            number = (
                float(str(value).strip().replace(",", ""))
                if isinstance(value, str)
                else float(value)
            )
            if not np.isfinite(number):
                return None, "expected a finite number"
            return number, None
        if kind == "datetime":
            if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
                value, bool
            ):
                return None, "expected a date/time, got a bare number"
            ts = pd.Timestamp(value)
            if ts is pd.NaT:
                return None, "unparseable date/time"
            ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
            return ts, None
        if kind == "json":
            if isinstance(value, dict):
                return json.dumps(value, sort_keys=True, ensure_ascii=False), None
            parsed = json.loads(str(value))
            if not isinstance(parsed, dict):
                return None, "expected a JSON object"
            return json.dumps(parsed, sort_keys=True, ensure_ascii=False), None
    except (ValueError, TypeError, OverflowError, json.JSONDecodeError) as exc:
        detail = str(exc).split("\n")[0][:80]
        return None, f"cannot read as {kind} ({detail})"
    raise AssertionError(f"unhandled dtype {kind}")


def typed_series(values: list[Any], column: Column) -> pd.Series:
    """Build a column of the schema's pandas dtype from already-coerced python values."""
    dtype = PANDAS_DTYPES[column.dtype]
    if column.dtype == "datetime":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype="object"), utc=True), dtype=dtype)
    return pd.Series(pd.array(values, dtype=dtype))


def conform(frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """Cast an already-clean frame (e.g. from a generator or adapter) to the schema's dtypes.

    Missing optional columns are added empty; extra columns are dropped. Raises ValueError
    when a value cannot be cast (use ``validate`` for untrusted input).
    """
    out = {}
    n = len(frame)
    for c in schema.columns:
        if c.name in frame.columns:
            col = frame[c.name]
            if c.dtype == "datetime":
                out[c.name] = pd.to_datetime(col, utc=True).astype(PANDAS_DTYPES["datetime"])
            elif c.dtype == "json":
                out[c.name] = col.map(
                    lambda v: (
                        None
                        if is_missing(v)
                        else (
                            json.dumps(v, sort_keys=True, ensure_ascii=False)
                            if isinstance(v, dict)
                            else str(v)
                        )
                    ),
                ).astype("string")
            else:
                out[c.name] = col.astype(PANDAS_DTYPES[c.dtype])
        else:
            out[c.name] = pd.Series([None] * n, dtype=PANDAS_DTYPES[c.dtype])
    return pd.DataFrame(out, index=range(n)) if n == 0 else pd.DataFrame(out).reset_index(drop=True)
