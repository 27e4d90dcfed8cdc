"""What-if tab: edit rules and re-rank weights, see before/after rankings side by side, the
replay estimates with 95% intervals, exposure moved, the linter's findings; save the rule set,
or start a live experiment of it against the live rules (:mod:`assistant.ui.experiments`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from assistant.merchandising import Merchandising
from assistant.service import ShelfwiseService
from assistant.ui.charts import bars
from assistant.ui.common import Confirmation, legend, readable
from assistant.ui.experiments import (
    EXPERIMENT_COLUMNS,
    EXPERIMENT_WIDTHS,
    METHOD_CHOICES,
    ab_plan_line,
    experiments_overview,
    show_from_form,
    start_from_form,
    stop_from_form,
    stop_question,
)
from assistant.ui.rule_editor import (
    RuleEditor,
    RuleFormError,
    known_values,
    rule_from_form,
    shop_choices,
)
from assistant.ui.rules_table import (
    HISTORY_COLUMNS,
    RULE_COLUMNS,
    RULE_WIDTHS,
    add_to_table,
    diff_markdown,
    history_frame,
    rule_dicts,
    rules_to_table,
    saved_words,
    table_to_rules,
    version_choices,
)
from recsys_core.errors import ShelfwiseError
from recsys_core.strategy.errors import RuleError

RANK_COLUMNS = ["rank", "item_id", "title", "score", "effects"]
ESTIMATE_COLUMNS = ["metric", "before", "after", "delta", "delta %", "95% interval"]
LINT_COLUMNS = ["rule_id", "severity", "code", "message"]
WEIGHTS = ("relevance", "margin", "stock", "diversity")


def estimates_table(replay: dict[str, Any]) -> pd.DataFrame:
    """The replay's estimates in words: metric names a merchandiser reads ("revenue ($)"), money
    with the shop's currency, counts rounded, the change with its 95% interval."""
    from assistant.wording import money, shop_currency

    currency = shop_currency()
    names = {"clicks": "clicks", "purchases": "purchases", "revenue": f"revenue ({currency})",
             "margin": f"margin ({currency})", "focus_exposure_share": "share of attention on the rule's items",
             "ndcg": "ranking quality (NDCG@10)", "hr": "hit rate@10"}

    def show(metric: str, x: Any, signed: bool = False) -> str:
        if x is None or pd.isna(x):
            return "n/a"
        if metric in ("revenue", "margin"):
            return money(x, currency, signed=signed)
        if metric == "focus_exposure_share":
            return f"{100 * x:+.2f} pts" if signed else f"{100 * x:.2f}%"
        if metric in ("ndcg", "hr"):
            return f"{x:+.3f}" if signed else f"{x:.3f}"
        return f"{x:+,.1f}" if signed else f"{x:,.1f}"

    rows = []
    for m in replay.get("metrics", []):
        metric, pct = m["metric"], m.get("delta_pct")
        rows.append({"metric": names.get(metric, metric.replace("_", " ")), "before": show(metric, m["before"]),
                     "after": show(metric, m["after"]), "delta": show(metric, m["delta"], signed=True),
                     "delta %": "n/a" if pct is None or pd.isna(pct) else f"{pct:+.1%}",
                     "95% interval": f"[{show(metric, m['ci_low'], True)}, {show(metric, m['ci_high'], True)}]"})
    return pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)


def exposure_frame(replay: dict[str, Any]) -> pd.DataFrame:
    rows = [{"key": f"{e['level']}: {e['key']}", "level": e["level"], "moved (share points)": 100 * e["moved"]}
            for e in replay.get("exposure_moved", [])]
    return pd.DataFrame(rows, columns=["key", "level", "moved (share points)"])


