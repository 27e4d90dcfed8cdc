"""Property-based checks on the parsers: the search query parser, the rule parsers (dicts, YAML,
the rules store, the linter), the assistant's intent/slot parser and the prompt renderer.

Each parser, given any input, returns a well-formed result or raises its package's typed error
(a ``ShelfwiseError`` subclass). Every generated case is counted; the module prints the total.
"""

from __future__ import annotations

import dataclasses
import json
import math
import string
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.agent import Lexicon, extract_slots, get_tool, intents, registered_tools, route
from assistant.agent.tools import Plan
from assistant.prompts import Prompt, PromptError, load_prompt
from recsys_core.errors import ShelfwiseError
from recsys_core.privacy import redact
from recsys_core.strategy import (
    ProductLookup,
    RuleContext,
    RuleError,
    RuleSet,
    apply_rules,
    dump_rules,
    lint_rules,
    load_rules,
    load_rules_file,
    parse_rules,
    save_rules,
)
from retrieval import SearchInputError, parse_query

CASES: Counter[str] = Counter()


def fuzz(n: int) -> settings:
    """``n`` generated cases, no per-case deadline (the box is shared and noisy)."""
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module", autouse=True)
def _report_cases(pytestconfig: pytest.Config) -> Iterator[None]:
    yield
    total = sum(CASES.values())
    detail = ", ".join(f"{k}={v}" for k, v in sorted(CASES.items()))
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    line = f"\nfuzz cases run: {total} ({detail})"
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        print(line)


# ---- search query parser -------------------------------------------------------------------
BRANDS = ("Peak", "North Face", "Brew", "A+B", "Glow (Pro)")
CATEGORIES = ("Outdoor > Footwear", "Outdoor > Tents", "Kitchen", "Home > C++ Books")
QUERY_TOKENS = tuple(
    "under|over|below|above|between|and|to|-|from|at least|up to|max|min|<|<=|>|>=|$|$5|$ 12|"
    "12$|5 dollars|€3|£7|1,5|0|007|99999999999999999999|in stock|in-stock|available|brand:|"
    'category:|brand:"North Face"|brand:Peak|category:Kitchen|"|in|tents|footwear|kitchen|'
    "peak|north face|glow (pro)|a+b|c++ books|{|}|{system}|{0}|%s|\\|"
    "\n|\t|boots|waterproof|2x4|48 in".split("|")
)
words = st.one_of(st.sampled_from(QUERY_TOKENS), st.text(max_size=8))
queries = st.one_of(st.text(max_size=60), st.lists(words, max_size=10).map(" ".join))


def _named_after(prefix: str, value: str, query: str) -> bool:
    low = query.lower()
    return f"{prefix}:{value}".lower() in low or f'{prefix}:"{value}"'.lower() in low


@fuzz(300)
@given(query=queries, prices=st.booleans(), stock=st.booleans())
@example(query="over $100 under $50", prices=True, stock=True)
@example(query="brand:{system} category:{0} {question}", prices=True, stock=True)
def test_query_parser_gives_well_formed_filters_or_a_typed_error(
    query: str, prices: bool, stock: bool
) -> None:
    CASES["query_parser"] += 1
    try:
        parsed = parse_query(
            query, brands=BRANDS, categories=CATEGORIES, prices=prices, stock=stock
        )
    except SearchInputError as exc:  # contradictory bounds ("over $100 under $50") are named
        assert "price_min" in str(exc) and "price_max" in str(exc)
        return
    f = parsed.filters
    for bound in (f.price_min, f.price_max):
        assert bound is None or (not math.isnan(bound) and bound >= 0)
    if f.price_min is not None and f.price_max is not None:
        assert f.price_min <= f.price_max
    if not prices:
        assert f.price_min is None and f.price_max is None
    assert not f.in_stock or stock
    # a filter names a known brand/category, or one the query named explicitly with brand:/category:
    assert all(b in BRANDS or _named_after("brand", b, query) for b in f.brands)
    assert all(c in CATEGORIES or _named_after("category", c, query) for c in f.categories)
    assert parsed.text == parsed.text.strip() and (parsed.text or not query.strip())
    assert "  " not in parsed.text or parsed.text == query.strip()


