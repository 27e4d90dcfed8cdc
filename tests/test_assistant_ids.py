"""Unknown ids are said, never served the generic list: the service, the chat and its examples.

Over the small demo workspace (U00001..., P00001...): "U0017" and "u00017" typed into a
ranking are not customers (the closest known ids are named); in chat "u00017" is the shop's
U00017 (the parser writes ids the shop's way) and an id that is still unknown gets the message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.agent import Assistant, extract_slots
from assistant.service import ShelfwiseService
from assistant.ui.chat import example_ids, question_placeholder, suggestions
from recsys_core.errors import UnknownIdError
from recsys_core.models.attribution import NEW_USER_LABEL
from tests.app_workspace import demo_workspace, workspace_copy

USER = "U00017"


@pytest.fixture(scope="module")
def service() -> ShelfwiseService:
    return ShelfwiseService(demo_workspace(), llm="template")


def _unknown(call: object) -> UnknownIdError:
    with pytest.raises(UnknownIdError) as info:
        call()  # type: ignore[operator]
    return info.value


# ---- the service ---------------------------------------------------------------------------------
def test_known_customers_pass_and_others_name_the_closest(service: ShelfwiseService) -> None:
    service.check_user(USER)
    assert service.known_user(USER) and not service.known_user("U0017")
    err = _unknown(lambda: service.check_user("U0017"))
    assert str(err).startswith("U0017 is not a customer of this shop (closest known ids: U00017, ")
    assert err.closest[0] == USER and len(err.closest) == 3
    lower = _unknown(lambda: service.check_user("u00017"))
    assert str(lower).startswith("u00017 is not a customer of this shop") and lower.closest[0] == USER
    phrase = _unknown(lambda: service.check_user("waterproof tent"))
    assert str(phrase) == "'waterproof tent' is not a customer id of this shop; to rank it as a search, choose query"


def test_rankings_refuse_an_unknown_customer(service: ShelfwiseService) -> None:
    item = service.recommend(USER, k=2)
    for call in (lambda: service.recommend("U0017"), lambda: service.serve_recommend("U0017"),
                 lambda: service.explain("U0017", item[0].item_id),
                 lambda: service.compare(item[0].item_id, item[1].item_id, user_id="u00017")):
        assert _unknown(call).closest[0] == USER


def test_the_new_visitor_list_only_when_asked_and_said(service: ShelfwiseService) -> None:
    shown = service.recommend("U99999", k=3, new_visitor=True)
    assert len(shown) == 3 and {p.source for p in shown} == {NEW_USER_LABEL}
    served, experiment = service.serve_recommend("U99999", k=3, new_visitor=True)
    assert [p.item_id for p in served] == [p.item_id for p in shown] and experiment is None
    assert service.new_visitor_note("U99999") == ("U99999 is not a customer yet: this is the new-visitor list "
                                                  "(popular and trending items)")
    assert service.new_visitor_note(USER) is None
    assert service.recommend(USER, k=3, new_visitor=True)[0].item_id == service.recommend(USER, k=3)[0].item_id


def test_an_unknown_product_names_the_closest(service: ShelfwiseService) -> None:
    err = _unknown(lambda: service.check_item("P0042"))
    assert str(err).startswith("P0042 is not a product of this shop (closest known ids: P00042, ")
    assert str(_unknown(lambda: service.check_item("P09999"))).startswith(
        "P09999 is not a product of this shop (closest known ids: ")


def test_a_new_visitor_with_events_is_a_customer(tmp_path: Path) -> None:
    svc = ShelfwiseService(workspace_copy(tmp_path / "ws"), llm="template")
    item = str(svc.products.index[0])
    assert not svc.known_user("NEW-1")
    svc.add_events([{"user_id": "NEW-1", "item_id": item, "type": "view"}])
    assert svc.known_user("NEW-1") and svc.recommend("NEW-1", k=2)
    assert ShelfwiseService(svc.workspace, llm="template").known_user("NEW-1")  # from the live event log


# ---- chat ----------------------------------------------------------------------------------------
def test_chat_names_an_unknown_customer_instead_of_a_generic_list(service: ShelfwiseService) -> None:
    bot = Assistant(service)
    ans = bot.ask("recommend something for U0500")
    assert ans.answer.startswith("U00500 is not a customer of this shop") and ans.facts["unknown_id"] == "U00500"
    assert ans.facts["closest"] and "results" not in ans.facts
    top = service.recommend(USER, k=1)[0].item_id
    why = bot.ask(f"why is {top} first for U99999")
    assert why.answer.startswith("U99999 is not a customer of this shop (closest known ids: ")
    assert why.intent == "explain_ranking" and why.answer.endswith(").")
    assert bot.ask("recommend something", user="U99999").answer.startswith("U99999 is not a customer")


def test_chat_writes_a_mistyped_id_the_shops_way(service: ShelfwiseService) -> None:
    """"u00017" and "U0017" are the shop's U00017 once padded: answered for that customer."""
    top = service.recommend(USER, k=1)[0].item_id
    bot = Assistant(service)
    ans = bot.ask(f"why is {top} first for u00017")
    assert ans.facts["user_id"] == USER and ans.answer.startswith(f"{top} ") and f"is #1 for {USER}" in ans.answer
    assert bot.ask("recommend something for U0017").facts["user_id"] == USER
    assert bot.ask("recommend something", user="u00017", session="box").facts["user_id"] == USER  # default customer
    typed = bot.ask("recommend something", user="waterproof tent", session="typed")
    assert typed.answer == ("'waterproof tent' is not a customer id of this shop; to rank it as a search, "
                            "choose query.") and "results" not in typed.facts


