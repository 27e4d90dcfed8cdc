"""``shelfwise serve``: the API and the Gradio app over one workspace."""

from __future__ import annotations

import argparse

from assistant.cli import add_workspace_argument


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "serve",
        help="serve the REST API and the web app over a workspace",
        description="Load the workspace's store, models and indexes once, then serve the REST API "
        "(/docs) and the web app (/ui). Binding to a non-loopback address needs SHELFWISE_API_TOKEN.",
    )
    add_workspace_argument(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--llm", default=None, help="LLM backend spec (default: $SHELFWISE_LLM or smollm; "
                   "'template' for no model)")
    p.add_argument("--no-ui", action="store_true", help="serve the REST API only")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from assistant.api.server import serve

    return serve(args.workspace, args.host, args.port, llm=args.llm, ui=not args.no_ui)
