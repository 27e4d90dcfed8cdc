"""Chroma store and incremental indexing of a tiny workspace (fake embedder; real Chroma)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from recsys_core.data.frames import conform
from recsys_core.data.schema import EVENTS, KNOWLEDGE_BASE, PRODUCTS, TRENDS
from recsys_core.data.shop import ShopData, empty_frame
from recsys_core.data.store import save_store
from retrieval.chroma_store import StoreConfig, collection_hnsw, get_collection, open_client
from retrieval.indexing import build_index, open_product_search, read_manifest
from tests.retrieval_fixtures import catalogue, fake_embed, fake_vector

REPO = Path(__file__).resolve().parents[1]


def shop(products: pd.DataFrame) -> ShopData:
    kb = pd.DataFrame({
        "doc_id": ["returns", "shipping"],
        "title": ["Returns policy", "Shipping"],
        "body": ["# Returns\nWithin 30 days.\n## Refunds\nRefunds in 5 days.", "Free over $50."],
        "topic": ["returns", "shipping"],
    })
    trends = pd.DataFrame({
        "note_id": ["t1"], "date": [pd.Timestamp("2026-01-05", tz="UTC")],
        "title": ["Boots up"], "text": ["Hiking boots sales rising"], "category": ["footwear"],
    })
    return ShopData(
        products=conform(products, PRODUCTS), events=empty_frame(EVENTS),
        knowledge_base=conform(kb, KNOWLEDGE_BASE), trends=conform(trends, TRENDS),
    )


def workspace(tmp_path: Path, products: pd.DataFrame | None = None) -> Path:
    ws = tmp_path / "ws"
    save_store(ws, shop(catalogue() if products is None else products))
    return ws


def store_checks(config: StoreConfig) -> None:
    """The store contract, run against an embedded folder and against a real server."""
    client = open_client(config)
    col = get_collection(client, "products", config)
    hnsw = collection_hnsw(col)
    assert hnsw.get("space") == "cosine"
    assert hnsw.get("ef_construction") == config.ef_construction
    assert hnsw.get("max_neighbors") == config.max_neighbors
    docs = catalogue()
    vecs = fake_embed(docs["title"].tolist())
    col.upsert(ids=docs["item_id"].tolist(), embeddings=vecs, documents=docs["title"].tolist(),
               metadatas=[{"brand": b, "price": float(p)} for b, p in zip(docs["brand"], docs["price"], strict=True)])
    assert col.count() == len(docs)
    res = col.query(query_embeddings=[fake_vector("cordless drill").tolist()], n_results=1,
                    where={"price": {"$lte": 130.0}})
    assert res["ids"][0] == ["p4"]
    dist = res["distances"][0][0]  # type: ignore[index]
    assert 0.0 <= dist < 1.0  # cosine distance
    client.delete_collection(col.name)


def test_embedded_store_contract(tmp_path: Path) -> None:
    store_checks(StoreConfig(path=str(tmp_path / "chroma"), ef_construction=64, max_neighbors=12))


def test_build_index_is_incremental(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    first = build_index(ws, embedder=fake_embed, show_progress=False)
    assert first.complete and read_manifest(ws)["complete"] is True
    assert first.collections["products"].embedded == 7
    assert first.collections["kb"].documents >= 3  # chunked by heading
    assert first.collections["trends"].documents == 1
    again = build_index(ws, embedder=fake_embed, show_progress=False)
    assert again.collections["products"].embedded == 0
    assert again.collections["products"].unchanged == 7
    changed = catalogue()
    changed.loc[0, "title"] = "Waterproof hiking boots v2"
    changed = changed[changed["item_id"] != "p7"]
    changed = pd.concat([changed, pd.DataFrame([{**changed.iloc[1].to_dict(), "item_id": "p8", "title": "Snow shovel"}])], ignore_index=True)
    save_store(ws, shop(changed))
    third = build_index(ws, embedder=fake_embed, show_progress=False)
    p = third.collections["products"]
    assert (p.embedded, p.deleted, p.documents) == (2, 1, 7)
    col = get_collection(open_client(StoreConfig.for_workspace(ws)), "products", StoreConfig.for_workspace(ws))
    assert sorted(col.get()["ids"]) == sorted(changed["item_id"])


def test_kb_chunks_keep_doc_ids(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    build_index(ws, embedder=fake_embed, show_progress=False)
    cfg = StoreConfig.for_workspace(ws)
    got = get_collection(open_client(cfg), "kb", cfg).get(include=["metadatas"])
    metas = {i: m for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)}
    assert metas["returns#0"]["doc_id"] == "returns"
    assert metas["returns#0"]["heading"] == "Returns"
    assert metas["returns#1"]["heading"] == "Returns > Refunds"
    assert metas["shipping#0"]["doc_id"] == "shipping"


def test_product_search_from_the_index(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    build_index(ws, embedder=fake_embed, show_progress=False)
    searcher = open_product_search(ws, query_encoder=fake_vector)
    assert searcher.search("cordless drill", k=1)[0].item_id == "p4"


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from tests.retrieval_fixtures import fake_embed
    from retrieval.indexing import build_index

    def slow(texts, cache):
        print("batch", flush=True)
        time.sleep(0.4)
        return fake_embed(texts)

    build_index({ws!r}, embedder=slow, batch_size=5, show_progress=False)
    print("done", flush=True)
    """
)


