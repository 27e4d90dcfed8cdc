"""Settings: one registry, one environment variable each, all in the README, shown by ``info``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.cli import main
from recsys_core.workspace import SETTINGS, effective_settings, get_setting, settings_markdown
from tests.conftest import tiny_tables, write_tables

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^\| `([a-z_]+)` \| `([A-Z_]+)` \| (.+?) \| .+ \|$")


def readme_settings(text: str) -> list[tuple[str, str, str]]:
    """(setting, variable, default) rows of the README's "Settings" table."""
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return [m.groups() for line in section.splitlines() if (m := ROW.match(line))]  # type: ignore[misc]


def registry_rows() -> list[tuple[str, str, str]]:
    return [(s.name, s.env, "(unset)" if s.default is None else f"`{s.default}`") for s in SETTINGS]


def test_readme_lists_exactly_the_registry() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_settings(readme) == registry_rows(), "paste settings_markdown() into the README"
    assert settings_markdown() in readme


def test_the_readme_check_can_fail() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = "\n".join(line for line in readme.splitlines() if "`SHELFWISE_RATE_LIMIT`" not in line)
    assert readme_settings(missing) != registry_rows()


def test_one_variable_per_setting() -> None:
    envs = [s.env for s in SETTINGS]
    names = [s.name for s in SETTINGS]
    assert len(set(envs)) == len(envs) and len(set(names)) == len(names)


def test_no_other_shelfwise_variables_in_the_packages() -> None:
    """SHELFWISE_CACHE and SHELFWISE_EMBED_CACHE are gone: every SHELFWISE_* name the code
    mentions is a registered setting."""
    known = {s.env for s in SETTINGS}
    stray = set()
    for package in ("recsys_core", "retrieval", "assistant"):
        for path in (ROOT / package).rglob("*.py"):
            for name in re.findall(r"\bSHELFWISE_[A-Z_]+\b", path.read_text(encoding="utf-8")):
                if name not in known:
                    stray.add(f"{path.relative_to(ROOT)}: {name}")
    assert stray == set()


def test_env_wins_blank_means_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELFWISE_RATE_LIMIT", "5/1")
    monkeypatch.setenv("SHELFWISE_LLM", "  ")
    assert get_setting("rate_limit") == "5/1" and get_setting("llm") == "smollm"
    with pytest.raises(KeyError, match="known: workspace"):
        get_setting("rate")


def test_one_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.llm.config import default_cache_dir as llm_cache
    from recsys_core.models.embeddings import default_cache_dir as embedding_cache

    monkeypatch.setenv("SHELFWISE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("SHELFWISE_CACHE", "/elsewhere")  # the old variables are not read
    monkeypatch.setenv("SHELFWISE_EMBED_CACHE", "/elsewhere")
    assert embedding_cache() == tmp_path / "embeddings" and llm_cache() == tmp_path / "llm"


def test_secrets_show_set_or_unset_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELFWISE_API_TOKEN", "s3cret-token-value-123")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    shown = effective_settings()
    assert shown["api_token"] == {"value": "set", "source": "env", "env": "SHELFWISE_API_TOKEN"}
    assert shown["openai_api_key"]["value"] == "unset"
    assert "s3cret" not in json.dumps(shown)


def test_info_prints_the_effective_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    assert main(["ingest", str(write_tables(tmp_path / "in", tiny_tables())), "--workspace", ws]) == 0
    monkeypatch.setenv("SHELFWISE_LLM", "template")
    monkeypatch.setenv("SHELFWISE_API_TOKEN", "s3cret-token-value-123")
    monkeypatch.delenv("SHELFWISE_RATE_LIMIT", raising=False)
    capsys.readouterr()
    assert main(["info", "--workspace", ws]) == 0
    out = capsys.readouterr().out
    assert out.index("Shop store version") < out.index("Settings")
    assert re.search(r"SHELFWISE_LLM +template +\[env\]", out)
    assert re.search(r"SHELFWISE_RATE_LIMIT +120/60 +\[default\]", out)
    assert re.search(r"SHELFWISE_API_TOKEN +set +\[env\]", out) and "s3cret" not in out
    assert main(["info", "--workspace", ws, "--json"]) == 0
    settings = json.loads(capsys.readouterr().out)["settings"]
    assert set(settings) == {s.name for s in SETTINGS}
    assert settings["workspace"] == {"value": ws, "source": "option", "env": "SHELFWISE_WORKSPACE"}
    assert settings["llm"]["source"] == "env"
