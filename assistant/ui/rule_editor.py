"""The structured rule editor of the What-if tab and the parse functions it shares with the rules
table: every field a person types is read here, and input that cannot be read raises
:class:`RuleFieldError` naming the field ("strength: '-20%' lowers the score; ..."), never a
bare ``ValueError``.

Strength is typed naturally: a boost takes ``x1.2``, ``1.2``, ``+20%``, ``20%`` or ``120%``
(all x1.2); a bury takes ``-30%``, ``30%``, ``x0.7`` or ``0.7`` (all x0.7). A plain number of
10 or more is refused as ambiguous (``20``: x20 or +20%?).
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

from recsys_core.strategy.errors import RuleError

ACTIONS = ("pin", "boost", "bury", "filter")
TARGET_KINDS = {"products": "item_ids", "brands": "brands", "categories": "categories"}
SURFACES = ("search", "recommendations", "category_page")
SURFACE_ALIASES = {"recs": "recommendations", "recommendation": "recommendations", "category": "category_page",
                   "category page": "category_page", "category pages": "category_page", "categorypage": "category_page"}
MIN_MULTIPLIER, MAX_MULTIPLIER = 0.001, 100.0
MAX_POSITION = 1000
MAX_PRIORITY = 1_000_000
MAX_ADDITIVE = 1e6
MAX_TEXT = 200  # one list entry, one id
MAX_ITEMS = 200  # entries of one list
STRENGTH_HINT = "write x1.2, 1.2 or +20% for a boost, -30% or x0.7 for a bury"
# the form's fields, in the order the editor shows their message lines
FORM_FIELDS = ("id", "action", "target", "strength", "position", "queries", "segments", "surfaces", "starts", "ends")

_NUM = r"([0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RuleFieldError(RuleError):
    """One field of a rule cannot be read; ``field`` names it, the message says why and how to fix."""

    def __init__(self, field: str, problem: str, where: str = ""):
        self.field = field
        self.problem = problem
        self.where = where
        super().__init__(f"{where}, {field}: {problem}" if where else f"{field}: {problem}")

    def at(self, where: str) -> RuleFieldError:
        """The same problem, located ("rules table row 2")."""
        return RuleFieldError(self.field, self.problem, where)


class RuleFormError(RuleError):
    """Several fields of the editor's form cannot be read; ``problems`` maps field -> message."""

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        super().__init__("; ".join(self.problems.values()))


def blank(value: Any) -> bool:
    """An empty cell: None, NaN, '' or spaces."""
    from recsys_core.data.frames import is_missing

    return is_missing(value)


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _text(value: Any) -> str:
    return "" if blank(value) else str(value).strip()


def _number(token: str, field: str, original: Any) -> float:
    """A decimal from the digits the grammar matched; a comma is a decimal point when one or two
    digits follow it ("1,25"), otherwise it is refused as ambiguous ("1,200")."""
    if "," in token:
        if len(token.split(",")[1]) > 2:
            raise RuleFieldError(field, f"{_shown(original)} is ambiguous; write it with a decimal point, e.g. 1.2")
        token = token.replace(",", ".")
    return float(token)


# ---- one field each ----------------------------------------------------------------------------
def parse_action(text: Any, field: str = "action") -> str:
    """'Boost ' -> 'boost'; anything but pin, boost, bury or filter is refused."""
    word = _text(text).lower()
    if not word:
        raise RuleFieldError(field, "choose pin, boost, bury or filter")
    if word not in ACTIONS:
        return _unknown(field, word)
    return word


