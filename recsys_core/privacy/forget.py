"""``forget_user``: remove one user's data and influence from a workspace, with an audit record.

What goes: the user's events and user row (a new store version, built features included;
older store versions are deleted because they still hold the rows), their rows in a source
folder kept inside the workspace (``W/demo-input``), live events, chat-log lines and session
turns. The recommender is then retrained from scratch on the saved configuration, so neither
the collaborative components (ALS item factors, item-kNN similarities, popularity and trend
counts) nor the sequence network keep anything learned from the user; a partial "fold-out" of
the self-attention model is not exact, retraining is. No per-user vectors are stored anywhere
else: ALS user factors are solved at call time from the history, and the Chroma collections
hold products, knowledge-base chunks and trend notes only.

``W/audit/forget-<timestamp>.json`` records the user's pseudonym (never the raw id), what was
removed with counts, and the store and model versions before and after. A second run for the
same user finds nothing left, removes nothing and records that.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recsys_core.errors import ArtifactError, StoreError, UnknownIdError
from recsys_core.privacy.chatlog import ChatLog
from recsys_core.privacy.pseudonym import pseudonym
from recsys_core.privacy.scrub import (
    count_live_events,
    purge_store_versions,
    scrub_live_events,
    scrub_quality_report,
    scrub_sessions,
    scrub_source_folder,
    store_versions_holding,
)

AUDIT_DIR = "audit"
log = logging.getLogger("shelfwise.privacy")


@dataclass
class ForgetReport:
    """What one ``forget_user`` run did (holds the pseudonym only, never the raw id)."""

    user: str
    already_forgotten: bool = False
    removed: dict[str, int] = field(default_factory=dict)
    store_version_before: str | None = None
    store_version_after: str | None = None
    model_before: str | None = None
    model_after: str | None = None
    retrain_seconds: float | None = None
    audit_path: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _model_dir(workspace: Path) -> Path:
    from recsys_core.models.workflow import MODEL_DIR

    return workspace / "models" / MODEL_DIR


def _model_manifest(workspace: Path) -> dict[str, Any] | None:
    path = _model_dir(workspace) / "manifest.json"
    if not path.is_file():
        return None
    try:
        found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path} is corrupt ({exc}); retrain with `shelfwise train`") from exc
    return found


def _model_version(manifest: dict[str, Any] | None) -> str | None:
    return None if manifest is None else str(manifest.get("tensors_sha256", ""))[:16] or None


def _saved_config(manifest: dict[str, Any]) -> Any:
    from recsys_core.models.hybrid import HybridConfig

    hc = manifest["config"]["hybrid"]
    return HybridConfig(
        components=tuple(hc["components"]),
        params=hc["params"],
        weight_users=hc["weight_users"],
        pool_per_component=hc["pool_per_component"],
        seed=hc["seed"],
    )


def _previously_forgotten(workspace: Path, alias: str) -> bool:
    for path in (workspace / AUDIT_DIR).glob("forget-*.json"):
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("user") == alias:
                return True
        except (OSError, ValueError):
            continue
    return False


def _write_audit(workspace: Path, report: ForgetReport) -> Path:
    folder = workspace / AUDIT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"forget-{stamp}.json"
    report.audit_path = str(path)
    payload = {"kind": "forget-user", "at": datetime.now(UTC).isoformat(), **report.to_dict()}
    tmp = folder / f".{path.name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def _rewrite_store(workspace: Path, user_id: str, report: ForgetReport) -> bool:
    """Write the store without the user; False when it holds nothing of theirs."""
    from recsys_core.data.features import build_features
    from recsys_core.data.shop import ShopData
    from recsys_core.data.store import (
        load_quality_report,
        load_store,
        read_manifest,
        save_store,
    )

    try:
        shop = load_store(workspace)
    except StoreError:
        return False
    manifest = read_manifest(workspace)
    report.store_version_before = str(manifest.get("version_id"))
    report.store_version_after = report.store_version_before
    ev_hit = (shop.events["user_id"] == user_id).fillna(False).to_numpy(dtype=bool)
    user_hit = (shop.users["user_id"] == user_id).fillna(False).to_numpy(dtype=bool)
    source_rows, inside = scrub_source_folder(workspace, str(manifest.get("source") or ""), user_id)
    report.removed["source_rows"] = source_rows
    if manifest.get("source") and not inside:
        report.notes.append(
            "the ingest source folder lies outside the workspace and was not changed; remove "
            "the user's rows there too before the next ingest"
        )
    if not ev_hit.any() and not user_hit.any():
        return False
    new = ShopData(
        products=shop.products,
        events=shop.events[~ev_hit].reset_index(drop=True),
        users=shop.users[~user_hit].reset_index(drop=True),
        knowledge_base=shop.knowledge_base,
        trends=shop.trends,
    )
    fingerprint = str(manifest.get("source_fingerprint") or "")
    if source_rows:
        from recsys_core.data.ingest import find_table_files, folder_fingerprint

        fingerprint = folder_fingerprint(find_table_files(Path(manifest["source"]))[0])
    quality = scrub_quality_report(load_quality_report(workspace), user_id, new.counts())
    folder = save_store(
        workspace,
        new,
        quality,
        build_features(new),
        source=str(manifest.get("source") or ""),
        source_fingerprint=fingerprint,
    )
    report.store_version_after = folder.name
    report.removed["events"] = int(ev_hit.sum())
    report.removed["user_rows"] = int(user_hit.sum())
    return True


def forget_user(
    workspace: str | os.PathLike[str], user_id: str, *, retrain: bool = True
) -> ForgetReport:
    """Remove ``user_id``'s data and model influence from ``workspace`` (see the module doc).

    ``retrain=False`` leaves the recommender as it is (the audit says it still holds the
    user's influence); only for callers that retrain right after. Raises
    :class:`UnknownIdError` for an id the workspace never held.
    """
    from recsys_core.data.store import workspace_lock

    root = Path(workspace)
    user_id = str(user_id).strip()
    alias = pseudonym(root, user_id)
    report = ForgetReport(user=alias)
    chat = ChatLog(root)
    with workspace_lock(root):
        manifest = _model_manifest(root)
        in_model = manifest is not None and user_id in (
            manifest.get("config", {}).get("users") or []
        )
        found = {
            "live": count_live_events(root, user_id),
            "chat": sum(1 for r in chat.read() if alias in (r.get("users") or [])),
            "sessions": sum(scrub_sessions(root, user_id, alias, dry_run=True).values()),
            # left by a run killed part-way: older versions still holding the user
            "store_versions": len(store_versions_holding(root, user_id, keep=_current_store(root))),
            "model_versions": len(_model_versions_holding(root, user_id)),
        }
        store_changed = _rewrite_store(root, user_id, report)
        if not (store_changed or in_model or any(found.values())):
            if not _previously_forgotten(root, alias):
                raise UnknownIdError(
                    "user",
                    user_id,
                    f"workspace {root} (store, live events, chat log, sessions and recommender)",
                )
            report.already_forgotten = True
        report.removed["older_store_versions"] = purge_store_versions(
            root, user_id, keep=_current_store(root) or ""
        )
        report.removed["live_events"] = scrub_live_events(root, user_id)
        report.removed["chat_log_lines"] = chat.remove_user(alias, user_id)
        report.removed.update(scrub_sessions(root, user_id, alias))
        report.removed["model_users"] = int(in_model)
        report.model_before = report.model_after = _model_version(manifest)
        if manifest is not None and (store_changed or in_model):
            if retrain:
                _retrain(root, manifest, report)
            else:
                report.notes.append(
                    "recommender NOT retrained: it still holds the user's influence until "
                    "`shelfwise train` runs"
                )
        report.removed["older_model_versions"] = _purge_model_versions(root, user_id)
        report.notes.append(
            "Chroma collections hold products, knowledge-base chunks and trend notes only; no "
            "per-user vectors to delete (ALS user factors are solved at call time, not stored)"
        )
        if (root / "reports").is_dir() and store_changed:
            report.notes.append(
                "strategy reports are shop-level aggregates; rerun `shelfwise analyze` to "
                "recompute them without the user"
            )
        _write_audit(root, report)
    log.info(
        "forgot user %s: %s", alias, ", ".join(f"{k}={v}" for k, v in report.removed.items() if v)
    )
    return report


def _retrain(root: Path, manifest: dict[str, Any], report: ForgetReport) -> None:
    """Refit every component from scratch on the store without the user (saved settings)."""
    from recsys_core.models.workflow import train_workspace

    try:
        config = _saved_config(manifest)
    except (KeyError, TypeError) as exc:
        raise ArtifactError(
            f"{_model_dir(root)} has no usable training settings ({exc!r}); run "
            f"`shelfwise train --workspace {root}`"
        ) from exc
    start = time.perf_counter()
    train_workspace(root, config=config)
    report.retrain_seconds = round(time.perf_counter() - start, 2)
    report.model_after = _model_version(_model_manifest(root))


def _current_store(root: Path) -> str | None:
    from recsys_core.data.store import current_version

    try:
        return current_version(root).name
    except StoreError:
        return None


def _model_versions_holding(root: Path, user_id: str) -> list[Path]:
    """Kept earlier versions of the model bundle (``models/.versions/recommender-*``, beside
    the live one) fitted on the user's events or holding their history."""
    folder = _model_dir(root)
    versions = folder.parent / ".versions"
    if not versions.is_dir():
        return []
    current = folder.resolve().name if folder.is_symlink() else None
    found = []
    for path in sorted(versions.glob(f"{folder.name}-*")):
        if path.name == current or not path.is_dir():
            continue
        try:
            users = json.loads((path / "manifest.json").read_text(encoding="utf-8"))["config"][
                "users"
            ]
        except (OSError, ValueError, KeyError, TypeError):
            users = [user_id]  # unreadable: assume the worst, it is not the live model anyway
        if user_id in users:
            found.append(path)
    return found


def _purge_model_versions(root: Path, user_id: str) -> int:
    import shutil

    paths = _model_versions_holding(root, user_id)
    for path in paths:
        shutil.rmtree(path)
    return len(paths)
