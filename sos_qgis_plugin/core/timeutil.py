"""RFC 3339 parsing and formatting, and Vietnam time (UTC+7).

Vietnam has used UTC+7 all year without daylight saving since 1975, so a fixed offset is exact for every
time a case can carry.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .errors import QT_TRANSLATE_NOOP, RecordError

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")

# Date, "T" or space, hh:mm with optional seconds and fraction, optional "Z" or ±hh:mm (or ±hhmm).
_TIME_PATTERN = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)

INVALID_TIME = QT_TRANSLATE_NOOP("SosErrors", "invalid time '{value}': expected RFC 3339 such as 2025-11-19T10:15:00+07:00, or YYYY-MM-DD hh:mm[:ss] in Vietnam time")  # noqa: E501  # fmt: skip
_TIME_OUT_OF_RANGE = QT_TRANSLATE_NOOP("SosErrors", "invalid time '{value}': in UTC it falls outside the years 1 to 9999")  # noqa: E501  # fmt: skip
#: parse_time's message with the name of the field in front, as in "created_at: invalid time ...".
INVALID_FIELD_TIME = QT_TRANSLATE_NOOP("SosErrors", "{name}: invalid time '{value}': expected RFC 3339 such as 2025-11-19T10:15:00+07:00, or YYYY-MM-DD hh:mm[:ss] in Vietnam time")  # noqa: E501  # fmt: skip
# A field's name before another time error, such as a time outside the UTC range.
FIELD_TIME_ERROR = QT_TRANSLATE_NOOP("SosErrors", "{name}: {reason}")  # noqa: E501  # fmt: skip


def _parse_zone(zone: str) -> timezone:
    if zone in ("Z", "z"):
        return timezone.utc
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError(f"offset out of range: {zone}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_time(value: str | datetime) -> datetime:
    """Parse a case time into an aware datetime.

    Accepts RFC 3339 with `Z` or an offset (`2025-11-19T03:15:00Z`, `2025-11-19T10:15:00+07:00`) and the
    naive forms `YYYY-MM-DD hh:mm[:ss]` and `YYYY-MM-DDThh:mm[:ss]`, which are read as Vietnam time (UTC+7)
    whatever the zone of the computer. Fractions of a second beyond microseconds are truncated. An aware
    datetime is returned unchanged, and a naive one is read as Vietnam time.
    Raises RecordError for anything else, such as `19/11/2025 10:15`, a date alone, or day 31 of November,
    and for a time whose UTC form falls outside the years 1 to 9999 (`0001-01-01T00:00:00+01:00`).
    """
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=VIETNAM_TZ)
    if not isinstance(value, str):
        raise RecordError.from_template(INVALID_TIME, value=repr(value))

    text = value.strip()
    match = _TIME_PATTERN.fullmatch(text)
    if match is None:
        raise RecordError.from_template(INVALID_TIME, value=text)

    fraction = (match["fraction"] or "0")[:6].ljust(6, "0")
    zone = match["zone"]
    try:
        tzinfo = _parse_zone(zone) if zone else VIETNAM_TZ
        parsed = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            int(fraction),
            tzinfo=tzinfo,
        )
    except ValueError as exc:
        raise RecordError(
            INVALID_TIME.format(value=text), details=str(exc), template=INVALID_TIME, values={"value": text}
        ) from exc
    try:
        # Storing and formatting convert to UTC, which fails for 0001-01-01T00:00+01:00 and the like.
        parsed.astimezone(timezone.utc)
    except OverflowError as exc:
        raise RecordError(
            _TIME_OUT_OF_RANGE.format(value=text),
            details=str(exc),
            template=_TIME_OUT_OF_RANGE,
            values={"value": text},
        ) from exc
    return parsed


def format_time(dt: datetime) -> str:
    """Format an aware datetime as RFC 3339 in UTC with `Z`, e.g. `2025-11-19T03:15:00Z`.

    Seconds are always written; microseconds only when they are not zero (`2025-11-19T03:15:00.250000Z`).
    Raises ValueError for a naive datetime, because its instant is unknown.
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"format_time needs an aware datetime, got naive {dt.isoformat()}")
    utc = dt.astimezone(timezone.utc)
    timespec = "microseconds" if utc.microsecond else "seconds"
    return utc.replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def to_vietnam_time(dt: datetime) -> datetime:
    """Convert an aware datetime to Vietnam time (UTC+7). Raises ValueError for a naive datetime."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"to_vietnam_time needs an aware datetime, got naive {dt.isoformat()}")
    return dt.astimezone(VIETNAM_TZ)
