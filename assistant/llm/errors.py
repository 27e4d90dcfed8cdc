"""Typed errors of the LLM backends."""

from __future__ import annotations

from recsys_core.errors import ShelfwiseError


class LLMConfigError(ShelfwiseError):
    """The LLM backend specification (``SHELFWISE_LLM`` or config) is malformed."""


class LLMUnavailableError(ShelfwiseError):
    """The configured model cannot be loaded or reached; the message names what to install or fix."""


class LLMBusyError(RuntimeError):
    """The local model stayed busy with other requests past the queue timeout.

    Not a ShelfwiseError on purpose: the assistant treats it like any backend failure and
    answers with the template wording of the same facts, so a busy model never fails a request.
    """
