"""The main job on the built-in demo shop: generate, ingest, train, index, (serve).

Every step reuses what a previous run left when its inputs are unchanged, so a second
``make demo`` is quick.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TextIO

from recsys_core.data.store import current_version, read_manifest
from recsys_core.data.summary import format_summary, shop_summary
from recsys_core.errors import StoreError
from recsys_core.workspace import Workspace, atomic_write_json

EXAMPLE_QUESTIONS = (
    "Why does P00042 rank where it does for user U00017?",
    "What is your return policy?",
    "Which categories are trending up, and what promotion would you suggest?",
)
STEPS = 7
STAMP_FILE = "demo-steps.json"


def _step(n: int, text: str, out: TextIO) -> None:
    print(f"[{n}/{STEPS}] {text}", file=out, flush=True)


def _stamps(workspace: Path) -> dict[str, str]:
    path = workspace / STAMP_FILE
    if not path.exists():
        return {}
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _stamp(workspace: Path, step: str, version: str) -> None:
    atomic_write_json(workspace / STAMP_FILE, _stamps(workspace) | {step: version})


def _demo_input(workspace: Path, seed: int, sizes: dict[str, int], out: TextIO) -> Path:
    from recsys_core.demo import write_demo_shop

    folder = Workspace(workspace).demo_input_dir
    stamp = folder / "demo_request.json"
    request = {"seed": seed, **sizes}
    if stamp.exists() and json.loads(stamp.read_text(encoding="utf-8")) == request:
        _step(1, f"demo shop (seed {seed}) already generated in {folder}", out)
        return folder
    _step(1, f"generating the demo shop (seed {seed}) in {folder}", out)
    stamp.unlink(missing_ok=True)
    write_demo_shop(folder, seed=seed, progress=True, **sizes)
    atomic_write_json(stamp, request)
    return folder


def _ingest(workspace: Path, folder: Path, out: TextIO) -> None:
    from recsys_core.data.ingest import ingest, source_fingerprint

    try:
        manifest = read_manifest(workspace)
        current_version(workspace)
        if manifest.get("source_fingerprint") == source_fingerprint(folder):
            _step(2, "store already holds the demo shop", out)
            return
    except StoreError:
        pass
    _step(2, f"validating and storing the demo shop in {Workspace(workspace).store_dir}", out)
    ingest(folder, workspace, progress=True)


def _train(workspace: Path, version: str, out: TextIO) -> None:
    from recsys_core.models.workflow import train_workspace

    if _stamps(workspace).get("train") == version and Workspace(workspace).model_report_path.exists():
        _step(3, "recommender already trained on this store", out)
        return
    _step(3, "training the recommender (sequence + CF + content + priors)", out)
    report = train_workspace(workspace)["report"]
    print(
        f"      test HR@10 {report['hr_at_10']:.4f}, NDCG@10 {report['ndcg_at_10']:.4f} "
        f"in {report['train_seconds']:.0f} s",
        file=out,
    )
    _stamp(workspace, "train", version)


def _index(workspace: Path, out: TextIO) -> None:
    from retrieval.indexing import build_index

    _step(4, "indexing products, knowledge base and trend notes (new or changed only)", out)
    report = build_index(workspace)
    embedded = sum(c.embedded for c in report.collections.values())
    print(f"      {embedded:,} documents embedded in {report.seconds:.1f} s", file=out)


def _search_encoder(workspace: Path, version: str, out: TextIO) -> None:
    """MiniLM adapted to the shop's searches (kept only when it ranks held-out clicks higher)."""
    from retrieval.encoder_tuning import train_workspace_encoder
    from retrieval.errors import SearchInputError

    if _stamps(workspace).get("search-encoder") == version:
        print("      search encoder already adapted on this store's search log", file=out)
        return
    try:
        found = train_workspace_encoder(workspace, show_progress=False)
    except SearchInputError as exc:
        print(f"      no adapted search encoder: {exc}", file=out)
        return
    g, a = found["held"]["generic"], found["held"]["adapted"]
    verdict = "kept" if found["kept"] else "not kept (no better than the generic model)"
    print(f"      search encoder adapted on {found['pairs']:,} clicked (query, title) pairs in {found['seconds']:.0f} s: "
          f"held-out MRR@10 {g['mrr@10']:.3f} -> {a['mrr@10']:.3f}, {verdict}", file=out)
    _stamp(workspace, "search-encoder", version)


