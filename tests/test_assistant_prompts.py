"""Prompt files are validated at load; a missing variable fails with its name."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.prompts import PromptError, load_prompt, prompt_files, shipped_prompts

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_prompts_are_the_top_level_prompt_files() -> None:
    # the editable install reads the checkout's prompts/ through the same package the wheel ships
    assert Path(str(prompt_files())).resolve() == ROOT / "prompts"
    assert shipped_prompts() == sorted(p.stem for p in (ROOT / "prompts").glob("*.yaml"))
    assert "answer" in shipped_prompts()


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "prompts").glob("*.yaml")))
def test_shipped_prompts_load(name: str) -> None:
    prompt = load_prompt(name)
    assert prompt.version >= 1 and prompt.variables


def test_render_fills_and_names_missing() -> None:
    prompt = load_prompt("answer")
    system, user = prompt.render(question="Q?", facts="price 5")
    assert "price 5" in user and "Q?" in user and system
    with pytest.raises(PromptError, match="facts"):
        prompt.render(question="Q?")
    with pytest.raises(PromptError, match="colour"):
        prompt.render(question="Q?", facts="x", colour="red")


def _write(folder: Path, text: str) -> None:
    (folder / "p.yaml").write_text(text, encoding="utf-8")


def test_invalid_files_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "version: 1\nvariables: [a]\nsystem: s\ntemplate: '{a} {b}'\n")
    with pytest.raises(PromptError, match="b"):
        load_prompt("p", tmp_path)
    _write(tmp_path, "version: 1\nvariables: [a]\nsystem: s\ntemplate: '{a}'\nextra: 1\n")
    with pytest.raises(PromptError, match="extra"):
        load_prompt("p", tmp_path)
    _write(tmp_path, "version: 1\nvariables: [a, z]\nsystem: s\ntemplate: '{a}'\n")
    with pytest.raises(PromptError, match="z"):
        load_prompt("p", tmp_path)
    with pytest.raises(PromptError, match="not found"):
        load_prompt("missing", tmp_path)


def test_examples_become_earlier_turns(tmp_path) -> None:
    from assistant.prompts import chat_messages, load_prompt

    (tmp_path / "p.yaml").write_text(
        "version: 1\nvariables: [q]\nsystem: be brief\ntemplate: 'Q: {q}'\n"
        "examples:\n  - {user: 'Q: {not a placeholder}', assistant: 'A.'}\n", encoding="utf-8")
    turns = chat_messages(load_prompt("p", tmp_path), q="hi")
    assert [t.type for t in turns] == ["system", "human", "ai", "human"]
    assert turns[1].content == "Q: {not a placeholder}" and turns[-1].content == "Q: hi"
    shipped = load_prompt("answer")
    assert shipped.examples and "{facts}" in shipped.template
