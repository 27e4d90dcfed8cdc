"""Chat-model backends for the assistant: bundled local GGUF models (SmolLM2 default, Gemma 3 opt-in),
a local HF directory, OpenAI-compatible servers."""

from assistant.llm.config import ENV_VAR, LLMConfig, default_cache_dir
from assistant.llm.errors import LLMConfigError, LLMUnavailableError
from assistant.llm.factory import BACKENDS, build_chat_model, register_backend

__all__ = [
    "BACKENDS",
    "ENV_VAR",
    "LLMConfig",
    "LLMConfigError",
    "LLMUnavailableError",
    "build_chat_model",
    "default_cache_dir",
    "register_backend",
]
