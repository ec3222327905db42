"""RFC 3339 parsing and formatting, and Vietnam time."""

import os
import time
from datetime import datetime, timedelta, timezone

import pytest

from sos_qgis_plugin.core.errors import RecordError, SosError
from sos_qgis_plugin.core.timeutil import VIETNAM_TZ, format_time, parse_time, to_vietnam_time

INSTANT = datetime(2025, 11, 19, 3, 15, tzinfo=timezone.utc)


def test_vietnam_offset():
    assert VIETNAM_TZ.utcoffset(None) == timedelta(hours=7)


def test_parse_z():
    assert parse_time("2025-11-19T03:15:00Z") == INSTANT


def test_parse_offset():
    assert parse_time("2025-11-19T10:15:00+07:00") == INSTANT


def test_parse_offset_without_colon():
    assert parse_time("2025-11-19T10:15:00+0700") == INSTANT


def test_parse_negative_offset():
    assert parse_time("2025-11-18T22:15:00-05:00") == INSTANT


def test_parse_result_aware():
    assert parse_time("2025-11-19T03:15:00Z").tzinfo is not None


def test_parse_naive_space_is_vietnam():
    assert parse_time("2025-11-19 10:15:00") == INSTANT


def test_parse_naive_t_is_vietnam():
    assert parse_time("2025-11-19T10:15:00") == INSTANT


def test_parse_naive_without_seconds():
    assert parse_time("2025-11-19 10:15") == INSTANT


def test_parse_fraction():
    assert parse_time("2025-11-19T03:15:00.25Z").microsecond == 250000


def test_parse_fraction_truncated():
    assert parse_time("2025-11-19T03:15:00.1234567Z").microsecond == 123456


def test_parse_lowercase_t_z():
    assert parse_time("2025-11-19t03:15:00z") == INSTANT


def test_parse_surrounding_spaces():
    assert parse_time(" 2025-11-19T03:15:00Z ") == INSTANT


def test_parse_aware_datetime_unchanged():
    assert parse_time(INSTANT) is INSTANT


def test_parse_naive_datetime_is_vietnam():
    assert parse_time(datetime(2025, 11, 19, 10, 15)) == INSTANT


def test_parse_ignores_machine_zone():
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is not available on this platform")
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        parsed = parse_time("2025-11-19 10:15:00")
    finally:
        if previous is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = previous
        time.tzset()
    assert parsed == INSTANT


@pytest.mark.parametrize(
    "value",
    [
        "19/11/2025 10:15",
        "2025-11-19",
        "10:15",
        "",
        "2025-11-31 10:00",
        "2025-13-01T00:00:00Z",
        "2025-11-19T24:00:00Z",
        "2025-11-19T10:15:00+25:00",
        "2025-11-19T10:15:00 +07:00",
        "٢٠٢٥-11-19T10:15:00Z",
        "1732000000",
    ],
)
def test_parse_rejects(value):
    with pytest.raises(RecordError):
        parse_time(value)


def test_parse_rejects_number():
    with pytest.raises(RecordError):
        parse_time(1732000000)


def test_parse_error_names_value():
    with pytest.raises(RecordError) as caught:
        parse_time("19/11/2025 10:15")
    assert "19/11/2025 10:15" in caught.value.reason


def test_parse_error_has_template():
    with pytest.raises(RecordError) as caught:
        parse_time("19/11/2025 10:15")
    assert caught.value.template.format(**caught.value.values) == caught.value.reason


def test_parse_error_is_sos_error():
    with pytest.raises(SosError):
        parse_time("yesterday")


def test_format_utc_z():
    assert format_time(INSTANT) == "2025-11-19T03:15:00Z"


def test_format_converts_offset():
    assert format_time(datetime(2025, 11, 19, 10, 15, tzinfo=VIETNAM_TZ)) == "2025-11-19T03:15:00Z"


def test_format_keeps_microseconds():
    assert format_time(INSTANT.replace(microsecond=250000)) == "2025-11-19T03:15:00.250000Z"


def test_format_rejects_naive():
    with pytest.raises(ValueError):
        format_time(datetime(2025, 11, 19, 10, 15))


def test_format_parse_round_trip():
    value = INSTANT.replace(microsecond=5)
    assert parse_time(format_time(value)) == value


def test_vietnam_time_hour():
    assert to_vietnam_time(INSTANT).hour == 10


def test_vietnam_time_same_instant():
    assert to_vietnam_time(INSTANT) == INSTANT


def test_vietnam_time_rejects_naive():
    with pytest.raises(ValueError):
        to_vietnam_time(datetime(2025, 11, 19, 10, 15))
