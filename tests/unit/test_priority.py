"""Priority formula (core.priority)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from sos_qgis_plugin.core.priority import (
    WEIGHT_NAMES,
    PriorityWeights,
    break_down_priority,
    compute_priority,
    explain_priority,
)
from sos_qgis_plugin.core.statuses import URGENCIES

NOW = datetime(2025, 11, 20, 12, 0, tzinfo=timezone.utc)


def case(**changes) -> dict:
    values = {
        "status": "needs_help",
        "urgency": "medium",
        "people_count": 3,
        "household_count": None,
        "has_children": False,
        "has_elderly": False,
        "has_disabilities": False,
        "created_at": NOW - timedelta(hours=2),
        "in_flood": False,
        "in_landslide_zone": False,
        "now": NOW,
    }
    values.update(changes)
    return values


def score(**changes) -> float:
    return compute_priority(**case(**changes))


HIGHEST = {
    "urgency": "critical",
    "people_count": 50,
    "has_children": True,
    "has_elderly": True,
    "has_disabilities": True,
    "created_at": NOW - timedelta(hours=48),
    "in_flood": True,
    "in_landslide_zone": True,
}
LOWEST = {"urgency": "low", "people_count": 0, "created_at": NOW}


@pytest.mark.parametrize("status", ["supported", "unreachable", "duplicate"])
def test_closed_scores_zero(status):
    assert score(status=status, **HIGHEST) == 0.0


def test_in_progress_scored():
    assert score(status="in_progress") == score(status="needs_help")


def test_unknown_status_raises():
    with pytest.raises(ValueError):
        score(status="done")


def test_unknown_urgency_raises():
    with pytest.raises(ValueError):
        score(urgency="urgent")


def test_highest_is_100():
    assert score(**HIGHEST) == 100.0


def test_lowest_open_value():
    # Only the urgency factor of "low" (0.15) contributes, with weight 30 of 100.
    assert score(**LOWEST) == 4.5


def test_default_case_value():
    # medium 0.4*30 + people log(4)/log(51)*20 + waiting 2/48*15
    assert score() == pytest.approx(12.0 + 7.05 + 0.625, abs=0.06)


def test_urgency_order():
    scores = [score(urgency=urgency) for urgency in URGENCIES]
    assert scores == sorted(scores)


def test_urgency_strictly_increasing():
    scores = [score(urgency=urgency) for urgency in URGENCIES]
    assert len(set(scores)) == len(scores)


def test_unknown_urgency_as_medium():
    assert score(urgency=None) == score(urgency="medium")


def test_more_people_higher():
    assert score(people_count=6) > score(people_count=2)


def test_people_capped():
    assert score(people_count=500) == score(people_count=50)


def test_households_times_four():
    assert score(people_count=None, household_count=2) == score(people_count=8)


def test_people_count_wins_over_households():
    assert score(people_count=2, household_count=5) == score(people_count=2)


def test_unknown_people_as_one():
    assert score(people_count=None, household_count=None) == score(people_count=1)


@pytest.mark.parametrize("flag", ["has_children", "has_elderly", "has_disabilities"])
def test_vulnerable_raises_score(flag):
    assert score(**{flag: True}) > score()


def test_vulnerable_adds_up():
    assert score(has_children=True, has_elderly=True) > score(has_children=True)


def test_flood_raises_score():
    assert score(in_flood=True) > score(in_flood=False)


def test_landslide_raises_score():
    assert score(in_landslide_zone=True) > score(in_landslide_zone=False)


def test_unknown_hazard_not_safe():
    assert score(in_flood=None, in_landslide_zone=None) > score(in_flood=False, in_landslide_zone=False)


def test_unknown_hazard_below_known():
    assert score(in_flood=None, in_landslide_zone=None) < score(in_flood=True)


def test_unknown_hazard_half_weight():
    difference = score(in_flood=None, in_landslide_zone=None) - score()
    assert difference == pytest.approx(10.0, abs=0.1)


def test_longer_wait_higher():
    assert score(created_at=NOW - timedelta(hours=14)) > score(created_at=NOW - timedelta(hours=2))


def test_wait_capped():
    assert score(created_at=NOW - timedelta(days=10)) == score(created_at=NOW - timedelta(hours=48))


def test_future_created_at_no_wait():
    assert score(created_at=NOW + timedelta(hours=3)) == score(created_at=NOW)


def test_other_zone_same_score():
    vietnam = timezone(timedelta(hours=7))
    assert score(created_at=(NOW - timedelta(hours=5)).astimezone(vietnam)) == score(
        created_at=NOW - timedelta(hours=5)
    )


def test_monotonic_grid():
    """Raising any single input never lowers the score, over a grid of the other inputs."""
    ordered_inputs = {
        "urgency": ["low", "medium", "high", "critical"],
        "people_count": [0, 1, 4, 20, 80],
        "has_elderly": [False, True],
        "in_flood": [False, None, True],
        "in_landslide_zone": [False, None, True],
        "created_at": [NOW - timedelta(hours=hours) for hours in (0, 5, 30, 60)],
    }
    names = list(ordered_inputs)
    for values in itertools.product(*(range(len(ordered_inputs[name])) for name in names)):
        base = {name: ordered_inputs[name][index] for name, index in zip(names, values)}
        for position, name in enumerate(names):
            if values[position] + 1 < len(ordered_inputs[name]):
                raised = dict(base, **{name: ordered_inputs[name][values[position] + 1]})
                assert score(**raised) >= score(**base), (name, base)


def test_custom_weights_only_waiting():
    weights = PriorityWeights(urgency=0, people=0, vulnerable=0, hazard=0, waiting=1)
    values = case(created_at=NOW - timedelta(hours=24))
    assert compute_priority(**values, weights=weights) == 50.0


def test_weights_scaled_to_100():
    weights = PriorityWeights(urgency=3, people=2, vulnerable=1.5, hazard=2, waiting=1.5)
    assert compute_priority(**case(), weights=weights) == score()


def test_negative_weight_rejected():
    with pytest.raises(ValueError):
        PriorityWeights(urgency=-1)


def test_zero_weights_rejected():
    with pytest.raises(ValueError):
        PriorityWeights(urgency=0, people=0, vulnerable=0, hazard=0, waiting=0)


def test_unknown_hazard_fraction_bounds():
    with pytest.raises(ValueError):
        PriorityWeights(unknown_hazard_fraction=1.5)


def test_explain_example():
    reasons = explain_priority(
        **case(
            urgency="critical",
            people_count=6,
            has_elderly=True,
            in_flood=True,
            created_at=NOW - timedelta(hours=14, minutes=40),
        )
    )
    assert reasons == ["critical", "6 people", "elderly", "in flood", "waiting 14 h"]


def test_explain_households():
    reasons = explain_priority(**case(people_count=None, household_count=2))
    assert reasons[1] == "8 people from 2 households"


def test_explain_one_household():
    reasons = explain_priority(**case(people_count=None, household_count=1))
    assert reasons[1] == "4 people from 1 household"


def test_explain_unknown_people():
    assert explain_priority(**case(people_count=None))[1] == "people unknown"


def test_explain_one_person():
    assert explain_priority(**case(people_count=1))[1] == "1 person"


def test_explain_unknown_urgency():
    assert explain_priority(**case(urgency=None))[0] == "urgency unknown"


def test_explain_unknown_hazards():
    reasons = explain_priority(**case(in_flood=None, in_landslide_zone=None))
    assert reasons[-3:-1] == ["flood unknown", "landslide unknown"]


def test_explain_landslide():
    assert "in landslide zone" in explain_priority(**case(in_landslide_zone=True))


def test_explain_minutes():
    assert explain_priority(**case(created_at=NOW - timedelta(minutes=35)))[-1] == "waiting 35 min"


def test_explain_closed():
    assert explain_priority(**case(status="supported")) == ["closed: supported"]


def test_breakdown_sums_to_score():
    breakdown = break_down_priority(**case(urgency="critical", people_count=6, has_elderly=True))
    assert breakdown.score == score(urgency="critical", people_count=6, has_elderly=True)
    assert round(sum(breakdown.points.values()), 1) == breakdown.score


def test_breakdown_points_default_case():
    points = break_down_priority(**case(in_flood=True)).points
    assert points["urgency"] == pytest.approx(12.0)
    assert points["hazard"] == pytest.approx(20.0)
    assert points["vulnerable"] == 0.0


def test_breakdown_closed_case():
    breakdown = break_down_priority(**case(status="duplicate", **HIGHEST))
    assert breakdown.score == 0.0
    assert breakdown.points == dict.fromkeys(WEIGHT_NAMES, 0.0)


def test_breakdown_people_source():
    breakdown = break_down_priority(**case(people_count=None, household_count=3))
    assert breakdown.people_estimate == 12
    assert breakdown.people_source == "households"


def test_breakdown_follows_weights():
    weights = PriorityWeights(urgency=0, people=0, vulnerable=0, hazard=1, waiting=0)
    points = break_down_priority(**case(in_flood=True), weights=weights).points
    assert points["hazard"] == 100.0