safe_words = st.lists(st.from_regex(r"[a-z]{3,8}", fullmatch=True), max_size=4).map(" ".join)
prices_ = st.one_of(
    st.integers(min_value=0, max_value=10**6), st.decimals(min_value=0, max_value=10**5, places=2)
)


@fuzz(150)
@given(
    before=safe_words,
    after=safe_words,
    low=prices_,
    high=prices_,
    form=st.integers(min_value=0, max_value=3),
)
def test_query_parser_reads_explicit_money_phrases(
    before: str, after: str, low: Any, high: Any, form: int
) -> None:
    CASES["query_parser_known"] += 1
    lo, hi = sorted((float(low), float(high)))
    phrase = [f"under ${high}", f"over ${low}", f"between ${low} and ${high}", f"${low} - ${high}"][
        form
    ]
    parsed = parse_query(f"{before} {phrase} {after}", brands=BRANDS, categories=CATEGORIES)
    expected = [(None, float(high)), (float(low), None), (lo, hi), (lo, hi)][form]
    assert (parsed.filters.price_min, parsed.filters.price_max) == expected
    assert parsed.text == (f"{before} {after}".strip() or f"{before} {phrase} {after}".strip())


# ---- merchandising rules: dicts, YAML, the store, apply_rules, the linter --------------------
PRODUCTS = pd.DataFrame(
    {
        "item_id": ["A", "B", "C", "D", "E"],
        "title": ["trail boot", "rain jacket", "camp mug", "head lamp", "trail sock"],
        "category": ["outdoor > boots", "outdoor", "kitchen", "outdoor", "outdoor"],
        "brand": ["Peak", "Peak", "Brew", "Glow", "Knit"],
        "price": [100.0, 80.0, 10.0, 30.0, 12.0],
        "stock": [5, 0, 10, 3, 7],
        "attributes": ['{"waterproof": true}', '{"waterproof": true}', "", "{", ""],
    }
)
LOOKUP = ProductLookup(PRODUCTS)
RANKED = [("A", 0.9), ("B", 0.8), ("C", 0.5), ("D", -0.4), ("E", 0.0)]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
numbers = st.one_of(
    st.none(),
    st.integers(min_value=-3, max_value=5),
    st.floats(),
    st.sampled_from([0.5, 1.5, 2.0, -0.5, -1.0, 0.0, 1.0, float("nan"), float("inf"), "1.5", "x"]),
)
dates_ = st.one_of(
    st.none(),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)).map(str),
    st.sampled_from(["2026-02-30", "tomorrow", "", "2026-3-1", 20260301]),
)
ids_ = st.lists(st.sampled_from(["A", "B", "C", "Z", "", "{x}"]) | st.text(max_size=4), max_size=3)
target = st.fixed_dictionaries(
    {},
    optional={
        "item_ids": ids_,
        "brands": st.lists(st.sampled_from(["Peak", "brew", "Nope"]), max_size=2),
        "categories": st.lists(
            st.sampled_from(["outdoor", "Kitchen", "outdoor > boots", "x"]), max_size=2
        ),
        "attributes": st.dictionaries(
            st.sampled_from(["waterproof", "colour"]),
            st.one_of(st.booleans(), st.text(max_size=4), st.floats()),
            max_size=2,
        ),
        "colour": st.just("red"),  # an unknown key: must be rejected, not ignored
    },
)
scope = st.fixed_dictionaries(
    {},
    optional={
        "queries": st.lists(st.sampled_from(["boot", "tent", "{system}"]), max_size=2),
        "categories": st.lists(st.sampled_from(["outdoor", "kitchen"]), max_size=2),
        "segments": st.lists(st.text(max_size=5), max_size=2),
        "surfaces": st.lists(st.sampled_from(["search", "recommendations"]), max_size=2),
    },
)
rule_dicts = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["r1", "r2", "r3", "", "boost-peak"]) | st.text(max_size=6),
        "action": st.sampled_from(["pin", "boost", "bury", "filter", "teleport"]),
        "target": target,
    },
    optional={
        "scope": scope,
        "position": numbers,
        "multiplier": numbers,
        "additive": numbers,
        "starts": dates_,
        "ends": dates_,
        "priority": st.integers(-2, 2) | st.text(max_size=2),
        "enabled": st.booleans(),
        "note": st.text(max_size=20),
    },
)
rule_docs = st.one_of(
    st.lists(rule_dicts, max_size=4).map(lambda rs: {"rules": rs}),
    st.lists(rule_dicts, max_size=3),
    json_values,
)


