"""Validation and normalisation of case records (GeoJSON Features).

The server (import, intake) and the plugin (fetch) both read cases through `parse_feature` and
`parse_features`. A value that is doubtful but usable is kept and named in `quality_flags`. A record that
cannot be kept raises RecordError with a reason. Nothing is moved or summed silently.

This module needs no shapely: the plugin fetches cases on QGIS installs whose Python has no shapely 2, so
centroids are computed here in pure Python.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import QT_TRANSLATE_NOOP, Message, RecordError
from .statuses import NEEDS, URGENCIES, is_status
from .text import normalize_text
from .timeutil import FIELD_TIME_ERROR, INVALID_FIELD_TIME, INVALID_TIME, format_time, parse_time

ServiceArea = tuple[float, float, float, float]  # (min_lon, min_lat, max_lon, max_lat) in WGS 84
VIETNAM_BBOX: ServiceArea = (102.1, 8.2, 109.7, 23.5)

QUALITY_FLAGS = (
    "no_location",
    "coordinates_swapped",
    "outside_service_area",
    "location_from_centroid",
    "people_count_not_a_number",
    "people_count_invalid",
    "household_count_not_a_number",
    "household_count_invalid",
    "created_at_missing",
    "urgency_invalid",
    "needs_invalid",
)

# A count above this in one SOS is treated as a data error, such as an id or phone number typed as a count.
MAX_COUNT = 10000

# Short numbers of Vietnamese emergency services, which are kept exactly as written.
EMERGENCY_NUMBERS = ("111", "112", "113", "114", "115")

_NOTE_NO_LOCATION = "no location given"
_NOTE_NULL_ISLAND = "0,0 treated as missing"

_LOCATION_FLAGS = ("no_location", "coordinates_swapped", "outside_service_area", "location_from_centroid")

_DOT_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_SIGNED_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
# Vietnamese mobile numbers have nine digits after the trunk prefix 0 or the country code 84, and start
# with 3, 5, 7, 8 or 9 since the 2018 renumbering. Spaces, dots, hyphens and brackets may separate digits.
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_VIETNAM_MOBILE = re.compile(r"(?:\+84|0084|84|0)([35789]\d{8})", re.ASCII)
_TRUE_WORDS = ("true", "1", "yes")
_FALSE_WORDS = ("false", "0", "no")


@dataclass
class CaseRecord:
    """One SOS case after validation, in the canonical record schema."""

    id: str | None
    external_id: str | None
    status: str
    people_count: int | None
    people_count_raw: str | None
    household_count: int | None
    phone: str | None
    reporter_name: str | None
    description: str
    address: str | None
    urgency: str | None
    needs: list[str]
    has_children: bool
    has_elderly: bool
    has_disabilities: bool
    created_at: datetime
    updated_at: datetime | None
    version: int | None
    source: str | None
    duplicate_of: str | None
    lon: float | None
    lat: float | None
    location_note: str | None
    quality_flags: list[str]

    def to_feature(self) -> dict:
        """Build the canonical GeoJSON Feature of this case.

        The Feature carries a top-level `id` when the case has one, a Point geometry (or None when the
        location is missing or doubtful) and every record field as a property, times in UTC with `Z`.
        """
        geometry = None
        if self.lon is not None and self.lat is not None:
            geometry = {"type": "Point", "coordinates": [self.lon, self.lat]}
        properties = {
            "id": self.id,
            "external_id": self.external_id,
            "status": self.status,
            "people_count": self.people_count,
            "people_count_raw": self.people_count_raw,
            "household_count": self.household_count,
            "phone": self.phone,
            "reporter_name": self.reporter_name,
            "description": self.description,
            "address": self.address,
            "urgency": self.urgency,
            "needs": list(self.needs),
            "has_children": self.has_children,
            "has_elderly": self.has_elderly,
            "has_disabilities": self.has_disabilities,
            "created_at": format_time(self.created_at),
            "updated_at": format_time(self.updated_at) if self.updated_at is not None else None,
            "version": self.version,
            "source": self.source,
            "duplicate_of": self.duplicate_of,
            "location_note": self.location_note,
            "quality_flags": list(self.quality_flags),
        }
        feature: dict = {"type": "Feature"}
        if self.id is not None:
            feature["id"] = self.id
        feature["geometry"] = geometry
        feature["properties"] = properties
        return feature


@dataclass
class Rejection:
    """A feature that parse_features could not keep: its list index, external id if readable, and why.

    `reason` is the English text. When it was built from a message template, `template` is the template
    and `values` its arguments (`reason == template.format(**values)`), so the QGIS side can translate it.
    Both only restate `reason`, so equality ignores them.
    """

    index: int
    external_id: str | None
    reason: str
    template: str | None = field(default=None, compare=False)
    values: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass
class ParseResult:
    """Outcome of parse_features: kept records, rejected features and external ids seen more than once."""

    records: list[CaseRecord] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


@dataclass
class _Location:
    lon: float | None = None
    lat: float | None = None
    note: str | None = None
    flags: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------
# Scalar fields


def _text(properties: dict, name: str) -> str | None:
    """Read a free-text field: NFC text or None. Numbers become their decimal text; markup stays literal."""
    value = properties.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid {name}: expected text, got {value}")
        raise RecordError.from_template(template, name, name=name, value=_show(value))
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid {name}: expected text, got {value}")
        raise RecordError.from_template(template, name, name=name, value=_show(value))
    return normalize_text(value)


def _optional_text(properties: dict, name: str) -> str | None:
    """Read a text field where an empty or blank value means missing."""
    value = _text(properties, name)
    return value if value else None


def _show(value: Any) -> str:
    """Render a rejected value for a message, short enough for a log line."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _read_id(feature: dict, properties: dict) -> str | None:
    value = feature.get("id")
    if value is None:
        value = properties.get("id")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid id: expected text, got {value}")
        raise RecordError.from_template(template, "id", value=_show(value))
    text = normalize_text(str(value))
    return text or None


