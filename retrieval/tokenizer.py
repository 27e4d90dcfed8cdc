"""Text → search tokens: unicode/unit normalisation, a light English stemmer, CJK bigrams.

Product titles mix words, sizes and codes ("1/2 in. x 10 ft.", "2x4", "SEN983-CH"). The
tokenizer keeps fractions and codes, splits letter/digit runs ("48in" → "48 in"), maps unit
spellings to one form (inch/inches/" → in) and turns runs of Chinese/Japanese/Korean
characters into overlapping character bigrams so unsegmented text is searchable.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

STOPWORDS: frozenset[str] = frozenset(
    "a an and are as at be by for from in into is it of on or the to with w/ without".split()
)
# questions to a knowledge base also carry their asking words, which say nothing about the topic
QUESTION_STOPWORDS: frozenset[str] = STOPWORDS | frozenset("""
am been but can could did do does doe had has have how i if its me my no not our please so tell than that
then there these this those us was we were what when where which who why will would you your""".split())
# unit spellings → canonical token (matched after lower-casing and dot removal)
UNITS: dict[str, str] = {
    "inch": "in", "inches": "in", "in": "in", '"': "in", "''": "in",
    "foot": "ft", "feet": "ft", "ft": "ft", "'": "ft",
    "gallon": "gal", "gallons": "gal", "gal": "gal",
    "pound": "lb", "pounds": "lb", "lbs": "lb", "lb": "lb",
    "ounce": "oz", "ounces": "oz", "oz": "oz",
    "volt": "v", "volts": "v", "v": "v", "watt": "w", "watts": "w", "w": "w",
    "amp": "a", "amps": "a", "ampere": "a", "square": "sq", "sq": "sq", "cubic": "cu", "cu": "cu",
    "millimeter": "mm", "mm": "mm", "centimeter": "cm", "cm": "cm",
    "yard": "yd", "yards": "yd", "yd": "yd", "btu": "btu", "gpm": "gpm", "psi": "psi",
}
_CJK = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\uac00-\ud7af"  # hangul
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
_TOKEN = re.compile(rf"[{_CJK}]+|\d+(?:[./]\d+)*|[^\W\d_]+|[\"']", re.UNICODE)
_NUM_X_NUM = re.compile(r"(?<=\d)\s*[x×]\s*(?=\d)")


def normalise_text(text: str) -> str:
    """NFKC, lower case, 'x' between numbers spaced out (2x4 → 2 x 4)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _NUM_X_NUM.sub(" x ", text)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light, conservative English stemmer (plural and a few verb endings)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    return word


def cjk_bigrams(run: str) -> list[str]:
    """Overlapping character bigrams of one CJK run (a single character stays itself)."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def raw_words(text: str) -> list[str]:
    """Words and numbers of ``text`` before stemming/stopwords (CJK runs kept whole)."""
    return _TOKEN.findall(normalise_text(text))


def tokenize(text: str, *, stopwords: frozenset[str] = STOPWORDS) -> list[str]:
    """Search tokens of one text: units canonical, stopwords dropped, stemmed, CJK bigrams."""
    out: list[str] = []
    for word in raw_words(text):
        if _CJK_RUN.fullmatch(word):
            out.extend(cjk_bigrams(word))
            continue
        if word in UNITS:
            out.append(UNITS[word])
            continue
        if word in stopwords or word == "x":
            continue
        out.append(stem(word))
    return out
