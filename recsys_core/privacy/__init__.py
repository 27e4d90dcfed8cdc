"""Privacy, the pure pieces: PII redaction, pseudonymous user ids and the redacted chat log.

Erasing a user across the workspace (``forget-user``) is ``assistant.privacy.forget_user``: it
calls each part's owner, this package's :class:`ChatLog` among them.
"""

from recsys_core.privacy.chatlog import ChatLog
from recsys_core.privacy.pseudonym import Pseudonymizer, audit_digest, pseudonym
from recsys_core.privacy.redact import (
    PLACEHOLDERS,
    PiiMatch,
    find_pii,
    luhn_valid,
    redact,
    redact_with_counts,
)

__all__ = [
    "PLACEHOLDERS",
    "ChatLog",
    "PiiMatch",
    "Pseudonymizer",
    "audit_digest",
    "find_pii",
    "luhn_valid",
    "pseudonym",
    "redact",
    "redact_with_counts",
]
