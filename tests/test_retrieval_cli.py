"""`shelfwise eval search` and `shelfwise index` end to end on tiny inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main

PRODUCTS = "product_uid,product_title\n1,Cordless drill 20V\n2,Garden hose 50 ft\n3,Hiking boots waterproof\n4,LED light bulb\n"
QUERIES = "query_id,query\nq1,cordles drill\nq2,garden hose\nq3,boots\n"
LABELS = "query_id,product_uid,gain\nq1,1,2.0\nq2,2,2.0\nq2,4,0.0\nq3,3,1.67\n"


def write_set(tmp: Path) -> list[str]:
    paths = []
    for name, text in (("p.csv", PRODUCTS), ("q.csv", QUERIES), ("l.csv", LABELS)):
        (tmp / name).write_text(text)
        paths.append(str(tmp / name))
    return paths


def test_eval_search_bm25_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p, q, lab = write_set(tmp_path)
    out = tmp_path / "out.json"
    rc = main(["eval", "search", "--products", p, "--queries", q, "--labels", lab,
               "--mode", "bm25", "--latency-queries", "3", "--json", str(out)])
    assert rc == 0
    result = json.loads(out.read_text())["results"][0]
    assert result["mode"] == "bm25" and result["n_queries"] == 3
    assert result["ndcg_at_10"] == pytest.approx(1.0)  # typo fixed: every query finds its item
    assert result["mrr_at_10"] == pytest.approx(1.0)
    assert "NDCG@10" in capsys.readouterr().out


def test_eval_search_bad_file_is_one_clean_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p, q, _ = write_set(tmp_path)
    rc = main(["eval", "search", "--products", p, "--queries", q, "--labels", str(tmp_path / "nope.csv")])
    err = capsys.readouterr().err
    assert rc == 2 and "nope.csv" in err and "Traceback" not in err


@pytest.mark.slow
def test_eval_search_hybrid_with_the_real_model(tmp_path: Path) -> None:
    p, q, lab = write_set(tmp_path)
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "eval", "search", "--products", p, "--queries", q,
         "--labels", lab, "--mode", "all", "--latency-queries", "3", "--json", str(out)],
        capture_output=True, text=True, timeout=240,
        # the default dense index follows the app: HNSW above exact_dense_max products (0 here)
        env={"SHELFWISE_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
             "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "SHELFWISE_EXACT_DENSE_MAX": "0"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = {r["mode"]: r for r in json.loads(out.read_text())["results"]}
    assert set(results) == {"bm25", "dense", "hybrid"}
    assert results["hybrid"]["mrr_at_10"] == pytest.approx(1.0)
    assert results["dense"]["recall_at_100"] == pytest.approx(1.0)
    assert list((tmp_path / "cache" / "embeddings").glob("shard-*.safetensors"))  # cached on disk
    assert list((tmp_path / "cache").glob("chroma-*"))  # the HNSW collection, reused next run


@pytest.mark.slow
def test_index_command_builds_then_skips_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from recsys_core.data.store import save_store
    from tests.retrieval_fixtures import catalogue
    from tests.test_retrieval_store import shop

    monkeypatch.delenv("SHELFWISE_CHROMA_URL", raising=False)
    ws = tmp_path / "ws"
    save_store(ws, shop(catalogue()))
    assert main(["index", "--workspace", str(ws)]) == 0
    first = capsys.readouterr().out
    assert "products       7 documents: 7 embedded" in first
    assert main(["index", "--workspace", str(ws), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["complete"] and report["collections"]["products"]["unchanged"] == 7
    from retrieval.indexing import open_product_search

    assert open_product_search(ws).search("drill", k=1)[0].item_id == "p4"


def test_index_command_without_a_store_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", "--workspace", str(tmp_path / "empty")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def _sized_set(tmp: Path) -> dict[str, str]:
    """Products of six kinds in six sizes; train and test queries are different (kind, size) pairs."""
    kinds = ["copper pipe", "garden hose", "trash can", "wood screw", "paint roller", "door hinge"]
    sizes = ["1/2 in.", "3/4 in.", "10 ft.", "30 gal.", "2 in.", "50 ft."]
    rows = ["product_uid,product_title"]
    items = []
    for n in range(216):
        kind, size, brand = kinds[n % 6], sizes[(n // 6) % 6], ["Acme", "Bolt", "Crest"][(n // 36) % 3]
        rows.append(f"{n},{brand} {size} {kind}")
        items.append((n, kind, size))
    pairs = [(k, s) for k in kinds for s in sizes]
    files = {}
    for part, chosen in (("train", pairs[0::2]), ("test", pairs[1::2])):
        qs, ls = ["query_id,query"], ["query_id,product_uid,gain"]
        for j, (k, s) in enumerate(chosen):
            qid = f"{part}{j}"
            qs.append(f"{qid},{s} {k}")
            ls += [f"{qid},{n},{2.0 if size == s else 0.67}" for n, kind, size in items if kind == k]
        (tmp / f"{part}_q.csv").write_text("\n".join(qs) + "\n")
        (tmp / f"{part}_l.csv").write_text("\n".join(ls) + "\n")
        files[part] = str(tmp / f"{part}_q.csv")
        files[f"{part}_labels"] = str(tmp / f"{part}_l.csv")
    (tmp / "p.csv").write_text("\n".join(rows) + "\n")
    files["products"] = str(tmp / "p.csv")
    return files


def test_eval_search_fits_a_ranker_on_training_queries_and_reports_it_beside_the_plain_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _sized_set(tmp_path)
    out = tmp_path / "out.json"
    rc = main(["eval", "search", "--products", f["products"], "--queries", f["test"], "--labels", f["test_labels"],
               "--train-queries", f["train"], "--train-labels", f["train_labels"], "--mode", "bm25",
               "--latency-queries", "3", "--json", str(out)])
    assert rc == 0, capsys.readouterr().err
    results = {r["mode"]: r for r in json.loads(out.read_text())["results"]}
    assert set(results) == {"bm25", "bm25+ranker"}
    assert results["bm25+ranker"]["ndcg_at_10"] >= results["bm25"]["ndcg_at_10"]
    assert "bm25+ranker" in capsys.readouterr().out


def test_eval_search_refuses_training_queries_that_are_also_test_queries(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _sized_set(tmp_path)
    rc = main(["eval", "search", "--products", f["products"], "--queries", f["test"], "--labels", f["test_labels"],
               "--train-queries", f["test"], "--train-labels", f["test_labels"], "--mode", "bm25"])
    err = capsys.readouterr().err
    assert rc == 2 and "overlap" in err and "Traceback" not in err
    rc = main(["eval", "search", "--products", f["products"], "--queries", f["test"], "--labels", f["test_labels"],
               "--train-queries", f["train"], "--mode", "bm25"])
    assert rc == 2 and "go together" in capsys.readouterr().err
