"""Chroma collections for products, knowledge-base chunks, trend notes and review chunks.

Uses ``chromadb`` and ``langchain_chroma.Chroma`` directly: :func:`open_client` gives an
embedded ``PersistentClient`` (default) or an ``HttpClient`` when a server URL is configured
(``chroma run --path DIR --port P``); :func:`get_collection` creates collections in cosine
space with the HNSW parameters of :class:`StoreConfig`; :func:`langchain_store` wraps one in
the LangChain vector-store interface with the bundled MiniLM embeddings.

Calls that reach a server go through :func:`with_retries`: a dropped connection is retried
with exponential backoff (:class:`RetryPolicy`), then reported as ``StoreConnectionError``;
the HTTP client reconnects by itself, so queries recover once the server is back, without
restarting Shelfwise. Stored vectors carry a checksum in their metadata (``vector_sum``),
checked when they are loaded, so a damaged store fails loudly instead of ranking wrongly.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from retrieval.errors import IndexCorruptError, StoreConnectionError

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

COLLECTIONS: dict[str, str] = {
    "products": "shelfwise_products",
    "kb": "shelfwise_kb_chunks",
    "trends": "shelfwise_trends",
    "reviews": "shelfwise_review_chunks",
}
VECTOR_SUM = "vector_sum"  # metadata key: checksum of the stored vector (sum of its values)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often a call to the store is retried when the connection drops."""

    attempts: int = 4
    backoff_s: float = 0.25  # doubled after each failed try
    max_backoff_s: float = 2.0


def _transient(exc: BaseException) -> bool:
    """A dropped or refused connection (worth retrying), not a bad request."""
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    return any(c.__module__.startswith("httpx") and c.__name__ == "TransportError" for c in type(exc).__mro__)


def with_retries(call: Callable[[], T], *, what: str, where: str, policy: RetryPolicy | None = None) -> T:
    """``call()``, retried with exponential backoff while the store is unreachable."""
    policy = policy or RetryPolicy()
    last: BaseException | None = None
    for attempt in range(max(policy.attempts, 1)):
        if attempt:
            time.sleep(min(policy.backoff_s * 2 ** (attempt - 1), policy.max_backoff_s))
        try:
            return call()
        except Exception as exc:
            if not _transient(exc):
                raise
            last = exc
    raise StoreConnectionError(
        f"the Chroma store at {where} did not answer {what} after {max(policy.attempts, 1)} tries "
        f"({_one_line(last)}); "
        "check that `chroma run` is serving there (Shelfwise reconnects by itself once it is back)"
    ) from last


def vector_checksum(vector: Any) -> float:
    """Sum of a vector's values: any one value changed by more than rounding moves it.

    Not a hash: Chroma hands vectors back a unit in the last place off, so an exact digest
    would always mismatch; a flip below the tolerance of :func:`vector_intact` does not
    change a ranking.
    """
    return float(np.asarray(vector, dtype=np.float64).sum())


def vector_intact(vector: np.ndarray, expected: float) -> bool:
    return abs(vector_checksum(vector) - expected) <= 1e-5 * (1.0 + float(np.abs(vector).sum()))


@dataclass(frozen=True)
class StoreConfig:
    """Where the store lives and how its HNSW index is built."""

    path: str | None = None  # embedded store folder (PersistentClient)
    url: str | None = None  # server URL, e.g. http://127.0.0.1:8000 (HttpClient)
    space: str = "cosine"
    ef_construction: int = 200
    ef_search: int = 128
    max_neighbors: int = 32
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def for_workspace(cls, workspace: str | Path, **overrides: Any) -> StoreConfig:
        """``W/index/chroma``, or the server in ``$SHELFWISE_CHROMA_URL`` when set."""
        from recsys_core.workspace import get_setting

        url = overrides.pop("url", None) or get_setting("chroma_url") or None
        return cls(path=str(Path(workspace) / "index" / "chroma"), url=url, **overrides)

    def hnsw(self) -> dict[str, Any]:
        return {
            "space": self.space,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
            "max_neighbors": self.max_neighbors,
        }

    def where(self) -> str:
        return self.url or self.path or "(unconfigured)"


