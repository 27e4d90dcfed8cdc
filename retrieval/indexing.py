"""Build the workspace's Chroma collections from its shop store, incrementally.

``build_index(workspace)`` embeds products, knowledge-base chunks, trend notes and review chunks
(their text PII-redacted first: emails, phones, street addresses, card numbers) and keeps
each collection in step with the store: a document whose content hash is unchanged is not
touched, new or changed ones are (re-)embedded and upserted batch by batch, removed ones are
deleted last. Embeddings are cached on disk by content hash (``W/index/embed-cache``).
Every batch is durable on its own, so a run killed halfway leaves a usable index (old and
already-updated documents) and the next run finishes the difference. ``W/index/manifest.json``
records whether the last run completed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from recsys_core.privacy.redact import redact
from recsys_core.workspace import Workspace, atomic_write_json
from retrieval.chroma_store import (
    VECTOR_SUM,
    StoreConfig,
    get_collection,
    open_client,
    reopen_client,
    vector_checksum,
)
from retrieval.chunking import chunk_markdown
from retrieval.embedding import MODEL_ID, embed_texts
from retrieval.errors import IndexCorruptError, IndexNotBuiltError
from retrieval.search import document_text

KINDS: tuple[str, ...] = ("products", "kb", "trends", "reviews")
REVIEW_CHUNK_CHARS = 600  # a longer review is split at sentence ends into chunks of about this size
# (texts, cache folder) -> unit vectors; the default is the bundled MiniLM with its disk cache
Embedder = Callable[[Sequence[str], Path], Any]


def default_embedder(texts: Sequence[str], cache_dir: Path, encoder: str | None = None) -> Any:
    return embed_texts(texts, cache_dir=cache_dir, show_progress=False, encoder=encoder)


SEARCH_ENCODERS = ("minilm-int8", "minilm")
ADAPTED_ENCODER = "models/search-encoder"  # relative to the workspace


def search_encoder_spec(workspace: str | Path) -> str:
    """The encoder a new product index is embedded with (and its queries encoded with): the
    workspace's adapted encoder when ``shelfwise train`` made one, else the ``search_encoder``
    setting; int8 unless that setting says ``minilm``. Paths are relative to the workspace."""
    from recsys_core.workspace.settings import get_setting

    choice = get_setting("search_encoder") or SEARCH_ENCODERS[0]
    if choice not in SEARCH_ENCODERS:
        from retrieval.errors import SearchInputError

        raise SearchInputError(f"SHELFWISE_SEARCH_ENCODER={choice!r} is not an encoder; use one of {SEARCH_ENCODERS}")
    if (Workspace(workspace).search_encoder_dir / "model.safetensors").is_file():
        return ADAPTED_ENCODER + ("#int8" if choice.endswith("int8") else "")
    return choice


def resolve_encoder(workspace: str | Path, spec: str | None) -> str | None:
    """A spec as :func:`recsys_core.models.encoders.get_encoder` takes it (workspace paths made absolute)."""
    if spec is None or spec in SEARCH_ENCODERS:
        return spec
    return str(Path(workspace).resolve() / spec)


@dataclass(frozen=True)
class IndexDocument:
    """One document to store: id, the text that is embedded, scalar metadata."""

    doc_id: str
    text: str
    metadata: dict[str, str | int | float | bool]

    def content_hash(self, model_id: str = MODEL_ID) -> str:
        payload = json.dumps({"t": self.text, "m": self.metadata, "model": model_id}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass
class CollectionReport:
    kind: str
    documents: int = 0
    embedded: int = 0  # new or changed, upserted this run
    unchanged: int = 0
    deleted: int = 0


@dataclass
class IndexReport:
    """What one ``build_index`` run did."""

    workspace: str
    collections: dict[str, CollectionReport] = field(default_factory=dict)
    seconds: float = 0.0
    complete: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _scalar(value: Any) -> str | int | float | bool | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _clean(meta: dict[str, Any]) -> dict[str, str | int | float | bool]:
    """Scalar metadata; text values PII-redacted like the documents themselves."""
    out: dict[str, str | int | float | bool] = {}
    for k, v in meta.items():
        try:
            s = _scalar(v)
        except (TypeError, ValueError):
            s = None
        if s is not None:
            out[k] = redact(s) if isinstance(s, str) else s
    return out


def product_documents(products: pd.DataFrame) -> list[IndexDocument]:
    texts = document_text(products)
    cols = [c for c in ("title", "category", "brand", "price", "stock") if c in products.columns]
    docs = []
    for text, (_, row) in zip(texts, products.iterrows(), strict=True):
        meta = _clean({c: row[c] for c in cols})
        docs.append(IndexDocument(str(row["item_id"]), redact(text), meta))
    return docs


def kb_documents(kb: pd.DataFrame) -> list[IndexDocument]:
    docs = []
    for _, row in kb.iterrows():
        for chunk in chunk_markdown(str(row["doc_id"]), str(row["title"]), str(row["body"] or "")):
            meta = dict(chunk.metadata())
            if "topic" in kb.columns and _scalar(row["topic"]) is not None:
                meta["topic"] = str(row["topic"])
            docs.append(IndexDocument(chunk.chunk_id, redact(chunk.text), _clean(meta)))
    return docs


def trend_documents(trends: pd.DataFrame) -> list[IndexDocument]:
    docs = []
    for i, (_, row) in enumerate(trends.iterrows()):
        note_id = _scalar(row.get("note_id")) or f"trend-{i}"
        date = pd.Timestamp(row["date"])
        meta = _clean({
            "title": row["title"], "date": date.isoformat(),
            "date_ts": int(date.timestamp()), "category": row.get("category"),
        })
        docs.append(IndexDocument(str(note_id), redact(f"{row['title']}\n{row['text']}"), meta))
    return docs


def _review_chunks(text: str, size: int = REVIEW_CHUNK_CHARS) -> list[str]:
    from recsys_core.reviews.aspects import split_sentences

    chunks: list[str] = []
    for sentence in split_sentences(text) or [text]:
        if chunks and len(chunks[-1]) + 1 + len(sentence) <= size:
            chunks[-1] = f"{chunks[-1]} {sentence}"
        else:
            chunks.append(sentence)
    return chunks


def review_documents(reviews: pd.DataFrame | None) -> list[IndexDocument]:
    """Review chunks (title, then the text in sentence-aligned chunks), ids ``<review_id>#<n>``,
    with item_id, review_id, rating and created_at (ISO and epoch seconds) metadata. The reviewer's
    id is not stored: forgetting a customer then only has to drop their review ids."""
    if reviews is None or not len(reviews):
        return []
    docs = []
    for _, row in reviews.iterrows():
        title = _scalar(row.get("title"))
        text = redact(f"{title}. {row['text']}" if title else str(row["text"]))
        when = pd.Timestamp(row["created_at"]) if _scalar(row.get("created_at")) is not None else None
        meta = _clean({"item_id": str(row["item_id"]), "review_id": str(row["review_id"]),
                       "rating": int(row["rating"]),
                       "created_at": when.isoformat() if when is not None else None,
                       "created_ts": int(when.timestamp()) if when is not None else None,
                       "verified": _scalar(row.get("verified")), "helpful_votes": _scalar(row.get("helpful_votes"))})
        for n, chunk in enumerate(_review_chunks(text)):
            docs.append(IndexDocument(f"{row['review_id']}#{n}", chunk, {**meta, "chunk": n}))
    return docs


def _batches(items: list[IndexDocument], size: int) -> Iterator[list[IndexDocument]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_hashes(collection: Any) -> dict[str, str]:
    got = collection.get(include=["metadatas"])
    return {
        i: str((m or {}).get("content_hash", ""))
        for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)
    }


def sync_collection(
    collection: Any,
    docs: list[IndexDocument],
    *,
    kind: str,
    cache_dir: str | Path,
    batch_size: int = 256,
    show_progress: bool = True,
    embedder: Embedder = default_embedder,
    model_id: str = MODEL_ID,
) -> CollectionReport:
    """Make ``collection`` hold exactly ``docs``; embed only new or changed ones (a document whose
    encoder ``model_id`` changed counts as changed)."""
    from tqdm.auto import tqdm

    report = CollectionReport(kind=kind, documents=len(docs))
    existing = _existing_hashes(collection)
    wanted = {d.doc_id: d.content_hash(model_id) for d in docs}
    todo = [d for d in docs if existing.get(d.doc_id) != wanted[d.doc_id]]
    report.unchanged = len(docs) - len(todo)
    with tqdm(total=len(todo), desc=f"indexing {kind}", unit="doc", disable=not show_progress) as bar:
        for batch in _batches(todo, batch_size):
            vecs = embedder([d.text for d in batch], Path(cache_dir))
            collection.upsert(
                ids=[d.doc_id for d in batch],
                embeddings=vecs,
                documents=[d.text for d in batch],
                metadatas=[{**d.metadata, "content_hash": wanted[d.doc_id], VECTOR_SUM: vector_checksum(v)}
                           for d, v in zip(batch, vecs, strict=True)],
            )
            report.embedded += len(batch)
            bar.update(len(batch))
    removed = [i for i in existing if i not in wanted]
    for start in range(0, len(removed), 5000):
        collection.delete(ids=removed[start : start + 5000])
    report.deleted = len(removed)
    return report


def index_dir(workspace: str | Path) -> Path:
    return Workspace(workspace).index_dir


def _write_manifest(workspace: str | Path, data: dict[str, Any]) -> None:
    atomic_write_json(index_dir(workspace) / "manifest.json", data, default=str)


def read_manifest(workspace: str | Path) -> dict[str, Any]:
    """The index manifest; raises IndexNotBuiltError when no build ever started."""
    path = index_dir(workspace) / "manifest.json"
    if not path.is_file():
        raise IndexNotBuiltError(
            f"no search index in {index_dir(workspace)}; run `shelfwise index --workspace {workspace}`"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(
            f"the index manifest {path} is damaged ({exc}); rebuild it with "
            f"`shelfwise index --workspace {workspace}`"
        ) from exc
    if not isinstance(data, dict):
        raise IndexCorruptError(f"the index manifest {path} is damaged (not a JSON object); rebuild it with "
                                f"`shelfwise index --workspace {workspace}`")
    return data


def build_index(
    workspace: str | Path,
    *,
    config: StoreConfig | None = None,
    kinds: tuple[str, ...] = KINDS,
    batch_size: int = 256,
    show_progress: bool = True,
    embedder: Embedder = default_embedder,
) -> IndexReport:
    """Bring the workspace's collections in step with its shop store (see module doc)."""
    from recsys_core.data.store import load_store

    start = time.perf_counter()
    shop = load_store(workspace)
    config = config or StoreConfig.for_workspace(workspace)
    root = index_dir(workspace)
    root.mkdir(parents=True, exist_ok=True)
    report = IndexReport(workspace=str(workspace))
    builders = {
        "products": lambda: product_documents(shop.products),
        "kb": lambda: kb_documents(shop.knowledge_base),
        "trends": lambda: trend_documents(shop.trends),
        "reviews": lambda: review_documents(getattr(shop, "reviews", None)),
    }
    from functools import partial

    from recsys_core.models.encoders import get_encoder

    # products (and search queries) use the search encoder; the knowledge base and trend notes the fp32 model
    encoders = {"products": search_encoder_spec(workspace)}
    try:  # a partial build (some kinds) keeps the other kinds' counts
        counts = dict(read_manifest(workspace).get("counts") or {})
    except (IndexNotBuiltError, IndexCorruptError):
        counts = {}
    with Workspace(workspace).lock("index"):
        _write_manifest(workspace, {"complete": False, "started_at": datetime.now(UTC).isoformat(),
                                    "hnsw": config.hnsw(), "url": config.url, "encoders": encoders})
        client = open_client(config)
        for kind in kinds:
            collection = get_collection(client, kind, config)
            spec = resolve_encoder(workspace, encoders.get(kind))
            report.collections[kind] = sync_collection(
                collection, builders[kind](), kind=kind, cache_dir=root / "embed-cache",
                batch_size=batch_size, show_progress=show_progress,
                embedder=partial(default_embedder, encoder=spec) if embedder is default_embedder else embedder,
                model_id=get_encoder(spec).id,
            )
        report.seconds = time.perf_counter() - start
        report.complete = True
        _write_manifest(workspace, {
            "complete": True, "finished_at": datetime.now(UTC).isoformat(),
            "hnsw": config.hnsw(), "url": config.url, "model": MODEL_ID, "encoders": encoders,
            "counts": {**counts, **{k: r.documents for k, r in report.collections.items()}},
        })
    return report


