"""``shelfwise eval``: offline evaluation subcommands (``search``; recommenders add theirs)."""

from __future__ import annotations

import argparse
import os


def cmd_eval_search(args: argparse.Namespace) -> int:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads: live-query latency
    from retrieval.errors import SearchInputError
    from retrieval.evaluation import load_search_set, run_search_eval, write_report

    search_set = load_search_set(args.products, args.queries, args.labels)
    if (args.train_queries is None) != (args.train_labels is None):
        raise SearchInputError("--train-queries and --train-labels go together (the ranker's training set)")
    train_set = (load_search_set(args.products, args.train_queries, args.train_labels)
                 if args.train_queries is not None else None)
    from recsys_core.models.encoders import get_encoder
    from recsys_core.workspace.settings import get_setting

    encoder = args.encoder or get_setting("search_encoder")
    get_encoder(encoder)  # an unknown spec fails here, before any work
    params = {"encoder": encoder}
    modes = ["bm25", "dense", "hybrid"] if args.mode == "all" else [args.mode]
    reports = [
        run_search_eval(search_set=search_set, mode=m, latency_queries=args.latency_queries,
                        dense_index=args.dense_index, params=params)
        for m in modes
    ]
    if train_set is not None:  # the hybrid again, re-ranked by a ranker learned on the training set
        reports.append(run_search_eval(search_set=search_set, mode="hybrid" if args.mode == "all" else args.mode,
                                       latency_queries=args.latency_queries, dense_index=args.dense_index,
                                       train_set=train_set, params=params))
    print(f"{'mode':<14} {'NDCG@10':>8} {'MRR@10':>8} {'R@100':>8} {'build s':>8} {'p50 ms':>7} {'p95 ms':>7}")
    for r in reports:
        print(
            f"{r.mode:<14} {r.ndcg_at_10:>8.4f} {r.mrr_at_10:>8.4f} {r.recall_at_100:>8.4f} "
            f"{r.build_seconds:>8.1f} {r.latency_p50_ms:>7.1f} {r.latency_p95_ms:>7.1f}"
        )
    if args.json:
        write_report(reports, args.json, products=args.products, queries=args.queries, labels=args.labels)
        print(f"wrote {args.json}")
    return 0


def register_search(group: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = group.add_parser(
        "search",
        help="NDCG@10, MRR@10, Recall@100, build time and latency of product search on a graded set",
    )
    p.add_argument("--products", required=True, help="CSV with product_uid, product_title[, ...]")
    p.add_argument("--queries", required=True, help="CSV with query_id, query")
    p.add_argument("--labels", required=True, help="CSV with query_id, product_uid, gain")
    p.add_argument("--mode", choices=["bm25", "dense", "hybrid", "all"], default="hybrid")
    p.add_argument("--latency-queries", type=int, default=300, help="queries timed for p50/p95")
    p.add_argument("--dense-index", choices=["auto", "hnsw", "exact"], default="auto",
                   help="dense candidates as the app takes them (auto: exact search up to the exact_dense_max "
                        "setting's number of products, Chroma HNSW above), or always HNSW (cached between runs) "
                        "or always exact")
    p.add_argument("--train-queries", default=None, metavar="Q",
                   help="with --train-labels: fit the learned ranker on these queries (none may be in --queries) "
                        "and report the hybrid re-ranked by it")
    p.add_argument("--train-labels", default=None, metavar="L", help="graded labels of --train-queries")
    p.add_argument("--encoder", default=None, metavar="SPEC",
                   help="text encoder: minilm-int8, minilm, or a sentence-transformers folder (FOLDER#int8 for "
                        "int8); default: the search_encoder setting")
    p.add_argument("--json", default=None, metavar="OUT", help="write the figures to this JSON file")
    p.set_defaults(func=cmd_eval_search)


def cmd_eval_recs(args: argparse.Namespace) -> int:
    from recsys_core.models.workflow import evaluate_sequences

    r = evaluate_sequences(args.sequences, item_text_path=args.item_text, json_out=args.json,
                           cache_dir=args.cache_dir, classification=args.classification_report)
    print(f"{'model':<18} {'HR@10':>7} {'NDCG@10':>8} {'MRR':>7} {'cov@10':>7} {'nov@10':>7} "
          f"{'train s':>8} {'rec p50 ms':>10}")
    print(f"{r.model:<18} {r.hr_at_10:>7.4f} {r.ndcg_at_10:>8.4f} {r.mrr:>7.4f} {r.coverage_at_10:>7.4f} "
          f"{r.novelty_at_10:>7.2f} {r.train_seconds:>8.0f} {r.recommend_p50_ms or 0:>10.1f}")
    if args.classification_report:
        print(r.extra["classification_report"])
    if args.json:
        print(f"wrote {args.json}")
    return 0


def register_recs(group: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = group.add_parser(
        "recs",
        help="leave-one-out HR@10, NDCG@10, MRR, coverage, novelty of the default recommender "
        "on a sequence file (Beauty.txt format)",
    )
    p.add_argument("--sequences", required=True, help="one user a line: user item item ... (time order)")
    p.add_argument("--item-text", default=None, help="JSON Lines item text (items.jsonl format)")
    p.add_argument("--json", default=None, metavar="OUT", help="write the figures to this JSON file")
    p.add_argument("--cache-dir", default=None, help="cache folder for item text embeddings")
    p.add_argument("--classification-report", action="store_true",
                   help="also print the purchase-prediction view (sklearn classification_report)")
    p.set_defaults(func=cmd_eval_recs)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("eval", help="offline evaluation (search, recommenders)")
    group = p.add_subparsers(dest="eval_command", metavar="WHAT")
    register_search(group)
    register_recs(group)
    p.set_defaults(func=lambda _args: p.print_help() or 0)
