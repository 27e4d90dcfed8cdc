"""Knowledge-base markdown → chunks by heading, with word overlap, keeping doc ids for citation."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Chunk:
    """One retrievable piece of a document; ``chunk_id`` = ``{doc_id}#{position}``."""

    doc_id: str
    doc_title: str
    heading: str  # heading path, e.g. "Returns > Refund timing"
    position: int  # 0-based order within the document
    text: str

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}#{self.position}"

    def metadata(self) -> dict[str, str | int]:
        return {
            "doc_id": self.doc_id,
            "doc_title": self.doc_title,
            "heading": self.heading,
            "position": self.position,
        }


def _sections(body: str) -> list[tuple[str, str]]:
    """(heading path, section text) in document order; text before any heading has path ''."""
    path: list[tuple[int, str]] = []
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        m = _HEADING.match(line)
        if m:
            level = len(m.group(1))
            path = [(lv, t) for lv, t in path if lv < level] + [(level, m.group(2).strip())]
            sections.append((" > ".join(t for _, t in path), []))
        else:
            sections[-1][1].append(line)
    return [(h, "\n".join(lines).strip()) for h, lines in sections if "\n".join(lines).strip() or h]


def chunk_markdown(
    doc_id: str,
    title: str,
    body: str,
    *,
    max_words: int = 180,
    overlap_words: int = 30,
) -> list[Chunk]:
    """Split by heading; a long section is cut into windows of ``max_words`` that overlap."""
    if overlap_words >= max_words:
        raise ValueError(f"overlap_words {overlap_words} must be below max_words {max_words}")
    chunks: list[Chunk] = []
    for heading, text in _sections(body):
        words = text.split()
        if not words:
            if heading:
                words = [heading]
            else:
                continue
        start = 0
        while True:
            piece = " ".join(words[start : start + max_words])
            prefix = f"{title} — {heading}" if heading else title
            chunks.append(Chunk(doc_id, title, heading, len(chunks), f"{prefix}\n{piece}"))
            if start + max_words >= len(words):
                break
            start += max_words - overlap_words
    return chunks
