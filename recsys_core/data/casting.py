"""Casting one raw column to its schema dtype (str, json, int, float, datetime), vectorised,
with the mask of cells that were present but could not be read."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from recsys_core.data.frames import PANDAS_DTYPES
from recsys_core.data.schema import Column

NS_MIN = pd.Timestamp("1678-01-01", tz="UTC")  # the range of nanosecond timestamps
NS_MAX = pd.Timestamp("2262-01-01", tz="UTC")


def _is_missing_cell(value: object) -> bool:
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, (list, dict, np.ndarray)):
        return False
    try:
        return bool(pd.isna(value))  # None, NaN, NA, NaT
    except (TypeError, ValueError):
        return False


def _in_range_timestamp(value: object) -> object:
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    if ts is pd.NaT:
        return pd.NaT
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def cast_column(raw: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """Vectorised cast; returns (typed series, mask of cells that were present but invalid)."""
    as_obj = raw.astype("object")
    missing = as_obj.map(_is_missing_cell).astype(bool)
    if col.dtype in ("str", "json"):

        def to_str(v: object) -> object:
            if isinstance(v, float) and v.is_integer():
                return str(int(v))
            if isinstance(v, (dict, list)):
                return json.dumps(v, sort_keys=True, ensure_ascii=False)
            return str(v)

        typed = as_obj.where(missing, as_obj[~missing].map(to_str) if (~missing).any() else as_obj)
        typed = typed.where(~missing, None).astype("string")
        bad = pd.Series(False, index=raw.index)
        if col.dtype == "json":

            def bad_json(v: object) -> bool:
                try:
                    return not isinstance(json.loads(str(v)), dict)
                except (ValueError, TypeError):
                    return True

            bad = (~missing) & typed.fillna("{}").map(bad_json).astype(bool)
        return typed, bad
    if col.dtype in ("int", "float"):
        text = as_obj.map(lambda v: v.strip().replace(",", "") if isinstance(v, str) else v)
        is_bool = as_obj.map(lambda v: isinstance(v, (bool, np.bool_)))
        nums = pd.to_numeric(text.where(~is_bool, None), errors="coerce")
        bad = (~missing) & (nums.isna() | is_bool | ~np.isfinite(nums.fillna(0)))
        if col.dtype == "int":
            frac = (
                (~bad) & (~missing) & ((nums.fillna(0) % 1 != 0) | (nums.fillna(0).abs() >= 2**62))
            )
            bad = bad | frac
            nums = nums.where(~bad & ~missing)
            return nums.round().astype("Int64"), bad
        return nums.where(~bad & ~missing).astype("Float64"), bad
    if col.dtype == "datetime":
        is_num = as_obj.map(
            lambda v: (
                isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            )
        )
        parsed = pd.to_datetime(
            as_obj.where(~missing & ~is_num, None), errors="coerce", utc=True, format="mixed"
        )
        if not isinstance(
            parsed.dtype, pd.DatetimeTZDtype
        ):  # out-of-range dates come back as objects
            parsed = parsed.map(_in_range_timestamp)
        parsed = pd.Series(pd.to_datetime(parsed, utc=True), index=raw.index)
        # pandas may parse at second/microsecond resolution; the store holds nanoseconds
        in_range = (parsed >= NS_MIN) & (parsed <= NS_MAX)
        parsed = parsed.where(in_range.fillna(False).astype(bool))
        bad = (~missing) & (parsed.isna() | is_num)
        return parsed.astype(PANDAS_DTYPES["datetime"]), bad
    raise AssertionError(col.dtype)
