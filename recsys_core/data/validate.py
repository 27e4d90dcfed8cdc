"""Validation and cleaning of one raw table against the schema.

Strict mode collects every problem and raises ``DataValidationError``; repair mode drops or
fixes the offending rows and returns every one of them as a ``DataIssue`` with its action, so
nothing is dropped silently.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from recsys_core.data.frames import PANDAS_DTYPES, normalise_markdown, normalise_text
from recsys_core.data.schema import (
    EVENT_TYPES,
    ITEM_EVENT_TYPES,
    SURFACES,
    Column,
    TableSchema,
)
from recsys_core.errors import DataIssue

NON_NEGATIVE: dict[str, tuple[str, ...]] = {
    "products": ("price", "cost", "stock"),
    "events": ("quantity", "unit_price", "position"),
}
EVENT_TYPE_ALIASES = {
    "impressions": "impression",
    "pageview": "view",
    "page_view": "view",
    "addtocart": "add_to_cart",
    "add_to_basket": "add_to_cart",
    "cart": "add_to_cart",
    "order": "purchase",
    "buy": "purchase",
    "refund": "return",
}
SURFACE_ALIASES = {
    "category": "category_page",
    "categorypage": "category_page",
    "recs": "recommendations",
    "recommendation": "recommendations",
}
ATTRIBUTE_TABLES = ("products", "users")
SOURCE_ROW = "_source_row"
NS_MIN = pd.Timestamp("1678-01-01", tz="UTC")
NS_MAX = pd.Timestamp(
    "2262-01-01", tz="UTC"
)  # 1-based input row, carried until the store is written  # unknown columns are kept inside `attributes`


@dataclass
class TableResult:
    frame: pd.DataFrame
    issues: list[DataIssue] = field(default_factory=list)


def _label(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def standardise_category(value: str) -> str:
    """'Outdoor/Hiking  Boots' -> 'outdoor > hiking boots' (lower case, ' > ' between levels)."""
    text = normalise_text(value).lower()
    for sep in ("/", "|", ">", "›", "»"):
        text = text.replace(sep, "\x00")
    parts = [" ".join(p.split()) for p in text.split("\x00")]
    return " > ".join(p for p in parts if p)


def _normalise_token(value: str) -> str:
    return "_".join(normalise_text(value).lower().replace("-", " ").split())


def match_columns(
    columns: list[str], schema: TableSchema, file: str, repair: bool
) -> tuple[dict[str, str], list[str], list[DataIssue], bool]:
    """Map input columns to schema columns.

    Returns (rename map, extra columns kept as attributes, issues, fatal).
    """
    issues: list[DataIssue] = []
    known = schema.column_names
    rename: dict[str, str] = {}
    extras: list[str] = []
    fatal = False
    seen_norm: dict[str, str] = {}
    for raw in columns:
        norm = normalise_text(str(raw)).strip().lower().replace(" ", "_")
        if norm in seen_norm:
            issues.append(
                DataIssue(
                    file, None, str(raw), None, f"duplicate column (same as '{seen_norm[norm]}')"
                )
            )
            fatal = True
            continue
        seen_norm[norm] = str(raw)
        if norm in known:
            rename[str(raw)] = norm
            continue
        close = difflib.get_close_matches(norm, known, n=1, cutoff=0.75)
        if (
            close
            and close[0] not in rename.values()
            and close[0] not in [normalise_text(str(c)).lower().replace(" ", "_") for c in columns]
        ):
            if repair:
                rename[str(raw)] = close[0]
                issues.append(
                    DataIssue(
                        file,
                        None,
                        str(raw),
                        None,
                        f"misspelt column, did you mean '{close[0]}'?",
                        action=f"renamed to '{close[0]}'",
                    )
                )
            else:
                issues.append(
                    DataIssue(
                        file, None, str(raw), None, f"unknown column, did you mean '{close[0]}'?"
                    )
                )
                fatal = True
            continue
        if schema.name in ATTRIBUTE_TABLES:
            extras.append(str(raw))
        elif repair:
            issues.append(
                DataIssue(file, None, str(raw), None, "unknown column", action="column dropped")
            )
        else:
            issues.append(
                DataIssue(
                    file, None, str(raw), None, f"unknown column (expected: {', '.join(known)})"
                )
            )
            fatal = True
    present = set(rename.values())
    for col in schema.columns:
        if (
            col.required
            and col.name not in present
            and not (schema.name == "trends" and col.name == "note_id")
        ):
            issues.append(
                DataIssue(
                    file, None, col.name, None, "required column is missing", action="rejected"
                )
            )
            fatal = True
    return rename, extras, issues, fatal


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


def _coerce_column(raw: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
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


def validate_table(
    raw: pd.DataFrame, schema: TableSchema, file: str, *, repair: bool
) -> TableResult:
    """Check, cast and standardise one table. Row numbers in issues are 1-based data rows."""
    rename, extras, issues, fatal = match_columns(list(map(str, raw.columns)), schema, file, repair)
    raw = raw.copy()
    raw.columns = [str(c) for c in raw.columns]
    if fatal:
        return TableResult(pd.DataFrame(), issues)
    n = len(raw)
    rows = pd.Series(np.arange(1, n + 1), index=raw.index)
    drop = pd.Series(False, index=raw.index)
    out: dict[str, pd.Series] = {}

    def flag(
        mask: pd.Series,
        column: str | None,
        values: pd.Series | None,
        problem: str,
        action: str = "dropped row",
    ) -> None:
        for idx in mask[mask].index:
            value = _label(values.loc[idx]) if values is not None else None
            issues.append(
                DataIssue(
                    file,
                    int(rows.loc[idx]),
                    column,
                    value,
                    problem,
                    action if repair else "rejected",
                )
            )
        if action == "dropped row":
            drop.loc[mask[mask].index] = True

    source_for = {v: k for k, v in rename.items()}
    for col in schema.columns:
        if col.name not in source_for:
            out[col.name] = pd.Series([None] * n, index=raw.index, dtype=PANDAS_DTYPES[col.dtype])
            continue
        original = raw[source_for[col.name]]
        typed, bad = _coerce_column(original, col)
        flag(
            bad,
            col.name,
            original,
            f"cannot read as {col.dtype}" if col.dtype != "datetime" else "unparseable date/time",
        )
        if not col.nullable:
            empty = typed.isna() & ~bad
            flag(empty, col.name, None, "empty value in a required column")
        out[col.name] = typed

    frame = pd.DataFrame(out, index=raw.index)
    if extras:
        extra_json = (
            raw[extras]
            .astype("object")
            .apply(
                lambda r: {k: _label(v) for k, v in r.items() if _label(v) not in (None, "")},
                axis=1,
            )
        )
        base = frame["attributes"].astype("object")
        merged = [
            json.dumps(
                {**(json.loads(b) if isinstance(b, str) else {}), **e},
                sort_keys=True,
                ensure_ascii=False,
            )
            if e or isinstance(b, str)
            else None
            for b, e in zip(base.where(base.notna(), None), extra_json, strict=True)
        ]
        frame["attributes"] = pd.Series(merged, index=raw.index, dtype="string")
        issues.append(
            DataIssue(
                file,
                None,
                ", ".join(extras),
                None,
                "extra columns kept inside 'attributes'",
                action="kept in attributes",
            )
        )

    # text standardisation
    for col in schema.columns:
        if col.dtype != "str" or col.name == schema.key or col.name.endswith("_id"):
            continue
        fn = normalise_markdown if col.name == "body" else normalise_text
        frame[col.name] = (
            frame[col.name]
            .map(lambda v, fn=fn: fn(v) if isinstance(v, str) else v)
            .astype("string")
        )
    for key_col in [c.name for c in schema.columns if c.name.endswith("_id")]:
        frame[key_col] = frame[key_col].str.strip()
    if "category" in frame:
        frame["category"] = (
            frame["category"]
            .map(lambda v: standardise_category(v) if isinstance(v, str) else v)
            .astype("string")
        )

    if schema.name == "events":
        for column, known, aliases in (
            ("type", EVENT_TYPES, EVENT_TYPE_ALIASES),
            ("surface", SURFACES, SURFACE_ALIASES),
        ):
            normalised = (
                frame[column]
                .astype("object")
                .map(
                    lambda v, aliases=aliases: (
                        aliases.get(_normalise_token(v), _normalise_token(v))
                        if isinstance(v, str)
                        else v
                    )
                )
            )
            flag(
                normalised.notna() & ~normalised.isin(list(known)),
                column,
                frame[column],
                f"unknown {'event type' if column == 'type' else column} (expected one of {', '.join(known)})",
            )
            frame[column] = normalised.astype("string")
        needs_item = frame["type"].isin(list(ITEM_EVENT_TYPES)) & frame["item_id"].isna()
        flag(
            needs_item.fillna(False).astype(bool),
            "item_id",
            None,
            "this event type needs an item_id",
        )

    for name in NON_NEGATIVE.get(schema.name, ()):
        negative = (frame[name] < 0).fillna(False).astype(bool)
        flag(negative, name, frame[name], "negative value")

    if schema.key and schema.key in frame:
        dup = frame[schema.key].duplicated(keep="first") & frame[schema.key].notna()
        first_row = {}
        for idx in frame.index[
            frame[schema.key].duplicated(keep=False) & frame[schema.key].notna()
        ]:
            first_row.setdefault(frame.at[idx, schema.key], int(rows.loc[idx]))
        for idx in dup[dup].index:
            key = frame.at[idx, schema.key]
            issues.append(
                DataIssue(
                    file,
                    int(rows.loc[idx]),
                    schema.key,
                    str(key),
                    f"duplicate id (first seen at row {first_row[key]})",
                    "dropped row" if repair else "rejected",
                )
            )
        drop |= dup

    if schema.name == "trends" and ("note_id" not in rename.values()):
        frame["note_id"] = [f"note-{i:05d}" for i in range(1, n + 1)]

    frame[SOURCE_ROW] = rows
    frame = frame.loc[~drop].reset_index(drop=True)
    return TableResult(frame, issues)


def flag_outliers(
    frame: pd.DataFrame, column: str, file: str, *, by: str | None = None, z: float = 6.0
) -> list[DataIssue]:
    """Robust (median/MAD on log scale) outlier flags; rows are kept, only reported."""
    if column not in frame or frame[column].isna().all():
        return []
    values = frame[column].astype("float64")
    logs = np.log1p(values.clip(lower=0))
    groups = frame[by].fillna("") if by and by in frame else pd.Series("", index=frame.index)
    median = logs.groupby(groups).transform("median")
    mad = (logs - median).abs().groupby(groups).transform("median")
    score = (logs - median).abs() / (1.4826 * mad.replace(0, np.nan))
    mask = (score > z).fillna(False)
    issues = []
    for idx in mask[mask].index:
        row = int(frame.at[idx, SOURCE_ROW]) if SOURCE_ROW in frame else int(idx) + 1
        issues.append(
            DataIssue(
                file,
                row,
                column,
                str(values.loc[idx]),
                f"outlier ({score.loc[idx]:.1f} robust z from the {'category ' if by else ''}median)",
                action="flagged",
            )
        )
    return issues
