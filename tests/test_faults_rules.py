"""Concurrent rule saves: what-ifs running meanwhile always read one whole saved version,
the rules file is never torn, the history stays complete, and concurrent edits all land."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from recsys_core.demo import generate_demo_shop
from recsys_core.strategy.rules import Rule, RuleSet
from recsys_core.strategy.rules_store import (
    CURRENT,
    history,
    load_rules,
    parse_rules,
    rules_dir,
    update_rules,
)
from recsys_core.strategy.whatif import Change, prepare_replay, replay

ROOT = Path(__file__).resolve().parents[1]
SAVES = 25

# Saves rule sets tagged (tag, i): 1-3 rules with ids "<tag><i>-r<j>", all with multiplier
# 1.01 + i/100 (+0.5 for tag b), so a reader can tell a whole version from a mix of two.
SAVER = r"""
import random, sys, time
from recsys_core.strategy.rules import RuleSet
from recsys_core.strategy.rules_store import save_rules, parse_rules
ws, tag, n, item = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
for i in range(n):
    m = 1.01 + i / 100 + (0.5 if tag == "b" else 0.0)
    rules = [{"id": f"{tag}{i}-r{j}", "action": "boost", "target": {"item_ids": [item]}, "multiplier": m}
             for j in range(1 + i % 3)]
    save_rules(ws, parse_rules({"rules": rules}), f"{tag}{i}")
    time.sleep(random.uniform(0, 0.02))
"""

UPSERTER = r"""
import sys
from recsys_core.strategy.rules import Rule, RuleSet
from recsys_core.strategy.rules_store import update_rules
ws, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    rule = Rule.model_validate({"id": f"{tag}-u{i}", "action": "bury", "target": {"brands": [tag]}, "multiplier": 0.9})
    update_rules(ws, lambda rs, rule=rule: RuleSet(rules=(*[r for r in rs.rules if r.id != rule.id], rule)))
"""


def _check_whole_version(rules: RuleSet) -> str:
    """The (tag, i) of a loaded rule set; fails on a mix of two saved versions."""
    if not rules.rules:
        return "empty"
    tags = {r.id.split("-")[0] for r in rules.rules}
    assert len(tags) == 1, f"rules from several versions: {sorted(r.id for r in rules.rules)}"
    tag = tags.pop()
    i = int(tag[1:])
    assert len(rules.rules) == 1 + i % 3, f"version {tag} incomplete: {[r.id for r in rules.rules]}"
    expected = 1.01 + i / 100 + (0.5 if tag[0] == "b" else 0.0)
    assert {r.multiplier for r in rules.rules} == {expected}
    return tag


@pytest.mark.slow
def test_whatifs_see_whole_versions_while_two_processes_save(tmp_path: Path) -> None:
    shop, _ = generate_demo_shop(1, n_products=120, n_users=80, n_days=40, target_events=5000)
    setup = prepare_replay(shop, days=14)
    item = str(shop.products["item_id"].iloc[0])
    ws = tmp_path / "ws"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", SAVER, str(ws), tag, str(SAVES), item],
            cwd=ROOT,
            stderr=subprocess.PIPE,
        )
        for tag in ("a", "b")
    ]
    seen: set[str] = set()
    whatifs = 0
    deadline = time.time() + 120
    while any(w.poll() is None for w in writers):
        assert time.time() < deadline, "writers did not finish"
        live = load_rules(ws)  # what a what-if reads: one snapshot of the live rules
        seen.add(_check_whole_version(live))
        raw = (
            (rules_dir(ws) / CURRENT).read_text()
            if (rules_dir(ws) / CURRENT).exists()
            else "rules: []"
        )
        _check_whole_version(parse_rules(yaml.safe_load(raw)))  # the file itself is never torn
        report = replay(shop, Change("proposal", rules=live), days=14, n_boot=20, setup=setup)
        assert report.lists > 0
        whatifs += 1
    assert [w.returncode for w in writers] == [0, 0], [w.stderr.read() for w in writers if w.stderr]
    assert whatifs >= 3 and len(seen - {"empty"}) >= 2, (whatifs, seen)  # they really overlapped

    log = history(ws)
    assert [e["version"] for e in log] == list(range(1, 2 * SAVES + 1))  # none lost, none doubled
    assert sorted(e["message"] for e in log) == sorted(
        f"{t}{i}" for t in "ab" for i in range(SAVES)
    )
    for entry in log:
        text = (rules_dir(ws) / "history" / f"v{entry['version']:04d}.yaml").read_text()
        assert hashlib.sha256(text.encode()).hexdigest() == entry["sha256"]
        assert _check_whole_version(parse_rules(yaml.safe_load(text))) == entry["message"]
    assert _check_whole_version(load_rules(ws)) == log[-1]["message"]
    assert not list(rules_dir(ws).rglob(".*.tmp"))


def test_concurrent_upserts_all_land(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    n = 8
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", UPSERTER, str(ws), tag, str(n)], cwd=ROOT, stderr=subprocess.PIPE
        )
        for tag in ("p", "q")
    ]
    for i in range(n):  # and a third writer: this process
        rule = Rule.model_validate(
            {"id": f"t-u{i}", "action": "bury", "target": {"brands": ["t"]}, "multiplier": 0.9}
        )
        update_rules(ws, lambda rs, rule=rule: RuleSet(rules=(*rs.rules, rule)))
    assert [p.wait(timeout=120) for p in procs] == [0, 0], [
        p.stderr.read() for p in procs if p.stderr
    ]
    ids = {r.id for r in load_rules(ws).rules}
    assert ids == {f"{t}-u{i}" for t in "pqt" for i in range(n)}  # no edit overwrote another
    assert len(history(ws)) == 3 * n
