"""The workspace's validated shop store: Parquet tables, versioned, swapped in atomically.

Layout under ``W/store/``::

    CURRENT                 name of the live version (replaced atomically)
    versions/<id>/          products.parquet, events.parquet, ... , quality_report.json,
                            features/*.parquet, manifest.json

A new version is written to a temporary folder, fsynced, renamed into ``versions/`` and only
then made current, so a crash or a rejected ingest never touches what is already stored.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from recsys_core.checksums import file_sha256
from recsys_core.data.frames import conform
from recsys_core.data.schema import TABLES
from recsys_core.data.shop import ShopData, empty_frame
from recsys_core.errors import StoreError
from recsys_core.privacy.pseudonym import mentions_id
from recsys_core.workspace import Workspace, atomic_write_json, atomic_write_text, fsync_dir
from recsys_core.workspace.files import fsync_file

STORE_FORMAT_VERSION = 1
KEEP_VERSIONS = 3
# tables added after format 1: a version written before them reads them as empty
LATER_TABLES = ("reviews",)


def store_dir(workspace: str | os.PathLike[str]) -> Path:
    return Workspace(workspace).store_dir


@contextmanager
def workspace_lock(workspace: str | os.PathLike[str], timeout: float = 60.0) -> Iterator[None]:
    """Exclusive lock on the workspace for writers (ingest, forget-user)."""
    from filelock import Timeout

    lock = Workspace(workspace).lock("workspace")
    try:
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        raise StoreError(
            f"workspace {Path(workspace)} is locked by another Shelfwise process (lock file "
            f"{lock.lock_file}); wait for it to finish"
        ) from exc
    try:
        yield
    finally:
        lock.release()


def _write_json(path: Path, payload: Any) -> None:
    atomic_write_json(path, payload, ensure_ascii=False, default=str)


def save_store(
    workspace: str | os.PathLike[str],
    shop: ShopData,
    report: dict[str, Any] | None = None,
    features: dict[str, pd.DataFrame] | None = None,
    *,
    source: str = "",
    source_fingerprint: str = "",
) -> Path:
    """Write ``shop`` as a new store version and make it current. Returns the version folder."""
    root = store_dir(workspace)
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    version_id = f"{stamp}-{uuid.uuid4().hex[:8]}"
    tmp = root / f".tmp-{version_id}"
    tmp.mkdir()
    try:
        for name, frame in shop.tables().items():
            conform(frame, TABLES[name]).to_parquet(tmp / f"{name}.parquet", index=False)
        if features:
            (tmp / "features").mkdir()
            for name, frame in features.items():
                frame.to_parquet(tmp / "features" / f"{name}.parquet", index=False)
        _write_json(tmp / "quality_report.json", report or {})
        checksums = {p.relative_to(tmp).as_posix(): file_sha256(p) for p in sorted(tmp.rglob("*.parquet"))}
        _write_json(
            tmp / "manifest.json",
            {
                "format_version": STORE_FORMAT_VERSION,
                "version_id": version_id,
                "created_at": datetime.now(UTC).isoformat(),
                "source": source,
                "source_fingerprint": source_fingerprint,
                "counts": shop.counts(),
                "checksums": checksums,
            },
        )
        for path in tmp.rglob("*.parquet"):
            fsync_file(path)
        fsync_dir(tmp)
        final = versions / version_id
        os.rename(tmp, final)  # a whole folder: appears complete or not at all
        fsync_dir(versions)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    atomic_write_text(root / "CURRENT", version_id + "\n")
    _prune(root, keep=version_id)
    return final


def _prune(root: Path, keep: str) -> None:
    versions = sorted((root / "versions").iterdir(), key=lambda p: p.name)
    old = [p for p in versions if p.name != keep][: max(0, len(versions) - KEEP_VERSIONS)]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    for leftover in root.glob(".tmp-*"):  # from a writer that was killed
        shutil.rmtree(leftover, ignore_errors=True)


def current_version(workspace: str | os.PathLike[str]) -> Path:
    root = store_dir(workspace)
    pointer = root / "CURRENT"
    if not pointer.exists():
        raise StoreError(
            f"no shop store in workspace {Path(workspace)}: run 'shelfwise ingest DIR "
            f"--workspace {workspace}' or 'shelfwise demo' first"
        )
    name = pointer.read_text(encoding="utf-8", errors="replace").strip()
    if not re.fullmatch(r"[0-9A-Za-z-]+", name):  # never a path: ../ or / would leave the store
        raise StoreError(f"store pointer {pointer} is damaged ({name[:40]!r}); re-run ingest")
    version = root / "versions" / name
    if not version.is_dir():
        raise StoreError(
            f"store pointer {pointer} names a missing version {version.name}; re-run ingest"
        )
    return version


def read_manifest(workspace: str | os.PathLike[str]) -> dict[str, Any]:
    version = current_version(workspace)
    path = version / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(f"store manifest {path} is unreadable ({exc.__class__.__name__}); re-run ingest") from exc
    if not isinstance(manifest, dict):
        raise StoreError(f"store manifest {path} is damaged; re-run ingest")
    if manifest.get("format_version") != STORE_FORMAT_VERSION:
        raise StoreError(
            f"store {version} has format version {manifest.get('format_version')}, this Shelfwise "
            f"reads {STORE_FORMAT_VERSION}; re-run ingest"
        )
    return manifest


def _verified(path: Path, manifest: dict[str, Any], version: Path) -> Path:
    expected = manifest.get("checksums", {}).get(path.relative_to(version).as_posix())
    if expected is not None and (not path.is_file() or file_sha256(path) != expected):
        raise StoreError(f"store table {path} is unreadable (checksum mismatch); re-run ingest")
    return path


def load_store(workspace: str | os.PathLike[str]) -> ShopData:
    """The current validated shop of a workspace."""
    version = current_version(workspace)
    manifest = read_manifest(workspace)
    frames: dict[str, pd.DataFrame] = {}
    for name, schema in TABLES.items():
        path = _verified(version / f"{name}.parquet", manifest, version)
        listed = f"{name}.parquet" in manifest.get("checksums", {})
        if name in LATER_TABLES and not listed and not path.exists():
            frames[name] = empty_frame(schema)
            continue
        try:
            frames[name] = conform(pd.read_parquet(path), schema)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises OSError, ValueError, KeyError... on damage
            raise StoreError(
                f"store table {path} is unreadable ({exc.__class__.__name__}); re-run ingest"
            ) from exc
    return ShopData(**frames)


def load_quality_report(workspace: str | os.PathLike[str]) -> dict[str, Any]:
    path = current_version(workspace) / "quality_report.json"
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return report


def load_feature(workspace: str | os.PathLike[str], name: str) -> pd.DataFrame:
    path = current_version(workspace) / "features" / f"{name}.parquet"
    if not path.exists():
        raise StoreError(f"feature table {name!r} not in the store ({path}); re-run ingest")
    return pd.read_parquet(path)


# ---- one user's rows: counted and erased by the store itself (forget-user calls these) ----


@dataclass(frozen=True)
class UserRows:
    """One user's rows in the store: in the current version, and kept older versions holding
    them (or, from :func:`erase_user`, what was removed: ``older_versions`` then counts the
    version that was current before too)."""

    events: int = 0
    user_rows: int = 0
    quality_issues: int = 0  # quality-report issues quoting the id (a repaired row of theirs)
    older_versions: int = 0
    reviews: int = 0

    @property
    def total(self) -> int:
        return (
            self.events + self.user_rows + self.quality_issues + self.older_versions + self.reviews
        )


def _user_hits(frame: pd.DataFrame, user_id: str) -> pd.Series:
    return (frame["user_id"].astype("string") == user_id).fillna(False).astype(bool)


def _issues_naming(report: dict[str, Any], user_id: str) -> list[Any]:
    return [
        i for i in report.get("issues") or [] if mentions_id(json.dumps(i, default=str), user_id)
    ]


def _versions_holding(root: Path, user_id: str, keep: str | None) -> list[Path]:
    """Stored versions other than ``keep`` whose users, events, reviews or quality report name
    the user."""
    versions = root / "versions"
    found = []
    for path in sorted(versions.iterdir()) if versions.is_dir() else []:
        if path.name == keep or not path.is_dir():
            continue
        for table in ("events", "users", "reviews"):
            try:
                ids = pd.read_parquet(path / f"{table}.parquet", columns=["user_id"])
            except Exception:  # noqa: BLE001 - a damaged old version: look at the rest
                continue
            if _user_hits(ids, user_id).any():
                found.append(path)
                break
        else:
            report = path / "quality_report.json"
            if report.is_file() and mentions_id(report.read_text(encoding="utf-8", errors="replace"), user_id):
                found.append(path)
    return found


def current_version_id(workspace: str | os.PathLike[str]) -> str | None:
    """The live version's id, or None when nothing was stored yet (a damaged pointer raises)."""
    if not (store_dir(workspace) / "CURRENT").exists():
        return None
    return current_version(workspace).name


