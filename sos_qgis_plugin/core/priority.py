"""Priority of a case, a score from 0 to 100 that ranks open cases for dispatch.

The formula and its default weights are documented in docs/priority.md:

    score = 100 * sum(weight_i * factor_i) / sum(weight_i)

with five factors between 0 and 1: urgency, people, vulnerable people, hazard and waiting time. Closed
cases (supported, unreachable, duplicate) score 0. Each factor is non-decreasing in its inputs, so more
urgency, more people, more vulnerable people, more hazard or a longer wait never lowers the score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from .statuses import OPEN_STATUSES, STATUSES, URGENCIES


def _default_urgency_factors() -> dict[str, float]:
    return {"low": 0.15, "medium": 0.4, "high": 0.7, "critical": 1.0}


@dataclass
class PriorityWeights:
    """Weights and scales of the priority formula. The defaults are the ones documented in docs/priority.md.

    The five weights may have any non-negative values with a positive sum, because the score is divided by
    their sum. `urgency_factors` must not decrease from low to critical, or the score stops being monotonic.
    """

    urgency: float = 30.0
    people: float = 20.0
    vulnerable: float = 15.0
    hazard: float = 20.0
    waiting: float = 15.0
    # Factor of each urgency level, and of a case whose urgency is unknown (the medium level).
    urgency_factors: dict[str, float] = field(default_factory=_default_urgency_factors)
    unknown_urgency_factor: float = 0.4
    # People counted when the case gives only households, and when it gives neither count.
    people_per_household: int = 4
    unknown_people: int = 1
    # The people factor grows with log(1 + people) and reaches 1 at this many people.
    people_cap: int = 50
    # Share of the hazard factor given when a hazard kind is unknown (not analysed or no location).
    unknown_hazard_fraction: float = 0.5
    # The waiting factor grows linearly and reaches 1 after this many hours.
    waiting_cap_hours: float = 48.0

    def __post_init__(self) -> None:
        weights = (self.urgency, self.people, self.vulnerable, self.hazard, self.waiting)
        if any(weight < 0 for weight in weights) or sum(weights) <= 0:
            raise ValueError(f"priority weights must be 0 or more with a positive sum, got {weights}")
        if self.people_cap < 1 or self.waiting_cap_hours <= 0:
            raise ValueError("people_cap must be at least 1 and waiting_cap_hours more than 0")
        if not 0.0 <= self.unknown_hazard_fraction <= 1.0:
            raise ValueError(
                f"unknown_hazard_fraction must be within 0..1, got {self.unknown_hazard_fraction}"
            )


@dataclass
class _Factors:
    urgency: float
    people: float
    people_estimate: int
    people_source: str
    vulnerable: float
    hazard: float
    waiting_hours: float
    waiting: float


def _people_estimate(
    people_count: int | None, household_count: int | None, weights: PriorityWeights
) -> tuple:
    """Return (people, source) where source is "people", "households" or "unknown"."""
    if people_count is not None:
        return people_count, "people"
    if household_count is not None:
        return household_count * weights.people_per_household, "households"
    return weights.unknown_people, "unknown"


def _hazard_factor(known: bool | None, unknown_fraction: float) -> float:
    if known is None:
        return unknown_fraction
    return 1.0 if known else 0.0


def _compute_factors(
    *,
    urgency: str | None,
    people_count: int | None,
    household_count: int | None,
    has_children: bool,
    has_elderly: bool,
    has_disabilities: bool,
    created_at: datetime,
    in_flood: bool | None,
    in_landslide_zone: bool | None,
    now: datetime,
    weights: PriorityWeights,
) -> _Factors:
    if urgency is not None and urgency not in URGENCIES:
        raise ValueError(f"unknown urgency {urgency!r}")
    urgency_factor = (
        weights.urgency_factors[urgency] if urgency is not None else weights.unknown_urgency_factor
    )

    people, source = _people_estimate(people_count, household_count, weights)
    people_factor = min(1.0, math.log1p(max(people, 0)) / math.log1p(weights.people_cap))

    vulnerable_factor = (int(has_children) + int(has_elderly) + int(has_disabilities)) / 3.0

    hazard_factor = max(
        _hazard_factor(in_flood, weights.unknown_hazard_fraction),
        _hazard_factor(in_landslide_zone, weights.unknown_hazard_fraction),
    )

    # A created_at in the future (a clock error at the source) counts as no wait.
    waiting_hours = max(0.0, (now - created_at).total_seconds() / 3600.0)
    waiting_factor = min(1.0, waiting_hours / weights.waiting_cap_hours)

    return _Factors(
        urgency=urgency_factor,
        people=people_factor,
        people_estimate=people,
        people_source=source,
        vulnerable=vulnerable_factor,
        hazard=hazard_factor,
        waiting_hours=waiting_hours,
        waiting=waiting_factor,
    )


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")


WEIGHT_NAMES = ("urgency", "people", "vulnerable", "hazard", "waiting")


@dataclass(frozen=True)
class PriorityBreakdown:
    """A case's priority and the points each factor adds to it.

    `points` maps each name of WEIGHT_NAMES to its share of the score (0 to 100 in total, not rounded).
    `people_estimate` is the count the people factor used and `people_source` where it came from
    ("people", "households" or "unknown"). `waiting_hours` is 0 for a closed case.
    """

    score: float
    points: dict[str, float]
    people_estimate: int
    people_source: str
    waiting_hours: float


def break_down_priority(
    *,
    status: str,
    urgency: str | None,
    people_count: int | None,
    household_count: int | None,
    has_children: bool,
    has_elderly: bool,
    has_disabilities: bool,
    created_at: datetime,
    in_flood: bool | None,
    in_landslide_zone: bool | None,
    now: datetime,
    weights: PriorityWeights | None = None,
) -> PriorityBreakdown:
    """Compute the priority of a case together with the points of each factor.

    Takes the same arguments and raises the same errors as compute_priority, and its `score` equals what
    compute_priority returns. A closed case gets a score of 0 and 0 points for every factor.
    """
    _check_status(status)
    if status not in OPEN_STATUSES:
        people, source = _people_estimate(people_count, household_count, weights or PriorityWeights())
        return PriorityBreakdown(0.0, dict.fromkeys(WEIGHT_NAMES, 0.0), people, source, 0.0)
    weights = weights or PriorityWeights()
    factors = _compute_factors(
        urgency=urgency,
        people_count=people_count,
        household_count=household_count,
        has_children=has_children,
        has_elderly=has_elderly,
        has_disabilities=has_disabilities,
        created_at=created_at,
        in_flood=in_flood,
        in_landslide_zone=in_landslide_zone,
        now=now,
        weights=weights,
    )
    total = weights.urgency + weights.people + weights.vulnerable + weights.hazard + weights.waiting
    points = {name: 100.0 * getattr(weights, name) * getattr(factors, name) / total for name in WEIGHT_NAMES}
    return PriorityBreakdown(
        score=round(sum(points.values()), 1),
        points=points,
        people_estimate=factors.people_estimate,
        people_source=factors.people_source,
        waiting_hours=factors.waiting_hours,
    )


def compute_priority(
    *,
    status: str,
    urgency: str | None,
    people_count: int | None,
    household_count: int | None,
    has_children: bool,
    has_elderly: bool,
    has_disabilities: bool,
    created_at: datetime,
    in_flood: bool | None,
    in_landslide_zone: bool | None,
    now: datetime,
    weights: PriorityWeights | None = None,
) -> float:
    """Compute the priority of a case as a score from 0 to 100, rounded to one decimal.

    Closed statuses (supported, unreachable, duplicate) score 0. For open cases the score is the weighted
    mean of five factors, described in docs/priority.md:

    - urgency, where an unknown urgency counts as medium;
    - people, using households times 4 when the people count is unknown, and 1 person when both are;
    - vulnerable people (children, elderly, disabilities);
    - hazard, where None for in_flood or in_landslide_zone means unknown and adds part of the hazard
      weight, so an unanalysed case never ranks as safe;
    - waiting time in hours since `created_at`, capped.

    `created_at` and `now` must be aware datetimes. Raises ValueError for an unknown status or urgency.
    """
    return break_down_priority(
        status=status,
        urgency=urgency,
        people_count=people_count,
        household_count=household_count,
        has_children=has_children,
        has_elderly=has_elderly,
        has_disabilities=has_disabilities,
        created_at=created_at,
        in_flood=in_flood,
        in_landslide_zone=in_landslide_zone,
        now=now,
        weights=weights,
    ).score


def _waiting_reason(hours: float) -> str:
    if hours < 1.0:
        return f"waiting {int(hours * 60)} min"
    return f"waiting {int(hours)} h"


def explain_priority(
    *,
    status: str,
    urgency: str | None,
    people_count: int | None,
    household_count: int | None,
    has_children: bool,
    has_elderly: bool,
    has_disabilities: bool,
    created_at: datetime,
    in_flood: bool | None,
    in_landslide_zone: bool | None,
    now: datetime,
    weights: PriorityWeights | None = None,
) -> list[str]:
    """List the short English reasons behind a case's priority, in the order of the formula's factors.

    Examples: "critical", "6 people", "8 people from 2 households", "children", "elderly", "disabilities",
    "in flood", "in landslide zone", "flood unknown", "waiting 14 h". A closed case gives one reason,
    "closed: supported" (or its status). Takes the same arguments and raises the same errors as
    compute_priority.
    """
    _check_status(status)
    if status not in OPEN_STATUSES:
        return [f"closed: {status}"]
    weights = weights or PriorityWeights()
    factors = _compute_factors(
        urgency=urgency,
        people_count=people_count,
        household_count=household_count,
        has_children=has_children,
        has_elderly=has_elderly,
        has_disabilities=has_disabilities,
        created_at=created_at,
        in_flood=in_flood,
        in_landslide_zone=in_landslide_zone,
        now=now,
        weights=weights,
    )

    reasons = [urgency if urgency is not None else "urgency unknown"]
    if factors.people_source == "people":
        reasons.append("1 person" if factors.people_estimate == 1 else f"{factors.people_estimate} people")
    elif factors.people_source == "households":
        households = "1 household" if household_count == 1 else f"{household_count} households"
        reasons.append(f"{factors.people_estimate} people from {households}")
    else:
        reasons.append("people unknown")

    if has_children:
        reasons.append("children")
    if has_elderly:
        reasons.append("elderly")
    if has_disabilities:
        reasons.append("disabilities")

    if in_flood is None:
        reasons.append("flood unknown")
    elif in_flood:
        reasons.append("in flood")
    if in_landslide_zone is None:
        reasons.append("landslide unknown")
    elif in_landslide_zone:
        reasons.append("in landslide zone")

    reasons.append(_waiting_reason(factors.waiting_hours))
    return reasons
