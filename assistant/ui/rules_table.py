"""The What-if rules table: rule dicts to rows and back (every field a rule has, so a rule keeps
its scope and dates through the table), read by the rule editor's parse functions, and the
changes a save or a restore makes, in words."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from pydantic import ValidationError

from assistant.ui.rule_editor import (
    RuleFieldError,
    blank,
    parse_action,
    parse_additive,
    parse_attributes,
    parse_dates,
    parse_enabled,
    parse_list,
    parse_position,
    parse_priority,
    parse_rule_id,
    parse_strength,
    parse_surfaces,
)
from recsys_core.strategy.rules import Rule

# the table holds every field the editor sets, so a rule keeps its scope and dates through it
RULE_COLUMNS = ["id", "action", "target_items", "target_brands", "target_categories", "multiplier", "additive",
                "position", "scope_queries", "scope_segments", "scope_surfaces", "starts", "ends", "priority",
                "enabled", "scope_categories", "target_attributes", "note"]
RULE_WIDTHS: list[str | int] = [170, 80, 130, 140, 160, 100, 90, 90, 140, 160, 150, 110, 110, 90, 90, 160, 170, 200]
HISTORY_COLUMNS = ["version", "saved at", "message", "rules"]
_LISTS = {"target_items": ("target", "item_ids"), "target_brands": ("target", "brands"),
          "target_categories": ("target", "categories"), "scope_queries": ("scope", "queries"),
          "scope_segments": ("scope", "segments"), "scope_categories": ("scope", "categories")}
_CONTENT = ("id", "action", "target_items", "target_brands", "target_categories", "target_attributes")


def _row_rule(row: dict[str, Any]) -> dict[str, Any]:
    """One row of the rules table -> a rule dict; a cell that cannot be read raises
    RuleFieldError naming its column."""
    rule: dict[str, Any] = {"id": parse_rule_id(row.get("id")), "action": (verb := parse_action(row.get("action")))}
    parts: dict[str, dict[str, Any]] = {"target": {}, "scope": {}}
    for column, (part, key) in _LISTS.items():
        if found := parse_list(row.get(column), column):
            parts[part][key] = found
    if surfaces := parse_surfaces(row.get("scope_surfaces"), "scope_surfaces"):
        parts["scope"]["surfaces"] = surfaces
    if attributes := parse_attributes(row.get("target_attributes")):
        parts["target"]["attributes"] = attributes
    if not parts["target"]:
        raise RuleFieldError("target_items", "the rule acts on nothing; name products, brands or categories")
    rule["target"] = parts["target"]
    additive = parse_additive(row.get("additive"), verb)
    if not blank(row.get("multiplier")) or (verb == "boost" and additive is None):
        if (multiplier := parse_strength(row.get("multiplier"), verb, "multiplier")) is not None:
            rule["multiplier"] = multiplier
    if additive is not None:
        if "multiplier" in rule:
            raise RuleFieldError("additive", "give a multiplier or an additive, not both")
        rule["additive"] = additive
    position = parse_position(row.get("position"))
    if verb == "pin":
        if position is None:
            raise RuleFieldError("position", "a pin needs a position (1 = first)")
        if list(rule["target"]) != ["item_ids"] or len(rule["target"]["item_ids"]) != 1:
            raise RuleFieldError("target_items", "a pin places exactly one product; give one product id")
        rule["position"] = position
    elif position is not None:
        raise RuleFieldError("position", f"only a pin takes a position; leave it empty for a {verb}")
    if parts["scope"]:
        rule["scope"] = parts["scope"]
    starts, ends = parse_dates(row.get("starts"), row.get("ends"))
    rule.update({k: v.isoformat() for k, v in (("starts", starts), ("ends", ends)) if v})
    rule["priority"] = parse_priority(row.get("priority"))
    rule["enabled"] = parse_enabled(row.get("enabled"))
    if note := ("" if blank(row.get("note")) else str(row.get("note")).strip()):
        rule["note"] = note[:1000]
    try:
        Rule.model_validate(rule)
    except ValidationError as exc:  # what the cells cannot show alone (the model's own checks)
        first = exc.errors()[0]
        raise RuleFieldError(str(first["loc"][0]) if first["loc"] else "rule",
                             str(first["msg"]).removeprefix("Value error, ")) from None
    return rule


def table_to_rules(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of the rules table -> rule dicts, read by the editor's parse functions (so "Boost",
    "x1.2" and "+20%" work); a bad cell raises RuleFieldError "rules table row 2, multiplier: ...".
    Blank rows are skipped; a row with content but no id is an error, never silently dropped."""
    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(table)
    out: list[dict[str, Any]] = []
    rows: dict[str, int] = {}
    for n, row in enumerate(frame.to_dict(orient="records"), start=1):
        if all(blank(row.get(c)) for c in _CONTENT):
            continue  # blank rows of the editable table
        try:
            rule = _row_rule({str(k): v for k, v in row.items()})
            if rule["id"] in rows:
                raise RuleFieldError("id", f"{rule['id']!r} is also the id of row {rows[rule['id']]}; ids must be unique")
        except RuleFieldError as exc:
            raise exc.at(f"rules table row {n}") from None
        rows[rule["id"]] = n
        out.append(rule)
    return out