def _read_status(properties: dict) -> str:
    value = properties.get("status")
    if value is None:
        return "needs_help"
    status = normalize_text(value).lower() if isinstance(value, str) else value
    if not is_status(status):
        template = QT_TRANSLATE_NOOP("SosErrors", "unknown status {value}")
        raise RecordError.from_template(template, "status", value=_show(value))
    return status


def _read_urgency(properties: dict, flags: list) -> str | None:
    value = properties.get("urgency")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    urgency = normalize_text(value).lower() if isinstance(value, str) else None
    if urgency not in URGENCIES:
        flags.append("urgency_invalid")
        return None
    return urgency


def _read_needs(properties: dict, flags: list) -> list:
    value = properties.get("needs")
    if value is None:
        return []
    if isinstance(value, str):
        items: list = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        flags.append("needs_invalid")
        return []

    needs: list = []
    invalid = False
    for item in items:
        need = normalize_text(item).lower() if isinstance(item, str) else None
        if need == "" and isinstance(value, str):
            continue  # "food, ,water" or a trailing comma: an empty slot, not an unknown need
        if need not in NEEDS:
            invalid = True
            continue
        if need not in needs:
            needs.append(need)
    if invalid:
        flags.append("needs_invalid")
    return needs


def _read_bool(properties: dict, name: str) -> bool:
    value = properties.get(name)
    if value is None or value is False or value is True:
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    template = QT_TRANSLATE_NOOP("SosErrors", "invalid {name}: expected true or false, got {value}")
    raise RecordError.from_template(template, name, name=name, value=_show(value))


def _read_count(properties: dict, name: str) -> tuple:
    """Read a people or household count as (count or None, raw text or None, flag or None)."""
    value = properties.get(name)
    if value is None:
        return None, None, None
    if isinstance(value, str):
        raw = normalize_text(value)
        if not raw:
            return None, None, None
        if not _SIGNED_INTEGER.fullmatch(raw):
            return None, raw, f"{name}_not_a_number"
        number = int(raw)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, _show(value), f"{name}_not_a_number"
    elif isinstance(value, float):
        raw = repr(value)
        if not math.isfinite(value) or not value.is_integer():
            return None, raw, f"{name}_not_a_number"
        number = int(value)
    else:
        raw = str(value)
        number = value

    if number < 0 or number > MAX_COUNT:
        return None, raw, f"{name}_invalid"
    return number, None, None


def _read_phone(properties: dict) -> str | None:
    value = properties.get("phone")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid phone: expected text, got a {kind}")
        raise RecordError.from_template(template, "phone", kind=type(value).__name__)
    phone = normalize_text(str(value))
    if not phone:
        return None
    if phone in EMERGENCY_NUMBERS:
        return phone
    match = _VIETNAM_MOBILE.fullmatch(_PHONE_SEPARATORS.sub("", phone))
    if match is None:
        return phone
    return "+84" + match.group(1)


