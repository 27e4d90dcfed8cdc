"""``forget_user``: erase one customer from a workspace, each part through the API of its owner.

Who holds what, and who erases it:

* shop store (events, user row, reviews, features, quality-report issues quoting the id;
  older kept versions) -- :func:`recsys_core.data.store.erase_user`;
* the demo's source folder inside the workspace (``W/demo-input``) --
  :func:`recsys_core.data.ingest.remove_user_rows` (the ingest layer's table readers/writers,
  ``reviews.csv`` or an Amazon-format ``reviews.jsonl`` included)
  and :func:`recsys_core.demo.ground_truth.remove_user` (segment members);
* live events appended through the API -- :class:`recsys_core.data.live_events.LiveEventLog`;
* chat-log lines -- :class:`recsys_core.privacy.ChatLog`;
* session memory -- :class:`assistant.agent.memory.SessionMemory`;
* strategy-lab progress of a learner named like the id (``W/lab/learners``) --
  :class:`recsys_core.strategy.lab.progress.LearnerStore`; an id that is only a learner's name
  (no shop data) is forgotten the same way, so a learner can ask for their plays to go;
* the recommender -- retrained from scratch with its saved configuration
  (:func:`recsys_core.models.workflow.retrain_workspace`), so neither the collaborative parts
  (item factors, item-kNN similarities, popularity and trend counts) nor the sequence network
  keep anything learned from the user (a partial "fold-out" of self-attention is not exact,
  retraining is); kept earlier bundle versions fitted on the user are deleted.

No per-user vectors are stored anywhere else: ALS user factors are solved at call time from
the history, and the Chroma collections hold products, knowledge-base chunks, trend notes and
review chunks; the review chunks carry no reviewer id, and those of the user's reviews go when
the review collection is brought in step with the store (:func:`_drop_review_chunks`).

``W/audit/forget-<time>.json`` names the user by a keyed digest made for audit records only
(neither the raw id nor the log pseudonym), with what was removed and the store and model
versions before and after. A second run for the same user finds nothing, removes nothing, and
records that it was already forgotten.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recsys_core.errors import UnknownIdError

log = logging.getLogger("shelfwise.privacy")


@dataclass
class ForgetReport:
    """What one :func:`forget_user` run did.

    ``user`` is the log pseudonym (for the operator, matching log lines); the audit record
    holds ``subject`` instead and never ``user``.
    """

    user: str
    subject: str
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

    def audit_record(self) -> dict[str, Any]:
        return {k: v for k, v in self.to_dict().items() if k not in ("user", "audit_path")}


def _refit_search_encoder(root: Path, retrain: bool) -> str | None:
    """The adapted search encoder was fine-tuned on the search log's clicks: refit it without the
    user's (or remove it when that is not possible or no longer helps), and re-embed the products."""
    from recsys_core.workspace import Workspace

    folder = Workspace(root).search_encoder_dir
    if not folder.exists():
        return None
    if not retrain:
        return "adapted search encoder NOT refitted: it still learned from the user's clicks until `shelfwise train` runs"
    import shutil

    from retrieval.encoder_tuning import train_workspace_encoder
    from retrieval.errors import SearchInputError
    from retrieval.indexing import build_index, index_dir

    shutil.rmtree(folder)  # the old one learned from the user: never kept
    try:
        found = train_workspace_encoder(root, show_progress=False)
        note = ("adapted search encoder refitted without the user's clicks" if found["kept"] else
                "adapted search encoder removed: refitted without the user it no longer beat the generic model")
    except SearchInputError as exc:
        note = f"adapted search encoder removed: refitting it without the user was not possible ({exc})"
    if (index_dir(root) / "manifest.json").is_file():
        build_index(root, kinds=("products",), show_progress=False)
    return note


def _refit_search_ranker(root: Path, retrain: bool) -> str:
    """The learned search ranker was fitted on the search log, the user's clicks included: refit
    it without them (or remove it when what is left cannot train one)."""
    if not retrain:
        return "search ranker NOT refitted: it still holds the user's clicks until `shelfwise train` runs"
    from retrieval.errors import SearchInputError
    from retrieval.ranker_logs import train_workspace_ranker

    try:
        train_workspace_ranker(root)
    except SearchInputError as exc:
        from recsys_core.workspace import Workspace

        Workspace(root).search_ranker_path.unlink(missing_ok=True)
        return f"search ranker removed: refitting it without the user was not possible ({exc})"
    return "search ranker refitted on the search log without the user's clicks"


def _drop_review_chunks(root: Path) -> str | None:
    """Bring the Chroma review collection in step with the store, which no longer holds the
    user's reviews: their chunks are deleted (nothing is re-embedded). None without an index."""
    from retrieval.indexing import build_index, index_dir

    if not (index_dir(root) / "manifest.json").is_file():
        return None
    done = build_index(root, kinds=("reviews",), show_progress=False).collections.get("reviews")
    deleted = done.deleted if done is not None else 0
    return f"{deleted} chunks of the user's reviews deleted from the Chroma review collection"


def _store_version(root: Path) -> str | None:
    from recsys_core.data.store import current_version_id

    return current_version_id(root)


def _ingest_source(root: Path) -> tuple[Path | None, bool]:
    """The folder the store was ingested from when it lies inside the workspace (else None),
    and whether the store names a source outside it."""
    from recsys_core.data.store import read_manifest

    if _store_version(root) is None:
        return None, False
    source = str(read_manifest(root).get("source") or "")
    if not source:
        return None, False
    folder = Path(source)
    try:
        inside = folder.resolve().is_relative_to(root.resolve())
    except OSError:
        inside = False
    return (folder if inside and folder.is_dir() else None), not inside


