"""Scoring the assistant on an evaluation set (``benchmarks/assistant_eval.yaml``).

Metrics: intent accuracy, fact correctness, faithfulness (answers with zero unsupported
numbers, ids or names, checked against the facts alone), citation accuracy, correct-decline
rate, guard fallback rate and latency percentiles.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict

from assistant.agent.assistant import Answer, Assistant
from assistant.agent.guard import check_answer

EVAL_FILE = Path(__file__).resolve().parent / "assistant_eval.yaml"


class EvalCase(BaseModel):
    """One question with what a correct answer must show."""

    model_config = ConfigDict(extra="forbid")

    q: str
    intent: str
    split: str
    facts: dict[str, Any] = {}
    doc: str | list[str] | None = None  # accepted doc ids (several when more than one document answers)
    contains: list[str] = []
    decline: bool = False
    session: str | None = None
    check: str | None = None


def load_cases(path: Path = EVAL_FILE, split: str | None = None) -> list[EvalCase]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = [EvalCase(**c) for c in data["cases"]]
    return [c for c in cases if split in (None, "all", c.split)]


def context_turns(case: EvalCase, path: Path = EVAL_FILE) -> list[EvalCase]:
    """Earlier turns of the case's session (from any split): asked first, not scored."""
    if not case.session:
        return []
    earlier = []
    for c in load_cases(path):
        if c is case or c.q == case.q:
            break
        if c.session == case.session:
            earlier.append(c)
    return earlier


@dataclass
class CaseResult:
    case: EvalCase
    answer: Answer
    intent_ok: bool
    facts_ok: bool | None  # None: nothing to check
    cited_ok: bool | None
    decline_ok: bool | None
    faithful: bool
    seconds: float
    problems: list[str] = field(default_factory=list)


def _facts_ok(case: EvalCase, ans: Answer, svc: Any) -> tuple[bool | None, list[str]]:
    problems = []
    for key, want in case.facts.items():
        got = ans.facts.get(key)
        if key == "query" and isinstance(got, str):
            ok = want.lower() in got.lower()
        else:
            ok = str(got).lower() == str(want).lower()
        if not ok:
            problems.append(f"fact {key}: want {want!r}, got {got!r}")
    for text in case.contains:
        if text not in ans.answer:
            problems.append(f"answer lacks {text!r}")
    if case.check == "live_price":
        item = case.facts.get("item_id")
        row = svc.shop.products.set_index("item_id").loc[item]
        if ans.facts.get("price") != round(float(row["price"]), 2) or ans.facts.get("stock") != int(row["stock"]):
            problems.append("price/stock differ from the product table")
    checked = bool(case.facts or case.contains or case.check)
    if not checked or case.decline:
        return None, problems
    return not problems, problems


def score_case(case: EvalCase, ans: Answer, svc: Any, seconds: float) -> CaseResult:
    facts_ok, problems = _facts_ok(case, ans, svc)
    cited_ok = None
    if case.doc:
        accepted = [case.doc] if isinstance(case.doc, str) else case.doc
        cited_ok = bool(ans.citations) and ans.citations[0].split("#")[0] in accepted
    decline_ok = ans.declined == case.decline if case.intent == "kb_answer" else None
    report = check_answer(ans.answer, ans.facts, svc.lexicon)
    faithful = not (report.numbers or report.ids or report.names)
    if not faithful:
        problems.append(f"unsupported: {report.numbers + report.ids + report.names}")
    return CaseResult(case, ans, ans.intent == case.intent, facts_ok, cited_ok, decline_ok, faithful, seconds, problems)


def run_eval(assistant: Assistant, cases: list[EvalCase], *, progress: bool = True) -> list[CaseResult]:
    from tqdm import tqdm

    out = []
    asked: set[str] = set()
    for i, case in enumerate(tqdm(cases, desc="eval", disable=not progress)):
        for turn in context_turns(case):  # a follow-up needs its session's earlier turns
            if turn.q not in asked and turn not in cases:
                assistant.ask(turn.q, session=turn.session or "")
                asked.add(turn.q)
        start = time.perf_counter()
        ans = assistant.ask(case.q, session=case.session or f"case-{i}")
        out.append(score_case(case, ans, assistant.service, time.perf_counter() - start))
    return out


def _rate(values: list[bool | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(float(np.mean(vals)), 4) if vals else None


def guard_reasons(results: list[CaseResult]) -> dict[str, int]:
    """Why LLM wordings were rejected: how many answers tripped each check."""
    out: dict[str, int] = {}
    for r in results:
        g = r.answer.guard
        if not g or g.get("ok") or g.get("skipped"):
            continue
        for key in ("unsupported_numbers", "unsupported_ids", "unsupported_names", "unsupported_words", "llm_error"):
            if g.get(key):
                out[key] = out.get(key, 0) + 1
        for problem in g.get("fluency", []):
            out[problem] = out.get(problem, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def summarise(results: list[CaseResult]) -> dict[str, Any]:
    secs = np.array([r.seconds for r in results]) if results else np.zeros(0)
    llm_tried = [r for r in results if r.answer.guard and not r.answer.guard.get("skipped")]
    return {
        "cases": len(results),
        "intent_accuracy": _rate([r.intent_ok for r in results]),
        "fact_correctness": _rate([r.facts_ok for r in results]),
        "faithfulness": _rate([r.faithful for r in results]),
        "citation_accuracy": _rate([r.cited_ok for r in results]),
        "correct_decline_rate": _rate([r.decline_ok for r in results if r.case.decline]),
        "false_decline_rate": _rate([r.answer.declined for r in results if r.case.intent == "kb_answer" and not r.case.decline]),
        "llm_tried": len(llm_tried),  # short facts sent to the model (structured results are not)
        "llm_answers": sum(r.answer.source == "llm" for r in results),  # the model's wording passed the guard
        "llm_answer_rate": _rate([r.answer.source == "llm" for r in llm_tried]),
        "guard_fallback_rate": _rate([r.answer.source == "template" for r in llm_tried]),
        "latency_p50_s": round(float(np.percentile(secs, 50)), 3) if len(secs) else None,
        "latency_p95_s": round(float(np.percentile(secs, 95)), 3) if len(secs) else None,
        "guard_reasons": guard_reasons(results),
    }


def failures(results: list[CaseResult]) -> list[dict[str, Any]]:
    out = []
    for r in results:
        bad = [name for name, v in (("intent", r.intent_ok), ("facts", r.facts_ok), ("citation", r.cited_ok),
                                     ("decline", r.decline_ok), ("faithful", r.faithful)) if v is False]
        if bad:
            out.append({"q": r.case.q, "failed": bad, "intent": r.answer.intent, "problems": r.problems,
                        "citations": r.answer.citations, "answer": r.answer.answer[:200]})
    return out


def payload(results: list[CaseResult], extra: dict[str, Any]) -> dict[str, Any]:
    """What the benchmark writes: the summary, the failures and every answer."""
    return {**extra, "summary": summarise(results), "failures": failures(results),
            "answers": [{"q": r.case.q, "source": r.answer.source, "seconds": round(r.seconds, 3),
                         "answer": r.answer.answer} for r in results]}