def _check_ruleset(rules: RuleSet) -> None:
    for r in rules.rules:
        for value in (r.multiplier, r.additive):
            assert value is None or math.isfinite(value), f"rule {r.id!r} accepted {value}"
    assert len({r.id for r in rules.rules}) == len(rules.rules)
    # the stored form reads back as the same rule set (YAML and JSON-mode dump)
    assert parse_rules(yaml.safe_load(dump_rules(rules))) == rules
    json.dumps(rules.model_dump(mode="json"), allow_nan=False)


@fuzz(400)
@given(doc=rule_docs)
@example(
    doc={
        "rules": [
            {"id": "b", "action": "bury", "target": {"brands": ["Peak"]}, "additive": float("nan")}
        ]
    }
)
@example(
    doc={
        "rules": [
            {
                "id": "b",
                "action": "boost",
                "target": {"brands": ["Peak"]},
                "multiplier": float("inf"),
            }
        ]
    }
)
@example(
    doc={"rules": [{"id": "a", "action": "filter", "target": {"attributes": {"w": float("nan")}}}]}
)
def test_rule_parser_accepts_well_formed_rules_or_names_the_problem(doc: Any) -> None:
    CASES["rule_parser"] += 1
    try:
        rules = parse_rules(doc, "request")
    except RuleError as exc:
        assert str(exc).startswith("request: ") and "fix the rules file" in str(exc)
        return
    _check_ruleset(rules)
    for surface in ("search", "recommendations"):
        ctx = RuleContext(
            query="trail boot", category="outdoor", surface=surface, day=date(2026, 3, 1)
        )
        out = apply_rules(RANKED, rules, ctx, LOOKUP)
        items = [i for i, _ in out.ranking]
        assert len(items) == len(set(items)) and not set(items) & set(out.removed)
        assert set(items) | set(out.removed) >= {i for i, _ in RANKED}
        assert all(i in LOOKUP for i in items)  # a pin never invents an item
        fused = dict(RANKED)
        for item, score in out.ranking:  # documented: rule deltas sum to final - fused score
            assert math.isfinite(score)
            assert math.isclose(fused.get(item, 0.0) + out.rule_score(item), score, abs_tol=1e-9)


@fuzz(40)
@given(doc=st.lists(rule_dicts, min_size=1, max_size=3).map(lambda rs: {"rules": rs}))
def test_linter_runs_on_any_valid_rule_set(doc: Any) -> None:
    CASES["rule_lint"] += 1
    try:
        rules = parse_rules(doc)
    except RuleError:
        return
    findings = lint_rules(rules, PRODUCTS, today=date(2026, 3, 1))
    known = {r.id for r in rules.rules}
    assert all(f.rule_id in known and f.severity in ("error", "warning", "info") for f in findings)


yaml_texts = st.one_of(
    st.text(max_size=80),
    rule_docs.map(lambda d: yaml.safe_dump(d, allow_unicode=True) if _yaml_safe(d) else "rules: ["),
    st.sampled_from(
        [
            "rules: !!python/object:os.system {}",
            "rules: *a",
            "[",
            "{",
            "- 1\n- : 2",
            "\x00",
            "rules: 3",
        ]
    ),
)


def _yaml_safe(doc: Any) -> bool:
    try:
        yaml.safe_dump(doc)
    except yaml.YAMLError:
        return False
    return True


