"""The strategy package: public names pinned, light to import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import recsys_core.strategy

ROOT = Path(__file__).resolve().parents[1]

PUBLIC = [
    "ABPlan", "Change", "FunctionRanker", "InsufficientDataError", "ItemFacts", "LintFinding", "ListContext",
    "LoggedRanker", "MEASURES", "PositionBiasModel", "ProductLookup", "Proposal", "Ranker", "RecommenderRanker",
    "ReplaySetup", "RerankWeights", "Rule", "RuleContext", "RuleEffect", "RuleError", "RuleOutcome", "RuleSet",
    "RulesStoreError", "Scope", "SearchRanker", "SearchRulesHook", "Segment", "SegmentModel", "StrategyEngine", "StrategyError",
    "Target", "TrendReport", "WhatIfReport", "apply_rules", "boost_change", "bootstrap_sum_ci", "category_draws", "daily_series",
    "discount_windows", "dump_rules", "exposure_audit", "find_anomalies", "frequently_bought_together", "gini", "insight_cards",
    "growth_of", "growth_table", "inventory_signals", "item_exposure", "item_week_sales", "lint_rules",
    "load_rules", "load_rules_file", "logged_lists", "parse_rules", "plan_test", "popularity_rank_fn",
    "prepare_replay", "price_elasticity", "proposals_table", "propose", "purchase_rates",
    "replay", "rerank", "rising_falling", "rules_history", "run_strategy_analytics",
    "sample_size_mean", "sample_size_proportion", "save_rules", "slow_movers", "trend_report", "weekday_profile", "weekly_bins",
    "weekly_profile", "window_lift",
]


def test_public_names_are_pinned() -> None:
    assert sorted(recsys_core.strategy.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert hasattr(recsys_core.strategy, name), name


def test_import_is_light() -> None:
    heavy = ("torch", "chromadb", "gradio", "matplotlib", "plotly", "sklearn", "sentence_transformers")
    code = f"import sys, recsys_core.strategy; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""
