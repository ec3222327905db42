"""Every plugin setting, declared once with its type and default, stored in QgsSettings.

Keys live under "sos_qgis_plugin/" in the active QGIS profile. The service token is never a setting, because
it lives in the QGIS authentication database (see auth.py). Settings keep only the authcfg id.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsGeometry,
    QgsMapLayer,
    QgsProject,
    QgsRectangle,
    QgsSettings,
    QgsVectorLayer,
    QgsWkbTypes,
)

from .core.priority import WEIGHT_NAMES, PriorityWeights

LOGGER = logging.getLogger("sos_qgis_plugin")

SECTION = "sos_qgis_plugin/"

# (min lon, min lat, max lon, max lat) in WGS 84 degrees.
BBox = tuple[float, float, float, float]

VIETNAM_BBOX: BBox = (102.1, 8.2, 109.7, 23.5)

# The auto-refresh never ticks faster than this, so a typo cannot flood the service with requests.
MIN_REFRESH_INTERVAL_S = 5
# Nor slower than once a day: cases older than that are stale for a rescue. QTimer also takes milliseconds
# as a 32-bit int, so it refuses intervals above 2,147,483 s (about 24.8 days).
MAX_REFRESH_INTERVAL_S = 24 * 3600
# A landslide zone reaches at most this far from its point. Run-out is usually a few kilometres at most (an
# estimate), so a larger radius is a typo or a damaged setting that would put whole provinces in one zone.
MAX_LANDSLIDE_RADIUS_M = 50_000.0


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its key below SECTION, the Python type it is read as and its default."""

    key: str
    kind: type
    default: Any


def _default_cases_gpkg_path() -> str:
    return os.path.join(QgsApplication.qgisSettingsDirPath(), "sos_qgis_plugin", "sos_cases.gpkg")


SERVICE_URL = SettingSpec("service_url", str, "")
AUTHCFG_ID = SettingSpec("authcfg_id", str, "")
REFRESH_INTERVAL_S = SettingSpec("refresh_interval_s", int, 30)
LANDSLIDE_RADIUS_M = SettingSpec("landslide_radius_m", float, 1000.0)
SERVICE_AREA = SettingSpec("service_area", tuple, VIETNAM_BBOX)
# An empty value means "in the QGIS profile folder", resolved on read because the profile is known only then.
CASES_GPKG_PATH = SettingSpec("cases_gpkg_path", str, "")
# Extra CA certificates (PEM file) for a service behind a private certificate authority.
CA_BUNDLE_PATH = SettingSpec("ca_bundle_path", str, "")
CONNECT_TIMEOUT_S = SettingSpec("connect_timeout_s", float, 10.0)
# A page of 1000 cases over a 3G link can take tens of seconds.
READ_TIMEOUT_S = SettingSpec("read_timeout_s", float, 60.0)
# Bounds one whole request (redirects and body included), so a server that trickles bytes cannot stall
# a refresh.
TOTAL_TIMEOUT_S = SettingSpec("total_timeout_s", float, 120.0)
# The five weights of the priority formula (docs/priority.md), stored as a JSON object.
PRIORITY_WEIGHTS = SettingSpec(
    "priority_weights", dict, {name: getattr(PriorityWeights(), name) for name in WEIGHT_NAMES}
)
# The id of a polygon layer of the project that outlines the service area; empty means "use the bbox".
SERVICE_AREA_LAYER_ID = SettingSpec("service_area_layer_id", str, "")
# The id of the commune polygon layer of the project used for filters and per-commune summaries.
ADMIN_LAYER_ID = SettingSpec("admin_layer_id", str, "")
# Saved hazard services, a JSON list of {"name", "kind", "url", "layer"} objects.
HAZARD_SERVICES = SettingSpec("hazard_services", list, [])
# Whether the officer paused the auto-refresh; it stays paused after a QGIS restart.
REFRESH_PAUSED = SettingSpec("refresh_paused", bool, False)
# The folder for situation reports; empty means the folder of the cases GeoPackage.
REPORT_FOLDER = SettingSpec("report_folder", str, "")

ALL_SETTINGS = (
    SERVICE_URL,
    AUTHCFG_ID,
    REFRESH_INTERVAL_S,
    LANDSLIDE_RADIUS_M,
    SERVICE_AREA,
    CASES_GPKG_PATH,
    CA_BUNDLE_PATH,
    CONNECT_TIMEOUT_S,
    READ_TIMEOUT_S,
    TOTAL_TIMEOUT_S,
    PRIORITY_WEIGHTS,
    SERVICE_AREA_LAYER_ID,
    ADMIN_LAYER_ID,
    HAZARD_SERVICES,
    REFRESH_PAUSED,
    REPORT_FOLDER,
)

