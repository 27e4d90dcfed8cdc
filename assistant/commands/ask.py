"""``shelfwise ask "…"``: one grounded answer from the workspace's assistant."""

from __future__ import annotations

import argparse
import json
import sys

from assistant.cli import add_workspace_argument

JSON_KEYS = ("answer", "intent", "tool_calls", "facts", "citations", "declined")


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.service import ShelfwiseService

    service = ShelfwiseService(args.workspace, llm=args.llm)
    assistant = service.assistant
    if service.llm_note.startswith("LLM unavailable"):
        print(service.llm_note, file=sys.stderr)
    assistant.tool_calling = args.tool_calling
    answer = assistant.ask(args.question, user=args.user, session=args.session)
    if args.json:
        data = answer.to_dict()
        out = {k: data[k] for k in JSON_KEYS}
        out.update(source=data["source"], guard=data["guard"], seconds=data["seconds"])
        print(json.dumps(out, indent=2, default=str, ensure_ascii=False))
    else:
        print(answer.answer)
        if answer.citations:
            print("sources: " + ", ".join(answer.citations))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("ask", help="ask the grounded assistant a question about the shop")
    p.add_argument("question", help='e.g. "why is P00042 ranked first for user 17?"')
    add_workspace_argument(p)
    p.add_argument("--user", help="the user id questions refer to when they name none")
    p.add_argument("--session", default="default", help="conversation id; follow-ups reuse its context")
    p.add_argument("--json", action="store_true", help="print one JSON object (answer, intent, tool_calls, facts, citations, declined)")
    p.add_argument("--llm", help="backend: smollm (default), gemma, hf:PATH, openai:URL#MODEL or template (default: $SHELFWISE_LLM)")
    p.add_argument("--tool-calling", action="store_true", help="let a backend with tool calling pick the tool")
    p.set_defaults(func=cmd_ask)
