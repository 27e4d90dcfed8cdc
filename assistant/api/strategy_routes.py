"""Rules (CRUD + linter), what-if and insight endpoints over the strategy engine."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from assistant.api.models import RuleSetIn, WhatIfRequest
from assistant.jsonable import plain
from assistant.merchandising import Merchandising

router = APIRouter(tags=["strategy"])


def merchandising_of(request: Request) -> Merchandising:
    found: Merchandising = request.app.state.merchandising
    return found


@router.get("/rules", summary="The live rule set, its linter findings and recent versions")
def list_rules(request: Request) -> dict[str, Any]:
    desk = merchandising_of(request)
    return plain(desk.describe(desk.rules()))


@router.get("/rules/{rule_id}", summary="One live rule")
def get_rule(rule_id: str, request: Request) -> dict[str, Any]:
    from recsys_core.errors import UnknownIdError

    for rule in merchandising_of(request).rules().rules:
        if rule.id == rule_id:
            return rule.model_dump(mode="json", exclude_defaults=True)
    raise UnknownIdError("rule", rule_id, "the live rule set")


@router.put("/rules", summary="Replace the whole rule set (validated, then linted and versioned)")
def put_rules(body: RuleSetIn, request: Request) -> dict[str, Any]:
    desk = merchandising_of(request)
    return plain(desk.save(desk.parse(body.rules, "rules"), body.message))


@router.post("/rules", summary="Add or replace one rule by its id")
def post_rule(rule: dict[str, Any], request: Request) -> dict[str, Any]:
    return plain(merchandising_of(request).upsert(rule))


@router.delete("/rules/{rule_id}", summary="Delete one rule (a new version without it)")
def delete_rule(rule_id: str, request: Request) -> dict[str, Any]:
    return plain(merchandising_of(request).delete(rule_id))


@router.post("/rules/lint", summary="Lint a proposed rule set without saving it")
def lint_rules(body: RuleSetIn, request: Request) -> dict[str, Any]:
    desk = merchandising_of(request)
    return {"lint": desk.lint(desk.parse(body.rules, "rules"))}


@router.post("/rules/diff", summary="What saving a proposed rule set would add, change and remove")
def diff_rules(body: RuleSetIn, request: Request) -> dict[str, Any]:
    desk = merchandising_of(request)
    return plain(desk.diff(desk.parse(body.rules, "rules")))


class RestoreIn(BaseModel):
    """Body of POST /rules/restore: the saved version to make live again."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, description="a version from GET /rules 'history'")
    message: str = Field(default="", max_length=500)


@router.post("/rules/restore", summary="Save a past version again as the new live version")
def restore_rules(body: RestoreIn, request: Request) -> dict[str, Any]:
    return plain(merchandising_of(request).restore(body.version, body.message))


@router.post("/whatif", summary="Before/after ranking and the replay estimate for proposed rules")
def whatif(body: WhatIfRequest, request: Request) -> dict[str, Any]:
    desk = merchandising_of(request)
    ruleset = desk.parse(body.rules, "rules")
    out: dict[str, Any] = {"lint": desk.lint(ruleset)}
    if body.user_id is not None or body.query is not None:
        out["ranking"] = desk.ranking_with_rules(ruleset, user_id=body.user_id, query=body.query, k=body.k)
    out["replay"] = desk.replay(ruleset, body.weights.model_dump() if body.weights else None)
    return plain(out)


@router.get("/insights", summary="Proactive insight cards with figures and a what-if action each")
def insights(request: Request) -> dict[str, Any]:
    return plain(merchandising_of(request).insights())
