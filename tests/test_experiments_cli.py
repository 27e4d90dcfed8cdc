"""``shelfwise experiment``: start -> status (text and JSON) -> list -> stop on a copy of the small
demo workspace, an A/B summary with its sample-ratio check, and bad input (a missing or
malformed rules file, a bad traffic, an unknown or stopped experiment) that prints one line on
stderr, exits 2 and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.service import ShelfwiseService
from recsys_core.strategy.experiments import ExperimentStore
from tests.app_workspace import workspace_copy


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return workspace_copy(tmp_path_factory.mktemp("experiments-cli") / "ws")


@pytest.fixture(scope="module")
def rules_file(ws: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Boost the shop's most common brand x2, as a JSON rules file."""
    brand = str(ShelfwiseService(ws, llm="template").shop.products["brand"].value_counts().index[0])
    path = tmp_path_factory.mktemp("rules") / "brand.json"
    path.write_text(json.dumps({"rules": [{"id": "brand-x2", "action": "boost", "target": {"brands": [brand]},
                                           "multiplier": 2}]}), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def records(ws: Path) -> set[str]:
    return {e.name for e in ExperimentStore(ws).all()}


def one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and all(n in err for n in needles), err


def test_start_status_list_stop(ws: Path, rules_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, err = run(capsys, "experiment", "start", "cli-brand", "-w", str(ws), "--rules", str(rules_file),
                          "--no-plan")
    assert code == 0, err
    assert "info: brand-x2: changes the top 10 of" in text and "[effect]" in text
    assert "test plan: none (started with --no-plan)" in text
    assert "experiment cli-brand: interleaving, running, 100% of users, 1 rule(s)" in text
    assert "decision: keep running: 0.0 of at least 7 days" in text

    code, text, _ = run(capsys, "experiment", "status", "cli-brand", "-w", str(ws), "--json")
    status = json.loads(text)
    assert code == 0 and status["experiment"]["name"] == "cli-brand" and status["experiment"]["status"] == "running"
    assert status["impressions"] == 0 and status["interleaving"]["sessions"] == 0 and status["final"] is False

    # serve a few lists (as /recommend does) so the summary has figures
    service = ShelfwiseService(ws, llm="template")
    ev = service.shop.events
    users = list(dict.fromkeys(ev.loc[ev["user_id"].notna(), "user_id"].astype(str)))[:5]
    for user in users:
        shown, info = service.serve_recommend(user, k=10)
        assert info is not None and info["name"] == "cli-brand"
        service.add_events([{"user_id": user, "item_id": shown[0].item_id, "type": "click",
                             "impression_id": info["impression_id"]}])

    code, text, _ = run(capsys, "experiment", "status", "cli-brand", "-w", str(ws))
    assert code == 0
    assert "impressions: 5" in text and "sessions 5: treatment won " in text
    assert "preference for the treatment " in text and "95% CI [" in text
    assert text.strip().splitlines()[-1].startswith("decision: keep running")

    code, text, _ = run(capsys, "experiment", "list", "-w", str(ws), "--json")
    rows = json.loads(text)
    assert code == 0 and {"name": "cli-brand", "method": "interleaving", "status": "running",
                          "traffic_pct": 100.0, "rules": 1}.items() <= rows[0].items()
    code, text, _ = run(capsys, "experiment", "list", "-w", str(ws))
    assert code == 0 and text.splitlines()[0].split()[:5] == ["name", "method", "status", "traffic", "rules"]
    assert any(line.startswith("cli-brand ") and " running " in line for line in text.splitlines())

    code, text, err = run(capsys, "experiment", "stop", "cli-brand", "-w", str(ws))
    assert code == 0, err
    assert "interleaving, stopped, " in text and "impressions: 5" in text and "record and events are kept" in text
    code, text, _ = run(capsys, "experiment", "status", "cli-brand", "-w", str(ws), "--json")
    assert code == 0 and json.loads(text)["experiment"]["status"] == "stopped"
    assert json.loads(text)["impressions"] == 5

    code, _, err = run(capsys, "experiment", "stop", "cli-brand", "-w", str(ws))
    one_line_error(code, err, "'cli-brand' was stopped already")
    code, _, err = run(capsys, "experiment", "start", "cli-brand", "-w", str(ws), "--rules", str(rules_file),
                       "--no-plan")
    one_line_error(code, err, "'cli-brand' exists already")


def test_ab_with_the_plan(ws: Path, rules_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, err = run(capsys, "experiment", "start", "cli-ab", "-w", str(ws), "--rules", str(rules_file),
                          "--method", "ab", "--traffic", "50")
    assert code == 0, err
    saved = ExperimentStore(ws).get("cli-ab")
    assert saved.method == "ab" and saved.traffic == 0.5 and saved.plan is not None
    assert {"ab_sessions", "cuped_sessions", "interleaving_sessions"} <= set(saved.plan)
    assert f"test plan: {saved.note}" in text and saved.note.startswith("A/B on ")
    assert "experiment cli-ab: ab, running, 50% of users" in text

    service = ShelfwiseService(ws, llm="template")
    ev = service.shop.events
    for user in list(dict.fromkeys(ev.loc[ev["user_id"].notna(), "user_id"].astype(str)))[:30]:
        service.serve_recommend(user, k=10)
    code, text, _ = run(capsys, "experiment", "status", "cli-ab", "-w", str(ws))
    assert code == 0 and "sample-ratio check p=" in text and "users: control " in text
    assert "revenue per user, A/B: difference " in text and "clicks per user, CUPED: difference " in text
    code, text, _ = run(capsys, "experiment", "stop", "cli-ab", "-w", str(ws))
    assert code == 0 and "ab, stopped, " in text


def test_bad_input_is_one_line_and_writes_nothing(ws: Path, rules_file: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    before = records(ws)
    missing = tmp_path / "no-such-rules.json"
    code, out, err = run(capsys, "experiment", "start", "ghost", "-w", str(ws), "--rules", str(missing), "--no-plan")
    one_line_error(code, err, str(missing), "not found")
    assert out == ""

    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, "experiment", "start", "ghost", "-w", str(ws), "--rules", str(broken), "--no-plan")
    one_line_error(code, err, str(broken), "not valid JSON")

    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = run(capsys, "experiment", "start", "ghost", "-w", str(ws), "--rules", str(binary), "--no-plan")
    one_line_error(code, err, str(binary), "cannot be read")

    code, _, err = run(capsys, "experiment", "start", "ghost", "-w", str(ws), "--rules", str(rules_file),
                       "--traffic", "150", "--no-plan")
    one_line_error(code, err, "traffic")
    code, _, err = run(capsys, "experiment", "start", "Bad Name", "-w", str(ws), "--rules", str(rules_file),
                       "--no-plan")
    one_line_error(code, err, "name: 'Bad Name' is not a usable experiment name")

    pin = tmp_path / "pin.json"
    pin.write_text(json.dumps([{"id": "pin-ghost", "action": "pin", "target": {"item_ids": ["NO-SUCH-ITEM"]},
                                "position": 1}]), encoding="utf-8")
    code, _, err = run(capsys, "experiment", "start", "ghost", "-w", str(ws), "--rules", str(pin), "--no-plan")
    one_line_error(code, err, "the linter rejects this rule set", "pin-ghost")

    code, _, err = run(capsys, "experiment", "status", "never-started", "-w", str(ws))
    one_line_error(code, err, "never-started")
    assert records(ws) == before and "ghost" not in records(ws)

    with pytest.raises(SystemExit) as exc:  # argparse: an unknown method is a usage error
        main(["experiment", "start", "ghost", "-w", str(ws), "--rules", str(rules_file), "--method", "bandit"])
    assert exc.value.code == 2 and "invalid choice: 'bandit'" in capsys.readouterr().err