def _read_version(properties: dict) -> int | None:
    value = properties.get("version")
    if value is None:
        return None
    if isinstance(value, str) and _SIGNED_INTEGER.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid version {value}: expected a whole number of 0 or more")  # noqa: E501  # fmt: skip
        raise RecordError.from_template(template, "version", value=_show(value))
    return value


def _read_time(properties: dict, name: str) -> datetime | None:
    value = properties.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_time(value)
    except RecordError as exc:
        if exc.template == INVALID_TIME:
            values: dict = {"name": name, "value": exc.values["value"]}
            template = INVALID_FIELD_TIME
        else:
            # Another reason, such as a time outside the UTC range: keep it and name the field.
            values = {"name": name, "reason": Message(exc.template or exc.message, dict(exc.values))}
            template = FIELD_TIME_ERROR
        raise RecordError(
            template.format(**values), name, exc.details, template=template, values=values
        ) from exc


def _read_kept_flags(properties: dict) -> list[str]:
    """Read the quality flags that an earlier validation stored in the feature (known flags only)."""
    value = properties.get("quality_flags")
    if not isinstance(value, list):
        return []
    return [flag for flag in value if isinstance(flag, str) and flag in QUALITY_FLAGS]


def _read_kept_text(properties: dict, name: str) -> str | None:
    value = properties.get(name)
    if not isinstance(value, str):
        return None
    return normalize_text(value) or None


# ---------------------------------------------------------------------------------------------------------
# Geometry


def _coordinate(value: Any) -> float:
    """Read one coordinate: a finite number or a dot-decimal string. Comma decimals and blanks are invalid."""
    if isinstance(value, bool):
        number = math.nan
    elif isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and _DOT_DECIMAL.fullmatch(value.strip()):
        number = float(value.strip())
    else:
        number = math.nan
    if not math.isfinite(number):
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid coordinate {value}: expected a dot-decimal number")
        raise RecordError.from_template(template, "geometry", value=_show(value))
    return number


def _position(value: Any) -> tuple:
    """Read a GeoJSON position as (x, y); a third (Z) or fourth (M) value is dropped."""
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid position {value}: expected [longitude, latitude]")
        raise RecordError.from_template(template, "geometry", value=_show(value))
    return _coordinate(value[0]), _coordinate(value[1])


def _positions(value: Any, kind: str) -> list:
    if not isinstance(value, (list, tuple)):
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid {kind} coordinates {value}")
        raise RecordError.from_template(template, "geometry", kind=kind, value=_show(value))
    return [_position(item) for item in value]


def _check_range(x: float, y: float) -> None:
    if not -180.0 <= x <= 180.0 or not -90.0 <= y <= 90.0:
        template = QT_TRANSLATE_NOOP("SosErrors", "coordinates out of range: [{x}, {y}] (longitude must be within ±180, latitude within ±90)")  # noqa: E501  # fmt: skip
        raise RecordError.from_template(
            template,
            "geometry",
            x=_format_number(x),
            y=_format_number(y),
        )


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _mean_point(points: list) -> tuple:
    count = len(points)
    return sum(p[0] for p in points) / count, sum(p[1] for p in points) / count


def _line_centroid(lines: list) -> tuple | None:
    """Centroid of lines weighted by segment length, or None when every line has zero length."""
    total = 0.0
    sum_x = 0.0
    sum_y = 0.0
    for line in lines:
        for (x1, y1), (x2, y2) in zip(line, line[1:]):
            length = math.hypot(x2 - x1, y2 - y1)
            total += length
            sum_x += length * (x1 + x2) / 2.0
            sum_y += length * (y1 + y2) / 2.0
    if total == 0.0:
        return None
    return sum_x / total, sum_y / total


def _ring_moments(ring: list, origin: tuple) -> tuple:
    """Signed area and first moments of a ring (shoelace formula), positive for counter-clockwise rings.

    Coordinates are taken relative to `origin`, which keeps the cross products small and the result exact
    to about 1e-12 degrees.
    """
    ox, oy = origin
    shifted = [(x - ox, y - oy) for x, y in ring]
    area2 = 0.0
    moment_x = 0.0
    moment_y = 0.0
    for (x1, y1), (x2, y2) in zip(shifted, shifted[1:] + shifted[:1]):
        cross = x1 * y2 - x2 * y1
        area2 += cross
        moment_x += (x1 + x2) * cross
        moment_y += (y1 + y2) * cross
    return area2 / 2.0, moment_x / 6.0, moment_y / 6.0


