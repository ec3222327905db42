"""The plugin feeds the SOS dock: layer, connection state, new cases, pause, shortcuts, unload."""

from __future__ import annotations

import html
import json
import time
from pathlib import Path

import pytest
from qgis.core import Qgis
from qgis.PyQt.QtCore import QCoreApplication, QEvent
from qgis.PyQt.QtGui import QKeySequence

from sos_qgis_plugin.core.api_client import ClientConfig, SosClient
from sos_qgis_plugin.plugin import SosPlugin
from sos_qgis_plugin.settings import Settings


def _import_cases(server, folder: Path, first: int, count: int) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {
                "external_id": f"dock-{number}",
                "status": "needs_help",
                "people_count": 3,
                "created_at": "2025-11-19T08:15:00+07:00",
            },
            "geometry": {"type": "Point", "coordinates": [108.0 + number / 1000, 12.5]},
        }
        for number in range(first, first + count)
    ]
    path = folder / f"dock_cases_{first}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    result = server.import_file(path)
    assert result.returncode == 0, result.stderr


def _process_events_until(condition, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def plugin(qgis_iface, qgis_new_project, sos_server, tmp_path):
    settings = Settings()
    saved = (settings.service_url, settings.authcfg_id, settings.cases_gpkg_path, settings.refresh_paused)
    settings.service_url = sos_server.url
    settings.authcfg_id = "unused"
    settings.cases_gpkg_path = str(tmp_path / "cases.gpkg")
    settings.refresh_paused = False

    def client_factory(base_url, authcfg_id, settings=None):
        # The viewer token is given directly: the authentication database is not under test here.
        config = ClientConfig(base_url=base_url, token=sos_server.tokens["viewer"], max_retries=0)
        return SosClient(config)

    plugin = SosPlugin(qgis_iface, dependency_checker=list, client_factory=client_factory, settings=settings)
    plugin.initGui()
    qgis_iface.messageBar().clear_messages()
    yield plugin
    plugin.unload()
    settings.service_url, settings.authcfg_id, settings.cases_gpkg_path, settings.refresh_paused = saved


def _fetch(plugin) -> None:
    plugin.fetch_now()
    assert _process_events_until(lambda: not plugin.fetch_running()), "the fetch did not end"


def _messages(iface, level) -> list[str]:
    return [html.unescape(text) for text in iface.messageBar().get_messages(level)]


def test_dock_created_and_removed(qgis_iface):
    plugin = SosPlugin(qgis_iface, dependency_checker=list)
    plugin.initGui()
    dock = plugin.dock
    assert dock.objectName() == "SosDock"
    assert dock.parent() is qgis_iface.mainWindow()

    plugin.unload()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    assert plugin.dock is None
    assert qgis_iface.mainWindow().findChildren(type(dock), "SosDock") == []


def test_fetch_shows_layer_live(plugin, sos_server, tmp_path):
    _import_cases(sos_server, tmp_path, 0, 5)

    _fetch(plugin)

    assert plugin.dock.layer() is plugin.case_layer()
    assert plugin.dock.connection_state() == "live"
    assert plugin.last_sync is not None
    assert plugin.stale_since is None
    assert not plugin.dock.is_busy()


def test_refresh_notes_new_cases(plugin, qgis_iface, sos_server, tmp_path):
    _import_cases(sos_server, tmp_path, 0, 5)
    _fetch(plugin)
    # The server's next_updated_since is 5 s before the read, so the refresh must start later than that.
    time.sleep(5.5)
    _import_cases(sos_server, tmp_path, 100, 3)
    qgis_iface.messageBar().clear_messages()

    _fetch(plugin)

    assert _process_events_until(lambda: not plugin.dock.is_loading())
    assert plugin.dock.new_case_count() == 3
    assert "SOS:3 new cases arrived." in _messages(qgis_iface, Qgis.MessageLevel.Info)


def test_failed_refresh_offline_stale(plugin, sos_server, tmp_path):
    _import_cases(sos_server, tmp_path, 0, 2)
    _fetch(plugin)
    sos_server.stop()

    _fetch(plugin)

    assert plugin.dock.connection_state() == "offline"
    assert plugin.stale_since is not None
    assert plugin.stale_since >= plugin.last_sync


def test_pause_remembered(plugin):
    plugin.start_auto_refresh()

    plugin.dock.pauseToggled.emit(True)

    assert plugin.settings.refresh_paused
    assert not plugin.timer.isActive()
    assert plugin.dock.connection_state() == "paused"


def test_resume_restarts_timer(plugin):
    plugin.dock.pauseToggled.emit(True)

    plugin.dock.pauseToggled.emit(False)

    assert not plugin.settings.refresh_paused
    assert plugin.timer.isActive()


def test_cancel_from_dock(plugin, sos_server, tmp_path):
    _import_cases(sos_server, tmp_path, 0, 5)
    plugin.fetch_now()

    plugin.dock.cancelRequested.emit()

    assert _process_events_until(lambda: not plugin.fetch_running())
    assert not plugin.dock.is_busy()


def test_shortcuts_set(plugin):
    shortcuts = {
        plugin.fetch_action: "Ctrl+Alt+R",
        plugin.set_status_action: "Ctrl+Alt+S",
        plugin.dock_action: "Ctrl+Alt+D",
        plugin.map_tool_action: "Ctrl+Alt+T",
    }
    for action, text in shortcuts.items():
        assert action.shortcut() == QKeySequence(text), action.text()


def test_map_tool_toggled(plugin, qgis_iface, sos_server, tmp_path):
    _import_cases(sos_server, tmp_path, 0, 1)
    _fetch(plugin)

    plugin.map_tool_action.trigger()

    assert qgis_iface.mapCanvas().mapTool() is plugin.map_tool
    assert plugin.map_tool.layer() is plugin.case_layer()


def test_details_show_history(plugin, qgis_iface, sos_server, tmp_path):
    from qgis.PyQt.QtWidgets import QDialog

    _import_cases(sos_server, tmp_path, 0, 1)
    _fetch(plugin)
    case_id = next(plugin.case_layer().getFeatures())["id"]

    plugin.dock.detailsRequested.emit(case_id)

    dialogs = qgis_iface.mainWindow().findChildren(QDialog, "CaseDetailsDialog")
    assert len(dialogs) == 1
    assert _process_events_until(lambda: dialogs[0].historyTable.rowCount() == 1)
    dialogs[0].close()


def test_map_status_pending_at_once(plugin, sos_server, tmp_path):
    _import_cases(sos_server, tmp_path, 0, 2)
    _fetch(plugin)
    case_id = next(plugin.case_layer().getFeatures())["id"]

    plugin.map_tool.statusChosen.emit(case_id, "in_progress")

    states = {feature["id"]: feature["sync_state"] for feature in plugin.case_layer().getFeatures()}
    assert states[case_id] == "pending"
    assert sum(1 for state in states.values() if state == "pending") == 1


def test_hazard_sources_action_enabled(plugin):
    assert plugin.hazard_sources_action.isEnabled()
    assert plugin.summary_action.isEnabled()
    assert plugin.report_action.isEnabled()
