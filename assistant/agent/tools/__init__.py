"""The assistant's tools: one module per tool, each declared once in the registry.

Every tool returns structured facts from the workspace service (never prose) and carries its
own answer template, argument schema and the example phrasings the intent classifier learns.
"""

from assistant.agent.tools.registry import (
           Plan,
           Tool,
           example_bank,
           get_tool,
           langchain_tools,
           phrasings,
           register,
           registered_tools,
)
from assistant.agent.tools.render import CHIT_CHAT, DECLINE, UNKNOWN, render
from assistant.agent.tools.result import ToolResult

__all__ = ["CHIT_CHAT", "DECLINE", "UNKNOWN", "Plan", "Tool", "ToolResult", "example_bank", "get_tool", "langchain_tools",
           "phrasings", "register", "registered_tools", "render"]
