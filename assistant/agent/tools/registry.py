"""The tool registry: each tool is declared once, and the router, the LangChain tools and the
answer composer all read that declaration.

A :class:`Tool` holds its name, description, argument schema, function, answer template and
the example phrasings the intent classifier learns it from (``phrasings/<name>.txt`` for the
built-ins: dozens per tool, English and Chinese, terse to chatty, some misspelt). Built-in tools are the modules of this package, each
calling :func:`register`; a plug-in registers the same way from a module named in the
``shelfwise.tools`` entry-point group. Adding a tool is one new module and nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from assistant.agent.tools.result import ToolResult
from recsys_core.errors import ShelfwiseError, UnknownIdError

if TYPE_CHECKING:
    from assistant.agent.slots import Slots
    from assistant.service import ShelfwiseService

ENTRY_POINTS = "shelfwise.tools"


@dataclass
class Plan:
    """A tool call with its arguments, or the question the user must answer first."""

    tool: str | None
    args: dict[str, Any] = field(default_factory=dict)
    ask: str | None = None


def _always(slots: Slots, text: str) -> bool:
    return True


def _never(slots: Slots, text: str) -> str | None:
    return None


@dataclass(frozen=True)
class Tool:
    """One assistant tool, declared once.

    - ``run(service, **args) -> ToolResult``: structured facts from the service (never prose);
    - ``template(facts) -> str``: the exact answer text (every figure from the facts);
    - ``plan(slots, question, default_user) -> Plan``: arguments from a parsed question, or a
      clarifying question when a required one is missing;
    - ``examples``: phrasings of questions this tool answers, the intent classifier's training
      data (:mod:`assistant.agent.intent`);
    - ``accepts(slots, text)``: whether the slots allow this tool at all (a simulation needs a
      change to simulate); ``hand_over(slots, text)`` may name a better-suited tool from the
      slots (two items named: compare);
    - ``label``: what the tool answers, in a few words, for a clarifying question's options.
    """

    name: str
    description: str
    args: type[BaseModel]
    run: Callable[..., ToolResult]
    template: Callable[[dict[str, Any]], str]
    plan: Callable[[Slots, str, str | None], Plan]
    examples: tuple[str, ...] = ()
    label: str = ""
    accepts: Callable[[Slots, str], bool] = _always
    hand_over: Callable[[Slots, str], str | None] = _never
    structured: bool = False  # a list or table: answered by the template alone, never re-worded
    decline: Callable[[dict[str, Any]], str] | None = None  # a declined result's own words (else render.DECLINE)

    def call(self, service: ShelfwiseService, args: dict[str, Any]) -> ToolResult:
        """Validate ``args`` against the schema and run; a library error becomes the result's error."""
        from pydantic import ValidationError

        try:
            clean = self.args.model_validate(args).model_dump(exclude_none=True)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "arguments"
            return ToolResult(self.name, dict(args), {}, error=f"{where}: {first['msg']}")
        try:
            return self.run(service, **clean)
        except UnknownIdError as exc:  # "U0017 is not a customer of this shop": the answer itself
            facts = ({"unknown_id": str(exc.value), "id_kind": exc.kind, "closest": list(exc.closest)}
                     if exc.kind in ("user", "item") and exc.value is not None else {})
            return ToolResult(self.name, clean, facts, error=str(exc))
        except ShelfwiseError as exc:
            return ToolResult(self.name, clean, {}, error=str(exc))


TOOLS: dict[str, Tool] = {}
PHRASINGS = Path(__file__).with_name("phrasings")
CHIT_CHAT_INTENT = "chit_chat"


def phrasings(name: str, folder: Path = PHRASINGS) -> tuple[str, ...]:
    """The example phrasings in ``folder/<name>.txt``: one per line, ``#`` lines are comments."""
    path = folder / f"{name}.txt"
    if not path.exists():
        raise ShelfwiseError(f"no example phrasings for {name!r}: {path} is missing")
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(dict.fromkeys(line for line in lines if line and not line.startswith("#")))


def example_bank() -> dict[str, tuple[str, ...]]:
    """Intent -> example phrasings: every registered tool's, and chit-chat's."""
    bank = {name: tool.examples for name, tool in registered_tools().items() if tool.examples}
    bank[CHIT_CHAT_INTENT] = phrasings(CHIT_CHAT_INTENT)
    return bank


def register(tool: Tool) -> Tool:
    """Add a tool (built-ins and plug-ins alike); a second tool with the same name is an error."""
    if tool.name in TOOLS and TOOLS[tool.name] is not tool:
        raise ShelfwiseError(f"a tool named {tool.name!r} is already registered")
    TOOLS[tool.name] = tool
    return tool


_loaded = False


def registered_tools() -> dict[str, Tool]:
    """Every registered tool by name (built-ins and plug-ins loaded on first use)."""
    global _loaded
    if not _loaded:
        package = importlib.import_module("assistant.agent.tools")

        for info in pkgutil.iter_modules(package.__path__):
            if info.name not in ("registry", "result", "render"):
                importlib.import_module(f"{package.__name__}.{info.name}")
        from importlib.metadata import entry_points

        for ep in entry_points(group=ENTRY_POINTS):
            ep.load()
        _loaded = True
    return dict(sorted(TOOLS.items()))


def get_tool(name: str) -> Tool:
    found = TOOLS.get(name) if _loaded else registered_tools().get(name)
    if found is None:
        raise ShelfwiseError(f"unknown tool {name!r}; registered: {', '.join(registered_tools())}")
    return found


def langchain_tools(service: ShelfwiseService) -> list[Any]:
    """The registered tools as LangChain ``StructuredTool``s bound to ``service`` (a
    tool-calling model calls the very same code; each returns its ToolResult as a dict)."""
    from langchain_core.tools import StructuredTool

    out = []
    for tool in registered_tools().values():
        def call(_tool: Tool = tool, **kwargs: Any) -> dict[str, Any]:
            return _tool.call(service, kwargs).to_dict()

        out.append(StructuredTool.from_function(func=call, name=tool.name, description=tool.description,
                                                args_schema=tool.args))
    return out
