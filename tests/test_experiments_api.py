"""REST endpoints of live experiments on a copy of the small demo workspace: start (linted and
planned), serving through /recommend and /search with impressions and click credit, A/B
enrolment by a stable salted hash, status, stop, list; 422 for bad input or a rule set the
linter rejects (nothing written), 409 for a conflict, 404 for an unknown experiment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api import Limits, create_app
from assistant.service import ShelfwiseService
from recsys_core.strategy.experiments import CONTROL, TREATMENT, assign, enrolled
from tests.app_workspace import workspace_copy

K = 10


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> ShelfwiseService:
    return ShelfwiseService(workspace_copy(tmp_path_factory.mktemp("experiments-api") / "ws"), llm="template")


@pytest.fixture(scope="module")
def client(service: ShelfwiseService) -> TestClient:
    return TestClient(create_app(service, limits=Limits(rate=10_000)))


@pytest.fixture(scope="module")
def users(service: ShelfwiseService) -> list[str]:
    ev = service.shop.events
    return list(dict.fromkeys(ev.loc[ev["user_id"].notna(), "user_id"].astype(str)))[:40]


@pytest.fixture(scope="module")
def brand_rules(service: ShelfwiseService) -> list[dict[str, Any]]:
    """Boost the shop's most common brand x2 (the treatment)."""
    brand = str(service.shop.products["brand"].value_counts().index[0])
    return [{"id": "brand-x2", "action": "boost", "target": {"brands": [brand]}, "multiplier": 2}]


@pytest.fixture
def running(client: TestClient) -> Iterator[list[str]]:
    """Names of the experiments a test starts; any still running is stopped afterwards, so one
    test's experiment never blocks the next test's surfaces."""
    names: list[str] = []
    yield names
    for name in names:
        r = client.get(f"/experiments/{name}")
        if r.status_code == 200 and r.json()["experiment"]["status"] == "running":
            client.post(f"/experiments/{name}/stop")


def start(client: TestClient, running: list[str], **body: Any) -> dict[str, Any]:
    r = client.post("/experiments", json=body)
    assert r.status_code == 200, r.text
    running.append(body["name"])
    out: dict[str, Any] = r.json()
    return out


def record_names(service: ShelfwiseService) -> set[str]:
    return {p.stem for p in service.experiments.store.folder.glob("*.json")}


