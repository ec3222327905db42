"""Typed settings with defaults, and the network settings that build the client."""

from __future__ import annotations

import os

import pytest
from qgis.core import QgsNetworkAccessManager, QgsSettings
from qgis.PyQt.QtNetwork import QNetworkProxy

from sos_qgis_plugin.core.errors import SosError
from sos_qgis_plugin.network import ca_bundle_path, client_config, proxies_for
from sos_qgis_plugin.settings import ALL_SETTINGS, SECTION, VIETNAM_BBOX, Settings, parse_bbox


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
