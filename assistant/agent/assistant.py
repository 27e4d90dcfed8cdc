"""The assistant: route → one tool call → facts → template → (LLM phrasing → grounding guard) → answer.

It holds no engines of its own: every tool calls the workspace's :class:`ShelfwiseService`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.agent.guard import (
    MIN_WORD_SUPPORT,
    check_answer,
    complete_sentences,
    strip_instructions,
)
from assistant.agent.memory import SessionMemory
from assistant.agent.router import CHIT_CHAT, CLARIFY, LIST_TOOLS, Route, route, route_trace
from assistant.agent.slots import extract_slots
from assistant.agent.tools import CHIT_CHAT as CHIT_CHAT_REPLY
from assistant.agent.tools import (
    DECLINE,
    UNKNOWN,
    Plan,
    ToolResult,
    get_tool,
    langchain_tools,
    registered_tools,
    render,
)
from assistant.ids import padded_form
from assistant.prompts import Prompt, chat_messages, load_prompt
from recsys_core.errors import ShelfwiseError, UnknownIdError
from recsys_core.privacy import ChatLog, redact

if TYPE_CHECKING:
    from assistant.service import ShelfwiseService


@dataclass
class Answer:
    """What the assistant returns: text, the facts it rests on, and their citations."""

    answer: str
    intent: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    citations: list[str] = field(default_factory=list)
    declined: bool = False
    source: str = "template"  # "llm" when the model's wording passed the guard
    guard: dict[str, Any] = field(default_factory=dict)
    slots: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    # a clarifying question's choices: {"label", "question", "intent"}; the UI shows them as buttons
    options: list[dict[str, Any]] = field(default_factory=list)
    route: dict[str, Any] = field(default_factory=dict)  # the routing decision (readings, confidence)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Assistant:
    """A grounded shop assistant over one workspace's service.

    ``llm`` is a LangChain chat model (None: template answers only). ``tool_calling`` lets a
    backend that supports ``bind_tools`` pick the tool; the deterministic router is the default
    and the fallback.
    """

    def __init__(self, service: ShelfwiseService, llm: Any = None, *, tool_calling: bool = False,
                 memory: SessionMemory | None = None, prompt: Prompt | None = None,
                 chat_log: ChatLog | None = None):
        self.service = service
        self.chat_log = chat_log  # W/logs/chat.jsonl: redacted turns, pseudonymised user ids
        self.llm = llm
        self.tool_calling = tool_calling
        self.memory = memory or SessionMemory()
        self.prompt = prompt or load_prompt("answer")

    # ---- routing and tools -------------------------------------------------------------
    def _route(self, question: str, session: str, forced: str | None = None, user: str | None = None) -> Route:
        previous = self.memory.last_route(session)
        r = route(question, self.service.lexicon, previous, forced=forced, default_user=user)
        r.listed = list(previous.listed) if previous else []  # kept until a list tool answers
        return r

    def _llm_tool_choice(self, question: str) -> tuple[str, dict[str, Any]] | None:
        if not (self.tool_calling and self.llm is not None and hasattr(self.llm, "bind_tools")):
            return None
        try:  # no PII to the model
            msg = self.llm.bind_tools(langchain_tools(self.service)).invoke(redact(question))
        except (NotImplementedError, ShelfwiseError, ValueError):
            return None
        calls = getattr(msg, "tool_calls", None) or []
        if not calls or calls[0]["name"] not in registered_tools():
            return None
        return calls[0]["name"], dict(calls[0]["args"])

    def _call(self, tool: str, args: dict[str, Any]) -> ToolResult:
        return get_tool(tool).call(self.service, {k: v for k, v in args.items() if v is not None})

    # ---- answering -----------------------------------------------------------------------
    def _phrase(self, question: str, result: ToolResult, template: str) -> tuple[str, str, dict[str, Any]]:
        """(answer, source, guard report): the LLM's sentence if it passes the guard, else the template.

        Only short facts (a price, a policy passage, one item's score) go to the model; a structured
        result (a ranked list, a what-if, a trend table) is answered by its exact template, since a
        one-sentence summary of it is either incomplete or misleading. Local models decode with the
        facts' vocabulary only (assistant.llm.constrain); the guard then checks the sentence.
        """
        if self.llm is None or result.declined or result.error:
            return template, "template", {}
        if get_tool(result.tool).structured or len(template) > LLM_MAX_FACT_CHARS:
            return template, "template", {"skipped": f"structured result ({len(template)} characters): exact template"}
        messages = chat_messages(self.prompt, question=question, facts=template)
        options: dict[str, Any] = {}
        if getattr(self.llm, "supports_grounded_decoding", False):  # local model: facts' vocabulary only
            options = {"grounding": f"{template}\n{question}", "one_sentence": True}
        try:
            text = str(self.llm.invoke(messages, **options).content).strip()
        except ShelfwiseError:
            raise
        except Exception as exc:  # a flaky or busy backend must not lose the answer: the template stands
            return template, "template", {"ok": False, "llm_error": f"{type(exc).__name__}: {exc}"}
        text = complete_sentences(_ECHO_TAIL.split(text)[0])
        report = check_answer(text, {"facts": result.facts, "template": template}, self.service.lexicon,
                              question=question, min_word_support=MIN_WORD_SUPPORT)
        guard = report.to_dict()
        if not guard["ok"]:
            return template, "template", guard
        source = _SOURCE.search(template)
        return (f"{text} {source.group(0)}" if source else text), "llm", guard

    def ask(self, question: str, *, user: str | None = None, session: str = "default",
            intent: str | None = None) -> Answer:
        """Answer one question; ``user`` is the default user id when the question names none;
        ``intent`` is the reading the user picked from a clarifying question's options."""
        start = time.perf_counter()
        question, stripped = strip_instructions(question) if _looks_injected(question) else (question, 0)
        if stripped and len(re.findall(r"\w+", re.sub(r"\{[^{}]*\}", " ", question))) < 2:
            question = "hello"  # nothing was asked but instructions: the assistant says what it can do
        if intent is not None and intent not in registered_tools():
            raise ShelfwiseError(f"unknown intent {intent!r}; choose one of {', '.join(registered_tools())}")
        lex = self.service.lexicon
        if intent is None:  # "P00466" or "the second one" after "Several products fit ...: which one?"
            question, intent = self._picked_option(question, session) or (question, intent)
        if user and user.isdigit():  # --user 17 means the shop's U00017
            user = lex.user_id(user)
        elif user and user not in lex.user_ids:  # "u00017", "U0017": the shop's U00017, as in a question
            padded = padded_form(user, prefix=lex.user_prefix, width=lex.user_width)
            user = padded if padded in lex.user_ids else user
        r = self._route(question, session, intent, user)
        if user and not r.slots.user_id and not r.slots.query and user in lex.user_ids:
            r.slots.user_id = user
        picked = self._llm_tool_choice(question) if intent is None else None
        plan = get_tool(r.intent).plan(r.slots, question, user) if r.intent in registered_tools() else Plan(None)
        options: list[dict[str, Any]] = []
        understood: dict[str, Any] = {}  # what a clarifying question did understand (its facts panel)
        if r.slots.ambiguous_items and not r.slots.item_ids and r.intent in _NEEDS_ITEM and not picked:
            plan, options = self._which_item(question, r)
            understood = {"description": r.slots.product_description, "brands": list(r.slots.brands),
                          "product_type": r.slots.product_type, "candidates": list(r.slots.ambiguous_items)}
        elif r.intent == CLARIFY:
            plan, options = _which_reading(question, r)
        tool, args = picked if picked else (plan.tool, plan.args)
        if r.slots.unknown_items and r.intent in _NEEDS_ITEM and not picked:
            tool, args = None, {}  # "why is P09999 first": not a product of this shop, said instead of a guess
            text, understood = self._not_a_product(r.slots.unknown_items[0])
            plan, options = Plan(None, ask=text), []
        if tool == "kb_answer" and r.followup and not picked:  # "and who pays import tax?": the last question is its context
            earlier = self.memory.turns(session)
            if earlier:
                args = {**args, "context": earlier[-1]["question"]}
        if tool is None:
            text = plan.ask or (CHIT_CHAT_REPLY if r.intent == CHIT_CHAT else UNKNOWN)
            out = Answer(text, r.intent, facts=understood, slots=r.slots.to_dict(), options=options)
        else:
            result = self._call(tool, args)
            if r.followup and r.slots.rank and tool == "lookup_product" and "rank" not in result.facts:
                result.facts["rank"] = r.slots.rank  # "price of the second one": its place in the last list
            if result.tool == "kb_answer" and not result.declined:
                dropped = 0
                for key in ("passage", "chunk_text"):
                    if key in result.facts:
                        result.facts[key], n = strip_instructions(result.facts[key])
                        dropped += n
                if dropped:
                    result.facts["instructions_removed"] = dropped
            template = render(result)
            text, source, guard = self._phrase(question, result, template)
            intent = result.tool if picked else r.intent
            out = Answer(text, intent, [{"tool": result.tool, "args": result.args}], result.facts,
                         result.citations, result.declined, source, guard, r.slots.to_dict())
            if result.tool in LIST_TOOLS and not result.error:
                r.shown = r.listed = [str(row["item_id"]) for row in result.facts.get("results", []) if "item_id" in row]
            elif result.facts.get("item_id"):
                r.shown = [str(result.facts["item_id"])]
            if result.tool != r.intent and result.tool in registered_tools():
                r.intent = result.tool  # a plan may hand over (a product named but not identified: search)
        out.route = route_trace(r)
        out.seconds = round(time.perf_counter() - start, 3)
        self._record(session, question, out, r, [user, r.slots.user_id, out.facts.get("user_id")])
        return out

    def _not_a_product(self, item_id: str) -> tuple[str, dict[str, Any]]:
        """The answer (and its facts) for a product id the shop does not have."""
        try:
            self.service.check_item(item_id)
        except UnknownIdError as exc:
            return f"{exc}.", {"unknown_id": item_id, "id_kind": "item", "closest": list(exc.closest)}
        return f"{item_id} is a product of this shop now: ask again.", {}  # added since the lexicon was read

    def _picked_option(self, reply: str, session: str) -> tuple[str, str] | None:
        """(the earlier question with the product picked, its intent) when ``reply`` answers the
        last turn's "which one do you mean?" by an option's id or place ("P00466", "the first
        one", "2"): the same as clicking that option."""
        previous = self.memory.last_route(session)
        turns = self.memory.turns(session)
        if previous is None or not turns or previous.slots.item_ids or previous.intent not in _NEEDS_ITEM:
            return None
        options = previous.slots.ambiguous_items[:4]
        if not options:
            return None
        words = re.findall(r"\w+", reply.lower())
        lex = self.service.lexicon
        ids = {i.lower() for i in lex.item_ids}
        if len(words) > 4 or any(w not in _PICK_WORDS and not w.isdigit() and w not in ids for w in words):
            return None  # "how much is P00555?" is a question of its own, not a pick
        slots = extract_slots(reply, self.service.lexicon)
        if slots.item_ids:
            picked = slots.item_ids[0] if len(slots.item_ids) == 1 and slots.item_ids[0] in options else None
        else:
            place = slots.rank or (int(words[0]) if len(words) == 1 and words[0].isdigit() else None)
            picked = options[place - 1] if place and 1 <= place <= len(options) else None
        if picked is None:
            return None
        return f"{turns[-1]['question']} ({picked})", previous.intent

    def _which_item(self, question: str, r: Route) -> tuple[Plan, list[dict[str, Any]]]:
        """A product description several items fit: ask which, with each as an option."""
        products = self.service.products
        options = []
        for item_id in r.slots.ambiguous_items[:4]:
            title = str(products.loc[item_id, "title"]) if item_id in products.index else item_id
            options.append({"label": f"{item_id} {title}", "question": f"{question} ({item_id})", "intent": r.intent})
        named = r.slots.product_description or "that description"
        listing = "; ".join(o["label"] for o in options)
        more = len(r.slots.ambiguous_items) - len(options)
        tail = f" (and {more} more: add a colour or size)" if more > 0 else ""
        return Plan(None, ask=f"Several products fit \"{named}\": {listing}{tail}. Which one do you mean?"), options

    def _record(self, session: str, question: str, out: Answer, r: Route, user_ids: list[Any]) -> None:
        """Session memory and the chat log: PII redacted, users known by pseudonym only."""
        ids = [str(u) for u in user_ids if u]
        if self.chat_log is None:
            self.memory.remember(session, question, out.answer, r)
            return
        aliases = self.chat_log.pseudonyms(ids)
        self.memory.remember(session, question, out.answer, r, users=sorted(set(aliases.values())))
        self.chat_log.append(question=question, answer=out.answer, intent=out.intent, session=session, user_ids=ids)

    def stream(self, question: str, *, user: str | None = None, session: str = "default") -> Iterator[str]:
        """The answer in pieces. Checked text only: the guard needs the whole answer before any is shown."""
        yield self.ask(question, user=user, session=session).answer


def _which_reading(question: str, r: Route) -> tuple[Plan, list[dict[str, Any]]]:
    """The classifier is unsure: offer its two most likely readings."""
    options = [{"label": get_tool(i).label or i, "question": question, "intent": i}
               for i in r.options if i in registered_tools()]
    if len(options) < 2:
        return Plan(None, ask=UNKNOWN), options
    return Plan(None, ask=f"Do you mean {options[0]['label']}, or {options[1]['label']}?"), options


_PICK_WORDS = frozenset("the a first second third fourth 1st 2nd 3rd 4th one number no option that this it "
                        "please i mean meant yes".split())
_NEEDS_ITEM = ("lookup_product", "explain_ranking", "compare", "whatif", "product_reviews")
LLM_MAX_FACT_CHARS = 240  # longer templates are structured results: answered by the template alone
_SOURCE = re.compile(r"\(source: [^()]*\)$")
_ECHO_TAIL = re.compile(r"\n\s*(?:QUESTION|FACTS|ANSWER)\s*:")


def _looks_injected(text: str) -> bool:
    return strip_instructions(text)[1] > 0


__all__ = ["DECLINE", "Answer", "Assistant"]
