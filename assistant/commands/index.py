"""``shelfwise index``: build or update the workspace's search index (Chroma collections)."""

from __future__ import annotations

import argparse
import json

from assistant.cli import add_workspace_argument


def cmd_index(args: argparse.Namespace) -> int:
    from retrieval.chroma_store import StoreConfig
    from retrieval.indexing import build_index

    config = StoreConfig.for_workspace(
        args.workspace, url=args.chroma_url, ef_construction=args.ef_construction,
        ef_search=args.ef_search, max_neighbors=args.max_neighbors,
    )
    report = build_index(args.workspace, config=config, batch_size=args.batch_size)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        return 0
    where = config.url or config.path
    print(f"search index in {where} updated in {report.seconds:.1f} s")
    for c in report.collections.values():
        print(
            f"  {c.kind:<8} {c.documents:>7,} documents: {c.embedded:,} embedded, "
            f"{c.unchanged:,} unchanged, {c.deleted:,} deleted"
        )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from retrieval.chroma_store import StoreConfig  # light: chromadb loads only on connect

    p = subparsers.add_parser(
        "index",
        help="build/update the search index (products, knowledge base, trends) of a workspace",
        description="Embeds new or changed documents only; safe to interrupt and re-run.",
    )
    add_workspace_argument(p)
    p.add_argument(
        "--chroma-url",
        default=None,
        help="use a Chroma server (e.g. http://127.0.0.1:8000) instead of WORKSPACE/index/chroma "
        "(default: $SHELFWISE_CHROMA_URL when set)",
    )
    p.add_argument("--batch-size", type=int, default=256, help="documents per embedding/upsert batch")
    defaults = StoreConfig()
    p.add_argument("--ef-construction", type=int, default=defaults.ef_construction,
                   help="HNSW build breadth (fixed once a collection exists)")
    p.add_argument("--max-neighbors", type=int, default=defaults.max_neighbors,
                   help="HNSW links per node, 'M' (fixed once a collection exists)")
    p.add_argument("--ef-search", type=int, default=defaults.ef_search, help="HNSW search breadth")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_index)
