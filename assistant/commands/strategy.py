"""Strategy subcommands: whatif, propose, analyze, segments and the rules group."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.cli import add_workspace_argument

if TYPE_CHECKING:
    from assistant.merchandising import Merchandising
    from assistant.service import ShelfwiseService
    from recsys_core.strategy import Ranker, RuleSet


def _write_json(path: str | None, data: object) -> None:
    if path:
        from recsys_core.workspace import atomic_write_json

        atomic_write_json(Path(path), data, default=str)
        print(f"wrote {path}")


def _ranker(args: argparse.Namespace, service: ShelfwiseService) -> Ranker:
    from recsys_core.strategy import LoggedRanker, RecommenderRanker

    logged = LoggedRanker(service.shop)
    return logged if args.ranker == "logged" else RecommenderRanker(service.recommender, logged)


def _print_lint(desk: Merchandising, rules: RuleSet) -> list[dict[str, str]]:
    findings = desk.lint(rules)
    for f in findings:
        print(f"{f['severity']}: {f['rule_id']}: {f['message']} [{f['code']}]")
    return findings


def cmd_whatif(args: argparse.Namespace) -> int:
    from assistant.merchandising import Merchandising
    from assistant.service import ShelfwiseService
    from recsys_core.strategy import Change, load_rules_file, replay

    proposed = load_rules_file(args.rules)
    service = ShelfwiseService(args.workspace, llm="template")
    _print_lint(Merchandising(service), proposed)
    report = replay(service.shop, Change(Path(args.rules).name, rules=proposed), days=args.days,
                    ranker=_ranker(args, service), baseline=Change("live rules", rules=service.live_rules()),
                    n_boot=args.boot, seed=args.seed)
    print(report.table())
    _write_json(args.json, report.to_dict())
    return 0


def cmd_propose(args: argparse.Namespace) -> int:
    from recsys_core.data import load_store
    from recsys_core.strategy import proposals_table, propose

    shop = load_store(args.workspace)
    found = propose(shop, days=args.days, max_per_kind=args.max_per_kind, n_boot=args.boot, progress=True)
    print(proposals_table(found))
    for n, p in enumerate(found, 1):
        figures = ", ".join(f"{k}={v}" for k, v in p.figures.items() if not isinstance(v, list | dict))
        status = "" if p.status == "proposed" else " [looks tempting, replay says no]"
        print(f"\n{n}. {p.title}{status}\n   figures: {figures}")
        if p.test_plan:
            print(f"   test: {p.test_plan.describe()}")
    _write_json(args.json, [p.to_dict() for p in found])
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from recsys_core.data import load_store
    from recsys_core.strategy import run_strategy_analytics

    shop = load_store(args.workspace)
    from recsys_core.workspace import Workspace

    out = Path(args.out) if args.out else Workspace(args.workspace).strategy_reports_dir
    summary = run_strategy_analytics(shop, out, proposals=not args.no_proposals, progress=True)
    rising = [c["key"] for c in summary["trends"]["categories"] if c["trend"] == "rising"]
    falling = [c["key"] for c in summary["trends"]["categories"] if c["trend"] == "falling"]
    print(f"rising categories: {', '.join(rising) or 'none'}; falling: {', '.join(falling) or 'none'}")
    for w in summary["trends"]["discount_windows"]:
        print(f"discount window: {w['key']} {w['start'][:10]} .. {w['end'][:10]} (median {w['median_discount']:.0%} off)")
    for a in summary["trends"]["anomalies"][:5]:
        print(f"anomaly ({summary['trends']['anomaly_measure']}): {a['key']} {a['direction']} {a['start'][:10]} .. "
              f"{a['end'][:10]}, {a['observed']:.0f} vs {a['expected']:.0f} expected (x{a['lift']:.2f})")
    if isinstance(summary["segments"], list):
        for s in summary["segments"]:
            print(f"segment {s['name']} ({s['users']} users): {s['description']}")
    print(f"wrote {out / 'strategy.json'} and charts {', '.join(summary['charts'])}")
    return 0


def cmd_segments(args: argparse.Namespace) -> int:
    from assistant.service import ShelfwiseService

    engine = ShelfwiseService(args.workspace, llm="template").strategy
    if args.user:
        print(json.dumps(engine.profile(args.user), indent=2))
        return 0
    for s in engine.segment_table().itertuples():
        print(f"{s.segment_id}. {s.name} — {s.users} users: {s.description}")
    return 0


def cmd_rules_lint(args: argparse.Namespace) -> int:
    from assistant.merchandising import Merchandising
    from assistant.service import ShelfwiseService
    from recsys_core.strategy import load_rules_file

    service = ShelfwiseService(args.workspace, llm="template")
    rules = load_rules_file(args.rules) if args.rules else service.live_rules()
    findings = _print_lint(Merchandising(service), rules)
    problems = sum(f["severity"] in ("warning", "error") for f in findings)
    print(f"{len(rules.rules)} rule(s), {problems} problem(s)")
    return 1 if any(f["severity"] == "error" for f in findings) else 0


def cmd_rules_show(args: argparse.Namespace) -> int:
    from recsys_core.strategy import dump_rules, load_rules

    print(dump_rules(load_rules(args.workspace, args.version)), end="")
    return 0


def cmd_rules_save(args: argparse.Namespace) -> int:
    from recsys_core.strategy import load_rules_file, save_rules

    version = save_rules(args.workspace, load_rules_file(args.rules), args.message)
    print(f"saved rules version {version} to {Path(args.workspace) / 'rules'}")
    return 0


def cmd_rules_history(args: argparse.Namespace) -> int:
    from recsys_core.strategy import rules_history

    for e in rules_history(args.workspace):
        print(f"v{e['version']:<4} {e['saved_at']}  {e['rules']} rule(s)  {e['message']}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("whatif", help="replay logged sessions with proposed rules and report the change")
    p.add_argument("rules", help="rules file (YAML or JSON) to compare against the workspace's live rules")
    add_workspace_argument(p)
    p.add_argument("--days", type=int, default=30, help="held-out period replayed (last N days; default 30)")
    p.add_argument("--boot", type=int, default=1000, help="bootstrap resamples of sessions (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ranker", choices=("logged", "hybrid"), default="logged",
                   help="logged: the logged order + popularity; hybrid: the trained recommender "
                        "(from `shelfwise train`) on recommendation lists (default: logged)")
    p.add_argument("--json", help="also write the report as JSON here")
    p.set_defaults(func=cmd_whatif)

    p = subparsers.add_parser("propose", help="candidate promotions with simulated impact and A/B plans")
    add_workspace_argument(p)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--max-per-kind", type=int, default=2)
    p.add_argument("--boot", type=int, default=500)
    p.add_argument("--json", help="also write the proposals as JSON here")
    p.set_defaults(func=cmd_propose)

    p = subparsers.add_parser("analyze", help="trends, segments, prices, stock and proposals, with charts")
    add_workspace_argument(p)
    p.add_argument("--out", help="output folder (default: WORKSPACE/reports/strategy)")
    p.add_argument("--no-proposals", action="store_true", help="skip the (slower) proposal simulations")
    p.set_defaults(func=cmd_analyze)

    p = subparsers.add_parser("segments", help="customer segments, or one user's profile")
    add_workspace_argument(p)
    p.add_argument("--user", help="show this user's profile")
    p.set_defaults(func=cmd_segments)

    rules = subparsers.add_parser("rules", help="business rules: lint, show, save, history")
    sub = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    p = sub.add_parser("lint", help="check rules (a file, or the live rules) against the catalogue")
    p.add_argument("rules", nargs="?", help="rules file (default: the workspace's live rules)")
    add_workspace_argument(p)
    p.set_defaults(func=cmd_rules_lint)
    p = sub.add_parser("show", help="print the live rules (or a past version)")
    add_workspace_argument(p)
    p.add_argument("--version", type=int)
    p.set_defaults(func=cmd_rules_show)
    p = sub.add_parser("save", help="store a rules file as the new live version")
    p.add_argument("rules")
    add_workspace_argument(p)
    p.add_argument("-m", "--message", default="", help="what changed")
    p.set_defaults(func=cmd_rules_save)
    p = sub.add_parser("history", help="list saved rule versions")
    add_workspace_argument(p)
    p.set_defaults(func=cmd_rules_history)
