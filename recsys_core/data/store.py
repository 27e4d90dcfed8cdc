"""The workspace's validated shop store: Parquet tables, versioned, swapped in atomically.

Layout under ``W/store/``::

    CURRENT                 name of the live version (replaced atomically with os.replace)
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from recsys_core.checksums import file_sha256
from recsys_core.data.frames import conform
from recsys_core.data.schema import TABLES
from recsys_core.data.shop import ShopData
from recsys_core.errors import StoreError

STORE_FORMAT_VERSION = 1
KEEP_VERSIONS = 3


def store_dir(workspace: str | os.PathLike[str]) -> Path:
    return Path(workspace) / "store"


@contextmanager
def workspace_lock(workspace: str | os.PathLike[str], timeout: float = 60.0) -> Iterator[None]:
    """Exclusive lock on the workspace for writers (ingest, rule saves, training outputs)."""
    from filelock import FileLock, Timeout

    root = Path(workspace)
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / ".shelfwise.lock"))
    try:
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        raise StoreError(
            f"workspace {root} is locked by another Shelfwise process (lock file {lock.lock_file}); "
            "wait for it to finish"
        ) from exc
    try:
        yield
    finally:
        lock.release()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, payload: Any) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=2, ensure_ascii=False, default=str)
        fh.flush()
        os.fsync(fh.fileno())


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
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(tmp)
        final = versions / version_id
        os.rename(tmp, final)
        _fsync_dir(versions)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer_tmp = root / f".CURRENT.{version_id}"
    pointer_tmp.write_text(version_id + "\n", encoding="utf-8")
    os.replace(pointer_tmp, root / "CURRENT")
    _fsync_dir(root)
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
