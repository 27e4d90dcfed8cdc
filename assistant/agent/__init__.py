"""The grounded assistant: a router over the tool registry, tools returning facts from the
workspace service, exact answer templates, and LLM wording checked by a grounding guard."""

from assistant.agent.assistant import Answer, Assistant
from assistant.agent.guard import GuardReport, check_answer, strip_instructions
from assistant.agent.lexicon import Lexicon
from assistant.agent.memory import SessionMemory
from assistant.agent.router import Route, intents, route
from assistant.agent.slots import Slots, extract_slots
from assistant.agent.tools import (
    DECLINE,
    Tool,
    ToolResult,
    get_tool,
    langchain_tools,
    registered_tools,
    render,
)

__all__ = [
    "DECLINE",
    "Answer",
    "Assistant",
    "GuardReport",
    "Lexicon",
    "Route",
    "SessionMemory",
    "Slots",
    "Tool",
    "ToolResult",
    "check_answer",
    "extract_slots",
    "get_tool",
    "intents",
    "langchain_tools",
    "render",
    "route",
    "strip_instructions",
    "registered_tools",
]
