"""Every plugin setting, declared once with its type and default, stored in QgsSettings.

Keys live under "sos_qgis_plugin/" in the active QGIS profile. The service token is never a setting, because
it lives in the QGIS authentication database (see auth.py). Settings keep only the authcfg id.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Optional

from qgis.core import QgsApplication, QgsSettings

SECTION = "sos_qgis_plugin/"

# (min lon, min lat, max lon, max lat) in WGS 84 degrees.
BBox = tuple[float, float, float, float]

VIETNAM_BBOX: BBox = (102.1, 8.2, 109.7, 23.5)

# The auto-refresh never ticks faster than this, so a typo cannot flood the service with requests.
MIN_REFRESH_INTERVAL_S = 5


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
)


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
        try:
            return spec.kind(raw)
        except (TypeError, ValueError):
            return spec.default

    def _write(self, spec: SettingSpec, value: Any) -> None:
        if spec.kind is tuple:
            value = format_bbox(value)
        self._store_factory().setValue(SECTION + spec.key, value)

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
        return max(MIN_REFRESH_INTERVAL_S, self._read(REFRESH_INTERVAL_S))

    @refresh_interval_s.setter
    def refresh_interval_s(self, value: int) -> None:
        self._write(REFRESH_INTERVAL_S, int(value))

    @property
    def landslide_radius_m(self) -> float:
        radius = self._read(LANDSLIDE_RADIUS_M)
        return radius if radius > 0 else LANDSLIDE_RADIUS_M.default

    @landslide_radius_m.setter
    def landslide_radius_m(self, value: float) -> None:
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
