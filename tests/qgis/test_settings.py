"""Typed settings with defaults, and the network settings that build the client."""

from __future__ import annotations

import os

import pytest
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsGeometry,
    QgsNetworkAccessManager,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsSettings,
    QgsVectorLayer,
)
from qgis.PyQt.QtNetwork import QNetworkProxy

from sos_qgis_plugin.core.errors import SosError
from sos_qgis_plugin.network import ca_bundle_path, client_config, proxies_for
from sos_qgis_plugin.settings import (
    ALL_SETTINGS,
    MAX_LANDSLIDE_RADIUS_M,
    MAX_REFRESH_INTERVAL_S,
    SECTION,
    VIETNAM_BBOX,
    Settings,
    parse_bbox,
    parse_priority_weights,
    service_area_geometry,
)

FLOOD_WMS = {"name": "Flood extent", "kind": "wms", "url": "https://maps.example.org/wms", "layer": "flood"}


@pytest.fixture()
def settings(qgis_app):
    store = QgsSettings()
    for spec in ALL_SETTINGS:
        store.remove(SECTION + spec.key)
    yield Settings()
    for spec in ALL_SETTINGS:
        store.remove(SECTION + spec.key)


@pytest.fixture()
def proxy_manager(qgis_app):
    manager = QgsNetworkAccessManager.instance()
    saved = (manager.fallbackProxy(), manager.excludeList(), manager.noProxyList())
    yield manager
    manager.setFallbackProxyAndExcludes(*saved)


def test_defaults(settings):
    assert settings.service_url == ""
    assert settings.authcfg_id == ""
    assert settings.refresh_interval_s == 30
    assert settings.landslide_radius_m == 1000.0
    assert settings.service_area == VIETNAM_BBOX


def test_gpkg_default_in_profile(settings):
    from qgis.core import QgsApplication

    assert settings.cases_gpkg_path.startswith(QgsApplication.qgisSettingsDirPath())
    assert settings.cases_gpkg_path.endswith(os.path.join("sos_qgis_plugin", "sos_cases.gpkg"))


def test_roundtrip_values(settings):
    settings.service_url = " https://sos.example.org "
    settings.refresh_interval_s = 45
    settings.landslide_radius_m = 250.5
    settings.service_area = (108.0, 12.0, 110.0, 14.0)
    fresh = Settings()
    assert fresh.service_url == "https://sos.example.org"
    assert fresh.refresh_interval_s == 45
    assert fresh.landslide_radius_m == 250.5
    assert fresh.service_area == (108.0, 12.0, 110.0, 14.0)


def test_bad_values_fall_back(settings):
    store = QgsSettings()
    store.setValue(SECTION + "refresh_interval_s", "often")
    store.setValue(SECTION + "landslide_radius_m", "-5")
    store.setValue(SECTION + "service_area", "1,2,3")
    assert settings.refresh_interval_s == 30
    assert settings.landslide_radius_m == 1000.0
    assert settings.service_area == VIETNAM_BBOX


def test_refresh_interval_floor(settings):
    settings.refresh_interval_s = 1
    assert settings.refresh_interval_s == 5


@pytest.mark.parametrize("stored", ["inf", "1e300", "nan", str(MAX_LANDSLIDE_RADIUS_M + 1)])
def test_radius_out_of_bounds_default(settings, stored):
    QgsSettings().setValue(SECTION + "landslide_radius_m", stored)
    assert settings.landslide_radius_m == 1000.0


def test_radius_at_maximum_kept(settings):
    QgsSettings().setValue(SECTION + "landslide_radius_m", str(MAX_LANDSLIDE_RADIUS_M))
    assert settings.landslide_radius_m == MAX_LANDSLIDE_RADIUS_M


@pytest.mark.parametrize("radius", [float("inf"), float("nan"), 0.0, -1.0, MAX_LANDSLIDE_RADIUS_M + 1])
def test_radius_out_of_bounds_rejected(settings, radius):
    with pytest.raises(ValueError):
        settings.landslide_radius_m = radius


@pytest.mark.parametrize("stored", ["2147484", "99999999999", str(MAX_REFRESH_INTERVAL_S + 1)])
def test_refresh_interval_ceiling(settings, stored):
    QgsSettings().setValue(SECTION + "refresh_interval_s", stored)
    assert settings.refresh_interval_s == MAX_REFRESH_INTERVAL_S


def test_refresh_interval_ceiling_starts_timer(settings):
    from qgis.PyQt.QtCore import QTimer

    QgsSettings().setValue(SECTION + "refresh_interval_s", "2147484")
    timer = QTimer()
    timer.start(settings.refresh_interval_s * 1000)
    timer.stop()
    assert timer.interval() == MAX_REFRESH_INTERVAL_S * 1000


@pytest.mark.parametrize("interval", [0, MAX_REFRESH_INTERVAL_S + 1])
def test_refresh_interval_out_of_bounds_rejected(settings, interval):
    with pytest.raises(ValueError):
        settings.refresh_interval_s = interval


