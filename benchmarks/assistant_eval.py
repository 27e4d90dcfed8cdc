"""The assistant's evaluation set and its scorer.

The set (``benchmarks/eval/assistant-dev.yaml`` and ``assistant-test.yaml``) was written before
the semantic router, by someone who had not read the router, in the ways people actually ask;
:func:`split_cases` split it 50/50 by a hash of each conversation. Settings are tuned on dev
only; no test in ``tests/`` reads the test half.

The scorer reads what a user sees — the answer text, its citations, the tool called and its
arguments — and checks it against each case's expectations: the expected tool; the expected
entities among the call's arguments and facts; the expected figure or phrase in the text; the
right document cited; a decline that says so; a clarifying question that asks. It shares no
code with the assistant's grounding guard (it imports nothing from ``assistant``).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict

EVAL_DIR = Path(__file__).resolve().parent / "eval"



def split_files(half: str, eval_dir: Path = EVAL_DIR) -> list[Path]:
    """Every set's ``half`` (``dev`` or ``test``) file: ``assistant-dev.yaml`` and each later
    round's (``round2-dev.yaml`` ...), written by :func:`split_cases`."""
    return sorted(eval_dir.glob(f"*-{half}.yaml"))
KINDS = ("policy", "policy_decline", "product", "clarify", "merch", "strategy", "followup", "chit_chat")


class EvalCase(BaseModel):
    """One question and what a correct answer shows."""

    model_config = ConfigDict(extra="forbid")

    id: str
    q: str
    kind: str
    lang: str = "en"
    tool: str | None = None
    entities: dict[str, Any] = {}
    expect: dict[str, Any] = {}
    session: str | None = None
    user: str | None = None
    split: str = ""


def split_of(case: dict[str, Any]) -> str:
    """dev or test, from a hash of the case's conversation (its id when it has none)."""
    key = str(case.get("session") or case["id"])
    return "test" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2 else "dev"


def split_cases(source: Path, out_dir: Path = EVAL_DIR, name: str = "assistant") -> dict[str, int]:
    """Split the cases of ``source`` into ``<name>-dev.yaml`` and ``<name>-test.yaml``,
    keeping each case's text as written (its comments, which cite where expected values came from)."""
    text = source.read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    head, _, body = text.partition("\ncases:\n")
    lines = body.splitlines()
    first = next((x for x in lines if x.lstrip().startswith("- ")), "")
    indent = len(first) - len(first.lstrip())  # a list written indented under "cases:" is written back flush
    blocks: list[list[str]] = [[]]
    for line in (x[indent:] if not x[:indent].strip() else x for x in lines):
        if line.startswith("- ") and any(not x.startswith("#") for x in blocks[-1]):
            blocks.append([])
        blocks[-1].append(line)
    blocks = [b for b in blocks if any(x.startswith("- ") for x in b)]
    if len(blocks) != len(raw["cases"]):
        raise ValueError(f"{source}: {len(blocks)} case blocks but {len(raw['cases'])} cases; write one case per '- ' block")
    halves: dict[str, list[str]] = {"dev": [], "test": []}
    for case, block in zip(raw["cases"], blocks, strict=True):
        EvalCase(**case)  # validated before it is written
        halves[split_of(case)].extend(block)
    out_dir.mkdir(parents=True, exist_ok=True)
    notes = {"dev": "tune on this half only.", "test": "report only: never tune on it; no test reads it."}
    for half, lines in halves.items():
        banner = (f"# Assistant evaluation set, {half} half: split from {source.name} by a hash of each conversation "
                  f"(benchmarks/assistant_eval.split_of); {notes[half]}\n")
        (out_dir / f"{name}-{half}.yaml").write_text(banner + head + "\ncases:\n" + "\n".join(lines) + "\n",
                                                        encoding="utf-8")
    return {h: sum(1 for x in lines if x.startswith("- ")) for h, lines in halves.items()}