def _num(x: Any) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def rules_to_table(rules: list[dict[str, Any]]) -> pd.DataFrame:
    """Rule dicts -> rows of the rules table (lists comma-separated, the multiplier as "x1.2")."""
    rows = []
    for r in rules:
        row: dict[str, Any] = {"id": r.get("id"), "action": r.get("action")}
        for column, (part, key) in _LISTS.items():
            row[column] = ", ".join(map(str, (r.get(part) or {}).get(key, [])))
        row["scope_surfaces"] = ", ".join((r.get("scope") or {}).get("surfaces", []))
        attributes = (r.get("target") or {}).get("attributes") or {}
        row["target_attributes"] = "; ".join(f"{k}={json.dumps(v) if not isinstance(v, str) else v}"
                                             for k, v in attributes.items())
        row["multiplier"] = "" if r.get("multiplier") is None else f"x{_num(r['multiplier'])}"
        row["additive"] = "" if r.get("additive") is None else _num(r["additive"])
        row["position"] = "" if r.get("position") is None else str(r["position"])
        row.update({k: str(r.get(k) or "") for k in ("starts", "ends", "note")})
        row["priority"] = str(r.get("priority", 0))
        row["enabled"] = "yes" if r.get("enabled", True) else "no"
        rows.append(row)
    if not rows:
        rows = [dict.fromkeys(RULE_COLUMNS, "")]
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


def rule_dicts(ruleset: Any) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json", exclude_defaults=True) for r in ruleset.rules]


def proposed_rules(desk: Any, table: Any) -> list[dict[str, Any]]:
    """The rules in the table; the live rules when the table is blank (the page has just loaded
    and not filled it yet), so adding a rule to it never starts from nothing."""
    found = table_to_rules(table) if table is not None else []
    return found or rule_dicts(desk.rules())