def _polygons_centroid(polygons: list) -> tuple | None:
    """Area centroid of polygons as lists of rings (exterior first, then holes), or None without area."""
    if not polygons:
        return None
    origin = polygons[0][0][0]
    total_area = 0.0
    sum_x = 0.0
    sum_y = 0.0
    for rings in polygons:
        for index, ring in enumerate(rings):
            area, moment_x, moment_y = _ring_moments(ring, origin)
            # Orientation varies between sources, so the exterior counts positive and holes negative.
            sign = 1.0 if (index == 0) == (area >= 0) else -1.0
            total_area += sign * area
            sum_x += sign * moment_x
            sum_y += sign * moment_y
    if abs(total_area) < 1e-18:
        return None
    return origin[0] + sum_x / total_area, origin[1] + sum_y / total_area


def _collect_parts(geometry: dict, points: list, lines: list, polygons: list, depth: int = 0) -> None:
    """Sort the positions of a geometry into points, lines and polygons, validating each coordinate."""
    if not isinstance(geometry, dict):
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid geometry {value}")
        raise RecordError.from_template(template, "geometry", value=_show(geometry))
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "GeometryCollection":
        members = geometry.get("geometries")
        if not isinstance(members, list) or depth > 8:
            template = QT_TRANSLATE_NOOP("SosErrors", "invalid GeometryCollection: expected a list of geometries")  # noqa: E501  # fmt: skip
            raise RecordError.from_template(template, "geometry")
        for member in members:
            _collect_parts(member, points, lines, polygons, depth + 1)
        return
    if kind not in ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"):
        template = QT_TRANSLATE_NOOP("SosErrors", "unknown geometry type {value}")
        raise RecordError.from_template(template, "geometry", value=_show(kind))
    if coordinates is None:
        coordinates = []

    if kind == "Point":
        if isinstance(coordinates, (list, tuple)) and len(coordinates) == 0:
            return
        points.append(_position(coordinates))
    elif kind == "MultiPoint":
        points.extend(_positions(coordinates, kind))
    elif kind == "LineString":
        line = _positions(coordinates, kind)
        if line:
            lines.append(line)
    elif kind == "MultiLineString":
        lines.extend(
            line for line in (_positions(part, kind) for part in _list_of(coordinates, kind)) if line
        )
    elif kind == "Polygon":
        rings = [ring for ring in (_positions(part, kind) for part in _list_of(coordinates, kind)) if ring]
        if rings:
            polygons.append(rings)
    else:
        for polygon in _list_of(coordinates, kind):
            rings = [ring for ring in (_positions(part, kind) for part in _list_of(polygon, kind)) if ring]
            if rings:
                polygons.append(rings)


def _list_of(value: Any, kind: str) -> list:
    if not isinstance(value, (list, tuple)):
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid {kind} coordinates {value}")
        raise RecordError.from_template(template, "geometry", kind=kind, value=_show(value))
    return list(value)


def _centroid(points: list, lines: list, polygons: list) -> tuple | None:
    """Centroid of the highest-dimension parts that have extent, as GEOS computes it for collections."""
    centroid = _polygons_centroid(polygons)
    if centroid is None:
        centroid = _line_centroid(lines + [ring for rings in polygons for ring in rings])
    if centroid is None:
        every_point = (
            points + [p for line in lines for p in line] + [p for rings in polygons for r in rings for p in r]
        )
        centroid = _mean_point(every_point) if every_point else None
    return centroid


