"""Damaged artifacts: each corruption is a typed error naming the file and the fix, never a
silently different answer (model bundle, index manifest, Chroma store, shop store)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from assistant.api import Limits, create_app
from assistant.cli import main
from assistant.service import ShelfwiseService
from recsys_core.data import ingest, load_store
from recsys_core.data.store import current_version
from recsys_core.errors import ArtifactError, StoreError
from recsys_core.models import HybridConfig, HybridRecommender, leave_one_out
from recsys_core.models.hybrid_artifacts import load_hybrid, save_hybrid
from recsys_core.models.workflow import MODEL_DIR
from retrieval.errors import IndexCorruptError
from retrieval.indexing import build_index, open_product_search, read_manifest
from tests.conftest import tiny_tables, write_tables
from tests.recsys_fixtures import FAST_PARAMS, tiny_interactions
from tests.retrieval_fixtures import fake_embed, fake_vector

ROOT = Path(__file__).resolve().parents[1]


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def change_a_digit(path: Path, after: str) -> None:
    """One character of a number after ``after`` changed: the JSON still parses."""
    text = path.read_text()
    start = text.index(after)
    pos = next(i for i in range(start, len(text)) if text[i] in "123456789")
    path.write_text(text[:pos] + ("2" if text[pos] != "2" else "3") + text[pos + 1 :])


@pytest.fixture(scope="module")
def model() -> HybridRecommender:
    split = leave_one_out(tiny_interactions())
    config = HybridConfig(params=FAST_PARAMS, weight_users=100)
    return HybridRecommender(config=config).fit(split.train, validation=split.validation.as_pair())


def _top(model: HybridRecommender) -> list[tuple[str, float]]:
    return [(r.item_id, round(r.score, 6)) for r in model.recommend("u4", k=5)]


MODEL_FAULTS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "tensor byte flipped": ("tensors.safetensors", lambda f: flip(f / "tensors.safetensors", -100)),
    "tensor header flipped": ("tensors.safetensors", lambda f: flip(f / "tensors.safetensors", 12)),
    "tensors truncated": ("tensors.safetensors", lambda f: truncate(f / "tensors.safetensors")),
    "tensors deleted": ("tensors.safetensors", lambda f: (f / "tensors.safetensors").unlink()),
    "manifest truncated": ("manifest.json", lambda f: truncate(f / "manifest.json")),
    "manifest digit changed (still JSON)": (
        "manifest.json",
        lambda f: change_a_digit(f / "manifest.json", '"weights"'),
    ),
    "manifest not UTF-8": (
        "manifest.json",
        lambda f: (f / "manifest.json").write_bytes(b"\xff\xfe{}"),
    ),
    "manifest deleted": ("manifest.json", lambda f: (f / "manifest.json").unlink()),
}


@pytest.mark.parametrize("fault", list(MODEL_FAULTS))
def test_damaged_model_bundle_is_named_with_its_fix(
    model: HybridRecommender, tmp_path: Path, fault: str
) -> None:
    folder = save_hybrid(model, tmp_path / "rec")
    assert _top(load_hybrid(folder)) == _top(model)
    name, damage = MODEL_FAULTS[fault]
    damage(folder)
    with pytest.raises(ArtifactError) as err:
        load_hybrid(folder)
    message = str(err.value)
    assert name in message and "shelfwise train" in message, message
    save_hybrid(model, folder)  # the way out: retraining writes a fresh, loadable bundle
    assert _top(load_hybrid(folder)) == _top(model)


class _FakeEncoder:
    """Stands in for MiniLM: a fixed vector per text, and a count of texts encoded."""

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        self.encoded += len(texts)
        rng = np.random.default_rng([len(t) for t in texts])
        return rng.standard_normal((len(texts), 384)).astype(np.float32)


def test_damaged_embedding_cache_shard_is_reembedded_not_trusted(tmp_path: Path) -> None:
    from recsys_core.models.embeddings import TextEmbedder

    texts = ["trail boot", "rain jacket"]
    first = TextEmbedder(cache_dir=tmp_path / "cache", show_progress=False)
    first._model = _FakeEncoder()
    expected = first.embed(texts)
    (shard,) = (tmp_path / "cache").glob("*.safetensors")
    flip(shard, -10)  # inside the stored vectors: still a valid safetensors file
    second = TextEmbedder(cache_dir=tmp_path / "cache", show_progress=False)
    second._model = encoder = _FakeEncoder()
    with pytest.warns(UserWarning, match=rf"{shard.name}.*checksum mismatch"):
        again = second.embed(texts)
    assert encoder.encoded == 2 and np.array_equal(again, expected)


def test_damaged_search_embedding_shard_is_ignored(tmp_path: Path) -> None:
    from retrieval.embedding import EmbeddingCache

    cache = EmbeddingCache(tmp_path / "emb")
    key = b"k" * 16
    cache.put(key, np.ones(8, dtype=np.float32))
    cache.flush()
    assert np.array_equal(EmbeddingCache(tmp_path / "emb").get(key), np.ones(8, dtype=np.float32))
    (shard,) = (tmp_path / "emb").glob("shard-*.safetensors")
    flip(shard, -3)
    with pytest.warns(UserWarning, match=rf"{shard.name}.*checksum"):  # named, never a wrong vector
        assert EmbeddingCache(tmp_path / "emb").get(key) is None


@pytest.fixture()
def store_workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ingest(write_tables(tmp_path / "in", tiny_tables()), ws)
    return ws


def test_damaged_model_is_one_cli_line_and_a_503_then_recovers(
    model: HybridRecommender,
    store_workspace: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws = store_workspace
    folder = save_hybrid(model, ws / "models" / MODEL_DIR)
    flip(folder / "tensors.safetensors", -100)
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: []\n")
    code = main(
        ["whatif", str(rules), "--workspace", str(ws), "--ranker", "hybrid", "--boot", "10"]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and err.startswith("error:"), err
    assert "tensors.safetensors" in err and "shelfwise train" in err

    client = TestClient(
        create_app(ShelfwiseService(ws, llm="template"), limits=Limits(rate=10_000))
    )
    response = client.post("/recommend", json={"user_id": "u4", "k": 3})
    assert response.status_code == 503, response.text
    body = response.json()
    assert "tensors.safetensors" in body["message"] and "shelfwise train" in body["message"]
    assert "Traceback" not in response.text
    save_hybrid(model, ws / "models" / MODEL_DIR)  # retrain: the running service recovers
    response = client.post("/recommend", json={"user_id": "u4", "k": 3})
    assert response.status_code == 200, response.text
    assert [r["item_id"] for r in response.json()["results"]] == [i for i, _ in _top(model)[:3]]


def test_damaged_index_manifest_names_it_and_reindex_repairs(store_workspace: Path) -> None:
    ws = store_workspace
    build_index(ws, embedder=fake_embed, show_progress=False)
    manifest = ws / "index" / "manifest.json"
    truncate(manifest)
    for call in (
        lambda: read_manifest(ws),
        lambda: open_product_search(ws, query_encoder=fake_vector),
    ):
        with pytest.raises(IndexCorruptError, match=r"manifest\.json is damaged.*shelfwise index"):
            call()
    from assistant.service import ShelfwiseService

    service = ShelfwiseService(ws, llm="template")  # the app keeps answering, lexically, and says why
    assert service.search("trail boot", k=1) and service.search_mode == "bm25"
    assert "manifest.json is damaged" in service.search_note
    build_index(ws, embedder=fake_embed, show_progress=False)
    assert open_product_search(ws, query_encoder=fake_vector).search("trail boot", k=1)


# Chroma keeps one client per folder in a process, so each damaged store is opened by a fresh
# child process: what a restarted service or CLI would see.
CHROMA_CHILD = r"""
import json, shutil, sys
from contextlib import redirect_stderr
from io import StringIO
from chromadb.api.client import SharedSystemClient
from assistant.cli import main
from retrieval.indexing import build_index, open_product_search
from tests.retrieval_fixtures import fake_embed, fake_vector
out = {}
for ws in sys.argv[1:]:
    try:
        open_product_search(ws, query_encoder=fake_vector)
        out[ws] = {"error": None}
    except Exception as exc:
        out[ws] = {"error": type(exc).__name__, "message": str(exc)}
    err = StringIO()
    with redirect_stderr(err):
        out[ws]["index_exit"] = main(["index", "--workspace", ws])
    out[ws]["index_stderr"] = err.getvalue()
    shutil.rmtree(f"{ws}/index/chroma")  # the way out the message gives, as a fresh process
    SharedSystemClient.clear_system_cache()
    build_index(ws, embedder=fake_embed, show_progress=False)
    out[ws]["after_rebuild"] = [h.item_id for h in open_product_search(ws, query_encoder=fake_vector).search("trail boot", k=2)]
