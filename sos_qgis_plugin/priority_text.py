"""A case's priority with a short translated reason, read from the values of a case layer feature.

The reason lists what adds most to the score first, for example "critical, in flood 1.8 m, 6 people,
elderly, waiting 14 h". Factors that add nothing are left out. The functions here create no QObject and
only call QCoreApplication.translate, which Qt documents as thread-safe, so QgsTask.run may call them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Optional

from qgis.core import NULL
from qgis.PyQt.QtCore import QCoreApplication, QDate, QDateTime

from .core.errors import SosError
from .core.priority import WEIGHT_NAMES, PriorityWeights, break_down_priority
from .core.statuses import OPEN_STATUSES, STATUSES, URGENCIES
from .core.timeutil import VIETNAM_TZ, parse_time
from .style import status_display_name

# Points below this are left out of the reason: they cannot change a rank that is shown to one decimal.
MIN_POINTS = 0.05


def _value(values: Mapping[str, Any], name: str) -> Any:
    """Return a field value with QGIS NULL (and a missing key) as None."""
    value = values.get(name)
    if value is None or value == NULL:
        return None
    return value


def _count(values: Mapping[str, Any], name: str) -> Optional[int]:
    value = _value(values, name)
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return int(number)


def _flag(values: Mapping[str, Any], name: str) -> Optional[bool]:
    value = _value(values, name)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _depth_m(values: Mapping[str, Any]) -> Optional[float]:
    value = _value(values, "flood_depth_m")
    if value is None or isinstance(value, bool):
        return None
    try:
        depth = float(value)
    except (TypeError, ValueError):
        return None
    return depth if math.isfinite(depth) and depth >= 0 else None


def _created_at(values: Mapping[str, Any]) -> Optional[datetime]:
    """Read created_at as an aware datetime; the layer stores naive Vietnam time."""
    value = _value(values, "created_at")
    if isinstance(value, QDate) and not isinstance(value, QDateTime):
        return None
    if isinstance(value, QDateTime):
        if not value.isValid():
            return None
        value = value.toPyDateTime()
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=VIETNAM_TZ)
    if isinstance(value, str) and value.strip():
        try:
            return parse_time(value.strip())
        except (SosError, ValueError):
            return None
    return None


def format_tenths(value: float) -> str:
    """Format a number with one decimal and the decimal mark of the translation ("1.8", or "1,8" in vi)."""
    tenths = int(round(value * 10))
    template = QCoreApplication.translate("PriorityText", "{units}.{tenths}")
    return template.format(units=tenths // 10, tenths=tenths % 10)


def _urgency_text(urgency: Optional[str]) -> str:
    names = {
        "low": QCoreApplication.translate("PriorityText", "low urgency"),
        "medium": QCoreApplication.translate("PriorityText", "medium urgency"),
        "high": QCoreApplication.translate("PriorityText", "high urgency"),
        "critical": QCoreApplication.translate("PriorityText", "critical"),
    }
    return names.get(urgency or "", QCoreApplication.translate("PriorityText", "urgency unknown"))


def _people_text(people: int, source: str, households: Optional[int]) -> str:
    if source == "unknown":
        return QCoreApplication.translate("PriorityText", "people unknown")
    if source == "households":
        if households == 1:
            return QCoreApplication.translate("PriorityText", "1 household")
        return QCoreApplication.translate("PriorityText", "{} households").format(households)
    if people == 1:
        return QCoreApplication.translate("PriorityText", "1 person")
    return QCoreApplication.translate("PriorityText", "{} people").format(people)


def _vulnerable_texts(children: bool, elderly: bool, disabilities: bool) -> list[str]:
    texts = []
    if children:
        texts.append(QCoreApplication.translate("PriorityText", "children"))
    if elderly:
        texts.append(QCoreApplication.translate("PriorityText", "elderly"))
    if disabilities:
        texts.append(QCoreApplication.translate("PriorityText", "disabilities"))
    return texts


def _hazard_texts(
    in_flood: Optional[bool], in_landslide: Optional[bool], depth_m: Optional[float]
) -> list[str]:
    """Name the hazard parts that give the hazard factor its value (the larger of the two parts)."""
    if in_flood or in_landslide:
        texts = []
        if in_flood:
            if depth_m is None:
                texts.append(QCoreApplication.translate("PriorityText", "in flood"))
            else:
                template = QCoreApplication.translate("PriorityText", "in flood {} m")
                texts.append(template.format(format_tenths(depth_m)))
        if in_landslide:
            texts.append(QCoreApplication.translate("PriorityText", "in landslide zone"))
        return texts
    # Neither part is inside, so only unknown parts add points.
    if in_flood is None and in_landslide is None:
        return [QCoreApplication.translate("PriorityText", "hazards not analysed")]
    if in_flood is None:
        return [QCoreApplication.translate("PriorityText", "flood unknown")]
    return [QCoreApplication.translate("PriorityText", "landslide unknown")]


def _waiting_text(hours: float) -> str:
    if hours < 1.0:
        return QCoreApplication.translate("PriorityText", "waiting {} min").format(int(hours * 60))
    return QCoreApplication.translate("PriorityText", "waiting {} h").format(int(hours))


def case_priority(
    values: Mapping[str, Any], now: datetime, weights: Optional[PriorityWeights] = None
) -> tuple[Optional[float], str]:
    """Compute a case's priority (0 to 100) and a short translated reason from case layer field values.

    `values` is keyed by case layer field names; QGIS NULL and missing keys count as unknown. `now` must be
    an aware datetime. The reason joins the contributors with ", ", the largest number of points first.
    A closed case gets 0 and its status name. A case whose status is unknown or whose creation time is
    missing gets None and a reason saying why. A value it cannot read (an urgency outside the vocabulary,
    a count that is text) counts as unknown instead of raising.
    """
    status = _value(values, "status")
    if status not in STATUSES:
        return None, QCoreApplication.translate("PriorityText", "unknown status")
    if status not in OPEN_STATUSES:
        template = QCoreApplication.translate("PriorityText", "closed: {}")
        return 0.0, template.format(status_display_name(status))

    created_at = _created_at(values)
    if created_at is None:
        return None, QCoreApplication.translate("PriorityText", "no creation time")

    urgency = _value(values, "urgency")
    if urgency not in URGENCIES:
        urgency = None
    households = _count(values, "household_count")
    in_flood = _flag(values, "in_flood")
    in_landslide = _flag(values, "in_landslide_zone")
    children = bool(_flag(values, "has_children"))
    elderly = bool(_flag(values, "has_elderly"))
    disabilities = bool(_flag(values, "has_disabilities"))

    breakdown = break_down_priority(
        status=status,
        urgency=urgency,
        people_count=_count(values, "people_count"),
        household_count=households,
        has_children=children,
        has_elderly=elderly,
        has_disabilities=disabilities,
        created_at=created_at,
        in_flood=in_flood,
        in_landslide_zone=in_landslide,
        now=now,
        weights=weights,
    )

    texts = {
        "urgency": [_urgency_text(urgency)],
        "people": [_people_text(breakdown.people_estimate, breakdown.people_source, households)],
        "vulnerable": _vulnerable_texts(children, elderly, disabilities),
        "hazard": _hazard_texts(in_flood, in_landslide, _depth_m(values)),
        "waiting": [_waiting_text(breakdown.waiting_hours)],
    }
    # sorted() is stable, so factors with equal points keep the order of the formula.
    order = sorted(WEIGHT_NAMES, key=lambda name: -breakdown.points[name])
    parts = [text for name in order if breakdown.points[name] >= MIN_POINTS for text in texts[name]]
    return breakdown.score, ", ".join(parts)
