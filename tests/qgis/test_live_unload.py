"""Unloading the plugin (closing QGIS) while a refresh runs, against a slow loopback server.

A chaos proxy in front of the reference server delays every request, so the fetch is still downloading,
or still writing its slices, when the plugin is unloaded. Nothing may crash, the sync state must not
advance, the outbox must stay as it was, and a new plugin instance must end with every case.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

import pytest
from qgis.core import QgsProject
from qgis.PyQt.QtCore import QCoreApplication, QTimer

from sos_qgis_plugin.case_layer import outbox_path_of, read_sync_state
from sos_qgis_plugin.core.api_client import ClientConfig, SosClient, StatusChange
from sos_qgis_plugin.core.outbox import Outbox
from sos_qgis_plugin.plugin import SosPlugin
from sos_qgis_plugin.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from chaos_proxy import ChaosProxy, FaultRates  # noqa: E402 - scripts/ is not a package

CASE_COUNT = 3000
OUTBOX_STATES = ("pending", "sent", "done", "conflict", "failed", "not_found", "invalid", "superseded")


def _import_cases(server, folder: Path, count: int) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {
                "external_id": f"unload-{number}",
                "status": "needs_help",
                "people_count": 1 + number % 7,
                "description": "Nhà ngập, cần thuyền",
                "created_at": "2025-11-19T08:15:00+07:00",
            },
            "geometry": {"type": "Point", "coordinates": [108.0 + number / 10000, 12.5]},
        }
        for number in range(count)
    ]
    path = folder / "unload_cases.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    result = server.import_file(path)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def slow_proxy(sos_server, tmp_path):
    """The reference server with CASE_COUNT cases, behind a proxy that delays each request 0.3 to 0.4 s."""
    _import_cases(sos_server, tmp_path, CASE_COUNT)
    host, port = sos_server.url.split("//")[1].split(":")
    rates = FaultRates(delay=1.0, delay_min_s=0.3, delay_max_s=0.4)
    proxy = ChaosProxy((host, int(port)), rates).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def settings(qgis_new_project, slow_proxy, tmp_path):
    settings = Settings()
    saved = (settings.service_url, settings.authcfg_id, settings.cases_gpkg_path, settings.refresh_paused)
    settings.service_url = slow_proxy.url
    settings.authcfg_id = "unused"
    settings.cases_gpkg_path = str(tmp_path / "cases.gpkg")
    settings.refresh_paused = False
    yield settings
    # QgsSettings outlive the test: put back what other tests may read.
    settings.service_url, settings.authcfg_id, settings.cases_gpkg_path, settings.refresh_paused = saved


def _new_plugin(iface, settings, server) -> SosPlugin:
    def client_factory(base_url, authcfg_id, settings=None):
        # The viewer token is given directly: the authentication database is not under test here.
        return SosClient(ClientConfig(base_url=base_url, token=server.tokens["viewer"], max_retries=0))

    plugin = SosPlugin(iface, dependency_checker=list, client_factory=client_factory, settings=settings)
    plugin.initGui()
    return plugin


def _process_events_until(condition, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if condition():
            return True
        time.sleep(0.005)
    return False


def _queue_pending_change(path: str) -> list:
    """Queue one change of a case not fetched yet in the outbox at `path`; return the outbox rows."""
    with Outbox(path) as outbox:
        outbox.queue([StatusChange("not-fetched-yet", "supported", note="team 2 on the way")])
    return _outbox_rows(path)


def _outbox_rows(path: str) -> list:
    with Outbox(path) as outbox:
        return outbox.changes_in_state(*OUTBOX_STATES)


def _case_layer():
    layers = QgsProject.instance().mapLayersByName("sos_cases")
    return layers[0] if layers else None


def _refetch_all(qgis_iface, settings, sos_server) -> int:
    plugin = _new_plugin(qgis_iface, settings, sos_server)
    try:
        plugin.fetch_now()
        assert _process_events_until(lambda: not plugin.fetch_running()), "the second fetch did not end"
        return plugin.case_layer().featureCount()
    finally:
        plugin.unload()


def test_unload_while_downloading(qgis_iface, settings, sos_server):
    plugin = _new_plugin(qgis_iface, settings, sos_server)
    plugin.fetch_now()
    layer = plugin.case_layer()
    outbox_path = outbox_path_of(layer)
    rows_before = _queue_pending_change(outbox_path)
    # The first page is still delayed by the proxy.
    _process_events_until(lambda: False, timeout_s=0.2)
    assert plugin.fetch_running()

    plugin.unload()
    _process_events_until(lambda: False, timeout_s=2.0)

    # The feature count of the provider is unknown (-1) right after the plugin stored the layer's style in
    # the same GeoPackage, so the features are counted one by one.
    assert sum(1 for _ in layer.getFeatures()) == 0
    assert gc.get_freeze_count() == 0
    assert read_sync_state(settings.cases_gpkg_path, service_url=settings.service_url) is None
    assert _outbox_rows(outbox_path) == rows_before
    assert _refetch_all(qgis_iface, settings, sos_server) == CASE_COUNT


def test_unload_while_writing_slices(qgis_iface, settings, sos_server):
    plugin = _new_plugin(qgis_iface, settings, sos_server)
    plugin.fetch_now()
    layer = plugin.case_layer()
    rows_before = _queue_pending_change(outbox_path_of(layer))
    task = plugin.fetch_task()
    assert task is not None
    report_progress = task.on_write_progress
    unload_scheduled = []

    def unload_after_first_slice(progress: float) -> None:
        report_progress(progress)
        if not unload_scheduled:
            unload_scheduled.append(progress)
            # From the event loop between two slices, as when QGIS closes.
            QTimer.singleShot(0, plugin.unload)

    task.on_write_progress = unload_after_first_slice
    assert _process_events_until(lambda: plugin.menu is None), "the plugin was not unloaded"
    _process_events_until(lambda: False, timeout_s=0.5)

    written = layer.featureCount()
    assert 0 < written < CASE_COUNT
    # The fetch froze the garbage collector's view of its objects; stopping it must give them back.
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    assert read_sync_state(settings.cases_gpkg_path, service_url=settings.service_url) is None
    assert _outbox_rows(outbox_path_of(layer)) == rows_before
    assert _refetch_all(qgis_iface, settings, sos_server) == CASE_COUNT
    assert _case_layer().featureCount() == CASE_COUNT