def _previously_forgotten(audit_dir: Path, subject: str) -> bool:
    import json

    for path in audit_dir.glob("forget-*.json"):
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("subject") == subject:
                return True
        except (OSError, ValueError, AttributeError):
            continue
    return False


def forget_user(
    workspace: str | os.PathLike[str], user_id: str, *, retrain: bool = True
) -> ForgetReport:
    """Erase ``user_id``'s data and model influence from ``workspace`` (see the module doc).

    ``retrain=False`` leaves the recommender as it is (the report says it still holds the
    user's influence), for callers that retrain right after. Raises :class:`UnknownIdError`
    for an id the workspace never held (neither a customer nor a lab learner), changing nothing.
    """
    from assistant.agent.memory import SessionMemory
    from recsys_core.data.ingest import remove_user_rows, source_fingerprint
    from recsys_core.data.live_events import LiveEventLog
    from recsys_core.data.store import erase_user, find_user, workspace_lock
    from recsys_core.demo import ground_truth as demo_truth
    from recsys_core.models import workflow
    from recsys_core.privacy import ChatLog, audit_digest, pseudonym
    from recsys_core.strategy.lab.progress import LearnerStore
    from recsys_core.workspace import Workspace, atomic_write_json

    ws = Workspace(workspace)
    root = ws.root
    user_id = str(user_id).strip()
    if not user_id:
        raise UnknownIdError("user", user_id, f"workspace {root}")
    alias = pseudonym(root, user_id)
    report = ForgetReport(user=alias, subject=audit_digest(root, user_id))
    chat, live, memory = ChatLog(root), LiveEventLog(root), SessionMemory(ws.sessions_dir)
    learners = LearnerStore(ws.lab_dir / "learners")
    with workspace_lock(root):
        stored = find_user(root, user_id)
        users = workflow.trained_users(root)
        in_model = users is not None and user_id in users
        source, outside = _ingest_source(root)
        found = (
            stored.total
            + live.count_user(user_id)
            + chat.count_user(alias, user_id)
            + sum(memory.count_user(user_id, alias).values())
            + int(in_model)
            + (remove_user_rows(source, user_id, dry_run=True) if source else 0)
            + learners.count(user_id)
        )
        if not found:
            if not _previously_forgotten(ws.audit_dir, report.subject):
                raise UnknownIdError(
                    "user",
                    user_id,
                    f"workspace {root} (store, live events, chat log, sessions, recommender "
                    "and lab learners)",
                )
            report.already_forgotten = True

        report.store_version_before = _store_version(root)
        source_rows = remove_user_rows(source, user_id) if source else 0
        report.removed["source_rows"] = source_rows
        report.removed["demo_ground_truth"] = demo_truth.remove_user(source, user_id) if source else 0
        erased = erase_user(
            root, user_id,
            source_fingerprint=source_fingerprint(source) if source and source_rows else None,
        )
        report.store_version_after = _store_version(root)
        report.removed["events"] = erased.events
        report.removed["reviews"] = erased.reviews
        report.removed["user_rows"] = erased.user_rows
        report.removed["quality_issues"] = erased.quality_issues
        report.removed["older_store_versions"] = erased.older_versions
        report.removed["live_events"] = live.remove_user(user_id)
        report.removed["chat_log_lines"] = chat.remove_user(alias, user_id)
        report.removed.update(memory.erase_user(user_id, alias))
        report.removed["lab_plays"] = learners.erase(user_id)
        report.removed["model_users"] = int(in_model)

        report.model_before = report.model_after = workflow.model_version(root)
        if users is not None and (erased.events or erased.reviews or in_model):
            if retrain:
                start = time.perf_counter()
                workflow.retrain_workspace(root)
                report.retrain_seconds = round(time.perf_counter() - start, 2)
                report.model_after = workflow.model_version(root)
            else:
                report.notes.append(
                    "recommender NOT retrained: it still holds the user's influence until "
                    "`shelfwise train` runs"
                )
        if erased.events:
            encoder_note = _refit_search_encoder(root, retrain)
            if encoder_note:
                report.notes.append(encoder_note)
        if ws.search_ranker_path.is_file() and erased.events:
            report.notes.append(_refit_search_ranker(root, retrain))
        report.removed["older_model_versions"] = workflow.drop_old_models_of(root, user_id)
        if erased.reviews:
            chunks_note = _drop_review_chunks(root)
            if chunks_note:
                report.notes.append(chunks_note)
        report.notes.append(
            "Chroma collections hold products, knowledge-base chunks, trend notes and review "
            "chunks (no reviewer id); no per-user vectors to delete (ALS user factors are solved "
            "at call time, not stored)"
        )
        if ws.strategy_reports_dir.is_dir() and erased.events:
            report.notes.append(
                "strategy reports are shop-level aggregates; rerun `shelfwise analyze` to "
                "recompute them without the user"
            )
        if outside:
            report.notes.append(
                "the ingest source folder lies outside the workspace and was not changed; remove "
                "the user's rows there too before the next ingest"
            )
        stamp = datetime.now(UTC)
        path = ws.audit_dir / f"forget-{stamp.strftime('%Y%m%dT%H%M%S%fZ')}.json"
        report.audit_path = str(path)
        atomic_write_json(
            path, {"kind": "forget-user", "at": stamp.isoformat(), **report.audit_record()},
            mode=0o600,
        )
    log.info(
        "forgot user %s: %s", alias, ", ".join(f"{k}={v}" for k, v in report.removed.items() if v)
    )
    return report
