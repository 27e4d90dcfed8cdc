"""Settings read from the environment: one registry, one environment variable per setting.

Code that needs a setting calls :func:`get_setting` (never ``os.environ`` for a Shelfwise
variable), so every setting is listed here, documented in the README's "Settings" table (a test
keeps the two equal) and shown by ``shelfwise info``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One setting: its name, its one environment variable, default and meaning."""

    name: str
    env: str
    default: str | None
    description: str
    secret: bool = False  # shown as set/unset only, never its value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "workspace", "SHELFWISE_WORKSPACE", "./shelfwise-workspace",
        "workspace folder of every command (`--workspace` overrides it)",
    ),
    Setting(
        "llm", "SHELFWISE_LLM", "smollm",
        "the assistant's LLM: `smollm`, `gemma`, `hf:PATH`, `openai:URL#MODEL` or `template` (`--llm` overrides it)",
    ),
    Setting(
        "chroma_url", "SHELFWISE_CHROMA_URL", None,
        "a Chroma server to index into and search (unset: the embedded store in `W/index/chroma`)",
    ),
    Setting(
        "api_token", "SHELFWISE_API_TOKEN", None,
        "bearer token the REST API and app require; needed to serve off loopback",
        secret=True,
    ),
    Setting(
        "rate_limit", "SHELFWISE_RATE_LIMIT", "120/60",
        "API requests per client, as `N/SECONDS`",
    ),
    Setting(
        "cache_dir", "SHELFWISE_CACHE_DIR", "~/.cache/shelfwise",
        "caches shared by runs: text embeddings in `embeddings/`, converted LLM weights in `llm/`",
    ),
    Setting(
        "search_encoder", "SHELFWISE_SEARCH_ENCODER", "minilm-int8",
        "text encoder of the product index and search queries: `minilm-int8` (ONNX Runtime, int8) or `minilm` "
        "(torch, fp32); a workspace's adapted encoder is used at the same precision",
    ),
    Setting(
        "exact_dense_max", "SHELFWISE_EXACT_DENSE_MAX", "200000",
        "product search ranks meaning over the in-memory vectors exactly up to this many products (faster than "
        "the HNSW index and never misses one); a bigger catalogue asks Chroma's HNSW index (`0`: always HNSW)",
    ),
    Setting(
        "currency", "SHELFWISE_CURRENCY", "$",
        "the shop's currency on money in the app and the assistant's answers: a symbol written before the "
        "amount (`$`, `€`, `£`) or a three-letter code written after it (`EUR`)",
    ),
    Setting(
        "openai_api_key", "OPENAI_API_KEY", None,
        "API key sent to an `openai:` LLM server",
        secret=True,
    ),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """The registry entry called ``name``; a typo names the known settings."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown setting {name!r}; known: {', '.join(_BY_NAME)}") from None


def get_setting(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value of setting ``name``: its environment variable when set and not blank, else its
    default (None when it has none)."""
    entry = setting(name)
    env = os.environ if environ is None else environ
    raw = env.get(entry.env, "")
    return raw if raw.strip() else entry.default


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """The shared cache folder (``SHELFWISE_CACHE_DIR``), ``~`` expanded."""
    return Path(str(get_setting("cache_dir", environ))).expanduser()


def effective_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Every setting's value now: ``{name: {"value", "source", "env"}}``, ``source`` being
    ``"env"``, ``"default"`` or ``"option"`` (a command-line ``overrides`` entry). Secrets show
    ``"set"``/``"unset"`` instead of their value."""
    env = os.environ if environ is None else environ
    out: dict[str, dict[str, Any]] = {}
    for entry in SETTINGS:
        raw = env.get(entry.env, "")
        if overrides and overrides.get(entry.name) is not None:
            value: str | None = overrides[entry.name]
            source = "option"
        elif raw.strip():
            value, source = raw, "env"
        else:
            value, source = entry.default, "default"
        if entry.secret:
            value = "set" if value else "unset"
        out[entry.name] = {"value": value, "source": source, "env": entry.env}
    return out


def format_settings(effective: Mapping[str, Mapping[str, Any]]) -> str:
    """``shelfwise info``'s settings block: one line per setting, value and where it came from."""
    width = max(len(v["env"]) for v in effective.values())
    lines = ["Settings"]
    for values in effective.values():
        shown = "(none)" if values["value"] is None else values["value"]
        lines.append(f"  {values['env']:<{width}}  {shown}  [{values['source']}]")
    return "\n".join(lines)


def settings_markdown() -> str:
    """The README's settings table."""
    rows = [
        "| setting | environment variable | default | what it does |",
        "|---|---|---|---|",
    ]
    for s in SETTINGS:
        default = "(unset)" if s.default is None else f"`{s.default}`"
        rows.append(f"| `{s.name}` | `{s.env}` | {default} | {s.description} |")
    return "\n".join(rows)
