"""Validation and cleaning of one raw table against the schema.

Strict mode collects every problem and raises ``DataValidationError``; repair mode drops or
fixes the offending rows and returns every one of them as a ``DataIssue`` with its action, so
nothing is dropped silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from recsys_core.data.casting import cast_column
from recsys_core.data.columns import match_columns
from recsys_core.data.frames import PANDAS_DTYPES, normalise_markdown, normalise_text
from recsys_core.data.schema import EVENT_TYPES, ITEM_EVENT_TYPES, RATINGS, SURFACES, TableSchema
from recsys_core.data.vocabulary import (
    EVENT_TYPE_ALIASES,
    SURFACE_ALIASES,
    normalise_token,
    standardise_category,
)
from recsys_core.errors import DataIssue
from recsys_core.privacy.redact import redact_with_counts

NON_NEGATIVE: dict[str, tuple[str, ...]] = {
    "products": ("price", "cost", "stock"),
    "events": ("quantity", "unit_price", "position"),
    "reviews": ("helpful_votes",),
}
SOURCE_ROW = "_source_row"  # 1-based input row, carried until the store is written
# free text that customers wrote: personal data in it is redacted before it is stored
REDACTED_COLUMNS: dict[str, tuple[str, ...]] = {"reviews": ("title", "text")}
FLAG_WORDS = {"true": "1", "yes": "1", "y": "1", "false": "0", "no": "0", "n": "0"}


@dataclass
class TableResult:
    frame: pd.DataFrame
    issues: list[DataIssue] = field(default_factory=list)


def _label(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def validate_table(
    raw: pd.DataFrame, schema: TableSchema, file: str, *, repair: bool
) -> TableResult:
    """Check, cast and standardise one table. Row numbers in issues are 1-based data rows, or
    the reader's own numbers when ``raw`` carries a ``SOURCE_ROW`` column (JSON-lines files:
    the line number)."""
    numbered = raw[SOURCE_ROW] if SOURCE_ROW in raw.columns else None
    raw = raw.drop(columns=[SOURCE_ROW]) if numbered is not None else raw
    rename, extras, issues, fatal = match_columns(list(map(str, raw.columns)), schema, file, repair)
    raw = raw.copy()
    raw.columns = [str(c) for c in raw.columns]
    if fatal:
        return TableResult(pd.DataFrame(), issues)
    n = len(raw)
    rows = (
        pd.Series(np.arange(1, n + 1), index=raw.index)
        if numbered is None
        else numbered.astype("int64")
    )
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
        if schema.name == "reviews" and col.name == "verified":
            original = original.map(
                lambda v: FLAG_WORDS.get(v.strip().lower(), v) if isinstance(v, str) else v
            )
        typed, bad = cast_column(original, col)
        flag(
            bad,
            col.name,
            original,
            _cast_problem(schema.name, col.name, col.dtype),
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
                        aliases.get(normalise_token(v), normalise_token(v))
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

    if schema.name == "reviews":
        _check_review_values(frame, flag)
        issues.extend(_redact_columns(frame, REDACTED_COLUMNS["reviews"], rows, file))

    for name in NON_NEGATIVE.get(schema.name, ()):
        negative = (frame[name] < 0).fillna(False).astype(bool)
        flag(negative, name, frame[name], "negative value")

    if schema.key and schema.key in frame:
        dup = frame[schema.key].duplicated(keep="first") & frame[schema.key].notna()
        first_row: dict[object, int] = {}
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


def _cast_problem(table: str, column: str, dtype: str) -> str:
    if table == "reviews" and column == "rating":
        return "rating must be a whole number of stars from 1 to 5"
    if table == "reviews" and column == "verified":
        return "verified must be 1 or 0 (true/false, yes/no)"
    return f"cannot read as {dtype}" if dtype != "datetime" else "unparseable date/time"


def _check_review_values(frame: pd.DataFrame, flag: Any) -> None:
    """Ratings outside 1..5 and verified flags other than 0/1 are rejected (dropped in repair)."""
    rating = frame["rating"]
    flag(
        (rating.notna() & ~rating.isin(list(RATINGS))).fillna(False).astype(bool),
        "rating",
        rating,
        "rating must be a whole number of stars from 1 to 5",
    )
    verified = frame["verified"]
    flag(
        (verified.notna() & ~verified.isin([0, 1])).fillna(False).astype(bool),
        "verified",
        verified,
        "verified must be 1 or 0 (true/false, yes/no)",
    )


def _redact_columns(
    frame: pd.DataFrame, columns: tuple[str, ...], rows: pd.Series, file: str
) -> list[DataIssue]:
    """Replace personal data in ``columns`` by placeholders, in place; one issue per cell
    changed (the value is never quoted: it is the personal data)."""
    issues: list[DataIssue] = []
    for column in columns:
        values = frame[column].astype("object")
        redacted: list[object] = []
        for idx, value in values.items():
            if not isinstance(value, str) or not any(ch.isdigit() or ch == "@" for ch in value):
                redacted.append(value)  # every kind of personal data needs a digit or an "@"
                continue
            clean, counts = redact_with_counts(value)
            redacted.append(clean)
            if counts:
                kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
                issues.append(
                    DataIssue(
                        file,
                        int(rows.loc[idx]),
                        column,
                        None,
                        f"personal data redacted ({kinds})",
                        action="redacted",
                    )
                )
        frame[column] = pd.Series(redacted, index=frame.index, dtype="string")
    return issues


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