def open_product_search(workspace: str | Path, *, config: StoreConfig | None = None,
                        products: pd.DataFrame | None = None, **params: Any) -> Any:
    """A fitted HybridSearcher over the workspace's products (or ``products``), dense side from
    the Chroma index.

    Products not (yet) in the index get a zero vector: lexical search still finds them.
    """
    from retrieval.chroma_store import ann_search, load_embeddings
    from retrieval.search import HybridSearcher

    manifest = read_manifest(workspace)
    # queries are encoded as the products were (an index from before encoders were recorded: fp32)
    params.setdefault("encoder", resolve_encoder(workspace, (manifest.get("encoders") or {}).get("products")))
    config = config or StoreConfig.for_workspace(workspace)
    if products is None:
        from recsys_core.data.store import load_store

        products = load_store(workspace).products
    collection = get_collection(open_client(config), "products", config)
    ids = products["item_id"].astype(str).tolist()
    try:
        vectors = load_embeddings(collection, ids, where=config.where(), retry=config.retry)
    except IndexCorruptError:
        # maybe only this process's stale copy of a folder another process re-indexed since;
        # read it afresh, and a second mismatch is real damage
        collection = get_collection(reopen_client(config), "products", config)
        vectors = load_embeddings(collection, ids, where=config.where(), retry=config.retry)
    if vectors.shape[1] == 0:
        raise IndexNotBuiltError(
            f"the product index in {config.url or config.path} is empty; "
            f"run `shelfwise index --workspace {workspace}`"
        )
    if "ranker" not in params:  # the learned ranker `shelfwise train` fitted, when there is one
        from recsys_core.workspace import Workspace

        path = Workspace(workspace).search_ranker_path
        if path.is_file():
            from retrieval.ranker import SearchRanker

            params["ranker"] = SearchRanker.load(path)
    return HybridSearcher(**params).fit(products, embeddings=vectors, ann=ann_search(collection, where=config.where(), retry=config.retry))


