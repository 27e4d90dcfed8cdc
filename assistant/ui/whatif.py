"""What-if tab: edit rules and re-rank weights, see before/after rankings side by side, the
replay estimates with 95% intervals, exposure moved, the linter's findings; save the rule set,
or start a live experiment of it against the live rules (:mod:`assistant.ui.experiments`)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from assistant.merchandising import Merchandising
from assistant.service import ShelfwiseService
from assistant.ui.charts import bars
from assistant.ui.common import readable
from assistant.ui.experiments import (
    EXPERIMENT_COLUMNS,
    EXPERIMENT_WIDTHS,
    METHOD_CHOICES,
    experiments_overview,
    show_from_form,
    start_from_form,
    stop_from_form,
)
from recsys_core.strategy.errors import RuleError

RULE_COLUMNS = ["id", "action", "target_items", "target_brands", "target_categories", "multiplier",
                "additive", "position", "scope_queries", "priority", "enabled"]
RANK_COLUMNS = ["rank", "item_id", "title", "score", "effects"]
ESTIMATE_COLUMNS = ["metric", "before", "after", "delta", "delta %", "95% interval"]
LINT_COLUMNS = ["rule_id", "severity", "code", "message"]
WEIGHTS = ("relevance", "margin", "stock", "diversity")


def _split(cell: Any) -> list[str]:
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    return [p.strip() for p in str(cell).split(",") if p.strip()]


def _number(cell: Any, column: str = "value") -> float | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    try:
        value = float(cell)
    except (TypeError, ValueError, OverflowError):
        raise RuleError(f"rules table: {column}: {cell!r} is not a number") from None
    if math.isinf(value):
        raise RuleError(f"rules table: {column}: {cell!r} is not a finite number")
    return None if pd.isna(value) else value


def table_to_rules(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of the rules table → rule dicts (the engine validates them and names bad fields)."""
    out = []
    for row in table.to_dict(orient="records"):
        if not str(row.get("id") or "").strip():
            continue  # blank rows of the editable table
        rule: dict[str, Any] = {"id": str(row["id"]).strip(), "action": str(row.get("action") or "").strip(),
                                "target": {k: _split(row.get(f"target_{k}")) for k in ("items", "brands", "categories")}}
        rule["target"] = {("item_ids" if k == "items" else k): v for k, v in rule["target"].items() if v}
        for name in ("multiplier", "additive"):
            if (value := _number(row.get(name), name)) is not None:
                rule[name] = value
        if (pos := _number(row.get("position"), "position")) is not None:
            rule["position"] = int(pos)
        if queries := _split(row.get("scope_queries")):
            rule["scope"] = {"queries": queries}
        if (priority := _number(row.get("priority"), "priority")) is not None:
            rule["priority"] = int(priority)
        enabled = row.get("enabled")
        rule["enabled"] = str(enabled).strip().lower() not in ("false", "0", "no", "off")
        out.append(rule)
    return out


