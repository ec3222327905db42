"""Loading and unloading the plugin in a stub QGIS interface leaves nothing behind."""

from __future__ import annotations

import html
import logging

import pytest
from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication, QEvent
from qgis.PyQt.QtWidgets import QMenu, QToolBar

import sos_qgis_plugin
from sos_qgis_plugin.dependencies import Missing
from sos_qgis_plugin.logger import LOG_TAG, QgsMessageLogHandler, redact
from sos_qgis_plugin.plugin import MENU_OBJECT_NAME, TOOLBAR_OBJECT_NAME, SosPlugin

PROVIDER_ID = "sos"


def _plugin_menus(iface) -> list:
    return [
        action
        for action in iface.mainWindow().menuBar().actions()
        if action.menu() is not None and action.menu().objectName() == MENU_OBJECT_NAME
    ]


def _sos_log_handlers() -> list:
    return [h for h in logging.getLogger("sos_qgis_plugin").handlers if isinstance(h, QgsMessageLogHandler)]


def _no_missing() -> list:
    return []


def _shapely_missing() -> list:
    return [Missing("shapely", ">=2", None)]


@pytest.fixture()
def iface(qgis_iface, qgis_processing):
    qgis_iface.messageBar().clear_messages()
    yield qgis_iface
    qgis_iface.messageBar().clear_messages()


def test_class_factory_returns_plugin(iface):
    plugin = sos_qgis_plugin.classFactory(iface)
    assert isinstance(plugin, SosPlugin)


def test_load_unload_twice(iface):
    for _round in range(2):
        plugin = SosPlugin(iface, dependency_checker=_no_missing)
        plugin.initGui()
        assert len(plugin.actions) == 17
        assert len(_plugin_menus(iface)) == 1
        assert plugin.toolbar in iface.mainWindow().findChildren(QToolBar, TOOLBAR_OBJECT_NAME)
        assert plugin.timer is not None
        assert len(_sos_log_handlers()) == 1
        assert QgsApplication.processingRegistry().providerById(PROVIDER_ID) is not None

        plugin.unload()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

        assert plugin.actions == []
        assert _plugin_menus(iface) == []
        assert plugin.toolbar is None
        assert plugin.menu is None
        assert plugin.timer is None
        assert plugin.provider is None
        assert plugin.tasks == []
        assert plugin.translator is None
        assert _sos_log_handlers() == []
        assert QgsApplication.processingRegistry().providerById(PROVIDER_ID) is None
        assert iface.mainWindow().findChildren(QToolBar, TOOLBAR_OBJECT_NAME) == []


def test_unload_removes_toolbar_from_window(iface):
    plugin = SosPlugin(iface, dependency_checker=_no_missing)
    plugin.initGui()
    toolbar = plugin.toolbar
    assert toolbar in iface.mainWindow().findChildren(QToolBar)
    plugin.unload()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert sip.isdeleted(toolbar)


def test_menu_lists_all_actions(iface):
    plugin = SosPlugin(iface, dependency_checker=_no_missing)
    plugin.initGui()
    try:
        menu: QMenu = _plugin_menus(iface)[0].menu()
        dialog_actions = [plugin.settings_action, plugin.hazard_sources_action, plugin.summary_action]
        dialog_actions += [plugin.report_action, plugin.cluster_style_action, plugin.reset_style_action]
        dialog_actions.append(plugin.send_results_action)
        assert menu.actions() == plugin.actions
        assert plugin.toolbar.actions() == [a for a in plugin.actions if a not in dialog_actions]
    finally:
        plugin.unload()


def test_provider_registered_while_loaded(iface):
    plugin = SosPlugin(iface, dependency_checker=_no_missing)
    plugin.initGui()
    try:
        assert QgsApplication.processingRegistry().providerById(PROVIDER_ID) is not None
    finally:
        plugin.unload()


