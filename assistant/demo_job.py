"""The main job on the built-in demo shop: generate, ingest, train, index, (serve).

Every step reuses what a previous run left when its inputs are unchanged, so a second
``make demo`` is quick.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TextIO

from recsys_core.data.store import current_version, read_manifest
from recsys_core.data.summary import format_summary, shop_summary
from recsys_core.errors import StoreError

EXAMPLE_QUESTIONS = (
    "Why is item P00042 ranked first for user U0017?",
    "What is your return policy for opened electronics?",
    "Which categories are trending up this month, and what promotion would you suggest?",
)


def _demo_input(workspace: Path, seed: int, sizes: dict[str, int], out: TextIO) -> Path:
    from recsys_core.demo import write_demo_shop

    folder = workspace / "demo-input"
    stamp = folder / "demo_request.json"
    request = {"seed": seed, **sizes}
    if stamp.exists() and json.loads(stamp.read_text(encoding="utf-8")) == request:
        print(f"[1/3] demo shop (seed {seed}) already generated in {folder}", file=out)
        return folder
    print(f"[1/3] generating the demo shop (seed {seed}) in {folder}", file=out)
    stamp.unlink(missing_ok=True)
    write_demo_shop(folder, seed=seed, progress=True, **sizes)
    stamp.write_text(json.dumps(request), encoding="utf-8")
    return folder


def _ingest(workspace: Path, folder: Path, out: TextIO) -> None:
    from recsys_core.data.ingest import find_table_files, folder_fingerprint, ingest

    try:
        manifest = read_manifest(workspace)
        current_version(workspace)
        files, _ = find_table_files(folder)
        if manifest.get("source_fingerprint") == folder_fingerprint(files):
            print("[2/3] store already holds the demo shop", file=out)
            return
    except StoreError:
        pass
    print(f"[2/3] validating and storing the demo shop in {workspace / 'store'}", file=out)
    ingest(folder, workspace, progress=True)


def run_demo(
    workspace: str | os.PathLike[str],
    *,
    seed: int = 0,
    serve: bool = True,
    sizes: dict[str, int] | None = None,
    out: TextIO,
) -> int:
    root = Path(workspace)
    root.mkdir(parents=True, exist_ok=True)
    folder = _demo_input(root, seed, dict(sizes or {}), out)
    _ingest(root, folder, out)
    print("[3/3] shop summary", file=out)
    print(format_summary(shop_summary(root)), file=out)
    if serve:
        print(
            "\nThe app (chat, rank explorer, what-if) is not part of this build yet; "
            "the store above is ready for 'shelfwise info'.",
            file=out,
        )
    print("\nExample questions the assistant is built for:", file=out)
    for q in EXAMPLE_QUESTIONS:
        print(f"  - {q}", file=out)
    return 0