@pytest.mark.slow
def test_killed_build_leaves_a_usable_index_and_next_run_completes(tmp_path: Path) -> None:
    products = pd.concat([catalogue()] * 12, ignore_index=True)
    products["item_id"] = [f"p{i}" for i in range(len(products))]
    ws = workspace(tmp_path, products.iloc[:40])
    build_index(ws, embedder=fake_embed, show_progress=False)
    products["title"] = products["title"] + " new"  # every product changes, 44 are new
    save_store(ws, shop(products))
    script = KILL_SCRIPT.format(repo=str(REPO), ws=str(ws))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    assert proc.stdout is not None
    batches = 0
    deadline = time.time() + 60
    while batches < 4 and time.time() < deadline:
        if proc.stdout.readline().startswith("batch"):
            batches += 1
    time.sleep(0.2)  # inside the 5th batch's embedding
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert batches == 4
    assert read_manifest(ws)["complete"] is False
    searcher = open_product_search(ws, query_encoder=fake_vector)  # the old index still serves
    assert searcher.search("cordless drill", k=1)[0].title.startswith("Cordless drill")
    report = build_index(ws, embedder=fake_embed, show_progress=False)
    p = report.collections["products"]
    assert report.complete and p.documents == 84
    assert p.unchanged >= 15 and p.embedded == 84 - p.unchanged  # finished only the rest
    cfg = StoreConfig.for_workspace(ws)
    col = get_collection(open_client(cfg), "products", cfg)
    assert col.count() == 84
    titles = [str(m["title"]) for m in col.get(include=["metadatas"])["metadatas"] or []]
    assert len(titles) == 84 and all(t.endswith(" new") for t in titles)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def chroma_server(tmp_path: Path):  # noqa: ANN201 - yields the server URL
    """A real ``chroma run`` server (chromadb's own CLI) on 127.0.0.1, stopped afterwards."""
    import urllib.request

    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        pytest.fail(f"chromadb's `chroma` CLI is missing next to {sys.executable}")
    port = free_port()
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(tmp_path / "server-data"), "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"chroma server did not start on {url} (exit {proc.poll()})")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
def test_store_against_a_real_chroma_server(chroma_server: str, tmp_path: Path) -> None:
    config = StoreConfig(url=chroma_server, ef_construction=64, max_neighbors=12)
    client = open_client(config)
    assert client.heartbeat() > 0  # really talking HTTP
    store_checks(config)
    ws = workspace(tmp_path)
    report = build_index(ws, config=config, embedder=fake_embed, show_progress=False)
    assert report.collections["products"].embedded == 7
    again = build_index(ws, config=config, embedder=fake_embed, show_progress=False)
    assert again.collections["products"].unchanged == 7
    searcher = open_product_search(ws, config=config, query_encoder=fake_vector)
    assert searcher.search("cordless drill", k=1)[0].item_id == "p4"
    assert not (ws / "index" / "chroma").exists()  # nothing went to the embedded folder