def with_added(rules: list[dict[str, Any]], rule: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """``rules`` with ``rule`` put in (replacing one of the same id, in its place); True when replaced."""
    replaced = any(r["id"] == rule["id"] for r in rules)
    return ([rule if r["id"] == rule["id"] else r for r in rules] if replaced else [*rules, rule]), replaced


def add_to_table(desk: Any, table: Any, rule: dict[str, Any], source: str = "the insight") -> tuple[pd.DataFrame, str]:
    """The rules table with ``rule`` added to the proposed set (the table's rules kept; the live
    rules when the table is blank), and a status line saying so."""
    merged, replaced = with_added(proposed_rules(desk, table), rule)
    n = len(merged)
    text = (f"{'Changed' if replaced else 'Added'} rule `{rule['id']}` from {source} ({rule_words(rule)}); the "
            f"proposed set has {n} rule{'s' if n != 1 else ''}, the others kept. **Run what-if** to see its effect; "
            "nothing is live until you **Save rule set**.")
    return rules_to_table(merged), text


def rule_words(rule: dict[str, Any]) -> str:
    """A rule in a line: "boost brands Northpeak x1.2 · searches: tent · 2026-12-01 to 2026-12-24"."""
    target = rule.get("target") or {}
    names = {"item_ids": "products", "brands": "brands", "categories": "categories", "attributes": "attributes"}
    what = "; ".join(f"{names.get(k, k)} {', '.join(map(str, v)) if isinstance(v, list) else v}"
                     for k, v in target.items() if v)
    how = (f"x{_num(rule['multiplier'])}" if rule.get("multiplier") is not None else
           f"{float(rule['additive']):+g}" if rule.get("additive") is not None else
           f"at position {rule['position']}" if rule.get("position") is not None else "")
    scope = rule.get("scope") or {}
    parts = [" ".join(p for p in (str(rule.get("action", "")), what, how) if p)]
    words = {"queries": "searches", "segments": "segments", "surfaces": "on", "categories": "pages"}
    parts += [f"{words.get(k, k)}: {', '.join(v)}" for k, v in scope.items() if v]
    if rule.get("starts") or rule.get("ends"):
        parts.append(f"{rule.get('starts') or 'now'} to {rule.get('ends') or 'open end'}")
    if rule.get("enabled") is False:
        parts.append("disabled")
    return " · ".join(parts)


def diff_markdown(diff: dict[str, Any] | None, heading: str = "Changes to the live rules:") -> str:
    """The changes a save makes to the live rules, one line per rule."""
    if not diff:
        return ""
    lines = [f"- **added** `{r['id']}`: {rule_words(r)}" for r in diff["added"]]
    lines += [f"- **changed** `{c['id']}`: {'; '.join(c['changes'])}" for c in diff["changed"]]
    lines += [f"- **removed** `{r['id']}`: {rule_words(r)}" for r in diff["removed"]]
    if not lines:
        return "No changes: the same rules as the live set."
    kept = len(diff["unchanged"])
    return "\n".join([f"**{heading}**", *lines, f"- {kept} rule{'s' if kept != 1 else ''} unchanged"])


def saved_words(version: int, diff: dict[str, Any] | None, lead: str = "") -> str:
    """"Saved version 4: added boost-northpeak; changed slow-mover (multiplier 1.2 -> 1.5)"."""
    lead = lead or f"Saved version {version}"
    if diff is None:
        return f"{lead} (the earlier live file could not be read, so it was replaced)."
    parts = []
    if diff["added"]:
        parts.append("added " + ", ".join(r["id"] for r in diff["added"]))
    if diff["changed"]:
        parts.append("changed " + ", ".join(f"{c['id']} ({'; '.join(c['changes'])})" for c in diff["changed"]))
    if diff["removed"]:
        parts.append("removed " + ", ".join(r["id"] for r in diff["removed"]))
    kept = len(diff["unchanged"])
    parts.append(f"kept {kept} rule{'s' if kept != 1 else ''} unchanged")
    return f"{lead}: " + "; ".join(parts) + "."


def history_frame(versions: list[dict[str, Any]]) -> pd.DataFrame:
    """Saved versions, newest first, for the history table."""
    def when(stamp: Any) -> str:
        text = str(stamp or "")
        return text[:16].replace("T", " ") + (" UTC" if text.endswith("+00:00") else "")

    return pd.DataFrame([[v["version"], when(v.get("saved_at")), v.get("message") or "", v.get("rules")]
                         for v in versions], columns=HISTORY_COLUMNS)


def version_choices(versions: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(f"version {v['version']} · {history_frame([v]).iloc[0]['saved at']} · {v.get('message') or ''}"[:120],
             int(v["version"])) for v in versions]
