"""The learned search ranker in a workspace: `shelfwise train` fits it from the search log, the
service loads it, and search, /explain, /compare and the assistant report its exact parts."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from tests.app_workspace import workspace_copy


@pytest.fixture(scope="module")
def ranked_workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from retrieval.ranker_logs import train_workspace_ranker

    ws = workspace_copy(tmp_path_factory.mktemp("ranker") / "w")
    return ws, train_workspace_ranker(ws)


def test_train_fits_and_saves_the_ranker_with_its_held_out_comparison(ranked_workspace) -> None:  # type: ignore[no-untyped-def]
    import json

    from recsys_core.workspace import Workspace

    ws, found = ranked_workspace
    layout = Workspace(ws)
    assert layout.search_ranker_path.is_file() and layout.search_ranker_report_path.is_file()
    report = json.loads(layout.search_ranker_report_path.read_text())
    assert report["train_lists"] > 0 and set(report["held"]) == {"hybrid", "hybrid+ranker"}
    assert report["importance"] and found["ranker"] == str(layout.search_ranker_path)


def test_search_explains_each_hit_by_the_ranker_parts_that_sum_to_its_score(ranked_workspace) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from assistant.api.app import create_app
    from assistant.service import ShelfwiseService

    ws, _ = ranked_workspace
    svc = ShelfwiseService(ws, llm="template")
    assert svc.searcher.ranker is not None
    hits = svc.search("tent", k=10, explain=True)
    assert hits
    for h in hits:
        assert any(k.startswith("ranker:") for k in h.contributions)
        assert math.isclose(math.fsum(h.contributions.values()), h.score, abs_tol=1e-9)
        assert h.trace is not None and h.trace.ranker_score is not None
    client = TestClient(create_app(svc))
    body = client.post("/explain", json={"item_id": hits[0].item_id, "query": "tent"}).json()
    assert body["rank"] == 1 and any(k.startswith("ranker:") for k in body["contributions"])
    assert math.isclose(math.fsum(body["contributions"].values()), body["score"], abs_tol=1e-9)
    lower = next(h for h in hits if h.score < hits[0].score)
    cmp = client.post("/compare", json={"a": hits[0].item_id, "b": lower.item_id, "query": "tent"}).json()
    # no rules, no personalisation: each shown score is the ranker's score, and the ranker stage
    # says whether a's is strictly higher (two items the ranker scores alike tie there)
    assert cmp["a_above_b"] == (cmp["a"]["rank"] < cmp["b"]["rank"]), cmp
    assert cmp["ahead_by_stage"]["ranker"] == (cmp["a"]["score"] > cmp["b"]["score"]), cmp


def test_the_assistant_explains_a_search_order_in_the_rankers_words(ranked_workspace) -> None:  # type: ignore[no-untyped-def]
    from assistant.service import ShelfwiseService

    ws, _ = ranked_workspace
    svc = ShelfwiseService(ws, llm="template")
    hits = svc.search("tent", k=10)
    lower = next(h for h in hits if h.score < hits[0].score)
    answer = svc.ask(f"why is {hits[0].item_id} above {lower.item_id} for tent?")
    text = answer.answer
    assert hits[0].item_id in text and "learned ranker" in text, text



def test_why_an_item_is_first_for_a_search_names_the_rankers_largest_parts(ranked_workspace) -> None:  # type: ignore[no-untyped-def]
    """"Why is X first for 'waterprof tent'?": the answer names the learned ranker's largest
    positive parts of X's score, as /search's explain output has them (not only the retrieval ranks)."""
    from assistant.agent.tools.render import component_label
    from assistant.service import ShelfwiseService

    ws, _ = ranked_workspace
    svc = ShelfwiseService(ws, llm="template")
    top = svc.search("waterprof tent", k=1, explain=True)[0]
    learned = sorted(((k, v) for k, v in top.contributions.items() if k.startswith("ranker:")
                      and k not in ("ranker:base", "ranker:below_depth") and v > 0), key=lambda kv: -kv[1])
    assert learned
    text = svc.ask(f"why is {top.item_id} first for waterprof tent?").answer
    assert f"{top.item_id}" in text and "is #1" in text and "learned ranker rates it up mainly on its" in text, text
    assert component_label(learned[0][0]) in text, text

def test_forgetting_a_searcher_refits_the_ranker_without_their_clicks(tmp_path: Path) -> None:
    from assistant.privacy import forget_user
    from recsys_core.data.store import load_store
    from recsys_core.workspace import Workspace
    from retrieval.ranker_logs import train_workspace_ranker

    ws = workspace_copy(tmp_path / "w")
    train_workspace_ranker(ws)
    path = Workspace(ws).search_ranker_path
    before = path.read_text()
    ev = load_store(ws).events
    searcher = ev.loc[(ev["surface"] == "search") & (ev["type"] == "click") & ev["user_id"].notna(), "user_id"]
    user = str(searcher.value_counts().index[0])  # the user with the most search clicks
    report = forget_user(ws, user)
    assert any("search ranker refitted" in n for n in report.notes), report.notes
    assert path.is_file() and path.read_text() != before


def test_the_demo_refits_a_ranker_saved_by_an_older_version(ranked_workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A workspace built before the ranker's features changed: the demo's reuse stamp alone must
    not keep a model the search can no longer load."""
    import io
    import json
    import shutil

    from assistant.demo import _search_ranker, _stamp
    from recsys_core.workspace import Workspace
    from retrieval.ranker import SearchRanker

    src, _ = ranked_workspace
    ws = tmp_path / "w"
    shutil.copytree(src, ws)
    path = Workspace(ws).search_ranker_path
    old = json.loads(path.read_text())
    old["features"] = old["features"][:18]  # the feature list of an earlier version
    path.write_text(json.dumps(old))
    _stamp(ws, "search-ranker", "v1")
    out = io.StringIO()
    _search_ranker(ws, "v1", out)
    assert "refitting the search ranker" in out.getvalue() and "retrain it" in out.getvalue()
    assert SearchRanker.load(path).features_ == json.loads(path.read_text())["features"]
    again = io.StringIO()
    _search_ranker(ws, "v1", again)
    assert "already fitted" in again.getvalue()


def test_the_rank_explorer_names_the_rankers_biggest_difference_between_two_hits(ranked_workspace) -> None:  # type: ignore[no-untyped-def]
    from assistant.service import ShelfwiseService
    from assistant.ui.rank import query_verdict
    from assistant.wording import component_label

    ws, _ = ranked_workspace
    svc = ShelfwiseService(ws, llm="template")
    hits = svc.search("waterprof tent", k=5, explain=True)
    a, b = hits[0], hits[1]
    diff = {k: a.contributions[k] - b.contributions.get(k, 0.0) for k in a.contributions
            if k.startswith("ranker:") and k not in ("ranker:base", "ranker:below_depth")}
    top = max(diff, key=lambda k: diff[k])
    text = query_verdict(svc.compare(a.item_id, b.item_id, query="waterprof tent"), svc.products)
    assert f"the biggest difference in A's favour is '{component_label(top)}' ({diff[top]:+.2f})" in text, text
    # asked the other way round, the same part favours B
    text = query_verdict(svc.compare(b.item_id, a.item_id, query="waterprof tent"), svc.products)
    assert f"biggest difference in B's favour is '{component_label(top)}' ({diff[top]:+.2f})" in text, text
