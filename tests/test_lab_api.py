"""REST endpoints of the strategy lab on a copy of the small demo workspace: the scenarios, one
public brief, a play with its debrief, a learner's progress; 404 for unknown ids, 422 for bad
input (nothing written), 503 before a library is generated, and the token guard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api import Limits, create_app
from assistant.service import ShelfwiseService
from recsys_core.strategy.lab.progress import LearnerStore
from tests.app_workspace import workspace_copy

TOKEN = "test-token-0123456789abcdef"
LEARNER = "api-learner"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> ShelfwiseService:
    svc = ShelfwiseService(workspace_copy(tmp_path_factory.mktemp("lab-api") / "ws"), llm="template")
    svc.lab.generate(seed=0)
    return svc


@pytest.fixture(scope="module")
def client(service: ShelfwiseService) -> TestClient:
    return TestClient(create_app(service, limits=Limits(rate=10_000)))


def body(**change: Any) -> dict[str, Any]:
    return {"learner": LEARNER, "action": "A", "predict": 1, "low": -1, "high": 3, **change}


def lab_files(service: ShelfwiseService) -> dict[str, bytes]:
    return {p.relative_to(service.layout.lab_dir).as_posix(): p.read_bytes()
            for p in service.layout.lab_dir.rglob("*") if p.is_file()}


def test_openapi_lists_the_lab_endpoints(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/lab/scenarios", "/lab/scenarios/{scenario_id}", "/lab/scenarios/{scenario_id}/play",
            "/lab/learners/{name}"} <= set(schema["paths"])
    assert "LabPlayRequest" in schema["components"]["schemas"]


def test_scenarios_list_every_scenario(client: TestClient, service: ShelfwiseService) -> None:
    r = client.get("/lab/scenarios")
    rows = r.json()["scenarios"]
    assert r.status_code == 200 and [row["id"] for row in rows] == [s.id for s in service.lab.library().scenarios]
    assert set(rows[0]) == {"id", "kind", "title", "decision_date", "goal", "actions"}


def test_one_scenario_is_the_public_brief_without_the_key(client: TestClient) -> None:
    got = [client.get(f"/lab/scenarios/{sid}") for sid in ("s05", "S5", "5")]
    assert all(r.status_code == 200 for r in got) and got[0].json() == got[1].json() == got[2].json()
    s = got[0].json()
    assert s["id"] == "s05" and s["brief"] and all({"id", "text", "value", "source"} == set(f) for f in s["brief"])
    assert not {"key", "truth", "pointers"} & set(s) and not any("trap" in a for a in s["actions"])
    assert {"id", "label", "rules", "evidence", "direction"} <= set(s["actions"][0])


def test_unknown_scenario_is_404_and_a_malformed_id_422(client: TestClient) -> None:
    r = client.get("/lab/scenarios/s99")
    assert r.status_code == 404 and r.json()["error"] == "not_found" and "s99" in r.json()["message"]
    assert client.get("/lab/scenarios/nope").status_code == 404
    assert client.post("/lab/scenarios/s99/play", json=body()).status_code == 404
    assert client.get("/lab/scenarios/\u00b2").status_code == 422  # a digit int() cannot read


def test_play_scores_saves_and_debriefs(client: TestClient, service: ShelfwiseService) -> None:
    r = client.post("/lab/scenarios/S5/play", json=body(action="b"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert set(out) == {"play", "debrief", "text", "progress"}
    assert out["play"]["scenario"] == "s05" and out["play"]["action"] == "B" and out["progress"]["played"] == 1
    assert out["text"].startswith("You chose B ") and out["debrief"]["chosen"]["id"] == "B"
    r = client.post("/lab/scenarios/s02/play", json=body(predict="-0.5%", low="-2", high=" 1 % "))
    assert r.status_code == 200, r.text
    play = r.json()["play"]
    assert (play["predict_pct"], play["low_pct"], play["high_pct"]) == (-0.5, -2.0, 1.0)
    assert len(LearnerStore(service.layout.lab_dir / "learners").plays(LEARNER)) == 2


def test_learner_progress(client: TestClient) -> None:
    client.post("/lab/scenarios/s01/play", json=body(learner="progress-reader"))
    r = client.get("/lab/learners/progress-reader")
    assert r.status_code == 200 and r.json()["learner"] == "progress-reader" and r.json()["played"] == 1
    r = client.get("/lab/learners/never-played")
    assert r.status_code == 404 and "no plays yet" in r.json()["message"]
    assert client.get("/lab/learners/bad$name").status_code == 422


BAD_BODIES = [
    ("unknown action", body(action="z"), "has no action 'z'"),
    ("low above high", body(low=3, high=1), "the low (3%) is above the high (1%)"),
    ("not a number", body(predict="abc"), "'abc' is not a number"),
    ("prediction outside", body(predict=5), "lies outside your interval"),
    ("bad learner", body(learner="../x"), "not a usable name"),
    ("boolean", body(predict=True), "predict"),
    ("null", body(high=None), "high"),
    ("missing field", {k: v for k, v in body().items() if k != "low"}, "low"),
    ("extra field", body(colour="red"), "colour"),
]


@pytest.mark.parametrize(("case", "payload", "message"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_play_is_422_and_writes_nothing(client: TestClient, service: ShelfwiseService, case: str,
                                            payload: dict[str, Any], message: str) -> None:
    before = lab_files(service)
    r = client.post("/lab/scenarios/s05/play", json=payload)
    assert r.status_code == 422 and r.json()["error"] == "bad_input" and message in r.json()["message"], r.text
    assert "Traceback" not in r.text
    assert lab_files(service) == before


def test_before_generate_the_lab_is_503(tmp_path: Path) -> None:
    c = TestClient(create_app(ShelfwiseService(tmp_path, llm="template"), limits=Limits(rate=10_000)))
    for r in (c.get("/lab/scenarios"), c.get("/lab/scenarios/s01"),
              c.post("/lab/scenarios/s01/play", json=body())):
        assert r.status_code == 503 and r.json()["error"] == "not_available"
        assert "shelfwise lab generate" in r.json()["message"]
    assert not (tmp_path / "lab").exists()


def test_token_is_enforced_on_the_lab(service: ShelfwiseService) -> None:
    c = TestClient(create_app(service, token=TOKEN))
    assert c.get("/lab/scenarios").status_code == 401
    assert c.post("/lab/scenarios/s05/play", json=body(learner="no-token")).status_code == 401
    assert not LearnerStore(service.layout.lab_dir / "learners").path("no-token").exists()
    ok = c.get("/lab/scenarios", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.json()["scenarios"]
