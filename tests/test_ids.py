"""Closest known ids and the unknown-id messages (assistant.ids): pure, fast, on hand-made sets."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from assistant.ids import (
    KnownIds,
    closest_ids,
    id_format,
    looks_like_phrase,
    padded_form,
    same_id_forms,
    shown_id,
    unknown_item,
    unknown_user,
)
from recsys_core.errors import UnknownIdError

USERS = frozenset(f"U{i:05d}" for i in range(1, 201))
BIG = frozenset(f"U{i:06d}" for i in range(1, 100_001))


@pytest.mark.parametrize("typed", ["U0017", "u00017", "17", "user 17", "U000017", "u17"])
def test_the_same_id_in_another_case_or_padding_comes_first(typed: str) -> None:
    found = closest_ids(typed, USERS, prefix="U", width=5)
    assert found[0] == "U00017" and len(found) == 3 and len(set(found)) == 3


def test_then_ids_one_slip_away_by_similarity() -> None:
    assert closest_ids("U0017", USERS, prefix="U", width=5) == ["U00017", "U00107", "U00117"]
    assert "U00170" in closest_ids("U00710", USERS, prefix="U", width=5)  # two digits swapped
    assert closest_ids("U00501", USERS, prefix="U", width=5) == ["U00001", "U00051", "U00101"]


def test_a_known_id_is_never_its_own_match_and_n_is_respected() -> None:
    assert "U00017" not in closest_ids("U00017", USERS, prefix="U", width=5)
    assert len(closest_ids("U0017", USERS, prefix="U", width=5, n=5)) == 5
    assert closest_ids("U0017", USERS, prefix="U", width=5, n=0) == []
    assert closest_ids("U0017", frozenset(), prefix="U", width=5) == []


@pytest.mark.parametrize("typed", ["waterproof tent", "alice", "", "   "])
def test_words_are_near_no_id(typed: str) -> None:
    assert closest_ids(typed, USERS, prefix="U", width=5) == []


def test_case_insensitive_for_lower_case_ids() -> None:
    assert closest_ids("U4", frozenset({"u4", "u5", "u44"}), prefix="u", width=1)[0] == "u4"


def test_padding_helpers() -> None:
    assert padded_form("u0017", prefix="U", width=5) == "U00017"
    assert padded_form("customer #17", prefix="U", width=5) == "U00017"
    assert padded_form("P17", prefix="U", width=5) is None  # another prefix is not this kind of id
    assert padded_form("tent", prefix="U", width=5) is None
    assert same_id_forms("u17", prefix="U", width=5) == ["u17", "U17", "U00017"]
    assert id_format(pd.Series(["U00001", "U00002", None]), "X", 3) == ("U", 5)
    assert id_format(pd.Series(["alice", "bob"]), "U", 5) == ("U", 5)


@pytest.mark.parametrize("typed", ["U0017", "U999999", "12345", "U12O45", "U1234567", "waterproof tent"])
def test_fast_over_100k_ids(typed: str) -> None:
    closest_ids(typed, BIG, prefix="U", width=6)  # warm
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        closest_ids(typed, BIG, prefix="U", width=6)
        runs.append(time.perf_counter() - start)
    assert min(runs) < 0.05, f"{typed!r}: {min(runs) * 1000:.1f} ms over 100k ids"


def test_the_big_set_still_finds_the_padded_id() -> None:
    assert closest_ids("U0017", BIG, prefix="U", width=6)[0] == "U000017"
    assert closest_ids("12345", BIG, prefix="U", width=6)[0] == "U012345"


# ---- messages -----------------------------------------------------------------------------------
KNOWN = KnownIds(set(USERS), "U", 5)


def test_unknown_user_names_the_value_and_the_closest_ids() -> None:
    err = unknown_user("U0017", KNOWN)
    assert isinstance(err, UnknownIdError) and err.kind == "user" and err.value == "U0017"
    assert str(err) == "U0017 is not a customer of this shop (closest known ids: U00017, U00107, U00117)"
    assert err.closest == ("U00017", "U00107", "U00117")
    # nothing one slip away: the neighbours in id order, so there is always somewhere to look
    assert str(unknown_user("U99999", KNOWN)) == ("U99999 is not a customer of this shop (closest known ids: U00200, "
                                                  "U00199, U00198)")
    assert KNOWN.closest("U0500")[:2] == ["U00050", "U00100"] and len(KNOWN.closest("U0500")) == 3


def test_a_search_phrase_typed_as_a_customer_is_told_to_choose_query() -> None:
    err = unknown_user("waterproof tent", KNOWN)
    assert str(err) == "'waterproof tent' is not a customer id of this shop; to rank it as a search, choose query"
    assert err.closest == ()
    assert looks_like_phrase("waterproof tent", prefix="U", width=5)
    assert not looks_like_phrase("user 17", prefix="U", width=5)
    assert not looks_like_phrase("U0017", prefix="U", width=5)


def test_blank_and_long_values() -> None:
    assert str(unknown_user("  ", KNOWN)) == "no customer id given: type one, e.g. U00001"
    long = "U" + "7" * 120
    assert len(shown_id(long)) == 60 and str(unknown_user(long, KNOWN)).startswith(shown_id(long))


def test_unknown_item_names_the_closest_products() -> None:
    items = KnownIds.of(pd.Series([f"P{i:05d}" for i in range(1, 301)]), "P", 5)
    assert str(unknown_item("P0042", items)) == "P0042 is not a product of this shop (closest known ids: P00042, " \
        + ", ".join(closest_ids("P0042", items.ids, prefix="P", width=5)[1:]) + ")"
    assert unknown_item("p00042", items).closest[0] == "P00042"
    assert str(unknown_item("P09999", items)).startswith("P09999 is not a product of this shop (closest known ids: P00300")


def test_known_ids_grow() -> None:
    known = KnownIds.of(pd.Series(["U00001", "U00002"]), "U", 5)
    assert sorted(known.closest("U3")) == ["U00001", "U00002"]
    known.add(["U00003"])
    assert "U00003" in known.ids and known.closest("U3")[0] == "U00003"
