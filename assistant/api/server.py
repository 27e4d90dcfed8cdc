"""``serve``: load a workspace once and run the API + UI with uvicorn."""

from __future__ import annotations

import os
import socket
import sys
from typing import TextIO

from assistant.api.security import Limits, ServeConfigError, configured_token, required_token


def check_port(host: str, port: int) -> None:
    """Fail early, with the fix, when the address cannot be bound."""
    if not 0 < port < 65536:
        raise ServeConfigError(f"port {port} is out of range; use 1-65535 (default 7860)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ServeConfigError(f"cannot listen on {host}:{port} ({exc.strerror}); pass another --port "
                                   "or stop the process using it") from exc


def serve(workspace: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 7860, *,
          llm: str | None = None, limits: Limits | None = None, ui: bool = True,
          out: TextIO = sys.stdout) -> int:
    """Load ``workspace`` (with progress), then serve the API and the UI until interrupted."""
    import uvicorn

    from assistant.api.app import UI_PATH, create_app
    from assistant.service import ShelfwiseService

    token = required_token(host, configured_token())
    limits = limits or Limits.from_env()  # fail on a malformed limit before loading anything
    check_port(host, port)
    service = ShelfwiseService(workspace, llm=llm)
    health = service.load(progress=True)
    for name, comp in health["components"].items():
        if comp["state"] != "loaded":
            print(f"  {name}: {comp['state']} - {comp['detail']}", file=out)
    app = create_app(service, token=token, limits=limits, ui=ui)
    shown = f"[{host}]" if ":" in host else host
    print(f"Shelfwise is up: http://{shown}:{port}{UI_PATH + '/' if ui else '/docs'}  "
          f"(API docs: http://{shown}:{port}/docs; auth: {'bearer token' if token else 'open (loopback)'})",
          file=out, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
