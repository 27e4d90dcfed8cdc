"""Schemathesis against the live service: every operation of its own OpenAPI schema, fed valid
and invalid requests, answers without a 5xx or a traceback, and a rejected request (4xx)
changes no stored file.

The server is the real ``shelfwise serve`` on loopback over a copy of the small demo workspace
(tests/app_workspace.py), so generated writes (rules, events, sessions) never touch the cached
one other tests share. The number of cases run is printed.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from assistant.service import ShelfwiseService
from tests.app_workspace import demo_workspace
from tests.live_server import served, snapshot

pytestmark = pytest.mark.slow

# per operation and generation mode; heavy operations (a replay per call) get fewer
EXAMPLES = {GenerationMode.POSITIVE: 18, GenerationMode.NEGATIVE: 10}
HEAVY = {"POST /whatif": 6, "GET /insights": 3}
LEAKS = ("Traceback", 'File "/', "site-packages")


def no_traceback(ctx: Any, response: Any, case: Any) -> None:
    """No stack trace, source path or exception repr reaches the client."""
    text = (
        response.text
        if isinstance(response.text, str)
        else response.content.decode("utf-8", "replace")
    )
    for leak in LEAKS:
        assert leak not in text, f"{case.operation.label} leaked {leak!r}: {text[:300]}"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    workspace = tmp_path_factory.mktemp("schemathesis") / "ws"
    shutil.copytree(demo_workspace(), workspace, ignore=shutil.ignore_patterns("demo-input"))
    ShelfwiseService(workspace, llm="template").lab.generate(seed=0)  # else the lab answers 503
    with served(workspace) as url:
        yield url, workspace


def _say(config: pytest.Config, line: str) -> None:
    capture = config.pluginmanager.get_plugin("capturemanager")
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        print(line)


def test_every_operation_answers_generated_requests_without_5xx_or_side_effects(
    live: tuple[str, Path], pytestconfig: pytest.Config
) -> None:
    url, workspace = live
    schema = schemathesis.openapi.from_url(url + "/openapi.json", timeout=30)
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {op.label for op in operations}
    assert {
        "POST /search",
        "POST /recommend",
        "POST /ask",
        "PUT /rules",
        "DELETE /rules/{rule_id}",
        "POST /events",
        "POST /whatif",
        "POST /lab/scenarios/{scenario_id}/play",
        "GET /lab/learners/{name}",
    } <= labels
    cases: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    all_valid = []
    for op in operations:
        for mode, n in EXAMPLES.items():
            if not _fuzz_operation(
                op, mode, min(n, HEAVY.get(op.label, n)), url, workspace, cases, statuses
            ):
                all_valid.append(op.label)
    total = sum(cases.values())
    _say(
        pytestconfig,
        f"\nschemathesis cases run: {total} over {len(cases)} operations "
        f"({dict(sorted(statuses.items()))}); "
        + ", ".join(f"{k}={v}" for k, v in sorted(cases.items()))
        + f"; no invalid input exists for: {', '.join(all_valid) or 'none'}",
    )
    assert set(cases) == labels and min(cases.values()) >= 1


def _fuzz_operation(
    op: Any,
    mode: GenerationMode,
    limit: int,
    url: str,
    workspace: Path,
    cases: Counter[str],
    statuses: Counter[str],
) -> bool:
    """``limit`` generated requests to one operation; each checked, 4xx ones for side effects.
    False when the mode has no case to generate (a negative case for an operation taking anything)."""

    @settings(
        max_examples=limit,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        before = snapshot(workspace)
        response = case.call(base_url=url, timeout=120)
        cases[op.label] += 1
        statuses[f"{response.status_code // 100}xx"] += 1
        case.validate_response(response, checks=[not_a_server_error, no_traceback])
        if 400 <= response.status_code < 500:
            changed = dict(snapshot(workspace).items() ^ before.items())
            assert not changed, (
                f"{op.label} answered {response.status_code} but changed {sorted(changed)}"
            )

    try:
        run()
    except Unsatisfiable:  # every input is valid (no parameters, or a free-form string/object)
        assert mode is GenerationMode.NEGATIVE, (
            f"no valid request could be generated for {op.label}"
        )
        return False
    return True


HOSTILE_BODIES: list[tuple[str, bytes, str]] = [
    ("nan", b'{"query": "tent", "filters": {"price_min": NaN}}', "application/json"),
    ("infinity", b'{"query": "tent", "k": Infinity}', "application/json"),
    ("huge int", b'{"user_id": "U00001", "k": 1' + b"0" * 5000 + b"}", "application/json"),
    ("deep nesting", b'{"rules": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json"),
    ("invalid utf-8", b'{"question": "\xff\xfe\xfd"}', "application/json"),
    ("not json", b"question=hello", "application/x-www-form-urlencoded"),
    ("empty", b"", "application/json"),
    ("array", b"[1, 2, 3]", "application/json"),
    ("null bytes", b'{"question": "hi\\u0000there", "session": "a\\u0000b"}', "application/json"),
    ("lone surrogate", b'{"query": "\\ud800"}', "application/json"),
    (
        "rule with nan",
        b'{"rules": [{"id": "x", "action": "bury", "target": {"brands": ["a"]}, "additive": NaN}]}',
        "application/json",
    ),
    (
        "rule with inf",
        b'{"id": "x", "action": "boost", "target": {"brands": ["a"]}, "multiplier": Infinity}',
        "application/json",
    ),
    (
        "infinite weights",
        b'{"weights": {"relevance": Infinity}, "query": "tent"}',
        "application/json",
    ),
    (
        "infinite price",
        b'{"query": "tent", "filters": {"price_max": Infinity}}',
        "application/json",
    ),
]
POST_PATHS = (
    "/search",
    "/recommend",
    "/explain",
    "/compare",
    "/ask",
    "/events",
    "/whatif",
    "/rules",
    "/rules/lint",
    "/lab/scenarios/s01/play",
)


def test_hostile_raw_bodies_get_a_4xx_and_change_nothing(live: tuple[str, Path]) -> None:
    """Bodies no schema generator produces (NaN, Infinity, 5,000-digit ints, deep nesting,
    bad UTF-8, lone surrogates) on every POST/PUT route."""
    url, workspace = live
    with httpx.Client(base_url=url, timeout=120.0) as http:
        for name, body, content_type in HOSTILE_BODIES:
            for method, path in [("POST", p) for p in POST_PATHS] + [("PUT", "/rules")]:
                before = snapshot(workspace)
                r = http.request(method, path, content=body, headers={"content-type": content_type})
                where = f"{method} {path} with {name}"
                assert 400 <= r.status_code < 500, f"{where}: {r.status_code} {r.text[:300]}"
                assert not any(leak in r.text for leak in LEAKS), f"{where} leaked: {r.text[:300]}"
                assert json.loads(r.text)["error"], where
                assert snapshot(workspace) == before, (
                    f"{where} was rejected but changed stored files"
                )


def test_oversized_chunked_body_is_refused(live: tuple[str, Path]) -> None:
    url, workspace = live
    before = snapshot(workspace)

    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(200):
            yield b"a" * 1024
        yield b'"}'

    with httpx.Client(base_url=url, timeout=60.0) as http:
        r = http.post("/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and "Traceback" not in r.text
    assert snapshot(workspace) == before
