"""Status, urgency and needs vocabularies."""

import re

from sos_qgis_plugin.core.statuses import (
    NEEDS,
    OPEN_STATUSES,
    STATUS_COLOURS,
    STATUSES,
    URGENCIES,
    is_status,
)


def test_statuses_order():
    assert STATUSES == ("needs_help", "in_progress", "supported", "unreachable", "duplicate")


def test_open_statuses_are_statuses():
    assert set(OPEN_STATUSES) <= set(STATUSES)


def test_every_status_has_colour():
    assert set(STATUS_COLOURS) == set(STATUSES)


def test_colours_are_hex():
    for status, colour in STATUS_COLOURS.items():
        assert re.fullmatch(r"#[0-9a-f]{6}", colour), status


def test_colours_are_distinct():
    assert len(set(STATUS_COLOURS.values())) == len(STATUS_COLOURS)


def test_urgencies_ascending():
    assert URGENCIES == ("low", "medium", "high", "critical")


def test_needs_vocabulary():
    assert NEEDS == ("rescue", "medical", "food", "water", "clothing", "shelter", "evacuation", "other")


def test_is_status_known():
    assert is_status("supported")


def test_is_status_unknown():
    assert not is_status("done")


def test_is_status_case_sensitive():
    assert not is_status("Supported")


def test_is_status_not_text():
    assert not is_status(None)
