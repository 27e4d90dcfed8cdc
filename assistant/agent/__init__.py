"""The grounded assistant: deterministic routing, tools returning facts, LLM wording checked by a guard."""

from assistant.agent.assistant import Answer, Assistant
from assistant.agent.compose import DECLINE, render_template
from assistant.agent.guard import GuardReport, check_answer, strip_instructions
from assistant.agent.intents import INTENTS, Route, route
from assistant.agent.kb import KnowledgeBase
from assistant.agent.lexicon import Lexicon
from assistant.agent.memory import SessionMemory
from assistant.agent.results import ToolResult
from assistant.agent.services import ShopServices
from assistant.agent.slots import Slots, extract_slots
from assistant.agent.tools import TOOL_FUNCTIONS, build_tools

__all__ = [
    "DECLINE",
    "INTENTS",
    "TOOL_FUNCTIONS",
    "Answer",
    "Assistant",
    "GuardReport",
    "KnowledgeBase",
    "Lexicon",
    "Route",
    "SessionMemory",
    "ShopServices",
    "Slots",
    "ToolResult",
    "build_tools",
    "check_answer",
    "extract_slots",
    "render_template",
    "route",
    "strip_instructions",
]
