"""Known ids and their closest matches: "U0017" and "u00017" are near "U00017".

Pure functions over a set of known ids, fast for 100k of them: the same id written in another case
or padding comes first, then ids one typing slip away (found by generating the slips, not by
comparing against every known id), then, when those are too few, ids that share the value's digits,
ranked by :class:`difflib.SequenceMatcher` similarity.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Collection, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property

import pandas as pd

from recsys_core.errors import UnknownIdError

_ID = re.compile(r"([A-Za-z]*)[\s#_-]*(\d+)")
_DIGITS = "0123456789"
_WORDS = ("user", "customer", "shopper", "client", "item", "product", "sku")  # "user 17"
MAX_COMPARED = 3000  # ids of the digit prefilter that are compared with SequenceMatcher


def id_format(ids: pd.Series, default_prefix: str, default_width: int) -> tuple[str, int]:
    """(prefix, digit width) of ids like U00017, so "user 17" can be written the shop's way."""
    sample = ids.dropna().astype(str).head(200)
    found = [m for m in (re.fullmatch(r"([A-Za-z]+)(\d+)", s) for s in sample) if m is not None]
    if not found:
        return default_prefix, default_width
    prefix = pd.Series([m.group(1) for m in found]).mode().iloc[0]
    width = int(pd.Series([len(m.group(2)) for m in found]).mode().iloc[0])
    return str(prefix), width


def padded_form(value: str, *, prefix: str, width: int) -> str | None:
    """``value`` as the shop's prefix plus zero-padded digits ("u0017", "17" and "user 17" give
    "U00017" for prefix U, width 5); None when it is not a number with that prefix or none."""
    m = _ID.fullmatch(value.strip())
    if m is None or (m.group(1) and m.group(1).lower() not in (prefix.lower(), *_WORDS)):
        return None
    digits = m.group(2).lstrip("0") or "0"
    return f"{prefix}{digits.rjust(width, '0')}" if len(digits) <= width + 3 else None


def same_id_forms(value: str, *, prefix: str, width: int) -> list[str]:
    """``value`` as typed, in upper and lower case, and in the shop's padding (:func:`padded_form`)."""
    text = value.strip()
    padded = padded_form(text, prefix=prefix, width=width)
    return list(dict.fromkeys(f for f in (text, text.upper(), text.lower(), padded) if f))


def _slips(text: str, alphabet: str) -> set[str]:
    """Every string one typing slip from ``text``: a character dropped, doubled or swapped with its
    neighbour, replaced or inserted (from ``alphabet``)."""
    cuts = [(text[:i], text[i:]) for i in range(len(text) + 1)]
    out = {a + b[1:] for a, b in cuts if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}
    out |= {a + c + b[1:] for a, b in cuts if b for c in alphabet}
    out |= {a + c + b for a, b in cuts for c in alphabet}
    return out


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def _sharing_digits(key: str, known: Collection[str], digits: str) -> list[str]:
    """Known ids of about the value's length that contain its significant digits."""
    size = len(key)
    return [k for k in [k for k in known if digits in k] if abs(len(k) - size) <= 2]  # the cheap test first


def closest_ids(value: str, known: AbstractSet[str], *, prefix: str, width: int, n: int = 3) -> list[str]:
    """Up to ``n`` known ids closest to ``value``, the closest first (``value`` itself excluded).

    The same id in another case or padding comes first ("u00017", "U0017" and "17" all give
    "U00017" when that exists); then ids one slip away and ids sharing the value's digits, by
    :class:`difflib.SequenceMatcher` similarity (case-insensitive). A value with no digit gets
    only its same-id forms: a phrase is not near any id.
    """
    text = str(value).strip()
    if not text or not known or n <= 0:
        return []
    same = [f for f in same_id_forms(text, prefix=prefix, width=width) if f != text and f in known]
    digits = "".join(ch for ch in text if ch.isdigit()).lstrip("0")
    if not any(ch.isdigit() for ch in text):
        return same[:n]
    key = text.upper()
    padded = padded_form(text, prefix=prefix, width=width)
    forms = {key, padded.upper()} if padded else {key}
    letters = "".join(sorted({c for c in prefix.upper() + prefix.lower()}))
    pool: set[str] = set()
    for form in forms:
        for slip in _slips(form, _DIGITS + letters):
            for cased in (slip, slip.lower(), slip.upper()):
                if cased in known:
                    pool.add(cased)
    if digits and len(pool) < n:
        shared = _sharing_digits(key, known, digits)
        if len(shared) > MAX_COMPARED:  # the nearest lengths first: an id rarely gains or loses 2 characters
            shared.sort(key=lambda k: (abs(len(k) - len(key)), k))
            shared = shared[:MAX_COMPARED]
        pool.update(shared)
    pool.difference_update(same)
    pool.discard(text)
    ranked = sorted(pool, key=lambda k: (-_similarity(key, k.upper()), k))
    return [*same, *ranked][:n]