print(json.dumps(out))
"""


@pytest.mark.slow
def test_damaged_chroma_store_is_named_and_rebuild_repairs(tmp_path: Path) -> None:
    tables = write_tables(tmp_path / "in", tiny_tables())
    spaces = {}
    for case in ("sqlite truncated", "vector byte flipped"):
        ws = tmp_path / case.replace(" ", "-")
        ingest(tables, ws)
        build_index(ws, embedder=fake_embed, show_progress=False)
        spaces[case] = ws
    expected = [
        h.item_id
        for h in open_product_search(spaces["sqlite truncated"], query_encoder=fake_vector).search(
            "trail boot", k=2
        )
    ]
    truncate(spaces["sqlite truncated"] / "index" / "chroma" / "chroma.sqlite3")
    # flip a high byte of one stored product vector (found by its float32 bytes)
    sqlite = spaces["vector byte flipped"] / "index" / "chroma" / "chroma.sqlite3"
    products = load_store(spaces["vector byte flipped"]).products
    from retrieval.indexing import product_documents

    doc = product_documents(products)[0]
    raw = fake_embed([doc.text])[0].astype("<f4").tobytes()
    data = sqlite.read_bytes()
    at = data.find(raw)
    assert at > 0, "the product vector was not found in the sqlite file"
    nonzero = next(i for i in range(0, len(raw), 4) if raw[i : i + 4] != b"\0\0\0\0")
    flip(sqlite, at + nonzero + 2)
    result = subprocess.run(
        [sys.executable, "-c", CHROMA_CHILD, *map(str, spaces.values())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    truncated, flipped = (
        out[str(spaces["sqlite truncated"])],
        out[str(spaces["vector byte flipped"])],
    )
    assert truncated["error"] == "IndexCorruptError", truncated
    assert "chroma" in truncated["message"] and "shelfwise index" in truncated["message"]
    assert truncated["index_exit"] == 2 and truncated["index_stderr"].strip().count("\n") == 0
    assert "damaged" in truncated["index_stderr"]
    assert flipped["error"] == "IndexCorruptError", flipped
    assert re.search(rf"vector of '{doc.doc_id}'.*damaged.*shelfwise index", flipped["message"])
    for case in (truncated, flipped):
        assert case["after_rebuild"] == expected


def test_truncated_store_table_is_named(store_workspace: Path) -> None:
    truncate(current_version(store_workspace) / "products.parquet")
    with pytest.raises(StoreError, match=r"products\.parquet is unreadable.*re-run ingest"):
        load_store(store_workspace)


def test_flipped_byte_in_a_store_table_never_loads_silently(store_workspace: Path) -> None:
    """Parquet pages carry no checksum by default: some single-byte flips parse into other
    values, others raise errors load_store does not translate (KeyError from the schema)."""
    good = load_store(store_workspace).products
    path = current_version(store_workspace) / "products.parquet"
    original = path.read_bytes()
    silent, untyped = [], []
    for offset in range(4, len(original) - 8, 23):
        data = bytearray(original)
        data[offset] ^= 0x01
        path.write_bytes(bytes(data))
        try:
            loaded = load_store(store_workspace).products
        except StoreError:
            continue
        except Exception as exc:  # noqa: BLE001 - any other error is a leak to report
            untyped.append(f"{offset}: {type(exc).__name__}")
            continue
        if not loaded.equals(good):
            silent.append(offset)
            break  # one silent wrong load is enough to fail
    path.write_bytes(original)
    assert not silent and not untyped, (
        f"silently different at offsets {silent}; untyped errors {untyped}"
    )


def test_damaged_store_manifest_is_a_store_error(store_workspace: Path) -> None:
    truncate(current_version(store_workspace) / "manifest.json")
    with pytest.raises(StoreError, match=r"manifest\.json"):
        load_store(store_workspace)
