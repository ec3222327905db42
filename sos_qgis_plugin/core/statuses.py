"""Status codes, their map colours, and the urgency and needs vocabularies of a case.

English and Vietnamese display names live on the QGIS side, which translates them.
"""

from __future__ import annotations

from typing import Any

STATUSES = ("needs_help", "in_progress", "supported", "unreachable", "duplicate")

OPEN_STATUSES = ("needs_help", "in_progress")

CLOSED_STATUSES = tuple(status for status in STATUSES if status not in OPEN_STATUSES)

STATUS_COLOURS = {
    "needs_help": "#d7191c",
    "in_progress": "#fd8d3c",
    "supported": "#1a9641",
    "unreachable": "#7b3294",
    "duplicate": "#969696",
}

URGENCIES = ("low", "medium", "high", "critical")

NEEDS = ("rescue", "medical", "food", "water", "clothing", "shelter", "evacuation", "other")


def is_status(value: Any) -> bool:
    """Return True when `value` is one of the status codes in STATUSES (exact, case-sensitive match)."""
    return isinstance(value, str) and value in STATUSES