def search_reviews(workspace: str | Path, query: str, *, item_id: str | None = None, k: int = 5,
                   max_rating: int | None = None, min_rating: int | None = None,
                   config: StoreConfig | None = None, query_vector: Any = None) -> list[dict[str, Any]]:
    """The review chunks nearest to ``query`` (optionally of one item, within a rating range),
    best first: id, review_id, item_id, rating, created_at, text and cosine similarity.
    ``query_vector`` replaces the query's MiniLM embedding (tests with a stand-in embedder)."""
    from retrieval.chroma_store import with_retries
    from retrieval.embedding import embed_query

    read_manifest(workspace)  # a clear error when nothing was ever indexed
    config = config or StoreConfig.for_workspace(workspace)
    collection = get_collection(open_client(config), "reviews", config)
    clauses: list[dict[str, Any]] = []
    if item_id is not None:
        clauses.append({"item_id": str(item_id)})
    if max_rating is not None:
        clauses.append({"rating": {"$lte": int(max_rating)}})
    if min_rating is not None:
        clauses.append({"rating": {"$gte": int(min_rating)}})
    where = clauses[0] if len(clauses) == 1 else ({"$and": clauses} if clauses else None)
    vector = embed_query(query) if query_vector is None else query_vector
    n = min(max(int(k), 1), collection.count())
    if n == 0:
        return []
    res = with_retries(lambda: collection.query(query_embeddings=[list(map(float, vector))], n_results=n,  # type: ignore[arg-type]
                                                where=where, include=["documents", "metadatas", "distances"]),  # type: ignore[arg-type]
                       what="a review search", where=config.where(), policy=config.retry)
    out = []
    for i, doc, meta, dist in zip(res["ids"][0], (res.get("documents") or [[]])[0],
                                  (res.get("metadatas") or [[]])[0], (res.get("distances") or [[]])[0], strict=True):
        meta = meta or {}
        out.append({"id": i, "review_id": meta.get("review_id"), "item_id": meta.get("item_id"),
                    "rating": meta.get("rating"), "created_at": meta.get("created_at"), "text": doc,
                    "similarity": round(1.0 - float(dist), 4)})
    return out
