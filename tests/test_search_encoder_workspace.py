"""A workspace's adapted search encoder: `shelfwise train` fits it from the search log, the index
is embedded with it, and live queries are encoded with the model the index was built with."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.app_workspace import workspace_copy

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def adapted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    from retrieval.encoder_tuning import train_workspace_encoder

    ws = workspace_copy(tmp_path_factory.mktemp("encoder") / "w")
    return ws, train_workspace_encoder(ws, show_progress=False)


def test_the_adapted_encoder_is_kept_only_when_it_beats_the_generic_one(adapted) -> None:  # type: ignore[no-untyped-def]
    from recsys_core.workspace import Workspace

    ws, report = adapted
    layout = Workspace(ws)
    saved = json.loads((layout.models_dir / "search-encoder-report.json").read_text())
    assert saved["kept"] == report["kept"] and report["pairs"] > 0 and report["steps"] > 0
    g, a = report["held"]["generic"], report["held"]["adapted"]
    assert report["kept"] == (a["mrr@10"] > g["mrr@10"])
    assert (layout.search_encoder_dir / "model.safetensors").is_file() == report["kept"]
    assert report["in_use"] == (str(layout.search_encoder_dir) if report["kept"] else "generic")
    assert not layout.search_encoder_dir.with_name("search-encoder.candidate").exists()


def test_index_and_queries_use_the_encoder_the_index_was_built_with(adapted) -> None:  # type: ignore[no-untyped-def]
    from recsys_core.models.embeddings import embed_query
    from recsys_core.workspace import Workspace
    from retrieval.encoder_tuning import Pair, fine_tune_encoder
    from retrieval.indexing import build_index, open_product_search, read_manifest

    ws, _ = adapted
    layout = Workspace(ws)
    before = open_product_search(ws)
    assert read_manifest(ws)["encoders"]["products"] == "minilm-int8" and before.encoder == "minilm-int8"
    if not layout.search_encoder_dir.exists():  # not kept on this data: adapt one by hand to test the index path
        titles = before.products_["title"].astype(str).tolist()
        fine_tune_encoder([Pair(t.split()[-1].lower(), t) for t in titles[:80]], layout.search_encoder_dir,
                          show_progress=False)
    # until the index is rebuilt, search keeps the encoder its vectors came from
    assert open_product_search(ws).encoder == "minilm-int8"
    report = build_index(ws, kinds=("products",), show_progress=False)
    assert report.collections["products"].embedded == len(before.products_)  # every product re-embedded
    manifest = read_manifest(ws)
    assert manifest["encoders"]["products"] == "models/search-encoder#int8" and set(manifest["counts"]) >= {"kb", "products"}
    after = open_product_search(ws)
    assert after.encoder == str(layout.search_encoder_dir.resolve()) + "#int8"
    hit = after.search("tent", k=1, explain=True)[0]
    vec = after.embeddings_[after.row_of_[hit.item_id]]
    assert hit.trace is not None and hit.trace.dense_similarity is not None
    assert np.isclose(float(vec @ embed_query("tent", after.encoder)), hit.trace.dense_similarity, atol=1e-5)
    assert not np.isclose(float(vec @ embed_query("tent", "minilm-int8")), hit.trace.dense_similarity, atol=1e-4)