def _search_ranker(workspace: Path, version: str, out: TextIO) -> None:
    from retrieval.errors import SearchInputError
    from retrieval.ranker_logs import train_workspace_ranker

    path = Workspace(workspace).search_ranker_path
    if _stamps(workspace).get("search-ranker") == version and path.exists():
        from recsys_core.errors import ArtifactError
        from retrieval.ranker import SearchRanker

        try:
            SearchRanker.load(path)
        except ArtifactError as exc:  # written by an older version (other features): fit it again
            print(f"      refitting the search ranker: {exc}", file=out)
        else:
            print("      search ranker already fitted on this store's search log", file=out)
            return
    try:
        found = train_workspace_ranker(workspace)
    except SearchInputError as exc:  # a shop without a search log keeps the plain hybrid
        print(f"      no search ranker: {exc}", file=out)
        return
    h, r = found["held"].get("hybrid"), found["held"].get("hybrid+ranker")
    if h and r:
        print(f"      search ranker from {found['train_lists']:,} logged searches: on the held-out last 14 days, "
              f"NDCG@10 of clicked results {h['ndcg@10']:.3f} -> {r['ndcg@10']:.3f}", file=out)
    _stamp(workspace, "search-ranker", version)


def _strategy(workspace: Path, version: str, out: TextIO) -> None:
    from recsys_core.data.store import load_store
    from recsys_core.strategy.analytics import run_strategy_analytics

    target = Workspace(workspace).strategy_reports_dir
    if _stamps(workspace).get("strategy") == version and (target / "strategy.json").exists():
        _step(5, "strategy analytics already computed for this store", out)
        return
    _step(5, "strategy analytics: trends, segments, price and stock signals, proposals", out)
    run_strategy_analytics(load_store(workspace), target, progress=True)
    _stamp(workspace, "strategy", version)


def _lab(workspace: Path, version: str, seed: int, out: TextIO) -> None:
    from assistant.service import ShelfwiseService

    lab = ShelfwiseService(workspace, llm="template").lab
    if _stamps(workspace).get("lab") == version and lab.library_path.exists():
        _step(6, "strategy-lab scenarios already generated for this store", out)
        return
    _step(6, "strategy lab: scenarios from the log, answer keys by replay", out)
    from recsys_core.errors import ShelfwiseError

    try:
        lib = lab.generate(seed=seed, progress=True)
    except ShelfwiseError as exc:  # a shop too small for the lab still gets the rest of the demo
        print(f"      no lab scenarios: {exc}", file=out)
        return
    print(f"      {len(lib.scenarios)} scenarios (" + ", ".join(f"{k} {n}" for k, n in lib.counts().items() if n)
          + f") in {lib.seconds:.0f} s", file=out)
    _stamp(workspace, "lab", version)


def run_demo(
    workspace: str | os.PathLike[str],
    *,
    seed: int = 0,
    serve: bool = True,
    sizes: dict[str, int] | None = None,
    host: str = "127.0.0.1",
    port: int = 7860,
    out: TextIO,
) -> int:
    """Generate, ingest, train, index and analyse the demo shop, then serve it (unless told not to)."""
    root = Path(workspace)
    root.mkdir(parents=True, exist_ok=True)
    folder = _demo_input(root, seed, dict(sizes or {}), out)
    _ingest(root, folder, out)
    version = read_manifest(root)["version_id"]
    print(format_summary(shop_summary(root)), file=out)
    _train(root, version, out)
    _search_encoder(root, version, out)
    _index(root, out)
    _search_ranker(root, version, out)
    _strategy(root, version, out)
    _lab(root, version, seed, out)
    print("\nExample questions to ask the assistant:", file=out)
    for q in EXAMPLE_QUESTIONS:
        print(f"  - {q}", file=out)
    if not serve:
        _step(7, f"built; serve it with: shelfwise serve --workspace {root}", out)
        return 0
    from assistant.api import serve as serve_app

    _step(7, f"serving on http://{host}:{port}/ (Ctrl+C to stop)", out)
    return serve_app(root, host=host, port=port)
