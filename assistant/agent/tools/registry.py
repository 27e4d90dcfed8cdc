"""The tool registry: each tool is declared once, and the router, the LangChain tools and the
answer composer all read that declaration.

A :class:`Tool` holds its name, description, argument schema, function, answer template,
example phrasings and routing cues. Built-in tools are the modules of this package, each
calling :func:`register`; a plug-in registers the same way from a module named in the
``shelfwise.tools`` entry-point group. Adding a tool is one new module and nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from assistant.agent.tools.result import ToolResult
from recsys_core.errors import ShelfwiseError

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
    - ``patterns`` (regular expressions) and ``priority`` (lower is tried first): the router's
      cues; ``accepts(slots, text)`` says whether the slots allow this tool at all and
      ``hand_over(slots, text)`` may name a better-suited tool;
    - ``examples``: phrasings that must route here (tested).
    """

    name: str
    description: str
    args: type[BaseModel]
    run: Callable[..., ToolResult]
    template: Callable[[dict[str, Any]], str]
    plan: Callable[[Slots, str, str | None], Plan]
    patterns: tuple[str, ...] = ()
    priority: int = 100
    examples: tuple[str, ...] = ()
    accepts: Callable[[Slots, str], bool] = _always
    hand_over: Callable[[Slots, str], str | None] = _never
    structured: bool = False  # a list or table: answered by the template alone, never re-worded

    def matches(self, text: str) -> bool:
        return any(rx.search(text) for rx in _compiled(self))

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
        except ShelfwiseError as exc:
            return ToolResult(self.name, clean, {}, error=str(exc))


_PATTERNS: dict[str, list[re.Pattern[str]]] = {}
TOOLS: dict[str, Tool] = {}


def _compiled(tool: Tool) -> list[re.Pattern[str]]:
    if tool.name not in _PATTERNS:
        _PATTERNS[tool.name] = [re.compile(p, re.I) for p in tool.patterns]
    return _PATTERNS[tool.name]


def register(tool: Tool) -> Tool:
    """Add a tool (built-ins and plug-ins alike); a second tool with the same name is an error."""
    if tool.name in TOOLS and TOOLS[tool.name] is not tool:
        raise ShelfwiseError(f"a tool named {tool.name!r} is already registered")
    TOOLS[tool.name] = tool
    _PATTERNS.pop(tool.name, None)
    return tool


_loaded = False


def registered_tools() -> dict[str, Tool]:
    """Every registered tool by name, in routing order (built-ins and plug-ins loaded on first use)."""
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
    return dict(sorted(TOOLS.items(), key=lambda kv: (kv[1].priority, kv[0])))


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
