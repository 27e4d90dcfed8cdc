"""Live experiment endpoints: start one (linted, optionally planned), list them, read one's
figures and decision, stop one. Each calls ``service.experiments``; bad input or a rule set the
linter rejects answers 422 before anything is written, a taken name or a busy surface 409, and
an unknown experiment 404. Serving goes through /recommend and /search as usual."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Path, Request

from assistant.api.models import ExperimentStartRequest
from assistant.jsonable import plain

if TYPE_CHECKING:
    from assistant.experiments import Experiments

router = APIRouter(prefix="/experiments", tags=["experiments"])

ExperimentName = Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                      description="1-40 letters (kept in lower case), digits, '-' or '_'")


def experiments_of(request: Request) -> Experiments:
    found: Experiments = request.app.state.service.experiments
    return found


@router.post("", summary="Start an experiment: the rules are the treatment, the live rule set the control "
             "(interleaving or A/B on a share of users); returns its status, lint findings and test plan")
def start_experiment(body: ExperimentStartRequest, request: Request) -> dict[str, Any]:
    started: dict[str, Any] = plain(experiments_of(request).start(
        body.name, body.rules, method=body.method, traffic=body.traffic, plan=body.plan))
    return started


@router.get("", summary="Every experiment of the workspace, running and stopped")
def list_experiments(request: Request) -> dict[str, Any]:
    return {"experiments": plain(experiments_of(request).list())}


@router.get("/{name}", summary="An experiment's figures so far (with 95% intervals) and the decision")
def experiment_status(request: Request, name: str = ExperimentName) -> dict[str, Any]:
    status: dict[str, Any] = plain(experiments_of(request).status(name))
    return status


@router.post("/{name}/stop", summary="Stop serving an experiment; its record and result stay readable")
def stop_experiment(request: Request, name: str = ExperimentName) -> dict[str, Any]:
    status: dict[str, Any] = plain(experiments_of(request).stop(name))
    return status
