"""Lab tab: pick a scenario, read its brief, choose an action and predict its effect on the goal,
then see the debrief (the replayed outcome beside the prediction) and the learner's progress.

Everything comes from ``service.lab``; bad input is shown next to the field it came from and
nothing is saved (the lab checks every field before it writes a play).
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import pandas as pd

from assistant.service import NotBuiltError, ShelfwiseService
from assistant.ui.charts import bars, intervals
from assistant.ui.common import hover, readable
from assistant.wording import shop_currency
from recsys_core.strategy.lab.model import KINDS, LabError, LabNotFoundError

SCENARIO_COLUMNS = ["id", "kind", "title", "decision date", "goal", "actions"]
SCENARIO_WIDTHS: list[str | int] = ["7%", "13%", "48%", "13%", "10%", "9%"]
HISTORY_COLUMNS = ["scenario", "kind", "action", "predicted %", "your interval %", "replayed %", "right choice",
                   "inside interval", "played at"]
# the form's typed fields, in the order the handlers return their messages; a LabError names
# its field before the colon ("prediction: 'abc' is not a number ...")
FIELDS = ("learner", "action", "prediction", "interval low", "interval high")
OUTCOME_COLOURS = {"your prediction (your interval)": "#f58518", "replayed: your choice (95% interval)": "#4c78a8",
                   "replayed: other actions (95% interval)": "#9d9d9d"}


def field_of(message: str) -> str:
    """The form field a lab error is about (``"scenario"`` when it names none)."""
    head = message.split(":", 1)[0].strip()
    if head in FIELDS:
        return head
    if head == "interval":  # low above high: shown beside the high end
        return "interval high"
    if "has no action" in message:
        return "action"
    return "scenario"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x + 0.0:+.2f}%"


def _share(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def scenario_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([[r["id"], r["kind"], r["title"], r["decision_date"], r["goal"], r["actions"]] for r in rows],
                        columns=SCENARIO_COLUMNS)


TARGET_WORDS = {"item_ids": "products", "brands": "brand", "categories": "category"}
_DOLLARS = re.compile(r"([+-]?)\$(\d[\d,]*(?:\.\d+)?)")
_LIFT = re.compile(r"\blift (\d+(?:\.\d+)?)")


def in_words(text: str, currency: str | None = None) -> str:
    """A brief's or debrief's text as shown: money in the shop's currency (the library writes
    "$"), "lift 171.0" as how many times more often than chance, terms explained on hover."""
    currency = shop_currency() if currency is None else currency
    if currency != "$":
        code = len(currency) == 3 and currency.isalpha()
        text = _DOLLARS.sub(lambda m: f"{m[1]}{m[2]} {currency}" if code else f"{m[1]}{currency}{m[2]}", text)
    text = _LIFT.sub(lambda m: f"{hover('lift')} {m[1]} (bought together {_times(float(m[1]))} more often than "
                               "chance)", text)
    return text.replace("95% CI", hover("95% interval")).replace("95% interval ", hover("95% interval") + " ")


def _times(x: float) -> str:
    return f"{x:,.0f}×" if x >= 10 else f"{x:.1f}×"


def _rule_text(rule: dict[str, Any]) -> str:
    """A rule in words: "boost brand Northpeak ×1.5", "pin products P00042 at position 2"."""
    target = "; ".join(f"{TARGET_WORDS.get(k, k)} {', '.join(map(str, v))}"
                       for k, v in rule.get("target", {}).items() if v)
    effect = []
    if isinstance(rule.get("multiplier"), int | float):
        effect.append(f"×{rule['multiplier']:g}")
    if isinstance(rule.get("additive"), int | float):
        effect.append(f"{rule['additive']:+g} to the score")
    if rule.get("position") is not None:
        effect.append(f"at position {rule['position']}")
    return " ".join(p for p in (f"**{rule.get('action', '')}**", target, " ".join(effect)) if p)


def brief_markdown(s: dict[str, Any]) -> str:
    """The public brief: the question, numbered cited facts, and the actions with their rules."""
    lines = [f"### {s['id']} · {s['title']}",
             f"**Kind:** {s['kind_label']} · **Decision date:** {s['decision_date']} · "
             f"**Horizon:** {s['horizon_days']} days · **Goal:** more {s['goal']}",
             "", f"**Question:** {s['question']}", "", "#### The brief"]
    for n, fact in enumerate(s["brief"], 1):
        lines.append(f"{n}. **[{fact['id']}]** {in_words(fact['text'])}  \n   <small>source: {fact['source']}</small>")
    lines += ["", "#### The actions"]
    for a in s["actions"]:
        rules = "; ".join(_rule_text(r) for r in a["rules"]) or "no rule"
        lines.append(f"- **{a['id']}**: {a['label']}  \n  <small>rules: {rules}</small>")
    return "\n".join(lines)


def action_choices(s: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f"{a['id']}: {a['label']}", a["id"]) for a in s["actions"]]


def _wrap(text: str, width: int = 24) -> str:
    return "<br>".join(textwrap.wrap(text, width)) or text


def outcome_frame(facts: dict[str, Any]) -> pd.DataFrame:
    """Prediction and replayed outcomes (percent change of the goal) with their intervals."""
    p, c = facts["prediction"], facts["chosen"]
    rows = [{"x": f"your prediction<br>for {c['id']}", "y": p["predict_pct"], "low": p["low_pct"],
             "high": p["high_pct"], "what": "your prediction (your interval)"}]
    for a in sorted([c, *facts["others"]], key=lambda a: a["id"]):
        mine = a["id"] == c["id"]
        rows.append({"x": f"{a['id']} replayed{' (yours)' if mine else ''}<br>{_wrap(a['label'])}",
                     "y": a["goal_pct"], "low": a["goal_ci_pct"][0], "high": a["goal_ci_pct"][1],
                     "what": f"replayed: {'your choice' if mine else 'other actions'} (95% interval)"})
    return pd.DataFrame(rows, columns=["x", "y", "low", "high", "what"])


def outcome_chart(facts: dict[str, Any]) -> Any:
    return intervals(outcome_frame(facts), x="x", y="y", low="low", high="high", colour="what",
                     colours=OUTCOME_COLOURS, title=f"{facts['goal']}: predicted vs replayed",
                     y_title=f"change in {facts['goal']}, %")


def debrief_markdown(result: dict[str, Any]) -> str:
    facts = result["debrief"]
    head = (f"### Debrief · {facts['scenario']} · " + ("right choice" if facts["choice_correct"] else "not the best choice")
            + " · " + ("inside your interval" if facts["in_interval"] else "outside your interval"))
    return head + "\n\n" + in_words(result["text"]).replace("\n", "\n\n")


def progress_markdown(summary: dict[str, Any]) -> str:
    n, plays = summary["scenarios"], summary["played"]
    width = "n/a" if summary["mean_width_pct"] is None else f"{summary['mean_width_pct']:.2f} points"
    brier = "n/a" if summary["brier"] is None else f"{summary['brier']:.3f}"
    strengths = ", ".join(summary["by_kind"][k]["label"] for k in summary["strengths"]) or "none yet"
    weaknesses = ", ".join(summary["by_kind"][k]["label"] for k in summary["weaknesses"]) or "none yet"
    return "\n".join([
        f"**{summary['learner']}**: {n} scenario{'s' if n != 1 else ''} played ({plays} play{'s' if plays != 1 else ''})",
        "",
        f"| right choice | right direction | outcome inside the interval | {hover('mean interval width')} | "
        f"{hover('Brier-style score')} |",
        "|---|---|---|---|---|",
        f"| {_share(summary['choice_accuracy'])} | {_share(summary['direction_accuracy'])} | "
        f"{_share(summary['in_interval'])} | {width} | {brier} |",
        "",
        f"**Strengths:** {strengths} · **To work on:** {weaknesses}",
    ])


def progress_chart(summary: dict[str, Any]) -> Any:
    """Right-choice and inside-interval shares per kind; every kind is on the axis (with how many
    were played), so the kinds not tried yet show as gaps rather than as zeros."""
    mine = summary["by_kind"]
    names = {kind: _wrap(f"{label} ({mine.get(kind, {}).get('played', 0)})", 18) for kind, label in KINDS.items()}
    rows = [{"kind": names[kind], "measure": measure, "share %": 100 * float(k[key] or 0)}
            for kind, k in mine.items()
            for measure, key in (("right choice", "choice_accuracy"), ("outcome inside interval", "in_interval"))]
    fig = bars(pd.DataFrame(rows, columns=["kind", "measure", "share %"]), x="kind", y="share %", colour="measure",
               title="By kind of scenario (plays)")
    fig.update_layout(xaxis={"tickangle": 0, "categoryorder": "array", "categoryarray": list(names.values())},
                      bargap=0.35, showlegend=True)
    fig.update_xaxes(range=[-0.5, len(names) - 0.5])
    fig.update_yaxes(range=[0, 105])
    return fig


def history_table(summary: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame([[h["scenario"], h["kind"], h["action"], _pct(h["predict_pct"]),
                          f"{_pct(h['low_pct'])} to {_pct(h['high_pct'])}", _pct(h["outcome_pct"]),
                          "yes" if h["choice_correct"] else "no", "yes" if h["in_interval"] else "no", h["played_at"]]
                         for h in reversed(summary["history"])], columns=HISTORY_COLUMNS)


def build_lab_tab(service: ShelfwiseService, demo: Any) -> dict[str, Any]:
    import gradio as gr

    def message(text: str = "") -> Any:
        return gr.Markdown(value=f"⚠ {text}" if text else "", visible=bool(text))

    def field_message(elem_id: str) -> Any:
        return gr.Markdown(visible=False, elem_id=elem_id, elem_classes=["lab-field-error"])

    gr.Markdown("Practise merchandising decisions on the shop's own history: read a brief written from the log "
                "before the decision date, choose an action and predict its effect on the goal. **Play** replays "
                "the days after the decision with each action and shows how close you were.")
    status = gr.Markdown(elem_id="lab-status")
    with gr.Row():
        pick = gr.Dropdown(choices=[], value=None, label="Scenario", elem_id="lab-pick", scale=1)
        with gr.Column(scale=0, min_width=180):
            reload = gr.Button("Reload scenarios", size="sm")
    pick_msg = field_message("lab-pick-msg")
    table = gr.Dataframe(headers=SCENARIO_COLUMNS, label="Scenarios (click a row to open it)", interactive=False,
                         elem_id="lab-scenarios", max_height=300, column_widths=SCENARIO_WIDTHS)
    brief = gr.Markdown(elem_id="lab-brief")
    # plain rows, not a gr.Group: a group paints the space a shorter column leaves empty
    with gr.Row():
        with gr.Column(scale=1):
            learner = gr.Textbox(label="Your name", placeholder="e.g. ann", max_length=60, elem_id="lab-learner")
            learner_msg = field_message("lab-learner-msg")
        with gr.Column(scale=3):
            action = gr.Radio(choices=[], label="Action", elem_id="lab-action")
            action_msg = field_message("lab-action-msg")
    with gr.Row():
        with gr.Column():
            predict = gr.Textbox(label="Predicted change of the goal (%)", placeholder="e.g. 2 or -1.5",
                                 max_length=40, elem_id="lab-predict")
            predict_msg = field_message("lab-predict-msg")
        with gr.Column():
            low = gr.Textbox(label="Interval low (%)", placeholder="e.g. -1", max_length=40, elem_id="lab-low")
            low_msg = field_message("lab-low-msg")
        with gr.Column():
            high = gr.Textbox(label="Interval high (%)", placeholder="e.g. 4", max_length=40, elem_id="lab-high")
            high_msg = field_message("lab-high-msg")
    play = gr.Button("Play", variant="primary", elem_id="lab-play")
    debrief = gr.Markdown(elem_id="lab-debrief")
    chart = gr.Plot(label="Predicted vs replayed", elem_id="lab-debrief-chart", visible=False)
    gr.Markdown("### Test a hypothesis\nState a claim about a change and a metric; it becomes a rule set, is replayed "
                "on the last 30 days and judged by the replay's 95% interval.")
    with gr.Row():
        hypothesis = gr.Textbox(label="Your hypothesis", placeholder="e.g. boosting Northpeak in outdoor raises margin",
                                max_length=300, elem_id="lab-hypothesis", scale=4)
        test = gr.Button("Test it", elem_id="lab-test", scale=0, min_width=120)
    verdict = gr.Markdown(elem_id="lab-verdict")
    with gr.Row():
        gr.Markdown("### Progress")
        show = gr.Button("Show progress", size="sm", elem_id="lab-show-progress", scale=0, min_width=180)
    progress = gr.Markdown(elem_id="lab-progress")
    kinds = gr.Plot(label="Right choice and calibration by kind", elem_id="lab-progress-chart", visible=False)
    history = gr.Dataframe(headers=HISTORY_COLUMNS, label="Plays (latest first)", interactive=False,
                           elem_id="lab-history", visible=False)
    messages = [learner_msg, action_msg, predict_msg, low_msg, high_msg]

    @readable
    def load_library() -> tuple[Any, ...]:
        try:
            rows = service.lab.scenarios()
        except NotBuiltError:
            return (scenario_table([]), gr.Dropdown(choices=[], value=None),
                    "No scenario library in this workspace yet: run `shelfwise lab generate`, then **Reload scenarios**.")
        note = f"{len(rows)} scenario{'s' if len(rows) != 1 else ''} in the library."
        return scenario_table(rows), gr.Dropdown(choices=[(f"{r['id']} · {r['title']}", r["id"]) for r in rows]), note

    @readable
    def open_scenario(sid: str | None) -> tuple[Any, ...]:
        cleared = (message(), gr.Radio(choices=[], value=None), gr.Textbox(label="Predicted change of the goal (%)"),
                   "", gr.Plot(value=None, visible=False), *(message() for _ in messages))
        if not sid:
            return "", *cleared
        try:
            s = service.lab.scenario(sid)
        except (NotBuiltError, LabError) as exc:
            return "", message(str(exc)), *cleared[1:]
        return (brief_markdown(s), message(), gr.Radio(choices=action_choices(s), value=None),
                gr.Textbox(label=f"Predicted change of {s['goal']} (%)"), "", gr.Plot(value=None, visible=False),
                *(message() for _ in messages))

    def from_row(evt: Any) -> Any:
        return evt.row_value[0] if evt is not None and evt.row_value else gr.skip()

    # Gradio passes the click's data to a parameter annotated gr.SelectData; the annotation must be
    # the class itself, since the string this module's annotations become cannot name the local gr
    from_row.__annotations__["evt"] = gr.SelectData

    def progress_outputs(summary: dict[str, Any]) -> tuple[Any, ...]:
        return (progress_markdown(summary), gr.Plot(value=progress_chart(summary), visible=True),
                gr.Dataframe(value=history_table(summary), visible=True))

    # a rejected play clears the last debrief (it belongs to an earlier play); progress stays
    skip_rest = ("", gr.Plot(value=None, visible=False), gr.skip(), gr.skip(), gr.skip())

    @readable
    def play_scenario(sid: str | None, name: str, choice: str | None, p: str, lo: str, hi: str) -> tuple[Any, ...]:
        quiet = tuple(message() for _ in messages)
        if not sid:
            return message("Pick a scenario first."), *quiet, *skip_rest
        if not choice:  # the lab would say so too, but only after the name; say it beside the radio now
            return message(), *(message("action: choose one of the actions above" if f == "action" else "")
                                for f in FIELDS), *skip_rest
        try:
            result = service.lab.play(sid, learner=name, action=choice, predict=p, low=lo, high=hi)
        except NotBuiltError as exc:
            return message(str(exc)), *quiet, *skip_rest
        except LabError as exc:
            where = field_of(str(exc))
            if where == "scenario":
                return message(str(exc)), *quiet, *skip_rest
            return message(), *(message(str(exc) if f == where else "") for f in FIELDS), *skip_rest
        return (message(), *quiet, debrief_markdown(result),
                gr.Plot(value=outcome_chart(result["debrief"]), visible=True), *progress_outputs(result["progress"]))

    @readable
    def show_progress(name: str) -> tuple[Any, ...]:
        try:
            summary = service.lab.progress(name)
        except LabNotFoundError as exc:
            return message(), str(exc), gr.Plot(visible=False), gr.Dataframe(visible=False)
        except LabError as exc:
            return message(str(exc)), "", gr.Plot(visible=False), gr.Dataframe(visible=False)
        return message(), *progress_outputs(summary)

    @readable
    def test_hypothesis(text: str) -> str:
        if not (text or "").strip():
            return "⚠ Type a hypothesis, such as *boosting Northpeak in outdoor raises margin*."
        answer = service.ask(text, session="lab-hypothesis")  # the assistant's what-if path, claim judged
        return answer.answer

    test.click(test_hypothesis, hypothesis, verdict)
    hypothesis.submit(test_hypothesis, hypothesis, verdict)
    library_outputs = [table, pick, status]
    demo.load(load_library, None, library_outputs)
    reload.click(load_library, None, library_outputs)
    pick.change(open_scenario, pick, [brief, pick_msg, action, predict, debrief, chart, *messages])
    table.select(from_row, None, pick)
    play.click(play_scenario, [pick, learner, action, predict, low, high],
               [pick_msg, *messages, debrief, chart, progress, kinds, history])
    show.click(show_progress, learner, [learner_msg, progress, kinds, history])
    learner.submit(show_progress, learner, [learner_msg, progress, kinds, history])
    return {"pick": pick, "play": play}
