"""Assistant benchmark on the demo shop: tool, entities, answers, declines, Chinese, latency.

    .venv/bin/python benchmarks/assistant.py --llm template       # dev half, template answers only
    .venv/bin/python benchmarks/assistant.py --tune               # fit the KB decline model on dev
    .venv/bin/python benchmarks/assistant.py --split test         # the test half: report once, at the end
    .venv/bin/python benchmarks/assistant.py --cases other.yaml   # any set in the same format

Runs the configuration users get: the service over a trained and indexed workspace. With
--workspace W it uses that workspace (store, ``shelfwise train`` and ``shelfwise index`` done);
without, it builds the built-in demo shop (seed 0) once with ``shelfwise demo --no-serve`` in the
cache folder (``$SHELFWISE_CACHE_DIR/benchmarks/demo-workspace``) and reuses it. Answers are
scored by benchmarks/assistant_eval.score from their text, citations and tool call. Prints a
table and writes benchmarks/results/assistant-<backend>-<split>.json (and W/reports/benchmarks/).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.agent import Assistant  # noqa: E402
from assistant.service import ShelfwiseService  # noqa: E402
from benchmarks.assistant_eval import (  # noqa: E402
    failures,
    load_cases,
    run_eval,
    split_cases,
    split_files,
    summarise,
)
from benchmarks.results import write_result  # noqa: E402


def _workspace(given: str | None) -> Path:
    """The workspace to evaluate: the given one, else the demo shop built once in the cache."""
    if given:
        return Path(given)
    from assistant.demo import run_demo
    from recsys_core.workspace import cache_root

    root = cache_root() / "benchmarks" / "demo-workspace"
    run_demo(root, seed=0, serve=False, out=sys.stderr)  # reuses every step already built
    return root


def tune(svc: ShelfwiseService) -> dict[str, Any]:
    """Fit the knowledge base's answer-or-decline model on the dev policy questions (every set's
    dev half): a logistic regression over retrieval features, target "the knowledge base answers
    this" (near misses are the negatives). The regularisation and the cut are chosen on
    leave-one-out probabilities — each question scored by a model that never saw it — so the
    reported balanced accuracy is an out-of-sample figure: the cut is the middle of the plateau
    of leave-one-out balanced accuracy (answering what the policies cover and declining what they
    don't weigh the same). Writes retrieval/kb_decline.json. No test half is read."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import LeaveOneOut, cross_val_predict

    from assistant.agent.glossary import english_form
    from retrieval.knowledge import FEATURES, DeclineModel

    kb = svc.knowledge_base
    cases = [c for c in load_cases("dev") if c.tool == "kb_answer"]
    rows, ys = [], []
    hits = 0
    for c in tqdm(cases, desc="kb features", disable=None):
        reply = kb.answer(english_form(c.q))
        top = reply.passages[0].doc_id if reply.passages else None
        docs = c.expect.get("doc") or []
        docs = docs if isinstance(docs, list) else [docs]
        rows.append([reply.features[f] for f in FEATURES])
        ys.append(int(not c.expect.get("decline")))
        hits += int(not c.expect.get("decline") and top in docs)
    x = np.array(rows, dtype=float)
    y = np.array(ys)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / scale

    def balanced(probs: np.ndarray) -> dict[float, float]:
        return {t / 100: float((np.mean(probs[y == 1] >= t / 100) + np.mean(probs[y == 0] < t / 100)) / 2)
                for t in range(10, 91, 2)}

    loo: dict[float, np.ndarray] = {}
    for c_value in (0.1, 0.3, 1.0, 3.0):
        loo[c_value] = cross_val_predict(LogisticRegression(C=c_value, max_iter=1000, class_weight="balanced"), z, y,
                                         cv=LeaveOneOut(), method="predict_proba")[:, 1]
    best_c = max(loo, key=lambda c: (roc_auc_score(y, loo[c]), -c))
    grid = balanced(loo[best_c])
    top_acc = max(grid.values())
    plateau = sorted(t for t, a in grid.items() if a == top_acc)
    threshold = plateau[len(plateau) // 2]
    model = LogisticRegression(C=best_c, max_iter=1000, class_weight="balanced").fit(z, y)
    auc = float(roc_auc_score(y, loo[best_c]))
    fitted = DeclineModel(coef={f: round(float(w), 5) for f, w in zip(FEATURES, model.coef_[0], strict=True)},
                          intercept=round(float(model.intercept_[0]), 5), threshold=threshold,
                          mean={f: round(float(m), 5) for f, m in zip(FEATURES, mean, strict=True)},
                          scale={f: round(float(v), 5) for f, v in zip(FEATURES, scale, strict=True)},
                          fitted_on=f"dev halves ({', '.join(p.name for p in split_files('dev'))}): {len(cases)} kb "
                                    f"questions, {int(y.sum())} answerable ({hits} with a right document first); "
                                    f"C={best_c}, leave-one-out AUC {auc:.3f}, balanced accuracy {top_acc:.3f}")
    fitted.save()
    print(f"decline model on {len(cases)} dev questions ({int(y.sum())} answerable, {hits} with a right document "
          f"first): C={best_c}, leave-one-out AUC {auc:.3f}, balanced accuracy {top_acc:.3f}, "
          f"plateau {plateau[0]:.2f}..{plateau[-1]:.2f}, threshold {threshold:.2f}")
    print("coefficients:", fitted.coef)
    return {"accuracy": top_acc, "auc": auc, "threshold": threshold, "coef": fitted.coef}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace")
    ap.add_argument("--llm", help="backend spec (default: $SHELFWISE_LLM or smollm)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads for the local model")
    ap.add_argument("--split", default="dev", choices=["dev", "test"], help="which half (test: report once)")
    ap.add_argument("--cases", help="another evaluation file in the same format (e.g. a hidden set)")
    ap.add_argument("--tune", action="store_true", help="fit the KB decline model on the dev half")
    ap.add_argument("--split-from", help="split this YAML set 50/50 by hash into benchmarks/eval/ and exit")
    ap.add_argument("--name", default="assistant", help="with --split-from: the halves' file stem (<name>-dev.yaml)")
    args = ap.parse_args(argv)

    from assistant.llm import LLMConfig, build_chat_model

    if args.split_from:
        print(split_cases(Path(args.split_from), name=args.name))
        return 0
    workspace = _workspace(args.workspace)
    svc = ShelfwiseService(workspace, llm="template")
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
    cases = load_cases(args.split, Path(args.cases) if args.cases else None)
    verdicts = run_eval(assistant.ask, cases)
    summary = summarise(verdicts)
    name = f"assistant-{config.kind}-{args.split}" if not args.cases else f"assistant-{config.kind}-{Path(args.cases).stem}"
    written = write_result(name, {
        "summary": summary, "failures": failures(verdicts), "backend": config.describe(), "threads": args.threads,
        "setup_s": round(setup, 1), "workspace": str(workspace), "search_mode": svc.search_mode,
        "split": args.split, "cases_file": args.cases, "cpu_count": os.cpu_count()},
        workspace=args.workspace, default=str)
    which = Path(args.cases).name if args.cases else f"{args.split} half"
    print(f"\nAssistant benchmark — backend {config.describe()}, {which}, {len(cases)} cases, "
          f"setup {setup:.1f} s, search {svc.search_mode}")
    targets = {"tool_accuracy": ">= 0.95", "entity_accuracy": ">= 0.95", "policy_answered_correctly": ">= 0.90",
               "correct_decline_rate": ">= 0.90", "false_decline_rate": "<= 0.05", "chinese_accuracy": ">= 0.85",
               "latency_p50_s": "<= 0.3", "latency_p95_s": "<= 2"}
    print(f"{'metric':<28}{'value':>10}   target")
    for key in ("cases", "tool_accuracy", "entity_accuracy", "answer_accuracy", "case_accuracy",
                "policy_answered_correctly", "correct_decline_rate", "false_decline_rate", "chinese_accuracy",
                "followup_accuracy", "llm_tried", "llm_worded", "llm_share", "latency_p50_s", "latency_p95_s"):
        value = summary[key]
        print(f"{key:<28}{'-' if value is None else value:>10}   {targets.get(key, '')}")
    print(f"\n{'kind / language':<20}{'n':>5}{'correct':>10}{'tool':>8}")
    for group in ("by_kind", "by_lang"):
        for k, row in summary[group].items():
            print(f"{k:<20}{row['n']:>5}{row['correct']:>10}{row['tool']:>8}")
    bad = failures(verdicts)
    if bad:
        print(f"\n{len(bad)} case(s) not fully right (all in {written[0]}):")
        for b in bad[:25]:
            print(f"  - [{b['id']}] {b['q']!r}: {'; '.join(b['problems'][:3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