def test_invalid_service_area_rejected(settings):
    with pytest.raises(ValueError):
        settings.service_area = (110.0, 12.0, 108.0, 14.0)


@pytest.mark.parametrize("text", ["", "1,2,3", "a,b,c,d", "0,95,1,96", "10,0,5,1"])
def test_parse_bbox_invalid(text):
    assert parse_bbox(text) is None


def test_parse_bbox_valid():
    assert parse_bbox(" 102.1, 8.2,109.7,23.5") == VIETNAM_BBOX


def test_proxy_none_without_qgis_proxy(proxy_manager):
    proxy_manager.setFallbackProxyAndExcludes(QNetworkProxy(QNetworkProxy.ProxyType.NoProxy), [], [])
    assert proxies_for("https://sos.example.org") is None


def test_proxy_http_with_credentials(proxy_manager):
    proxy = QNetworkProxy(QNetworkProxy.ProxyType.HttpProxy, "proxy.local", 3128, "officer", "p@ss")
    proxy_manager.setFallbackProxyAndExcludes(proxy, [], [])
    proxies = proxies_for("https://sos.example.org/collections")
    assert proxies == {
        "http": "http://officer:p%40ss@proxy.local:3128",
        "https": "http://officer:p%40ss@proxy.local:3128",
    }


def test_proxy_excluded_url_bypasses(proxy_manager):
    proxy = QNetworkProxy(QNetworkProxy.ProxyType.HttpProxy, "proxy.local", 3128)
    proxy_manager.setFallbackProxyAndExcludes(proxy, [], ["https://sos.internal"])
    assert proxies_for("https://sos.internal/collections") == {"no_proxy": "sos.internal"}


