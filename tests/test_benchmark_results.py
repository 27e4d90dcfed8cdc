"""Benchmark results: scripts write W/reports/benchmarks/NAME.json, the Data & models tab reads
that folder of the workspace it serves, and never a results folder in the working directory."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.ui.data import models_markdown
from benchmarks.results import RESULTS_DIR, write_result
from recsys_core.workspace import Workspace


def test_write_result_goes_to_out_and_the_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "W"
    out = tmp_path / "elsewhere" / "load.json"
    written = write_result("load", {"errors": 0, "p50_ms": 1.5}, workspace=workspace, out=out)
    assert written == [out, workspace / "reports" / "benchmarks" / "load.json"]
    assert all(json.loads(p.read_text(encoding="utf-8")) == {"errors": 0, "p50_ms": 1.5} for p in written)
    assert sorted(p.name for p in (workspace / "reports" / "benchmarks").iterdir()) == ["load.json"]


def test_write_result_defaults_to_the_checkout_folder_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("benchmarks.results.RESULTS_DIR", tmp_path / "results")
    assert write_result("assistant-template", {"n": 1}) == [tmp_path / "results" / "assistant-template.json"]
    assert RESULTS_DIR.name == "results" and RESULTS_DIR.parent.name == "benchmarks"


@pytest.mark.parametrize("name", ["", "load.json", "../load", "a/b", ".hidden"])
def test_write_result_rejects_bad_names(name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bad result name"):
        write_result(name, {}, out=tmp_path / "x.json")


def test_writer_and_tab_agree_on_the_folder(tmp_path: Path) -> None:
    assert Workspace(tmp_path).benchmark_reports_dir == tmp_path / "reports" / "benchmarks"


def test_tab_lists_the_workspace_results_not_the_working_directory(tmp_path: Path, monkeypatch) -> None:
    cwd = tmp_path / "cwd"
    (cwd / "benchmarks" / "results").mkdir(parents=True)
    (cwd / "benchmarks" / "results" / "stray.json").write_text('{"ndcg": 0.9}', encoding="utf-8")
    monkeypatch.chdir(cwd)
    service = SimpleNamespace(workspace=tmp_path / "W")
    assert "Benchmark results" not in models_markdown(service)  # type: ignore[arg-type]

    write_result("recsys", {"ndcg_at_10": 0.25, "rows": []}, workspace=service.workspace,
                 out=tmp_path / "out.json")
    shown = models_markdown(service)  # type: ignore[arg-type]
    assert "`recsys.json`: ndcg_at_10 0.25" in shown and "stray" not in shown
