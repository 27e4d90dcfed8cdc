"""Versioned rules store in the workspace (``W/rules/``): current file, every past version, log.

Layout: ``rules.yaml`` (the live rules), ``history/v0001.yaml``... (every saved version) and
``history.jsonl`` (version, time, message, content hash). Writes are atomic
(``recsys_core.workspace.atomic_write_text``) under the workspace's ``rules`` lock, so readers
never see half a file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from filelock import FileLock, Timeout
from pydantic import ValidationError

from recsys_core.strategy.errors import RuleError, RulesStoreError
from recsys_core.strategy.rules import Rule, RuleSet
from recsys_core.workspace import Workspace, atomic_write_text

CURRENT = "rules.yaml"


def rules_dir(workspace: str | Path) -> Path:
    return Workspace(workspace).rules_dir


def parse_rules(data: Any, source: str = "rules") -> RuleSet:
    """Validate a loaded YAML/JSON document; errors name the rule and field."""
    if data is None:
        data = {"rules": []}
    if isinstance(data, list):
        data = {"rules": data}
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise RuleError(f"{source}: {loc or 'document'}: {first['msg']} (fix the rules file and retry)") from exc


def load_rules_file(path: str | Path) -> RuleSet:
    """Read a rules file (``.yaml``/``.yml``/``.json``)."""
    p = Path(path)
    if not p.is_file():
        raise RuleError(f"rules file {str(p)!r} not found; give the path of a YAML or JSON rules file")
    text = p.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise RuleError(f"rules file {str(p)!r} is not valid {'JSON' if p.suffix.lower() == '.json' else 'YAML'}: {exc}") from exc
    return parse_rules(data, str(p))


def dump_rules(rules: RuleSet) -> str:
    data = rules.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("rules", [])
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _atomic_write(path: Path, text: str) -> None:
    atomic_write_text(path, text, mode=0o644)


def _lock(workspace: str | Path, timeout: float) -> FileLock:
    return Workspace(workspace).lock("rules", timeout=timeout)


def history(workspace: str | Path) -> list[dict[str, Any]]:
    """Saved versions, oldest first: version, saved_at, message, sha256, rules (count)."""
    log = rules_dir(workspace) / "history.jsonl"
    if not log.is_file():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def _save_locked(workspace: str | Path, rules: RuleSet, message: str) -> int:
    text = dump_rules(rules)
    past = history(workspace)
    version = (past[-1]["version"] + 1) if past else 1
    folder = rules_dir(workspace)
    _atomic_write(folder / "history" / f"v{version:04d}.yaml", text)
    entry = {"version": version, "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
             "message": message, "sha256": hashlib.sha256(text.encode()).hexdigest(),
             "rules": len(rules.rules)}
    log_text = "".join(json.dumps(e) + "\n" for e in [*past, entry])
    _atomic_write(folder / "history.jsonl", log_text)
    _atomic_write(folder / CURRENT, text)  # last: readers see the new version only when complete
    return version


def save_rules(workspace: str | Path, rules: RuleSet, message: str = "", *, timeout: float = 10.0) -> int:
    """Store ``rules`` as the new live version; returns its version number."""
    try:
        with _lock(workspace, timeout):
            return _save_locked(workspace, rules, message)
    except Timeout as exc:
        raise RulesStoreError(f"rules store {str(rules_dir(workspace))!r} is locked by another process; retry") from exc


def update_rules(workspace: str | Path, change: Callable[[RuleSet], RuleSet], message: str = "", *,
                 timeout: float = 10.0) -> tuple[int, RuleSet]:
    """Read the live rules, apply ``change`` and save the result, all under the store's lock,
    so two concurrent edits (say, upserts of different rules) both land; returns (version, rules)."""
    try:
        with _lock(workspace, timeout):
            rules = change(load_rules(workspace))
            return _save_locked(workspace, rules, message), rules
    except Timeout as exc:
        raise RulesStoreError(f"rules store {str(rules_dir(workspace))!r} is locked by another process; retry") from exc


def load_rules(workspace: str | Path, version: int | None = None) -> RuleSet:
    """The live rules (no file yet = no rules), or a past ``version``."""
    folder = rules_dir(workspace)
    if version is None:
        path = folder / CURRENT
        return load_rules_file(path) if path.is_file() else RuleSet()
    path = folder / "history" / f"v{version:04d}.yaml"
    if not path.is_file():
        known = [e["version"] for e in history(workspace)]
        raise RulesStoreError(f"rules version {version} not found in {str(folder)!r}; saved versions: {known or 'none'}")
    return load_rules_file(path)


# ---- comparing versions ------------------------------------------------------------------------
# a rule's fields in words, for "what changed" ("multiplier 1.2 -> 1.5")
FIELD_WORDS = {"target.item_ids": "target products", "target.brands": "target brands",
               "target.categories": "target categories", "target.attributes": "target attributes",
               "scope.queries": "search queries", "scope.categories": "page categories",
               "scope.segments": "customer segments", "scope.surfaces": "surfaces"}


def _flat(rule: Rule) -> dict[str, Any]:
    data = rule.model_dump(mode="json")
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("target", "scope"):
            for sub, inner in value.items():
                out[f"{key}.{sub}"] = inner
        elif key != "id":
            out[key] = value
    return out


def _words(value: Any) -> str:
    if value is None or value == [] or value == {} or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def rule_changes(before: Rule, after: Rule) -> list[str]:
    """What differs between two versions of a rule, in words: ["multiplier 1.2 -> 1.5", ...]."""
    old, new = _flat(before), _flat(after)
    return [f"{FIELD_WORDS.get(k, k)} {_words(old.get(k))} -> {_words(new.get(k))}"
            for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]


def diff_rules(before: RuleSet, after: RuleSet) -> dict[str, Any]:
    """Rules ``after`` adds to ``before``, changes (with what changed) and removes; ids kept
    unchanged are listed too. Rules are compared by id."""
    old = {r.id: r for r in before.rules}
    new = {r.id: r for r in after.rules}

    def dump(rule: Rule) -> dict[str, Any]:
        return rule.model_dump(mode="json", exclude_defaults=True)

    changed = [{"id": i, "changes": rule_changes(old[i], r), "before": dump(old[i]), "after": dump(r)}
               for i, r in new.items() if i in old and old[i] != r]
    return {"added": [dump(r) for i, r in new.items() if i not in old],
            "changed": changed,
            "removed": [dump(r) for i, r in old.items() if i not in new],
            "unchanged": [i for i, r in new.items() if i in old and old[i] == r]}
