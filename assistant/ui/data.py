"""Data & models tab: shop summary, data-quality report, last training/index/benchmark figures,
and buttons that re-ingest, retrain and re-index (with progress).

Everything shown is read from the workspace ``W``, never from the working directory. Benchmark
figures are the JSON files in ``W/reports/benchmarks/`` (``Workspace.benchmark_reports_dir``), which
the benchmark scripts write when run with ``--workspace W`` (``benchmarks/results.py``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.service import ShelfwiseService
from assistant.ui.common import Confirmation, hover, readable
from assistant.wording import component_label
from recsys_core.workspace import Workspace


def summary_markdown(service: ShelfwiseService) -> str:
    from assistant.wording import money
    from recsys_core.data.summary import format_summary, shop_summary

    return "```\n" + format_summary(shop_summary(service.workspace), money=money) + "\n```"


def quality_markdown(service: ShelfwiseService) -> str:
    from recsys_core.data import load_quality_report
    from recsys_core.data.quality import report_markdown

    return report_markdown(load_quality_report(service.workspace))


# the recommender's test figures: report key, name shown, TERM_HELP key
MEASURES = (("ndcg_at_10", "NDCG@10", "ndcg@10"), ("hr_at_10", "Hit rate@10", "hit rate@10"), ("mrr", "MRR", "mrr"),
            ("coverage_at_10", "Coverage@10", "coverage@10"), ("novelty_at_10", "Novelty@10", "novelty@10"))
BASELINE_WORDS = {"popularity": "popularity", "item_knn": "item-kNN"}


def _read(path: Path) -> dict[str, Any] | None:
    """A JSON report, or None when it is missing or being rewritten right now."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _when(stamp: str | float | None, path: Path | None = None, now: datetime | None = None) -> str:
    """"2025-03-03 09:00 UTC (2 days ago)" from an ISO time, a POSIX time, or else the file's
    modification time (reports written before they carried a time); "unknown" without any."""
    moment: datetime | None = None
    if isinstance(stamp, str) and stamp:
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            return stamp
    elif isinstance(stamp, int | float):
        moment = datetime.fromtimestamp(stamp, UTC)
    elif path is not None and path.exists():
        moment = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    if moment is None:
        return "unknown"
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    days = ((now or datetime.now(UTC)) - moment).days
    ago = "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC ({ago})"


def _figure(value: Any) -> str:
    return "n/a" if not isinstance(value, int | float) else f"{value:.3f}" if isinstance(value, float) else f"{value:,}"


def _compare(mine: float, others: dict[str, float]) -> str:
    """How ``mine`` stands against the baselines, in words: "higher than either baseline"."""
    above = [BASELINE_WORDS.get(k, k) for k, v in others.items() if mine > v]
    below = [BASELINE_WORDS.get(k, k) for k, v in others.items() if mine < v]
    if not below and len(above) == len(others):
        return "higher than either baseline" if len(others) > 1 else f"higher than the {above[0]} baseline"
    if not above and len(below) == len(others):
        return ("lower than both baselines" if len(others) > 1 else f"lower than the {below[0]} baseline") + \
            ": retrain, or check the data-quality report"
    parts = [f"higher than {', '.join(above)}" if above else "", f"lower than {', '.join(below)}" if below else ""]
    return " but ".join(p for p in parts if p) or "level with the baselines"