def test_chat_names_an_unknown_product(service: ShelfwiseService) -> None:
    bot = Assistant(service)
    assert bot.ask("why is P09999 first for user 17").answer.startswith("P09999 is not a product of this shop (")
    top = service.recommend(USER, k=1)[0].item_id
    both = bot.ask(f"why is P09999 above {top} for user 17")
    assert both.intent == "compare" and both.answer.startswith("P09999 is not a product of this shop (")


# ---- chat: the whole search phrase ---------------------------------------------------------------
@pytest.mark.parametrize("question,query", [
    ("why is P00018 first for waterproof tent?", "waterproof tent"),
    ("Why does P00018 rank #1 when people search for waterproof tent", "waterproof tent"),
    ("why is P00018 first in the results for a waterproof tent, please?", "waterproof tent"),
    ("why is P00018 first for the search 'yoga mat'", "yoga mat"),
    ("why is P00018 first for user 17", None),
    ("why is P00018 first for them", None),
    ("recommend something for U00017", None),
    ("why is P00018 first for everyone", None),
])
def test_the_search_phrase_is_the_whole_phrase(service: ShelfwiseService, question: str, query: str | None) -> None:
    assert extract_slots(question, service.lexicon).query == query


def test_why_first_for_a_search_phrase_explains_that_search(service: ShelfwiseService) -> None:
    hit = service.search("waterproof tent", k=1)[0].item_id
    for user in (None, USER):  # a search named in the question beats the chat's default customer
        ans = Assistant(service).ask(f"why is {hit} first for waterproof tent?", user=user)
        assert ans.tool_calls == [{"tool": "explain_ranking", "args": {"item_id": hit, "query": "waterproof tent"}}]
        assert ans.answer.startswith(f"{hit} ") and 'is #1 for "waterproof tent"' in ans.answer


# ---- the chat tab's examples ---------------------------------------------------------------------
def test_examples_use_ids_of_this_shop(service: ShelfwiseService) -> None:
    customer, product = example_ids(service)
    assert customer is not None and product is not None
    service.check_user(customer)
    service.check_item(product)
    assert service.recommend(customer, k=1)[0].item_id == product
    assert f"Recommend something for customer {customer}" in suggestions(customer)
    assert "What is your return policy?" in suggestions(customer)
    assert question_placeholder(customer, product) == f"Why is {product} ranked first for customer {customer}?"
    assert all("customer" not in s for s in suggestions(None))
