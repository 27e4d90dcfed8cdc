"""``ingest``: read a folder of CSV/Parquet tables, validate, clean and store them atomically.

Reviews may also come as ``reviews.jsonl`` (or ``.json``, ``.jsonl.gz``) in the public Amazon
review format; :mod:`recsys_core.data.adapters.amazon_reviews` reshapes them into the table.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from recsys_core.data.features import build_features
from recsys_core.data.quality import build_report
from recsys_core.data.schema import REQUIRED_TABLES, TABLES
from recsys_core.data.shop import ShopData, empty_frame
from recsys_core.data.store import save_store, workspace_lock
from recsys_core.data.validate import SOURCE_ROW, TableResult, flag_outliers, validate_table
from recsys_core.errors import DataIssue, DataValidationError

TABLE_SUFFIXES = (".csv", ".parquet", ".csv.gz", ".tsv")
JSON_LINES_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz")  # the reviews table only
SUFFIXES = TABLE_SUFFIXES + JSON_LINES_SUFFIXES
MAX_REPORTED_ISSUES = 10_000


@dataclass
class IngestResult:
    shop: ShopData
    issues: list[DataIssue] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    store_path: Path | None = None


def _file_issue(name: str, message: str) -> DataIssue:
    """A problem with a whole input file (no row, column or value)."""
    return DataIssue(name, None, None, None, message)


def _stem(path: Path) -> str:
    name = path.name.lower()
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem.lower()


def find_table_files(folder: Path) -> tuple[dict[str, Path], list[DataIssue]]:
    """Map table name -> file inside ``folder``; refuse files that escape it."""
    issues: list[DataIssue] = []
    if not folder.is_dir():
        raise DataValidationError([DataIssue(str(folder), None, None, None, "not a folder")])
    root = folder.resolve()
    stems: dict[str, str] = {}
    for name, schema in TABLES.items():
        for alias in schema.aliases or (name,):
            stems[alias] = name
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.name.lower().endswith(SUFFIXES):
            continue
        resolved = path.resolve()
        if path.is_symlink() and not resolved.is_relative_to(root):
            issues.append(
                _file_issue(path.name, f"symlink points outside the input folder ({resolved}); refusing to read it")
            )
            continue
        stem = _stem(path)
        if is_json_lines(path) and stem not in stems:
            continue  # other JSON files (the demo's ground_truth.json) are not tables
        if stem not in stems:
            import difflib

            close = difflib.get_close_matches(stem, list(stems), n=1, cutoff=0.6)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else f"; expected one of {', '.join(TABLES)}"
            )
            issues.append(_file_issue(path.name, f"unknown table file{hint}"))
            continue
        table = stems[stem]
        if is_json_lines(path) and table != "reviews":
            issues.append(
                _file_issue(path.name, "JSON-lines files are read for the reviews table only (Amazon review "
                            f"format); write the {table} table as {table}.csv or {table}.parquet")
            )
            continue
        if table in found:
            issues.append(
                _file_issue(path.name, f"second file for table '{table}' (also {found[table].name})")
            )
            continue
        found[table] = path
    for table in REQUIRED_TABLES:
        if table not in found:
            issues.append(
                DataIssue(
                    str(folder),
                    None,
                    None,
                    None,
                    f"required table '{table}' missing (expected {table}.csv or {table}.parquet)",
                )
            )
    return found, issues


def is_json_lines(path: Path) -> bool:
    """A review file in the Amazon format (one JSON object per line)."""
    return path.name.lower().endswith(JSON_LINES_SUFFIXES)


def folder_fingerprint(files: dict[str, Path]) -> str:
    """Identity of an input folder's table files (name, size, modification time)."""
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(files):
        stat = files[name].stat()
        digest.update(f"{name}|{files[name].name}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def read_table_file(path: Path) -> pd.DataFrame:
    """Read one CSV/Parquet file as raw values (CSV cells stay strings)."""
    label = path.name
    try:
        if path.name.lower().endswith(".parquet"):
            return pd.read_parquet(path)
        sep = "\t" if path.name.lower().endswith(".tsv") else ","
        return pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            [
                _file_issue(label, f"not UTF-8 text (byte {exc.start}); re-save the file as UTF-8")
            ]
        ) from exc
    except pd.errors.ParserError as exc:
        msg = str(exc).strip().split("\n")[-1]
        match = re.search(r"line (\d+)", msg)
        row = int(match.group(1)) - 1 if match else None
        raise DataValidationError(
            [DataIssue(label, row, None, None, f"malformed CSV: {msg}")]
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataValidationError(
            [DataIssue(label, None, None, None, "file is empty (no header)")]
        ) from exc
    except Exception as exc:  # OSError, csv.Error, and pyarrow's own ArrowInvalid family
        problem = f"unreadable file: {exc.__class__.__name__}: {str(exc)[:120]}"
        raise DataValidationError([DataIssue(label, None, None, None, problem)]) from exc


def write_table_file(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` back in the format ``path``'s name says (the reverse of
    :func:`read_table_file`), replacing the file atomically."""
    from recsys_core.workspace import atomic_path

    name = path.name.lower()
    with atomic_path(path) as tmp:
        if name.endswith(".parquet"):
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(
                tmp,
                index=False,
                sep="\t" if name.endswith(".tsv") else ",",
                compression="gzip" if name.endswith(".gz") else None,
            )


def remove_user_rows(folder: str | os.PathLike[str], user_id: str, *, dry_run: bool = False) -> int:
    """Drop ``user_id``'s rows from the users, events and reviews files of an input folder (the
    demo's ``W/demo-input``); returns how many rows went (``dry_run``: would go). Other tables
    and files are left alone."""
    from recsys_core.data.adapters.amazon_reviews import remove_reviewer_lines

    found, _ = find_table_files(Path(folder))
    removed = 0
    for table in ("users", "events", "reviews"):
        path = found.get(table)
        if path is None:
            continue
        if is_json_lines(path):
            removed += remove_reviewer_lines(path, user_id, dry_run=dry_run)
            continue
        frame = read_table_file(path)
        if "user_id" not in frame.columns:
            continue
        hit = (frame["user_id"].astype("string").str.strip() == user_id).fillna(False).astype(bool)
        if hit.any():
            removed += int(hit.sum())
            if not dry_run:
                write_table_file(frame[~hit], path)
    return removed


def source_fingerprint(folder: str | os.PathLike[str]) -> str:
    """:func:`folder_fingerprint` of the table files in ``folder``."""
    return folder_fingerprint(find_table_files(Path(folder))[0])


def _drop_unknown_refs(
    events: pd.DataFrame, column: str, known: pd.Series, file: str, what: str, repair: bool
) -> tuple[pd.DataFrame, list[DataIssue]]:
    mask = events[column].notna() & ~events[column].isin(known)
    issues = [
        DataIssue(
            file,
            int(events.at[i, SOURCE_ROW]),
            column,
            str(events.at[i, column]),
            f"references an unknown {what}",
            "dropped row" if repair else "rejected",
        )
        for i in events.index[mask]
    ]
    return events.loc[~mask.to_numpy()].reset_index(drop=True), issues


def clean_tables(
    raw: dict[str, pd.DataFrame],
    files: dict[str, str],
    *,
    repair: bool,
    read_issues: list[DataIssue] | None = None,
) -> tuple[ShopData, list[DataIssue]]:
    """Validate every table, then cross-table references. Raises unless ``repair``.

    ``read_issues`` are rows the readers could not parse (a bad JSON line): "rejected", or
    "dropped row" in repair mode, reported with the rest."""
    issues: list[DataIssue] = [
        DataIssue(i.file, i.row, i.column, i.value, i.problem, "dropped row" if repair else "rejected")
        for i in read_issues or []
    ]
    results: dict[str, TableResult] = {}
    for name in TABLES:
        if name not in raw:
            continue
        result = validate_table(raw[name], TABLES[name], files[name], repair=repair)
        results[name] = result
        issues.extend(result.issues)
    blocking = [i for i in issues if i.action == "rejected"]
    if blocking and not repair:
        raise DataValidationError(blocking)
    if any(i.action == "rejected" for i in issues):  # file-level problems --repair cannot fix
        raise DataValidationError([i for i in issues if i.action == "rejected"])
    frames = {name: r.frame for name, r in results.items()}
    events = frames["events"]
    products = frames["products"]
    reviews = frames.get("reviews", empty_frame(TABLES["reviews"]).assign(**{SOURCE_ROW: 0}))
    ev_file = files["events"]
    rv_file = files.get("reviews", "reviews")
    events, ref_issues = _drop_unknown_refs(
        events, "item_id", products["item_id"], ev_file, "item_id (not in products)", repair
    )
    issues.extend(ref_issues)
    reviews, review_refs = _drop_unknown_refs(
        reviews, "item_id", products["item_id"], rv_file, "item_id (not in products)", repair
    )
    issues.extend(review_refs)
    if "users" in frames and len(frames["users"]):
        for name, file in (("events", ev_file), ("reviews", rv_file)):
            kept, user_issues = _drop_unknown_refs(
                events if name == "events" else reviews,
                "user_id",
                frames["users"]["user_id"],
                file,
                "user_id (not in users)",
                repair,
            )
            issues.extend(user_issues)
            if name == "events":
                events = kept
            else:
                reviews = kept
        users = frames["users"]
    else:
        from_events = set(events["user_id"].dropna())
        ids = sorted(from_events | set(reviews["user_id"].dropna()))
        users = empty_frame(TABLES["users"]).reindex(range(len(ids)))
        users["user_id"] = pd.array(ids, dtype="string")
        if len(ids):
            where = "events" if len(ids) == len(from_events) else "events and reviews"
            issues.append(
                DataIssue(
                    ev_file,
                    None,
                    "user_id",
                    None,
                    f"no users table: {len(ids)} users derived from {where}",
                    "derived users",
                )
            )
    if not repair and any(i.action == "rejected" for i in ref_issues + issues):
        raise DataValidationError([i for i in issues if i.action == "rejected"])
    issues.extend(flag_outliers(products, "price", files["products"], by="category"))
    issues.extend(flag_outliers(events, "quantity", ev_file))

    def final(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.drop(columns=[SOURCE_ROW], errors="ignore")

    shop = ShopData(
        products=final(products),
        events=final(events.sort_values(["timestamp", "event_id"], kind="stable")).reset_index(
            drop=True
        ),
        users=final(users),
        knowledge_base=final(frames.get("knowledge_base", empty_frame(TABLES["knowledge_base"]))),
        trends=final(frames.get("trends", empty_frame(TABLES["trends"]))),
        reviews=final(
            reviews.sort_values(["created_at", "review_id"], kind="stable")
        ).reset_index(drop=True),
    )
    return shop, issues


def ingest(
    folder: str | os.PathLike[str],
    workspace: str | os.PathLike[str],
    *,
    repair: bool = False,
    progress: bool = False,
) -> IngestResult:
    """Validate the tables in ``folder`` and store them in ``workspace`` (all or nothing)."""
    from tqdm.auto import tqdm

    folder = Path(folder)
    found, issues = find_table_files(folder)
    if issues:
        raise DataValidationError(issues)
    with tqdm(total=len(found) + 3, desc="ingest", disable=not progress, unit="step") as steps:
        raw: dict[str, pd.DataFrame] = {}
        read_issues: list[DataIssue] = []
        for name, path in found.items():
            steps.set_postfix_str(path.name)
            if is_json_lines(path):
                from recsys_core.data.adapters.amazon_reviews import read_amazon_reviews

                raw[name], bad_lines = read_amazon_reviews(path)
                read_issues.extend(bad_lines)
            else:
                raw[name] = read_table_file(path)
            steps.update()
        steps.set_postfix_str("validating")
        shop, issues = clean_tables(
            raw, {n: p.name for n, p in found.items()}, repair=repair, read_issues=read_issues
        )
        steps.update()
        steps.set_postfix_str("features")
        features = build_features(shop)
        report = build_report(
            shop, issues, source=str(folder), repair=repair, max_issues=MAX_REPORTED_ISSUES
        )
        steps.update()
        steps.set_postfix_str("writing store")
        with workspace_lock(workspace):
            path = save_store(
                workspace,
                shop,
                report,
                features,
                source=str(folder.resolve()),
                source_fingerprint=folder_fingerprint(found),
            )
        steps.update()
    return IngestResult(shop=shop, issues=issues, report=report, store_path=path)