@fuzz(150)
@given(text=yaml_texts, suffix=st.sampled_from([".yaml", ".json"]))
def test_rules_file_loader_names_the_file_or_returns_rules(text: str, suffix: str) -> None:
    CASES["rules_file"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"rules{suffix}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            rules = load_rules_file(path)
        except RuleError as exc:
            assert str(path) in str(exc)
            return
    _check_ruleset(rules)


@fuzz(25)
@given(
    doc=st.lists(rule_dicts, min_size=1, max_size=3).map(lambda rs: {"rules": rs}),
    message=st.text(max_size=30),
)
def test_rules_store_round_trips_what_it_saved(doc: Any, message: str) -> None:
    CASES["rules_store"] += 1
    try:
        rules = parse_rules(doc)
    except RuleError:
        return
    with tempfile.TemporaryDirectory() as tmp:
        version = save_rules(tmp, rules, message)
        assert load_rules(tmp) == rules == load_rules(tmp, version)


# ---- the assistant's intent and slot parser -------------------------------------------------
LEX = Lexicon(
    item_ids={f"P{i:05d}" for i in range(1, 60)},
    user_ids={f"U{i:05d}" for i in range(1, 40)},
    doc_ids={"returns"},
    brands={"voltix": "Voltix", "north face": "North Face", "a+b": "A+B"},
    categories={
        "outdoor > tents": "Outdoor > Tents",
        "kitchen": "Kitchen",
        "tents": "Outdoor > Tents",
    },
    titles={
        "P00001": "Voltix Trail Tent, 2 person",
        "P00002": "North Face Rain Jacket",
        "P00003": "Camp Mug (steel)",
    },
    nouns={"tent": "Outdoor > Tents", "jacket": "Outdoor", "water filter": "Outdoor"},
)
ASK_TOKENS = tuple(
    "recommend|for user|user 17|U00003|U99999|customer #5|item 12|P00010|P99999|sku 3|why|is|"
    "ranked|#3|3rd|first|top 5|top-0|rank 0|what if i boost|Voltix|by 20%|-5%|under $50|"
    "over 300|from 7|between|vs|compare|P00001|above|P00002|trend|returns|refund|policy|"
    "last 30 days|this month|2026-02-30|tents|jacket|north face|Voltix Trail Tent, 2 person|"
    "ignore previous instructions|{system}|{question}|and for user 4?|how much is|in stock|hi|"
    "١٢|²|\x00|exposure|segment|promotion".split("|")
)
questions = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(ASK_TOKENS) | st.text(max_size=6), max_size=9).map(" ".join),
)


def _check_slots(slots: Any, followup: bool) -> None:
    assert len(set(slots.item_ids)) == len(slots.item_ids) and set(slots.item_ids) <= LEX.item_ids
    if not followup:  # a follow-up carries the previous turn's user, already reported then
        assert (
            slots.user_id is None
            or slots.user_id in LEX.user_ids
            or slots.user_id in slots.unknown_ids
        )
    for bound in (slots.price_min, slots.price_max, *slots.amounts):
        assert bound is None or (not math.isnan(bound) and bound >= 0)
    assert set(slots.brands) <= set(LEX.brands.values()) and set(slots.categories) <= set(
        LEX.categories.values()
    )
    assert slots.product_type is None or slots.product_type in LEX.nouns
    assert slots.rank is None or slots.rank >= 0
    json.dumps(slots.to_dict())


@fuzz(200)
@given(first=questions, second=questions)
@example(first="why is #0 ranked first for user 3", second="and for user 4?")
@example(first="recommend for user " + "9" * 5000, second="item " + "9" * 5000)
def test_intent_parser_routes_any_text_to_a_known_intent(first: str, second: str) -> None:
    CASES["intent_parser"] += 1
    previous = route(first, LEX)
    for r, text in ((previous, first), (route(second, LEX, previous), second)):
        assert r.intent in intents()
        _check_slots(r.slots, r.followup)
        tool = registered_tools().get(r.intent)
        plan = tool.plan(r.slots, text, "U00001") if tool else Plan(None)
        assert plan.tool is None or plan.tool in registered_tools()
        if plan.tool is None:
            continue
        # the planner only builds calls the tool's declared argument schema accepts
        get_tool(plan.tool).args.model_validate({k: v for k, v in plan.args.items() if v is not None})
        assert all(
            v in LEX.item_ids
            for k, v in plan.args.items()
            if k in ("item_id", "item_a", "item_b") and v
        )
        if plan.args.get("rank") is not None:
            assert plan.args["rank"] >= 1  # "#0" must not pick the last result through index -1
    slots, routed = extract_slots(first, LEX), route(first, LEX).slots
    if routed.user_id != slots.user_id:  # a bare number read as the user a user tool needs ("recs for 1313?")
        assert slots.user_id is None and slots.bare_number and routed.user_id == LEX.user_id(slots.bare_number)
        routed = dataclasses.replace(routed, user_id=None)
    assert slots == routed


