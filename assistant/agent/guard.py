"""Grounding guard: every number, id and shop name in an answer must appear in the facts.

An answer that mentions anything the facts do not hold is rejected, and the caller falls back
to the deterministic template rendering of the same facts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.agent.lexicon import Lexicon

_NUMBER = re.compile(r"(?<![A-Za-z0-9_])-?\d+(?:,\d{3})*(?:\.\d+)?")
_INJECTION = re.compile(
    r"[^.\n]*\b(?:ignore (?:all |any |the )?(?:previous|prior|above|earlier) (?:instructions|prompts?)|"
    r"disregard (?:all |the )?(?:previous|prior|above) |system prompt|you are now|new instructions|"
    r"set (?:the )?price to|act as (?:an?|the) )[^.\n]*[.\n]?", re.I)


def strip_instructions(text: str) -> tuple[str, int]:
    """Remove sentences that address the assistant (prompt injection); returns (text, how many)."""
    cleaned, n = _INJECTION.subn(" ", text)
    return re.sub(r"[ \t]{2,}", " ", cleaned).strip(), n


_CHUNK_ID = re.compile(r"[A-Za-z][\w-]*#\d+")
_WITH_UNIT = re.compile(r"(?<![A-Za-z0-9_#.])(-?\d+(?:,\d{3})*(?:\.\d+)?)[ \t-]*(%|[A-Za-z]+)")
_NOT_UNITS = frozenset("a an the and or to of in on at by is are was be as it its if so per from than with".split())


def _number_units(text: str) -> dict[float, set[str]]:
    """Each number in ``text`` with the words that follow it ("30 days" -> {30.0: {"days"}})."""
    out: dict[float, set[str]] = {}
    for raw, unit in _WITH_UNIT.findall(text):
        out.setdefault(round(float(raw.replace(",", "")), 4), set()).add(unit.lower()[:4])
    return out


def unit_mismatches(answer: str, facts: str) -> list[str]:
    """Numbers whose unit changed on the way ("within 1 hour" -> "1 order"): the figure exists in
    the facts, but never with that word after it, so the sentence means something else."""
    known = _number_units(facts)
    bad = []
    for raw, unit in _WITH_UNIT.findall(answer):
        word = unit.lower()
        if word in _NOT_UNITS or word in _FUNCTION_WORDS:
            continue
        units = known.get(round(float(raw.replace(",", "")), 4))
        if units is not None and word[:4] not in units:
            bad.append(f"{raw} {unit}")
    return bad


_TOKEN = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?|[A-Za-z]+")
_LIGHT = frozenset("""a an the and or to of in on at by is are was be as it its if so per from than with for our
your you we they this that not no yes can will all any""".split())


def _context_words(tokens: list[str], i: int, width: int) -> set[str]:
    near = tokens[max(0, i - width):i] + tokens[i + 1:i + 1 + width]
    return {t.lower()[:4] for t in near if t.isalpha() and len(t) >= 3 and t.lower() not in _LIGHT}


def context_mismatches(answer: str, facts: str) -> list[str]:
    """Numbers that sit among other words than anywhere in the facts: "Deskly 40.9%" must not
    become "40.9% of office items never shown". Each answer number's neighbours (3 words each
    side) that are fact words must include one of that number's neighbours in the facts (4 words
    each side); words the facts never use (a paraphrase such as "costs") are not evidence either way."""
    ftoks = _TOKEN.findall(facts)
    near: dict[float, set[str]] = {}
    for i, tok in enumerate(ftoks):
        if not tok[-1].isdigit():
            continue
        near.setdefault(round(float(tok.replace(",", "")), 4), set()).update(_context_words(ftoks, i, 4))
    vocabulary = {t.lower()[:4] for t in ftoks if t.isalpha()}
    atoks = _TOKEN.findall(answer)
    bad = []
    for i, tok in enumerate(atoks):
        if not tok[-1].isdigit():
            continue
        value = round(float(tok.replace(",", "")), 4)
        mine = _context_words(atoks, i, 3) & vocabulary  # paraphrase words ("costs") are not evidence
        if value in near and mine and not mine & near[value]:
            bad.append(tok)
    return bad


def _numbers(text: str) -> set[float]:
    out = set()
    for m in _NUMBER.findall(text):
        try:
            out.add(round(float(m.replace(",", "")), 4))
        except ValueError:
            continue
    return out


_ORDINALS = {w: float(i) for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth".split(), start=1)}
_ORDINAL = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\b", re.I)
_ECHO = re.compile(r"\b(?:FACTS|QUESTION|ANSWER|POLICY|SYSTEM)\s*:", re.I)


def fluency_problems(text: str) -> list[str]:
    """Signs of a broken generation: prompt echo, loops, a cut-off last sentence."""
    problems = []
    if not text.strip():
        problems.append("empty")
    if _ECHO.search(text):
        problems.append("echoes the prompt")
    toks = re.findall(r"[a-z0-9]+", text.lower())
    grams = [" ".join(toks[i:i + 3]) for i in range(len(toks) - 2)]
    if grams and max(grams.count(g) for g in set(grams)) >= 3:
        problems.append("repeats itself")
    return problems


def complete_sentences(text: str) -> str:
    """``text`` without a trailing sentence the token limit cut off ("" if none is complete)."""
    text = text.strip()
    if not text or text[-1] in ".!?)\"'":
        return text
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", text)]
    return text[:ends[-1]].strip() if ends else ""


_FUNCTION_WORDS = frozenset("""about above after again also although always another because been before being below
between both cannot could does doing down during each either even every from further have having here itself just
like more most much must never only other over same should since some such than that their them then there these
they this those through under until very well were what when where which while will with within without would your
yours please thank thanks answer question based given following according costs priced available recommended
recommend ranked ranks score scores item items product products currently total because""".split())
MIN_WORD_SUPPORT = 0.7


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 4 and w not in _FUNCTION_WORDS]


def unsupported_words(answer: str, source: str) -> tuple[list[str], float]:
    """Answer words (4+ letters, not function words) whose 5-letter stem is absent from ``source``,
    and the share of answer words that are supported. Catches invented prose a number check misses."""
    stems = {w[:5] for w in _content_words(source)}
    words = _content_words(answer)
    missing = [w for w in words if w[:5] not in stems]
    if len(words) < 3:  # too short to judge by wording; numbers, ids and names are still checked
        return [], 1.0
    return missing, 1.0 - len(missing) / len(words)


def facts_text(facts: Any) -> str:
    return json.dumps(facts, default=str, ensure_ascii=False)


@dataclass
class GuardReport:
    """Unsupported mentions found in an answer (empty lists: the answer is grounded)."""

    numbers: list[str] = field(default_factory=list)
    fluency: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # set when too few answer words are supported
    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.numbers or self.ids or self.names or self.fluency or self.words)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "unsupported_numbers": self.numbers, "unsupported_ids": self.ids,
                "unsupported_names": self.names, "fluency": self.fluency,
                "unsupported_words": self.words}


def check_answer(answer: str, facts: Any, lex: Lexicon, *, question: str = "",
                 min_word_support: float | None = None, need_figure: bool = True) -> GuardReport:
    """Which numbers, ids and shop names in ``answer`` the facts do not support.

    With ``min_word_support`` the answer's wording is checked too: if fewer than that share of its
    content words occur in the facts or the question, the unsupported words are reported.
    ``need_figure=False`` accepts a summary without a figure (the exact figures follow it).
    """
    ftext = facts_text(facts)
    flow = ftext.lower()
    figures_text = _CHUNK_ID.sub(" ", ftext)  # "privacy-policy#3" supports no figure "3"
    supported = _numbers(figures_text)
    report = GuardReport(fluency=fluency_problems(answer))
    id_rx = re.compile(rf"\b(?:{re.escape(lex.item_prefix)}|{re.escape(lex.user_prefix)})\d+\b")
    for m in id_rx.findall(answer):
        if m not in ftext:
            report.ids.append(m)
    for m in _CHUNK_ID.findall(answer):  # a cited chunk ("returns-policy#3") must be one the facts hold
        if m not in ftext:
            report.ids.append(m)
    no_ids = _CHUNK_ID.sub(" ", id_rx.sub(" ", answer))
    for raw in _NUMBER.findall(no_ids):
        value = round(float(raw.replace(",", "")), 4)
        if value not in supported:
            report.numbers.append(raw)
    report.numbers += unit_mismatches(no_ids, ftext)
    for word in _ORDINAL.findall(answer):  # "ranked first" is a number too
        if _ORDINALS[word.lower()] not in supported:
            report.numbers.append(word)
    low = " " + re.sub(r"[^a-z0-9&]+", " ", answer.lower()) + " "
    for vocab in (lex.brands, lex.categories):
        for key, name in vocab.items():
            if f" {key} " in low and key not in flow:
                report.names.append(name)
    for doc_id in lex.doc_ids:
        if doc_id in answer and doc_id not in ftext:
            report.ids.append(doc_id)
    if min_word_support is not None:
        # the question is not a source: a model that affirms what was asked ("yes, we offer X") must fail
        missing, support = unsupported_words(answer, ftext)
        if support < min_word_support:
            report.words = missing
        report.fluency += coverage_problems(answer, figures_text, question, need_figure=need_figure)
        report.fluency += polarity_problems(answer, ftext)
        # the model's sentence against the template: each figure among the words it had there
        report.numbers += [n for n in context_mismatches(no_ids, figures_text) if n not in report.numbers]
    return report


_NEGATION = re.compile(r"\b(?:no|not|never|none|nothing|cannot|without)\b|n't\b", re.I)
_ABSOLUTE = re.compile(r"\b(?:all|every|always|any|only|each|everything|anything)\b", re.I)


def polarity_problems(answer: str, facts: str) -> list[str]:
    """A negation, or an absolute word ("all", "always", "only"), the facts do not make: a tiny
    model's favourite way to turn a fact into its opposite while every figure still checks out."""
    problems = []
    if _NEGATION.search(answer) and not _NEGATION.search(facts):
        problems.append("adds a negation")
    low = set(re.findall(r"[a-z]+", facts.lower()))
    added = sorted({w.lower() for w in _ABSOLUTE.findall(answer)} - low)
    if added:
        problems.append(f"adds {', '.join(added)!s}")
    return problems


def coverage_problems(answer: str, facts: str, question: str, *, need_figure: bool = True) -> list[str]:
    """An answer must carry facts: some fact words beyond the question's, and a figure when the facts have one."""
    problems = []
    asked = {w[:5] for w in _content_words(question)}
    fact_stems = {w[:5] for w in _content_words(facts)}
    new_words = [w for w in _content_words(answer) if w[:5] in fact_stems and w[:5] not in asked]
    new_numbers = _numbers(answer) - _numbers(question)
    if not new_words and not new_numbers:
        problems.append("adds nothing from the facts")
    if need_figure and _NUMBER.search(facts) and not _NUMBER.search(answer):
        problems.append("drops every figure")
    return problems
