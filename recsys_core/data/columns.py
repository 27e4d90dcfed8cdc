"""Matching the input's column names to a table's schema: exact, normalised, or (in repair
mode) a close misspelling; unknown columns of attribute tables are kept inside ``attributes``."""

from __future__ import annotations

import difflib

from recsys_core.data.frames import normalise_text
from recsys_core.data.schema import TableSchema
from recsys_core.errors import DataIssue

ATTRIBUTE_TABLES = ("products", "users")  # unknown columns are kept inside `attributes`


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