# ---- prompts ---------------------------------------------------------------------------------
ANSWER = load_prompt("answer")
user_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "{system}",
            "{facts}",
            "{question}",
            "{",
            "}",
            "{0}",
            "{{x}}",
            "%(facts)s",
            "$facts",
            "{facts!r:>10}",
        ]
    ),
)


@fuzz(200)
@given(question=user_text, facts=user_text)
def test_answer_prompt_holds_user_text_verbatim_and_unparsed(question: str, facts: str) -> None:
    CASES["prompt_render"] += 1
    system, user = ANSWER.render(question=question, facts=facts)
    assert system == ANSWER.system  # nothing a user writes reaches the system message
    # each value lands once, as written (after PII redaction), braces and all: never re-parsed
    values = {"question": redact(question), "facts": redact(facts)}
    pieces = string.Formatter().parse(ANSWER.template)
    assert user == "".join(lit + (values[name] if name else "") for lit, name, _, _ in pieces)
    assert values["question"] in user and values["facts"] in user


template_text = st.lists(
    st.sampled_from(
        [
            "{a}",
            "{b}",
            "{a!r}",
            "{0}",
            "{}",
            "{a.b}",
            "{a[0]}",
            "{a:{b}}",
            "{a:>5}",
            "{{",
            "}}",
            "{",
            "}",
            "text ",
            "\n",
            "{ a }",
            "{a!x}",
            "{a:%}",
        ]
    )
    | st.text(max_size=5),
    max_size=6,
).map("".join)


@fuzz(300)
@given(
    system=template_text,
    template=template_text,
    variables=st.lists(st.sampled_from(["a", "b", "0", "a.b", ""]), max_size=3, unique=True),
    value=st.text(alphabet=string.ascii_letters + "{} ", max_size=8),
)
@example(system="", template="{0}", variables=["0"], value="x")
@example(system="", template="{a.b}", variables=["a.b"], value="x")
@example(system="", template="{a:{b}}", variables=["a"], value="x")
def test_prompt_files_that_load_always_render(
    system: str, template: str, variables: list[str], value: str
) -> None:
    CASES["prompt_model"] += 1
    try:
        prompt = Prompt(
            name="fuzz", version=1, system=system, template=template, variables=tuple(variables)
        )
    except ValueError:  # pydantic's ValidationError: placeholders and variables disagree
        return
    try:
        rendered_system, rendered_user = prompt.render(**{v: value for v in prompt.variables})
    except PromptError:
        return
    values = {v: f"<{v}:{value}>" for v in prompt.variables}
    rendered_system, rendered_user = prompt.render(**values)
    # each value lands verbatim, whatever braces it holds
    for text, rendered in ((system, rendered_system), (template, rendered_user)):
        pieces = string.Formatter().parse(text)
        assert rendered == "".join(
            lit + (values[name] if name else "") for lit, name, _, _ in pieces
        )


prompt_docs = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "version": st.integers(-1, 3),
            "system": st.text(max_size=10),
            "template": template_text,
            "variables": st.lists(st.sampled_from(["a", "b"]), max_size=2),
        },
        optional={"name": st.text(max_size=5), "extra": st.none(), 1: st.just("x")},
    ),
)


@fuzz(120)
@given(doc=prompt_docs, raw=st.booleans(), text=st.text(max_size=40))
@example(
    doc={"version": 1, "system": "s", "template": "{a}", "variables": ["a"], "name": "other"},
    raw=False,
    text="",
)
@example(
    doc={"version": 1, "system": "s", "template": "{a}", "variables": ["a"], 1: "x"},
    raw=False,
    text="",
)
def test_prompt_loader_gives_a_prompt_or_a_prompt_error(doc: Any, raw: bool, text: str) -> None:
    CASES["prompt_loader"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "p.yaml").write_text(
            text if raw else yaml.safe_dump(doc), encoding="utf-8", errors="surrogatepass"
        )
        try:
            prompt = load_prompt("p", Path(tmp))
        except PromptError as exc:
            assert "p.yaml" in str(exc)
            return
    assert prompt.name == "p" and isinstance(prompt, Prompt)


def test_typed_errors_are_shelfwise_errors() -> None:
    """The errors the properties above allow are all part of the library's typed family."""
    assert all(issubclass(e, ShelfwiseError) for e in (SearchInputError, RuleError, PromptError))
