"""Bearer-token auth, request-size and rate limits for the service.

Auth rule: a token from ``SHELFWISE_API_TOKEN`` is required whenever the server binds to a
non-loopback address (the server refuses to start without one), and enforced whenever it is
set; loopback without a token may run open.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from recsys_core.errors import ShelfwiseError
from recsys_core.workspace import get_setting, setting

TOKEN_ENV = setting("api_token").env
RATE_ENV = setting("rate_limit").env  # "N/SECONDS", e.g. "600/60"
OPEN_PATHS = frozenset({"/", "/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ServeConfigError(ShelfwiseError):
    """The server's address, token or limits are unsafe or malformed."""


def configured_token() -> str | None:
    """The API token from the settings (``SHELFWISE_API_TOKEN``); None when unset."""
    return get_setting("api_token")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; an unresolvable name counts as public."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def required_token(host: str, token: str | None) -> str | None:
    """The token the server must enforce for ``host`` (None: open); refuses unsafe set-ups."""
    token = (token or "").strip() or None
    if token is not None and len(token) < 16:
        raise ServeConfigError(f"{TOKEN_ENV} is {len(token)} characters long; use at least 16 random characters")
    if token is None and not is_loopback(host):
        raise ServeConfigError(
            f"refusing to serve on {host!r} without a token: set {TOKEN_ENV} (e.g. "
            f"`export {TOKEN_ENV}=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')`) "
            "or bind to 127.0.0.1"
        )
    return token


def token_matches(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


async def _reply(send: Send, status: int, payload: dict[str, Any],
                 headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


@dataclass
class Limits:
    """``max_body_bytes`` per request; ``rate`` requests per ``per_seconds`` per client (token bucket)."""

    max_body_bytes: int = 64 * 1024
    rate: int = 120
    per_seconds: float = 60.0

    @classmethod
    def from_env(cls, value: str | None = None) -> Limits:
        """The defaults, with the rate from ``SHELFWISE_RATE_LIMIT=N/SECONDS`` when set."""
        raw = ((get_setting("rate_limit") or "") if value is None else value).strip()
        if not raw:
            return cls()
        count, _, seconds = raw.partition("/")
        try:
            rate, per = int(count), float(seconds or 60)
        except ValueError:
            rate, per = 0, 0.0
        if rate < 1 or per <= 0:
            raise ServeConfigError(f"{RATE_ENV}={raw!r} is not N/SECONDS with N >= 1 and SECONDS > 0; "
                                   "e.g. 600/60 for 600 requests a minute per client")
        return cls(rate=rate, per_seconds=per)


class TokenBuckets:
    """Per-client token buckets; thread-safe."""

    def __init__(self, rate: int, per_seconds: float):
        self.capacity = float(rate)
        self.refill = rate / per_seconds
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """0 when the request may go ahead, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.refill)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.refill


class GuardMiddleware:
    """ASGI middleware: auth (API paths), body-size limit and rate limit, before any route runs.

    Paths under ``ui_prefix`` are left to the UI's own login; the limits apply to API paths.
    """

    def __init__(self, app: ASGIApp, *, token: str | None, limits: Limits, ui_prefix: str = "/ui"):
        self.app = app
        self.token = token
        self.limits = limits
        self.ui_prefix = ui_prefix
        self.buckets = TokenBuckets(limits.rate, limits.per_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(self.ui_prefix):
            await self.app(scope, receive, send)
            return
        path = str(scope["path"])
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if self.token and path not in OPEN_PATHS and not token_matches(headers.get("authorization"), self.token):
            await _reply(send, 401, {"error": "unauthorized", "message":
                                     "missing or wrong bearer token: send 'Authorization: Bearer <SHELFWISE_API_TOKEN>'"},
                         [(b"www-authenticate", b"Bearer")])
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.buckets.take(str(client))
        if wait > 0:
            await _reply(send, 429, {"error": "rate_limited", "message":
                                     f"too many requests from {client}; retry in {wait:.1f} s "
                                     f"(limit {self.limits.rate} per {self.limits.per_seconds:g} s)"},
                         [(b"retry-after", str(max(1, round(wait))).encode())])
            return
        declared = headers.get("content-length")
        limit = self.limits.max_body_bytes
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _reply(send, 413, {"error": "too_large", "message":
                                     f"request body of {declared} bytes is over the {limit}-byte limit"})
            return
        await self.app(scope, self._capped(receive, limit), send)

    @staticmethod
    def _capped(receive: Receive, limit: int) -> Receive:
        """A receive that stops a chunked body at ``limit`` bytes (no Content-Length to trust)."""
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        return wrapped


class BodyTooLarge(ShelfwiseError):
    def __init__(self, limit: int):
        super().__init__(f"request body is over the {limit}-byte limit")
