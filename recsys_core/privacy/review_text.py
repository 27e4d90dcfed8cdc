"""Review text as it may leave the store: redacted again, whatever its origin.

``shelfwise ingest`` already redacts review titles and texts (see
:mod:`recsys_core.data.validate`), so a stored shop holds none; frames built in memory (the demo
generator's, an adapter's) have not been through ingest. Whatever embeds review text into Chroma
or puts it into an LLM prompt takes it from :func:`review_texts_for_index`, which redacts once
more: redaction is idempotent, so stored text comes back unchanged.
"""

from __future__ import annotations

import pandas as pd

from recsys_core.privacy.redact import redact


def review_text(title: object, text: object) -> str:
    """One review as a single redacted text: ``"Title. Body"`` (either may be missing)."""
    parts = [
        str(p).strip() for p in (title, text) if isinstance(p, str) and str(p).strip()
    ]
    if len(parts) == 2 and not parts[0].endswith((".", "!", "?")):
        parts[0] += "."
    return redact(" ".join(parts))


def review_texts_for_index(reviews: pd.DataFrame) -> list[str]:
    """Redacted ``title. text`` of every row of a reviews frame, in row order."""
    titles = reviews["title"] if "title" in reviews else pd.Series([None] * len(reviews))
    return [
        review_text(None if pd.isna(t) else t, None if pd.isna(x) else x)
        for t, x in zip(titles.astype("object"), reviews["text"].astype("object"), strict=True)
    ]
