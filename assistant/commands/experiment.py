"""``shelfwise experiment``: start, read, stop and list live experiments of a workspace.

Every subcommand calls :class:`assistant.experiments.Experiments` (``service.experiments``).
Bad input (an unreadable rules file, a bad name, method or traffic, a rule set the linter
rejects, a name taken or a surface busy) is a library error raised before anything is written,
which ``shelfwise`` prints as one line (exit code 2).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.cli import add_workspace_argument

if TYPE_CHECKING:
    from assistant.experiments import Experiments


def _experiments(args: argparse.Namespace) -> Experiments:
    from assistant.service import ShelfwiseService

    found: Experiments = ShelfwiseService(args.workspace, llm="template").experiments
    return found


def _print_json(data: Any) -> None:
    from assistant.jsonable import plain

    print(json.dumps(plain(data), indent=2, ensure_ascii=False))


def _read_rules(path: str) -> Any:
    """The rules file as a RuleSet; a missing, unreadable or malformed file is a RuleError naming it."""
    from recsys_core.strategy import load_rules_file
    from recsys_core.strategy.errors import RuleError

    try:
        return load_rules_file(path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise RuleError(f"rules file {str(Path(path))!r} cannot be read: {reason}") from exc


def _num(x: Any, fmt: str = ".3g") -> str:
    return "-" if x is None else format(x, fmt)


def _interval(low: Any, high: Any, fmt: str = ".3g") -> str:
    if low is None and high is None:  # no spread yet (e.g. nobody clicked): no finite interval
        return "95% CI not available yet"
    return f"95% CI [{_num(low, fmt)}, {_num(high, fmt)}]"


def summary_lines(status: dict[str, Any]) -> list[str]:
    """The human-readable summary of a status dict (as :meth:`Experiments.status` returns it)."""
    e = status["experiment"]
    lines = [f"experiment {e['name']}: {e['method']}, {e['status']}, {round(100 * float(e['traffic']), 2):g}% of "
             f"users, {len(e['rules'])} rule(s); started {e['started_at']}"
             + (f", stopped {e['stopped_at']}" if e.get("stopped_at") else "")]
    planned = status.get("planned_sessions")
    lines.append(f"days running: {status['days_running']:g} (at least {e['min_days']}); impressions: "
                 f"{status['impressions']:,}" + (f" of {planned:,} planned sessions" if planned else ""))
    if e["method"] == "interleaving" and "interleaving" in status:
        r = status["interleaving"]
        lines.append(f"sessions {r['sessions']:,}: treatment won {r['treatment_wins']:,}, control won "
                     f"{r['control_wins']:,}, ties {r['ties']:,}")
        lines.append(f"preference for the treatment {_num(r['preference'], '+.3f')} "
                     f"({_interval(r['ci_low'], r['ci_high'], '+.3f')}), p={_num(r['p_value'])}"
                     + (f", winner: {r['winner']}" if r.get("winner") else ""))
    elif "metrics" in status:
        users = status["users"]
        lines.append(f"users: control {users['control']:,}, treatment {users['treatment']:,}; "
                     f"sample-ratio check p={_num(status['srm_p_value'])}")
        for metric, found in status["metrics"].items():
            for kind, label in (("ab", "A/B"), ("cuped", "CUPED")):
                m = found[kind]
                rel = "" if m.get("relative") is None else f" ({m['relative']:+.1%})"
                extra = f", variance -{m['variance_reduction']:.0%}" if kind == "cuped" else ""
                lines.append(f"{metric} per user, {label}: difference {_num(m['difference'], '+.3g')}{rel}, "
                             f"{_interval(m['ci_low'], m['ci_high'], '+.3g')}, p={_num(m['p_value'])}"
                             + (" significant" if m["significant"] else "") + extra)
    lines.append(f"decision: {status['decision']}" + (" (final)" if status.get("final") else ""))
    return lines


def cmd_start(args: argparse.Namespace) -> int:
    rules = _read_rules(args.rules)  # before the service: a bad file writes nothing
    result = _experiments(args).start(args.name, rules, method=args.method, traffic=args.traffic,
                                      plan=not args.no_plan)
    for f in result["lint"]:
        print(f"{f['severity']}: {f['rule_id']}: {f['message']} [{f['code']}]")
    note = result["experiment"].get("note")
    print(f"test plan: {note}" if note else "test plan: none (started with --no-plan)")
    for line in summary_lines(result):
        print(line)
    print(f"started; read it with `shelfwise experiment status {result['experiment']['name']}`")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    status = _experiments(args).status(args.name)
    if args.json:
        _print_json(status)
        return 0
    for line in summary_lines(status):
        print(line)
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    status = _experiments(args).stop(args.name)
    for line in summary_lines(status):
        print(line)
    print("stopped; its record and events are kept, so `shelfwise experiment status` still reads it")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    rows = _experiments(args).list()
    if args.json:
        _print_json(rows)
        return 0
    print(f"{'name':<24} {'method':<12} {'status':<8} {'traffic':>7} {'rules':>5}  started / stopped")
    for r in rows:
        when = r["started_at"] + (f" / {r['stopped_at']}" if r["stopped_at"] else "")
        print(f"{r['name']:<24} {r['method']:<12} {r['status']:<8} {r['traffic_pct']:>6g}% {r['rules']:>5}  {when}")
    print(f"{len(rows)} experiment(s)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    exp = subparsers.add_parser("experiment", help="live experiments: test a rule set on real traffic "
                                "(interleaving or A/B) against the live rules")
    sub = exp.add_subparsers(dest="experiment_command", metavar="ACTION", required=True)

    p = sub.add_parser("start", help="start serving a rule set as the treatment (linted and planned first)")
    p.add_argument("name", metavar="NAME", help="1-40 letters (kept in lower case), digits, '-' or '_'")
    add_workspace_argument(p)
    p.add_argument("--rules", required=True, metavar="FILE", help="the treatment's rules file (JSON or YAML)")
    p.add_argument("--method", choices=("interleaving", "ab"), default="interleaving",
                   help="interleaving (one mixed list per user) or ab (users split 50/50); default interleaving")
    p.add_argument("--traffic", type=float, default=100.0, metavar="PCT",
                   help="percentage of users enrolled, above 0 and at most 100 (default 100)")
    p.add_argument("--no-plan", action="store_true", help="skip the what-if replay that sizes the test")
    p.set_defaults(func=cmd_start)

    p = sub.add_parser("status", help="an experiment's figures so far and the decision")
    p.add_argument("name", metavar="NAME")
    add_workspace_argument(p)
    p.add_argument("--json", action="store_true", help="print the status as JSON")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("stop", help="stop serving an experiment (its record and result are kept)")
    p.add_argument("name", metavar="NAME")
    add_workspace_argument(p)
    p.set_defaults(func=cmd_stop)

    p = sub.add_parser("list", help="the workspace's experiments, running and stopped")
    add_workspace_argument(p)
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(func=cmd_list)