@dataclass
class KnownIds:
    """A set of known ids and how they are written (prefix and digit width), for "did you mean".

    ``ids`` may grow (:meth:`add`); the sorted order used when nothing is close is taken once."""

    ids: set[str]
    prefix: str
    width: int

    @classmethod
    def of(cls, ids: pd.Series, default_prefix: str, default_width: int, *, extra: Iterable[str] = ()) -> KnownIds:
        """The ids of ``ids`` (plus ``extra``), in the format most of ``ids`` follow."""
        prefix, width = id_format(ids, default_prefix, default_width)
        return cls(set(ids.dropna().astype(str)) | {str(e) for e in extra}, prefix, width)

    def add(self, ids: Iterable[str]) -> None:
        self.ids.update(ids)

    @cached_property
    def in_order(self) -> list[str]:
        return sorted(self.ids)

    def closest(self, value: str, n: int = 3) -> list[str]:
        """:func:`closest_ids`; for an id with nothing close ("U99999"), its neighbours in id order."""
        known = frozenset(self.ids)  # a snapshot: another thread may add ids meanwhile
        found = closest_ids(value, known, prefix=self.prefix, width=self.width, n=n)
        text = value.strip()
        if len(found) >= n or not any(ch.isdigit() for ch in text) or looks_like_phrase(
                text, prefix=self.prefix, width=self.width):
            return found
        order = self.in_order
        at = bisect_left(order, padded_form(text, prefix=self.prefix, width=self.width) or text.upper())
        lo = max(0, at - n)
        window = sorted(enumerate(order[lo:at + n], start=lo), key=lambda p: (abs(p[0] - at + 0.5), p[1]))
        near = [k for _, k in window]
        return [*found, *(k for k in near if k not in found and k != text)][:n]


MAX_SHOWN = 60  # characters of a typed value repeated in a message


def shown_id(value: str) -> str:
    """A typed value as a message repeats it: stripped, and cut when very long."""
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def looks_like_phrase(value: str, *, prefix: str, width: int) -> bool:
    """Words rather than an id: no digit at all, or several words that are not "user 17"."""
    text = value.strip()
    if not any(ch.isdigit() for ch in text):
        return True
    return len(text.split()) > 1 and padded_form(text, prefix=prefix, width=width) is None


def _closest_text(closest: list[str]) -> str:
    return f" (closest known ids: {', '.join(closest)})" if closest else ""


def unknown_user(value: str, known: KnownIds) -> UnknownIdError:
    """The error for a customer id the shop does not have, naming the closest ones; a search phrase
    typed where a customer id belongs is told so."""
    text = value.strip()
    if not text:
        example = min(known.ids) if known.ids else f"{known.prefix}{'1'.rjust(known.width, '0')}"
        return UnknownIdError("user", value, message=f"no customer id given: type one, e.g. {example}")
    closest = known.closest(text)
    if looks_like_phrase(text, prefix=known.prefix, width=known.width):
        message = (f"'{shown_id(text)}' is not a customer id of this shop; to rank it as a search, choose query"
                   + _closest_text(closest))
    else:
        message = f"{shown_id(text)} is not a customer of this shop{_closest_text(closest)}"
    return UnknownIdError("user", value, "the shop's customers", closest=tuple(closest), message=message)


def unknown_item(value: str, known: KnownIds) -> UnknownIdError:
    """The error for a product id the shop does not have, naming the closest ones."""
    text = value.strip()
    if not text:
        return UnknownIdError("item", value, message="no product id given: type one, e.g. "
                              f"{min(known.ids) if known.ids else known.prefix + '1'.rjust(known.width, '0')}")
    closest = known.closest(text)
    return UnknownIdError("item", value, "the product table", closest=tuple(closest),
                          message=f"{shown_id(text)} is not a product of this shop{_closest_text(closest)}")
