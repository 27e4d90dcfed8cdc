"""Sentence embeddings from the bundled all-MiniLM-L6-v2, cached on disk by content hash.

The one embedding cache of the project (the recommender's item texts, the assistant's knowledge
base and retrieval's indexes all use it): :func:`embed_texts` (batched, cached, progress bar),
:func:`embed_query` (one text, single-threaded for latency) and :class:`TextEmbedder` (the same
with its settings held, for estimators). The cache is a folder of safetensors shards, each holding
16-byte content digests and their unit vectors with a checksum, written atomically every few
batches so a killed run keeps what it finished; a damaged shard is skipped with a warning naming
it, and its texts are embedded again.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from recsys_core.errors import ShelfwiseError
from recsys_core.models.encoders import (  # noqa: F401 - re-exported: the bundled model's name and folder
    MODEL_ID,
    MODEL_NAME,
    _load_sentence_transformer,
    bundled_model_path,
    get_encoder,
)
from recsys_core.workspace import settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

EMBEDDING_DIM = DIMENSION = 384
_DIGEST_BYTES = 16
_SHARD_ROWS = 4096  # flush the cache after this many new vectors


def load_model(device: str = "cpu") -> SentenceTransformer:
    """The bundled sentence-transformers model, loaded once per process (safetensors weights only)."""
    if device != "cpu":
        raise ShelfwiseError(f"the bundled text model runs on the CPU here (asked for {device!r})")
    return _load_sentence_transformer(str(bundled_model_path()))


def item_text(record: Mapping[str, object]) -> str:
    """One line of text per item: title, brand, category, description and (when the record has
    one) a review summary, blanks skipped."""
    parts = []
    for key in ("title", "brand", "category", "categories", "description", "reviews"):
        value = record.get(key)
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        if isinstance(value, (list, tuple)):
            value = " > ".join(str(v) for v in value)
        text = " ".join(str(value).split())
        if text and text.lower() not in {"nan", "none", "<na>"}:
            parts.append(text)
    return ". ".join(parts)


def content_digest(text: str, model_id: str = MODEL_ID) -> bytes:
    """16-byte digest of the encoder id and the text: the cache key."""
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).digest()[:_DIGEST_BYTES]


class EmbeddingCache:
    """Content-hash → vector store in ``folder`` (safetensors shards, append-only)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._vectors: dict[bytes, np.ndarray] = {}
        self._pending: dict[bytes, np.ndarray] = {}
        self._loaded = False
        self._lock = threading.Lock()

    def _load(self) -> None:
        if self._loaded:
            return
        from recsys_core.models.artifacts import load_checked_tensors

        for shard in sorted(self.folder.glob("shard-*.safetensors")):
            try:
                data = load_checked_tensors(shard)
            except ShelfwiseError as exc:  # a cache must never block embedding, nor serve a wrong vector
                warnings.warn(f"skipping unreadable embedding cache shard {shard} ({exc}); its texts are "
                              "embedded again (delete the file to silence this)", stacklevel=3)
                continue
            if "digests" not in data or "vectors" not in data:
                continue  # another tool's file in a shared folder
            keys, vecs = data["digests"], data["vectors"]
            for i in range(len(keys)):
                self._vectors[keys[i].tobytes()] = vecs[i]
        self._loaded = True

    def __len__(self) -> int:
        self._load()
        return len(self._vectors) + len(self._pending)

    def get(self, digest: bytes) -> np.ndarray | None:
        self._load()
        return self._vectors.get(digest, self._pending.get(digest))

    def put(self, digest: bytes, vector: np.ndarray) -> None:
        self._load()
        self._pending[digest] = np.asarray(vector, dtype=np.float32)
        if len(self._pending) >= _SHARD_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write pending vectors as one new shard (temp file, then atomic rename)."""
        if not self._pending:
            return
        from recsys_core.models.artifacts import atomic_save_tensors

        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            keys = np.frombuffer(b"".join(self._pending), dtype=np.uint8).reshape(-1, _DIGEST_BYTES)
            vecs = np.stack(list(self._pending.values())).astype(np.float32)
            name = f"shard-{uuid.uuid4().hex}.safetensors"
            atomic_save_tensors(self.folder / name, {"digests": keys.copy(), "vectors": vecs}, {"model": MODEL_ID})
            self._vectors.update(self._pending)
            self._pending = {}


_OPEN_CACHES: dict[Path, EmbeddingCache] = {}


def cache_for(folder: str | Path) -> EmbeddingCache:
    """One cache object per folder and process, so repeated calls do not re-read the shards."""
    key = Path(folder).resolve()
    if key not in _OPEN_CACHES:
        _OPEN_CACHES[key] = EmbeddingCache(key)
    return _OPEN_CACHES[key]


def cache_root() -> Path:
    """The ``cache_dir`` setting (``$SHELFWISE_CACHE_DIR``, default ``~/.cache/shelfwise``):
    caches shared by runs, outside the repository."""
    return settings.cache_root()


def default_cache_dir() -> Path:
    """``<cache root>/embeddings``."""
    return cache_root() / "embeddings"


def embed_texts(
    texts: Sequence[str],
    *,
    cache_dir: str | Path | None = None,
    cache: EmbeddingCache | None = None,
    model: Any = None,
    batch_size: int = 128,
    show_progress: bool = True,
    desc: str = "embedding",
    encoder: str | None = None,
) -> np.ndarray:
    """Unit-norm float32 vectors ``(len(texts), 384)``; only uncached texts reach the model.

    ``encoder`` is a spec of :mod:`recsys_core.models.encoders` (default: the bundled MiniLM,
    fp32); ``cache`` (else the process-wide cache of ``cache_dir``, else of the default folder)
    and ``model`` (a stand-in with sentence-transformers' ``encode``) can be given too."""
    if cache is None:
        cache = cache_for(cache_dir if cache_dir is not None else default_cache_dir())
    coder = get_encoder(encoder) if model is None else None
    model_id = coder.id if coder is not None else MODEL_ID
    digests = [content_digest(t, model_id) for t in texts]
    out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    todo: dict[bytes, str] = {}
    for i, d in enumerate(digests):
        vec = cache.get(d)
        if vec is None:
            todo.setdefault(d, texts[i])
        else:
            out[i] = vec
    if todo:
        from tqdm.auto import tqdm

        # longest-first keeps padding waste low inside a batch
        order = sorted(todo.items(), key=lambda kv: len(kv[1]), reverse=True)
        with tqdm(total=len(order), desc=desc, unit="text", disable=not show_progress) as bar:
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                if coder is not None:
                    vecs = coder.encode_batch([t for _, t in chunk])
                else:
                    vecs = model.encode([t for _, t in chunk], batch_size=batch_size, normalize_embeddings=True,
                                        convert_to_numpy=True, show_progress_bar=False)
                for (d, _), v in zip(chunk, vecs, strict=True):
                    cache.put(d, v)
                bar.update(len(chunk))
        cache.flush()
        for i, d in enumerate(digests):
            if d in todo:
                vec = cache.get(d)
                assert vec is not None
                out[i] = vec
    return out


def embed_query(text: str, encoder: str | None = None) -> np.ndarray:
    """One query vector on a single thread, for live search latency (no cache); ``encoder`` is
    a spec of :mod:`recsys_core.models.encoders` (default: the bundled MiniLM, fp32).

    The torch path calls the transformer directly (tokenize, forward, mean-pool, L2-normalise:
    the model's own pipeline) because ``SentenceTransformer.encode`` adds ~10 ms of batching
    overhead per call on this hardware; a test checks both give the same vector.
    """
    return get_encoder(encoder).encode_one(text)


def embed_queries(texts: Sequence[str], encoder: str | None = None, *, show_progress: bool = False) -> np.ndarray:
    """Query vectors exactly as live search computes them (:func:`embed_query`): batched where
    the encoder is batch-invariant, one text at a time where it is not (int8)."""
    coder = get_encoder(encoder)
    if coder.batch_invariant:
        return embed_texts(texts, show_progress=show_progress, desc="embedding queries", encoder=encoder)
    from tqdm.auto import tqdm

    out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    for i, text in enumerate(tqdm(texts, desc="embedding queries", disable=not show_progress)):
        out[i] = coder.encode_one(text)
    return out


class TextEmbedder:
    """Embeds texts into L2-normalised 384-d vectors with :func:`embed_texts`, its settings held.

    Each instance reads its cache folder afresh (``cache_dir``; None: the default folder).
    ``_model`` may be set to a stand-in encoder (tests)."""

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
        self._model: Any = None
        self._cache = EmbeddingCache(Path(cache_dir) if cache_dir is not None else default_cache_dir())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts`` as a float32 ``(len(texts), 384)`` array."""
        texts = [t if t else " " for t in texts]
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        if self.num_threads:
            import torch

            torch.set_num_threads(self.num_threads)
        return embed_texts(texts, cache=self._cache, model=self._model, batch_size=self.batch_size,
                           show_progress=self.show_progress and len(texts) > 500, desc="embedding texts")
