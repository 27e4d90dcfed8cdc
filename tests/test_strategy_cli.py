"""CLI: whatif, propose, rules lint/save/show/history, segments on a demo workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main
from recsys_core.data import save_store
from tests.strategy_demo import demo_shop


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("strategy") / "ws"
    shop, _ = demo_shop()
    save_store(ws, shop)
    return ws


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - {id: boost-toys, action: boost, multiplier: 1.5, target: {categories: [toys]}}\n"
        "  - {id: pin-ghost, action: pin, position: 1, target: {item_ids: [NOPE]}}\n",
        encoding="utf-8")
    return path


def test_whatif_prints_the_report(workspace: Path, rules_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "w.json"
    assert main(["whatif", str(rules_file), "--workspace", str(workspace), "--boot", "200", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "pin-missing-item" in text and "95% interval" in text and "revenue" in text
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["lists_changed"] > 0 and {m["metric"] for m in report["metrics"]} >= {"clicks", "margin", "ndcg"}


def test_rules_commands(workspace: Path, rules_file: Path, capsys) -> None:
    assert main(["rules", "lint", str(rules_file), "-w", str(workspace)]) == 1  # an error finding
    assert main(["rules", "save", str(rules_file), "-w", str(workspace), "-m", "first"]) == 0
    assert main(["rules", "history", "-w", str(workspace)]) == 0
    assert main(["rules", "show", "-w", str(workspace), "--version", "1"]) == 0
    text = capsys.readouterr().out
    assert "v1" in text and "boost-toys" in text
    assert main(["rules", "show", "-w", str(workspace), "--version", "42"]) == 2
    assert "version 42 not found" in capsys.readouterr().err


def test_bad_rules_file_is_one_clear_line(workspace: Path, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - {id: x, action: boost, multiplier: 2, target: {brands: [A]}, colour: red}\n", encoding="utf-8")
    assert main(["whatif", str(bad), "--workspace", str(workspace)]) == 2
    err = capsys.readouterr().err
    assert "colour" in err and "Traceback" not in err


def test_propose(workspace: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "p.json"
    assert main(["propose", "-w", str(workspace), "--max-per-kind", "1", "--boot", "100", "--json", str(out)]) == 0
    proposals = json.loads(out.read_text(encoding="utf-8"))
    kinds = {p["kind"] for p in proposals}
    assert {"boost rising", "bundle", "segment"} <= kinds
    proposed = [p for p in proposals if p["status"] == "proposed"]
    declined = [p for p in proposals if p["status"] != "proposed"]
    assert proposals == proposed + declined, "the replay's no's come after the proposals"
    values = [p["expected_value"] for p in proposed]
    assert values == sorted(values, reverse=True)
    assert all(p["impact"]["margin"]["ci_high"] < 0 for p in declined)
    assert all(p["impact"]["margin"]["ci_high"] >= 0 for p in proposed)
    for p in proposals:
        assert p["rules"]
        plan = p["test_plan"]
        assert {"ab_sessions", "cuped_sessions", "interleaving_sessions", "days"} <= set(plan)
        for method in ("ab", "cuped", "interleaving"):
            n = plan[f"{method}_sessions"]
            assert n is None or (n > 0 and plan["days"][method] >= 7)  # never under a full week
        if plan["ab_sessions"] is not None:
            assert plan["cuped_sessions"] <= plan["ab_sessions"]  # CUPED never needs more
        assert p["impact"]["margin"]["ci_low"] <= p["impact"]["margin"]["delta"] <= p["impact"]["margin"]["ci_high"]
    bundles = [p for p in proposals if p["kind"] == "bundle"]
    pairs = [frozenset((p["figures"]["item_a"], p["figures"]["item_b"])) for p in bundles]
    assert len(pairs) == len(set(pairs)), "a pair and its mirror image are one proposal"
    for p in bundles:
        f = p["figures"]
        assert f["baskets_together"] >= 3 and f["lift_ci95"][0] <= f["lift"] <= f["lift_ci95"][1]
        assert min(1.0, f["raw_lift"]) - 0.1 <= f["lift"] <= max(1.0, f["raw_lift"]) + 0.1  # shrunk towards 1
    printed = capsys.readouterr().out
    assert "sessions A/B | CUPED | interleaving" in printed and "test: A/B on revenue" in printed