def load_cases(split: str = "dev", path: Path | None = None) -> list[EvalCase]:
    """The cases of one half (``dev``, ``test``: every set's) or ``all``, in file order (sessions
    in turn order); or the cases of ``path``."""
    paths = [path] if path else (split_files("dev") + split_files("test") if split == "all" else split_files(split))
    out = []
    for p in paths:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        half = "test" if p.name.endswith("test.yaml") else "dev" if p.name.endswith("dev.yaml") else split
        out.extend(EvalCase(**{**c, "split": half}) for c in data["cases"])
    return out


# ---- the scorer: reads the answer as a user sees it ----------------------------------------------
_DECLINE = re.compile(
    r"\b(?:can(?:no|')t|could(?:n't| not)|unable to|do(?:n't| not) (?:have|know)|no (?:information|policy|answer)|"
    r"not (?:covered|in our|something (?:i|we))|won't guess|not able to)\b", re.I)
_ASKS = re.compile(r"\?\s*$|\bwhich (?:one|of)\b|\bdo you mean\b|\bdid you mean\b", re.I)


def _norm(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3})", "", text.lower())


def _values(obj: Any) -> Iterable[str]:
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _values(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from _values(v)
    elif obj is not None:
        yield str(obj)


@dataclass
class Verdict:
    case: EvalCase
    answer: dict[str, Any]
    seconds: float
    tool_ok: bool
    entities_ok: bool
    answer_ok: bool
    problems: list[str] = field(default_factory=list)

    @property
    def correct(self) -> bool:
        return self.tool_ok and self.entities_ok and self.answer_ok


def _called(answer: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    calls = answer.get("tool_calls") or []
    return (calls[0]["tool"], dict(calls[0].get("args") or {})) if calls else (None, {})


def score(case: EvalCase, answer: dict[str, Any], seconds: float = 0.0) -> Verdict:
    """Judge one answer (``Answer.to_dict()`` or the REST reply) against the case."""
    text = str(answer.get("answer", ""))
    low = _norm(text)
    tool, args = _called(answer)
    problems: list[str] = []
    exp = case.expect
    asks = not tool and bool(_ASKS.search(text))
    declined = (not answer.get("citations")) and bool(_DECLINE.search(text))
    if exp.get("clarify"):
        tool_ok = asks
    elif case.tool == "chit_chat":
        tool_ok = tool is None and not declined
    else:
        tool_ok = tool == case.tool
    if not tool_ok:
        problems.append(f"tool {tool or ('asked back' if asks else 'none')} != {case.tool or 'clarify'}")
    seen = {v.lower() for v in _values(args)} | {v.lower() for v in _values(answer.get("facts", {}))}
    seen_text = " ".join(sorted(seen))
    ent_ok = True
    for key, want in case.entities.items():
        wants = want if isinstance(want, list) else [want]
        for w in wants:
            if key in ("percent", "price_max", "price_min"):
                got = args.get(key)
                ok = got is not None and abs(float(got) - float(w)) < 1e-6
            elif key == "rank":
                ok = str(w) in {str(args.get("rank")), str((answer.get("facts") or {}).get("rank"))}
            elif key in ("product_type", "query"):
                ok = str(w).lower() in seen_text or str(w).lower() in low
            else:
                ok = str(w).lower() in seen
            if not ok:
                ent_ok = False
                problems.append(f"entity {key}={w} missing")
    ans_ok = True
    if exp.get("decline"):
        ans_ok = declined
        if not declined:
            problems.append("answered instead of declining")
    elif not exp.get("clarify") and case.tool == "kb_answer" and declined:
        ans_ok = False
        problems.append("declined an answerable question")
    if exp.get("doc"):
        docs = exp["doc"] if isinstance(exp["doc"], list) else [exp["doc"]]
        cited = {str(c).split("#")[0] for c in answer.get("citations") or []}
        if not cited & set(docs):
            ans_ok = False
            problems.append(f"cited {sorted(cited) or 'nothing'}, expected {docs}")
    if exp.get("any") and not any(_norm(str(s)) in low for s in exp["any"]):
        ans_ok = False
        problems.append(f"none of {exp['any']} in the answer")
    for s in exp.get("all") or []:
        if _norm(str(s)) not in low:
            ans_ok = False
            problems.append(f"{s!r} not in the answer")
    if exp.get("clarify") and not asks:
        ans_ok = False
    return Verdict(case, answer, seconds, tool_ok, ent_ok, ans_ok, problems)


def run_eval(ask: Any, cases: list[EvalCase], *, progress: bool = True) -> list[Verdict]:
    """Ask every case in order (a session's turns share a conversation) and score it.

    ``ask(question, user=..., session=...)`` returns an answer object with ``to_dict()`` or a dict."""
    from tqdm.auto import tqdm

    out = []
    for i, c in enumerate(tqdm(cases, desc="assistant eval", disable=not progress)):
        session = f"eval-{c.session}" if c.session else f"eval-single-{i}"
        start = time.perf_counter()
        try:
            ans = ask(c.q, user=c.user, session=session)
            got = ans.to_dict() if hasattr(ans, "to_dict") else dict(ans)
        except Exception as exc:  # noqa: BLE001 - a crash is a wrong answer, and the run goes on
            got = {"answer": f"internal error: {type(exc).__name__}: {exc}", "tool_calls": [], "citations": []}
        seconds = time.perf_counter() - start
        out.append(score(c, got, seconds))
    return out


def _rate(flags: list[bool]) -> float | None:
    return round(float(np.mean(flags)), 4) if flags else None


def summarise(verdicts: list[Verdict]) -> dict[str, Any]:
    """Accuracy by measure, kind and language, declines, and latency."""
    v = verdicts
    policy = [x for x in v if x.case.kind == "policy"]
    near = [x for x in v if x.case.expect.get("decline")]
    no_llm = [x.seconds for x in v if x.answer.get("source") != "llm"]
    llm = [x for x in v if x.answer.get("source") == "llm"]
    tried = [x for x in v if (x.answer.get("guard") or {}).get("ok") is not None]
    out: dict[str, Any] = {
        "cases": len(v),
        "tool_accuracy": _rate([x.tool_ok for x in v]),
        "entity_accuracy": _rate([x.entities_ok for x in v if x.case.entities]),
        "answer_accuracy": _rate([x.answer_ok for x in v]),
        "case_accuracy": _rate([x.correct for x in v]),
        "policy_answered_correctly": _rate([x.correct for x in policy]),
        "correct_decline_rate": _rate([x.answer_ok for x in near]),
        "false_decline_rate": _rate(["declined an answerable question" in x.problems for x in policy]),
        "chinese_accuracy": _rate([x.correct for x in v if x.case.lang == "zh"]),
        "followup_accuracy": _rate([x.correct for x in v if x.case.kind == "followup"]),
        "llm_tried": len(tried),
        "llm_worded": len(llm),
        "llm_share": _rate([x.answer.get("source") == "llm" for x in v]),
        "latency_p50_s": round(float(np.percentile(no_llm, 50)), 3) if no_llm else None,
        "latency_p95_s": round(float(np.percentile(no_llm, 95)), 3) if no_llm else None,
    }
    by_kind: dict[str, list[Verdict]] = defaultdict(list)
    by_lang: dict[str, list[Verdict]] = defaultdict(list)
    for x in v:
        by_kind[x.case.kind].append(x)
        by_lang[x.case.lang].append(x)
    out["by_kind"] = {k: {"n": len(xs), "correct": _rate([x.correct for x in xs]), "tool": _rate([x.tool_ok for x in xs])}
                      for k, xs in sorted(by_kind.items())}
    out["by_lang"] = {k: {"n": len(xs), "correct": _rate([x.correct for x in xs]), "tool": _rate([x.tool_ok for x in xs])}
                      for k, xs in sorted(by_lang.items())}
    return out


def failures(verdicts: list[Verdict]) -> list[dict[str, Any]]:
    return [{"id": x.case.id, "q": x.case.q, "kind": x.case.kind, "problems": x.problems,
             "answer": str(x.answer.get("answer", ""))[:240]} for x in verdicts if not x.correct]
