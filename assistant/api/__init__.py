"""The REST API over one Shelfwise service (FastAPI)."""

from assistant.api.app import UI_PATH, create_app
from assistant.api.security import TOKEN_ENV, Limits, ServeConfigError, is_loopback, required_token
from assistant.api.server import serve

__all__ = ["TOKEN_ENV", "UI_PATH", "Limits", "ServeConfigError", "create_app", "is_loopback", "required_token", "serve"]