def test_missing_shapely_disables_analyse(iface):
    plugin = SosPlugin(iface, dependency_checker=_shapely_missing)
    plugin.initGui()
    try:
        assert not plugin.analyse_action.isEnabled()
        assert not plugin.summary_action.isEnabled()
        # "Resolve conflicts…" and "Retry failed changes…" are enabled only while the outbox has conflicts
        # or failed changes, and "Hazard sources…" only when its dialog is part of the build.
        conditional = (
            plugin.analyse_action,
            plugin.summary_action,
            plugin.resolve_conflicts_action,
            plugin.retry_failed_action,
            plugin.hazard_sources_action,
        )
        others = [action for action in plugin.actions if action not in conditional]
        assert len(others) == 12
        for action in others:
            assert action.isEnabled(), action.text()
    finally:
        plugin.unload()


def test_missing_shapely_shows_install_command(iface):
    plugin = SosPlugin(iface, dependency_checker=_shapely_missing)
    plugin.initGui()
    try:
        warnings = iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
        assert len(warnings) == 1
        assert "shapely" in warnings[0]
        assert "pip install" in warnings[0]
        # The message bar renders HTML, so the text is escaped; the officer reads it unescaped.
        assert '"shapely>=2"' in html.unescape(warnings[0])
    finally:
        plugin.unload()


def test_all_dependencies_no_warning(iface):
    plugin = SosPlugin(iface, dependency_checker=_no_missing)
    plugin.initGui()
    try:
        assert iface.messageBar().get_messages(Qgis.MessageLevel.Warning) == []
        assert plugin.analyse_action.isEnabled()
    finally:
        plugin.unload()


def test_refresh_timer_stopped_after_unload(iface):
    plugin = SosPlugin(iface, dependency_checker=_no_missing)
    plugin.initGui()
    plugin.settings.refresh_interval_s = 30
    plugin.timer.start(30_000)
    timer = plugin.timer
    plugin.unload()
    assert not timer.isActive()


def test_log_reaches_message_log_redacted(iface):
    plugin = SosPlugin(iface, dependency_checker=_no_missing)
    plugin.initGui()
    received = []

    def collect(message, tag, level):
        if tag == LOG_TAG:
            received.append(message)

    QgsApplication.messageLog().messageReceived.connect(collect)
    try:
        logging.getLogger("sos_qgis_plugin.core").warning(
            "call failed with Authorization: Bearer abc.def-123 for %s", "0912 345 678"
        )
        QgsApplication.processEvents()
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(collect)
        plugin.unload()
    assert len(received) == 1
    assert "abc.def-123" not in received[0]
    assert "0912 345 678" not in received[0]
    assert "call failed" in received[0]


@pytest.mark.parametrize(
    "text",
    ["+84 912 345 678", "0912.345.678", "(+84) 912-345-678", "84912345678", "0912345678"],
)
def test_redact_masks_phone(text):
    assert text not in redact(f"phone {text} called")


@pytest.mark.parametrize(
    "text", ["c000042", "2025-11-20 10:15:00", "113", "version 12", "2025-11-20T03:15:00Z"]
)
def test_redact_keeps_ids_and_times(text):
    assert redact(f"case {text} done") == f"case {text} done"


def test_redact_masks_bearer_token():
    assert redact("Bearer s3cr3t-token_value") == "Bearer ***"


def test_redact_masks_token_parameter():
    assert "s3cr3t" not in redact("url?token=s3cr3t&x=1")


def test_log_handler_never_raises_on_bad_args():
    handler = QgsMessageLogHandler()
    record = logging.LogRecord("sos_qgis_plugin", logging.INFO, __file__, 1, "%d cases", ("x",), None)
    handler.handle(record)
    assert record.msg == "%d cases"


def test_message_log_direct_call_is_available():
    # The handler relies on this static call; it exists in QGIS 3.22 and later.
    assert callable(QgsMessageLog.logMessage)
