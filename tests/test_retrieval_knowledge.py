"""The knowledge base is searched like products (BM25 + dense), from the Chroma KB collection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from retrieval.knowledge import KnowledgeBase, open_knowledge_base

KB = pd.DataFrame({
    "doc_id": ["returns", "shipping"],
    "title": ["Returns", "Shipping"],
    "body": ["# Returns\n\n## Window\nReturn unworn items within 30 days of delivery.\n\n"
             "## Opened electronics\nOpened electronics carry a 10% restocking fee.\n",
             "# Shipping\n\n## Standard\nStandard delivery takes 3 to 5 working days.\n\n"
             "## Free shipping\nOrders over $50 ship free.\n"],
    "topic": ["returns", "shipping"],
})


def _vectors(texts: list[str]) -> np.ndarray:
    """Deterministic stand-in embeddings (hashing words), so this file needs no model."""
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for i, t in enumerate(texts):
        for w in t.lower().split():
            out[i, hash(w) % 384] += 1.0
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


@pytest.fixture
def kb(monkeypatch: pytest.MonkeyPatch) -> KnowledgeBase:
    import retrieval.embedding as embedding

    monkeypatch.setattr(embedding, "embed_texts", lambda texts, **kw: _vectors(list(texts)))
    monkeypatch.setattr(embedding, "embed_query", lambda text: _vectors([text])[0])
    return KnowledgeBase(min_similarity=0.1, min_coverage=0.3).fit(KB)


def test_retrieves_the_chunk_that_answers_and_reports_how_well(kb: KnowledgeBase) -> None:
    best = kb.retrieve("is there a restocking fee for opened electronics?")[0]
    assert best.chunk_id.startswith("returns#") and best.heading == "Returns > Opened electronics"
    assert "10% restocking fee" in best.text and best.coverage > 0.5 and "electronic" in best.matched
    assert kb.answerable([best])


def test_a_question_about_something_never_mentioned_is_not_covered(kb: KnowledgeBase) -> None:
    """A shared common word ("delivery") finds a chunk, but the rest of the question is not there."""
    best = kb.retrieve("do you offer same-day drone delivery by helicopter")[0]
    assert best.coverage < 0.3 and not kb.answerable([best])
    assert kb.retrieve("   ") == [] and not kb.answerable([])


def test_question_words_do_not_count_as_topic(kb: KnowledgeBase) -> None:
    with_words = kb.retrieve("what is your standard delivery, can you tell me?")[0]
    bare = kb.retrieve("standard delivery")[0]
    assert with_words.chunk_id == bare.chunk_id and with_words.chunk_id.startswith("shipping#")
    assert with_words.coverage == bare.coverage == 1.0


def test_intro_is_the_documents_first_chunk(kb: KnowledgeBase) -> None:
    intro = kb.intro("returns")
    assert intro is not None and intro.position == 0 and intro.chunk_id == "returns#0"


@pytest.mark.slow
def test_vectors_come_from_the_chroma_index_and_stale_chunks_are_re_embedded(tmp_path: Path) -> None:
    """With `shelfwise index` built, KB vectors come from the Chroma KB collection (same chunks,
    same text) and answers equal the in-process embedding's; a changed document is re-embedded."""
    from recsys_core.data import ingest
    from recsys_core.data.store import load_store
    from retrieval.indexing import build_index
    from tests.conftest import tiny_tables, write_tables

    ws = tmp_path / "ws"
    tables = tiny_tables()
    ingest(write_tables(tmp_path / "in", tables), ws)
    build_index(ws, show_progress=False)
    kb_frame = load_store(ws).knowledge_base
    indexed = open_knowledge_base(ws, kb_frame)
    assert indexed.from_index_ == len(indexed.docs_) > 0
    local = KnowledgeBase(cache_dir=tmp_path / "cache").fit(kb_frame)
    np.testing.assert_allclose(indexed.vectors_, local.vectors_, atol=1e-5)
    question = "how many days do I have to return an item"
    assert [p.chunk_id for p in indexed.retrieve(question)] == [p.chunk_id for p in local.retrieve(question)]
    changed = tables["knowledge_base"].copy()
    changed.loc[0, "body"] = str(changed.loc[0, "body"]) + "\n\nGift wrapping is free on every order."
    ingest(write_tables(tmp_path / "in2", {**tables, "knowledge_base": changed}), ws)  # store changed, index not
    stale = open_knowledge_base(ws, load_store(ws).knowledge_base)
    assert stale.from_index_ < len(stale.docs_)  # the changed chunk is embedded afresh, not read stale


def test_answer_quotes_the_sentences_of_the_best_chunk_or_declines(kb: KnowledgeBase) -> None:
    """Extractive: the answer is sentences of the best chunk (a short section whole); whether to
    answer is the decline model's calibrated probability against its threshold."""
    from retrieval.knowledge import FEATURES, DeclineModel

    kb.decline_model = DeclineModel(coef={"coverage": 4.0}, intercept=-2.0, threshold=0.5)
    reply = kb.answer("is there a restocking fee for opened electronics?")
    assert reply.answerable and reply.sentences == ["Opened electronics carry a 10% restocking fee."]
    assert set(reply.features) == set(FEATURES) and 0.5 <= reply.probability <= 1.0
    never = kb.answer("do you offer same-day drone delivery by helicopter")
    assert not never.answerable and never.probability < 0.5
    assert never.passages  # the nearest chunk is still reported (the facts panel shows it)


def test_decline_model_round_trips_and_is_used_by_default(tmp_path: Path) -> None:
    from retrieval.knowledge import DECLINE_MODEL, DeclineModel

    m = DeclineModel(coef={"similarity": 2.0, "coverage": 1.0}, intercept=-1.0, threshold=0.4,
                     mean={"similarity": 0.5}, scale={"similarity": 0.1}, fitted_on="unit test")
    m.save(tmp_path / "m.json")
    back = DeclineModel.load(tmp_path / "m.json")
    assert back == m and DeclineModel.load(tmp_path / "missing.json") is None
    assert back.probability({"similarity": 0.5, "coverage": 0.0}) == pytest.approx(1 / (1 + np.e))
    assert DECLINE_MODEL.exists() and KnowledgeBase().decline_model == DeclineModel.load()


def test_focus_words_leave_out_products_fillers_and_common_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """The decline model's focus features look only at what a question is about: a product named
    in it ("my desk lamp") or a filler ("actually") is not an uncovered subject; a word the
    document never comes near ("locker") is."""
    import retrieval.embedding as embedding

    monkeypatch.setattr(embedding, "embed_texts", lambda texts, **kw: _vectors(list(texts)))
    monkeypatch.setattr(embedding, "embed_query", lambda text: _vectors([text])[0])
    kb = KnowledgeBase(min_similarity=0.1, min_coverage=0.3).fit(KB, catalog_titles=["Lumio Desk Lamp, Blue"])
    assert {"desk", "lamp", "lumio"} <= kb.catalog_words_
    # hashing vectors: a word matches only itself, so every question word is exactly 1 or ~0
    covered = kb.word_alignment("can I actually return my desk lamp within 30 days?", "returns")
    assert covered[0] == pytest.approx(1.0)  # focus words: return, days (both in the document)
    near_miss = kb.word_alignment("can my parcel go to a locker?", "shipping")
    assert near_miss[0] < 0.5
    features = kb.features("parcel locker delivery", kb.retrieve("parcel locker delivery"))
    assert {"focus_weakest", "focus_second", "doc_word_mean"} <= set(features)
