"""Privacy: PII redaction, pseudonymous user ids, the redacted chat log and ``forget_user``."""

from recsys_core.privacy.chatlog import ChatLog
from recsys_core.privacy.forget import ForgetReport, forget_user
from recsys_core.privacy.pseudonym import Pseudonymizer, pseudonym
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
    "ForgetReport",
    "PiiMatch",
    "Pseudonymizer",
    "find_pii",
    "forget_user",
    "luhn_valid",
    "pseudonym",
    "redact",
    "redact_with_counts",
]