def open_client(config: StoreConfig) -> ClientAPI:
    """A chromadb client for ``config`` (server when ``url`` is set, else embedded)."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False, allow_reset=True)
    try:
        if config.url:
            parsed = urlparse(config.url)
            host = parsed.hostname
            if not host:
                raise StoreConnectionError(
                    f"Chroma URL {config.url!r} has no host; use e.g. http://127.0.0.1:8000"
                )
            return with_retries(
                lambda: chromadb.HttpClient(
                    host=host,
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=settings,
                ),
                what="a connection", where=config.url, policy=config.retry,
            )
        if not config.path:
            raise StoreConnectionError("no Chroma path or URL configured; pass --workspace or a URL")
        Path(config.path).mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=config.path, settings=settings)
    except StoreConnectionError:
        raise
    except Exception as exc:  # noqa: BLE001 - chromadb raises many kinds on connect
        where = config.url or config.path
        if not config.url and _damaged(exc):
            raise IndexCorruptError(
                f"the Chroma store at {where} is damaged ({_one_line(exc)}); delete that folder and rebuild it "
                "with `shelfwise index`"
            ) from exc
        raise StoreConnectionError(
            f"could not open the Chroma store at {where}: {exc}; check the path is writable "
            "or that `chroma run` is serving that URL"
        ) from exc


def reopen_client(config: StoreConfig) -> ClientAPI:
    """A client that reads the embedded folder as it is on disk now.

    Chroma keeps one in-memory copy of a folder per process, so vectors written by another
    process (``shelfwise index``) after this one opened the folder are not seen. The cached
    copy is dropped from Chroma's registry (objects already holding it keep it) and the
    folder is opened afresh. Servers need nothing of the kind: a new ``HttpClient`` is opened.
    """
    if config.path and not config.url:
        from chromadb.api.shared_system_client import SharedSystemClient

        registry = getattr(SharedSystemClient, "_identifier_to_system", None)
        if isinstance(registry, dict):
            registry.pop(str(config.path), None)
    return open_client(config)


def _one_line(exc: BaseException | None) -> str:
    return " ".join(str(exc).split())[:200]


def _damaged(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("malformed", "not a database", "corrupt", "checksum"))


def get_collection(client: ClientAPI, kind: str, config: StoreConfig) -> Collection:
    """Create or open the collection for ``kind`` (products, kb, trends, reviews)."""
    if kind not in COLLECTIONS:
        raise StoreConnectionError(f"unknown collection kind {kind!r}; use one of {sorted(COLLECTIONS)}")
    try:
        return with_retries(
            lambda: client.get_or_create_collection(
                COLLECTIONS[kind],
                configuration={"hnsw": config.hnsw()},  # type: ignore[arg-type]
                embedding_function=None,
            ),
            what=f"opening collection {COLLECTIONS[kind]!r}", where=config.where(), policy=config.retry,
        )
    except Exception as exc:
        if _damaged(exc) and not config.url:
            raise IndexCorruptError(
                f"the Chroma store at {config.where()} is damaged ({_one_line(exc)}); delete that folder and "
                "rebuild it with `shelfwise index`"
            ) from exc
        raise


def collection_hnsw(collection: Collection) -> dict[str, Any]:
    """The HNSW parameters a collection was built with (as Chroma reports them)."""
    conf = collection.configuration
    hnsw = conf.get("hnsw") if isinstance(conf, dict) else None
    return dict(hnsw or {})


class MiniLMEmbeddings:
    """LangChain ``Embeddings`` over the bundled all-MiniLM-L6-v2 (cached documents)."""

    def __init__(self, cache_dir: str | Path | None = None):
        self.cache_dir = cache_dir

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        from retrieval.embedding import embed_texts

        vecs = embed_texts(texts, cache_dir=self.cache_dir, show_progress=False)
        return vecs.tolist()

    def embed_query(self, text: str) -> list[float]:
        from retrieval.embedding import embed_query

        return embed_query(text).tolist()

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents(texts)

    async def aembed_query(self, text: str) -> list[float]:
        return self.embed_query(text)


def langchain_store(
    client: ClientAPI,
    kind: str,
    config: StoreConfig,
    embeddings: Embeddings | None = None,
) -> Chroma:
    """``langchain_chroma.Chroma`` over our collection (cosine, our HNSW settings)."""
    from langchain_chroma import Chroma

    if kind not in COLLECTIONS:
        raise StoreConnectionError(f"unknown collection kind {kind!r}; use one of {sorted(COLLECTIONS)}")
    return Chroma(
        collection_name=COLLECTIONS[kind],
        embedding_function=embeddings or MiniLMEmbeddings(),  # type: ignore[arg-type]
        client=client,
        collection_configuration={"hnsw": config.hnsw()},  # type: ignore[arg-type]
    )


def ann_search(collection: Collection, *, where: str = "the configured URL or folder",
               retry: RetryPolicy | None = None) -> Any:
    """A callable ``(query_vector, k) -> [(id, cosine similarity)]`` over the HNSW index
    (retried per ``retry`` when the server drops; then ``StoreConnectionError``)."""

    def query(vector: np.ndarray, k: int) -> Any:
        n = min(k, collection.count())
        if n == 0:
            return None
        return collection.query(query_embeddings=[vector.tolist()], n_results=n, include=["distances"])

    def search(vector: np.ndarray, k: int) -> Sequence[tuple[str, float]]:
        res = with_retries(lambda: query(vector, k), what="a search", where=where, policy=retry)
        if res is None:
            return []
        ids = res["ids"][0]
        dists = (res.get("distances") or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]

    return search


def load_embeddings(collection: Collection, ids: Sequence[str], batch: int = 5000, *,
                    where: str = "the configured URL or folder", retry: RetryPolicy | None = None) -> np.ndarray:
    """The stored vectors of ``ids`` in that order (float32), each checked against its
    checksum; a mismatch raises ``IndexCorruptError`` naming the document."""
    out = np.zeros((len(ids), 0), dtype=np.float32)
    rows: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), batch):
        chunk = list(ids[start : start + batch])
        got = with_retries(partial(collection.get, ids=chunk, include=["embeddings", "metadatas"]),
                           what="reading vectors", where=where, policy=retry)
        metas: list[Any] = list(got.get("metadatas") or [])
        metas = metas or [None] * len(got["ids"])
        for i, v, m in zip(got["ids"], got["embeddings"], metas, strict=True):  # type: ignore[arg-type]
            rows[i] = np.asarray(v, dtype=np.float32)
            expected = (m or {}).get(VECTOR_SUM)
            if isinstance(expected, int | float) and not vector_intact(rows[i], float(expected)):
                raise IndexCorruptError(
                    f"the vector of {i!r} in collection {collection.name!r} at {where} is damaged "
                    "(checksum mismatch); delete the index and rebuild it with `shelfwise index`"
                )
    if rows:
        dim = len(next(iter(rows.values())))
        out = np.zeros((len(ids), dim), dtype=np.float32)
        for j, i in enumerate(ids):
            if i in rows:
                out[j] = rows[i]
    return out


def cached_products_collection(
    embeddings: np.ndarray,
    ids: Sequence[str],
    *,
    cache_root: str | Path | None = None,
    config: StoreConfig | None = None,
    show_progress: bool = True,
) -> tuple[Collection, float, bool]:
    """An embedded collection holding ``embeddings`` under ``ids``, kept between runs.

    Lives in ``cache_root/chroma-<digest>`` (default: the embedding cache root), the digest covering
    vectors, ids and HNSW settings, so an evaluation re-run reuses the built HNSW graph.
    Returns ``(collection, build seconds, reused)``.
    """
    import hashlib
    import time

    from tqdm.auto import tqdm

    base = config or StoreConfig()
    digest = hashlib.sha256(
        np.ascontiguousarray(embeddings, dtype=np.float32).tobytes()
        + "\x00".join(ids).encode()
        + repr(sorted(base.hnsw().items())).encode()
    ).hexdigest()[:16]
    from retrieval.embedding import cache_root as default_root

    root = Path(cache_root) if cache_root else default_root()
    config = StoreConfig(path=str(root / f"chroma-{digest}"), **{k: v for k, v in base.hnsw().items()})
    col = get_collection(open_client(config), "products", config)
    if col.count() == len(ids):
        return col, 0.0, True
    start = time.perf_counter()
    step = 2000
    for s in tqdm(range(0, len(ids), step), desc="building HNSW", unit="batch", disable=not show_progress):
        col.upsert(ids=list(ids[s : s + step]), embeddings=embeddings[s : s + step])
    return col, time.perf_counter() - start, False