def _unknown(field: str, word: str) -> str:
    close = difflib.get_close_matches(word, ACTIONS, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise RuleFieldError(field, f"{_shown(word)} is not an action; choose pin, boost, bury or filter{hint}")


def _check_multiplier(m: float, field: str, original: Any) -> float:
    if m <= 0:
        raise RuleFieldError(field, f"{_shown(original)} would wipe out the score; to remove items, choose filter")
    if m < MIN_MULTIPLIER or m > MAX_MULTIPLIER:
        raise RuleFieldError(field, f"{_shown(original)} is out of range; a multiplier lies between "
                                    f"x{MIN_MULTIPLIER:g} and x{MAX_MULTIPLIER:g}")
    return m


def parse_strength(text: Any, action: str, field: str = "strength") -> float | None:
    """The multiplier a strength stands for (None: no strength, which a bury reads as "below
    every other result"); refused when it does not suit ``action`` (a boost that lowers)."""
    if action in ("pin", "filter"):
        if blank(text):
            return None
        what = "a pin takes a position, not a strength" if action == "pin" else "a filter removes the items; it takes no strength"
        raise RuleFieldError(field, f"{what}; leave {field} empty")
    if blank(text):
        if action == "boost":
            raise RuleFieldError(field, "a boost needs a strength, e.g. x1.2 or +20%")
        return None
    if isinstance(text, bool):
        raise RuleFieldError(field, f"{_shown(text)} is not a number; {STRENGTH_HINT}")
    if isinstance(text, int | float):  # a number cell the table itself wrote: a multiplier
        m = _check_multiplier(float(text), field, text)
    else:
        m = _strength_text(str(text), action, field)
    if action == "boost" and m <= 1:
        change = "leaves the score unchanged" if m == 1 else "lowers the score"
        raise RuleFieldError(field, f"{_shown(text)} {change}; a boost must raise it (e.g. x1.2 or +20%); "
                                    "to lower items, choose bury")
    if action == "bury" and m >= 1:
        change = "leaves the score unchanged" if m == 1 else "raises the score"
        raise RuleFieldError(field, f"{_shown(text)} {change}; a bury must lower it (e.g. -30% or x0.7); "
                                    "to raise items, choose boost")
    return m


def _strength_text(raw: str, action: str, field: str) -> float:
    if len(raw) > 40:
        raise RuleFieldError(field, f"{_shown(raw)} is too long for a strength; {STRENGTH_HINT}")
    s = "".join(raw.lower().replace("×", "x").replace("*", "x").split())
    if m := re.fullmatch(rf"x{_NUM}|{_NUM}x", s):
        return _check_multiplier(_number(m.group(1) or m.group(2), field, raw), field, raw)
    if m := re.fullmatch(rf"([+-]?){_NUM}%", s):
        sign, pct = m.group(1), _number(m.group(2), field, raw)
        return _percent(sign, pct, action, field, raw)
    if m := re.fullmatch(_NUM, s):
        value = _number(m.group(1), field, raw)
        if value >= 10:
            raise RuleFieldError(field, f"{_shown(raw)} is ambiguous; write x{value:g} for {value:g} times the "
                                        f"score or +{value:g}% for {value:g} percent more")
        return _check_multiplier(value, field, raw)
    raise RuleFieldError(field, f"{_shown(raw)} is not a number or a strength; {STRENGTH_HINT}")


def _percent(sign: str, pct: float, action: str, field: str, raw: str) -> float:
    if pct == 0:
        raise RuleFieldError(field, f"{_shown(raw)} changes nothing; {STRENGTH_HINT}")
    if sign == "-" or (not sign and action == "bury"):
        if pct >= 100:
            raise RuleFieldError(field, f"{_shown(raw)} would take away the whole score or more; a bury lowers by "
                                        "less than 100% (e.g. -30%); to remove items, choose filter")
        return _check_multiplier(1 - pct / 100, field, raw)
    if not sign and pct == 100:
        raise RuleFieldError(field, f"{_shown(raw)} is ambiguous; write +100% (twice the score) or x1 (no change)")
    # "20%" on a boost is 20% more; "120%" is 120% of the score
    m = pct / 100 if not sign and pct > 100 else 1 + pct / 100
    return _check_multiplier(m, field, raw)


def parse_additive(text: Any, action: str, field: str = "additive") -> float | None:
    """A number added to the score (positive for a boost, negative for a bury)."""
    if blank(text):
        return None
    s = "".join(str(text).split())
    if isinstance(text, bool) or not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(e[+-]?[0-9]{1,3})?", s.lower()):
        raise RuleFieldError(field, f"{_shown(text)} is not a number; write e.g. 0.1 or -0.1")
    value = float(s)
    if abs(value) > MAX_ADDITIVE:
        raise RuleFieldError(field, f"{_shown(text)} is out of range; an additive lies within ±{MAX_ADDITIVE:g}")
    if action in ("pin", "filter"):
        raise RuleFieldError(field, f"a {action} takes no additive; leave {field} empty")
    if action == "boost" and value <= 0:
        raise RuleFieldError(field, f"{_shown(text)} does not raise the score; a boost adds a positive number; "
                                    "to lower items, choose bury")
    if action == "bury" and value >= 0:
        raise RuleFieldError(field, f"{_shown(text)} does not lower the score; a bury adds a negative number; "
                                    "to raise items, choose boost")
    return value


def parse_whole(text: Any, field: str, low: int, high: int) -> int | None:
    """A whole number in [low, high] ("3", "3.0", "#3", "3rd"; None when blank)."""
    if blank(text):
        return None
    if isinstance(text, bool):
        raise RuleFieldError(field, f"{_shown(text)} is not a whole number")
    s = "".join(str(text).lower().split()).lstrip("#")
    s = re.sub(r"(?<=[0-9])(st|nd|rd|th)$", "", s)
    m = re.fullmatch(r"([+-]?[0-9]{1,12})(\.0*)?", s)
    if not m:
        raise RuleFieldError(field, f"{_shown(text)} is not a whole number")
    value = int(m.group(1))
    if not low <= value <= high:
        raise RuleFieldError(field, f"{_shown(text)} is out of range; give a whole number from {low} to {high}")
    return value


def parse_position(text: Any, field: str = "position") -> int | None:
    """A pin's 1-based position (1 = first)."""
    return parse_whole(text, field, 1, MAX_POSITION)


def parse_priority(text: Any, field: str = "priority") -> int:
    """Higher-priority rules act first (default 0)."""
    found = parse_whole(text, field, -MAX_PRIORITY, MAX_PRIORITY)
    return 0 if found is None else found


def parse_enabled(text: Any, field: str = "enabled") -> bool:
    """yes/no, true/false, on/off, 1/0 (blank: yes)."""
    if blank(text):
        return True
    if isinstance(text, bool):
        return text
    word = str(text).strip().lower()
    if word in ("true", "yes", "y", "on", "1", "1.0", "enabled"):
        return True
    if word in ("false", "no", "n", "off", "0", "0.0", "disabled"):
        return False
    raise RuleFieldError(field, f"{_shown(text)} is not yes or no; write yes or no")


def parse_date(text: Any, field: str = "starts") -> date | None:
    """A day written YYYY-MM-DD (None when blank)."""
    if blank(text):
        return None
    if isinstance(text, datetime | pd.Timestamp):
        return text.date()
    if isinstance(text, date):
        return text
    s = str(text).strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
        raise RuleFieldError(field, f"{_shown(text)} is not a date; write YYYY-MM-DD, e.g. 2026-12-24")
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise RuleFieldError(field, f"{_shown(text)} is not a day of the calendar; write YYYY-MM-DD, "
                                    "e.g. 2026-12-24") from None


def parse_dates(starts: Any, ends: Any) -> tuple[date | None, date | None]:
    """Both ends of a rule's validity; the end may not come before the start."""
    first, last = parse_date(starts, "starts"), parse_date(ends, "ends")
    if first and last and last < first:
        raise RuleFieldError("ends", f"{last} is before starts {first}; the rule would never apply")
    return first, last


def parse_list(text: Any, field: str) -> list[str]:
    """Comma-separated text (or a list, as a multiselect gives it) -> entries, blanks and
    repeats dropped."""
    if blank(text):
        return []
    parts: Iterable[Any] = text if isinstance(text, list | tuple) else str(text).split(",")
    out: list[str] = []
    seen: set[str] = set()
    for part in parts:
        entry = " ".join(str(part).split())
        if not entry:
            continue
        if len(entry) > MAX_TEXT or _CONTROL.search(entry):
            raise RuleFieldError(field, f"{_shown(entry)} is not a usable entry (at most {MAX_TEXT} characters)")
        if entry.lower() not in seen:
            seen.add(entry.lower())
            out.append(entry)
    if len(out) > MAX_ITEMS:
        raise RuleFieldError(field, f"{len(out)} entries are too many; at most {MAX_ITEMS}")
    return out


def parse_surfaces(text: Any, field: str = "surfaces") -> list[str]:
    """search, recommendations, category_page (aliases such as "recs" allowed)."""
    out = []
    for entry in parse_list(text, field):
        word = entry.lower().replace("-", " ").replace("_", " ")
        word = SURFACE_ALIASES.get(word, word.replace(" ", "_"))
        if word not in SURFACES:
            raise RuleFieldError(field, f"{_shown(entry)} is not a surface; choose search or recommendations")
        if word not in out:
            out.append(word)
    return out


def parse_attributes(text: Any, field: str = "target_attributes") -> dict[str, str | int | float | bool]:
    """``key=value; key=value`` -> attributes (true/false and numbers as such)."""
    out: dict[str, str | int | float | bool] = {}
    for part in [] if blank(text) else str(text).split(";"):
        if not part.strip():
            continue
        key, eq, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key or not value or _CONTROL.search(part) or len(part) > MAX_TEXT:
            raise RuleFieldError(field, f"{_shown(part.strip())} is not key=value; write e.g. waterproof=true; colour=red")
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        if isinstance(parsed, float) and not math.isfinite(parsed):
            parsed = value
        out[key] = parsed if isinstance(parsed, str | int | float | bool) else value
    return out


def parse_rule_id(text: Any, field: str = "id") -> str:
    """A rule's id: one line of at most 100 characters."""
    s = _text(text)
    if not s:
        raise RuleFieldError(field, "give the rule an id, e.g. boost-northpeak")
    if len(s) > 100 or _CONTROL.search(s):
        raise RuleFieldError(field, f"{_shown(s)} is not a usable id; use one line of at most 100 characters")
    return s


def auto_id(action: str, targets: list[str]) -> str:
    """'boost' + ['Northpeak'] -> 'boost-northpeak' (the first targets, as a slug)."""
    slug = "-".join(s for s in (re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-") for t in targets[:2]) if s)
    more = f"-and-{len(targets) - 2}-more" if len(targets) > 2 else ""
    return f"{action}-{slug[:60].strip('-') or 'rule'}{more}"


# ---- the whole form ----------------------------------------------------------------------------
def rule_from_form(rule_id: Any, action: Any, kind: Any, targets: Any, strength: Any, position: Any,
                   queries: Any, segments: Any, surfaces: Any, starts: Any, ends: Any, *,
                   known: Mapping[str, Iterable[str]] | None = None) -> dict[str, Any]:
    """The editor's fields -> one rule dict; every field that cannot be read is reported at once
    (:class:`RuleFormError`). ``known`` = the shop's ids/brands/categories/segments by kind, to
    name the closest one when a typed target is unknown."""
    problems: dict[str, str] = {}
    rule: dict[str, Any] = {}

    def read(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except RuleFieldError as exc:
            problems[exc.field] = str(exc)
            return None

    verb = read(parse_action, action)
    kind_word = _text(kind).lower() or "products"
    key = TARGET_KINDS.get(kind_word, "item_ids")
    picked = read(parse_list, targets, "target") or []
    if not picked and "target" not in problems:
        problems["target"] = f"target: pick at least one of the shop's {kind_word}"
    if known and kind_word in known:
        for name in picked:
            _must_know(name, kind_word, known[kind_word], problems)
    if verb:
        rule["action"] = verb
        rule["target"] = {key: picked}
        if verb == "pin" and (key != "item_ids" or len(picked) != 1) and "target" not in problems:
            problems["target"] = "target: a pin places exactly one product; choose products and pick one"
        # strength is shown for boosts and buries only; pins and filters ignore what it holds
        mult = read(parse_strength, strength, verb) if verb in ("boost", "bury") else None
        if mult is not None:
            rule["multiplier"] = mult
        if verb == "pin":  # the position field is shown for pins only; other actions ignore it
            pos = read(parse_position, position)
            if pos is None and "position" not in problems:
                problems["position"] = "position: a pin needs a position (1 = first)"
            rule["position"] = pos
    scope: dict[str, list[str]] = {}
    for field, found in (("queries", read(parse_list, queries, "queries")),
                         ("segments", read(parse_list, segments, "segments")),
                         ("surfaces", read(parse_surfaces, surfaces))):
        if found:
            scope[field] = found
    if known and "segments" in known:
        for name in scope.get("segments", []):
            _must_know(name, "segments", known["segments"], problems)
    if scope:
        rule["scope"] = scope
    dates = read(parse_dates, starts, ends)
    if dates:
        rule.update({k: v.isoformat() for k, v in zip(("starts", "ends"), dates, strict=True) if v})
    name = _text(rule_id)
    rule["id"] = read(parse_rule_id, name) if name else auto_id(verb or "rule", picked)
    if problems:
        raise RuleFormError({f: problems[f] for f in (*FORM_FIELDS, *problems) if f in problems})
    return {"id": rule.pop("id"), **rule}


def _must_know(name: str, kind: str, known: Iterable[str], problems: dict[str, str]) -> None:
    options = list(known)
    if name in options or name.lower() in {o.lower() for o in options}:
        return
    field = "segments" if kind == "segments" else "target"
    close = difflib.get_close_matches(name, options, n=3)
    hint = f"; closest: {', '.join(close)}" if close else ""
    problems.setdefault(field, f"{field}: {_shown(name)} is not one of the shop's {kind}{hint}")


# ---- the editor on screen ------------------------------------------------------------------------
def shop_choices(service: Any) -> dict[str, list[Any]]:
    """The editor's choices from the shop: products as ("Title (P00012)", id), brands, categories
    (every level of each path) and customer segments by name ([] for what is not built)."""
    from recsys_core.errors import ShelfwiseError

    out: dict[str, list[Any]] = {"products": [], "brands": [], "categories": [], "segments": []}
    try:
        products = service.products
        titles = products["title"].astype("string").fillna("")
        out["products"] = sorted(((f"{t} ({i})" if t else str(i), str(i)) for i, t in titles.items()),
                                 key=lambda c: c[0].lower())
        out["brands"] = sorted({str(b) for b in products["brand"].dropna() if str(b).strip()}, key=str.lower)
        paths = {str(c) for c in products["category"].dropna() if str(c).strip()}
        levels = {" > ".join(p.split(" > ")[:n]) for p in paths for n in range(1, p.count(" > ") + 2)}
        out["categories"] = sorted(levels)
    except ShelfwiseError:
        pass
    try:
        table = service.strategy.segment_table()
        out["segments"] = [str(n) for n in table["name"]] if "name" in table else []
    except ShelfwiseError:
        pass
    return out


def known_values(choices: Mapping[str, list[Any]]) -> dict[str, list[str]]:
    """Choice lists -> the plain values a form field may hold, by kind (for "closest" hints)."""
    return {k: [str(c[1]) if isinstance(c, tuple) else str(c) for c in v] for k, v in choices.items() if v}


class RuleEditor:
    """The "Add or change a rule" form: its components, in :data:`FORM_FIELDS` order as
    ``inputs`` (after the target kind), one message line per field and a status line.

    Component ids: rule-id, rule-action, rule-target-kind, rule-target, rule-strength,
    rule-position, rule-queries, rule-segments, rule-surfaces, rule-starts, rule-ends, rule-add,
    rule-status, and rule-<field>-msg for each field's message."""

    def __init__(self) -> None:
        import gradio as gr

        def message(field: str) -> Any:
            return gr.Markdown(visible=False, elem_id=f"rule-{field}-msg", elem_classes=["lab-field-error"])

        self.messages: dict[str, Any] = {}
        with gr.Accordion("Add or change a rule", open=True, elem_id="rule-editor"):
            gr.Markdown("Pick what the rule does and to what; **Add to rule set** puts it in the table below "
                        "(a rule with the same id is replaced). Leave the scope empty to apply it everywhere.")
            with gr.Row():
                with gr.Column(scale=1, min_width=160):
                    self.action = gr.Dropdown(list(ACTIONS), value="boost", label="Action", elem_id="rule-action")
                    self.messages["action"] = message("action")
                with gr.Column(scale=1, min_width=160):
                    self.kind = gr.Radio(list(TARGET_KINDS), value="brands", label="Act on", elem_id="rule-target-kind")
                with gr.Column(scale=3):
                    self.target = gr.Dropdown(choices=[], value=[], multiselect=True, filterable=True,
                                              label="Target (type to search)", elem_id="rule-target")
                    self.messages["target"] = message("target")
            with gr.Row():
                with gr.Column():
                    self.strength = gr.Textbox(label="Strength", placeholder="x1.2, +20% or -30%", max_length=40,
                                               elem_id="rule-strength")
                    self.messages["strength"] = message("strength")
                with gr.Column():
                    self.position = gr.Number(label="Position (1 = first)", value=None, precision=0, visible=False,
                                              elem_id="rule-position")
                    self.messages["position"] = message("position")
                with gr.Column():
                    self.rule_id = gr.Textbox(label="Rule id (optional)", placeholder="named for you, e.g. boost-northpeak",
                                              max_length=100, elem_id="rule-id")
                    self.messages["id"] = message("id")
            with gr.Row():
                with gr.Column():
                    self.queries = gr.Textbox(label="Only for searches containing (comma-separated)",
                                              placeholder="e.g. tent, sleeping bag", max_length=1000,
                                              elem_id="rule-queries")
                    self.messages["queries"] = message("queries")
                with gr.Column():
                    self.segments = gr.Dropdown(choices=[], value=[], multiselect=True, label="Only for customer segments",
                                                elem_id="rule-segments")
                    self.messages["segments"] = message("segments")
                with gr.Column():
                    self.surfaces = gr.CheckboxGroup(["search", "recommendations"], value=[], label="Only on",
                                                     elem_id="rule-surfaces")
                    self.messages["surfaces"] = message("surfaces")
            with gr.Row():
                with gr.Column():
                    self.starts = gr.Textbox(label="Starts (YYYY-MM-DD, optional)", placeholder="2026-12-01",
                                             max_length=40, elem_id="rule-starts")
                    self.messages["starts"] = message("starts")
                with gr.Column():
                    self.ends = gr.Textbox(label="Ends (YYYY-MM-DD, optional, inclusive)", placeholder="2026-12-24",
                                           max_length=40, elem_id="rule-ends")
                    self.messages["ends"] = message("ends")
            with gr.Row():
                self.add = gr.Button("Add to rule set", variant="secondary", elem_id="rule-add", scale=0, min_width=180)
                self.status = gr.Markdown(elem_id="rule-status")
        self.inputs = [self.rule_id, self.action, self.kind, self.target, self.strength, self.position, self.queries,
                       self.segments, self.surfaces, self.starts, self.ends]
        self.message_list = [self.messages[f] for f in FORM_FIELDS]
        self.choices: dict[str, list[Any]] = {}
        self.action.change(self.on_action, self.action, [self.strength, self.position])

    @staticmethod
    def show(text: str = "") -> Any:
        import gradio as gr

        return gr.Markdown(value=f"⚠ {text}" if text else "", visible=bool(text))

    def field_messages(self, problems: Mapping[str, str] | None = None) -> list[Any]:
        return [self.show((problems or {}).get(f, "")) for f in FORM_FIELDS]

    @staticmethod
    def on_action(action: str | None) -> tuple[Any, Any]:
        """Strength for boosts and buries, a position for pins, neither for filters."""
        import gradio as gr

        hint = "-30% or x0.7 (empty: below every other result)" if action == "bury" else "x1.2, +20% or -30%"
        return (gr.Textbox(visible=action in ("boost", "bury"), placeholder=hint),
                gr.Number(visible=action == "pin"))

    def target_update(self, kind: str | None) -> Any:
        import gradio as gr

        return gr.Dropdown(choices=self.choices.get(kind or "brands", []), value=[])

    def loaded(self, choices: dict[str, list[Any]], kind: str | None) -> tuple[Any, Any]:
        """Updates of the target and segment pickers once the shop's choices are read."""
        import gradio as gr

        self.choices = choices
        return self.target_update(kind), gr.Dropdown(choices=choices.get("segments", []), value=[])
