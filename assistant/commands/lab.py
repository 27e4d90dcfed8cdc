"""``shelfwise lab``: the strategy lab's scenarios, plays, debriefs and learners' progress.

Every subcommand calls :class:`assistant.lab.Lab` (``service.lab``); bad input (an unknown
scenario or action, an impossible interval, a word where a number goes) is a ``LabError``
raised before anything is written, which ``shelfwise`` prints as one line (exit code 2).
"""

from __future__ import annotations

import argparse
import json
import re
from typing import TYPE_CHECKING, Any

from assistant.cli import add_workspace_argument

if TYPE_CHECKING:
    from assistant.lab import Lab


class _SignedValueParser(argparse.ArgumentParser):
    """Reads ``--interval -1,3`` and ``--predict -1.5%`` as values: plain argparse takes only
    ``-1`` or ``-1.5`` for a negative number and would call ``-1,3`` an unknown option."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-\.?\d")


def _lab(args: argparse.Namespace) -> Lab:
    from assistant.service import ShelfwiseService

    lab: Lab = ShelfwiseService(args.workspace, llm="template").lab
    return lab


def _print_json(data: Any) -> None:
    from assistant.jsonable import plain

    print(json.dumps(plain(data), indent=2, ensure_ascii=False))


def _share(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _number(x: float | None, suffix: str = "") -> str:
    return "-" if x is None else f"{x:.2f}{suffix}"


def progress_line(summary: dict[str, Any]) -> str:
    """One line: plays, scenarios, choice accuracy and calibration of a learner's summary."""
    return (f"{summary['learner']}: {summary['played']} play(s) over {summary['scenarios']} scenario(s); "
            f"choice right {_share(summary['choice_accuracy'])}, direction right "
            f"{_share(summary['direction_accuracy'])}, outcome inside the interval {_share(summary['in_interval'])}, "
            f"Brier {_number(summary['brier'])}")


def cmd_generate(args: argparse.Namespace) -> int:
    from recsys_core.strategy.lab import KINDS

    lab = _lab(args)
    library = lab.generate(seed=args.seed, progress=True)
    counts = library.counts()
    for kind, n in counts.items():
        print(f"{kind:<12} {n:>3}  {KINDS[kind]}")
    print(f"{sum(counts.values())} scenario(s) in {library.seconds:.1f}s (seed {args.seed}); wrote {lab.library_path}")
    for note in library.notes:
        print(f"note: {note}")
    return 0


def _as_json(args: argparse.Namespace, data: Any) -> bool:
    """With ``--json``, print ``data`` as JSON and say so (the caller is then done)."""
    if args.json:
        _print_json(data)
    return bool(args.json)


def cmd_list(args: argparse.Namespace) -> int:
    rows = _lab(args).scenarios()
    if _as_json(args, rows):
        return 0
    print(f"{'id':<4} {'kind':<12} {'decision':<10} {'goal':<9} {'actions':>7}  title")
    for r in rows:
        print(f"{r['id']:<4} {r['kind']:<12} {r['decision_date']:<10} {r['goal']:<9} {r['actions']:>7}  {r['title']}")
    print(f"{len(rows)} scenario(s); `shelfwise lab show ID` shows one")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    s = _lab(args).scenario(args.scenario)
    if _as_json(args, s):
        return 0
    print(f"{s['id']}: {s['title']}")
    print(f"kind: {s['kind']} ({s['kind_label']}); decision date {s['decision_date']}; "
          f"replayed over the next {s['horizon_days']} days; goal: more {s['goal']}")
    print("\nBrief:")
    for n, fact in enumerate(s["brief"], 1):
        print(f"{n:>3}. [{fact['id']}] {fact['text']}\n       source: {fact['source']}")
    print(f"\nQuestion: {s['question']}\n\nActions:")
    for a in s["actions"]:
        evidence = f" (facts {', '.join(a['evidence'])})" if a["evidence"] else ""
        print(f"  {a['id']}. {a['label']}{evidence}")
    print(f"\nplay it: shelfwise lab play {s['id']} --learner NAME --action {s['actions'][0]['id']} "
          "--predict PCT --interval LOW,HIGH")
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    from recsys_core.strategy.lab.play import parse_interval

    low, high = parse_interval(args.interval)  # before the service: a typo writes nothing
    result = _lab(args).play(args.scenario, learner=args.learner, action=args.action, predict=args.predict,
                             low=low, high=high)
    if _as_json(args, result):
        return 0
    print(result["text"])
    print(progress_line(result["progress"]))
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    summary = _lab(args).progress(args.learner)
    if _as_json(args, summary):
        return 0
    print(progress_line(summary))
    print(f"mean interval width {_number(summary['mean_width_pct'], '%')}, "
          f"mean error {_number(summary['mean_error_pct'], '%')}")
    for kind, k in summary["by_kind"].items():
        print(f"  {kind:<12} {k['played']:>3} played, choice right {_share(k['choice_accuracy'])}, "
              f"inside the interval {_share(k['in_interval'])}  ({k['label']})")
    print(f"strengths: {', '.join(summary['strengths']) or 'none yet'}; "
          f"weaknesses: {', '.join(summary['weaknesses']) or 'none yet'}")
    for h in summary["history"]:
        mark = "right" if h["choice_correct"] else "wrong"
        print(f"  {h['played_at']}  {h['scenario']} {h['action']} ({mark}): predicted {h['predict_pct']:+g}% "
              f"[{h['low_pct']:+g}%, {h['high_pct']:+g}%], outcome {h['outcome_pct']:+g}%")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    lab = subparsers.add_parser("lab", help="strategy lab: decide on past data, predict, and see what happened")
    sub = lab.add_subparsers(dest="lab_command", metavar="ACTION", required=True,
                             parser_class=_SignedValueParser)

    p = sub.add_parser("generate", help="build the scenario library from the shop's log (W/lab/scenarios.json)")
    add_workspace_argument(p)
    p.add_argument("--seed", type=int, default=0, help="random seed (the same seed gives the same library)")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("list", help="the scenarios of the library")
    add_workspace_argument(p)
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="one scenario's brief, question and actions")
    p.add_argument("scenario", metavar="ID", help="scenario id: s05, S5 or 5")
    add_workspace_argument(p)
    p.add_argument("--json", action="store_true", help="print the scenario as JSON")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("play", help="choose an action, predict the goal's change, and read the debrief")
    p.add_argument("scenario", metavar="ID", help="scenario id: s05, S5 or 5")
    add_workspace_argument(p)
    p.add_argument("--learner", required=True, help="your name (1-40 letters, digits, spaces, '.', '-', '_')")
    p.add_argument("--action", required=True, help="the action's letter, e.g. B")
    p.add_argument("--predict", required=True, metavar="PCT", help="the goal's predicted change in percent, e.g. 2 or -1.5%%")
    p.add_argument("--interval", required=True, metavar="LOW,HIGH",
                   help="your 90%% interval for the change, e.g. -1,3 or '-1 to 3'")
    p.add_argument("--json", action="store_true", help="print the play, debrief facts and progress as JSON")
    p.set_defaults(func=cmd_play)

    p = sub.add_parser("progress", help="a learner's accuracy, calibration, strengths and weaknesses")
    p.add_argument("learner", metavar="NAME")
    add_workspace_argument(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_progress)
