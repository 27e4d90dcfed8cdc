"""Which bundled local model words the assistant's answers best: guard pass rate and latency.

    .venv/bin/python benchmarks/llm_models.py                          # smollm and gemma, 1 torch thread
    .venv/bin/python benchmarks/llm_models.py --models gemma --cases my_cases.yaml

Builds the service over the demo workspace the way benchmarks/assistant.py does (or uses
--workspace W), then runs the assistant with each model over the same questions: a half of the
assistant evaluation set (benchmarks/assistant_eval.load_cases; default dev, the half choices are
made on) or --cases FILE. Only short facts reach the model (a policy passage, a lookup, one
explanation); the rest are answered by their template and not counted. Per model it reports the
answers tried (sent to the model), the guard pass rate (the share of tried answers whose model
wording the guard accepted), latency p50/p95 of the tried answers (whole answer, and the model
call alone), load time of the cached weights, the size of the GGUF as installed and of the
de-quantised cache, and the evaluation set's own judgement (case accuracy, and how many accepted
wordings are still correct: the guard checks grounding, not whether the sentence answers). Prints
a table and writes benchmarks/results/llm-models.json (and W/reports/benchmarks/ given W).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from assistant.agent import Assistant  # noqa: E402
from assistant.service import ShelfwiseService  # noqa: E402
from benchmarks.assistant import _workspace  # noqa: E402
from benchmarks.assistant_eval import EvalCase, Verdict, load_cases, run_eval  # noqa: E402
from benchmarks.results import write_result  # noqa: E402

WARM_UP = ("hello", "find a tent", "recommend for user 1", "which categories are trending", "profile of user 1",
           "what if I boost brand Voltix by 5%", "suggest a promotion", "exposure audit for toys")


class _Recorder:
    """Passes calls to the chat model and keeps each raw wording and its time by question, since the
    guard replaces a rejected wording with the template."""

    def __init__(self, llm: Any):
        self.llm = llm
        self.supports_grounded_decoding = getattr(llm, "supports_grounded_decoding", False)
        self.calls: dict[str, tuple[str, float]] = {}

    def invoke(self, messages: list[Any], **options: Any) -> Any:
        start = time.perf_counter()
        out = self.llm.invoke(messages, **options)
        found = re.search(r"QUESTION: (.*)", str(messages[-1].content))
        self.calls[found.group(1).strip() if found else ""] = (str(out.content), time.perf_counter() - start)
        return out


def _rejected_by(guard: dict[str, Any]) -> list[str]:
    checks = ("unsupported_numbers", "unsupported_ids", "unsupported_names", "unsupported_words", "llm_error")
    return [k for k in checks if guard.get(k)] + list(guard.get("fluency", []))


def _tried(verdicts: list[Verdict]) -> list[Verdict]:
    """Answers whose facts went to the model: their guard report has a verdict ('ok'), where a
    structured result has only a 'skipped' note and a template-only answer none."""
    return [v for v in verdicts if "ok" in (v.answer.get("guard") or {})]


def _reasons(tried: list[Verdict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in tried:
        if v.answer.get("source") != "llm":
            for reason in _rejected_by(v.answer["guard"]):
                counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def _dir_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6, 1)


def measure(svc: ShelfwiseService, name: str, cases: list[EvalCase], *, threads: int | None) -> dict[str, Any]:
    """One bundled model over ``cases``: preparation (first-use conversion), load, and the answers."""
    from assistant.llm import LLMConfig, build_chat_model
    from assistant.llm.bundled import BUNDLED, cached_model_dir, gguf_size

    config = LLMConfig.parse(name, threads=threads)
    start = time.perf_counter()
    model_dir = cached_model_dir(name, config.cache_dir)  # converts the GGUF once, then reused
    prepare = time.perf_counter() - start
    start = time.perf_counter()
    llm = build_chat_model(config)
    llm.load()  # type: ignore[union-attr]
    load = time.perf_counter() - start
    recorder = _Recorder(llm)
    assistant = Assistant(svc, recorder)
    assistant.ask("How long does a refund take?", session="warm-up")  # first generation's one-off costs
    verdicts = run_eval(assistant.ask, cases)
    tried = _tried(verdicts)
    worded = [v for v in tried if v.answer.get("source") == "llm"]
    seconds = [v.seconds for v in tried]
    model_seconds = [recorder.calls[v.case.q][1] for v in tried if v.case.q in recorder.calls]
    return {
        "model": BUNDLED[name].title, "spec": name, "threads": threads,
        "gguf_mb": round(gguf_size(name) / 1e6, 1), "cache_mb": _dir_mb(model_dir),
        "prepare_s": round(prepare, 1), "load_s": round(load, 1),
        "cases": len(verdicts), "tried": len(tried), "llm_worded": len(worded),
        # accepted is not the same as right: how many accepted wordings the evaluation set still judges correct
        "llm_worded_correct": sum(v.correct for v in worded),
        "guard_pass_rate": round(len(worded) / len(tried), 4) if tried else None,
        "llm_errors": sum(bool(v.answer["guard"].get("llm_error")) for v in tried),
        # the eval set's own judgement (tool, entities, answer text): a model wording must not cost correctness
        "case_accuracy": round(float(np.mean([v.correct for v in verdicts])), 4) if verdicts else None,
        "tried_case_accuracy": round(float(np.mean([v.correct for v in tried])), 4) if tried else None,
        "latency_p50_s": _percentile(seconds, 50), "latency_p95_s": _percentile(seconds, 95),
        "latency_mean_s": round(float(np.mean(seconds)), 3) if seconds else None,
        "model_p50_s": _percentile(model_seconds, 50), "model_p95_s": _percentile(model_seconds, 95),
        "guard_reasons": _reasons(tried),
        "answers": [{"id": v.case.id, "q": v.case.q, "source": v.answer.get("source"), "seconds": round(v.seconds, 3),
                     "model_wording": recorder.calls.get(v.case.q, ("", 0.0))[0], "answer": v.answer.get("answer"),
                     "rejected_by": _rejected_by(v.answer["guard"]), "correct": v.correct} for v in tried],
    }


def table(rows: list[dict[str, Any]]) -> str:
    cols = (("model", "model", 30), ("GGUF MB", "gguf_mb", 9), ("cache MB", "cache_mb", 9), ("load s", "load_s", 7),
            ("tried", "tried", 6), ("worded", "llm_worded", 7), ("pass rate", "guard_pass_rate", 10),
            ("worded ok", "llm_worded_correct", 10),
            ("p50 s", "latency_p50_s", 7), ("p95 s", "latency_p95_s", 7), ("model p95 s", "model_p95_s", 12))
    lines = ["".join(f"{title:<{w}}" if i == 0 else f"{title:>{w}}" for i, (title, _, w) in enumerate(cols))]
    for row in rows:
        lines.append("".join(f"{row[key]!s:<{w}}" if i == 0 else f"{'-' if row[key] is None else row[key]!s:>{w}}"
                             for i, (_, key, w) in enumerate(cols)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace")
    ap.add_argument("--models", default="smollm,gemma", help="comma-separated bundled model specs (default: smollm,gemma)")
    ap.add_argument("--split", default="dev", choices=["dev", "test", "all"],
                    help="half of the assistant evaluation set (default: dev, the half choices are made on)")
    ap.add_argument("--cases", type=Path, help="another evaluation file of the same format (overrides --split)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for each model (default: 1)")
    args = ap.parse_args(argv)

    import torch

    from assistant.llm.bundled import BUNDLED

    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in BUNDLED]
    if unknown:
        ap.error(f"unknown model(s) {', '.join(unknown)}; bundled: {', '.join(BUNDLED)}")
    torch.set_num_threads(args.threads)
    workspace = _workspace(args.workspace)
    svc = ShelfwiseService(workspace, llm="template")
    template_only = Assistant(svc)
    for question in WARM_UP:  # loads index and analytics once, before any model is timed
        template_only.ask(question, session="warm-up")
    cases = load_cases(args.split, path=args.cases)
    source = str(args.cases) if args.cases else f"assistant evaluation set, {args.split}"
    rows = []
    for name in names:
        print(f"measuring {name} over {len(cases)} questions ...", file=sys.stderr)
        rows.append(measure(svc, name, cases, threads=args.threads))
    written = write_result("llm-models", {
        "cases": source, "threads": args.threads, "cpu_count": os.cpu_count(),
        "workspace": str(workspace), "models": rows}, workspace=args.workspace, default=str)
    print(f"\nBundled local models — {len(cases)} questions ({source}), {args.threads} torch thread(s); "
          "pass rate = tried answers worded by the model and accepted by the guard; worded ok = of those, judged "
          "correct by the evaluation set; latency over tried answers")
    print(table(rows))
    for row in rows:
        print(f"{row['spec']}: case accuracy {row['case_accuracy']} (tried answers {row['tried_case_accuracy']}); "
              f"guard rejections by check: {row['guard_reasons'] or 'none'}")
    print(f"written: {', '.join(map(str, written))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