HAZARD_SERVICE_KINDS = ("wms", "wmts", "wfs", "oapif", "xyz")
MAX_HAZARD_SERVICES = 200


def parse_bbox(text: str) -> Optional[BBox]:
    """Parse "min_lon,min_lat,max_lon,max_lat" in degrees; return None when the text is not a valid bbox.

    A bbox is valid when it has four finite numbers, longitudes within ±180, latitudes within ±90, and each
    minimum is below its maximum.
    """
    parts = [part.strip() for part in str(text).split(",")]
    if len(parts) != 4:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in parts)
    except ValueError:
        return None
    if not (-180.0 <= min_lon < max_lon <= 180.0):
        return None
    if not (-90.0 <= min_lat < max_lat <= 90.0):
        return None
    return (min_lon, min_lat, max_lon, max_lat)


def format_bbox(bbox: BBox) -> str:
    """Format a bbox as the comma-separated text that parse_bbox reads."""
    return ",".join(repr(float(value)) for value in bbox)


def parse_priority_weights(value: Any) -> Optional[dict[str, float]]:
    """Read the five priority weights from a mapping or its JSON text; return None when they are not valid.

    Valid weights have exactly the keys of WEIGHT_NAMES, finite values of 0 or more and a positive sum
    that is finite too: five weights of 1e308 add up to infinity, and every priority would be NaN.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, Mapping) or set(value) != set(WEIGHT_NAMES):
        return None
    weights = {}
    for name in WEIGHT_NAMES:
        number = value[name]
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            return None
        number = float(number)
        if not (math.isfinite(number) and number >= 0.0):
            return None
        weights[name] = number
    total = sum(weights.values())
    if not (math.isfinite(total) and total > 0.0):
        return None
    return weights


def hazard_service_problem(service: Any) -> Optional[str]:
    """Return why a saved hazard service is not valid, in English, or None when it is valid.

    A valid service is a dict with a non-empty "name", a "kind" from HAZARD_SERVICE_KINDS and an http or
    https "url". Its "layer" is the layer or type name, which only an XYZ service may leave empty. The
    reason goes only to the log, so it is not translated.
    """
    if not isinstance(service, Mapping):
        return "not an object"
    name = service.get("name")
    if not isinstance(name, str) or not name.strip():
        return "missing name"
    if service.get("kind") not in HAZARD_SERVICE_KINDS:
        return f"unknown kind {service.get('kind')!r}"
    url = service.get("url")
    if not isinstance(url, str) or urlsplit(url.strip()).scheme not in ("http", "https"):
        return f"invalid url {url!r}"
    if not urlsplit(url.strip()).hostname:
        return f"invalid url {url!r}"
    layer = service.get("layer", "")
    if not isinstance(layer, str):
        return "layer is not text"
    if not layer.strip() and service["kind"] != "xyz":
        return "missing layer"
    return None


def _normalised_service(service: Mapping) -> dict[str, str]:
    return {
        "name": service["name"].strip(),
        "kind": service["kind"],
        "url": service["url"].strip(),
        "layer": service.get("layer", "").strip(),
    }


def _read_bool(raw: Any) -> Optional[bool]:
    # QgsSettings returns the text "true" or "false" from an ini file and a bool from the Windows registry.
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    return None


def _radius_in_bounds(radius: float) -> bool:
    # NaN fails every comparison and infinity is above the maximum, so both are out of bounds.
    return 0.0 < radius <= MAX_LANDSLIDE_RADIUS_M


class Settings:
    """Typed access to the plugin settings; every read falls back to the declared default on a bad value."""

    def __init__(self, store_factory: Callable[[], QgsSettings] = QgsSettings) -> None:
        self._store_factory = store_factory

    def _read(self, spec: SettingSpec) -> Any:
        raw = self._store_factory().value(SECTION + spec.key, None)
        if raw is None or raw == "":
            return spec.default
        if spec.kind is tuple:
            bbox = parse_bbox(raw if isinstance(raw, str) else ",".join(str(part) for part in raw))
            return spec.default if bbox is None else bbox
        if spec.kind is str:
            return str(raw)
        if spec.kind is bool:
            value = _read_bool(raw)
            return spec.default if value is None else value
        if spec.kind in (dict, list):
            return self._read_json(spec, raw)
        try:
            return spec.kind(raw)
        except (TypeError, ValueError):
            return spec.default

    @staticmethod
    def _read_json(spec: SettingSpec, raw: Any) -> Any:
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            LOGGER.warning("The setting %s is not valid JSON; using its default", spec.key)
            return json.loads(json.dumps(spec.default))
        if not isinstance(value, spec.kind):
            LOGGER.warning("The setting %s is not a JSON %s; using its default", spec.key, spec.kind.__name__)
            # A deep copy, so that a caller changing the result cannot change the declared default.
            return json.loads(json.dumps(spec.default))
        return value

    def _write(self, spec: SettingSpec, value: Any) -> None:
        if spec.kind is tuple:
            value = format_bbox(value)
        elif spec.kind in (dict, list):
            value = json.dumps(value, ensure_ascii=False)
        self._store_factory().setValue(SECTION + spec.key, value)

    def has_value(self, spec: SettingSpec) -> bool:
        """Return True when a non-empty value is stored for spec, False when its declared default applies."""
        raw = self._store_factory().value(SECTION + spec.key, None)
        return raw is not None and raw != ""

    def reset(self, spec: SettingSpec) -> None:
        """Remove a stored value so that the declared default applies again."""
        self._store_factory().remove(SECTION + spec.key)

    @property
    def service_url(self) -> str:
        return self._read(SERVICE_URL).strip()

    @service_url.setter
    def service_url(self, value: str) -> None:
        self._write(SERVICE_URL, value.strip())

    @property
    def authcfg_id(self) -> str:
        return self._read(AUTHCFG_ID)

    @authcfg_id.setter
    def authcfg_id(self, value: str) -> None:
        self._write(AUTHCFG_ID, value)

    @property
    def refresh_interval_s(self) -> int:
        """Seconds between refreshes, clamped to MIN_REFRESH_INTERVAL_S..MAX_REFRESH_INTERVAL_S."""
        return min(MAX_REFRESH_INTERVAL_S, max(MIN_REFRESH_INTERVAL_S, self._read(REFRESH_INTERVAL_S)))

    @refresh_interval_s.setter
    def refresh_interval_s(self, value: int) -> None:
        # Values from 1 to MIN_REFRESH_INTERVAL_S are kept and read as the minimum.
        if not 1 <= int(value) <= MAX_REFRESH_INTERVAL_S:
            raise ValueError(f"refresh interval must be 1 to {MAX_REFRESH_INTERVAL_S} s, got {value!r}")
        self._write(REFRESH_INTERVAL_S, int(value))

    @property
    def landslide_radius_m(self) -> float:
        """The landslide zone radius in metres.

        A stored value outside (0, MAX_LANDSLIDE_RADIUS_M], NaN or infinity gives the default.
        """
        radius = self._read(LANDSLIDE_RADIUS_M)
        return radius if _radius_in_bounds(radius) else LANDSLIDE_RADIUS_M.default

    @landslide_radius_m.setter
    def landslide_radius_m(self, value: float) -> None:
        if not _radius_in_bounds(float(value)):
            raise ValueError(
                f"landslide radius must be above 0 and at most {MAX_LANDSLIDE_RADIUS_M:g} m, got {value!r}"
            )
        self._write(LANDSLIDE_RADIUS_M, float(value))

    @property
    def service_area(self) -> BBox:
        return self._read(SERVICE_AREA)

    @service_area.setter
    def service_area(self, value: BBox) -> None:
        if parse_bbox(format_bbox(value)) is None:
            raise ValueError(f"invalid service area bbox: {value!r}")
        self._write(SERVICE_AREA, value)

    @property
    def cases_gpkg_path(self) -> str:
        return self._read(CASES_GPKG_PATH) or _default_cases_gpkg_path()

    @cases_gpkg_path.setter
    def cases_gpkg_path(self, value: str) -> None:
        self._write(CASES_GPKG_PATH, value)

    @property
    def ca_bundle_path(self) -> str:
        return self._read(CA_BUNDLE_PATH)

    @ca_bundle_path.setter
    def ca_bundle_path(self, value: str) -> None:
        self._write(CA_BUNDLE_PATH, value)

    @property
    def connect_timeout_s(self) -> float:
        timeout = self._read(CONNECT_TIMEOUT_S)
        return timeout if timeout > 0 else CONNECT_TIMEOUT_S.default

    @property
    def read_timeout_s(self) -> float:
        timeout = self._read(READ_TIMEOUT_S)
        return timeout if timeout > 0 else READ_TIMEOUT_S.default

    @property
    def total_timeout_s(self) -> float:
        timeout = self._read(TOTAL_TIMEOUT_S)
        return timeout if timeout > 0 else TOTAL_TIMEOUT_S.default

    @property
    def priority_weights(self) -> PriorityWeights:
        """The priority weights; stored weights that are not valid give the defaults."""
        weights = parse_priority_weights(self._read(PRIORITY_WEIGHTS))
        if weights is None:
            LOGGER.warning("The stored priority weights are not valid; using the defaults")
            weights = dict(PRIORITY_WEIGHTS.default)
        return PriorityWeights(**weights)

    @priority_weights.setter
    def priority_weights(self, value: PriorityWeights | Mapping[str, float]) -> None:
        if isinstance(value, PriorityWeights):
            value = {name: getattr(value, name) for name in WEIGHT_NAMES}
        weights = parse_priority_weights(value)
        if weights is None:
            raise ValueError(
                f"priority weights need the keys {', '.join(WEIGHT_NAMES)}, finite values of 0 or more and a "
                f"finite positive sum, got {value!r}"
            )
        self._write(PRIORITY_WEIGHTS, weights)

    @property
    def service_area_layer_id(self) -> str:
        return self._read(SERVICE_AREA_LAYER_ID)

    @service_area_layer_id.setter
    def service_area_layer_id(self, value: str) -> None:
        self._write(SERVICE_AREA_LAYER_ID, value.strip())

    @property
    def admin_layer_id(self) -> str:
        return self._read(ADMIN_LAYER_ID)

    @admin_layer_id.setter
    def admin_layer_id(self, value: str) -> None:
        self._write(ADMIN_LAYER_ID, value.strip())

    @property
    def hazard_services(self) -> list[dict[str, str]]:
        """The saved hazard services in the order the user saved them; invalid stored entries are skipped."""
        services = []
        for index, service in enumerate(self._read(HAZARD_SERVICES)):
            problem = hazard_service_problem(service)
            if problem is not None:
                LOGGER.warning("Saved hazard service %d skipped: %s", index, problem)
                continue
            services.append(_normalised_service(service))
        return services

    @hazard_services.setter
    def hazard_services(self, value: Sequence[Mapping[str, str]]) -> None:
        services = list(value)
        if len(services) > MAX_HAZARD_SERVICES:
            raise ValueError(
                f"at most {MAX_HAZARD_SERVICES} hazard services can be saved, got {len(services)}"
            )
        for index, service in enumerate(services):
            problem = hazard_service_problem(service)
            if problem is not None:
                raise ValueError(f"hazard service {index}: {problem}")
        self._write(HAZARD_SERVICES, [_normalised_service(service) for service in services])

    @property
    def refresh_paused(self) -> bool:
        return self._read(REFRESH_PAUSED)

    @refresh_paused.setter
    def refresh_paused(self, value: bool) -> None:
        self._write(REFRESH_PAUSED, bool(value))

    @property
    def report_folder(self) -> str:
        """The folder for situation reports: the setting, else the folder of the cases GeoPackage."""
        return self._read(REPORT_FOLDER) or os.path.dirname(self.cases_gpkg_path)

    @report_folder.setter
    def report_folder(self, value: str) -> None:
        self._write(REPORT_FOLDER, value.strip())


WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")


def service_area_layer(settings: Settings, project: Optional[QgsProject] = None) -> Optional[QgsVectorLayer]:
    """Return the polygon layer set as service area, or None when none is set or it cannot be used.

    A layer that is set but missing from the project, not a valid vector layer or not polygons is logged
    as a warning and gives None, so the bbox applies instead.
    """
    layer_id = settings.service_area_layer_id
    if not layer_id:
        return None
    project = project or QgsProject.instance()
    layer = project.mapLayer(layer_id)
    if layer is None:
        LOGGER.warning("The service area layer %s is not in the project; using the bbox", layer_id)
        return None
    if (
        layer.type() != QgsMapLayer.LayerType.VectorLayer
        or not layer.isValid()
        or layer.geometryType() != QgsWkbTypes.GeometryType.PolygonGeometry
    ):
        LOGGER.warning("The service area layer %s is not a valid polygon layer; using the bbox", layer_id)
        return None
    return layer


def service_area_geometry(settings: Settings, project: Optional[QgsProject] = None) -> Optional[QgsGeometry]:
    """Build the service area as one geometry in WGS 84 (EPSG:4326) lon/lat degrees.

    With a usable service area layer (see service_area_layer) this is the union of its polygons,
    reprojected and with invalid polygons repaired. Otherwise it is the rectangle of the service area bbox.
    Returns None only when the layer has no polygon at all, because no case can be inside an empty area.
    Call it on the main thread, because it reads a project layer, and pass the result to worker threads.
    """
    layer = service_area_layer(settings, project)
    if layer is None:
        return QgsGeometry.fromRect(QgsRectangle(*settings.service_area))

    transform = QgsCoordinateTransform(layer.crs(), WGS84, project or QgsProject.instance())
    parts = []
    for feature in layer.getFeatures():
        geometry = feature.geometry()
        if geometry is None or geometry.isEmpty():
            continue
        geometry = QgsGeometry(geometry)
        if not geometry.isGeosValid():
            geometry = geometry.makeValid()
        geometry.transform(transform)
        parts.append(geometry)
    if not parts:
        LOGGER.warning("The service area layer %s has no polygon", layer.id())
        return None
    area = QgsGeometry.unaryUnion(parts)
    return None if area.isNull() or area.isEmpty() else area
