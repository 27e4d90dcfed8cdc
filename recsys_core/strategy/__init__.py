"""Strategy engine: trends, segments, price and stock signals, business rules, re-ranking, what-if.

Every figure comes from the shop's own data, with its uncertainty where one applies.
"""

from recsys_core.strategy.abtest import (
    ABPlan,
    bootstrap_sum_ci,
    plan_test,
    sample_size_mean,
    sample_size_proportion,
)
from recsys_core.strategy.analytics import run_strategy_analytics
from recsys_core.strategy.anomalies import discount_windows, find_anomalies, window_lift
from recsys_core.strategy.bundles import frequently_bought_together
from recsys_core.strategy.clickmodel import PositionBiasModel, logged_lists, purchase_rates
from recsys_core.strategy.engine import StrategyEngine, boost_change
from recsys_core.strategy.errors import (
    InsufficientDataError,
    RuleError,
    RulesStoreError,
    StrategyError,
)
from recsys_core.strategy.exposure import exposure_audit, gini, item_exposure
from recsys_core.strategy.insights import insight_cards
from recsys_core.strategy.inventory import inventory_signals, slow_movers
from recsys_core.strategy.lint import LintFinding, lint_rules, popularity_rank_fn
from recsys_core.strategy.pricing import item_week_sales, price_elasticity
from recsys_core.strategy.proposals import Proposal, proposals_table, propose
from recsys_core.strategy.rankers import (
    FunctionRanker,
    ListContext,
    LoggedRanker,
    Ranker,
    RecommenderRanker,
    SearchRanker,
)
from recsys_core.strategy.rerank import ItemFacts, RerankWeights, rerank
from recsys_core.strategy.rule_hooks import SearchRulesHook
from recsys_core.strategy.rules import (
    ProductLookup,
    Rule,
    RuleContext,
    RuleEffect,
    RuleOutcome,
    RuleSet,
    Scope,
    Target,
    apply_rules,
)
from recsys_core.strategy.rules_store import (
    dump_rules,
    load_rules,
    load_rules_file,
    parse_rules,
    save_rules,
)
from recsys_core.strategy.rules_store import history as rules_history
from recsys_core.strategy.segments import Segment, SegmentModel, category_draws
from recsys_core.strategy.series import MEASURES, daily_series, weekly_bins
from recsys_core.strategy.trend_report import TrendReport, trend_report
from recsys_core.strategy.trends import (
    growth_of,
    growth_table,
    rising_falling,
    weekday_profile,
    weekly_profile,
)
from recsys_core.strategy.whatif import Change, ReplaySetup, WhatIfReport, prepare_replay, replay

__all__ = [
    "ABPlan",
    "Change",
    "FunctionRanker",
    "InsufficientDataError",
    "ItemFacts",
    "LintFinding",
    "ListContext",
    "LoggedRanker",
    "MEASURES",
    "PositionBiasModel",
    "ProductLookup",
    "Proposal",
    "Ranker",
    "RecommenderRanker",
    "ReplaySetup",
    "RerankWeights",
    "Rule",
    "RuleContext",
    "RuleEffect",
    "RuleError",
    "RuleOutcome",
    "RuleSet",
    "RulesStoreError",
    "Scope",
    "SearchRanker",
    "SearchRulesHook",
    "Segment",
    "StrategyEngine",
    "SegmentModel",
    "StrategyError",
    "Target",
    "TrendReport",
    "WhatIfReport",
    "apply_rules",
    "boost_change",
    "bootstrap_sum_ci",
    "category_draws",
    "daily_series",
    "discount_windows",
    "dump_rules",
    "exposure_audit",
    "find_anomalies",
    "frequently_bought_together",
    "gini",
    "insight_cards",
    "growth_of",
    "growth_table",
    "inventory_signals",
    "item_exposure",
    "item_week_sales",
    "lint_rules",
    "load_rules",
    "load_rules_file",
    "logged_lists",
    "parse_rules",
    "plan_test",
    "popularity_rank_fn",
    "prepare_replay",
    "price_elasticity",
    "proposals_table",
    "propose",
    "purchase_rates",
    "replay",
    "rerank",
    "rising_falling",
    "rules_history",
    "run_strategy_analytics",
    "sample_size_mean",
    "sample_size_proportion",
    "save_rules",
    "slow_movers",
    "trend_report",
    "weekday_profile",
    "weekly_bins",
    "weekly_profile",
    "window_lift",
]
