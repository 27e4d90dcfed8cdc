"""The data CLI: subcommands listed, one-line errors with exit code != 0, info summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assistant.cli import main
from tests.conftest import tiny_tables, write_tables

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_help_lists_subcommands() -> None:
    out = run_cli("--help")
    assert out.returncode == 0
    for command in ("demo-data", "ingest", "info", "demo"):
        assert command in out.stdout


def test_bad_input_is_one_line_without_traceback(tmp_path: Path) -> None:
    tables = tiny_tables()
    tables["products"] = tables["products"].assign(price=["1", "-3", "1", "1"])
    folder = write_tables(tmp_path / "bad", tables)
    out = run_cli("ingest", str(folder), "--workspace", str(tmp_path / "ws"))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    error_lines = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert error_lines == [
        "error: products.csv, row 2, column 'price', value '-3.0': negative value (use --repair to drop/fix bad rows)"
    ]
    debug = run_cli("--debug", "ingest", str(folder), "--workspace", str(tmp_path / "ws"))
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_ingest_then_info(tmp_path: Path, capsys) -> None:
    folder = write_tables(tmp_path / "in", tiny_tables())
    ws = str(tmp_path / "ws")
    assert main(["ingest", str(folder), "--workspace", ws, "--report", str(tmp_path / "q.md")]) == 0
    assert "Data-quality report" in (tmp_path / "q.md").read_text()
    capsys.readouterr()
    assert main(["info", "--workspace", ws, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"]["products"] == 4
    assert summary["date_range"] == ["2026-02-01", "2026-02-10"]
    assert summary["out_of_stock_items"] == 1
    assert summary["purchase_revenue"] == 120 + 160 + 30 + 37.5


def test_info_without_store_says_what_to_do(tmp_path: Path, capsys) -> None:
    assert main(["info", "--workspace", str(tmp_path / "empty")]) == 2
    assert "run 'shelfwise ingest DIR" in capsys.readouterr().err


def test_workspace_from_environment(tmp_path: Path, monkeypatch, capsys) -> None:
    folder = write_tables(tmp_path / "in", tiny_tables())
    monkeypatch.setenv("SHELFWISE_WORKSPACE", str(tmp_path / "envws"))
    assert main(["ingest", str(folder)]) == 0
    assert (tmp_path / "envws" / "store" / "CURRENT").exists()


SMALL = ["--products", "300", "--users", "200", "--events", "20000"]


def test_demo_data_then_ingest(tmp_path: Path, capsys) -> None:
    out = tmp_path / "demo"
    assert main(["demo-data", "--seed", "3", str(out), *SMALL]) == 0
    assert {p.name for p in out.iterdir()} >= {
        "products.csv",
        "events.parquet",
        "ground_truth.json",
    }
    assert main(["ingest", str(out), "--workspace", str(tmp_path / "ws")]) == 0
    assert "products 300" in capsys.readouterr().out


def test_demo_runs_and_a_second_run_reuses_everything(tmp_path: Path, capsys) -> None:
    ws = str(tmp_path / "ws")
    assert main(["demo", "--workspace", ws, "--no-serve", *SMALL]) == 0
    first = capsys.readouterr().out
    assert "generating the demo shop" in first and "products 300" in first
    assert main(["demo", "--workspace", ws, "--no-serve", *SMALL]) == 0
    second = capsys.readouterr().out
    assert "already generated" in second and "store already holds the demo shop" in second
