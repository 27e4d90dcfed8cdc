"""Pseudonymous user ids for logs (and keyed digests for audit records), with a per-workspace secret.

``pseudonym(workspace, "U00017")`` -> ``"u_3f9a1c2b4d5e"`` = HMAC-SHA256(key, user id), first 12
hex digits. The key (``W/secrets/pseudonym.key``, 32 random bytes, mode 0600) is created on
first use and never leaves the workspace, so the same user always maps to the same pseudonym
within a workspace (log lines can be joined, and ``forget-user`` finds them), while the raw id
cannot be recovered or guessed by hashing candidate ids without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from recsys_core.errors import StoreError
from recsys_core.workspace import Workspace

KEY_NAME = "pseudonym.key"
# 48 bits: collisions stay unlikely (~1e-5 for a pair among 100k users in one workspace)
DIGITS = 12
_CACHE: dict[str, bytes] = {}


def key_path(workspace: str | os.PathLike[str]) -> Path:
    return Workspace(workspace).secrets_dir / KEY_NAME


def workspace_key(workspace: str | os.PathLike[str]) -> bytes:
    """The workspace's pseudonym key, created (0600, exclusively) on first use."""
    path = key_path(workspace)
    cache_key = str(path.resolve())
    if cache_key in _CACHE and path.exists():
        return _CACHE[cache_key]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: read theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"pseudonym key {path} is unreadable ({exc}); restore it from a backup (deleting it "
            "changes every pseudonym, so old log lines no longer match their users)"
        ) from exc
    if len(key) < 16:
        raise StoreError(f"pseudonym key {path} is too short; restore it from a backup")
    _CACHE[cache_key] = key
    return key


def pseudonym_with_key(user_id: object, key: bytes) -> str:
    digest = hmac.new(key, str(user_id).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"u_{digest[:DIGITS]}"


def pseudonym(workspace: str | os.PathLike[str], user_id: object) -> str:
    """The user's pseudonym in this workspace (``u_`` + 12 hex digits)."""
    return pseudonym_with_key(user_id, workspace_key(workspace))


class Pseudonymizer:
    """Callable ``user id -> pseudonym`` for one workspace (None/empty ids stay ``"anonymous"``)."""

    def __init__(self, workspace: str | os.PathLike[str]) -> None:
        self.workspace = Path(workspace)

    def __call__(self, user_id: object) -> str:
        if user_id is None or str(user_id) == "":
            return "anonymous"
        return pseudonym(self.workspace, user_id)


AUDIT_PURPOSE = b"shelfwise forget-user audit\x00"


def audit_digest(workspace: str | os.PathLike[str], user_id: object) -> str:
    """The id as audit records name it (``a_`` + 24 hex digits): an HMAC with the workspace key
    under a purpose of its own, so it differs from the log pseudonym (an audit file can't be
    joined with log lines or backups of them), yet one id always gives the same digest, which
    lets a second ``forget-user`` see that the user was already forgotten."""
    message = AUDIT_PURPOSE + str(user_id).encode("utf-8")
    return "a_" + hmac.new(workspace_key(workspace), message, hashlib.sha256).hexdigest()[:24]


def id_pattern(raw_id: str) -> re.Pattern[str]:
    """``raw_id`` as a whole token (not inside a longer id: U0001 never matches U00017)."""
    return re.compile(rf"(?<![\w-]){re.escape(raw_id)}(?![\w-])")


def mentions_id(text: object, *ids: str | None) -> bool:
    """True when ``text`` names any of ``ids`` as a whole token."""
    return any(id_pattern(i).search(str(text)) for i in ids if i)
