"""A fetch follows the settings: the service area polygon layer for the outside flag, and the weights."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from qgis.core import QgsFeature, QgsGeometry, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QCoreApplication

from sos_qgis_plugin.core.api_client import ClientConfig, SosClient
from sos_qgis_plugin.core.records import parse_feature
from sos_qgis_plugin.plugin import SosPlugin
from sos_qgis_plugin.settings import Settings
from sos_qgis_plugin.tasks import flag_outside_area

# A rectangle over the western half of the test cases, which lie on lat 12.5 at lon 108.000, 108.001, ...
AREA_WKT = "POLYGON((107.9 12.0, 108.0045 12.0, 108.0045 13.0, 107.9 13.0, 107.9 12.0))"


def _record(lon: float, lat: float, flags: list | None = None):
    feature = {
        "type": "Feature",
        "id": f"c{int(lon * 1000)}",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"status": "needs_help", "created_at": "2025-11-19T08:15:00+07:00"},
    }
    record = parse_feature(feature)
    if flags is not None:
        record.quality_flags = list(flags)
    return record


def test_flags_points_outside_polygon():
    area = QgsGeometry.fromWkt("POLYGON((108 12, 109 12, 109 13, 108 13, 108 12))")
    inside, outside = _record(108.5, 12.5), _record(110.0, 12.5)

    count = flag_outside_area([inside, outside], area)

    assert count == 1
    assert "outside_service_area" not in inside.quality_flags
    assert "outside_service_area" in outside.quality_flags


def test_polygon_clears_bbox_flag():
    area = QgsGeometry.fromWkt("POLYGON((108 12, 109 12, 109 13, 108 13, 108 12))")
    record = _record(108.5, 12.5, flags=["outside_service_area", "people_count_invalid"])

    flag_outside_area([record], area)

    assert record.quality_flags == ["people_count_invalid"]


def test_unlocated_record_keeps_flags():
    area = QgsGeometry.fromWkt("POLYGON((108 12, 109 12, 109 13, 108 13, 108 12))")
    record = _record(108.5, 12.5, flags=["no_location"])
    record.lon = record.lat = None

    flag_outside_area([record], area)

    assert record.quality_flags == ["no_location"]


def _process_events_until(condition, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def area_layer(qgis_new_project):
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", "Service area", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromWkt(AREA_WKT))
    layer.dataProvider().addFeatures([feature])
    QgsProject.instance().addMapLayer(layer)
    return layer


def test_fetch_flags_by_area_layer(qgis_iface, sos_server, tmp_path: Path, area_layer):
    features = [
        {
            "type": "Feature",
            "properties": {
                "external_id": f"area-{number}",
                "status": "needs_help",
                "created_at": "2025-11-19T08:15:00+07:00",
            },
            "geometry": {"type": "Point", "coordinates": [108.0 + number / 1000, 12.5]},
        }
        for number in range(10)
    ]
    path = tmp_path / "area_cases.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    assert sos_server.import_file(path).returncode == 0

    settings = Settings()
    saved = (
        settings.service_url,
        settings.authcfg_id,
        settings.cases_gpkg_path,
        settings.service_area_layer_id,
    )
    settings.service_url = sos_server.url
    settings.authcfg_id = "unused"
    settings.cases_gpkg_path = str(tmp_path / "cases.gpkg")
    settings.service_area_layer_id = area_layer.id()

    def client_factory(base_url, authcfg_id, settings=None):
        return SosClient(ClientConfig(base_url=base_url, token=sos_server.tokens["viewer"], max_retries=0))

    plugin = SosPlugin(qgis_iface, dependency_checker=list, client_factory=client_factory, settings=settings)
    plugin.initGui()
    try:
        plugin.fetch_now()
        assert _process_events_until(lambda: not plugin.fetch_running()), "the fetch did not end"
        flagged = {
            feature["external_id"]
            for feature in plugin.case_layer().getFeatures()
            if "outside_service_area" in str(feature["quality_flags"] or "")
        }
    finally:
        plugin.unload()
        (
            settings.service_url,
            settings.authcfg_id,
            settings.cases_gpkg_path,
            settings.service_area_layer_id,
        ) = saved

    # Cases 0 to 4 (lon 108.000 to 108.004) are inside the rectangle, which the bbox setting does not know.
    assert flagged == {f"area-{number}" for number in range(5, 10)}


def test_fetch_uses_priority_weights(qgis_iface, qgis_new_project, sos_server, tmp_path: Path):
    feature = {
        "type": "Feature",
        "properties": {
            "external_id": "weights-1",
            "status": "needs_help",
            "urgency": "critical",
            "created_at": "2025-11-19T08:15:00+07:00",
        },
        "geometry": {"type": "Point", "coordinates": [108.3, 12.5]},
    }
    path = tmp_path / "weights.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    assert sos_server.import_file(path).returncode == 0

    settings = Settings()
    saved = (settings.service_url, settings.authcfg_id, settings.cases_gpkg_path, settings.priority_weights)
    settings.service_url = sos_server.url
    settings.authcfg_id = "unused"
    settings.cases_gpkg_path = str(tmp_path / "cases.gpkg")
    # Only urgency counts, so a critical case scores the full 100.
    only_urgency = {"urgency": 1.0, "people": 0.0, "vulnerable": 0.0, "hazard": 0.0, "waiting": 0.0}
    settings.priority_weights = only_urgency

    def client_factory(base_url, authcfg_id, settings=None):
        return SosClient(ClientConfig(base_url=base_url, token=sos_server.tokens["viewer"], max_retries=0))

    plugin = SosPlugin(qgis_iface, dependency_checker=list, client_factory=client_factory, settings=settings)
    plugin.initGui()
    try:
        plugin.fetch_now()
        assert _process_events_until(lambda: not plugin.fetch_running()), "the fetch did not end"
        priorities = [feature["priority"] for feature in plugin.case_layer().getFeatures()]
    finally:
        plugin.unload()
        settings.service_url, settings.authcfg_id, settings.cases_gpkg_path, settings.priority_weights = saved

    assert priorities == [pytest.approx(100.0)]
