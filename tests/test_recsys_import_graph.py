"""Imports among recsys_core.models modules run one way: the module graph has no cycle.

Every import counts, including those inside functions and under ``if TYPE_CHECKING``: a lazy
import hides a cycle from Python at import time, not from the reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "recsys_core.models"
FOLDER = ROOT / "recsys_core" / "models"


def _module(path: Path) -> str:
    return PACKAGE if path.stem == "__init__" else f"{PACKAGE}.{path.stem}"


def imports_of(source: str, modules: set[str], *, package: str = PACKAGE) -> set[str]:
    """The modules of ``modules`` that ``source`` (a module of ``package``) imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x / from .x import y
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            # "from pkg import mod" imports the module mod; "from pkg import Name" imports pkg
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                     for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:  # import pkg.mod.sub -> the deepest known module
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None when the graph is acyclic."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def models_graph() -> dict[str, set[str]]:
    paths = sorted(FOLDER.glob("*.py"))
    modules = {_module(p) for p in paths}
    return {_module(p): imports_of(p.read_text(encoding="utf-8"), modules) - {_module(p)} for p in paths}


def test_models_import_graph_is_acyclic():
    assert find_cycle(models_graph()) is None


def test_sequence_network_imports_run_one_way():
    graph = models_graph()
    assert f"{PACKAGE}.training" in graph[f"{PACKAGE}.sequence"]
    assert f"{PACKAGE}.sequence_net" in graph[f"{PACKAGE}.training"]
    assert not graph[f"{PACKAGE}.sequence_net"] & {f"{PACKAGE}.sequence", f"{PACKAGE}.training"}


# the checks above must be able to fail -----------------------------------------------------
def test_find_cycle_reports_a_cycle_and_accepts_a_dag():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.parametrize("source", [
    "def f():\n    from recsys_core.models.b import thing\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import recsys_core.models.b\n",
    "from recsys_core.models import b\n",
    "from . import b\n",
    "from .b import thing\n",
])
def test_imports_are_found_wherever_they_are(source):
    modules = {PACKAGE, f"{PACKAGE}.a", f"{PACKAGE}.b"}
    assert imports_of(source, modules) == {f"{PACKAGE}.b"}


def test_importing_a_name_from_the_package_is_an_edge_to_its_init():
    modules = {PACKAGE, f"{PACKAGE}.b"}
    assert imports_of("from recsys_core.models import Interactions\nimport numpy\n", modules) == {PACKAGE}
    graph = {PACKAGE: {f"{PACKAGE}.b"}, f"{PACKAGE}.b": imports_of("from recsys_core.models import X\n", modules)}
    assert find_cycle(graph) == [PACKAGE, f"{PACKAGE}.b", PACKAGE]
