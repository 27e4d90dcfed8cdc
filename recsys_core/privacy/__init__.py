"""Privacy, the pure pieces: PII redaction (review text included), pseudonymous user ids and
the redacted chat log.

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
from recsys_core.privacy.review_text import review_text, review_texts_for_index

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
    "review_text",
    "review_texts_for_index",
]