def recommender_markdown(summary: dict[str, Any], path: Path | None = None) -> str:
    """The recommender's section: when it was trained, each test figure beside the popularity
    and item-kNN baselines (with its meaning on hover), and what the main figures mean."""
    report = summary.get("report") or {}
    extra = report.get("extra") or {}
    baselines = {k: v for k, v in (extra.get("baselines") or {}).items() if isinstance(v, dict)}
    users = report.get("users")
    lines = ["### Recommender",
             f"**Built:** {_when(summary.get('trained_at'), path)} · tested on "
             f"{_figure(users) if users is not None else 'held-out'} customers: for each, the product they went "
             "on to pick next (view, basket or purchase) was held back, and the model ranked the whole catalogue.",
             ""]
    names = [BASELINE_WORDS.get(k, k) for k in baselines]
    lines.append("| measure | this model | " + " | ".join(f"{n} (baseline)" for n in names) + " |")
    lines.append("|---|---|" + "---|" * len(names))
    for key, label, term in MEASURES:
        if key not in report:
            continue
        cells = [_figure(baselines[b].get(key)) for b in baselines]
        lines.append(f"| {hover(label, term)} | **{_figure(report.get(key))}** | " + " | ".join(cells) + " |")
    lines.append("")
    ndcg = report.get("ndcg_at_10")
    if isinstance(ndcg, int | float):
        others = {b: float(v["ndcg_at_10"]) for b, v in baselines.items() if isinstance(v.get("ndcg_at_10"), int | float)}
        shown = ", ".join(f"{BASELINE_WORDS.get(b, b)} {v:.2f}" for b, v in others.items())
        if others:
            lines += [f"{hover('NDCG@10', 'ndcg@10')} {ndcg:.2f} ({shown}): of the products customers went on to "
                      f"pick, the model puts them {_compare(float(ndcg), others)} in its top 10.", ""]
        else:
            lines += [f"{hover('NDCG@10', 'ndcg@10')} {ndcg:.2f}: how high the model puts the products customers "
                      "went on to pick in its top 10 (1.0 = always first). This report has no baseline figures; "
                      "**Retrain** to compute them.", ""]
    hit = report.get("hr_at_10")
    if isinstance(hit, int | float):
        others_hit = ", ".join(f"{BASELINE_WORDS.get(b, b)} {float(v['hr_at_10']):.0%}" for b, v in baselines.items()
                               if isinstance(v.get("hr_at_10"), int | float))
        lines += [f"{hover('Hit rate@10', 'hit rate@10')} {hit:.2f}: for {hit:.0%} of customers the product they "
                  "picked next is in the model's top 10" + (f" ({others_hit} with the baselines)." if others_hit
                                                            else "."), ""]
    weights = {k: float(v) for k, v in (extra.get("weights") or {}).items() if isinstance(v, int | float) and v}
    if weights:
        total = sum(abs(v) for v in weights.values()) or 1.0
        leans = ", ".join(f"{component_label(k)} {abs(v) / total:.0%}"
                          for k, v in sorted(weights.items(), key=lambda kv: -abs(kv[1])))
        lines += [f"**What it weighs:** {leans}.", ""]
    speed = report.get("recommend_p50_ms")
    if isinstance(speed, int | float):
        lines.append(f"**Speed:** a customer's list in {speed:.0f} ms (median).")
    return "\n".join(lines)


def index_markdown(data: dict[str, Any]) -> str:
    """The search index's section: when it was built, what it holds, which text encoder."""
    counts = ", ".join(f"{v:,} {k}" for k, v in (data.get("counts") or {}).items() if isinstance(v, int))
    if data.get("complete"):
        head = f"**Built:** {_when(data.get('finished_at'))}"
    else:
        head = (f"**Not complete:** a build started {_when(data.get('started_at'))} did not finish; "
                "**Re-index** to finish it")
    encoders = data.get("encoders") or {}
    encoder = ", ".join(f"{k}: {v}" for k, v in encoders.items() if v) if isinstance(encoders, dict) else ""
    return "\n\n".join(["### Search index", f"{head} · holds {counts or 'no documents'}",
                       f"**Text encoder:** {encoder or data.get('model') or 'unknown'}"])


def _held_table(held: dict[str, Any], mine: str, mine_label: str, base: str, base_label: str) -> str:
    rows = [f"| measure | {mine_label} | {base_label} (baseline) |", "|---|---|---|"]
    for key, label in (("ndcg@10", "NDCG@10"), ("mrr@10", "MRR@10")):
        rows.append(f"| {hover(label, key)} | **{_figure((held.get(mine) or {}).get(key))}** | "
                    f"{_figure((held.get(base) or {}).get(key))} |")
    return "\n".join(rows)


