"""Vocabulary-constrained decoding for local models: the answer may only use the facts' own tokens.

A 135M model asked to "use only the facts" still invents names and numbers. Masking every token
that is neither in the facts (and question) nor in a short list of English connective words makes
invention far less likely: the model can reorder, shorten and join the facts, not add to them.
The grounding guard still checks the result (digits can recombine into a wrong number), so this
raises how often the model's wording is used; it does not replace the check.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# words any faithful rephrasing may need: articles, pronouns, auxiliaries, prepositions, linkers
CONNECTIVES = tuple("""
a an the this that these those it its they them their there here you your we our us i my me
is are was were be been being has have had do does did can could will would should may might must
and or but so because as than then also only just not no yes both either each every all any some
of to in on at by for with from into onto over under about after before within between through per
up down out off above below near next first last most more less least much many few
what which who whom whose when where why how
here's there's it's you're we're don't doesn't can't won't isn't aren't
""".split())
_PUNCTUATION = (".", ",", ";", ":", "!", "?", "'", '"', "(", ")", "-", "$", "%", "#", "/", "'s")
_WORD = re.compile(r"[A-Za-z]+|\d|[^\sA-Za-z\d]")


def _variants(tokenizer: Any, pieces: set[str]) -> set[int]:
    ids: set[int] = set()
    for piece in pieces:
        for text in (piece, " " + piece, piece.lower(), " " + piece.lower(), piece.capitalize(), " " + piece.capitalize()):
            ids.update(tokenizer(text, add_special_tokens=False)["input_ids"])
    return ids


class AllowedVocabulary:
    """Token ids a generation may use: the source text's words, digits and signs, the connectives,
    and the tokenizer's end tokens. The connective part is computed once per tokenizer."""

    def __init__(self, tokenizer: Any):
        self.tokenizer = tokenizer
        self.base_ids_ = _variants(tokenizer, set(CONNECTIVES) | set(_PUNCTUATION))
        for token in (tokenizer.eos_token, "<|im_end|>", "<|endoftext|>", "<end_of_turn>"):  # ChatML, Gemma
            tid = tokenizer.convert_tokens_to_ids(token) if token else None
            if isinstance(tid, int) and tid != getattr(tokenizer, "unk_token_id", None):
                self.base_ids_.add(tid)
        if tokenizer.eos_token_id is not None:
            self.base_ids_.add(int(tokenizer.eos_token_id))

    def ids_for(self, source: str) -> list[int]:
        """Allowed ids for a generation grounded in ``source``."""
        words = set(_WORD.findall(source)) | set(re.findall(r"\S+", source))
        return sorted(self.base_ids_ | _variants(self.tokenizer, words))

    def processor(self, source: str) -> Any:
        """A transformers logits processor that masks every other token."""
        return _AllowOnly(self.ids_for(source))


@lru_cache(maxsize=1)
def _allow_only_class() -> type:
    import torch
    from transformers import LogitsProcessor

    class AllowOnly(LogitsProcessor):
        def __init__(self, ids: list[int]):
            self.ids = torch.tensor(ids, dtype=torch.long)
            self.mask: Any = None

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            if self.mask is None or self.mask.shape[-1] != scores.shape[-1]:
                self.mask = torch.full((scores.shape[-1],), float("-inf"), dtype=scores.dtype)
                self.mask[self.ids[self.ids < scores.shape[-1]]] = 0.0
            return scores + self.mask

    return AllowOnly


def _AllowOnly(ids: list[int]) -> Any:  # noqa: N802 - builds the processor lazily (torch import)
    return _allow_only_class()(ids)
