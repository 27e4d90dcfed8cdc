"""Strategy lab endpoints: the scenarios, one scenario's public brief, a play with its debrief,
and a learner's progress. Each calls ``service.lab``; a ``LabError`` (bad action, impossible
interval, not a number) answers 422 before anything is written, an unknown scenario or learner
404, and a workspace without a generated library 503."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Path, Request

from assistant.api.models import LabPlayRequest
from assistant.jsonable import plain

if TYPE_CHECKING:
    from assistant.lab import Lab

router = APIRouter(prefix="/lab", tags=["lab"])

# ASCII letters and digits only ("s05", "S5", "5"); the lab reads the number in the id
ScenarioId = Path(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9]+$", description="s05, S5 or 5")
LearnerName = Path(min_length=1, max_length=40, description="1-40 letters, digits, spaces, '.', '-' or '_'")


def lab_of(request: Request) -> Lab:
    lab: Lab = request.app.state.service.lab
    return lab


@router.get("/scenarios", summary="The scenario library: id, kind, title, decision date, goal, number of actions")
def list_scenarios(request: Request) -> dict[str, Any]:
    return {"scenarios": plain(lab_of(request).scenarios())}


@router.get("/scenarios/{scenario_id}", summary="One scenario as a learner sees it: cited brief, question, "
            "actions (never the answer key)")
def get_scenario(request: Request, scenario_id: str = ScenarioId) -> dict[str, Any]:
    found: dict[str, Any] = plain(lab_of(request).scenario(scenario_id))
    return found


@router.post("/scenarios/{scenario_id}/play", summary="Play a scenario: score the choice and prediction "
             "against the replayed outcome, save it to the learner's progress, and debrief it")
def play_scenario(body: LabPlayRequest, request: Request, scenario_id: str = ScenarioId) -> dict[str, Any]:
    result = lab_of(request).play(scenario_id, learner=body.learner, action=body.action, predict=body.predict,
                                  low=body.low, high=body.high)
    played: dict[str, Any] = plain(result)
    return played


@router.get("/learners/{name}", summary="A learner's progress: choice accuracy, calibration, strengths and "
            "weaknesses by scenario kind, history")
def learner_progress(request: Request, name: str = LearnerName) -> dict[str, Any]:
    summary: dict[str, Any] = plain(lab_of(request).progress(name))
    return summary
