"""PII never reaches Chroma, a prompt, the chat log or session memory; logs name users by pseudonym."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import numpy as np
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from recsys_core.privacy import ChatLog, Pseudonymizer, pseudonym
from tests.conftest import tiny_tables, write_tables

PII = [
    "jane.doe@example.com",
    "+44 20 7946 0958",
    "(555) 123-4567",
    "4111 1111 1111 1111",
    "221B Baker Street",
]
PII_TEXT = (
    "Contact jane.doe@example.com or call +44 20 7946 0958 / (555) 123-4567. "
    "Refunds to card 4111 1111 1111 1111. Send parcels to 221B Baker Street, London NW1 6XE."
)


def _no_pii(text: str) -> bool:
    return not any(p in text for p in PII)


def test_pseudonym_key_is_private_and_stable(tmp_path: Path) -> None:
    a = pseudonym(tmp_path / "w1", "U00017")
    key = tmp_path / "w1" / "secrets" / "pseudonym.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert a == pseudonym(tmp_path / "w1", "U00017") and a.startswith("u_") and len(a) == 14
    assert a != pseudonym(tmp_path / "w1", "U00018")
    assert a != pseudonym(tmp_path / "w2", "U00017")  # a per-workspace secret, not a bare hash
    assert Pseudonymizer(tmp_path / "w1")(None) == "anonymous"


def _fake_embedder(texts, cache_dir):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(len(texts))
    vecs = rng.normal(size=(len(texts), 8)).astype(np.float32)
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def test_planted_pii_never_reaches_chroma(tmp_path: Path) -> None:
    from recsys_core.data import ingest
    from retrieval.chroma_store import StoreConfig, get_collection, open_client
    from retrieval.indexing import build_index

    tables = tiny_tables()
    tables["knowledge_base"].loc[0, "body"] = (
        f"# Returns\n\n## Contact\n{PII_TEXT}\n\n## Window\nReturn within 30 days.\n"
    )
    tables["trends"].loc[0, "text"] = f"Hiking boots rising; analyst on +1 415 555 2671. {PII_TEXT}"
    tables["products"].loc[0, "title"] = "Trail Boot engraved for jane.doe@example.com"
    ws = tmp_path / "ws"
    ingest(write_tables(tmp_path / "in", tables), ws)
    build_index(ws, show_progress=False, embedder=_fake_embedder)
    config = StoreConfig.for_workspace(ws)
    client = open_client(config)
    seen = []
    for kind in ("products", "kb", "trends"):
        got = get_collection(client, kind, config).get(include=["documents", "metadatas"])
        assert got["ids"], kind
        seen += [
            json.dumps([d, m]) for d, m in zip(got["documents"], got["metadatas"], strict=True)
        ]
    stored = "\n".join(seen)
    assert _no_pii(stored) and "+1 415 555 2671" not in stored
    for placeholder in ("[EMAIL]", "[PHONE]", "[CARD]", "[ADDRESS]"):
        assert placeholder in stored
    assert "Return within 30 days" in stored  # the rest of the text is indexed as it was


class Recording(FakeListChatModel):
    seen: list[str] = []

    def _call(self, messages, stop=None, run_manager=None, **kw):  # type: ignore[no-untyped-def, override]
        type(self).seen.append("\n".join(str(m.content) for m in messages))
        return super()._call(messages, stop, run_manager, **kw)


@pytest.fixture(scope="module")
def assistant_ws(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import pandas as pd

    from assistant.agent import Assistant, SessionMemory
    from assistant.service import ShelfwiseService
    from recsys_core.data.features import build_features
    from recsys_core.data.store import save_store
    from recsys_core.demo.generate import generate_demo_shop

    shop, _ = generate_demo_shop(0, n_products=120, n_users=20, n_days=14, target_events=1000)
    shop.knowledge_base = pd.concat(
        [
            shop.knowledge_base,
            pd.DataFrame(
                {
                    "doc_id": ["contact-desk"],
                    "title": ["Contact the returns desk"],
                    "topic": ["returns"],
                    "body": [
                        f"# Contact the returns desk\n\nTo reach the returns desk: {PII_TEXT}"
                    ],
                }
            ),
        ],
        ignore_index=True,
    ).astype({"doc_id": "string", "title": "string", "body": "string", "topic": "string"})
    ws = tmp_path_factory.mktemp("assistant-ws")
    save_store(ws, shop, {}, build_features(shop))
    Recording.seen = []
    bot = Assistant(
        ShelfwiseService(ws, llm="template"),
        Recording(responses=["ok."] * 10),
        memory=SessionMemory(ws / "sessions"),
        chat_log=ChatLog(ws),
    )
    return ws, bot


def test_pii_never_reaches_the_prompt(assistant_ws, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    ws, bot = assistant_ws
    with caplog.at_level(logging.INFO):
        kb = bot.ask("How do I contact the returns desk?", session="s1")
        typed = bot.ask(
            "how much is P00010? my email is bob.smith@example.org, card 5500-0000-0000-0004",
            user="U00003",
            session="s1",
        )
    assert kb.intent == "kb_answer" and not kb.declined and typed.intent == "lookup_product"
    assert len(Recording.seen) == 2
    prompt = "\n".join(Recording.seen)
    assert (
        _no_pii(prompt)
        and "bob.smith@example.org" not in prompt
        and "5500-0000-0000-0004" not in prompt
    )
    assert "[EMAIL]" in prompt and "[CARD]" in prompt and "P00010" in prompt

    # the chat log holds redacted text and pseudonyms, never the raw user id
    log_text = (ws / "logs" / "chat.jsonl").read_text(encoding="utf-8")
    alias = pseudonym(ws, "U00003")
    assert (
        _no_pii(log_text) and "bob.smith@example.org" not in log_text and "U00003" not in log_text
    )
    rows = [json.loads(line) for line in log_text.splitlines()]
    assert len(rows) == 2 and rows[1]["users"] == [alias]
    # session memory: redacted texts, the turn knows its user by pseudonym
    session = json.loads((ws / "sessions" / "s1.json").read_text(encoding="utf-8"))
    assert _no_pii(json.dumps(session)) and "bob.smith@example.org" not in json.dumps(session)
    assert session["turns"][-1]["users"] == [alias]
    # logging: the pseudonym, never the raw id
    messages = [r.getMessage() for r in caplog.records]
    assert any(alias in m for m in messages)
    assert not any("U00003" in m for m in messages)