def _read_location(feature: dict, stored: _Location, service_area: ServiceArea | None) -> _Location:
    """Derive the case's point, note and location flags from its geometry.

    `stored` contains the note and location flags that an earlier validation wrote into the feature. They
    are kept where the geometry no longer shows them: a null geometry written for a swapped pair, or a
    Point written for a centroid.
    """
    geometry = feature.get("geometry")
    if geometry is None:
        if stored.flags:
            return _Location(note=stored.note, flags=list(stored.flags))
        return _Location(note=stored.note or _NOTE_NO_LOCATION, flags=["no_location"])
    if not isinstance(geometry, dict):
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid geometry {value}")
        raise RecordError.from_template(template, "geometry", value=_show(geometry))

    kind = geometry.get("type")
    points: list = []
    lines: list = []
    polygons: list = []
    _collect_parts(geometry, points, lines, polygons)
    every_position = (
        points + [p for line in lines for p in line] + [p for rings in polygons for r in rings for p in r]
    )
    if not every_position:
        return _Location(note=f"empty {kind} treated as missing", flags=["no_location"])

    location = _Location()
    single_point = kind == "Point" or (kind == "MultiPoint" and len(points) == 1)
    if single_point:
        x, y = points[0]
        if not -180.0 <= x <= 180.0 or not -90.0 <= y <= 90.0:
            if -180.0 <= y <= 180.0 and -90.0 <= x <= 90.0:
                note = f"coordinates look swapped: [{_format_number(x)}, {_format_number(y)}]"
                return _Location(note=note, flags=["coordinates_swapped"])
            _check_range(x, y)
        if kind == "Point" and "location_from_centroid" in stored.flags:
            location.flags.append("location_from_centroid")
            location.note = stored.note
    else:
        for x, y in every_position:
            _check_range(x, y)
        x, y = _centroid(points, lines, polygons)
        location.flags.append("location_from_centroid")
        location.note = f"centroid of {kind}"

    if x == 0.0 and y == 0.0:
        return _Location(note=_NOTE_NULL_ISLAND, flags=["no_location"])
    location.lon = x
    location.lat = y
    if service_area is None:
        if "outside_service_area" in stored.flags:
            location.flags.append("outside_service_area")
    else:
        min_lon, min_lat, max_lon, max_lat = service_area
        if not (min_lon <= x <= max_lon and min_lat <= y <= max_lat):
            location.flags.append("outside_service_area")
    return location


# ---------------------------------------------------------------------------------------------------------
# Records


def _ordered_flags(flags: list) -> list:
    unique = set(flags)
    return [flag for flag in QUALITY_FLAGS if flag in unique]


# Fields of which a case record has at least one; a feature with none of them is not a case.
_CASE_MARKER_FIELDS = (
    "id",
    "external_id",
    "description",
    "people_count",
    "household_count",
    "phone",
    "address",
    "created_at",
)


def _looks_like_area_not_case(feature: dict, properties: dict) -> bool:
    geometry = feature.get("geometry")
    geometry_type = geometry.get("type") if isinstance(geometry, dict) else None
    if geometry_type in (None, "Point", "MultiPoint") or feature.get("id"):
        return False
    return not any(properties.get(name) not in (None, "", []) for name in _CASE_MARKER_FIELDS)