def test_openapi_lists_the_experiment_endpoints(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/experiments", "/experiments/{name}", "/experiments/{name}/stop"} <= set(schema["paths"])
    assert schema["paths"]["/experiments"]["post"]["tags"] == ["experiments"]
    assert "ExperimentStartRequest" in schema["components"]["schemas"]


def test_interleaving_serves_mixed_lists_and_credits_clicks(
        client: TestClient, service: ShelfwiseService, users: list[str], brand_rules: list[dict[str, Any]],
        running: list[str]) -> None:
    started = start(client, running, name="brand-interleave", rules=brand_rules)  # with the test plan
    e = started["experiment"]
    assert e["method"] == "interleaving" and e["status"] == "running" and e["traffic"] == 1.0
    assert e["rules"] == [{**brand_rules[0], "multiplier": 2.0}]
    assert {"ab_sessions", "cuped_sessions", "interleaving_sessions"} <= set(e["plan"]) and e["note"]
    assert started["planned_sessions"] == e["plan"]["interleaving_sessions"]
    assert started["impressions"] == 0 and started["final"] is False
    assert any(f["rule_id"] == "brand-x2" for f in started["lint"])
    assert not [f for f in started["lint"] if f["severity"] == "error"]

    served = users[:30]
    clicks, first_sides = [], []
    for user in served:
        r = client.post("/recommend", json={"user_id": user, "k": K})
        assert r.status_code == 200, r.text
        out = r.json()
        info = out["experiment"]
        assert info["name"] == "brand-interleave" and info["method"] == "interleaving"
        assert len(info["sides"]) == K == len(out["results"]) and set(info["sides"]) <= {CONTROL, TREATMENT}
        assert [row["side"] for row in out["results"]] == info["sides"]
        assert [row["rank"] for row in out["results"]] == list(range(1, K + 1))
        top = out["results"][0]
        clicks.append({"user_id": user, "item_id": top["item_id"], "type": "click",
                       "impression_id": info["impression_id"]})
        first_sides.append(top["side"])
    assert len({c["impression_id"] for c in clicks}) == len(served)
    r = client.post("/events", json={"events": clicks})
    assert r.status_code == 200 and r.json()["accepted"] == len(served), r.text

    r = client.get("/experiments/brand-interleave")
    assert r.status_code == 200, r.text
    status = r.json()
    assert status["impressions"] == len(served)
    result = status["interleaving"]
    assert result["sessions"] == len(served)
    assert result["treatment_wins"] + result["control_wins"] + result["ties"] == result["sessions"]
    assert result["decided"] == result["treatment_wins"] + result["control_wins"]
    # one click per list, on the top item: the side that put it there wins that session
    assert result["treatment_wins"] == first_sides.count(TREATMENT)
    assert result["control_wins"] == first_sides.count(CONTROL)
    assert result["ci_low"] <= result["preference"] <= result["ci_high"]
    assert status["decision"].startswith("keep running") and "7 days" in status["decision"]
    assert status["final"] is False

    query = str(service.shop.products["title"].iloc[0])
    r = client.post("/search", json={"query": query, "k": 5, "user_id": served[0]})
    assert r.status_code == 200, r.text
    found = r.json()
    assert found["experiment"]["name"] == "brand-interleave"
    assert found["results"] and [row["side"] for row in found["results"]] == found["experiment"]["sides"]
    assert client.get("/experiments/brand-interleave").json()["impressions"] == len(served) + 1

    listed = client.get("/experiments").json()["experiments"]
    assert {"name": "brand-interleave", "method": "interleaving", "status": "running", "traffic_pct": 100.0,
            "rules": 1} == {k: v for k, v in next(x for x in listed if x["name"] == "brand-interleave").items()
                            if k not in ("started_at", "stopped_at")}


def test_ab_enrols_a_share_of_users_and_keeps_their_arm(
        client: TestClient, service: ShelfwiseService, users: list[str], brand_rules: list[dict[str, Any]],
        running: list[str]) -> None:
    started = start(client, running, name="brand-ab", rules=brand_rules, method="ab", traffic=50, plan=False)
    e = started["experiment"]
    assert e["method"] == "ab" and e["traffic"] == 0.5 and e["plan"] is None

    arms: dict[str, str] = {}
    outside = []
    for user in users:
        first, again = (client.post("/recommend", json={"user_id": user, "k": K}).json() for _ in range(2))
        if "experiment" not in first:
            assert "experiment" not in again and all("side" not in row for row in first["results"])
            assert [row["item_id"] for row in first["results"]] == [row["item_id"] for row in again["results"]]
            outside.append(user)
            continue
        sides = first["experiment"]["sides"]
        assert len(set(sides)) == 1 and again["experiment"]["sides"] == sides  # the same arm every time
        assert first["experiment"]["impression_id"] != again["experiment"]["impression_id"]
        arms[user] = sides[0]
    assert arms and outside, "traffic 50%: some of 40 users are enrolled and some are not"
    assert "salt" not in e, "the API must not reveal the salt (it would reveal every user's arm)"
    salt = service.experiments.store.get("brand-ab").salt
    assert set(arms) == {u for u in users if enrolled(salt, u, 0.5)}
    assert all(arm == assign(salt, user) for user, arm in arms.items())

    buyer = next(iter(arms))
    item = client.post("/recommend", json={"user_id": buyer, "k": K}).json()["results"][0]["item_id"]
    assert client.post("/events", json={"events": [{"user_id": buyer, "item_id": item, "type": "purchase"}]}
                       ).status_code == 200
    status = client.get("/experiments/brand-ab").json()
    assert status["impressions"] == 2 * len(arms) + 1
    assert status["users"] == {"control": list(arms.values()).count(CONTROL),
                               "treatment": list(arms.values()).count(TREATMENT)}
    assert 0.0 <= status["srm_p_value"] <= 1.0
    for metric in ("revenue", "clicks"):
        for kind in ("ab", "cuped"):
            m = status["metrics"][metric][kind]
            assert m["users_control"] + m["users_treatment"] == len(arms)
            if m["ci_low"] is not None:  # None: no spread yet (no clicks at all), so no finite interval
                assert m["ci_low"] <= m["difference"] <= m["ci_high"]
    assert status["metrics"]["clicks"]["ab"]["difference"] == 0 and status["metrics"]["clicks"]["ab"]["ci_low"] is None
    assert status["metrics"]["revenue"]["ab"]["ci_low"] is not None
    assert status["metrics"]["revenue"]["ab"]["mean_control"] + status["metrics"]["revenue"]["ab"]["mean_treatment"] > 0
    assert status["decision"].startswith("keep running")


def test_a_second_experiment_on_the_same_surfaces_is_409(
        client: TestClient, service: ShelfwiseService, brand_rules: list[dict[str, Any]],
        running: list[str]) -> None:
    start(client, running, name="first-one", rules=brand_rules, plan=False)
    before = record_names(service)
    r = client.post("/experiments", json={"name": "second-one", "rules": brand_rules, "plan": False})
    assert r.status_code == 409 and r.json()["error"] == "conflict", r.text
    assert "'first-one' is running on the same surfaces" in r.json()["message"]
    assert record_names(service) == before


def test_stop_keeps_the_record_and_ends_enrolment(
        client: TestClient, service: ShelfwiseService, users: list[str], brand_rules: list[dict[str, Any]],
        running: list[str]) -> None:
    start(client, running, name="to-stop", rules=brand_rules, plan=False)
    assert "experiment" in client.post("/recommend", json={"user_id": users[0], "k": K}).json()
    r = client.post("/experiments/to-stop/stop")
    assert r.status_code == 200, r.text
    stopped = r.json()
    assert stopped["experiment"]["status"] == "stopped" and stopped["experiment"]["stopped_at"]
    assert stopped["impressions"] == 1
    again = client.get("/experiments/to-stop").json()
    assert again["experiment"]["status"] == "stopped" and again["impressions"] == 1
    assert again["decision"].startswith("stopped early") and not again["final"]
    assert {"name": "to-stop", "status": "stopped"}.items() <= next(
        x for x in client.get("/experiments").json()["experiments"] if x["name"] == "to-stop").items()
    out = client.post("/recommend", json={"user_id": users[0], "k": K}).json()
    assert "experiment" not in out and all("side" not in row for row in out["results"])
    query = str(service.shop.products["title"].iloc[0])
    out = client.post("/search", json={"query": query, "k": 5, "user_id": users[0]}).json()
    assert "experiment" not in out
    r = client.post("/experiments/to-stop/stop")
    assert r.status_code == 422 and "stopped already" in r.json()["message"]
    r = client.post("/experiments", json={"name": "to-stop", "rules": brand_rules, "plan": False})
    assert r.status_code == 409 and "exists already" in r.json()["message"]


def test_unknown_experiment_is_404(client: TestClient) -> None:
    for r in (client.get("/experiments/never-started"), client.post("/experiments/never-started/stop")):
        assert r.status_code == 404 and r.json()["error"] == "not_found" and "never-started" in r.json()["message"]
    assert client.get("/experiments/Not%20A%20Name").status_code == 422


GOOD = {"name": "bad-input", "rules": [{"id": "r", "action": "boost", "target": {"brands": ["x"]}, "multiplier": 2}],
        "plan": False}
MISSING_PIN = [{"id": "pin-ghost", "action": "pin", "target": {"item_ids": ["NO-SUCH-ITEM"]}, "position": 1}]

BAD_BODIES = [
    ("method", {**GOOD, "method": "bandit"}, "method"),
    ("traffic zero", {**GOOD, "traffic": 0}, "traffic"),
    ("traffic 150", {**GOOD, "traffic": 150}, "traffic"),
    ("traffic text", {**GOOD, "traffic": "50"}, "traffic"),
    ("traffic boolean", {**GOOD, "traffic": True}, "traffic"),
    ("bad name", {**GOOD, "name": "Bad Name!"}, "name"),
    ("long name", {**GOOD, "name": "x" * 41}, "name"),
    ("no name", {k: v for k, v in GOOD.items() if k != "name"}, "name"),
    ("no rules", {**GOOD, "rules": []}, "rules"),
    ("plan not a boolean", {**GOOD, "plan": "yes"}, "plan"),
    ("extra field", {**GOOD, "colour": "red"}, "colour"),
    ("malformed rule", {**GOOD, "rules": [{"id": "r", "action": "boost", "target": {"brands": ["x"]}}]},
     "a boost needs multiplier"),
    ("linter rejects", {**GOOD, "rules": MISSING_PIN},
     "the linter rejects this rule set, so it cannot start an experiment: pin-ghost: pins 'NO-SUCH-ITEM'"),
]


@pytest.mark.parametrize(("case", "payload", "message"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_start_is_422_and_writes_nothing(client: TestClient, service: ShelfwiseService, case: str,
                                             payload: dict[str, Any], message: str) -> None:
    before = record_names(service)
    r = client.post("/experiments", json=payload)
    assert r.status_code == 422 and r.json()["error"] == "bad_input" and message in r.json()["message"], r.text
    assert "Traceback" not in r.text
    assert record_names(service) == before
    name = payload.get("name")
    if isinstance(name, str) and name == GOOD["name"]:
        assert client.get(f"/experiments/{name}").status_code == 404