def ranker_markdown(data: dict[str, Any], path: Path) -> str:
    """The learned search ranker's section: when, on what, with and without it."""
    held = data.get("held") or {}
    lists = (held.get("hybrid+ranker") or {}).get("lists")
    return "\n".join([
        "### Search ranker (re-orders search results from what shoppers clicked)",
        f"**Built:** {_when(data.get('trained_at'), path)} · checked on {_figure(lists)} searches after "
        f"{str(data.get('cut', ''))[:10]} that it did not learn from", "",
        _held_table(held, "hybrid+ranker", "with the ranker", "hybrid", "without it")])


def encoder_markdown(data: dict[str, Any], path: Path) -> str:
    """The adapted search encoder's section: when, whether it is in use, adapted against generic."""
    held = data.get("held") or {}
    verdict = "in use: it ranks clicked results higher than the generic encoder" if data.get("kept") else \
        "not kept: it did not beat the generic encoder"
    return "\n".join([
        "### Search text encoder (adapted to this shop's searches)",
        f"**Built:** {_when(data.get('trained_at'), path)} · {verdict} · checked on "
        f"{_figure(data.get('held_lists'))} searches it did not learn from", "",
        _held_table(held, "adapted", "adapted", "generic", "generic")])


def models_markdown(service: ShelfwiseService) -> str:
    """Each model and index with when it was built and its figures beside their baselines, and
    the benchmark result files, as found on disk."""
    parts = []
    layout = Workspace(service.workspace)
    report = layout.model_report_path
    summary = _read(report) if report.is_file() else None
    if summary is not None:
        parts.append(recommender_markdown(summary, report))
    else:
        parts.append(f"### Recommender\nNot trained yet: run `shelfwise train --workspace {service.workspace}`.")
    manifest = _read(layout.index_dir / "manifest.json")
    if manifest is not None:
        parts.append(index_markdown(manifest))
    else:
        parts.append(f"### Search index\nNot built yet: run `shelfwise index --workspace {service.workspace}`.")
    ranker = layout.search_ranker_report_path
    if (found := _read(ranker)) is not None:
        parts.append(ranker_markdown(found, ranker))
    encoder = layout.models_dir / "search-encoder-report.json"
    if (found := _read(encoder)) is not None:
        parts.append(encoder_markdown(found, encoder))
    folder = layout.benchmark_reports_dir
    results = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if results:
        lines = []
        for path in results:
            data = _read(path)
            figures = {k: v for k, v in data.items() if isinstance(v, int | float)} if data is not None else {}
            shown = ", ".join(f"{k} {round(v, 4) if isinstance(v, float) else v}" for k, v in list(figures.items())[:6])
            lines.append(f"- `{path.name}`" + (f": {shown}" if shown else ""))
        parts.append(f"### Benchmark results\nIn `{folder}`:\n\n" + "\n".join(lines))
    return "\n\n".join(parts)


def _minutes(seconds: float) -> str:
    n = max(1, round(seconds / 60))
    return f"about {n} minute{'s' if n != 1 else ''}"


def retrain_question(workspace: Any) -> str:
    """The question before a retrain, with how long the last one took."""
    summary = _read(Workspace(workspace).model_report_path) or {}
    seconds = summary.get("seconds") or (summary.get("report") or {}).get("train_seconds")
    took = _minutes(float(seconds)) if isinstance(seconds, int | float) else "a few minutes"
    return (f"**Retrain now?** This replaces the current models ({took}); recommendations keep coming from the "
            "current models until the new ones are saved.")


def reingest_question(workspace: Any) -> str:
    from recsys_core.data.store import read_manifest

    try:
        source = read_manifest(workspace).get("source")
    except Exception:  # noqa: BLE001 - the job itself says what is wrong with the store
        source = None
    where = f"`{source}`" if source else "the source folder"
    return (f"**Re-ingest now?** This reads {where} again and replaces the stored shop data (products, customers, "
            "events); models and the search index stay as they are until you retrain and re-index.")


def reindex_question(workspace: Any) -> str:
    built = _read(Workspace(workspace).index_dir / "manifest.json") or {}
    when = f"; the current one was built {_when(built['finished_at'])}" if built.get("finished_at") else ""
    return f"**Re-index now?** This rebuilds the search index from the stored products and knowledge base{when}."


