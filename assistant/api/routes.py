"""Ranking, assistant and event endpoints: each parses a request model and calls the service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from assistant.api.models import (
    AskRequest,
    CompareRequest,
    EventsRequest,
    ExplainRequest,
    RecommendRequest,
    SearchRequest,
)
from assistant.jsonable import plain
from assistant.service import ShelfwiseService

router = APIRouter()


def service_of(request: Request) -> ShelfwiseService:
    svc: ShelfwiseService = request.app.state.service
    return svc


def _title(svc: ShelfwiseService, item_id: str) -> str:
    products = svc.products
    return str(products.at[item_id, "title"]) if item_id in products.index else ""


@router.get("/health", tags=["service"], summary="What is loaded, and the store version")
def health(request: Request) -> dict[str, Any]:
    return plain(service_of(request).health())


@router.post("/search", tags=["ranking"], summary="Hybrid product search as shown (live rules applied); "
             "explain=true adds the stage trace and the score's parts")
def search(body: SearchRequest, request: Request) -> dict[str, Any]:
    svc = service_of(request)
    filters = None
    if body.filters is not None:
        from retrieval import SearchFilters

        f = body.filters
        filters = SearchFilters(price_min=f.price_min, price_max=f.price_max, categories=tuple(f.categories),
                                brands=tuple(f.brands), in_stock=f.in_stock)
    hits, experiment = svc.serve_search(body.query, k=body.k, filters=filters, explain=body.explain,
                                        user_id=body.user_id)
    out: dict[str, Any] = {"query": body.query, "mode": svc.search_mode, "results": _sided(plain(hits), experiment)}
    if experiment is not None:
        out["experiment"] = experiment
    if svc.search_note:  # a damaged or unreachable index is never a silent downgrade
        out["note"] = svc.search_note
    return out


@router.post("/recommend", tags=["ranking"], summary="A user's top-k as shown (live rules applied), each score "
             "split into parts that sum to it; an unknown user_id is a 404 naming the closest ids, unless "
             "new_visitor=true")
def recommend(body: RecommendRequest, request: Request) -> dict[str, Any]:
    svc = service_of(request)
    recs, experiment = svc.serve_recommend(body.user_id, k=body.k, filters=body.filters(), new_visitor=body.new_visitor)
    note = svc.new_visitor_note(body.user_id) if body.new_visitor else None  # a 404 came first when not asked
    rows = _sided([{**plain(r), "title": _title(svc, r.item_id)} for r in recs], experiment)
    out: dict[str, Any] = {"user_id": body.user_id, "k": body.k, "filters": body.filters(),
                           "new_visitor": note is not None, "results": rows}
    if note is not None:  # not a customer: the list is the generic one, and the response says so
        out["note"] = note
    if experiment is not None:  # the list came from a running experiment: say which side gave each item
        out["experiment"] = experiment
    return out


def _sided(rows: list[dict[str, Any]], experiment: dict[str, Any] | None) -> list[dict[str, Any]]:
    if experiment is None:
        return rows
    return [{**row, "side": side} for row, side in zip(rows, experiment["sides"], strict=True)]


@router.post("/explain", tags=["ranking"], summary="Why an item is where it is shown, for a user or a query")
def explain(body: ExplainRequest, request: Request) -> dict[str, Any]:
    svc = service_of(request)
    if body.user_id is not None:
        placed = svc.explain(body.user_id, body.item_id)
        return {"kind": "recommendation", "user_id": body.user_id, **plain(placed), "title": _title(svc, body.item_id)}
    assert body.query is not None  # the model guarantees one of the two
    placed = svc.explain_query(body.query, body.item_id)
    return {"kind": "search", "query": body.query, **plain(placed), "title": _title(svc, body.item_id),
            "found": placed.rank is not None}


@router.post("/compare", tags=["ranking"], summary="Why item a is above or below item b on the shown ranking "
             "(score parts for a user, pipeline stages for a query)")
def compare(body: CompareRequest, request: Request) -> dict[str, Any]:
    svc = service_of(request)
    kind = "search" if body.query is not None else "recommendation"
    return {"kind": kind, **plain(svc.compare(body.a, body.b, user_id=body.user_id, query=body.query))}


@router.post("/ask", tags=["assistant"], summary="Ask the grounded assistant; stream=1 streams the text")
def ask(body: AskRequest, request: Request, stream: bool = False) -> Any:
    svc = service_of(request)
    if stream:
        pieces = iter(svc.stream(body.question, user=body.user_id, session=body.session))
        first = next(pieces, "")  # errors surface here, before the 200 status is sent

        def chunks() -> Iterator[str]:
            yield first
            yield from pieces

        return StreamingResponse(chunks(), media_type="text/plain; charset=utf-8")
    answer = svc.ask(body.question, user=body.user_id, session=body.session, intent=body.intent)
    return plain(answer)


@router.post("/events", tags=["events"], summary="Append live events; the next /recommend reflects them")
def events(body: EventsRequest, request: Request) -> dict[str, Any]:
    rows = [e.model_dump(mode="json") for e in body.events]
    return service_of(request).add_events(rows)
