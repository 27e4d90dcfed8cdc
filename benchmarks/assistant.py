"""Assistant benchmark on the demo shop: intent, facts, faithfulness, citations, declines, latency.

    .venv/bin/python benchmarks/assistant.py                 # default local model (SmolLM2), all cases
    .venv/bin/python benchmarks/assistant.py --llm template  # no LLM: template answers only
    .venv/bin/python benchmarks/assistant.py --tune          # choose the KB decline threshold on dev

Uses the workspace given by --workspace when it holds a store, else the built-in demo shop
(seed 0) generated in memory. Prints a table and writes benchmarks/results/assistant*.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.agent import Assistant, ShopServices  # noqa: E402
from assistant.agent.evaluation import dump, failures, load_cases, run_eval, score_case, summarise  # noqa: E402
from assistant.llm import LLMConfig, build_chat_model  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def _services(workspace: str | None) -> ShopServices:
    if workspace and (Path(workspace) / "store").exists():
        return ShopServices(workspace)
    from recsys_core.demo.generate import generate_demo_shop

    shop, _ = generate_demo_shop(0)
    return ShopServices(Path(tempfile.mkdtemp(prefix="shelfwise-bench-")), shop=shop)


def _plateau_middle(scores: dict[float, float]) -> tuple[float, float, float, float]:
    """(chosen, best score, plateau low, plateau high): the middle of the best range is the least
    sensitive to the exact cut."""
    top = max(scores.values())
    plateau = sorted(t for t, v in scores.items() if v == top)
    return plateau[len(plateau) // 2], top, plateau[0], plateau[-1]


def tune(svc: ShopServices) -> tuple[float, float]:
    """Pick the KB similarity, then the IDF-coverage threshold, maximising correct cite-or-decline on dev."""
    cases = [c for c in load_cases(split="dev") if c.intent == "kb_answer"]
    kb = svc.knowledge_base
    tops = [(c, kb.retrieve(c.q, k=1)[0]) for c in cases]

    def accuracy(min_sim: float, min_cov: float) -> float:
        ok = 0
        for c, p in tops:
            answered = p.similarity >= min_sim and p.overlap >= kb.min_overlap and p.coverage >= min_cov
            accepted = [c.doc] if isinstance(c.doc, str) else (c.doc or [])
            ok += (not answered) if c.decline else (answered and p.doc_id in accepted)
        return ok / len(tops)

    sims = {t / 100: accuracy(t / 100, 0.0) for t in range(20, 81, 2)}
    min_sim, top, lo, hi = _plateau_middle(sims)
    print(f"similarity threshold (coverage off): best dev accuracy {top:.3f} for {lo:.2f}..{hi:.2f}; chosen {min_sim:.2f}")
    covs = {t / 100: accuracy(min_sim, t / 100) for t in range(0, 61, 2)}
    min_cov, top, lo, hi = _plateau_middle(covs)
    print(f"coverage threshold at similarity {min_sim:.2f}: best dev accuracy {top:.3f} for {lo:.2f}..{hi:.2f}; "
          f"chosen {min_cov:.2f}")
    for c, p in tops:
        print(f"  {'DECLINE' if c.decline else str(c.doc):<26} top={p.doc_id:<26} sim={p.similarity:.3f} "
              f"overlap={p.overlap} coverage={p.coverage:.2f}  {c.q}")
    return min_sim, min_cov


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace")
    ap.add_argument("--llm", help="backend spec (default: $SHELFWISE_LLM or smollm)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads for the local model")
    ap.add_argument("--split", default="all", choices=["all", "dev", "test"])
    ap.add_argument("--tune", action="store_true", help="choose the KB decline thresholds on the dev cases")
    args = ap.parse_args(argv)

    svc = _services(args.workspace)
    if args.tune:
        tune(svc)
        return 0
    config = LLMConfig.parse(args.llm, threads=args.threads) if args.llm else LLMConfig.from_env(threads=args.threads)
    start = time.perf_counter()
    llm = build_chat_model(config)
    assistant = Assistant(svc, llm)
    for warm in ("hello", "How long does a refund take?", "find a tent", "recommend for user 1",
                 "which categories are trending", "profile of user 1", "what if I boost brand Voltix by 5%",
                 "suggest a promotion", "exposure audit for toys"):
        assistant.ask(warm, session="warm-up")  # loads models, index and analytics once
    setup = time.perf_counter() - start
    cases = load_cases(split=args.split)
    results = run_eval(assistant, cases)
    summary = summarise(results)
    by_split = {s: summarise([r for r in results if r.case.split == s]) for s in ("dev", "test")}
    name = f"assistant-{config.kind}.json"
    dump(results, RESULTS / name, {"backend": config.describe(), "threads": args.threads, "setup_s": round(setup, 1),
                                   "recommender": svc.recommender.name, "search_mode": svc.search_mode,
                                   "by_split": by_split, "cpu_count": os.cpu_count()})
    print(f"\nAssistant benchmark — backend {config.describe()}, {len(cases)} cases, setup {setup:.1f} s")
    print(f"{'metric':<24}{'all':>10}{'dev':>10}{'test':>10}   target")
    targets = {"intent_accuracy": ">= 0.95", "faithfulness": "= 1.00", "citation_accuracy": ">= 0.90",
               "correct_decline_rate": ">= 0.90", "latency_p50_s": "<= 3", "latency_p95_s": "<= 8"}
    for key in ("intent_accuracy", "fact_correctness", "faithfulness", "citation_accuracy", "correct_decline_rate",
                "false_decline_rate", "guard_fallback_rate", "llm_tried", "llm_answers", "llm_answer_rate", "latency_p50_s", "latency_p95_s"):
        row = [summary[key], by_split["dev"][key], by_split["test"][key]]
        print(f"{key:<24}" + "".join(f"{'-' if v is None else v:>10}" for v in row) + f"   {targets.get(key, '')}")
    print(f"guard rejections by check (LLM wordings): {summary['guard_reasons'] or 'none'}")
    bad = failures(results)
    if bad:
        print(f"\n{len(bad)} case(s) with a failed check (details in {RESULTS / name}):")
        for b in bad[:15]:
            print(f"  - {b['q']!r}: {', '.join(b['failed'])} {b['problems'][:2]}")
    return 0


__all__ = ["main", "score_case"]

if __name__ == "__main__":
    sys.exit(main())
