"""Reader for interaction-sequence files: one user per line, ``user item item ...`` in time order.

The format of Amazon Beauty's ``Beauty.txt`` (and of the S3-Rec / ICLRec / P5 copies of the other
Amazon sets). Ids are kept as strings exactly as written; a user may repeat an item.
"""

from __future__ import annotations

import re
from pathlib import Path

from recsys_core.data.adapters.source_files import MAX_ISSUES, require_file
from recsys_core.errors import DataIssue, DataValidationError

# Ids are words, digits and a few joiners (ASINs, SKUs, "u_12", "A1:B2"); a comma, quote or bracket
# means the file is in another format (CSV, JSON) and is reported rather than read as one odd id.
ID_TOKEN = re.compile(r"[\w.\-:/#@+]+")
LINE_FORMAT = "expected 'user item [item ...]' separated by spaces"


def load_sequences(path: str | Path) -> dict[str, list[str]]:
    """``{user_id: [item_id, ...]}`` in file order; blank lines are skipped.

    Raises DataValidationError listing every malformed line (file, line, value): a token that is
    not an id, a user with no items, a user on two lines, bytes that are not UTF-8, an empty file.
    """
    path = require_file(path, what="sequences")
    sequences: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    issues: list[DataIssue] = []

    def report(lineno: int, value: str | None, problem: str) -> None:
        issues.append(DataIssue(str(path), lineno, None, value, f"line {lineno}: {problem}"))

    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if len(issues) >= MAX_ISSUES:
                break
            try:
                tokens = raw.decode("utf-8").split()
            except UnicodeDecodeError as exc:
                report(lineno, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
                continue
            if not tokens:
                continue
            bad = next((t for t in tokens if not ID_TOKEN.fullmatch(t)), None)
            if bad is not None:
                report(lineno, bad, f"not an id; {LINE_FORMAT}")
                continue
            user = tokens[0]
            if len(tokens) < 2:
                report(lineno, user, f"user has no items; {LINE_FORMAT}")
                continue
            if user in first_line:
                report(lineno, user, f"user already listed on line {first_line[user]}")
                continue
            first_line[user] = lineno
            sequences[user] = tokens[1:]
    if issues:
        raise DataValidationError(issues)
    if not sequences:
        raise DataValidationError(
            [DataIssue(str(path), None, None, None, f"no sequences in the file; {LINE_FORMAT}")]
        )
    return sequences
