"""The statistics behind experiments: team-draft interleaving, salted-hash assignment, the SRM
check, CUPED, test planning from the replay (on the demo shop), and the live analysis of an
experiment's events. False-positive rates are checked by simulation under no true effect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy import stats

from recsys_core.strategy.experiments import (
    CONTROL,
    TREATMENT,
    Experiment,
    ExperimentError,
    ab_test,
    analyse,
    analyse_experiment,
    assign,
    credit,
    enrolled,
    fit_cuped,
    outcome,
    plan_experiment,
    simulate_interleaving,
    srm_p_value,
    team_draft,
)
from tests.strategy_demo import demo_shop


def _band(sims: int, alpha: float) -> tuple[float, float]:
    """The 99.9 % binomial band of a rejection rate ``alpha`` over ``sims`` experiments."""
    lo, hi = stats.binom.ppf([0.0005, 0.9995], sims, alpha)
    return lo / sims, hi / sims


# ---- team draft ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(20))
def test_team_draft_mixes_both_rankings_fairly(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pool = [f"i{n}" for n in range(15)]
    a = list(rng.permutation(pool)[:10])
    b = list(rng.permutation(pool)[:10])
    mixed, sides = team_draft(a, b, 10, rng)
    assert len(mixed) == 10 and len(set(mixed)) == 10 and len(sides) == 10
    assert abs(sides.count(CONTROL) - sides.count(TREATMENT)) <= 1  # the teams take turns
    for side, ranking in ((CONTROL, a), (TREATMENT, b)):
        picked = [i for i, s in zip(mixed, sides, strict=True) if s == side]
        assert all(i in ranking for i in picked)
        assert picked == sorted(picked, key=ranking.index)  # each team keeps its own order
    # every item of either top-1 is in the mixed list, as high as a fair draft allows
    assert a[0] in mixed[:2] and b[0] in mixed[:2]


def test_team_draft_of_one_ranking_with_itself_shows_it_unchanged() -> None:
    ranking = [f"i{n}" for n in range(8)]
    mixed, sides = team_draft(ranking, ranking, 8, np.random.default_rng(1))
    assert mixed == ranking and set(sides) <= {CONTROL, TREATMENT}


def test_team_draft_fills_from_the_other_side_when_one_runs_out() -> None:
    mixed, sides = team_draft(["x"], ["y", "z", "w"], 4, np.random.default_rng(0))
    assert sorted(mixed) == ["w", "x", "y", "z"] and sides.count(CONTROL) == 1


def test_credit_and_outcome() -> None:
    sides = [TREATMENT, CONTROL, TREATMENT, CONTROL]
    assert credit(sides, [0, 2]) == (0, 2) and outcome(0, 2) == 1
    assert credit(sides, [1]) == (1, 0) and outcome(1, 0) == -1
    assert credit(sides, [0, 1, 9]) == (1, 1) and outcome(1, 1) == 0  # a position outside the list is ignored


def test_analyse_finds_a_clear_preference_and_none_in_noise() -> None:
    rng = np.random.default_rng(0)
    clear = analyse(rng.choice([1, 0, -1], p=[0.3, 0.5, 0.2], size=3000))
    assert clear.significant and clear.winner() == "treatment" and clear.ci_low > 0
    assert clear.treatment_wins + clear.control_wins + clear.ties == clear.sessions == 3000
    assert analyse([0] * 50).winner() is None and analyse([]).p_value == 1.0


# ---- assignment and SRM ----------------------------------------------------------------------
def test_salted_hash_assignment_is_stable_balanced_and_independent_across_experiments() -> None:
    users = [f"U{n:05d}" for n in range(20000)]
    arms = [assign("salt-1", u) for u in users]
    assert arms == [assign("salt-1", u) for u in users]  # the same arm on every request
    treated = arms.count(TREATMENT)
    assert srm_p_value([len(users) - treated, treated], [0.5, 0.5]) > 0.001
    share = np.mean([enrolled("salt-1", u, 0.3) for u in users])
    assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / len(users))
    other = [assign("salt-2", u) for u in users]
    agree = np.mean([x == y for x, y in zip(arms, other, strict=True)])
    assert abs(agree - 0.5) < 0.02  # a new salt reshuffles: no carry-over between experiments
    enrolled_arms = [assign("salt-1", u) for u in users if enrolled("salt-1", u, 0.3)]
    assert abs(enrolled_arms.count(TREATMENT) / len(enrolled_arms) - 0.5) < 0.03  # traffic cut is independent of arm


def test_srm_check_flags_a_broken_split() -> None:
    assert srm_p_value([5000, 5000], [0.5, 0.5]) == pytest.approx(1.0)
    assert srm_p_value([5000, 5400], [0.5, 0.5]) < 0.001
    assert srm_p_value([0, 0], [0.5, 0.5]) == 1.0


# ---- CUPED -----------------------------------------------------------------------------------
def test_cuped_removes_the_variance_its_covariate_explains() -> None:
    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, 10.0, size=4000)
    y = 0.8 * x + rng.normal(0, 10, size=4000)
    rho2 = np.corrcoef(x, y)[0, 1] ** 2
    fit = fit_cuped(y, x)
    assert fit.variance_reduction == pytest.approx(rho2, abs=0.01)
    assert fit.adjust(y, x).var() == pytest.approx(y.var() * (1 - rho2), rel=0.02)
    treated = rng.random(4000) < 0.5
    y_eff = y + 2.0 * treated
    plain, cuped = ab_test("m", y_eff, treated), ab_test("m", y_eff, treated, x)
    assert cuped.ci_high - cuped.ci_low < 0.75 * (plain.ci_high - plain.ci_low)
    assert cuped.ci_low < 2.0 < cuped.ci_high and cuped.cuped and not plain.cuped
    assert fit_cuped(y, np.zeros_like(x)).variance_reduction == 0.0  # a flat covariate explains nothing


def test_ab_and_cuped_false_positive_rate_stays_at_alpha() -> None:
    """A/A tests on heavy-tailed per-user revenue: each test rejects at its alpha."""
    rng = np.random.default_rng(1)
    sims, alpha = 600, 0.05
    rejected = {"ab": 0, "cuped": 0}
    for _ in range(sims):
        x = rng.lognormal(2.0, 1.0, size=800) * (rng.random(800) < 0.4)
        y = 0.5 * x + rng.lognormal(1.5, 1.0, size=800) * (rng.random(800) < 0.3)
        treated = rng.random(800) < 0.5
        rejected["ab"] += ab_test("revenue", y, treated, alpha=alpha).significant
        rejected["cuped"] += ab_test("revenue", y, treated, x, alpha=alpha).significant
    lo, hi = _band(sims, alpha)
    for method, n in rejected.items():
        assert lo <= n / sims <= hi, f"{method}: false positive rate {n / sims:.3f} outside [{lo:.3f}, {hi:.3f}]"


# ---- planning on the demo shop ----------------------------------------------------------------
@pytest.fixture(scope="module")
def replay_setup():  # type: ignore[no-untyped-def]
    from recsys_core.strategy.whatif import prepare_replay

    shop, _ = demo_shop()
    return shop, prepare_replay(shop, days=30)


def _attractive_items(setup, best: bool) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    attr = setup.model.attractiveness_
    rec = attr[attr.index.str.startswith("recommendations|")].sort_values(ascending=not best)
    return tuple(i.split("|", 1)[1] for i in rec.index[:150])


def _boost(items: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from recsys_core.strategy import Change, Rule, RuleSet, Scope, Target

    rule = Rule(id="x", action="boost", target=Target(item_ids=items), multiplier=5.0,
                scope=Scope(surfaces=("recommendations",)))
    return Change("boost", rules=RuleSet(rules=(rule,)))


def test_interleaving_simulation_prefers_the_ranking_that_shows_attractive_items_first(replay_setup) -> None:  # type: ignore[no-untyped-def]
    from recsys_core.strategy.whatif import Change

    _, setup = replay_setup
    better = simulate_interleaving(setup, _boost(_attractive_items(setup, True)), max_sessions=600, draws=8)
    worse = simulate_interleaving(setup, _boost(_attractive_items(setup, False)), max_sessions=600, draws=8)
    same = simulate_interleaving(setup, Change("nothing"), max_sessions=600, draws=8)
    assert better.changed.any() and better.preference > 0 > worse.preference
    se = np.sqrt(same.variance / same.p_win.size)
    assert abs(same.preference) < 4 * se and not same.changed.any()
    assert better.sessions_needed() is not None and better.sessions_needed() > 0
    assert ((better.p_win >= 0) & (better.p_win + better.p_loss <= 1 + 1e-9)).all()


def test_interleaving_false_positive_rate_stays_at_alpha(replay_setup) -> None:  # type: ignore[no-untyped-def]
    """Interleaving a ranking with itself: the preference test rejects at its alpha."""
    from recsys_core.strategy.whatif import Change

    _, setup = replay_setup
    same = simulate_interleaving(setup, Change("nothing"), max_sessions=800, draws=16)
    rng = np.random.default_rng(2)
    sims, alpha = 600, 0.05
    rejected = sum(analyse(same.sample(1000, rng), alpha=alpha).significant for _ in range(sims))
    lo, hi = _band(sims, alpha)
    assert lo <= rejected / sims <= hi


def test_plan_gives_sessions_and_days_for_each_method(replay_setup) -> None:  # type: ignore[no-untyped-def]
    from recsys_core.strategy.whatif import replay

    shop, setup = replay_setup
    change = _boost(_attractive_items(setup, True))
    report = replay(shop, change, setup=setup, n_boot=100)
    plan = plan_experiment(shop, setup, report, change, max_sessions=600, draws=8)
    assert plan.interleaving_sessions and plan.ab_sessions and plan.cuped_sessions and plan.ab_sessions_clicks
    assert plan.cuped_sessions <= plan.ab_sessions and 0 <= plan.cuped_variance_reduction < 1
    assert plan.interleaving_sessions < plan.ab_sessions_clicks  # a ranking change: interleaving is more sensitive
    assert all(plan.days[m] >= 7 for m in ("ab", "cuped", "interleaving"))  # at least a full week
    assert plan.days["ab"] >= plan.traffic_days["ab"]
    assert "interleaving" in plan.describe() and "CUPED" in plan.describe()


# ---- live analysis -----------------------------------------------------------------------------
def _experiment(method: str, started: datetime, **kw) -> Experiment:  # type: ignore[no-untyped-def]
    return Experiment(name="t", method=method, traffic=1.0, rules=[{"id": "r", "action": "boost",
                      "target": {"brands": ["B"]}, "multiplier": 2}], started_at=started.isoformat(), **kw)


def _impressions(iid: str, user: str, when: datetime, items: list[str], sides: list[str]) -> list[dict]:  # type: ignore[type-arg]
    return [{"user_id": user, "item_id": i, "type": "impression", "timestamp": when.isoformat(), "position": p,
             "impression_id": iid, "experiment": "t", "side": s} for p, (i, s) in enumerate(zip(items, sides, strict=True))]


def test_live_interleaving_credits_clicks_by_impression_id_or_recent_list() -> None:
    import pandas as pd

    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows = []
    rows += _impressions("l1", "u1", start + timedelta(hours=1), ["a", "b", "c"], ["B", "A", "B"])
    rows += _impressions("l2", "u2", start + timedelta(hours=2), ["a", "b", "c"], ["A", "B", "A"])
    rows += _impressions("l3", "u3", start + timedelta(hours=3), ["a", "b"], ["A", "B"])
    rows += [{"user_id": "u1", "item_id": "a", "type": "click", "timestamp": (start + timedelta(hours=1, minutes=1)).isoformat(),
              "impression_id": "l1"},
             # no impression id: the user's latest list with the item within 30 minutes
             {"user_id": "u2", "item_id": "a", "type": "click", "timestamp": (start + timedelta(hours=2, minutes=5)).isoformat()},
             # too late for any list: not credited
             {"user_id": "u3", "item_id": "b", "type": "click", "timestamp": (start + timedelta(hours=5)).isoformat()}]
    exp = _experiment("interleaving", start)
    out = analyse_experiment(exp, rows, store_events=pd.DataFrame(columns=["timestamp"]), prices={},
                             now=start + timedelta(days=3))
    inter = out["interleaving"]
    assert out["impressions"] == 3 and inter["sessions"] == 3
    assert (inter["treatment_wins"], inter["control_wins"], inter["ties"]) == (1, 1, 1)
    assert out["decision"].startswith("keep running") and not out["final"]  # 3 of at least 7 days
    later = analyse_experiment(exp, rows, store_events=pd.DataFrame(columns=["timestamp"]), prices={},
                               now=start + timedelta(days=8))
    assert later["final"] and "no significant difference" in later["decision"]
    exp.status, exp.stopped_at = "stopped", (start + timedelta(days=2)).isoformat()
    stopped = analyse_experiment(exp, rows, store_events=pd.DataFrame(columns=["timestamp"]), prices={},
                                 now=start + timedelta(days=30))
    assert stopped["days_running"] == 2.0 and stopped["decision"].startswith("stopped early")


def test_live_ab_reports_cuped_and_blocks_a_decision_on_sample_ratio_mismatch() -> None:
    import pandas as pd

    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows, pre = [], []
    rng = np.random.default_rng(0)
    for n in range(400):
        user = f"u{n}"
        arm = "A" if n < 260 else "B"  # 260 vs 140: a broken split
        rows += _impressions(f"l{n}", user, start + timedelta(hours=1), ["a"], [arm])
        if rng.random() < 0.3:
            rows.append({"user_id": user, "item_id": "a", "type": "purchase",
                         "timestamp": (start + timedelta(hours=2)).isoformat()})
        pre.append({"user_id": user, "session_id": f"s{n}", "type": "click", "item_id": "a",
                    "timestamp": pd.Timestamp(start - timedelta(days=3)), "quantity": 1, "unit_price": 10.0})
    out = analyse_experiment(_experiment("ab", start), rows, store_events=pd.DataFrame(pre), prices={"a": 10.0},
                             now=start + timedelta(days=10))
    assert out["users"] == {"control": 260, "treatment": 140} and out["srm_p_value"] < 0.001
    assert out["decision"].startswith("sample ratio mismatch") and not out["final"]
    revenue = out["metrics"]["revenue"]
    assert revenue["ab"]["users_control"] == 260 and revenue["cuped"]["cuped"]


def test_experiment_settings_are_checked() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(ExperimentError, match="method"):
        _experiment("bandit", start)
    with pytest.raises(ExperimentError, match="name"):
        Experiment(name="Bad Name!", method="ab", traffic=0.5, rules=[])
    with pytest.raises(ExperimentError, match="traffic"):
        Experiment(name="ok", method="ab", traffic=0.0, rules=[])
