"""Prompt files: ``prompts/NAME.yaml`` with system, template, variables and version, validated at load.

A template uses ``{name}`` placeholders. Loading checks that the placeholders and the declared
variables are the same set; rendering fails naming any missing variable.
"""

from __future__ import annotations

import string
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from recsys_core.errors import ShelfwiseError

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"


class PromptError(ShelfwiseError):
    """A prompt file is missing or invalid, or a render lacks a variable."""


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Prompt(BaseModel):
    """One prompt: a system message and a user-message template with declared variables."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: int = Field(ge=1)
    system: str
    template: str
    variables: tuple[str, ...]

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
        """(system, user) texts with every declared variable filled; unknown names are rejected."""
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise PromptError(f"prompt {self.name!r} v{self.version} is missing variable(s): {', '.join(missing)}")
        extra = sorted(set(values) - set(self.variables))
        if extra:
            raise PromptError(f"prompt {self.name!r} got unknown variable(s): {', '.join(extra)}")
        return self.system.format(**values), self.template.format(**values)


def load_prompt(name: str, folder: Path | None = None) -> Prompt:
    """Load and validate ``prompts/<name>.yaml``."""
    path = (folder or PROMPTS_DIR) / f"{name}.yaml"
    if not path.exists():
        raise PromptError(f"prompt file {path} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PromptError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PromptError(f"{path} must hold a mapping with system, template, variables, version")
    try:
        return Prompt(name=name, **data)
    except ValidationError as exc:
        raise PromptError(f"{path} is invalid: {exc}") from exc