def build_whatif_tab(service: ShelfwiseService, desk: Merchandising) -> dict[str, Any]:
    """Builds the tab; returns the components other tabs pre-fill (rules table, context)."""
    import gradio as gr

    gr.Markdown("The table holds the whole proposed rule set; it starts as the live rules. Add a rule with the "
                "form, or edit the table (one rule per row; lists are comma-separated; strength as x1.2, +20% or "
                "-30%), set re-rank weights, then **Run what-if**: *before* is what shoppers see now, *after* is "
                "what they would see with this set. Nothing changes live until you **Save rule set**, which "
                "shows what changes first and asks before removing a live rule.")
    editor = RuleEditor()
    rules = gr.Dataframe(value=rules_to_table([]), headers=RULE_COLUMNS, interactive=True, label="Rules (the proposed set)",
                         column_count=len(RULE_COLUMNS), elem_id="whatif-rules", wrap=True, column_widths=RULE_WIDTHS)
    with gr.Row():
        weights = [gr.Number(value=1.0 if w == "relevance" else 0.0, label=f"weight: {w}", minimum=0,
                             maximum=1 if w == "diversity" else None) for w in WEIGHTS]
    with gr.Row():
        mode = gr.Radio([("search", "query"), ("customer", "user")], value="query", label="Show rankings for",
                        elem_id="whatif-mode")
        who = gr.Textbox(label="Search or customer id", value="tent", elem_id="whatif-input", max_length=500)
    with gr.Row():
        run = gr.Button("Run what-if", variant="primary", elem_id="whatif-run")
        live = gr.Button("Load live rules")
        message = gr.Textbox(label="Save message", scale=2, max_length=500)
        save = gr.Button("Save rule set", elem_id="whatif-save")
    status = gr.Markdown(elem_id="whatif-status")
    diff = gr.Markdown(elem_id="whatif-diff")
    with gr.Row():
        confirm_save = gr.Button("Remove rules and save", variant="stop", visible=False, elem_id="whatif-confirm-save",
                                 scale=0, min_width=220)
        cancel_save = gr.Button("Cancel", visible=False, elem_id="whatif-cancel-save", scale=0, min_width=100)
    pending_save = gr.State(None)  # the live rule ids the person was shown would be removed
    with gr.Row():
        before = gr.Dataframe(headers=RANK_COLUMNS, label="Before", interactive=False)
        after = gr.Dataframe(headers=RANK_COLUMNS, label="After", interactive=False)
    estimates = gr.Dataframe(headers=ESTIMATE_COLUMNS, label="Replay estimates (bootstrap 95% intervals)",
                             interactive=False, elem_id="whatif-estimates")
    gr.Markdown(legend("95% interval"), elem_id="whatif-estimates-legend")
    exposure = gr.Plot(label="Exposure moved (share points of position-weighted attention)", elem_id="whatif-exposure")
    lint = gr.Dataframe(headers=LINT_COLUMNS, label="Rule linter", interactive=False, elem_id="whatif-lint")
    with gr.Accordion("Saved versions", open=False, elem_id="whatif-history-section") as history_section:
        gr.Markdown("Every save is kept. Pick a version to make it live again: you see what it changes first, "
                    "and it is saved as a new version, so nothing in this list is ever lost.")
        history = gr.Dataframe(headers=HISTORY_COLUMNS, label="Saved versions (newest first)", interactive=False,
                               elem_id="whatif-history", max_height=300)
        with gr.Row():
            version = gr.Dropdown(choices=[], value=None, label="Version", elem_id="whatif-version", scale=3)
            restore = gr.Button("Restore this version", elem_id="whatif-restore", scale=0, min_width=200)
        restore_note = gr.Markdown(elem_id="whatif-restore-diff")
        with gr.Row():
            confirm_restore = gr.Button("Restore it", variant="stop", visible=False, elem_id="whatif-confirm-restore",
                                        scale=0, min_width=200)
            cancel_restore = gr.Button("Cancel", visible=False, elem_id="whatif-cancel-restore", scale=0, min_width=100)
        pending_restore = gr.State(None)
    with gr.Accordion("Live experiment: test this rule set on real shoppers", open=True, elem_id="exp-section"):
        gr.Markdown("Serve the rule set in the table above to a share of shoppers beside the live rules "
                    "(**interleaving** mixes both rankings in every list; **A/B** gives each shopper one of them), "
                    "and read the result here as clicks and purchases come in. The test plan says how many "
                    "sessions it needs; one experiment runs per surface at a time.")
        with gr.Row():
            exp_name = gr.Textbox(label="Experiment name", placeholder="e.g. boost-northpeak", max_length=100,
                                  elem_id="exp-name", scale=2)
            exp_method = gr.Radio(METHOD_CHOICES, value="interleaving", label="Method", elem_id="exp-method", scale=2)
            exp_traffic = gr.Number(value=100, label="Traffic %", elem_id="exp-traffic", scale=1)
        with gr.Row():
            exp_start = gr.Button("Start experiment with this rule set", variant="primary", elem_id="exp-start")
            exp_refresh = gr.Button("Refresh", elem_id="exp-refresh")
            exp_stop = gr.Button("Stop the named experiment", variant="stop", elem_id="exp-stop")
        stop_confirm = Confirmation("exp", "stop", yes="Yes, stop it")  # ids exp-confirm-stop, exp-cancel-stop
        exp_status = gr.Markdown(elem_id="exp-status")
        exp_table = gr.Dataframe(headers=EXPERIMENT_COLUMNS, label="Experiments (click a row to show it)",
                                 interactive=False, elem_id="exp-table", wrap=True, column_widths=EXPERIMENT_WIDTHS)

    def ranking_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
        return pd.DataFrame([{**r, "score": round(r["score"], 4), "effects": "; ".join(r["effects"])} for r in rows],
                            columns=RANK_COLUMNS)

    def cleared(text: str) -> tuple[Any, ...]:
        """Bad input: the message in the status line and every result panel emptied, so nothing
        left from an earlier run can be taken for this one's."""
        empty = pd.DataFrame(columns=RANK_COLUMNS)
        return (empty, empty.copy(), pd.DataFrame(columns=ESTIMATE_COLUMNS), None,
                pd.DataFrame(columns=LINT_COLUMNS), f"⚠ **Not run.** {text}")

    @readable
    def run_whatif(table: pd.DataFrame, m: str, text: str, *ws: float) -> tuple[Any, ...]:
        text = (text or "").strip()
        try:
            ruleset = desk.parse(table_to_rules(table), "rules table")
            if m == "user" and text:  # before the lint and replay: an unknown customer is said at once
                service.check_user(text)
        except ShelfwiseError as exc:
            return cleared(str(exc))
        findings = pd.DataFrame(desk.lint(ruleset), columns=LINT_COLUMNS)
        ranking = desk.ranking_with_rules(ruleset, user_id=text if m == "user" else None,
                                           query=text if m == "query" else None) if text else {"before": [], "after": []}
        weights_in = dict(zip(WEIGHTS, (float(w or 0) for w in ws), strict=True))
        report = desk.replay(ruleset, None if weights_in == {"relevance": 1.0, "margin": 0.0, "stock": 0.0,
                                                                 "diversity": 0.0} else weights_in)
        note = (f"Replayed {report['lists']:,} logged lists from {report['sessions']:,} sessions "
                f"({report['period'][0]} .. {report['period'][1]}); {report['lists_changed']:,} lists changed. "
                + ab_plan_line(report.get("ab_plan")))
        moved = bars(exposure_frame(report), x="key", y="moved (share points)", colour="level")
        return (ranking_frame(ranking["before"]), ranking_frame(ranking["after"]), estimates_table(report),
                moved, findings, note)

    hidden = (gr.Button(visible=False), gr.Button(visible=False))

    def history_updates() -> tuple[Any, Any]:
        versions = desk.versions()
        return history_frame(versions), gr.Dropdown(choices=version_choices(versions), value=None)

    def save_outputs(text: str, shown: str, asked: tuple[Any, Any], pending: Any, saved: dict[str, Any] | None) -> tuple[Any, ...]:
        lint_out = pd.DataFrame(saved["lint"], columns=LINT_COLUMNS) if saved else gr.skip()
        return (text, shown, *asked, pending, lint_out, *(history_updates() if saved else (gr.skip(), gr.skip())))

    def review_save(table: pd.DataFrame, msg: str, note: str = "") -> tuple[Any, ...]:
        """Save when nothing live is removed; otherwise show the changes and ask."""
        try:
            ruleset = desk.parse(table_to_rules(table), "rules table")
        except ShelfwiseError as exc:
            return save_outputs(f"⚠ **Not saved.** {exc}", "", hidden, None, None)
        found = desk.diff(ruleset)
        if not (found["added"] or found["changed"] or found["removed"]):
            return save_outputs("Nothing to save: the table holds the live rules unchanged.", "", hidden, None, None)
        if found["removed"]:
            gone = [r["id"] for r in found["removed"]]
            n = len(gone)
            ask = (gr.Button(value=f"Remove {n} rule{'s' if n != 1 else ''} and save", visible=True),
                   gr.Button(visible=True))
            text = (f"{note}⚠ **Not saved yet.** Saving this table would remove {n} live rule{'s' if n != 1 else ''} "
                    f"({', '.join(gone)}). Check the changes below, then remove and save, or cancel.")
            return save_outputs(text, diff_markdown(found), ask, gone, None)
        return write(ruleset, msg, None)

    def write(ruleset: Any, msg: str, removing: list[str] | None) -> tuple[Any, ...]:
        out = desk.save(ruleset, (msg or "").strip(), confirm_removed=removing)
        return save_outputs(saved_words(out["version"], out["diff"]), diff_markdown(out["diff"]), hidden, None, out)

    @readable
    def save_rules(table: pd.DataFrame, msg: str) -> tuple[Any, ...]:
        return review_save(table, msg)

    @readable
    def confirm_removal(table: pd.DataFrame, msg: str, pending: list[str] | None) -> tuple[Any, ...]:
        """Save, unless the removals differ from the ones shown (the table or the live rules changed)."""
        try:
            ruleset = desk.parse(table_to_rules(table), "rules table")
        except ShelfwiseError as exc:
            return save_outputs(f"⚠ **Not saved.** {exc}", "", hidden, None, None)
        gone = [r["id"] for r in desk.diff(ruleset)["removed"]]
        if pending is None or not set(gone) <= set(pending):
            return review_save(table, msg, "The rules changed since the changes were shown. ")
        try:
            return write(ruleset, msg, list(pending))
        except RuleError as exc:  # a rule went live meanwhile and this save would drop it
            return save_outputs(f"⚠ {exc}", "", hidden, None, None)

    def cancel_removal() -> tuple[Any, ...]:
        return save_outputs("Not saved; the live rules are unchanged.", "", hidden, None, None)

    @readable
    def load_live() -> pd.DataFrame:
        return rules_to_table(rule_dicts(desk.rules()))

    @readable
    def show_history() -> tuple[Any, Any]:
        return history_updates()

    @readable
    def review_restore(picked: Any) -> tuple[Any, ...]:
        if picked is None or (isinstance(picked, str) and not picked.strip()):
            return "⚠ version: pick a saved version first.", *hidden, None
        try:
            number = int(picked)
            old = desk.version(number)
        except (ValueError, TypeError):
            return f"⚠ version: {picked!r} is not a version number.", *hidden, None
        except ShelfwiseError as exc:
            return f"⚠ {exc}", *hidden, None
        found = desk.diff(old)
        if found["added"] or found["changed"] or found["removed"]:
            text = diff_markdown(found, f"Restoring version {number} would make these changes to the live rules:")
        else:
            text = f"Version {number} holds the same rules as the live set; restoring saves it again as a new version."
        return (text, gr.Button(value=f"Restore version {number}", visible=True), gr.Button(visible=True), number)

    @readable
    def do_restore(pending: int | None) -> tuple[Any, ...]:
        if pending is None:
            return ("⚠ version: pick a saved version and press **Restore this version** first.", *hidden, None,
                    gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip())
        out = desk.restore(int(pending))
        text = saved_words(out["version"], out["diff"], f"Restored version {pending} as version {out['version']}")
        return ("", *hidden, None, rules_to_table(out["rules"]), text, *history_updates(),
                pd.DataFrame(out["lint"], columns=LINT_COLUMNS))

    def cancel_restore_click() -> tuple[Any, ...]:
        return "Not restored; the live rules are unchanged.", *hidden, None

    @readable
    def load_choices(kind: str | None) -> tuple[Any, ...]:
        return (*editor.loaded(shop_choices(service), kind), *history_updates())

    @readable
    def pick_kind(kind: str | None) -> Any:
        if not editor.choices:
            editor.choices = shop_choices(service)
        return editor.target_update(kind)

    @readable
    def add_rule(table: pd.DataFrame, *fields: Any) -> tuple[Any, ...]:
        """The form's rule into the table (replacing a rule of the same id); a field that cannot
        be read gets its message beside it and the table is left as it was."""
        try:
            rule = rule_from_form(*fields, known=known_values(editor.choices))
            desk.parse([rule], "rule")
        except RuleFormError as exc:
            return gr.skip(), "⚠ **Not added.** Fix the fields marked ⚠ above.", *editor.field_messages(exc.problems)
        except ShelfwiseError as exc:
            return gr.skip(), f"⚠ **Not added.** {exc}", *editor.field_messages()
        try:
            table_out, text = add_to_table(desk, table, rule, "the form")
        except ShelfwiseError as exc:
            return gr.skip(), f"⚠ **Not added.** The table has a problem to fix first: {exc}", *editor.field_messages()
        return table_out, text, *editor.field_messages()

    @readable
    def start_experiment(table: pd.DataFrame, name: str, method: str, traffic: Any) -> tuple[str, pd.DataFrame]:
        message = start_from_form(service.experiments, lambda: desk.parse(table_to_rules(table), "rules table"),
                                  name, method, traffic)
        return message, experiments_overview(service.experiments)

    @readable
    def stop_experiment(name: str) -> tuple[str, pd.DataFrame]:
        return stop_from_form(service.experiments, name), experiments_overview(service.experiments)

    @readable
    def refresh_experiments(name: str) -> tuple[Any, pd.DataFrame]:
        frame = experiments_overview(service.experiments)
        known = (name or "").strip() in set(frame["name"])
        return (show_from_form(service.experiments, name) if known else gr.skip()), frame

    @readable
    def load_experiments() -> pd.DataFrame:
        return experiments_overview(service.experiments)

    def pick_experiment(evt: Any) -> tuple[Any, Any]:
        if evt is None or not evt.row_value:
            return gr.skip(), gr.skip()
        name = str(evt.row_value[0])
        return name, show_from_form(service.experiments, name)

    # Gradio passes the click's data to a parameter annotated gr.SelectData (the class itself)
    pick_experiment.__annotations__["evt"] = gr.SelectData

    exp_start.click(start_experiment, [rules, exp_name, exp_method, exp_traffic], [exp_status, exp_table])
    stop_confirm.wire(exp_stop, stop_experiment, question=lambda name: stop_question(service.experiments, name),
                      inputs=exp_name, outputs=[exp_status, exp_table], working="Stopping…")
    exp_refresh.click(refresh_experiments, exp_name, [exp_status, exp_table])
    exp_table.select(readable(pick_experiment), None, [exp_name, exp_status])
    run.click(run_whatif, [rules, mode, who, *weights], [before, after, estimates, exposure, lint, status])
    save_out = [status, diff, confirm_save, cancel_save, pending_save, lint, history, version]
    save.click(save_rules, [rules, message], save_out)
    confirm_save.click(confirm_removal, [rules, message, pending_save], save_out)
    cancel_save.click(cancel_removal, None, save_out)
    live.click(load_live, None, rules)
    history_section.expand(show_history, None, [history, version])
    restore.click(review_restore, version, [restore_note, confirm_restore, cancel_restore, pending_restore])
    confirm_restore.click(do_restore, pending_restore, [restore_note, confirm_restore, cancel_restore, pending_restore,
                                                        rules, status, history, version, lint])
    cancel_restore.click(cancel_restore_click, None, [restore_note, confirm_restore, cancel_restore, pending_restore])
    editor.kind.change(pick_kind, editor.kind, editor.target)
    editor.add.click(add_rule, [rules, *editor.inputs], [rules, editor.status, *editor.message_list])
    return {"rules": rules, "mode": mode, "who": who, "run": run, "load_live": load_live, "status": status,
            "experiments": exp_table, "load_experiments": load_experiments,
            "load_choices": load_choices, "choices_inputs": [editor.kind],
            "choices_outputs": [editor.target, editor.segments, history, version]}
