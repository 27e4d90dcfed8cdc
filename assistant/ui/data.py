"""Data & models tab: shop summary, data-quality report, last training/index/benchmark figures,
and buttons that re-ingest, retrain and re-index (with progress).

Everything shown is read from the workspace ``W``, never from the working directory. Benchmark
figures are the JSON files in ``W/reports/benchmarks/`` (``Workspace.benchmark_reports_dir``), which
the benchmark scripts write when run with ``--workspace W`` (``benchmarks/results.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.service import ShelfwiseService
from assistant.ui.common import readable
from recsys_core.workspace import Workspace


def summary_markdown(service: ShelfwiseService) -> str:
    from recsys_core.data.summary import format_summary, shop_summary

    return "```\n" + format_summary(shop_summary(service.workspace)) + "\n```"


def quality_markdown(service: ShelfwiseService) -> str:
    from recsys_core.data import load_quality_report
    from recsys_core.data.quality import report_markdown

    return report_markdown(load_quality_report(service.workspace))


def models_markdown(service: ShelfwiseService) -> str:
    """Training report, index manifest and benchmark result files, as found on disk."""
    parts = []
    layout = Workspace(service.workspace)
    report = layout.model_report_path
    if report.is_file():
        data = json.loads(report.read_text(encoding="utf-8")).get("report", {})
        keep = {k: v for k, v in data.items() if isinstance(v, int | float | str)}
        parts.append("### Recommender (last training, test split)\n" + _table(keep))
    else:
        parts.append(f"### Recommender\nNot trained yet: run `shelfwise train --workspace {service.workspace}`.")
    manifest = layout.index_dir / "manifest.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        parts.append("### Search index\n" + _table({"complete": data.get("complete"), "finished": data.get("finished_at"),
                                                     "model": data.get("model"), **data.get("counts", {})}))
    else:
        parts.append(f"### Search index\nNot built yet: run `shelfwise index --workspace {service.workspace}`.")
    folder = layout.benchmark_reports_dir
    results = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if results:
        lines = []
        for path in results:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a result being rewritten right now
            figures = {k: v for k, v in data.items() if isinstance(v, int | float)} if isinstance(data, dict) else {}
            shown = ", ".join(f"{k} {round(v, 4) if isinstance(v, float) else v}" for k, v in list(figures.items())[:6])
            lines.append(f"- `{path.name}`" + (f": {shown}" if shown else ""))
        parts.append(f"### Benchmark results\nIn `{folder}`:\n\n" + "\n".join(lines))
    return "\n\n".join(parts)


def _table(values: dict[str, Any]) -> str:
    rows = ["| figure | value |", "|---|---|"]
    rows += [f"| {k} | {round(v, 4) if isinstance(v, float) else v} |" for k, v in values.items()]
    return "\n".join(rows)


def build_data_tab(service: ShelfwiseService, demo: Any) -> None:
    import gradio as gr

    with gr.Row():
        ingest = gr.Button("Re-ingest")
        train = gr.Button("Retrain")
        index = gr.Button("Re-index")
    status = gr.Markdown()
    with gr.Row():
        summary = gr.Markdown(elem_id="data-summary")
        models = gr.Markdown(elem_id="data-models")
    with gr.Accordion("Data-quality report", open=False):
        quality = gr.Markdown()

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
        return f"Retrained: {out['model']} (NDCG@10 {out['report'].get('ndcg_at_10', float('nan')):.4f})."

    @readable
    def reindex(progress: gr.Progress = gr.Progress(track_tqdm=True)) -> str:  # noqa: B008
        from retrieval.indexing import build_index

        report = build_index(service.workspace, show_progress=True)
        service.reload()
        return f"Re-indexed in {report.seconds:.1f} s: " + ", ".join(
            f"{k} {v.documents}" for k, v in report.collections.items())

    demo.load(show, None, [summary, quality, models])
    for button, fn in ((ingest, reingest), (train, retrain), (index, reindex)):
        button.click(fn, None, status).then(show, None, [summary, quality, models])