def find_user(workspace: str | os.PathLike[str], user_id: str) -> UserRows:
    """How many of ``user_id``'s rows the store holds (nothing changes)."""
    keep = current_version_id(workspace)
    older = len(_versions_holding(store_dir(workspace), user_id, keep))
    if keep is None:
        return UserRows(older_versions=older)
    shop = load_store(workspace)
    return UserRows(
        events=int(_user_hits(shop.events, user_id).sum()),
        user_rows=int(_user_hits(shop.users, user_id).sum()),
        quality_issues=len(_issues_naming(load_quality_report(workspace), user_id)),
        older_versions=older,
        reviews=int(_user_hits(shop.reviews, user_id).sum()),
    )


def erase_user(
    workspace: str | os.PathLike[str], user_id: str, *, source_fingerprint: str | None = None
) -> UserRows:
    """Write a new current version without ``user_id``'s events, user row, reviews and
    quality-report issues (features rebuilt), then delete the older versions that still hold them; returns
    what was removed. Callers hold :func:`workspace_lock`. ``source_fingerprint`` records a
    source folder the caller cleaned too, so the next ingest of it is not skipped as unchanged."""
    from recsys_core.data.features import build_features

    root = store_dir(workspace)
    keep = current_version_id(workspace)
    events = users = issues = reviews = 0
    if keep is not None:
        shop = load_store(workspace)
        manifest = read_manifest(workspace)
        report = load_quality_report(workspace)
        ev_hit = _user_hits(shop.events, user_id).to_numpy()
        user_hit = _user_hits(shop.users, user_id).to_numpy()
        review_hit = _user_hits(shop.reviews, user_id).to_numpy()
        quoted = _issues_naming(report, user_id)
        events, users, issues = int(ev_hit.sum()), int(user_hit.sum()), len(quoted)
        reviews = int(review_hit.sum())
        if events or users or issues or reviews:
            new = ShopData(
                products=shop.products,
                events=shop.events[~ev_hit].reset_index(drop=True),
                users=shop.users[~user_hit].reset_index(drop=True),
                knowledge_base=shop.knowledge_base,
                trends=shop.trends,
                reviews=shop.reviews[~review_hit].reset_index(drop=True),
            )
            cleaned = {
                **report,
                "issues": [i for i in report.get("issues") or [] if i not in quoted],
                "counts": new.counts(),
            }
            keep = save_store(
                workspace,
                new,
                cleaned,
                build_features(new),
                source=str(manifest.get("source") or ""),
                source_fingerprint=source_fingerprint or str(manifest.get("source_fingerprint") or ""),
            ).name
    older = _versions_holding(root, user_id, keep)
    for path in older:
        shutil.rmtree(path)
    return UserRows(
        events=events,
        user_rows=users,
        quality_issues=issues,
        older_versions=len(older),
        reviews=reviews,
    )
