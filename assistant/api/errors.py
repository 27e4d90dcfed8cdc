"""Library errors → JSON responses with a status code and a message; never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from recsys_core.errors import ShelfwiseError

log = logging.getLogger("shelfwise.api")


def status_of(exc: ShelfwiseError) -> int:
    """The HTTP status for a library error: which side has to act, and how."""
    from assistant.api.security import BodyTooLarge
    from assistant.service import NotBuiltError
    from recsys_core.errors import ArtifactError, NotFittedError, StoreError, UnknownIdError

    names = {cls.__name__ for cls in type(exc).__mro__}
    if isinstance(exc, UnknownIdError):
        return 404
    if isinstance(exc, BodyTooLarge):
        return 413
    if "RulesStoreError" in names:  # locked by another writer: retry
        return 409
    if "ExperimentConflictError" in names:  # name taken, or another experiment runs on the surface
        return 409
    unavailable = ("IndexNotBuiltError", "StoreConnectionError", "LLMUnavailableError")
    if isinstance(exc, NotBuiltError | StoreError | ArtifactError | NotFittedError) or names & set(unavailable):
        return 503
    return 422


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts  # "body" alone: the whole body is wrong
    return ".".join(parts)


def validation_message(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    """One line naming the first bad field and its value, plus every problem."""
    problems = []
    for e in exc.errors():
        item = {"field": _field(tuple(e.get("loc", ()))), "problem": str(e.get("msg", "invalid"))}
        if "input" in e and not isinstance(e["input"], dict | list):
            item["value"] = repr(e["input"])[:80]
        problems.append(item)
    first = problems[0] if problems else {"field": "body", "problem": "invalid request"}
    value = f" (got {first['value']})" if "value" in first else ""
    more = f"; and {len(problems) - 1} more" if len(problems) > 1 else ""
    return f"{first['field']}: {first['problem']}{value}{more}", problems


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ShelfwiseError)
    async def _library(request: Request, exc: ShelfwiseError) -> JSONResponse:
        from recsys_core.errors import UnknownIdError

        status = status_of(exc)
        kind = {404: "not_found", 409: "conflict", 413: "too_large", 503: "not_available"}.get(status, "bad_input")
        body: dict[str, Any] = {"error": kind, "message": str(exc)}
        if isinstance(exc, UnknownIdError):  # "did you mean": the nearest known ids, nearest first
            body["closest"] = list(exc.closest)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, problems = validation_message(exc)
        return JSONResponse({"error": "bad_input", "message": message, "problems": problems}, status_code=422)

    @app.exception_handler(ValidationError)
    async def _engine_invalid(request: Request, exc: ValidationError) -> JSONResponse:
        # an engine's own pydantic model rejected a value the request passed through
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
        where = ".".join(str(p) for p in first.get("loc", ())) or exc.title
        return JSONResponse({"error": "bad_input", "message": f"{where}: {first['msg']}"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, ShelfwiseError):  # FastAPI turns a body-read error into a 400
            return await _library(request, exc.__cause__)
        return JSONResponse({"error": "http_error", "message": str(exc.detail)}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal_error", "message":
                             f"internal error ({type(exc).__name__}); the server log has the details"},
                            status_code=500)
