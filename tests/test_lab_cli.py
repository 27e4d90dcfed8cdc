"""``shelfwise lab``: generate -> list -> show -> play -> progress on a copy of the small demo
workspace, JSON outputs, and bad input that prints one line, exits 2 and writes nothing."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from assistant.cli import main
from recsys_core.strategy.lab import KINDS
from recsys_core.strategy.lab.progress import LearnerStore
from tests.app_workspace import workspace_copy

LEARNER = "cli-learner"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A private workspace copy with a generated library, and what `lab generate` printed."""
    ws = workspace_copy(tmp_path_factory.mktemp("lab-cli") / "ws")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["lab", "generate", "-w", str(ws), "--seed", "0"])
    assert code == 0, err.getvalue()
    return ws, out.getvalue()


@pytest.fixture(scope="module")
def ws(generated: tuple[Path, str]) -> Path:
    return generated[0]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def learner_file(ws: Path, name: str) -> Path:
    return LearnerStore(ws / "lab" / "learners").path(name)


def file_state(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def test_generate_prints_counts_per_kind_total_and_time(generated: tuple[Path, str]) -> None:
    ws, text = generated
    saved = json.loads((ws / "lab" / "scenarios.json").read_text(encoding="utf-8"))
    for kind, n in saved["counts"].items():
        assert f"{kind:<12} {n:>3}  {KINDS[kind]}" in text
    assert f"{len(saved['scenarios'])} scenario(s) in " in text and "(seed 0)" in text
    assert all(f"note: {note}" in text for note in saved["notes"])


def test_list_is_a_table_and_json(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(capsys, "lab", "list", "-w", str(ws))
    assert code == 0
    header, *rows, footer = text.strip().splitlines()
    assert header.split()[:5] == ["id", "kind", "decision", "goal", "actions"]
    assert rows[0].startswith("s01 ") and footer.startswith(f"{len(rows)} scenario(s)")
    code, text, _ = run(capsys, "lab", "list", "-w", str(ws), "--json")
    listed = json.loads(text)
    assert code == 0 and [r["id"] for r in listed] == [r.split()[0] for r in rows]
    assert set(listed[0]) == {"id", "kind", "title", "decision_date", "goal", "actions"}


def test_show_numbers_the_cited_brief_and_letters_the_actions(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(capsys, "lab", "show", "S5", "-w", str(ws))
    assert code == 0 and text.startswith("s05: ")
    code, as_json, _ = run(capsys, "lab", "show", "5", "-w", str(ws), "--json")
    s = json.loads(as_json)
    assert code == 0 and s["id"] == "s05"
    for n, fact in enumerate(s["brief"], 1):
        assert f"{n:>3}. [{fact['id']}] {fact['text']}" in text and f"source: {fact['source']}" in text
    assert f"Question: {s['question']}" in text
    for a in s["actions"]:
        assert f"  {a['id']}. {a['label']}" in text
    # never the key: no outcome, winner, trap flag or build notes
    assert not {"key", "truth", "pointers"} & set(s) and not any("trap" in a for a in s["actions"])
    assert "trap" not in text.lower() and "wins" not in text


def test_play_debriefs_and_progress_sums_up(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = learner_file(ws, LEARNER)
    assert not path.exists()
    code, text, err = run(capsys, "lab", "play", "s05", "-w", str(ws), "--learner", LEARNER, "--action", "b",
                          "--predict", "1", "--interval", "-1,3")
    assert code == 0, err
    lines = text.strip().splitlines()
    assert lines[0].startswith("You chose B ") and "Replayed on" in text
    assert lines[-1].startswith(f"{LEARNER}: 1 play(s) over 1 scenario(s); choice right ")
    # negative values after an option, percent signs, "to" intervals, and JSON
    code, text, err = run(capsys, "lab", "play", "2", "-w", str(ws), "--learner", LEARNER, "--action", "A",
                          "--predict", "-0.5%", "--interval", "-2 to 1", "--json")
    assert code == 0, err
    result = json.loads(text)
    assert set(result) == {"play", "debrief", "text", "progress"}
    assert result["play"]["scenario"] == "s02" and result["play"]["low_pct"] == -2.0
    assert result["play"]["predict_pct"] == -0.5 and result["progress"]["played"] == 2
    code, text, _ = run(capsys, "lab", "play", "s02", "-w", str(ws), "--learner", LEARNER, "--action", "a",
                        "--predict=-1", "--interval=[-3%, 0%]")
    assert code == 0 and f"{LEARNER}: 3 play(s) over 2 scenario(s)" in text

    code, text, _ = run(capsys, "lab", "progress", LEARNER, "-w", str(ws))
    assert code == 0 and text.startswith(f"{LEARNER}: 3 play(s) over 2 scenario(s)")
    assert "strengths:" in text and text.count(" s02 ") == 2
    code, text, _ = run(capsys, "lab", "progress", LEARNER, "-w", str(ws), "--json")
    summary = json.loads(text)
    assert code == 0 and summary["played"] == 3 and len(summary["history"]) == 3
    assert len(json.loads(path.read_text(encoding="utf-8"))["plays"]) == 3


GOOD = {"--learner": LEARNER, "--action": "A", "--predict": "1", "--interval": "-1,3"}
BAD_INPUT = [
    ("unknown scenario", "s99", {}, "unknown scenario 's99'"),
    ("unknown action", "s05", {"--action": "z"}, "has no action 'z'; choose one of A ("),
    ("low above high", "s05", {"--interval": "3,1"}, "the low (3%) is above the high (1%)"),
    ("not a number", "s05", {"--predict": "abc"}, "prediction: 'abc' is not a number"),
    ("interval not a number", "s05", {"--interval": "a,3"}, "interval low: 'a' is not a number"),
    ("one-sided interval", "s05", {"--interval": "2"}, "needs a low and a high"),
    ("prediction outside", "s05", {"--predict": "5"}, "5% lies outside your interval"),
    ("bad learner name", "s05", {"--learner": "../x"}, "is not a usable name"),
]


@pytest.mark.parametrize("learner", [LEARNER + "-2", "nobody-yet"])
@pytest.mark.parametrize(("case", "scenario", "change", "message"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    ws: Path, capsys: pytest.CaptureFixture[str], learner: str, case: str, scenario: str, change: dict[str, str],
    message: str,
) -> None:
    if learner == LEARNER + "-2" and not learner_file(ws, learner).exists():  # a learner with plays
        assert run(capsys, "lab", "play", "s01", "-w", str(ws), *sum(({**GOOD, "--learner": learner}).items(), ()))[0] == 0
    args = {**GOOD, "--learner": learner, **change}
    before = {p.name: p.read_bytes() for p in (ws / "lab").rglob("*") if p.is_file()}
    code, out, err = run(capsys, "lab", "play", scenario, "-w", str(ws), *sum(args.items(), ()))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1, err
    assert {p.name: p.read_bytes() for p in (ws / "lab").rglob("*") if p.is_file()} == before
    if learner == "nobody-yet":
        assert file_state(learner_file(ws, learner)) is None


def test_unknown_scenario_and_learner_on_show_and_progress(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "lab", "show", "nope", "-w", str(ws))
    assert code == 2 and "unknown scenario 'nope'" in err and "lab list" in err
    code, _, err = run(capsys, "lab", "progress", "never-played", "-w", str(ws))
    assert code == 2 and "'never-played' has no plays yet" in err


def test_missing_option_is_a_usage_error(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["lab", "play", "s05", "-w", str(ws), "--learner", LEARNER, "--action", "A", "--predict", "1"])
    assert exc.value.code == 2 and "--interval" in capsys.readouterr().err


def test_before_generate_says_to_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["list"], ["show", "s01"], ["play", "s01", *sum(GOOD.items(), ())]):
        code, _, err = run(capsys, "lab", *args, "-w", str(tmp_path))
        assert code == 2 and "run `shelfwise lab generate` first" in err
    assert not any(tmp_path.iterdir())  # nothing written


def test_forget_user_erases_a_learners_progress(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = "forget-me"
    assert run(capsys, "lab", "play", "s01", "-w", str(ws), *sum(({**GOOD, "--learner": name}).items(), ()))[0] == 0
    assert learner_file(ws, name).exists()
    code, text, err = run(capsys, "forget-user", name, "-w", str(ws), "--no-retrain")
    assert code == 0, err
    assert "lab plays 1" in text and not learner_file(ws, name).exists()
    code, _, err = run(capsys, "lab", "progress", name, "-w", str(ws))
    assert code == 2 and "no plays yet" in err
