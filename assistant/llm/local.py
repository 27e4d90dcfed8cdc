"""A LangChain chat model over a local Hugging Face causal LM (transformers + torch on CPU)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from assistant.llm.errors import LLMBusyError, LLMUnavailableError

_ROLES = {"system": "system", "human": "user", "ai": "assistant", "tool": "user"}
_LOADED: dict[str, tuple[Any, Any]] = {}  # one copy of each model per process
_LOAD_LOCK = threading.Lock()
# one generation at a time per process: it is CPU-bound, so concurrent ones only split the same
# cores (and their KV caches pile up in memory); later callers queue for up to queue_timeout_s
_GENERATE_LOCK = threading.Lock()


def load_local(model_dir: Path) -> tuple[Any, Any]:
    """(model, tokenizer) for a Hugging Face model directory, loaded once per process."""
    key = str(Path(model_dir).resolve())
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key]
        if not (Path(model_dir) / "config.json").exists():
            raise LLMUnavailableError(
                f"{model_dir} is not a Hugging Face model directory (no config.json); "
                "point SHELFWISE_LLM=hf:PATH at a folder saved with save_pretrained"
            )
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise LLMUnavailableError(f"local models need transformers and torch: pip install transformers torch ({exc})") from exc
        try:
            tokenizer = AutoTokenizer.from_pretrained(model_dir)
            model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, use_safetensors=True)
        except Exception as exc:
            raise LLMUnavailableError(f"could not load the model in {model_dir}: {exc}") from exc
        model.eval()
        _LOADED[key] = (model, tokenizer)
        return model, tokenizer


def _cut_at_stop(text: str, stop: list[str] | None) -> str:
    for s in stop or []:
        pos = text.find(s)
        if pos >= 0:
            text = text[:pos]
    return text


class LocalChatModel(BaseChatModel):
    """Chat model running a local causal LM with its own chat template; streams tokens."""

    model_dir: Path
    max_new_tokens: int = 64
    temperature: float = 0.0
    repetition_penalty: float = 1.15
    threads: int | None = None
    queue_timeout_s: float = 5.0
    _model: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)
    _vocabulary: Any = PrivateAttr(default=None)
    supports_grounded_decoding: bool = True  # invoke(..., grounding=TEXT, one_sentence=True)

    @property
    def _llm_type(self) -> str:
        return "shelfwise-local-hf"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_dir": str(self.model_dir), "max_new_tokens": self.max_new_tokens}

    def load(self) -> LocalChatModel:
        """Load weights now (otherwise on first call); returns self."""
        if self._model is None:
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            self._model, self._tokenizer = load_local(self.model_dir)
        return self

    def _inputs(self, messages: list[BaseMessage]) -> Any:
        self.load()
        chat = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        return self._tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)

    def _generate_kwargs(self, inputs: Any, max_new_tokens: int | None, grounding: str | None = None,
                         one_sentence: bool = False) -> dict[str, Any]:
        """generate() arguments; ``grounding`` restricts the vocabulary to that text's tokens plus
        connective words (see assistant.llm.constrain); ``one_sentence`` stops at the first full stop."""
        kw: dict[str, Any] = dict(inputs)
        kw["max_new_tokens"] = max_new_tokens or self.max_new_tokens
        if grounding:
            from transformers import LogitsProcessorList

            if self._vocabulary is None:
                from assistant.llm.constrain import AllowedVocabulary

                self._vocabulary = AllowedVocabulary(self._tokenizer)
            kw["logits_processor"] = LogitsProcessorList([self._vocabulary.processor(grounding)])
        if one_sentence:
            kw.update(stop_strings=[". ", ".\n", "!", "?"], tokenizer=self._tokenizer)
        kw["repetition_penalty"] = self.repetition_penalty
        kw["pad_token_id"] = self._tokenizer.pad_token_id or self._tokenizer.eos_token_id
        if self.temperature > 0:
            kw.update(do_sample=True, temperature=self.temperature)
        else:
            kw.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        return kw

    def _acquire(self) -> None:
        if not _GENERATE_LOCK.acquire(timeout=self.queue_timeout_s):
            raise LLMBusyError(f"the local model was busy for {self.queue_timeout_s:g} s with other requests")

    def _set_threads(self) -> None:
        import torch

        if self.threads:
            torch.set_num_threads(self.threads)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        import torch

        inputs = self._inputs(messages)
        self._acquire()
        try:
            self._set_threads()
            with torch.inference_mode():
                out = self._model.generate(**self._generate_kwargs(
                    inputs, kwargs.get("max_new_tokens"), kwargs.get("grounding"), kwargs.get("one_sentence", False)))
        finally:
            _GENERATE_LOCK.release()
        n_in = inputs["input_ids"].shape[1]
        text = self._tokenizer.decode(out[0][n_in:], skip_special_tokens=True)
        text = _cut_at_stop(text, stop).strip()
        usage = {"input_tokens": int(n_in), "output_tokens": int(out.shape[1] - n_in)}
        message = AIMessage(content=text, response_metadata={"model": str(self.model_dir), "usage": usage})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        import torch
        from transformers import TextIteratorStreamer

        inputs = self._inputs(messages)
        self._set_threads()
        streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True)
        kw = self._generate_kwargs(inputs, kwargs.get("max_new_tokens"), kwargs.get("grounding"),
                                   kwargs.get("one_sentence", False))

        def work() -> None:
            with torch.inference_mode():
                self._model.generate(**kw, streamer=streamer)

        self._acquire()
        worker = threading.Thread(target=work, daemon=True)
        try:
            worker.start()
            yield from self._pieces(streamer, stop, run_manager)
        finally:
            worker.join()
            _GENERATE_LOCK.release()

    @staticmethod
    def _pieces(streamer: Any, stop: list[str] | None,
                run_manager: CallbackManagerForLLMRun | None) -> Iterator[ChatGenerationChunk]:
        so_far = ""
        for piece in streamer:
            if not piece:
                continue
            cut = _cut_at_stop(so_far + piece, stop)
            if len(cut) < len(so_far) + len(piece):  # a stop sequence appeared
                tail = cut[len(so_far):]
                if tail:
                    yield ChatGenerationChunk(message=AIMessageChunk(content=tail))
                break
            so_far += piece
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