def rules_to_table(rules: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for r in rules:
        target = r.get("target", {})
        rows.append({"id": r.get("id"), "action": r.get("action"),
                     "target_items": ", ".join(target.get("item_ids", [])),
                     "target_brands": ", ".join(target.get("brands", [])),
                     "target_categories": ", ".join(target.get("categories", [])),
                     "multiplier": r.get("multiplier"), "additive": r.get("additive"), "position": r.get("position"),
                     "scope_queries": ", ".join(r.get("scope", {}).get("queries", [])),
                     "priority": r.get("priority", 0), "enabled": r.get("enabled", True)})
    if not rows:
        rows = [dict.fromkeys(RULE_COLUMNS, "")]
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


def estimates_table(replay: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for m in replay.get("metrics", []):
        pct = m.get("delta_pct")
        rows.append({"metric": m["metric"], "before": round(m["before"], 3), "after": round(m["after"], 3),
                     "delta": round(m["delta"], 3), "delta %": "n/a" if pct is None or pd.isna(pct) else f"{pct:+.1%}",
                     "95% interval": f"[{m['ci_low']:+.3f}, {m['ci_high']:+.3f}]"})
    return pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)


def exposure_frame(replay: dict[str, Any]) -> pd.DataFrame:
    rows = [{"key": f"{e['level']}: {e['key']}", "level": e["level"], "moved (share points)": 100 * e["moved"]}
            for e in replay.get("exposure_moved", [])]
    return pd.DataFrame(rows, columns=["key", "level", "moved (share points)"])


def build_whatif_tab(service: ShelfwiseService, desk: Merchandising) -> dict[str, Any]:
    """Builds the tab; returns the components other tabs pre-fill (rules table, context)."""
    import gradio as gr

    gr.Markdown("The table holds the whole proposed rule set; it starts as the live rules. Edit rules below "
                "(one per row; lists are comma-separated), set re-rank weights, then **Run what-if**: "
                "*before* is what shoppers see now, *after* is what they would see with this set. "
                "Nothing changes live until you **Save rule set**.")
    rules = gr.Dataframe(value=rules_to_table([]), headers=RULE_COLUMNS, interactive=True, label="Rules",
                         column_count=len(RULE_COLUMNS), elem_id="whatif-rules")
    with gr.Row():
        weights = [gr.Number(value=1.0 if w == "relevance" else 0.0, label=f"weight: {w}", minimum=0,
                             maximum=1 if w == "diversity" else None) for w in WEIGHTS]
    with gr.Row():
        mode = gr.Radio(["query", "user"], value="query", label="Show rankings for")
        who = gr.Textbox(label="Query or user id", value="tent", elem_id="whatif-input", max_length=500)
    with gr.Row():
        run = gr.Button("Run what-if", variant="primary", elem_id="whatif-run")
        live = gr.Button("Load live rules")
        message = gr.Textbox(label="Save message", scale=2, max_length=500)
        save = gr.Button("Save rule set", elem_id="whatif-save")
    status = gr.Markdown(elem_id="whatif-status")
    with gr.Row():
        before = gr.Dataframe(headers=RANK_COLUMNS, label="Before", interactive=False)
        after = gr.Dataframe(headers=RANK_COLUMNS, label="After", interactive=False)
    estimates = gr.Dataframe(headers=ESTIMATE_COLUMNS, label="Replay estimates (bootstrap 95% intervals)",
                             interactive=False, elem_id="whatif-estimates")
    exposure = gr.Plot(label="Exposure moved (share points of position-weighted attention)", elem_id="whatif-exposure")
    lint = gr.Dataframe(headers=LINT_COLUMNS, label="Rule linter", interactive=False, elem_id="whatif-lint")
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
        exp_status = gr.Markdown(elem_id="exp-status")
        exp_table = gr.Dataframe(headers=EXPERIMENT_COLUMNS, label="Experiments (click a row to show it)",
                                 interactive=False, elem_id="exp-table", wrap=True, column_widths=EXPERIMENT_WIDTHS)

    def ranking_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
        return pd.DataFrame([{**r, "score": round(r["score"], 4), "effects": "; ".join(r["effects"])} for r in rows],
                            columns=RANK_COLUMNS)

    @readable
    def run_whatif(table: pd.DataFrame, m: str, text: str, *ws: float) -> tuple[Any, ...]:
        ruleset = desk.parse(table_to_rules(table), "rules table")
        findings = pd.DataFrame(desk.lint(ruleset), columns=LINT_COLUMNS)
        text = (text or "").strip()
        ranking = desk.ranking_with_rules(ruleset, user_id=text if m == "user" else None,
                                           query=text if m == "query" else None) if text else {"before": [], "after": []}
        weights_in = dict(zip(WEIGHTS, (float(w or 0) for w in ws), strict=True))
        report = desk.replay(ruleset, None if weights_in == {"relevance": 1.0, "margin": 0.0, "stock": 0.0,
                                                                 "diversity": 0.0} else weights_in)
        note = (f"Replayed {report['lists']:,} logged lists from {report['sessions']:,} sessions "
                f"({report['period'][0]} .. {report['period'][1]}); {report['lists_changed']:,} lists changed.")
        moved = bars(exposure_frame(report), x="key", y="moved (share points)", colour="level")
        return (ranking_frame(ranking["before"]), ranking_frame(ranking["after"]), estimates_table(report),
                moved, findings, note)

    @readable
    def save_rules(table: pd.DataFrame, msg: str) -> tuple[str, pd.DataFrame]:
        out = desk.save(desk.parse(table_to_rules(table), "rules table"), (msg or "").strip())
        return (f"Saved rule set version {out['version']} ({len(out['rules'])} rules).",
                pd.DataFrame(out["lint"], columns=LINT_COLUMNS))

    @readable
    def load_live() -> pd.DataFrame:
        return rules_to_table([r.model_dump(mode="json", exclude_defaults=True) for r in desk.rules().rules])

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
    exp_stop.click(stop_experiment, exp_name, [exp_status, exp_table])
    exp_refresh.click(refresh_experiments, exp_name, [exp_status, exp_table])
    exp_table.select(readable(pick_experiment), None, [exp_name, exp_status])
    run.click(run_whatif, [rules, mode, who, *weights], [before, after, estimates, exposure, lint, status])
    save.click(save_rules, [rules, message], [status, lint])
    live.click(load_live, None, rules)
    return {"rules": rules, "mode": mode, "who": who, "run": run, "load_live": load_live,
            "experiments": exp_table, "load_experiments": load_experiments}
