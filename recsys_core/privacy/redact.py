"""PII redaction: emails, phone numbers, street addresses and card numbers become typed placeholders.

Text from chat turns, the knowledge base, trend notes and product descriptions passes through
:func:`redact` before it is embedded into Chroma, put into an LLM prompt or written to a log.

Why regular expressions and a Luhn check rather than a library: Microsoft Presidio (on PyPI)
needs spaCy and a spaCy language model, which is downloaded from GitHub, not PyPI, and Shelfwise
runs offline; ``scrubadub``/``commonregex`` are unmaintained. The four kinds asked for are
well described by patterns, and the patterns are tuned against shop text so that prices,
percentages, product ids (``P00001``), SKUs, dates and sizes stay untouched:

* cards: 13-19 digits, optionally grouped by spaces or dashes, a card-network first digit
  (2-6) and a valid Luhn checksum — EAN/UPC barcodes and order numbers mostly fail one of them;
* phones: ``+`` international numbers, US ``(555) 123-4567`` / ``555-123-4567`` and UK
  ``020 7946 0958`` / ``07700 900123`` shapes (separators required for bare national numbers);
* addresses: house number + capitalised street name + street type ("221B Baker Street"), with
  an optional unit, city, US state + ZIP or UK postcode; lower-case addresses count only after
  a cue ("ship to", "I live at", "address:"), so "top 10 urban street styles" is left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

PLACEHOLDERS: dict[str, str] = {
    "email": "[EMAIL]",
    "card": "[CARD]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
}

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])"
)
# digits as printed on cards: one run, or groups of 3+ (4-4-4-4, Amex 4-6-5) joined by single spaces
# or dashes; the Luhn and length checks decide. Groups of 1-2 digits ("3 3 978-0-306-40615-7", an
# ISBN after two quantities) are not a card layout, however the digits add up.
_CARD = re.compile(r"(?<![\w.,/-])\d{3,}(?:[ -]\d{3,}){0,5}(?![\w/]|[.,-]\d)")
_SEP = r"[ .-]"
_PHONE = re.compile(
    r"(?<![\w+/.-])(?:"
    # international: +CC then 6-14 more digits in groups
    r"\+\d{1,3}(?:[ .-]?\(\d{1,4}\)|)(?:[ .-]?\d{1,5}){2,6}"
    # US/Canada: (555) 123-4567, 555-123-4567, 555.123.4567, 555 123 4567, 1-555-123-4567
    rf"|(?:1{_SEP})?(?:\(\d{{3}}\)[ ]?|\d{{3}}{_SEP})\d{{3}}{_SEP}\d{{4}}"
    # UK national: 020 7946 0958, 07700 900123, 01632 960123, 0161-496-0000
    r"|0\d{2,4}[ -]\d{3,4}(?:[ -]?\d{3,4})"
    r")(?![\w/-]|[.,]\d)"
)
_STRONG_TYPES = (
    r"Street|Avenue|Road|Boulevard|Lane|Drive|Terrace|Crescent|Parkway|Highway|"
    r"St\.?|Ave\.?|Rd\.?|Blvd\.?|Ln\.?|Pkwy\.?|Hwy\.?"
)
_WEAK_TYPES = (
    r"Way|Court|Ct\.?|Place|Pl\.?|Close|Square|Sq\.?|Row|Grove|Circle|Cir\.?|Gardens|Mews|Walk|Hill"
)
_NAME = r"(?:[A-Z][a-z'’]+\.?|\d{1,3}(?:st|nd|rd|th))"
_TAIL = (
    r"(?:\s+(?:NE|NW|SE|SW|N|S|E|W)\b)?"
    r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor)\.?\s*#?\w{1,6})?"
    r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2})?"
    r"(?:,?\s+(?:[A-Z]{2}\s+\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}))?"
)
_ADDRESS = re.compile(
    rf"(?<![\w$£€.,/#:-])\d{{1,5}}[A-Za-z]?(?:-\d{{1,5}})?,?\s+(?:{_NAME}\s+){{1,4}}"  # "10:30" is a time
    rf"(?:{_STRONG_TYPES}|{_WEAK_TYPES})(?![\w-]){_TAIL}"
    r"(?![ \t]+[A-Z][a-z])"  # "3 Bed Street Lamp" is a product title, not an address
)
_CUED_ADDRESS = re.compile(
    r"(?i)\b(?:address|(?:live|lives|living|located|moved) at|(?:ship|deliver|send|post|mail)(?: it| them)? to)"
    r"\s*:?\s*(?P<addr>\d{1,5}[a-z]?,?\s+(?:[a-z'’]+\s+){1,4}"
    rf"(?:{_STRONG_TYPES}|{_WEAK_TYPES})(?![\w-]))"
)


@dataclass(frozen=True)
class PiiMatch:
    """One piece of personal data found in a text (character span and kind)."""

    kind: str
    start: int
    end: int


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) checksum used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return bool(digits) and total % 10 == 0


def _is_card(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits)


def _phone_digits_ok(candidate: str) -> bool:
    n = sum(ch.isdigit() for ch in candidate)
    return 10 <= n <= 15 if candidate.startswith("+") else 10 <= n <= 11


def find_pii(text: str) -> list[PiiMatch]:
    """Non-overlapping PII spans in ``text``, in order (earlier kinds win an overlap)."""
    found: list[PiiMatch] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append(PiiMatch(kind, start, end))

    for m in _EMAIL.finditer(text):
        add("email", m.start(), m.end())
    for m in _CARD.finditer(text):
        if _is_card(m.group()):
            add("card", m.start(), m.end())
    for m in _PHONE.finditer(text):
        if _phone_digits_ok(m.group()):
            add("phone", m.start(), m.end())
    for m in _ADDRESS.finditer(text):
        add("address", m.start(), m.end())
    for m in _CUED_ADDRESS.finditer(text):
        add("address", m.start("addr"), m.end("addr"))
    return sorted(found, key=lambda p: p.start)


def redact_with_counts(text: str) -> tuple[str, Counter[str]]:
    """``text`` with every PII span replaced by its placeholder, and how many of each kind."""
    counts: Counter[str] = Counter()
    if not text:
        return text, counts
    parts: list[str] = []
    pos = 0
    for match in find_pii(text):
        parts.append(text[pos : match.start])
        parts.append(PLACEHOLDERS[match.kind])
        counts[match.kind] += 1
        pos = match.end
    parts.append(text[pos:])
    return "".join(parts), counts


def redact(text: str) -> str:
    """``text`` with emails, phones, street addresses and card numbers replaced by
    ``[EMAIL]``, ``[PHONE]``, ``[ADDRESS]``, ``[CARD]``; anything else is returned unchanged."""
    if not text or not any(ch.isdigit() or ch == "@" for ch in text):
        return text  # every kind needs a digit or an "@": the common case costs one scan
    return redact_with_counts(text)[0]