def parse_feature(
    feature: dict,
    *,
    service_area: ServiceArea | None = None,
    now: datetime | None = None,
) -> CaseRecord:
    """Validate one GeoJSON Feature and normalise it into a CaseRecord.

    Doubtful values are kept and named in `quality_flags` (see QUALITY_FLAGS). A case is never moved, so
    a swapped pair or 0,0 leaves lon/lat None with a `location_note`. Polygons, lines and multi-part
    geometries are reduced to their planar centroid in degrees, with a note saying so.

    `service_area` is (min_lon, min_lat, max_lon, max_lat) in WGS 84, and a point outside it is kept and
    flagged. `now` is the aware time used for a missing `created_at` (default: the current UTC time).
    Flags and a location note stored by an earlier validation are kept, so parsing the output of
    `CaseRecord.to_feature` again gives the same record.

    Raises RecordError, naming the field and value, when the feature cannot be kept. The causes are: not
    an object, an unknown status or geometry type, coordinates that are not dot-decimal numbers or are out
    of range, an unparseable time, or a boolean or version of the wrong kind.
    """
    if not isinstance(feature, dict):
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid feature: expected a JSON object, got {value}")
        raise RecordError.from_template(template, value=_show(feature))
    if feature.get("type", "Feature") != "Feature":
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid feature type {value}")
        raise RecordError.from_template(template, "type", value=_show(feature.get("type")))
    properties = feature.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        template = QT_TRANSLATE_NOOP("SosErrors", "invalid properties: expected a JSON object, got {value}")
        raise RecordError.from_template(template, "properties", value=_show(properties))

    if _looks_like_area_not_case(feature, properties):
        # A hazard polygon or another area feature must not become an SOS case at its centroid. A bare point
        # stays a case: an SOS may carry nothing but its location.
        template = QT_TRANSLATE_NOOP("SosErrors", "not an SOS case: an area with none of the fields external_id, description, people_count, household_count, phone, address, created_at")  # noqa: E501  # fmt: skip
        raise RecordError.from_template(template, "properties")
    kept_flags = _read_kept_flags(properties)
    kept_location = _Location(
        note=_read_kept_text(properties, "location_note"),
        flags=[flag for flag in kept_flags if flag in _LOCATION_FLAGS],
    )
    location = _read_location(feature, kept_location, service_area)
    flags = list(location.flags)

    # Flags about values that validation dropped stay, because the dropped value cannot be read again.
    flags.extend(flag for flag in kept_flags if flag in ("created_at_missing", "needs_invalid"))

    people_count, people_raw, people_flag = _read_count(properties, "people_count")
    if people_flag:
        flags.append(people_flag)
    elif people_count is None:
        people_raw = _read_kept_text(properties, "people_count_raw")
        flags.extend(flag for flag in kept_flags if flag.startswith("people_count_"))

    household_count, _household_raw, household_flag = _read_count(properties, "household_count")
    if household_flag:
        flags.append(household_flag)
    elif household_count is None:
        flags.extend(flag for flag in kept_flags if flag.startswith("household_count_"))

    urgency = _read_urgency(properties, flags)
    if urgency is None and "urgency_invalid" in kept_flags:
        flags.append("urgency_invalid")

    created_at = _read_time(properties, "created_at")
    if created_at is None:
        created_at = now if now is not None else datetime.now(timezone.utc)
        if created_at.tzinfo is None:
            raise ValueError("parse_feature needs an aware `now`")
        flags.append("created_at_missing")

    return CaseRecord(
        id=_read_id(feature, properties),
        external_id=_optional_text(properties, "external_id"),
        status=_read_status(properties),
        people_count=people_count,
        people_count_raw=people_raw,
        household_count=household_count,
        phone=_read_phone(properties),
        reporter_name=_optional_text(properties, "reporter_name"),
        description=_text(properties, "description") or "",
        address=_optional_text(properties, "address"),
        urgency=urgency,
        needs=_read_needs(properties, flags),
        has_children=_read_bool(properties, "has_children"),
        has_elderly=_read_bool(properties, "has_elderly"),
        has_disabilities=_read_bool(properties, "has_disabilities"),
        created_at=created_at,
        updated_at=_read_time(properties, "updated_at"),
        version=_read_version(properties),
        source=_optional_text(properties, "source"),
        duplicate_of=_optional_text(properties, "duplicate_of"),
        lon=location.lon,
        lat=location.lat,
        location_note=location.note,
        quality_flags=_ordered_flags(flags),
    )


def _external_id_of(feature: Any) -> str | None:
    """Read the external id of a feature that may be invalid, for a rejection report."""
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        return None
    value = feature["properties"].get("external_id")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return normalize_text(str(value)) or None


def parse_features(
    features: list,
    *,
    service_area: ServiceArea | None = None,
    now: datetime | None = None,
    dedupe_external_ids: bool = True,
) -> ParseResult:
    """Validate a list of GeoJSON Features, keeping every valid case and reporting the rest.

    Each item goes through parse_feature (see there for `service_area` and `now`). An item that is not a
    JSON object or raises RecordError becomes a Rejection with its list index, its external id when one can
    be read, and the reason. The other items are kept in list order. With `dedupe_external_ids`, records that
    share a non-empty external id are reduced to the last one in the list, and that external id is listed
    once in `duplicates`. Records without an external id are never merged. `now` defaults to the current
    UTC time, read once for the whole list.
    """
    if now is None:
        now = datetime.now(timezone.utc)
    result = ParseResult()
    parsed: list = []
    for index, feature in enumerate(features):
        try:
            parsed.append(parse_feature(feature, service_area=service_area, now=now))
        except RecordError as exc:
            result.rejected.append(
                Rejection(index, _external_id_of(feature), exc.reason, exc.template, dict(exc.values))
            )

    if not dedupe_external_ids:
        result.records = parsed
        return result

    last_position: dict = {}
    seen_count: dict = {}
    for position, record in enumerate(parsed):
        if record.external_id is not None:
            last_position[record.external_id] = position
            seen_count[record.external_id] = seen_count.get(record.external_id, 0) + 1
    for position, record in enumerate(parsed):
        if record.external_id is None or last_position[record.external_id] == position:
            result.records.append(record)
    result.duplicates = [external_id for external_id, count in seen_count.items() if count > 1]
    return result
