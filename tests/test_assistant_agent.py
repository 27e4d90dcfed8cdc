"""The assistant over a small trained demo workspace: routing by meaning from the tool registry's
example bank, entity linking, follow-ups, memory, tools calling the one service, grounding
guard, KB cite-or-decline."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

import assistant.agent as agent_pkg
from assistant.agent import DECLINE, Assistant, SessionMemory, check_answer, registered_tools, route
from assistant.service import ShelfwiseService
from tests.app_workspace import demo_workspace, workspace_copy


@pytest.fixture(scope="module")
def service() -> ShelfwiseService:
    return ShelfwiseService(demo_workspace(), llm="template")


def _bot(service: ShelfwiseService, llm=None, **kw) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant(service, llm, **kw)


def test_public_names_pinned() -> None:
    assert sorted(agent_pkg.__all__) == sorted([
        "DECLINE", "Answer", "Assistant", "GuardReport", "Lexicon", "Route", "SessionMemory", "Slots", "Tool",
        "ToolResult", "check_answer", "extract_slots", "get_tool", "intents", "langchain_tools", "registered_tools",
        "render", "route", "strip_instructions"])


@pytest.mark.parametrize("question,intent", [
    ("Why is item P00042 ranked first for user U00017?", "explain_ranking"),
    ("why is P00003 #3 for user 12", "explain_ranking"),
    ("Why is P00003 above P00007 for user 5?", "compare"),
    ("what if I boost brand Alpenglow by 20%", "whatif"),
    ("which brands dominate top-10 exposure in jackets", "exposure_audit"),
    ("suggest a promotion for slow movers in home and kitchen", "propose_promotions"),
    ("What is your return policy for opened electronics?", "kb_answer"),
    ("Which categories are trending up this month?", "trend_report"),
    ("what segment is user 44 in", "segment_profile"),
    ("recommend something for user 17", "recommend_for_user"),
    ("how much is P00010 and is it in stock", "lookup_product"),
    ("a customer wants to know if P00010 is in, can you check?", "lookup_product"),
    ("we spilled coffee on the rug, how much is the green Copperline cutting board", "lookup_product"),
    ("do the reviews say P00010 breaks easily?", "product_reviews"),
    ("show me waterproof jackets under $200", "search_products"),
    ("hello", "chit_chat"),
    ("how come customer 31 keeps seeing P00777", "explain_ranking"),
    ("which departments are cooling off", "trend_report"),
    ("can I return opened headphones?", "kb_answer"),
    ("用户U00023为什么会看到P00310？", "explain_ranking"),
    ("哪些品类在下滑？", "trend_report"),
])
def test_routing(service: ShelfwiseService, question: str, intent: str) -> None:
    assert route(question, service.lexicon).intent == intent


def test_example_bank_generalises() -> None:
    """Each tool's phrasings, held out five ways, are still recognised by a classifier trained on
    the rest (the bank teaches meaning, not the exact sentences)."""
    from sklearn.model_selection import StratifiedKFold

    from assistant.agent.intent import IntentClassifier
    from assistant.agent.tools import example_bank

    bank = example_bank()
    assert len(registered_tools()) == 12 and all(len(bank[name]) >= 40 for name in bank)
    texts = [t for name in sorted(bank) for t in bank[name]]
    labels = [name for name in sorted(bank) for _ in bank[name]]
    right = 0
    for train, held in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels):
        model = IntentClassifier().fit([texts[i] for i in train], [labels[i] for i in train])
        right += sum(model.rank(texts[i])[0][0] == labels[i] for i in held)
    assert right / len(texts) >= 0.85


def test_unsure_questions_get_two_readings_not_a_shrug(service: ShelfwiseService) -> None:
    """Low confidence: a clarifying question offering the two likeliest readings as options; a
    picked option answers with that tool."""
    from assistant.agent.router import CLARIFY, MIN_CONFIDENCE

    a = _bot(service)
    for q in ("purple elephants dance", "P00010", "numbers"):
        ans = a.ask(q, session="unsure")
        assert "not sure what you" not in ans.answer.lower()
        if ans.intent == CLARIFY:
            assert len(ans.options) == 2 and ans.answer.endswith("?")
            assert ans.route["confidence"] < MIN_CONFIDENCE
            picked = a.ask(ans.options[0]["question"], session="unsure", intent=ans.options[0]["intent"])
            assert picked.intent == ans.options[0]["intent"]


def test_a_new_tool_is_one_declaration(service: ShelfwiseService) -> None:
    """Registering a tool makes the router, the LangChain tools and the answer composer use it."""
    from pydantic import BaseModel

    from assistant.agent.tools import Plan, Tool, ToolResult, langchain_tools, register
    from assistant.agent.tools.registry import TOOLS

    class Args(BaseModel):
        item_id: str

    def run(svc: ShelfwiseService, item_id: str) -> ToolResult:
        return ToolResult("stock_value", {"item_id": item_id},
                          {"item_id": item_id, "value": round(float(svc.products.at[item_id, "price"]) * 2, 2)}, [item_id])

    register(Tool(name="stock_value", description="Twice the price of an item.", args=Args, run=run,
                  template=lambda f: f"{f['item_id']} doubles to ${f['value']}.",
                  plan=lambda s, q, u: Plan("stock_value", {"item_id": s.item_ids[0]}),
                  examples=("what is P00010 doubled", "double the price of P00042", "P00003 price times two",
                            "twice the price of item 7", "what's two times P00100's price", "doubled price for P00500",
                            "P00777 doubled please", "compute double price of P00012", "price x2 of P01234",
                            "how much would two P00300 cost together")))
    try:
        ans = _bot(service).ask("what is P00010 doubled", session="plugin")
        assert ans.intent == "stock_value" and ans.answer.startswith("P00010 doubles to $")
        assert "stock_value" in [t.name for t in langchain_tools(service)]
    finally:
        TOOLS.pop("stock_value")


def test_slots(service: ShelfwiseService) -> None:
    r = route("what if I boost brand Alpenglow by 20% in outdoor for user 17 under $120", service.lexicon)
    s = r.slots
    assert (s.user_id, s.brands, s.categories, s.percent, s.price_max) == ("U00017", ["Alpenglow"], ["outdoor"], 20.0, 120.0)
    title = service.shop.products.title.iloc[2]
    assert route(f"price of the {title}?", service.lexicon).slots.item_ids == ["P00003"]


def test_entity_linking(service: ShelfwiseService) -> None:
    """Users as customer 45 / 45's / 用户45, products by brand + type + colour (ambiguity asks),
    categories by synonym and brands misspelt."""
    lex = service.lexicon
    assert route("what does customer 45 see", lex).slots.user_id == "U00045"
    assert route("show me 45's picks", lex).slots.user_id == "U00045"
    assert route("用户45看到什么", lex).slots.user_id == "U00045"
    p = service.shop.products
    import json as _json

    attrs = p["attributes"].map(lambda a: _json.loads(a) if isinstance(a, str) else (a or {}))
    p = p.assign(ptype=attrs.map(lambda a: a.get("product_type")), colour=attrs.map(lambda a: a.get("colour")))
    groups = p.dropna(subset=["colour"]).groupby(["brand", "ptype", "colour"]).item_id.apply(list)
    (brand, ptype, colour), ids = next((k, v) for k, v in groups.items() if len(v) == 1)
    assert route(f"how much is the {colour} {brand} {ptype}?", lex).slots.item_ids == ids
    several = p[(p.brand == brand) & (p.ptype == ptype)]
    ans = _bot(service).ask(f"price of the {brand.lower()} {ptype}", session="link")
    if len(several) > 1:
        assert ans.options and ans.answer.endswith("?") and all(o["question"] for o in ans.options)
    assert route("exposure of stationery", lex).slots.categories == ["office"]
    brand_l = sorted(lex.brands.values(), key=len)[-1]
    typo = brand_l[:-2] + brand_l[-1] + brand_l[-2]  # two letters swapped
    assert brand_l in route(f"what if we boost {typo} by 10%", lex).slots.brands


def test_references_resolve_from_the_conversation(service: ShelfwiseService) -> None:
    a = _bot(service)
    recs = a.ask("what would customer 17 be shown?", session="refs")
    top = recs.facts["results"][0]["item_id"]
    why = a.ask("what puts the top one there?", session="refs")
    assert why.intent == "explain_ranking" and why.facts["item_id"] == top and why.facts["user_id"] == "U00017"
    third = a.ask("and number three?", session="refs")
    assert third.intent == "explain_ranking" and third.facts["item_id"] == recs.facts["results"][2]["item_id"]
    a.ask("how much is P00010?", session="refs2")
    left = a.ask("how many are left?", session="refs2")
    assert left.intent == "lookup_product" and left.facts["item_id"] == "P00010"
    found = a.ask("find me a tent under $100", session="refs3").facts["results"]
    second = a.ask("how much is the second?", session="refs3")
    assert second.intent == "lookup_product" and second.facts["item_id"] == found[1]["item_id"]
    third = a.ask("is the third in stock", session="refs3")  # still the list, not the one item just shown
    assert third.intent == "lookup_product" and third.facts["item_id"] == found[2]["item_id"]


def test_followup_reuses_intent(service: ShelfwiseService) -> None:
    a = _bot(service)
    first = a.ask("recommend something for user 17", session="m")
    again = a.ask("and for user 20?", session="m")
    assert first.intent == again.intent == "recommend_for_user"
    assert again.facts["user_id"] == "U00020"
    a.ask("what segment is user 3 in", session="other")
    other = a.ask("and for user 20?", session="other")
    assert other.intent == "segment_profile" and other.facts["user_id"] == "U00020"


def test_merchandiser_asks_without_naming_a_customer_or_context(service: ShelfwiseService) -> None:
    """Recommendations within a category or brand (and "and in garden?" after a list); the
    segments themselves when no customer is named; two products side by side when no user or
    search is given to rank them in."""
    a = _bot(service)
    office = a.ask("recommendations for U00017, office category only", session="only")
    assert office.tool_calls[0]["args"]["category"] == "office" and office.facts["results"]
    assert {service.products.loc[r["item_id"], "category"] for r in office.facts["results"]} == {"office"}
    garden = a.ask("and in garden?", session="only")
    assert garden.facts["user_id"] == "U00017" and garden.facts.get("category") == "garden"
    assert {service.products.loc[r["item_id"], "category"] for r in garden.facts["results"]} <= {"garden"}
    seg = a.ask("give me an overview of our customer segments")
    assert seg.intent == "segment_profile" and seg.facts["segments"]
    assert sum(r["users"] for r in seg.facts["segments"]) == seg.facts["users"]
    assert seg.facts["segments"][0]["segment"] in seg.answer
    pair = a.ask("compare P00010 and P00011")
    prices = {i: float(service.products.loc[i, "price"]) for i in ("P00010", "P00011")}
    assert pair.intent == "compare" and set(pair.facts["products"]) == set(prices)
    if prices["P00010"] != prices["P00011"]:
        cheaper = min(prices, key=prices.__getitem__)
        assert pair.facts["cheaper"] == cheaper and pair.answer.startswith(f"{cheaper} is cheaper")


def test_exposure_of_one_brand_against_its_share_of_items(service: ShelfwiseService) -> None:
    a = _bot(service)
    brand = str(service.products[service.products["category"] == "beauty"]["brand"].iloc[0])
    ans = a.ask(f"is {brand} over-exposed in beauty?")
    assert ans.intent == "exposure_audit" and ans.tool_calls[0]["args"]["brand"] == brand
    b = ans.facts["brand"]
    items = service.products[service.products["category"] == "beauty"]
    assert b["items_share_pct"] == pytest.approx(100 * (items["brand"] == brand).mean(), abs=0.1)
    assert ans.answer.startswith(f"{brand} is ") and "of the items" in ans.answer
    whole = a.ask("exposure audit for toys")  # the category, not titles that contain "toy"
    assert whole.tool_calls[0]["args"]["product_type"] is None
    assert whole.facts["items_in_scope"] == int((service.products["category"] == "toys").sum())


def test_whatif_shows_a_named_customers_list_before_and_after(service: ShelfwiseService) -> None:
    a = _bot(service)
    top = service.recommend("U00017", k=10)
    brand = str(service.products.loc[top[-1].item_id, "brand"])
    ans = a.ask(f"if I push {brand} up 300%, how does user 17's list change?")
    assert ans.intent == "whatif" and ans.tool_calls[0]["args"]["user_id"] == "U00017"
    u = ans.facts["user_list"]
    assert u["before"] == [r.item_id for r in top]
    boosted = [i for i in u["after"] if str(service.products.loc[i, "brand"]) == brand]
    assert boosted and all(u["after"].index(i) <= (u["before"].index(i) if i in u["before"] else 10) for i in boosted)
    assert "U00017's top 10" in ans.answer


def test_memory_persists_across_instances(service: ShelfwiseService, tmp_path: Path) -> None:
    _bot(service, memory=SessionMemory(tmp_path)).ask("what segment is user 3 in", session="s")
    again = _bot(service, memory=SessionMemory(tmp_path)).ask("what about user 4?", session="s")
    assert again.intent == "segment_profile" and again.facts["user_id"] == "U00004"


def test_lookup_reads_the_live_product_table(service: ShelfwiseService) -> None:
    shop = service.shop
    changed = shop.products.copy()
    changed.loc[changed.item_id == "P00010", "price"] = 12.34
    changed.loc[changed.item_id == "P00010", "stock"] = 0
    live = type(shop)(products=changed, events=shop.events, users=shop.users,
                      knowledge_base=shop.knowledge_base, trends=shop.trends)
    ans = _bot(ShelfwiseService(demo_workspace(), llm="template", shop=live)).ask("how much is P00010?")
    assert ans.facts["price"] == 12.34 and ans.facts["in_stock"] is False
    assert "$12.34" in ans.answer and "out of stock" in ans.answer and ans.citations == ["P00010"]


def test_guard_flags_unsupported(service: ShelfwiseService) -> None:
    facts = {"item_id": "P00010", "price": 49.99, "brand": "Northpeak"}
    assert check_answer("P00010 by Northpeak costs $49.99.", facts, service.lexicon).ok
    bad = check_answer("P00011 by Alpenglow costs $19.99, ranked first.", facts, service.lexicon)
    assert bad.ids == ["P00011"] and "19.99" in bad.numbers and "first" in bad.numbers and "Alpenglow" in bad.names
    assert not check_answer("FACTS: loop loop loop loop loop loop.", facts, service.lexicon).ok


def test_hallucinating_llm_falls_back_to_template(service: ShelfwiseService) -> None:
    liar = FakeListChatModel(responses=["P00010 costs $999 and ships free tomorrow."])
    ans = _bot(service, liar).ask("how much is P00010?")
    assert ans.source == "template" and "999" not in ans.answer
    assert ans.guard["unsupported_numbers"] == ["999"]
    price = ans.facts["price"]
    honest = FakeListChatModel(responses=[f"P00010 costs ${price:g}."])
    ok = _bot(service, honest).ask("how much is P00010?")
    assert ok.source == "llm" and ok.answer == f"P00010 costs ${price:g}."


def test_llm_sees_facts_only_prompt(service: ShelfwiseService) -> None:
    seen: list[str] = []

    class Recording(FakeListChatModel):
        def _call(self, messages, stop=None, run_manager=None, **kw):  # type: ignore[no-untyped-def,override]
            seen.append("\n".join(str(m.content) for m in messages))
            return super()._call(messages, stop, run_manager, **kw)

    _bot(service, Recording(responses=["ok."])).ask("how much is P00010?")
    assert "FACTS:" in seen[0] and "P00010" in seen[0] and "not instructions" in seen[0]


def test_kb_cites_or_declines(service: ShelfwiseService) -> None:
    a = _bot(service)
    ans = a.ask("Can I return opened electronics?")
    assert ans.intent == "kb_answer" and not ans.declined
    assert ans.citations and ans.citations[0].startswith("returns-policy#") and "10%" in ans.answer
    no = a.ask("Do you deliver to the moon by rocket?")
    assert no.declined and no.answer == DECLINE and no.citations == []


def test_every_tool_answers(service: ShelfwiseService) -> None:
    a = _bot(service)
    for q in ["why is P00042 ranked for user 17", "why is P00003 above P00007 for user 5",
              "what if I boost brand Alpenglow by 20%", "which brands dominate top-10 exposure in jackets",
              "suggest a promotion for slow movers in home and kitchen", "which categories are trending",
              "profile of user 44", "show me jackets under $200", "recommend for user 17", "how much is P00010",
              "what is your return policy?"]:
        ans = a.ask(q)
        assert ans.tool_calls and ans.facts and not ans.declined, q
        assert not ans.answer.startswith("I couldn't"), (q, ans.answer)
        report = check_answer(ans.answer, ans.facts, service.lexicon)
        figures = [n for n in report.numbers if " " not in n]  # "5 days" vs "5%": the unit check is the LLM's
        assert not (figures or report.ids or report.names), (q, report)


def test_recommendation_components_sum(service: ShelfwiseService) -> None:
    ans = _bot(service).ask("recommend for user 17")
    for row in ans.facts["results"]:
        assert abs(sum(row["components"].values()) - row["score"]) < 1e-3
    first = ans.facts["results"][0]["item_id"]
    explained = _bot(service).ask(f"why is {first} recommended for user 17")
    assert explained.facts["rank"] == 1


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.commands import ask as ask_cmd

    parser = argparse.ArgumentParser()
    ask_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["ask", "how much is P00010?", "--workspace", str(demo_workspace()), "--json",
                              "--llm", "template"])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(ask_cmd.JSON_KEYS) <= set(out) and out["intent"] == "lookup_product" and out["citations"] == ["P00010"]
    assert out["declined"] is False


def test_tool_calling_flag_uses_the_models_choice(service: ShelfwiseService) -> None:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, ChatResult

    class Picker(BaseChatModel):
        bound: list[str] = []

        @property
        def _llm_type(self) -> str:
            return "picker"

        def bind_tools(self, tools, **kw):  # type: ignore[no-untyped-def,override]
            self.bound = [t.name for t in tools]
            return self

        def _generate(self, messages, stop=None, run_manager=None, **kw):  # type: ignore[no-untyped-def,override]
            if len(messages) == 1:  # the tool-choice call sees only the question
                msg = AIMessage(content="", tool_calls=[{"name": "lookup_product", "args": {"item_id": "P00010"}, "id": "c1"}])
            else:
                msg = AIMessage(content=f"P00010 is in stock at ${price:g}.")
            return ChatResult(generations=[ChatGeneration(message=msg)])

    price = float(service.products.at["P00010", "price"])
    model = Picker()
    ans = _bot(service, model, tool_calling=True).ask("tell me everything about that sleeping thing")
    assert "lookup_product" in model.bound and len(model.bound) == len(registered_tools())
    assert ans.intent == "lookup_product" and ans.tool_calls[0]["args"] == {"item_id": "P00010"}
    assert ans.source == "llm" and ans.answer == f"P00010 is in stock at ${price:g}."
    plain = _bot(service, model, tool_calling=False).ask("tell me everything about that sleeping thing")
    assert plain.tool_calls == [] or plain.tool_calls[0]["args"] != {"item_id": "P00010"}


def test_explanation_carries_the_models_exact_attribution(service: ShelfwiseService) -> None:
    """The chat's explanation is the service's: same rank, score, parts and evidence."""
    top = service.recommend("U00017", k=1)[0]
    ans = _bot(service).ask(f"why is {top.item_id} ranked for user 17")
    want = {n: round(v, 4) for n, v in service.explain("U00017", top.item_id).contributions.items()}
    assert ans.facts["rank"] == 1 and ans.facts["components"] == want
    assert ans.facts["top_component"] == top.top_component() and ans.facts["source"] == top.source
    assert ans.facts["drivers"][0]["component"] == top.top_component()
    assert f"({ans.facts['drivers'][0]['label']}, " in ans.answer  # the biggest part, in plain words


def test_invented_policy_prose_is_rejected(service: ShelfwiseService) -> None:
    inventor = FakeListChatModel(responses=["This product has been sold out by the manufacturer. Please contact them "
                                            "with details and they will provide refundable items if needed."])
    ans = _bot(service, inventor).ask("Can I return opened electronics?")
    assert ans.source == "template" and ans.guard["unsupported_words"] and "manufacturer" not in ans.answer
    assert ans.citations and ans.citations[0].startswith("returns-policy#")


def test_default_user_from_cli_flag(service: ShelfwiseService) -> None:
    a = _bot(service)
    assert a.ask("what should I buy? recommend something", user="17").facts["user_id"] == "U00017"
    assert a.ask("recommend something", user="U00020").facts["user_id"] == "U00020"
    again = a.ask("recommend something")  # the conversation's user
    assert again.facts["user_id"] == "U00020"
    asked = a.ask("recommend something", session="fresh")
    assert asked.tool_calls == [] and "Which user" in asked.answer


@pytest.mark.parametrize("question,reply", [
    ("How fast is express shipping?", "Yes, we do offer same-day drone delivery."),
    ("When is shipping free?", 'The answer to this question would be "When is shipping free?"')])
def test_affirming_or_echoing_the_question_is_rejected(service: ShelfwiseService, question: str, reply: str) -> None:
    ans = _bot(service, FakeListChatModel(responses=[reply])).ask(question)
    assert not ans.declined and ans.citations  # answerable: the guard, not a decline, stops the reply
    assert ans.source == "template" and ans.answer != reply and ans.guard["ok"] is False


def test_chat_tools_apply_saved_rules(tmp_path: Path) -> None:
    """A pin and a bury saved in W/rules change the chat's recommendations and search like the API's."""
    from recsys_core.strategy.rules_store import parse_rules, save_rules

    ws = workspace_copy(tmp_path / "ws")
    a = _bot(ShelfwiseService(ws, llm="template"))
    before = a.ask("recommend something for user 17", session="r1").facts["results"]
    top, pinned = before[0]["item_id"], before[-1]["item_id"]
    hits = a.ask("show me jackets", session="r2").facts["results"]
    buried_hit = hits[0]["item_id"]
    save_rules(ws, parse_rules({"rules": [
        {"id": "pin-last", "action": "pin", "target": {"item_ids": [pinned]}, "position": 1},
        {"id": "bury-top", "action": "bury", "target": {"item_ids": [top, buried_hit]}, "multiplier": 0.01},
    ]}), "test")
    after = a.ask("recommend something for user 17", session="r3")
    ids = [r["item_id"] for r in after.facts["results"]]
    assert ids[0] == pinned and top not in ids[:3]
    for row in after.facts["results"]:  # components still sum to the score, each rule its own part
        assert abs(sum(row["components"].values()) - row["score"]) < 1e-3
    assert "rule:pin-last" in after.facts["results"][0]["components"]
    assert after.facts["rule_effects"][pinned] == ["pinned at position 1 by rule pin-last"]
    assert "pinned at position 1 by rule pin-last" in after.answer
    moved = a.ask("show me jackets", session="r4").facts["results"]
    assert moved[0]["item_id"] != buried_hit


def test_guard_rejects_a_figure_that_changed_its_unit(service: ShelfwiseService) -> None:
    facts = {"passage": "You can cancel an order within 1 hour of placing it.", "chunk_id": "order-cancellation#0"}
    assert check_answer("Cancel an order on a 1 to 1 order only.", facts, service.lexicon).numbers == ["1 order"]
    assert check_answer("You can cancel an order within 1 hour.", facts, service.lexicon).ok
    # a chunk id's number is not a figure the answer may use
    assert check_answer("It is 3 of them.", {"chunk_id": "privacy-policy#3"}, service.lexicon).numbers == ["3"]


def test_structured_results_are_not_sent_to_the_model(service: ShelfwiseService) -> None:
    llm = FakeListChatModel(responses=["P00001 is great and costs $1."] * 3)
    a = _bot(service, llm)
    ans = a.ask("recommend something for user 17", session="skip")
    assert ans.source == "template" and ans.guard.get("skipped") and llm.i == 0
    short = a.ask("is P00010 in stock?", session="skip2")
    assert llm.i == 1 and short.source == "template" and short.guard["unsupported_ids"] == ["P00001"]


def test_guard_rejects_added_negations_and_absolutes(service: ShelfwiseService) -> None:
    facts = {"passage": "You can cancel an order within 1 hour of placing it. We accept Visa and PayPal."}

    def fluency(text: str) -> list[str]:
        return check_answer(text, facts, service.lexicon, min_word_support=0.0).fluency

    assert "adds a negation" in fluency("No, you can't cancel an order within 1 hour.")
    assert "adds all" in fluency("We accept all cards, Visa and PayPal, within 1 hour.")
    assert fluency("You can cancel an order within 1 hour of placing it.") == []


def test_guard_rejects_a_figure_moved_to_other_words(service: ShelfwiseService) -> None:
    facts = {"template": "Top-10 exposure in office (189 logged lists): Deskly 40.9%, Papyra 19.8%; "
                         "9 of 40 items never shown."}

    def numbers(text: str) -> list[str]:
        return check_answer(text, facts, service.lexicon, min_word_support=0.0).numbers

    assert numbers("In office, 40.9% of items are never shown.") == ["40.9"]
    assert numbers("Deskly has 40.9% of the exposure; 9 items are never shown.") == []


def test_a_missing_model_is_said_not_faked(tiny_shop_dir: Path, tmp_path: Path) -> None:
    """Before `shelfwise train` the assistant says which command builds the recommender."""
    from recsys_core.data import ingest

    ws = tmp_path / "ws"
    ingest(tiny_shop_dir, ws)
    ans = _bot(ShelfwiseService(ws, llm="template")).ask("recommend something for user U1")
    assert ans.answer.startswith("I couldn't answer that: recommender not built yet") and "shelfwise train" in ans.answer


def test_a_product_named_but_not_uniquely_is_asked_about_not_the_last_one(service: ShelfwiseService) -> None:
    import json

    products = service.shop.products
    kind = products["attributes"].map(lambda a: json.loads(a)["product_type"])
    groups = products.assign(kind=kind).groupby(["brand", "kind"])["item_id"].apply(list)
    (brand, noun), ids = next((k, v) for k, v in groups.items() if len(v) >= 2)
    other = next(i for i in products["item_id"] if i not in ids)
    agent = Assistant(service)
    agent.ask(f"how much is {other}?")
    ans = agent.ask(f"does the {brand} {noun} break easily?")
    assert other not in ans.citations and other not in ans.answer, ans.answer
    assert "Which one do you mean?" in ans.answer and ids[0] in ans.answer, ans.answer


def test_a_hyphenated_product_type_is_found_however_it_is_typed() -> None:
    from assistant.agent.entities import Catalog

    products = pd.DataFrame({
        "item_id": ["P1", "P2"], "title": ["Atelier Ro Relaxed T-shirt, S, Green", "Atelier Ro Slim Jeans, M, Blue"],
        "brand": ["Atelier Ro", "Atelier Ro"],
        "attributes": ['{"product_type": "t-shirt", "colour": "green", "size": "S"}',
                       '{"product_type": "jeans", "colour": "blue", "size": "M"}']})
    catalog = Catalog.from_products(products)
    for text in ("do the atelier ro tshirts run small", "is the Atelier Ro t shirt ok", "Atelier Ro T-Shirt reviews"):
        assert catalog.link(text, ["Atelier Ro"]).item_ids == ["P1"], text


def test_a_typed_pick_answers_the_question_that_asked_which_one(service: ShelfwiseService) -> None:
    import json

    products = service.shop.products
    kind = products["attributes"].map(lambda a: json.loads(a)["product_type"])
    groups = products.assign(kind=kind).groupby(["brand", "kind"])["item_id"].apply(list)
    (brand, noun), ids = next((k, v) for k, v in groups.items() if len(v) >= 3)
    question = f"does the {brand} {noun} break easily?"
    for reply, meant in ((ids[0], 0), (ids[1].lower(), 1), ("the second one", 1), ("3", 2)):
        agent = Assistant(service)
        asked = agent.ask(question)
        assert "Which one do you mean?" in asked.answer
        shown = sorted((i for i in ids if i in asked.answer), key=asked.answer.find)  # as listed
        ans = agent.ask(reply)
        assert ans.intent == "product_reviews" and ans.citations[0] == shown[meant], (reply, ans.answer)
    agent = Assistant(service)
    agent.ask(question)
    assert agent.ask(f"how much is {ids[0]}?").intent == "lookup_product"  # a question of its own
