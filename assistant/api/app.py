"""The FastAPI app factory: API routes, error mapping, auth and limits, optional Gradio UI."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from assistant.api.errors import install_error_handlers
from assistant.api.experiment_routes import router as experiment_router
from assistant.api.lab_routes import router as lab_router
from assistant.api.routes import router
from assistant.api.security import GuardMiddleware, Limits
from assistant.api.strategy_routes import router as strategy_router
from assistant.merchandising import Merchandising
from assistant.service import ShelfwiseService

UI_PATH = "/ui"


def create_app(service: ShelfwiseService, *, token: str | None = None, limits: Limits | None = None,
               ui: bool = False) -> FastAPI:
    """The service's HTTP app. ``token`` (if any) is enforced on every API path but /health and
    the docs; ``ui`` mounts the Gradio app at /ui (its login then takes the same token)."""
    app = FastAPI(
        title="Shelfwise",
        version="0.1.0",
        description="Search, recommendations, explanations, what-if, the strategy lab and a grounded assistant "
        "over one shop workspace. Send `Authorization: Bearer <SHELFWISE_API_TOKEN>` when the "
        "server requires a token.",
    )
    app.state.service = service
    app.state.merchandising = Merchandising(service)
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(strategy_router)
    app.include_router(lab_router)
    app.include_router(experiment_router)
    if ui:
        _mount_ui(app, service, token)
    app.add_middleware(GuardMiddleware, token=token, limits=limits or Limits(), ui_prefix=UI_PATH)
    return app


def _mount_ui(app: FastAPI, service: ShelfwiseService, token: str | None) -> None:
    import gradio as gr

    from assistant.ui import build_ui
    from assistant.ui.app import CSS

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(UI_PATH + "/")

    kwargs: dict[str, Any] = {}
    if token:
        import hmac

        def login(_user: str, password: str) -> bool:
            return hmac.compare_digest(password.encode(), token.encode())

        kwargs.update(auth=login, auth_message="Password: the server's SHELFWISE_API_TOKEN")
    gr.mount_gradio_app(app, build_ui(service, app.state.merchandising), path=UI_PATH, css=CSS, **kwargs)
