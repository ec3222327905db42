"""The plugin shows the result per case of an officer's send, clusters cases, and keeps a restyled layer."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from qgis.core import Qgis, QgsPointClusterRenderer, QgsSingleSymbolRenderer, QgsSymbol, QgsWkbTypes
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtWidgets import QPushButton

from sos_qgis_plugin.core.api_client import ClientConfig, SosClient
from sos_qgis_plugin.plugin import SosPlugin
from sos_qgis_plugin.settings import Settings


def _process_events_until(condition, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


def _import_cases(server, folder: Path, count: int) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {
                "external_id": f"results-{number}",
                "status": "needs_help",
                "people_count": 2,
                "address": f"Thôn {number}, xã Hòa Phú",
                "created_at": "2025-11-19T08:15:00+07:00",
            },
            "geometry": {"type": "Point", "coordinates": [108.0 + number / 1000, 12.5]},
        }
        for number in range(count)
    ]
    path = folder / "results_cases.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    result = server.import_file(path)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def plugin(qgis_iface, qgis_new_project, sos_server, tmp_path):
    settings = Settings()
    saved = (settings.service_url, settings.authcfg_id, settings.cases_gpkg_path, settings.refresh_paused)
    settings.service_url = sos_server.url
    settings.authcfg_id = "unused"
    settings.cases_gpkg_path = str(tmp_path / "cases.gpkg")
    settings.refresh_paused = True

    def client_factory(base_url, authcfg_id, settings=None):
        # The officer token is given directly: the authentication database is not under test here.
        config = ClientConfig(base_url=base_url, token=sos_server.tokens["officer"], max_retries=0)
        return SosClient(config)

    plugin = SosPlugin(qgis_iface, dependency_checker=list, client_factory=client_factory, settings=settings)
    plugin.initGui()
    yield plugin
    plugin.unload()
    settings.service_url, settings.authcfg_id, settings.cases_gpkg_path, settings.refresh_paused = saved


def _fetch(plugin) -> None:
    plugin.fetch_now()
    assert _process_events_until(lambda: not plugin.fetch_running()), "the fetch did not end"


def _send_idle(plugin) -> bool:
    return plugin._send_task is None


def test_officer_send_keeps_results(plugin, sos_server, tmp_path):
    _import_cases(sos_server, tmp_path, 3)
    _fetch(plugin)
    layer = plugin.case_layer()
    features = list(layer.getFeatures())

    assert plugin.queue_status_changes(layer, features, "in_progress", "", "Đội 2")
    assert _process_events_until(lambda: _send_idle(plugin)), "the send did not end"

    assert sorted(change.case_id for change in plugin.last_send_changes) == sorted(f["id"] for f in features)


def test_results_dialog_lists_each_case(plugin, sos_server, tmp_path):
    _import_cases(sos_server, tmp_path, 3)
    _fetch(plugin)
    layer = plugin.case_layer()
    assert plugin.queue_status_changes(layer, list(layer.getFeatures()), "supported", "evacuated", "")
    assert _process_events_until(lambda: _send_idle(plugin)), "the send did not end"

    plugin.show_send_results()

    dialog = plugin.results_dialog
    assert dialog is not None
    assert dialog.counts()["done"] == 3


def test_message_offers_results_button(plugin, sos_server, tmp_path, qgis_iface):
    qgis_iface.messageBar().clearWidgets()
    _import_cases(sos_server, tmp_path, 2)
    _fetch(plugin)
    layer = plugin.case_layer()
    assert plugin.queue_status_changes(layer, list(layer.getFeatures()), "supported", "", "")
    assert _process_events_until(lambda: _send_idle(plugin)), "the send did not end"

    buttons = [
        button
        for item in qgis_iface.messageBar().items()
        for button in item.findChildren(QPushButton)
        if button.text() == "Results per case…"
    ]
    assert len(buttons) == 1


def test_cluster_action_clusters_cases(plugin, sos_server, tmp_path):
    _import_cases(sos_server, tmp_path, 2)
    _fetch(plugin)

    plugin.cluster_style_action.trigger()

    assert isinstance(plugin.case_layer().renderer(), QgsPointClusterRenderer)


def test_restyle_survives_refetch_and_restart(plugin, sos_server, tmp_path, qgis_iface):
    _import_cases(sos_server, tmp_path, 2)
    _fetch(plugin)
    layer = plugin.case_layer()
    layer.setRenderer(
        QgsSingleSymbolRenderer(QgsSymbol.defaultSymbol(QgsWkbTypes.GeometryType.PointGeometry))
    )
    layer.emitStyleChanged()
    _fetch(plugin)
    assert isinstance(layer.renderer(), QgsSingleSymbolRenderer)

    # A restart without a saved project: the plugin opens the GeoPackage again.
    plugin.unload()
    from qgis.core import QgsProject

    QgsProject.instance().removeAllMapLayers()
    plugin.initGui()
    reopened = plugin.ensure_case_layer()

    assert isinstance(reopened.renderer(), QgsSingleSymbolRenderer)


def test_analysis_warning_reaches_message_bar(plugin, sos_server, tmp_path, qgis_iface):
    from qgis.core import QgsFeature, QgsGeometry, QgsProject, QgsVectorLayer

    from sos_qgis_plugin.hazard_layers import tag_hazard_layer

    _import_cases(sos_server, tmp_path, 3)
    _fetch(plugin)
    # A flood outline in the Atlantic, far from every case near 108° E, 12.5° N.
    far_away = QgsVectorLayer("Polygon?crs=EPSG:4326", "Far flood", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromWkt("POLYGON((-30 10, -29 10, -29 11, -30 11, -30 10))"))
    far_away.dataProvider().addFeatures([feature])
    QgsProject.instance().addMapLayer(far_away)
    tag_hazard_layer(far_away, "flood")
    qgis_iface.messageBar().clear_messages()

    plugin.analyse_hazards()
    assert _process_events_until(lambda: not plugin.tasks), "the analysis did not end"

    warnings = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any("Far flood" in message for message in warnings), warnings