def retrained_message(summary: dict[str, Any]) -> str:
    """What a retrain did, in words: the new NDCG@10 beside the baselines."""
    report = summary.get("report") or {}
    baselines = (report.get("extra") or {}).get("baselines") or {}
    ndcg = report.get("ndcg_at_10")
    beside = ", ".join(f"{BASELINE_WORDS.get(b, b)} {float(v['ndcg_at_10']):.2f}" for b, v in baselines.items()
                       if isinstance(v, dict) and isinstance(v.get("ndcg_at_10"), int | float))
    figure = f"{ndcg:.2f}" if isinstance(ndcg, int | float) else "n/a"
    return f"Retrained the recommender: NDCG@10 {figure}" + (f" (baselines: {beside})." if beside else ".")


def build_data_tab(service: ShelfwiseService, demo: Any) -> None:
    """Buttons (each asks before it runs: ``data-reingest``, ``data-retrain``, ``data-reindex``,
    their questions in ``data-confirm-{reingest,retrain,reindex}-row`` with "Yes" buttons
    ``data-confirm-*`` and ``data-cancel-*``), the status ``data-status``, the shop summary
    ``data-summary``, models ``data-models`` and the data-quality report ``data-quality``."""
    import gradio as gr

    with gr.Row():
        ingest = gr.Button("Re-ingest", elem_id="data-reingest")
        train = gr.Button("Retrain", elem_id="data-retrain")
        index = gr.Button("Re-index", elem_id="data-reindex")
    asks = {key: Confirmation("data", key, yes=yes) for key, yes in
            (("reingest", "Yes, re-ingest"), ("retrain", "Yes, retrain"), ("reindex", "Yes, re-index"))}
    status = gr.Markdown(elem_id="data-status")
    with gr.Row():
        summary = gr.Markdown(elem_id="data-summary")
        models = gr.Markdown(elem_id="data-models")
    with gr.Accordion("Data-quality report", open=False):
        quality = gr.Markdown(elem_id="data-quality")

    @readable
    def show() -> tuple[str, str, str]:
        return summary_markdown(service), quality_markdown(service), models_markdown(service)

    @readable
    def reingest(progress: gr.Progress = gr.Progress(track_tqdm=True)) -> str:  # noqa: B008
        from recsys_core.data import ingest as run_ingest
        from recsys_core.data.store import read_manifest

        source = read_manifest(service.workspace).get("source")
        if not source or not Path(source).is_dir():
            raise gr.Error(f"the store's source folder {source!r} is gone; run `shelfwise ingest` with the data folder")
        result = run_ingest(source, service.workspace, progress=True)
        service.reload()
        where = result.store_path.name if result.store_path else "unchanged"
        return f"Re-ingested {source}: store {where}, {len(result.issues)} data issue(s)."

    @readable
    def retrain(progress: gr.Progress = gr.Progress(track_tqdm=True)) -> str:  # noqa: B008
        from recsys_core.models.workflow import train_workspace

        out = train_workspace(service.workspace)
        service.reload()
        return retrained_message(out)

    @readable
    def reindex(progress: gr.Progress = gr.Progress(track_tqdm=True)) -> str:  # noqa: B008
        from retrieval.indexing import build_index

        report = build_index(service.workspace, show_progress=True)
        service.reload()
        return f"Re-indexed in {report.seconds:.1f} s: " + ", ".join(
            f"{k} {v.documents}" for k, v in report.collections.items())

    demo.load(show, None, [summary, quality, models])
    jobs = ((ingest, "reingest", reingest, reingest_question, "Re-ingesting…"),
            (train, "retrain", retrain, retrain_question, "Retraining…"),
            (index, "reindex", reindex, reindex_question, "Re-indexing…"))
    for button, key, job, question, working in jobs:
        asks[key].wire(button, job, question=lambda question=question: question(service.workspace),
                       outputs=status, working=working).then(show, None, [summary, quality, models])
