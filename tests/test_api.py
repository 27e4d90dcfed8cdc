"""REST API over a small trained demo workspace: every endpoint, bad input, auth and limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api import Limits, ServeConfigError, create_app, is_loopback, required_token
from assistant.service import ShelfwiseService
from tests.app_workspace import private_service

TOKEN = "test-token-0123456789abcdef"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> ShelfwiseService:
    # a private copy: these tests save rules and post events, which must not leak into the
    # shared demo workspace that later modules copy
    svc: ShelfwiseService = private_service(tmp_path_factory, "api", load=True)
    return svc


@pytest.fixture(scope="module")
def client(service: ShelfwiseService) -> TestClient:
    return TestClient(create_app(service, limits=Limits(rate=10_000)))


def _no_traceback(response: Any) -> None:
    assert "Traceback" not in response.text and 'File "' not in response.text


def _user_with_history(service: ShelfwiseService) -> str:
    ev = service.shop.events
    counts = ev[ev["type"] == "purchase"]["user_id"].value_counts()
    return str(counts.index[0])


# ---- service and schema ----------------------------------------------------------------------
def test_health_reports_every_component_loaded(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert {n: c["state"] for n, c in body["components"].items()} == {
        "store": "loaded", "recommender": "loaded", "search": "loaded", "assistant": "loaded"}
    assert body["search_mode"] == "hybrid" and body["store_version"]
    assert body["search_encoder"] == "minilm-int8"  # the index was built with the default encoder


def test_openapi_schema_lists_every_endpoint(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/search", "/recommend", "/explain", "/compare", "/ask", "/whatif", "/rules", "/rules/{rule_id}",
            "/rules/lint", "/insights", "/events", "/health"} <= paths
    assert {"SearchRequest", "RecommendRequest", "EventsRequest", "WhatIfRequest"} <= set(schema["components"]["schemas"])


# ---- search / recommend / explain / compare ----------------------------------------------------
def test_search_returns_traced_hits_and_honours_filters(client: TestClient, service: ShelfwiseService) -> None:
    body = client.post("/search", json={"query": "tent", "k": 5, "explain": True}).json()
    assert body["mode"] == "hybrid" and 1 <= len(body["results"]) <= 5
    assert [h["rank"] for h in body["results"]] == list(range(1, len(body["results"]) + 1))
    assert body["results"][0]["trace"]["fused_rank"] is not None
    brand = str(service.products.at[body["results"][0]["item_id"], "brand"])
    filtered = client.post("/search", json={"query": "tent", "filters": {"brands": [brand]}}).json()["results"]
    assert filtered and {str(service.products.at[h["item_id"], "brand"]) for h in filtered} == {brand}


def test_search_personalised_by_the_users_content_profile(client: TestClient, service: ShelfwiseService) -> None:
    import numpy as np

    user = _user_with_history(service)
    vector = service.recommender.profile_vector(user)
    assert vector.shape == (384,) and float(np.linalg.norm(vector)) > 0  # text-embedding space of the index
    assert not service.recommender.profile_vector("never-seen-user").any()
    plain_hits = client.post("/search", json={"query": "jacket", "k": 10, "explain": True}).json()["results"]
    personal = client.post("/search", json={"query": "jacket", "k": 10, "explain": True, "user_id": user}).json()["results"]
    assert len(personal) == len(plain_hits) > 0
    assert [h["score"] for h in personal] != [h["score"] for h in plain_hits]  # the profile moved the scores


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": "tent", "k": 1000}, "k"),
        ({"query": ""}, "query"),
        ({"query": "tent", "colour": "red"}, "colour"),
        ({"query": "tent", "filters": {"price_min": 50, "price_max": 10}}, "filters"),
        ({"k": 3}, "query"),
    ],
)
def test_search_bad_input_names_the_field(client: TestClient, body: dict[str, Any], field: str) -> None:
    r = client.post("/search", json=body)
    assert r.status_code == 422
    assert r.json()["message"].startswith(field)
    _no_traceback(r)


def test_malformed_json_is_a_4xx(client: TestClient) -> None:
    r = client.post("/search", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    _no_traceback(r)


def test_recommend_components_sum_to_the_score(client: TestClient, service: ShelfwiseService) -> None:
    user = _user_with_history(service)
    body = client.post("/recommend", json={"user_id": user, "k": 5}).json()
    assert len(body["results"]) == 5
    for row in body["results"]:
        assert sum(row["contributions"].values()) == pytest.approx(row["score"], abs=1e-9)
        assert row["title"]
    category = str(service.products.at[body["results"][0]["item_id"], "category"])
    only = client.post("/recommend", json={"user_id": user, "category": [category]}).json()["results"]
    assert only and {str(service.products.at[r["item_id"], "category"]) for r in only} == {category}


def test_recommend_rejects_bad_k_and_unknown_fields(client: TestClient) -> None:
    assert client.post("/recommend", json={"user_id": "U0001", "k": 0}).status_code == 422
    r = client.post("/recommend", json={"user_id": "U0001", "price_max": 3})
    assert r.status_code == 422 and "price_max" in r.json()["message"]


def test_explain_for_a_user_and_for_a_query(client: TestClient, service: ShelfwiseService) -> None:
    user = _user_with_history(service)
    top = client.post("/recommend", json={"user_id": user, "k": 1}).json()["results"][0]
    body = client.post("/explain", json={"user_id": user, "item_id": top["item_id"]}).json()
    assert body["kind"] == "recommendation" and body["rank"] == 1
    assert body["score"] == pytest.approx(top["score"])
    hit = client.post("/search", json={"query": "tent", "k": 1}).json()["results"][0]
    q = client.post("/explain", json={"query": "tent", "item_id": hit["item_id"]}).json()
    assert q["found"] and q["rank"] == 1 and q["score"] == pytest.approx(hit["score"])
    assert q["evidence"]["bm25_rank"] is not None and sum(q["contributions"].values()) == pytest.approx(q["score"])


def test_unknown_customers_are_404_naming_the_closest_ids(client: TestClient) -> None:
    r = client.post("/recommend", json={"user_id": "U0017", "k": 5})
    body = r.json()
    assert r.status_code == 404 and body["error"] == "not_found"
    assert body["message"].startswith("U0017 is not a customer of this shop (closest known ids: U00017, ")
    assert body["closest"][0] == "U00017" and len(body["closest"]) == 3
    lower = client.post("/recommend", json={"user_id": "u00017"})
    assert lower.status_code == 404 and lower.json()["closest"][0] == "U00017"
    phrase = client.post("/recommend", json={"user_id": "waterproof tent"})
    assert phrase.status_code == 404 and phrase.json()["message"] == (
        "'waterproof tent' is not a customer id of this shop; to rank it as a search, choose query")
    top = client.post("/recommend", json={"user_id": "U00017", "k": 2}).json()["results"]
    a, b = top[0]["item_id"], top[1]["item_id"]
    explain = client.post("/explain", json={"user_id": "U0017", "item_id": a})
    assert explain.status_code == 404 and explain.json()["closest"][0] == "U00017"
    compare = client.post("/compare", json={"user_id": "U0017", "a": a, "b": b})
    assert compare.status_code == 404 and "U0017 is not a customer" in compare.json()["message"]
    item = client.post("/explain", json={"user_id": "U00017", "item_id": "P0042"})
    assert item.status_code == 404 and item.json()["message"].startswith("P0042 is not a product of this shop")
    assert item.json()["closest"][0] == "P00042"
    _no_traceback(item)


def test_new_visitor_list_only_when_asked_and_the_response_says_so(client: TestClient) -> None:
    r = client.post("/recommend", json={"user_id": "U99999", "k": 3, "new_visitor": True})
    body = r.json()
    assert r.status_code == 200 and body["new_visitor"] is True and len(body["results"]) == 3
    assert body["note"] == "U99999 is not a customer yet: this is the new-visitor list (popular and trending items)"
    known = client.post("/recommend", json={"user_id": "U00017", "k": 3, "new_visitor": True}).json()
    assert known["new_visitor"] is False and "note" not in known
    assert known["results"] == client.post("/recommend", json={"user_id": "U00017", "k": 3}).json()["results"]
    assert client.post("/recommend", json={"user_id": "U99999", "new_visitor": "yes please"}).status_code == 422


def test_explain_errors_name_the_problem(client: TestClient) -> None:
    r = client.post("/explain", json={"query": "tent", "item_id": "NOPE-1"})
    assert r.status_code == 404 and "NOPE-1" in r.json()["message"]
    both = client.post("/explain", json={"query": "tent", "user_id": "U0001", "item_id": "P00001"})
    assert both.status_code == 422 and "exactly one" in both.json()["message"]


def test_compare_by_stage_and_by_component(client: TestClient, service: ShelfwiseService) -> None:
    hits = client.post("/search", json={"query": "tent", "k": 2}).json()["results"]
    a, b = hits[0]["item_id"], hits[1]["item_id"]
    body = client.post("/compare", json={"query": "tent", "a": a, "b": b}).json()
    assert body["ahead_by_stage"]["final"] is True and body["passes_at"] in ("bm25", "dense", "fused", "personalised", "final")
    user = _user_with_history(service)
    rec = client.post("/compare", json={"user_id": user, "a": a, "b": b}).json()
    assert rec["decisive_component"] in rec["difference"]

    def shown(p: dict[str, Any]) -> tuple[int, float]:  # shown items by rank, then the rest by score
        return (p["rank"], 0.0) if p["rank"] else (10**9, -p["score"])

    assert rec["a_above_b"] == (shown(rec["a"]) < shown(rec["b"]))
    same = client.post("/compare", json={"query": "tent", "a": a, "b": a})
    assert same.status_code == 422 and a in same.json()["message"]


# ---- assistant ---------------------------------------------------------------------------------
def test_ask_answers_with_citations_and_streams(client: TestClient) -> None:
    body = client.post("/ask", json={"question": "What is your return policy?", "session": "t1"}).json()
    assert set(body) >= {"answer", "intent", "tool_calls", "facts", "citations", "declined"}
    assert body["citations"] and not body["declined"]
    streamed = client.post("/ask?stream=true", json={"question": "What is your return policy?", "session": "t2"})
    assert streamed.status_code == 200 and streamed.text == body["answer"]


def test_ask_rejects_a_bad_session_name(client: TestClient) -> None:
    r = client.post("/ask", json={"question": "hi", "session": "../../etc"})
    assert r.status_code == 422 and r.json()["message"].startswith("session")


# ---- live events -------------------------------------------------------------------------------
def test_events_change_the_next_recommendation_without_retraining(client: TestClient, service: ShelfwiseService) -> None:
    user = _user_with_history(service)
    before = [r["item_id"] for r in client.post("/recommend", json={"user_id": user, "k": 5}).json()["results"]]
    r = client.post("/events", json={"events": [{"user_id": user, "item_id": before[0], "type": "purchase"}]})
    assert r.status_code == 200 and r.json()["accepted"] == 1
    after = [r["item_id"] for r in client.post("/recommend", json={"user_id": user, "k": 5}).json()["results"]]
    assert before[0] not in after  # now in the history: never recommended again
    assert (service.workspace / "live" / "events.jsonl").read_text().count(before[0]) >= 1


def test_chat_and_api_share_one_service(service: ShelfwiseService) -> None:
    assert service.assistant.service is service  # the chat's tools call the very same engines


def test_events_with_an_unknown_item_change_nothing(client: TestClient, service: ShelfwiseService) -> None:
    count = client.get("/health").json()["live_events"]
    r = client.post("/events", json={"events": [{"user_id": "U0001", "item_id": "P00001", "type": "view"},
                                                {"user_id": "U0001", "item_id": "GHOST", "type": "view"}]})
    assert r.status_code == 404 and "GHOST" in r.json()["message"]
    assert client.get("/health").json()["live_events"] == count
    bad_type = client.post("/events", json={"events": [{"user_id": "U1", "item_id": "P00001", "type": "refund"}]})
    assert bad_type.status_code == 422 and "events.0.type" in bad_type.json()["message"]
    assert client.post("/events", json={"events": []}).status_code == 422
    future = client.post("/events", json={"events": [{"user_id": "U0001", "item_id": "P00001",
                                                      "timestamp": "9999-01-01T00:00:00Z"}]})
    assert future.status_code == 422 and "not a plausible event time" in future.json()["message"]
    assert client.get("/health").json()["live_events"] == count


# ---- rules, what-if, insights ---------------------------------------------------------------------
def test_rules_crud_with_validation_and_linter(client: TestClient, service: ShelfwiseService) -> None:
    brand = str(service.products["brand"].dropna().iloc[0])
    rules = [{"id": "boost-brand", "action": "boost", "target": {"brands": [brand]}, "multiplier": 1.3},
             {"id": "pin-ghost", "action": "pin", "target": {"item_ids": ["GHOST"]}, "position": 1}]
    saved = client.put("/rules", json={"rules": rules, "message": "test"}).json()
    assert saved["version"] >= 1 and {r["id"] for r in saved["rules"]} == {"boost-brand", "pin-ghost"}
    assert any(f["rule_id"] == "pin-ghost" and f["code"] == "pin-missing-item" for f in saved["lint"])
    assert client.get("/rules/boost-brand").json()["multiplier"] == 1.3
    upserted = client.post("/rules", json={**rules[0], "multiplier": 1.5}).json()
    assert upserted["version"] == saved["version"] + 1
    assert client.get("/rules/boost-brand").json()["multiplier"] == 1.5
    deleted = client.delete("/rules/pin-ghost").json()
    assert [r["id"] for r in deleted["rules"]] == ["boost-brand"]
    assert client.get("/rules/pin-ghost").status_code == 404
    missing = client.delete("/rules/never-was")
    assert missing.status_code == 422 and "never-was" in missing.json()["message"]


def test_saved_rules_apply_to_live_recommendations_and_search(client: TestClient, service: ShelfwiseService) -> None:
    user = _user_with_history(service)
    before = client.post("/recommend", json={"user_id": user, "k": 10}).json()["results"]
    pinned = before[-1]["item_id"]
    top_brand = str(service.products.at[before[0]["item_id"], "brand"])
    rules = [
        {"id": "pin-last", "action": "pin", "target": {"item_ids": [pinned]}, "position": 1},
        {"id": "bury-top-brand", "action": "bury", "target": {"brands": [top_brand]}, "multiplier": 0.5},
    ]
    previous = client.get("/rules").json()["rules"]
    client.put("/rules", json={"rules": rules, "message": "live rules test"})
    try:
        after = client.post("/recommend", json={"user_id": user, "k": 10}).json()["results"]
        assert after[0]["item_id"] == pinned
        buried = [r for r in after if str(service.products.at[r["item_id"], "brand"]) == top_brand]
        for row in after:
            assert sum(row["contributions"].values()) == pytest.approx(row["score"], abs=1e-9)
        assert all(r["contributions"]["rule:bury-top-brand"] < 0 for r in buried)
        hits = client.post("/search", json={"query": "jacket", "k": 5, "explain": True}).json()["results"]
        assert hits[0]["item_id"] == pinned
    finally:
        client.put("/rules", json={"rules": previous, "message": "restore"})
    restored = client.post("/recommend", json={"user_id": user, "k": 10}).json()["results"]
    assert [r["item_id"] for r in restored] == [r["item_id"] for r in before]


def test_invalid_rules_are_rejected_and_change_nothing(client: TestClient) -> None:
    versions = len(client.get("/rules").json()["history"])
    bad = [{"id": "weak", "action": "boost", "target": {"brands": ["x"]}, "multiplier": 0.5}]
    r = client.put("/rules", json={"rules": bad})
    assert r.status_code == 422 and "weak" in r.json()["message"]
    _no_traceback(r)
    unknown = client.put("/rules", json={"rules": [{"id": "u", "action": "boost", "target": {"brands": ["x"]},
                                                    "multiplier": 2, "colour": "red"}]})
    assert unknown.status_code == 422 and "colour" in unknown.json()["message"]
    assert len(client.get("/rules").json()["history"]) == versions
    lint = client.post("/rules/lint", json={"rules": [{"id": "p", "action": "pin", "target": {"item_ids": ["GHOST"]},
                                                       "position": 1}]}).json()["lint"]
    assert any(f["code"] == "pin-missing-item" for f in lint)


def test_whatif_returns_rankings_estimates_and_exposure(client: TestClient, service: ShelfwiseService) -> None:
    hits = client.post("/search", json={"query": "tent", "k": 10}).json()["results"]
    last = hits[-1]["item_id"]
    rules = [{"id": "lift-last", "action": "boost", "target": {"item_ids": [last]}, "additive": 5.0}]
    body = client.post("/whatif", json={"rules": rules, "query": "tent", "k": 10}).json()
    assert body["ranking"]["after"][0]["item_id"] == last
    assert body["ranking"]["before"][0]["item_id"] == hits[0]["item_id"]
    metrics = {m["metric"]: m for m in body["replay"]["metrics"]}
    assert {"clicks", "purchases", "revenue", "margin"} <= set(metrics)
    for m in metrics.values():
        assert m["ci_low"] <= m["ci_high"]
    assert "exposure_moved" in body["replay"]
    bad = client.post("/whatif", json={"rules": [], "weights": {"relevance": 1, "diversity": 3}})
    assert bad.status_code == 422 and "diversity" in bad.json()["message"]


def test_insights_cards_carry_figures_and_a_valid_whatif_rule(client: TestClient) -> None:
    body = client.get("/insights").json()
    assert body["cards"] and body["categories"] and body["weeks"]
    for card in body["cards"]:
        assert card["figures"] and card["title"]
        if card["whatif"]:
            r = client.post("/rules/lint", json={"rules": [card["whatif"]]})
            assert r.status_code == 200, r.text


# ---- auth, limits, failures ---------------------------------------------------------------------
def test_token_is_enforced_when_set(service: ShelfwiseService) -> None:
    c = TestClient(create_app(service, token=TOKEN))
    assert c.post("/search", json={"query": "tent"}).status_code == 401
    wrong = c.post("/search", json={"query": "tent"}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "SHELFWISE_API_TOKEN" in wrong.json()["message"]
    ok = c.post("/search", json={"query": "tent"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    assert c.get("/health").status_code == 200  # probes stay open; they reveal no shop data


def test_non_loopback_needs_a_token() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.com")
    assert required_token("127.0.0.1", None) is None
    with pytest.raises(ServeConfigError, match="SHELFWISE_API_TOKEN"):
        required_token("0.0.0.0", None)
    with pytest.raises(ServeConfigError, match="at least 16"):
        required_token("0.0.0.0", "short")
    assert required_token("0.0.0.0", TOKEN) == TOKEN


def test_serve_refuses_a_public_address_without_a_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from assistant.api import serve

    monkeypatch.delenv("SHELFWISE_API_TOKEN", raising=False)
    with pytest.raises(ServeConfigError, match="refusing"):
        serve(tmp_path, host="0.0.0.0", port=7999)


def test_request_size_and_rate_limits(service: ShelfwiseService) -> None:
    small = TestClient(create_app(service, limits=Limits(max_body_bytes=200)))
    big = small.post("/ask", json={"question": "x" * 500})
    assert big.status_code == 413 and "200-byte" in big.json()["message"]
    limited = TestClient(create_app(service, limits=Limits(rate=3, per_seconds=60)))
    codes = [limited.get("/rules").status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429


def test_unbuilt_engines_answer_503_naming_the_command(tiny_shop_dir: Path, tmp_path: Path) -> None:
    from recsys_core.data import ingest

    ingest(tiny_shop_dir, tmp_path / "ws")
    c = TestClient(create_app(ShelfwiseService(tmp_path / "ws", llm="template")))
    r = c.post("/recommend", json={"user_id": "U1"})
    assert r.status_code == 503 and "not built yet" in r.json()["message"] and "shelfwise train" in r.json()["message"]
    assert c.get("/health").json()["components"]["recommender"]["state"] == "not built"
    empty = TestClient(create_app(ShelfwiseService(tmp_path / "nothing", llm="template")))
    r = empty.post("/search", json={"query": "tent"})
    assert r.status_code == 503 and "ingest" in r.json()["message"]


def test_an_unexpected_error_is_a_500_without_traceback(service: ShelfwiseService, monkeypatch: pytest.MonkeyPatch) -> None:
    c = TestClient(create_app(service), raise_server_exceptions=False)

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "search", boom)
    r = c.post("/search", json={"query": "tent"})
    assert r.status_code == 500 and r.json()["error"] == "internal_error"
    assert "secret internals" not in r.text
    _no_traceback(r)


def test_public_names_are_pinned() -> None:
    import assistant.api
    import assistant.ui

    assert sorted(assistant.api.__all__) == ["Limits", "ServeConfigError", "TOKEN_ENV", "UI_PATH", "create_app",
                                             "is_loopback", "required_token", "serve"]
    assert assistant.ui.__all__ == ["build_ui"]


def test_serve_command_is_registered() -> None:
    from assistant.cli import build_parser

    args = build_parser().parse_args(["serve", "--workspace", "W", "--host", "127.0.0.1", "--port", "7861"])
    assert (args.workspace, args.host, args.port) == ("W", "127.0.0.1", 7861) and callable(args.func)


def test_ui_mounts_beside_the_api_and_keeps_the_api_token(service: ShelfwiseService) -> None:
    c = TestClient(create_app(service, token=TOKEN, ui=True))
    assert c.get("/", follow_redirects=False).headers["location"] == "/ui/"
    assert c.get("/ui/").status_code == 200  # the UI asks for the token on its own login form
    assert c.post("/search", json={"query": "tent"}).status_code == 401
