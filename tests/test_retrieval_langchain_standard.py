"""LangChain's standard vector-store tests against our Chroma setup (cosine, our HNSW)."""

from __future__ import annotations

import inspect
from collections.abc import Generator
from pathlib import Path

import pytest
from langchain_core.vectorstores import VectorStore
from langchain_tests.integration_tests import VectorStoreIntegrationTests

from retrieval.chroma_store import StoreConfig, langchain_store, open_client

# The suite's async tests carry no marker (langchain runs them with asyncio_mode=auto, which
# this project does not set). Mark them in place: the suite forbids overriding its tests.
for _name, _fn in inspect.getmembers(VectorStoreIntegrationTests, inspect.iscoroutinefunction):
    if _name.startswith("test_"):
        pytest.mark.asyncio(_fn)


class TestShelfwiseChromaStandard(VectorStoreIntegrationTests):
    @pytest.fixture()
    def vectorstore(self, tmp_path: Path) -> Generator[VectorStore, None, None]:  # type: ignore[override]
        config = StoreConfig(path=str(tmp_path / "chroma"))
        store = langchain_store(open_client(config), "kb", config, embeddings=self.get_embeddings())
        try:
            yield store
        finally:
            store.delete_collection()
