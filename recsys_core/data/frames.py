"""Coercion of raw columns to the schema's dtypes, cell by cell, reporting what fails."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.data.schema import TableSchema

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
