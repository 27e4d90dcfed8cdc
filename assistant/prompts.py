"""Prompt files: ``prompts/NAME.yaml`` with system, template, variables and version, validated at load.

A template uses ``{name}`` placeholders. Loading checks that the placeholders and the declared
variables are the same set; rendering fails naming any missing variable.

The shipped files are package data: the repository's top-level ``prompts/`` folder is installed
as the package ``PROMPTS_PACKAGE`` (setup.py), and ``prompt_files()`` finds it through
importlib.resources; in a checkout with an editable install that is ``prompts/`` itself, in an
installed wheel ``site-packages/assistant/prompt_files/``.
"""

from __future__ import annotations

import string
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from recsys_core.errors import ShelfwiseError

PROMPTS_PACKAGE = "assistant.prompt_files"


class PromptError(ShelfwiseError):
    """A prompt file is missing or invalid, or a render lacks a variable."""


def _placeholders(text: str) -> set[str]:
    """Names of ``{name}`` fields. Only plain ``{name}`` is allowed: positional, dotted, indexed,
    converted (``!r``) or formatted (``:>5``) fields would fail or alter values at render time."""
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise ValueError(f"placeholder {shown} is not a plain {{name}}; use a variable name, "
                             "or double the braces ({{ }}) for literal text")
        names.add(name)
    return names


class PromptExample(BaseModel):
    """A worked example shown to the model as an earlier turn (literal text, no placeholders)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user: str = Field(min_length=1)
    assistant: str = Field(min_length=1)


class Prompt(BaseModel):
    """One prompt: a system message, optional worked examples, and a user-message template
    with declared variables."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: int = Field(ge=1)
    system: str
    template: str
    variables: tuple[str, ...]
    examples: tuple[PromptExample, ...] = ()

    @model_validator(mode="after")
    def _declared_match_used(self) -> Prompt:
        used = _placeholders(self.system) | _placeholders(self.template)
        declared = set(self.variables)
        if used - declared:
            raise ValueError(f"placeholders not declared in variables: {sorted(used - declared)}")
        if declared - used:
            raise ValueError(f"declared variables never used: {sorted(declared - used)}")
        return self

    def render(self, **values: object) -> tuple[str, str]:
        """(system, user) texts with every declared variable filled; unknown names are rejected.

        Values are PII-redacted (emails, phones, street addresses, card numbers) on the way in:
        whatever a user typed or a tool returned, personal data never reaches the model."""
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise PromptError(f"prompt {self.name!r} v{self.version} is missing variable(s): {', '.join(missing)}")
        extra = sorted(set(values) - set(self.variables))
        if extra:
            raise PromptError(f"prompt {self.name!r} got unknown variable(s): {', '.join(extra)}")
        from recsys_core.privacy.redact import redact

        clean = {k: redact(v) if isinstance(v, str) else v for k, v in values.items()}
        return self.system.format(**clean), self.template.format(**clean)


def chat_messages(prompt: Prompt, **values: object) -> list[Any]:
    """The rendered prompt as LangChain messages: system, each example as a user/assistant turn, user."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    system, user = prompt.render(**values)
    turns: list[Any] = [SystemMessage(system)]
    for example in prompt.examples:
        turns += [HumanMessage(example.user), AIMessage(example.assistant)]
    return turns + [HumanMessage(user)]


def prompt_files() -> Traversable:
    """The folder of shipped prompt files, wherever the package is installed."""
    return resources.files(PROMPTS_PACKAGE)


def shipped_prompts() -> list[str]:
    """Names of the shipped prompts (their file names without ``.yaml``), sorted."""
    return sorted(f.name.removesuffix(".yaml") for f in prompt_files().iterdir()
                  if f.is_file() and f.name.endswith(".yaml"))


def load_prompt(name: str, folder: Path | Traversable | None = None) -> Prompt:
    """Load and validate ``<name>.yaml`` from ``folder`` (default: the shipped prompts)."""
    path = (folder if folder is not None else prompt_files()) / f"{name}.yaml"
    if not path.is_file():
        raise PromptError(f"prompt file {path} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PromptError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or "name" in data:
        raise PromptError(f"{path} must hold a mapping with system, template, variables, version "
                          "(the file name is the prompt's name)")
    try:
        return Prompt.model_validate({**data, "name": name})
    except ValidationError as exc:
        raise PromptError(f"{path} is invalid: {exc}") from exc
