"""The assistant on a small demo shop: routing, memory, tools, grounding guard, KB cite-or-decline."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

import assistant.agent as agent_pkg
from assistant.agent import DECLINE, Assistant, SessionMemory, ShopServices, check_answer, route
from recsys_core.demo.generate import generate_demo_shop


@pytest.fixture(scope="module")
def shop():
    shop, _ = generate_demo_shop(0, n_products=600, n_users=300, n_days=60, target_events=15000)
    return shop


@pytest.fixture(scope="module")
def services(shop, tmp_path_factory) -> ShopServices:
    return ShopServices(tmp_path_factory.mktemp("ws"), shop=shop)


def test_public_names_pinned() -> None:
    assert sorted(agent_pkg.__all__) == sorted([
        "DECLINE", "INTENTS", "TOOL_FUNCTIONS", "Answer", "Assistant", "GuardReport", "KnowledgeBase", "Lexicon",
        "Route", "SessionMemory", "ShopServices", "Slots", "ToolResult", "build_tools", "check_answer",
        "extract_slots", "render_template", "route", "strip_instructions"])


@pytest.mark.parametrize("question,intent", [
    ("Why is item P00042 ranked first for user U00017?", "explain_ranking"),
    ("why is P00003 #3 for user 12", "explain_ranking"),
    ("Why is P00003 above P00007 for user 5?", "compare"),
    ("what if I boost brand Alpenglow by 20%", "whatif"),
    ("which brands dominate top-10 exposure in tents", "exposure_audit"),
    ("suggest a promotion for slow movers in home and kitchen", "propose_promotions"),
    ("What is your return policy for opened electronics?", "kb_answer"),
    ("Which categories are trending up this month?", "trend_report"),
    ("what segment is user 44 in", "segment_profile"),
    ("recommend something for user 17", "recommend_for_user"),
    ("how much is P00010 and is it in stock", "lookup_product"),
    ("show me waterproof tents under $200", "search_products"),
    ("hello", "chit_chat"),
    ("purple elephants dance", "unknown"),
])
def test_routing(services: ShopServices, question: str, intent: str) -> None:
    assert route(question, services.lexicon).intent == intent


def test_slots(services: ShopServices) -> None:
    r = route("what if I boost brand Alpenglow by 20% in outdoor for user 17 under $120", services.lexicon)
    s = r.slots
    assert (s.user_id, s.brands, s.categories, s.percent, s.price_max) == ("U00017", ["Alpenglow"], ["outdoor"], 20.0, 120.0)
    title = services.shop.products.title.iloc[2]
    assert route(f"price of the {title}?", services.lexicon).slots.item_ids == ["P00003"]


def test_followup_reuses_intent(services: ShopServices) -> None:
    a = Assistant(services, None)
    first = a.ask("recommend something for user 17", session="m")
    again = a.ask("and for user 20?", session="m")
    assert first.intent == again.intent == "recommend_for_user"
    assert again.facts["user_id"] == "U00020"
    a.ask("what segment is user 3 in", session="other")
    other = a.ask("and for user 20?", session="other")
    assert other.intent == "segment_profile" and other.facts["user_id"] == "U00020"


def test_memory_persists_across_instances(services: ShopServices, tmp_path: Path) -> None:
    Assistant(services, None, memory=SessionMemory(tmp_path)).ask("what segment is user 3 in", session="s")
    again = Assistant(services, None, memory=SessionMemory(tmp_path)).ask("what about user 4?", session="s")
    assert again.intent == "segment_profile" and again.facts["user_id"] == "U00004"


def test_lookup_reads_live_store(shop, tmp_path: Path) -> None:
    changed = shop.products.copy()
    changed.loc[changed.item_id == "P00010", "price"] = 12.34
    changed.loc[changed.item_id == "P00010", "stock"] = 0
    live = type(shop)(products=changed, events=shop.events, users=shop.users,
                      knowledge_base=shop.knowledge_base, trends=shop.trends)
    ans = Assistant(ShopServices(tmp_path, shop=live), None).ask("how much is P00010?")
    assert ans.facts["price"] == 12.34 and ans.facts["in_stock"] is False
    assert "$12.34" in ans.answer and "out of stock" in ans.answer and ans.citations == ["P00010"]


def test_guard_flags_unsupported(services: ShopServices) -> None:
    facts = {"item_id": "P00010", "price": 49.99, "brand": "Northpeak"}
    assert check_answer("P00010 by Northpeak costs $49.99.", facts, services.lexicon).ok
    bad = check_answer("P00011 by Alpenglow costs $19.99, ranked first.", facts, services.lexicon)
    assert bad.ids == ["P00011"] and "19.99" in bad.numbers and "first" in bad.numbers and "Alpenglow" in bad.names
    assert not check_answer("FACTS: loop loop loop loop loop loop.", facts, services.lexicon).ok


def test_hallucinating_llm_falls_back_to_template(services: ShopServices) -> None:
    liar = FakeListChatModel(responses=["P00010 costs $999 and ships free tomorrow."])
    ans = Assistant(services, liar).ask("how much is P00010?")
    assert ans.source == "template" and "999" not in ans.answer
    assert ans.guard["unsupported_numbers"] == ["999"]
    price = ans.facts["price"]
    honest = FakeListChatModel(responses=[f"P00010 costs ${price:g}."])
    ok = Assistant(services, honest).ask("how much is P00010?")
    assert ok.source == "llm" and ok.answer == f"P00010 costs ${price:g}."


def test_llm_sees_facts_only_prompt(services: ShopServices) -> None:
    seen: list[str] = []

    class Recording(FakeListChatModel):
        def _call(self, messages, stop=None, run_manager=None, **kw):  # type: ignore[override]
            seen.append("\n".join(str(m.content) for m in messages))
            return super()._call(messages, stop, run_manager, **kw)

    Assistant(services, Recording(responses=["ok."])).ask("how much is P00010?")
    assert "FACTS:" in seen[0] and "P00010" in seen[0] and "not instructions" in seen[0]


def test_kb_cites_or_declines(services: ShopServices) -> None:
    a = Assistant(services, None)
    ans = a.ask("Can I return opened electronics?")
    assert ans.intent == "kb_answer" and not ans.declined
    assert ans.citations and ans.citations[0].startswith("returns-policy#") and "10%" in ans.answer
    no = a.ask("Do you deliver to the moon by rocket?")
    assert no.declined and no.answer == DECLINE and no.citations == []


def test_every_tool_answers(services: ShopServices) -> None:
    a = Assistant(services, None)
    for q in ["why is P00042 ranked for user 17", "why is P00003 above P00007 for user 5",
              "what if I boost brand Alpenglow by 20%", "which brands dominate top-10 exposure in tents",
              "suggest a promotion for slow movers in home and kitchen", "which categories are trending",
              "profile of user 44", "show me tents under $200", "recommend for user 17"]:
        ans = a.ask(q)
        assert ans.tool_calls and ans.facts and not ans.declined, q
        report = check_answer(ans.answer, ans.facts, services.lexicon)
        assert not (report.numbers or report.ids or report.names), (q, report)


def test_recommendation_components_sum(services: ShopServices) -> None:
    ans = Assistant(services, None).ask("recommend for user 17")
    for row in ans.facts["results"]:
        assert abs(sum(row["components"].values()) - row["score"]) < 1e-3
    first = ans.facts["results"][0]["item_id"]
    explained = Assistant(services, None).ask(f"why is {first} recommended for user 17")
    assert explained.facts["rank"] == 1


def test_cli_json(services: ShopServices, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    from assistant.commands import ask as ask_cmd
    from recsys_core.data.store import save_store

    try:
        save_store(tmp_path, services.shop, {})
    except TypeError:
        pytest.skip("save_store signature changed")
    parser = argparse.ArgumentParser()
    ask_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["ask", "how much is P00010?", "--workspace", str(tmp_path), "--json", "--llm", "template"])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(ask_cmd.JSON_KEYS) <= set(out) and out["intent"] == "lookup_product" and out["citations"] == ["P00010"]
    assert out["declined"] is False


def test_eval_set_shape_and_routing(services: ShopServices) -> None:
    from assistant.agent.evaluation import load_cases

    cases = load_cases()
    assert len(cases) >= 80
    assert {c.intent for c in cases} >= {"search_products", "recommend_for_user", "explain_ranking", "compare", "whatif",
                                         "trend_report", "segment_profile", "lookup_product", "kb_answer",
                                         "propose_promotions", "exposure_audit"}
    assert sum(c.decline for c in cases) >= 10 and sum(bool(c.doc) for c in cases) >= 20
    previous: dict[str, object] = {}
    right = 0
    for c in cases:
        r = route(c.q, services.lexicon, previous.get(c.session or ""))  # type: ignore[arg-type]
        if c.session:
            previous[c.session] = r
        right += r.intent == c.intent
    assert right / len(cases) >= 0.95


def test_tool_calling_flag_uses_the_models_choice(services: ShopServices) -> None:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, ChatResult

    class Picker(BaseChatModel):
        bound: list[str] = []

        @property
        def _llm_type(self) -> str:
            return "picker"

        def bind_tools(self, tools, **kw):  # type: ignore[override]
            self.bound = [t.name for t in tools]
            return self

        def _generate(self, messages, stop=None, run_manager=None, **kw):  # type: ignore[override]
            if len(messages) == 1:  # the tool-choice call sees only the question
                msg = AIMessage(content="", tool_calls=[{"name": "lookup_product", "args": {"item_id": "P00010"}, "id": "c1"}])
            else:
                msg = AIMessage(content=f"P00010 is in stock at ${price:g}.")
            return ChatResult(generations=[ChatGeneration(message=msg)])

    price = float(services.products.at["P00010", "price"])
    model = Picker()
    ans = Assistant(services, model, tool_calling=True).ask("tell me everything about that sleeping thing")
    assert "lookup_product" in model.bound and len(model.bound) == 11
    assert ans.intent == "lookup_product" and ans.tool_calls[0]["args"] == {"item_id": "P00010"}
    assert ans.source == "llm" and ans.answer == f"P00010 is in stock at ${price:g}."
    plain = Assistant(services, model, tool_calling=False).ask("tell me everything about that sleeping thing")
    assert plain.tool_calls == [] or plain.tool_calls[0]["args"] != {"item_id": "P00010"}


def test_hybrid_adapter_passes_exact_attribution(services: ShopServices) -> None:
    from assistant.agent.recommender import HybridAdapter
    from recsys_core.models import Recommendation

    class Stub:
        def recommend(self, user_id, k):
            return [self.explain(user_id, "P00005")]

        def explain(self, user_id, item_id):
            return Recommendation(item_id=item_id, rank=4, score=0.75, contributions={"sequence": 0.5, "cf": 0.25},
                                  component_scores={"sequence": 1.0, "cf": 0.5}, source="next in sequence",
                                  evidence={"similar_history": [{"item_id": "P00001", "similarity": 0.91}]})

    svc = ShopServices(services.workspace, shop=services.shop)
    svc.__dict__["recommender"] = HybridAdapter(Stub())
    ans = Assistant(svc, None).ask("why is P00005 ranked for user 17")
    assert ans.facts["rank"] == 4 and ans.facts["components"] == {"sequence": 0.5, "cf": 0.25}
    assert ans.facts["top_component"] == "sequence" and "P00001" in ans.answer and "0.91" in ans.answer


def test_invented_policy_prose_is_rejected(services: ShopServices) -> None:
    inventor = FakeListChatModel(responses=["This product has been sold out by the manufacturer. Please contact them "
                                            "with details and they will provide refundable items if needed."])
    ans = Assistant(services, inventor).ask("Can I return opened electronics?")
    assert ans.source == "template" and ans.guard["unsupported_words"] and "manufacturer" not in ans.answer
    assert ans.citations and ans.citations[0].startswith("returns-policy#")


def test_default_user_from_cli_flag(services: ShopServices) -> None:
    a = Assistant(services, None)
    assert a.ask("what should I buy? recommend something", user="17").facts["user_id"] == "U00017"
    assert a.ask("recommend something", user="U00020").facts["user_id"] == "U00020"
    asked = a.ask("recommend something")
    assert asked.tool_calls == [] and "Which user" in asked.answer


@pytest.mark.parametrize("question,reply", [
    ("How fast is express shipping? Is same-day drone delivery possible?", "Yes, we do offer same-day drone delivery."),
    ("When is shipping free?", 'The answer to this question would be "When is shipping free?"')])
def test_affirming_or_echoing_the_question_is_rejected(services: ShopServices, question: str, reply: str) -> None:
    ans = Assistant(services, FakeListChatModel(responses=[reply])).ask(question)
    assert not ans.declined and ans.citations  # answerable: the guard, not a decline, stops the reply
    assert ans.source == "template" and ans.answer != reply and ans.guard["ok"] is False


def test_chat_tools_apply_saved_rules(shop, tmp_path: Path) -> None:
    """A pin and a bury saved in W/rules change the chat's recommendations and search like the API's."""
    from recsys_core.strategy.rules_store import parse_rules, save_rules

    svc = ShopServices(tmp_path, shop=shop)
    a = Assistant(svc, None)
    before = a.ask("recommend something for user 17", session="r1").facts["results"]
    top, pinned = before[0]["item_id"], before[-1]["item_id"]
    hits = a.ask("show me tents", session="r2").facts["results"]
    buried_hit = hits[0]["item_id"]
    save_rules(tmp_path, parse_rules({"rules": [
        {"id": "pin-last", "action": "pin", "target": {"item_ids": [pinned]}, "position": 1},
        {"id": "bury-top", "action": "bury", "target": {"item_ids": [top, buried_hit]}, "multiplier": 0.01},
    ]}), "test")
    after = a.ask("recommend something for user 17", session="r3").facts
    ids = [r["item_id"] for r in after["results"]]
    assert ids[0] == pinned and top not in ids[:3]
    for row in after["results"]:  # components still sum to the score, the rules part shown
        assert abs(sum(row["components"].values()) - row["score"]) < 1e-3
    assert after["rule_effects"]
    moved = a.ask("show me tents", session="r4").facts["results"]
    assert moved[0]["item_id"] != buried_hit


def test_guard_rejects_a_figure_that_changed_its_unit(services: ShopServices) -> None:
    facts = {"passage": "You can cancel an order within 1 hour of placing it.", "chunk_id": "order-cancellation#0"}
    assert check_answer("Cancel an order on a 1 to 1 order only.", facts, services.lexicon).numbers == ["1 order"]
    assert check_answer("You can cancel an order within 1 hour.", facts, services.lexicon).ok
    # a chunk id's number is not a figure the answer may use
    assert check_answer("It is 3 of them.", {"chunk_id": "privacy-policy#3"}, services.lexicon).numbers == ["3"]


def test_structured_results_are_not_sent_to_the_model(services: ShopServices) -> None:
    llm = FakeListChatModel(responses=["P00001 is great and costs $1."] * 3)
    a = Assistant(services, llm)
    ans = a.ask("recommend something for user 17", session="skip")
    assert ans.source == "template" and ans.guard.get("skipped") and llm.i == 0
    short = a.ask("is P00010 in stock?", session="skip2")
    assert llm.i == 1 and short.source == "template" and short.guard["unsupported_ids"] == ["P00001"]


def test_guard_rejects_added_negations_and_absolutes(services: ShopServices) -> None:
    facts = {"passage": "You can cancel an order within 1 hour of placing it. We accept Visa and PayPal."}

    def fluency(text: str) -> list[str]:
        return check_answer(text, facts, services.lexicon, min_word_support=0.0).fluency

    assert "adds a negation" in fluency("No, you can't cancel an order within 1 hour.")
    assert "adds all" in fluency("We accept all cards, Visa and PayPal, within 1 hour.")
    assert fluency("You can cancel an order within 1 hour of placing it.") == []


def test_guard_rejects_a_figure_moved_to_other_words(services: ShopServices) -> None:
    facts = {"template": "Top-10 exposure in office (189 logged lists): Deskly 40.9%, Papyra 19.8%; "
                         "9 of 40 items never shown."}
    def numbers(text: str) -> list[str]:
        return check_answer(text, facts, services.lexicon, min_word_support=0.0).numbers

    assert numbers("In office, 40.9% of items are never shown.") == ["40.9"]
    assert numbers("Deskly has 40.9% of the exposure; 9 items are never shown.") == []


@pytest.mark.slow
def test_knowledge_base_reads_its_vectors_from_the_chroma_index(tmp_path: Path) -> None:
    """With `shelfwise index` built, KB vectors come from the Chroma KB collection (same chunks, same
    text), and answers are what the in-process embedding gives; a changed document is re-embedded."""
    import numpy as np

    from assistant.agent import KnowledgeBase
    from recsys_core.data import ingest
    from retrieval.indexing import build_index
    from tests.conftest import tiny_tables, write_tables

    ws = tmp_path / "ws"
    tables = tiny_tables()
    ingest(write_tables(tmp_path / "in", tables), ws)
    build_index(ws, show_progress=False)
    indexed = ShopServices(ws).knowledge_base
    assert indexed.from_index_ == len(indexed.chunks_) > 0
    local = KnowledgeBase(cache_dir=tmp_path / "cache").fit(ShopServices(ws).shop.knowledge_base)
    np.testing.assert_allclose(indexed.vectors_, local.vectors_, atol=1e-5)
    question = "how many days do I have to return an item"
    assert [p.chunk_id for p in indexed.retrieve(question)] == [p.chunk_id for p in local.retrieve(question)]
    kb = tables["knowledge_base"].copy()
    kb.loc[0, "body"] = str(kb.loc[0, "body"]) + "\n\nGift wrapping is free on every order."
    ingest(write_tables(tmp_path / "in2", {**tables, "knowledge_base": kb}), ws)  # store changed, index not
    stale = ShopServices(ws).knowledge_base
    assert stale.from_index_ < len(stale.chunks_)  # the changed chunk is embedded afresh, not read stale