def test_ca_bundle_from_setting(settings, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    settings.ca_bundle_path = str(bundle)
    assert ca_bundle_path(settings) == str(bundle)


def test_ca_bundle_missing_file_rejected(settings, tmp_path):
    settings.ca_bundle_path = str(tmp_path / "absent.pem")
    with pytest.raises(SosError):
        ca_bundle_path(settings)


def test_client_config_rejects_bad_url(settings):
    with pytest.raises(SosError):
        client_config("ftp://sos.example.org", "t", settings)


def test_client_config_carries_timeouts(settings, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    config = client_config("https://sos.example.org", "t", settings)
    assert config.connect_timeout_s == 10.0
    assert config.read_timeout_s == 60.0
    assert config.ca_bundle is None


def test_new_defaults(settings):
    assert settings.priority_weights.urgency == 30.0
    assert settings.service_area_layer_id == ""
    assert settings.admin_layer_id == ""
    assert settings.hazard_services == []
    assert settings.refresh_paused is False
    assert settings.total_timeout_s == 120.0


def test_report_folder_default(settings):
    assert settings.report_folder == os.path.dirname(settings.cases_gpkg_path)


def test_settings_declared_once():
    keys = [spec.key for spec in ALL_SETTINGS]
    assert len(keys) == len(set(keys))


def test_weights_roundtrip(settings):
    settings.priority_weights = {"urgency": 10, "people": 0, "vulnerable": 5, "hazard": 50, "waiting": 35}
    weights = Settings().priority_weights
    assert weights.hazard == 50.0
    assert weights.people == 0.0


@pytest.mark.parametrize(
    "stored",
    [
        "not json",
        "[1, 2]",
        '{"urgency": 30}',
        '{"urgency": -1, "people": 20, "vulnerable": 15, "hazard": 20, "waiting": 15}',
        '{"urgency": 0, "people": 0, "vulnerable": 0, "hazard": 0, "waiting": 0}',
        '{"urgency": "30", "people": 20, "vulnerable": 15, "hazard": 20, "waiting": 15}',
        '{"urgency": 1e308, "people": 1e308, "vulnerable": 1e308, "hazard": 1e308, "waiting": 1e308}',
        '{"urgency": Infinity, "people": 20, "vulnerable": 15, "hazard": 20, "waiting": 15}',
    ],
)
def test_bad_weights_fall_back(settings, stored):
    QgsSettings().setValue(SECTION + "priority_weights", stored)
    assert settings.priority_weights.urgency == 30.0


def test_bad_weights_rejected(settings):
    with pytest.raises(ValueError):
        settings.priority_weights = {"urgency": 1}


def test_weights_infinite_sum_rejected(settings):
    with pytest.raises(ValueError):
        settings.priority_weights = {
            name: 1e308 for name in ("urgency", "people", "vulnerable", "hazard", "waiting")
        }


def test_parse_weights_nan():
    weights = {"urgency": float("nan"), "people": 20, "vulnerable": 15, "hazard": 20, "waiting": 15}
    assert parse_priority_weights(weights) is None


def test_hazard_services_roundtrip(settings):
    xyz = {"name": " Terrain ", "kind": "xyz", "url": "https://tiles.example.org/{z}/{x}/{y}.png"}
    settings.hazard_services = [FLOOD_WMS, xyz]
    services = Settings().hazard_services
    assert services[0] == FLOOD_WMS
    assert services[1] == {
        "name": "Terrain",
        "kind": "xyz",
        "url": "https://tiles.example.org/{z}/{x}/{y}.png",
        "layer": "",
    }


def test_hazard_services_keep_vietnamese(settings):
    settings.hazard_services = [dict(FLOOD_WMS, name="Vùng ngập Đắk Lắk")]
    assert Settings().hazard_services[0]["name"] == "Vùng ngập Đắk Lắk"


@pytest.mark.parametrize(
    "service",
    [
        dict(FLOOD_WMS, kind="shapefile"),
        dict(FLOOD_WMS, url="file:///etc/passwd"),
        dict(FLOOD_WMS, url="https://"),
        dict(FLOOD_WMS, name=" "),
        dict(FLOOD_WMS, layer=""),
        "https://maps.example.org/wms",
    ],
)
def test_bad_hazard_service_rejected(settings, service):
    with pytest.raises(ValueError):
        settings.hazard_services = [service]


def test_bad_stored_services_skipped(settings):
    stored = '[{"name": "x", "kind": "ftp", "url": "ftp://a", "layer": "l"}, ' + (
        '{"name": "Flood extent", "kind": "wms", "url": "https://maps.example.org/wms", "layer": "flood"}]'
    )
    QgsSettings().setValue(SECTION + "hazard_services", stored)
    assert settings.hazard_services == [FLOOD_WMS]


def test_stored_services_not_list(settings):
    QgsSettings().setValue(SECTION + "hazard_services", '{"name": "x"}')
    assert settings.hazard_services == []


@pytest.mark.parametrize(("stored", "expected"), [("true", True), ("false", False), ("maybe", False)])
def test_refresh_paused_read(settings, stored, expected):
    QgsSettings().setValue(SECTION + "refresh_paused", stored)
    assert settings.refresh_paused is expected


def test_refresh_paused_roundtrip(settings):
    settings.refresh_paused = True
    assert Settings().refresh_paused is True


def test_total_timeout_bad_value(settings):
    QgsSettings().setValue(SECTION + "total_timeout_s", "0")
    assert settings.total_timeout_s == 120.0


# Service area as a geometry in WGS 84, from the bbox or a polygon layer.


def _polygon_layer(crs: str, wkts: list) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"Polygon?crs={crs}", "area", "memory")
    features = []
    for wkt in wkts:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


@pytest.fixture()
def project(qgis_new_project):
    return QgsProject.instance()


def test_area_geometry_from_bbox(settings, project):
    settings.service_area = (108.0, 12.0, 110.0, 14.0)
    area = service_area_geometry(settings, project)
    assert area.boundingBox() == QgsRectangle(108.0, 12.0, 110.0, 14.0)


def test_area_geometry_from_layer(settings, project):
    # Two squares in Web Mercator around (108.5, 12.5) and (109.5, 12.5), about 11 km wide.
    transform = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"), QgsCoordinateReferenceSystem("EPSG:3857"), project
    )
    squares = []
    for lon in (108.5, 109.5):
        square = QgsGeometry.fromRect(QgsRectangle(lon - 0.05, 12.45, lon + 0.05, 12.55))
        square.transform(transform)
        squares.append(square.asWkt())
    layer = _polygon_layer("EPSG:3857", squares)
    project.addMapLayer(layer)
    settings.service_area_layer_id = layer.id()

    area = service_area_geometry(settings, project)

    assert area.contains(QgsGeometry.fromPointXY(QgsPointXY(108.5, 12.5)))
    assert area.contains(QgsGeometry.fromPointXY(QgsPointXY(109.5, 12.5)))
    assert not area.contains(QgsGeometry.fromPointXY(QgsPointXY(109.0, 12.5)))


def test_area_geometry_repairs_bowtie(settings, project):
    layer = _polygon_layer("EPSG:4326", ["POLYGON((108 12, 109 13, 109 12, 108 13, 108 12))"])
    project.addMapLayer(layer)
    settings.service_area_layer_id = layer.id()
    area = service_area_geometry(settings, project)
    assert area.isGeosValid()
    assert area.contains(QgsGeometry.fromPointXY(QgsPointXY(108.1, 12.5)))


def test_area_geometry_missing_layer(settings, project):
    settings.service_area_layer_id = "gone_1234"
    area = service_area_geometry(settings, project)
    assert area.boundingBox() == QgsRectangle(*VIETNAM_BBOX)


def test_area_geometry_empty_layer(settings, project):
    layer = _polygon_layer("EPSG:4326", [])
    project.addMapLayer(layer)
    settings.service_area_layer_id = layer.id()
    assert service_area_geometry(settings, project) is None


def test_area_geometry_ignores_points(settings, project):
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "points", "memory")
    project.addMapLayer(layer)
    settings.service_area_layer_id = layer.id()
    area = service_area_geometry(settings, project)
    assert area.boundingBox() == QgsRectangle(*VIETNAM_BBOX)
