"""The plugin shell: the SOS menu and toolbar, the Processing provider, the translator and the auto-refresh.

unload() removes everything initGui() made, in reverse order, so that QGIS can reload the plugin cleanly.
"""

from __future__ import annotations

import html
import logging
import os
import sqlite3
from collections.abc import Collection
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from qgis.core import (
    NULL,
    Qgis,
    QgsApplication,
    QgsExpression,
    QgsFeature,
    QgsFeatureRequest,
    QgsMapLayer,
    QgsProject,
    QgsRasterLayer,
    QgsSettings,
    QgsTask,
    QgsVectorLayer,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication, QLocale, Qt, QTimer, QTranslator
from qgis.PyQt.QtGui import QIcon, QKeySequence
from qgis.PyQt.QtWidgets import (
    QAction,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from .__about__ import __title__
from .core.api_client import AuthenticationError, NetworkError, StatusChange
from .core.errors import SosError
from .dependencies import Missing, describe_missing, install_hint, missing_dependencies
from .gui import error_message, translate_standard_buttons
from .logger import install_log_handler, remove_log_handler
from .network import build_client
from .settings import Settings
from .style import CASE_LAYER_PROPERTY, status_display_name

LOGGER = logging.getLogger("sos_qgis_plugin")

PLUGIN_DIR = os.path.dirname(__file__)
ICON_DIR = os.path.join(PLUGIN_DIR, "icons")
I18N_DIR = os.path.join(PLUGIN_DIR, "i18n")

MENU_OBJECT_NAME = "SosPluginMenu"
TOOLBAR_OBJECT_NAME = "SosPluginToolbar"
MESSAGE_SECONDS = 8
# Above this many changed cases, the dock reads the whole layer again on a worker thread instead of the
# changed rows on the main thread.
DOCK_ROW_REFRESH_MAX_IDS = 2000

# Keyboard shortcuts. QGIS 3.22 binds none of them; it binds Ctrl+Alt+M (new 3D map view), so the status
# map tool uses T.
FETCH_SHORTCUT = "Ctrl+Alt+R"
SET_STATUS_SHORTCUT = "Ctrl+Alt+S"
DOCK_SHORTCUT = "Ctrl+Alt+D"
MAP_TOOL_SHORTCUT = "Ctrl+Alt+T"
# The hazard sources dialog (saved WMS, WMTS, WFS, OGC API and XYZ services), relative to this package.
HAZARD_SOURCES_MODULE = ".gui.hazard_sources"


def plugin_language(settings: Optional[QgsSettings] = None) -> str:
    """Return the two-letter language of the QGIS interface: the override setting, else the system locale."""
    settings = settings or QgsSettings()
    override = settings.value("locale/overrideFlag", False, type=bool)
    locale = settings.value("locale/userLocale", "", type=str) if override else ""
    return (locale or QLocale.system().name())[:2]


class FailedChangesDialog(QDialog):
    """Dialog listing failed status changes (case, requested status, note, last error) to send again.

    Every cell is a plain-text item, so a note or a server message never renders as HTML.
    """

    def __init__(self, changes: list, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(QCoreApplication.translate("FailedChangesDialog", "Retry failed status changes"))
        self.resize(800, 360)
        layout = QVBoxLayout(self)

        intro = QLabel(
            QCoreApplication.translate(
                "FailedChangesDialog",
                "The server did not apply these status changes. Send them again, each based on the case "
                "version it was made from?",
            ),
            self,
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        layout.addWidget(intro)

        headers = [
            QCoreApplication.translate("FailedChangesDialog", "Case"),
            QCoreApplication.translate("FailedChangesDialog", "Requested status"),
            QCoreApplication.translate("FailedChangesDialog", "Note"),
            QCoreApplication.translate("FailedChangesDialog", "Last error"),
        ]
        self.table = QTableWidget(len(changes), len(headers), self)
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        for row, change in enumerate(changes):
            values = (
                change.case_id,
                status_display_name(change.status),
                change.note or "",
                change.last_error or change.state,
            )
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(str(value)))
        layout.addWidget(self.table)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            QCoreApplication.translate("FailedChangesDialog", "Send again")
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        translate_standard_buttons(self)


def ask_retry_failed(changes: list, parent: Optional[QWidget]) -> bool:
    """Show the failed changes in a FailedChangesDialog and return True when the officer confirms."""
    dialog = FailedChangesDialog(changes, parent)
    return dialog.exec() == QDialog.DialogCode.Accepted


class SosPlugin:
    """The SOS plugin as QGIS loads it through classFactory.

    dependency_checker and client_factory are injected so that tests can simulate a missing shapely or a
    different service without branches in this class. confirm_retry shows the failed changes and returns
    whether to send them again, so tests can confirm or decline without a modal dialog.
    """

    def __init__(
        self,
        iface: Any,
        dependency_checker: Callable[[], list[Missing]] = missing_dependencies,
        client_factory: Callable = build_client,
        settings: Optional[Settings] = None,
        confirm_retry: Callable[[list, Optional[QWidget]], bool] = ask_retry_failed,
    ) -> None:
        self.iface = iface
        self.settings = settings or Settings()
        self._dependency_checker = dependency_checker
        self._client_factory = client_factory
        self._confirm_retry = confirm_retry

        self.actions: list[QAction] = []
        self.menu: Optional[QMenu] = None
        self.toolbar: Optional[QToolBar] = None
        self.provider = None
        self.translator: Optional[QTranslator] = None
        self.log_handler: Optional[logging.Handler] = None
        self.timer: Optional[QTimer] = None
        self.tasks: list[QgsTask] = []
        self.missing: list[Missing] = []

        self.connect_action: Optional[QAction] = None
        self.fetch_action: Optional[QAction] = None
        self.add_flood_action: Optional[QAction] = None
        self.add_landslide_action: Optional[QAction] = None
        self.analyse_action: Optional[QAction] = None
        self.set_status_action: Optional[QAction] = None
        self.resolve_conflicts_action: Optional[QAction] = None
        self.retry_failed_action: Optional[QAction] = None
        self.dock_action: Optional[QAction] = None
        self.map_tool_action: Optional[QAction] = None
        self.settings_action: Optional[QAction] = None
        self.hazard_sources_action: Optional[QAction] = None
        self.summary_action: Optional[QAction] = None
        self.report_action: Optional[QAction] = None
        self.cluster_style_action: Optional[QAction] = None
        self.reset_style_action: Optional[QAction] = None
        self.send_results_action: Optional[QAction] = None
        self.dock: Any = None
        self.style_keeper: Any = None
        # The outbox changes of the last send that the officer started, for the results dialog.
        self.last_send_changes: list = []
        self.results_dialog: Optional[QDialog] = None
        self.map_tool: Any = None

        # Connection state shown in the dock: the last successful sync, and since when refreshes fail.
        self.last_sync: Optional[datetime] = None
        self.stale_since: Optional[datetime] = None
        self.connection_state = "not_connected"
        self.connection_detail = ""

        self._send_task: Optional[QgsTask] = None
        self._send_again = False
        self._send_manual = False
        self._fetch_task: Optional[QgsTask] = None
        self._auth_paused = False
        self._last_auto_error = ""
        self._case_layer_id = ""
        self._loaded = False
        self._loaded_signals = False

    def tr(self, text: str) -> str:
        """Translate a literal English text in the "SosPlugin" context."""
        return QCoreApplication.translate("SosPlugin", text)

    # --- initGui / unload

    def initProcessing(self) -> None:
        """Register the Processing provider; QGIS calls this on its own for qgis_process and at start-up."""
        if self.provider is not None:
            return
        try:
            from .processing.provider import SosProvider
        except ImportError:
            LOGGER.exception("The SOS Processing provider could not be loaded")
            return
        provider = SosProvider()
        if QgsApplication.processingRegistry().addProvider(provider):
            self.provider = provider

    def initGui(self) -> None:
        """Create the translator, log handler, menu, toolbar, actions, Processing provider and timer."""
        self._install_translator()
        self.log_handler = install_log_handler()
        self.missing = self._dependency_checker()

        main_window = self.iface.mainWindow()
        self.menu = QMenu(self.tr("SOS"), main_window)
        self.menu.setObjectName(MENU_OBJECT_NAME)
        self._insert_menu(self.menu)
        self.toolbar = QToolBar(self.tr("SOS"), main_window)
        self.toolbar.setObjectName(TOOLBAR_OBJECT_NAME)
        self.iface.addToolBar(self.toolbar)

        self.connect_action = self._add_action("connect.svg", self.tr("Connect…"), self.show_connect_dialog)
        self.fetch_action = self._add_action("fetch.svg", self.tr("Fetch now"), self.fetch_now)
        self.add_flood_action = self._add_action(
            "flood.svg", self.tr("Add flood layer…"), lambda: self.choose_hazard_file("flood")
        )
        self.add_landslide_action = self._add_action(
            "landslide.svg", self.tr("Add landslide layer…"), lambda: self.choose_hazard_file("landslide")
        )
        self.analyse_action = self._add_action(
            "analyse.svg", self.tr("Analyse hazards"), self.analyse_hazards
        )
        self.set_status_action = self._add_action(
            "status.svg", self.tr("Set status of selected cases…"), self.set_status_of_selection
        )
        self.resolve_conflicts_action = self._add_action(
            "status.svg", self.tr("Resolve conflicts…"), self.resolve_conflicts
        )
        self.retry_failed_action = self._add_action(
            "status.svg", self.tr("Retry failed changes…"), self.retry_failed_changes
        )
        self.map_tool_action = self._add_action(
            "status.svg", self.tr("Set status on the map"), self.toggle_map_tool
        )
        self.map_tool_action.setCheckable(True)
        self.dock_action = self._add_action("sos.svg", self.tr("SOS cases panel"), self.toggle_dock)
        self.dock_action.setCheckable(True)
        self.settings_action = self._add_action(
            "connect.svg", self.tr("Settings…"), self.show_settings_dialog, toolbar=False
        )
        self.hazard_sources_action = self._add_action(
            "flood.svg", self.tr("Hazard sources…"), self.show_hazard_sources_dialog, toolbar=False
        )
        self.summary_action = self._add_action(
            "analyse.svg", self.tr("Summary by commune…"), self.show_summary_dialog, toolbar=False
        )
        self.report_action = self._add_action(
            "analyse.svg", self.tr("Situation report…"), self.show_report_dialog, toolbar=False
        )
        self.cluster_style_action = self._add_action(
            "sos.svg", self.tr("Cluster cases"), self.cluster_case_layer, toolbar=False
        )
        self.reset_style_action = self._add_action(
            "sos.svg", self.tr("Reset case style"), self.reset_case_style, toolbar=False
        )
        self.send_results_action = self._add_action(
            "status.svg", self.tr("Results of the last send…"), self.show_send_results, toolbar=False
        )
        self.fetch_action.setShortcut(QKeySequence(FETCH_SHORTCUT))
        self.set_status_action.setShortcut(QKeySequence(SET_STATUS_SHORTCUT))
        self.dock_action.setShortcut(QKeySequence(DOCK_SHORTCUT))
        self.map_tool_action.setShortcut(QKeySequence(MAP_TOOL_SHORTCUT))
        self._update_outbox_actions()

        self.initProcessing()

        # Status names in the legend follow the officer's language, whatever language saved the project.
        QgsProject.instance().layersAdded.connect(self._translate_case_layers)
        self._translate_case_layers(list(QgsProject.instance().mapLayers().values()))

        self.timer = QTimer()
        self.timer.setObjectName("SosRefreshTimer")
        self.timer.timeout.connect(self._on_refresh_tick)
        QgsApplication.taskManager().progressChanged.connect(self._on_task_progress)

        from .style import CaseStyleKeeper

        self.style_keeper = CaseStyleKeeper()
        self._create_dock()
        self._create_map_tool()
        self._disable_missing_dialogs()
        self._report_missing_dependencies()
        self._loaded_signals = True
        self._loaded = True
        LOGGER.info("%s loaded", __title__)

    def unload(self) -> None:
        """Remove every action, menu, toolbar, provider, timer, task callback, translator and log handler."""
        self._loaded = False

        if self.timer is not None:
            self.timer.stop()
            self.timer.timeout.disconnect(self._on_refresh_tick)
            self.timer.deleteLater()
            self.timer = None

        if self._loaded_signals:
            QgsProject.instance().layersAdded.disconnect(self._translate_case_layers)
            QgsApplication.taskManager().progressChanged.disconnect(self._on_task_progress)
            self._loaded_signals = False

        # A fetch or an analysis stops between two slices: what was written stays, and no sync state is
        # stored, so the next start fetches the rest. The outbox is a separate file that nothing here touches.
        from .tasks import AnalyseHazardsTask, FetchCasesTask

        for task in list(self.tasks):
            if isinstance(task, (FetchCasesTask, AnalyseHazardsTask)):
                task.stop()
            elif not sip.isdeleted(task):
                task.cancel()
        self.tasks.clear()
        self._fetch_task = None
        self._send_task = None
        self._send_again = False

        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None

        for action in self.actions:
            action.triggered.disconnect()
            if self.menu is not None:
                self.menu.removeAction(action)
            if self.toolbar is not None:
                self.toolbar.removeAction(action)
            action.deleteLater()
        self.actions.clear()
        self.connect_action = self.fetch_action = self.analyse_action = None
        self.add_flood_action = self.add_landslide_action = self.set_status_action = None
        self.resolve_conflicts_action = self.retry_failed_action = None
        self.dock_action = self.map_tool_action = self.settings_action = None
        self.hazard_sources_action = self.summary_action = self.report_action = None
        self.cluster_style_action = self.reset_style_action = self.send_results_action = None

        # A restyle made seconds ago is stored before the layer goes away with QGIS.
        if self.style_keeper is not None:
            self.style_keeper.stop()
            self.style_keeper.deleteLater()
            self.style_keeper = None
        if self.results_dialog is not None:
            self.results_dialog.close()
            self.results_dialog = None

        self._remove_map_tool()
        self._remove_dock()

        if self.menu is not None:
            self.iface.mainWindow().menuBar().removeAction(self.menu.menuAction())
            self.menu.deleteLater()
            self.menu = None
        if self.toolbar is not None:
            self.iface.mainWindow().removeToolBar(self.toolbar)
            self.toolbar.deleteLater()
            self.toolbar = None

        LOGGER.info("%s unloaded", __title__)
        remove_log_handler(self.log_handler)
        self.log_handler = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None

    def _install_translator(self) -> None:
        path = os.path.join(I18N_DIR, f"sos_qgis_plugin_{plugin_language()}.qm")
        if not os.path.isfile(path):
            return
        translator = QTranslator()
        if translator.load(path) and QCoreApplication.installTranslator(translator):
            self.translator = translator

    def _insert_menu(self, menu: QMenu) -> None:
        # The SOS menu goes before Help, where users look for plugin menus with their own top-level entry.
        menu_bar = self.iface.mainWindow().menuBar()
        help_action = next(
            (
                action
                for action in menu_bar.actions()
                if action.menu() is not None and action.menu().objectName() == "mHelpMenu"
            ),
            None,
        )
        if help_action is None:
            menu_bar.addMenu(menu)
        else:
            menu_bar.insertMenu(help_action, menu)

    def _add_action(
        self, icon_file: str, text: str, slot: Callable[[], None], toolbar: bool = True
    ) -> QAction:
        action = QAction(QIcon(os.path.join(ICON_DIR, icon_file)), text, self.iface.mainWindow())
        action.triggered.connect(lambda _checked=False: slot())
        self.menu.addAction(action)
        if toolbar:
            self.toolbar.addAction(action)
        self.actions.append(action)
        return action

    def _report_missing_dependencies(self) -> None:
        if not self.missing:
            return
        needs_shapely = any(item.name == "shapely" for item in self.missing)
        if needs_shapely:
            # The hazard analysis and the commune summary overlay geometries with shapely.
            self.analyse_action.setEnabled(False)
            self.summary_action.setEnabled(False)
        if any(item.name == "requests" for item in self.missing):
            # Without requests no call to the service can work.
            for action in (
                self.connect_action,
                self.fetch_action,
                self.set_status_action,
                self.resolve_conflicts_action,
                self.retry_failed_action,
            ):
                action.setEnabled(False)
        LOGGER.warning("Missing Python packages: %s", describe_missing(self.missing))
        self._push(
            self.tr("Some features are turned off: {missing}. To install: {hint}").format(
                missing=describe_missing(self.missing),
                hint=install_hint(requirements=[item.pip_requirement for item in self.missing]),
            ),
            Qgis.MessageLevel.Warning,
        )

    # --- dock, map tool and dialogs

    def _create_dock(self) -> None:
        from .gui.dock import SosDock

        dock = SosDock(self.iface, self.iface.mainWindow())
        dock.fetchRequested.connect(self.fetch_now)
        dock.pauseToggled.connect(self.set_paused)
        dock.cancelRequested.connect(self.cancel_fetch)
        dock.setStatusRequested.connect(self.set_status_of_cases)
        dock.detailsRequested.connect(self.show_case_details)
        dock.settingsRequested.connect(self.show_settings_dialog)
        dock.reportRequested.connect(self.show_report_dialog)
        dock.hazardSourcesRequested.connect(self.show_hazard_sources_dialog)
        dock.summaryRequested.connect(self.show_summary_dialog)
        dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.dock = dock
        if self.settings.refresh_paused:
            self.connection_state = "paused"
        self._show_connection_state()
        layer = self.case_layer()
        if layer is not None:
            dock.set_layer(layer)
        self._set_admin_layer()

    def _remove_dock(self) -> None:
        dock, self.dock = self.dock, None
        if dock is None or sip.isdeleted(dock):
            return
        dock.visibilityChanged.disconnect(self._on_dock_visibility_changed)
        dock.set_layer(None)
        self.iface.removeDockWidget(dock)
        dock.deleteLater()

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if self.dock_action is not None:
            self.dock_action.setChecked(visible)

    def toggle_dock(self) -> None:
        """Show the SOS cases panel, or hide it when it is shown."""
        if self.dock is None:
            return
        visible = not self.dock.isVisible()
        self.dock.setVisible(visible)
        if visible:
            self.dock.raise_()

    def _set_admin_layer(self) -> None:
        admin_id = self.settings.admin_layer_id
        layer = QgsProject.instance().mapLayer(admin_id) if admin_id else None
        if self.dock is not None and isinstance(layer, QgsVectorLayer):
            self.dock.set_admin_layer(layer)

    def _create_map_tool(self) -> None:
        from .gui.map_tool import CaseStatusMapTool

        tool = CaseStatusMapTool(self.iface.mapCanvas(), self.case_layer())
        tool.statusChosen.connect(self.set_status_of_case)
        tool.detailsChosen.connect(self.show_case_details)
        tool.dialogChosen.connect(lambda case_id: self.set_status_of_cases([case_id]))
        tool.setAction(self.map_tool_action)
        self.map_tool = tool

    def _remove_map_tool(self) -> None:
        tool, self.map_tool = self.map_tool, None
        if tool is None or sip.isdeleted(tool):
            return
        canvas = self.iface.mapCanvas()
        if canvas.mapTool() is tool:
            canvas.unsetMapTool(tool)
        tool.deleteLater()

    def toggle_map_tool(self) -> None:
        """Turn on the map tool that opens a status menu on the clicked case, or turn it off."""
        if self.map_tool is None:
            return
        canvas = self.iface.mapCanvas()
        if canvas.mapTool() is self.map_tool:
            canvas.unsetMapTool(self.map_tool)
            return
        layer = self.case_layer()
        if layer is None:
            self.map_tool_action.setChecked(False)
            self._push(self.tr("There is no case layer yet. Fetch cases first."), Qgis.MessageLevel.Warning)
            return
        self.map_tool.set_layer(layer)
        canvas.setMapTool(self.map_tool)

    def _disable_missing_dialogs(self) -> None:
        """Disable the actions whose dialog module is not part of this build of the plugin."""
        import importlib.util

        for action, module in (
            (self.hazard_sources_action, HAZARD_SOURCES_MODULE),
            (self.summary_action, ".gui.summary_dialog"),
            (self.report_action, ".gui.report_dialog"),
        ):
            if importlib.util.find_spec(module, __package__) is None:
                action.setEnabled(False)
                action.setToolTip(self.tr("Not available in this version of the plugin."))

    def show_settings_dialog(self) -> None:
        """Open the settings dialog; after OK, apply the refresh interval and the admin layer."""
        from .gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self.iface.mainWindow())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        LOGGER.info("Settings saved")
        if self.timer is not None and self.timer.isActive():
            self.start_auto_refresh()
        self._set_admin_layer()

    def show_hazard_sources_dialog(self) -> None:
        """Open the dialog that adds flood and landslide layers from saved web services."""
        import importlib

        module = importlib.import_module(HAZARD_SOURCES_MODULE, __package__)
        dialog = module.HazardSourcesDialog(self.iface, self.iface.mainWindow())
        dialog.exec()

    def show_summary_dialog(self) -> None:
        """Open the summary by commune for the case layer."""
        from .gui.summary_dialog import SummaryDialog

        layer = self.case_layer()
        if layer is None:
            self._push(self.tr("There is no case layer yet. Fetch cases first."), Qgis.MessageLevel.Warning)
            return
        dialog = SummaryDialog(
            layer, self.iface, self.iface.mainWindow(), admin_layer_id=self.settings.admin_layer_id
        )
        dialog.exec()

    def show_report_dialog(self) -> None:
        """Open the situation report dialog for the case layer, dated with the last successful sync."""
        from .gui.report_dialog import ReportDialog

        layer = self.case_layer()
        if layer is None:
            self._push(self.tr("There is no case layer yet. Fetch cases first."), Qgis.MessageLevel.Warning)
            return
        dialog = ReportDialog(
            layer, settings=self.settings, data_time=self.last_sync, parent=self.iface.mainWindow()
        )
        dialog.reportWritten.connect(
            lambda path: self._push(self.tr("The situation report was written to {}.").format(path))
        )
        dialog.exec()

    def show_case_details(self, case_id: str) -> None:
        """Show every field of a case as plain text, then its history once read from the service."""
        from .gui.case_details import CaseDetailsDialog, case_values
        from .tasks import CaseHistoryTask

        layer = self.case_layer()
        features = self._case_features(layer, [case_id]) if layer is not None else []
        if not features:
            self._push(
                self.tr("Case {} is not in the case layer.").format(case_id), Qgis.MessageLevel.Warning
            )
            return
        dialog = CaseDetailsDialog(case_values(features[0]), None, self.iface.mainWindow())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        try:
            client = self._make_client()
        except SosError as error:
            LOGGER.warning("History of case %s not read: %s (%s)", case_id, error.message, error.details)
            dialog.show_history_error(error_message(error))
            return

        def show_history(result: Any) -> None:
            if sip.isdeleted(dialog):
                return
            if result.ok:
                dialog.show_history(result.entries)
            else:
                dialog.show_history_error(result.message)

        self._start_task(lambda done: CaseHistoryTask(client, case_id, done), show_history)

    # --- connection state

    def set_paused(self, paused: bool) -> None:
        """Pause or resume auto-refresh; the choice is kept in the settings for the next QGIS session."""
        self.settings.refresh_paused = paused
        LOGGER.info("Auto-refresh %s", "paused" if paused else "resumed")
        if paused:
            if self.timer is not None:
                self.timer.stop()
            self.connection_state = "paused"
        else:
            self.connection_state = "live" if self.last_sync is not None else "not_connected"
            self.start_auto_refresh()
        self._show_connection_state()

    def cancel_fetch(self) -> None:
        """Cancel the running fetch: stop its download, or stop writing its remaining slices."""
        task = self._fetch_task
        if task is None:
            return
        LOGGER.info("Fetch cancelled by the user")
        task.stop()

    def _show_connection_state(self) -> None:
        if self.dock is None:
            return
        self.dock.set_connection_state(
            self.connection_state, self.last_sync, self.stale_since, self.connection_detail
        )

    def _note_fetch_failed(self, error: Any, message: str) -> None:
        if self.stale_since is None and self.last_sync is not None:
            self.stale_since = datetime.now(timezone.utc)
        self.connection_state = "offline" if isinstance(error, NetworkError) else "error"
        self.connection_detail = message
        self._show_connection_state()

    def _note_fetch_succeeded(self) -> None:
        self.last_sync = datetime.now(timezone.utc)
        self.stale_since = None
        self.connection_detail = ""
        self.connection_state = "paused" if self.settings.refresh_paused else "live"
        self._show_connection_state()

    def _on_task_progress(self, task_id: int, progress: float) -> None:
        task = self._fetch_task
        if task is None or self.dock is None or sip.isdeleted(task):
            return
        if QgsApplication.taskManager().taskId(task) == task_id:
            self.dock.set_busy(True, progress)

    def _on_write_progress(self, progress: float) -> None:
        if self.dock is not None:
            self.dock.set_busy(True, progress)

    def _refresh_dock_rows(self, case_ids: Collection[str]) -> None:
        if self.dock is None or not case_ids:
            return
        if len(case_ids) > DOCK_ROW_REFRESH_MAX_IDS:
            self.dock.refresh_cases(None)
        else:
            self.dock.refresh_cases(case_ids)

    # --- messages and tasks

    def _push(self, text: str, level: Qgis.MessageLevel = Qgis.MessageLevel.Info, duration: int = 0) -> None:
        # The message bar renders its text as HTML, and a message may quote the server or a record.
        safe_text = html.escape(text, quote=False)
        self.iface.messageBar().pushMessage(self.tr("SOS"), safe_text, level=level, duration=duration)

    def _push_with_results_button(self, text: str, level: Qgis.MessageLevel) -> None:
        """Show text in the message bar with a button that opens the results per case."""
        bar = self.iface.messageBar()
        item = bar.createMessage(self.tr("SOS"), html.escape(text, quote=False))
        button = QPushButton(self.tr("Results per case…"), item)
        button.clicked.connect(self.show_send_results)
        item.layout().addWidget(button)
        bar.pushWidget(item, level, 0)

    def _push_error(self, error: BaseException) -> None:
        if isinstance(error, AuthenticationError):
            self._pause_for_sign_in()
            return
        self._push(error_message(error), Qgis.MessageLevel.Critical)

    def _pause_for_sign_in(self) -> None:
        if self.timer is not None:
            self.timer.stop()
        if self._auth_paused:
            return
        self._auth_paused = True
        LOGGER.warning("The service rejected the token; auto-refresh paused until the user connects again")
        self._push(
            self.tr(
                "The SOS service rejected the token, so auto-refresh is paused. "
                "Sign in again with SOS > Connect… and enter a valid token."
            ),
            Qgis.MessageLevel.Critical,
        )

    def _start_task(
        self, make_task: Callable[[Callable[[Any], None]], QgsTask], on_done: Callable
    ) -> QgsTask:
        """Start a task whose callback drops it from self.tasks and ignores results after unload."""
        holder: list[QgsTask] = []

        def done(result: Any) -> None:
            for task in holder:
                if task in self.tasks:
                    self.tasks.remove(task)
            if self._loaded:
                on_done(result)

        task = make_task(done)
        holder.append(task)
        self.tasks.append(task)
        QgsApplication.taskManager().addTask(task)
        return task

    def _translate_case_layers(self, layers: list) -> None:
        from .style import is_case_layer, translate_status_labels

        for layer in layers:
            if is_case_layer(layer):
                translate_status_labels(layer)
                if self.dock is not None and self.dock.layer() is None:
                    # A project with a case layer was opened.
                    self._case_layer_id = layer.id()
                    self._show_case_layer(layer)

    def _make_client(self):
        return self._client_factory(self.settings.service_url, self.settings.authcfg_id, self.settings)

    # --- case layer

    def case_layer(self) -> Optional[QgsVectorLayer]:
        """Return the case layer of the current project, or None when it is not in the project."""
        project = QgsProject.instance()
        layer = project.mapLayer(self._case_layer_id) if self._case_layer_id else None
        if layer is not None:
            return layer
        for candidate in project.mapLayers().values():
            if candidate.customProperty(CASE_LAYER_PROPERTY, False) in (True, "true"):
                self._case_layer_id = candidate.id()
                self._show_case_layer(candidate)
                return candidate
        return None

    def _show_case_layer(self, layer: QgsVectorLayer) -> None:
        """Point the dock, the map tool and the style keeper at a case layer found or created."""
        if self.dock is not None and self.dock.layer() is not layer:
            self.dock.set_layer(layer)
        if self.map_tool is not None:
            self.map_tool.set_layer(layer)
        if self.style_keeper is not None and self.style_keeper.layer is not layer:
            self.style_keeper.watch(layer)

    def ensure_case_layer(self) -> QgsVectorLayer:
        """Return the case layer; open or create it at Settings.cases_gpkg_path and style it when added.

        Raises SosError when the GeoPackage cannot be created or opened.
        """
        layer = self.case_layer()
        if layer is not None:
            return layer
        from .case_layer import create_or_open_case_layer
        from .style import style_opened_case_layer

        path = self.settings.cases_gpkg_path
        os.makedirs(os.path.dirname(path), exist_ok=True)
        layer = create_or_open_case_layer(path)
        # The style stored in the GeoPackage (the officer's own, if they restyled) wins over the default.
        style_opened_case_layer(layer)
        layer.setCustomProperty(CASE_LAYER_PROPERTY, True)
        QgsProject.instance().addMapLayer(layer)
        self._case_layer_id = layer.id()
        self._show_case_layer(layer)
        return layer

    # --- actions

    def cluster_case_layer(self) -> None:
        """Draw dense cases as clusters with their count, keeping the status colours."""
        from .style import apply_cluster_style

        layer = self.case_layer()
        if layer is None:
            self._push(self.tr("There is no case layer yet. Fetch cases first."))
            return
        apply_cluster_style(layer)
        layer.triggerRepaint()

    def reset_case_style(self) -> None:
        """Give the case layer the plugin's default style again and store it as the layer's default."""
        from .style import apply_default_style

        layer = self.case_layer()
        if layer is None:
            self._push(self.tr("There is no case layer yet. Fetch cases first."))
            return
        apply_default_style(layer)
        layer.triggerRepaint()

    def show_connect_dialog(self) -> None:
        """Open the connect dialog; after OK, resume auto-refresh and fetch at once."""
        from .gui.connect_dialog import ConnectDialog

        dialog = ConnectDialog(self.settings, self.iface.mainWindow())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self._auth_paused = False
        self._last_auto_error = ""
        LOGGER.info("Connection settings saved; authcfg %s", self.settings.authcfg_id)
        self.fetch_now()
        self.start_auto_refresh()

    def start_auto_refresh(self) -> None:
        """Start the refresh timer at Settings.refresh_interval_s.

        Does nothing while sign-in is needed or while the officer paused auto-refresh.
        """
        if self.timer is None or self._auth_paused or self.settings.refresh_paused:
            return
        self.timer.start(self.settings.refresh_interval_s * 1000)

    def fetch_task(self) -> Optional[QgsTask]:
        """Return the fetch task in flight (downloading or writing its slices), or None."""
        return self._fetch_task

    def fetch_running(self) -> bool:
        """Return whether a fetch task of this plugin is in flight."""
        return self._fetch_task is not None

    def _on_refresh_tick(self) -> None:
        if self.fetch_running():
            LOGGER.debug("Auto-refresh tick skipped: a fetch is still running")
            return
        self.fetch_now(automatic=True)

    def fetch_now(self, automatic: bool = False) -> None:
        """Fetch cases changed since the last fetch into the case layer; at most one fetch runs at a time."""
        if self.fetch_running():
            if not automatic:
                self._push(self.tr("A fetch is already running. Wait for it to finish."))
            return
        from .case_layer import gpkg_path_of, read_sync_state
        from .tasks import FetchCasesTask

        try:
            client = self._make_client()
            layer = self.ensure_case_layer()
            updated_since = read_sync_state(
                gpkg_path_of(layer),
                service_url=self.settings.service_url,
                service_area=self.settings.service_area,
            )
        except SosError as error:
            LOGGER.warning("Fetch not started: %s (%s)", error.message, error.details)
            self._push_error(error)
            return

        LOGGER.info("Fetch started (%s, updated_since=%s)", "auto" if automatic else "manual", updated_since)
        service_area = self.settings.service_area
        service_url = self.settings.service_url
        # A service area layer, when set, decides which cases are flagged outside; it is read here because
        # project layers belong to the main thread.
        area_geometry = None
        if self.settings.service_area_layer_id:
            from .settings import service_area_geometry

            area_geometry = service_area_geometry(self.settings, QgsProject.instance())

        def make_task(done: Callable[[Any], None]) -> QgsTask:
            task = FetchCasesTask(
                client,
                layer,
                updated_since,
                service_area,
                done,
                service_url=service_url,
                service_area_geometry=area_geometry,
            )
            task.on_write_progress = self._on_write_progress
            return task

        if self.dock is not None:
            self.dock.set_busy(True, 0.0)
        self._fetch_task = self._start_task(make_task, lambda result: self._on_fetch_done(result, automatic))

    def _on_fetch_done(self, result: Any, automatic: bool) -> None:
        self._fetch_task = None
        if self.dock is not None:
            self.dock.set_busy(False)
        # Slices written before a stop or an error are in the layer, so the dock shows them too.
        self._refresh_dock_rows(list(result.added_ids) + list(result.changed_ids))
        error = getattr(result, "error", None)
        if error is not None:
            LOGGER.warning("Fetch failed: %s", getattr(error, "details", "") or error)
            self._note_fetch_failed(error, result.message)
            if automatic and not isinstance(error, AuthenticationError):
                # A dropped link fails every tick: show the message once until the next success.
                if result.message == self._last_auto_error:
                    return
                self._last_auto_error = result.message
            if isinstance(error, AuthenticationError):
                self._pause_for_sign_in()
            else:
                self._push(result.message, Qgis.MessageLevel.Warning)
            return
        if not getattr(result, "ok", True):
            # Cancelled, or the layer was removed while the task ran: nothing was written.
            self._push(result.message, Qgis.MessageLevel.Info, MESSAGE_SECONDS)
            return
        self._last_auto_error = ""
        self._auth_paused = False
        self._note_fetch_succeeded()
        LOGGER.info("Fetch finished: %s", result.message)
        self._push(result.message, Qgis.MessageLevel.Success, MESSAGE_SECONDS if automatic else 0)
        if result.added_ids and not result.full:
            # A full fetch fills the layer; only cases arriving in a refresh are news to the officer.
            if self.dock is not None:
                self.dock.note_new_cases(result.added_ids)
            self._push(
                self.tr("{} new cases arrived.").format(len(result.added_ids)),
                Qgis.MessageLevel.Info,
                MESSAGE_SECONDS,
            )
        if not automatic:
            self.start_auto_refresh()
        # Changes left in the outbox by a network drop or a closed QGIS are sent once a fetch succeeds.
        self.send_outbox(automatic=True)

    def choose_hazard_file(self, kind: str) -> None:
        """Ask for a vector or raster file, add it to the project and tag it as a flood or landslide layer."""
        if kind == "flood":
            title = self.tr("Add flood layer")
        else:
            title = self.tr("Add landslide layer")
        path, _filter = QFileDialog.getOpenFileName(
            self.iface.mainWindow(), title, "", self.tr("All files (*)")
        )
        if not path:
            return
        try:
            layer = self.add_hazard_file(path, kind)
        except SosError as error:
            LOGGER.warning("Hazard layer not added: %s", error.details)
            self._push_error(error)
            return
        self._push(
            self.tr("Added {name} as a {kind} layer.").format(name=layer.name(), kind=self._kind_name(kind))
        )

    def _kind_name(self, kind: str) -> str:
        return self.tr("flood") if kind == "flood" else self.tr("landslide")

    def add_hazard_file(self, path: str, kind: str) -> QgsMapLayer:
        """Open path as a vector layer, else as a raster layer, add it to the project and tag it with kind.

        Raises SosError when the file is neither.
        """
        from .hazard_layers import tag_hazard_layer

        # NOTE: a file with several vector layers (a GeoPackage) opens its first layer only.
        name = os.path.splitext(os.path.basename(path))[0]
        layer: QgsMapLayer = QgsVectorLayer(path, name, "ogr")
        if not layer.isValid():
            layer = QgsRasterLayer(path, name)
        if not layer.isValid():
            raise SosError(
                self.tr("{path} could not be opened as a vector or raster layer.").format(path=path),
                f"neither OGR nor GDAL opened {path!r}",
            )
        tag_hazard_layer(layer, kind)
        QgsProject.instance().addMapLayer(layer)
        LOGGER.info("Hazard layer %s added as %s", layer.id(), kind)
        return layer

    def analyse_hazards(self) -> None:
        """Run the hazard analysis of the case layer against the tagged flood and landslide layers."""
        from .hazard_layers import tagged_hazard_layers
        from .tasks import AnalyseHazardsTask

        layer = self.case_layer()
        if layer is None:
            self._push(self.tr("There is no case layer yet. Fetch cases first."), Qgis.MessageLevel.Warning)
            return
        flood_layers = tagged_hazard_layers("flood")
        landslide_layers = tagged_hazard_layers("landslide")
        if not flood_layers and not landslide_layers:
            self._push(
                self.tr("There is no hazard layer. Add a flood or landslide layer first."),
                Qgis.MessageLevel.Warning,
            )
            return
        radius_m = self.settings.landslide_radius_m

        def make_task(done: Callable[[Any], None]) -> QgsTask:
            return AnalyseHazardsTask(layer, flood_layers, landslide_layers, radius_m, done)

        LOGGER.info(
            "Analysis started: %d flood, %d landslide layers", len(flood_layers), len(landslide_layers)
        )
        self._start_task(make_task, self._on_analysis_done)

    def _on_analysis_done(self, result: Any) -> None:
        if getattr(result, "ok", False) and self.dock is not None:
            # Hazard fields and priorities of every case may have changed.
            self.dock.refresh_cases(None)
        self._on_task_done(result)
        # A VN-2000 layer without datum shift or a layer far from the cases changes what the counts mean, so
        # each warning stays in the message bar until the officer closes it.
        for warning in getattr(result, "warnings", []):
            LOGGER.warning("Hazard analysis: %s", warning)
            self._push(warning, Qgis.MessageLevel.Warning)

    def _on_task_done(self, result: Any) -> None:
        error = getattr(result, "error", None)
        if error is not None:
            LOGGER.warning("Task failed: %s", getattr(error, "details", "") or error)
            if isinstance(error, AuthenticationError):
                self._pause_for_sign_in()
            else:
                self._push(result.message, Qgis.MessageLevel.Warning)
            return
        level = Qgis.MessageLevel.Success if getattr(result, "ok", True) else Qgis.MessageLevel.Info
        self._push(result.message, level)

    def set_status_of_selection(self) -> None:
        """Ask for a status, note and team for the selected cases, queue the changes and send them."""
        layer = self.case_layer()
        features = layer.selectedFeatures() if layer is not None else []
        self._ask_status_of(layer, features)

    def set_status_of_cases(self, case_ids: Collection[str]) -> None:
        """Ask for a status, note and team for the given cases, queue the changes and send them."""
        layer = self.case_layer()
        features = self._case_features(layer, case_ids) if layer is not None else []
        self._ask_status_of(layer, features)

    def set_status_of_case(self, case_id: str, status: str) -> None:
        """Queue a status change of one case without a note (the map tool's menu) and send it."""
        layer = self.case_layer()
        features = self._case_features(layer, [case_id]) if layer is not None else []
        if layer is None or not features:
            self._push(
                self.tr("Case {} is not in the case layer.").format(case_id), Qgis.MessageLevel.Warning
            )
            return
        self.queue_status_changes(layer, features, status, "", "")

    @staticmethod
    def _case_features(layer: QgsVectorLayer, case_ids: Collection[str]) -> list[QgsFeature]:
        ids = [str(case_id) for case_id in case_ids]
        if not ids:
            return []
        quoted = ",".join(QgsExpression.quotedValue(case_id) for case_id in ids)
        request = QgsFeatureRequest().setFilterExpression(f'"id" IN ({quoted})')
        return list(layer.getFeatures(request))

    def _ask_status_of(self, layer: Optional[QgsVectorLayer], features: list[QgsFeature]) -> None:
        from .gui.status_dialog import StatusDialog

        if layer is None or not features:
            self._push(
                self.tr("No cases are selected. Select cases on the case layer first."),
                Qgis.MessageLevel.Warning,
            )
            return
        statuses = {feature["status"] for feature in features}
        current = str(statuses.pop()) if len(statuses) == 1 and None not in statuses else ""
        dialog = StatusDialog(len(features), self.iface.mainWindow(), current_status=current)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        status, note = dialog.result_values()
        self.queue_status_changes(layer, features, status, note, dialog.team())

    def queue_status_changes(
        self, layer: QgsVectorLayer, features: list[QgsFeature], status: str, note: str, team: str
    ) -> bool:
        """Store a status change of each feature in the outbox, show it as pending, and send the outbox.

        Returns False when the outbox could not be written; the message bar then shows the error.
        """
        from .case_layer import outbox_path_of, update_sync_states
        from .core.outbox import Outbox

        changes = [
            StatusChange(
                case_id=str(feature["id"]),
                status=status,
                note=note or None,
                if_version=None if feature["version"] in (None, NULL) else int(feature["version"]),
                team=team or None,
            )
            for feature in features
            if feature["id"] not in (None, NULL)
        ]
        # The change is on disk before anything is sent, so a crash or a network drop cannot lose it.
        try:
            with Outbox(outbox_path_of(layer)) as outbox:
                queued = outbox.queue(changes)
        except (sqlite3.Error, OSError) as error:
            LOGGER.error("Status changes not stored in the outbox: %s", error)
            self._push(
                self.tr("The status changes could not be stored in the outbox {path}: {error}").format(
                    path=outbox_path_of(layer), error=str(error)
                ),
                Qgis.MessageLevel.Critical,
            )
            return False
        try:
            update_sync_states(layer)
        except SosError as error:
            LOGGER.warning("Sync states not shown: %s (%s)", error.message, error.details)
        self._refresh_dock_rows([change.case_id for change in changes])
        keys = sorted({change.batch_key for change in queued})
        LOGGER.info("Status change of %d cases to %s queued (keys %s)", len(queued), status, ", ".join(keys))
        self.send_outbox()
        return True

    def send_outbox(self, automatic: bool = False) -> None:
        """Send the waiting changes of the case layer's outbox; at most one send runs at a time.

        A request made while a send runs is remembered, and the outbox is sent again when that send ends.
        With `automatic`, no message is shown when there is nothing to send.
        """
        from .case_layer import outbox_path_of
        from .core.outbox import Outbox
        from .tasks import SendOutboxTask

        layer = self.case_layer()
        if layer is None:
            return
        if self._send_task is not None:
            self._send_again = True
            return
        path = outbox_path_of(layer)
        if not os.path.isfile(path):
            return
        try:
            with Outbox(path) as outbox:
                waiting = bool(outbox.sendable_batches())
        except sqlite3.Error as error:
            LOGGER.error("Outbox %s could not be read: %s", path, error)
            return
        if not waiting:
            self._update_outbox_actions()
            return
        try:
            client = self._make_client()
        except SosError as error:
            LOGGER.warning("Outbox not sent: %s (%s)", error.message, error.details)
            if not automatic:
                self._push_error(error)
            return

        def make_task(done: Callable[[Any], None]) -> QgsTask:
            return SendOutboxTask(client, path, layer, done)

        LOGGER.info("Sending the outbox %s (%s)", path, "auto" if automatic else "manual")
        self._send_manual = not automatic
        self._send_task = self._start_task(make_task, self._on_send_done)

    def _on_send_done(self, result: Any) -> None:
        self._send_task = None
        if self._send_manual and (result.sent or getattr(result, "error", None) is not None):
            self._remember_send_changes(result)
        self._update_outbox_actions()
        self._refresh_dock_rows(sorted({change.case_id for change in getattr(result, "results", [])}))
        error = getattr(result, "error", None)
        if isinstance(error, AuthenticationError):
            self._pause_for_sign_in()
        elif result.sent or error is not None:
            if error is not None or result.conflicts or result.failed:
                level = Qgis.MessageLevel.Warning
            else:
                level = Qgis.MessageLevel.Success
            if self._send_manual and self.last_send_changes:
                self._push_with_results_button(result.message, level)
            else:
                self._push(result.message, level)
        if self._send_again and error is None:
            self._send_again = False
            self.send_outbox(automatic=True)

    def _remember_send_changes(self, result: Any) -> None:
        """Keep the changes decided by the officer's last send, and those still waiting, for the results."""
        from .case_layer import outbox_path_of
        from .core.outbox import Outbox

        waiting: list = []
        layer = self.case_layer()
        if layer is not None and os.path.isfile(outbox_path_of(layer)):
            try:
                with Outbox(outbox_path_of(layer)) as outbox:
                    waiting = outbox.changes_in_state("pending", "sent")
            except sqlite3.Error as error:
                LOGGER.error("Outbox %s could not be read: %s", outbox_path_of(layer), error)
        self.last_send_changes = list(getattr(result, "results", [])) + list(waiting)

    def show_send_results(self) -> None:
        """Show, per case, the result of the last send that the officer started: done, conflict or failed."""
        from .gui.results_dialog import SendResultsDialog, read_addresses

        if not self.last_send_changes:
            self._push(self.tr("No status change was sent in this session yet."))
            return
        layer = self.case_layer()
        case_ids = {change.case_id for change in self.last_send_changes}
        addresses = read_addresses(layer, case_ids) if layer is not None else {}
        if self.results_dialog is not None:
            self.results_dialog.close()
        self.results_dialog = SendResultsDialog(
            self.last_send_changes, self.iface.mainWindow(), addresses=addresses
        )
        self.results_dialog.show()

    def _outbox_changes(self, read: Callable[[Any], list]) -> list:
        """Return read(outbox) for the case layer's outbox, or [] when there is no layer or no outbox."""
        from .case_layer import outbox_path_of
        from .core.outbox import Outbox

        layer = self.case_layer()
        if layer is None or not os.path.isfile(outbox_path_of(layer)):
            return []
        try:
            with Outbox(outbox_path_of(layer)) as outbox:
                return read(outbox)
        except sqlite3.Error as error:
            LOGGER.error("Outbox of %s could not be read: %s", layer.name(), error)
            return []

    def _conflicts(self) -> list:
        return self._outbox_changes(lambda outbox: outbox.conflicts())

    def _failed_changes(self) -> list:
        return self._outbox_changes(lambda outbox: outbox.failed())

    def _update_outbox_actions(self) -> None:
        """Enable "Resolve conflicts…" and "Retry failed changes…" only while the outbox has such changes."""
        if self.missing and any(item.name == "requests" for item in self.missing):
            return
        if self.resolve_conflicts_action is not None:
            self.resolve_conflicts_action.setEnabled(bool(self._conflicts()))
        if self.retry_failed_action is not None:
            self.retry_failed_action.setEnabled(bool(self._failed_changes()))

    def resolve_conflicts(self) -> None:
        """Read who last changed each case in conflict, then show the conflict dialog."""
        from .tasks import LatestHistoryTask

        conflicts = self._conflicts()
        if not conflicts:
            self._update_outbox_actions()
            self._push(self.tr("There are no status conflicts to resolve."))
            return
        try:
            client = self._make_client()
        except SosError as error:
            LOGGER.warning("History not read: %s (%s)", error.message, error.details)
            self.show_conflict_dialog(conflicts, {})
            return
        case_ids = sorted({change.case_id for change in conflicts})

        def make_task(done: Callable[[Any], None]) -> QgsTask:
            return LatestHistoryTask(client, case_ids, done)

        self._start_task(
            make_task, lambda result: self.show_conflict_dialog(conflicts, result.latest_entries)
        )

    def show_conflict_dialog(self, conflicts: list, latest_entries: dict) -> None:
        """Show the conflicts and apply the officer's choices: keep theirs, or queue mine and send it."""
        from .case_layer import outbox_path_of, update_sync_states
        from .core.outbox import Outbox
        from .gui.conflict_dialog import KEEP_THEIRS, ConflictDialog

        layer = self.case_layer()
        if layer is None:
            return
        dialog = ConflictDialog(conflicts, latest_entries, self.iface.mainWindow())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        choices = dialog.choices()
        if not choices:
            return
        kept_theirs = applied_mine = 0
        try:
            with Outbox(outbox_path_of(layer)) as outbox:
                for change_id, choice in choices.items():
                    try:
                        if choice == KEEP_THEIRS:
                            outbox.keep_theirs(change_id)
                            kept_theirs += 1
                        else:
                            outbox.apply_mine(change_id)
                            applied_mine += 1
                    except ValueError as error:
                        # Resolved meanwhile, e.g. by a second dialog; the outbox keeps the first choice.
                        LOGGER.warning("Conflict %s not resolved: %s", change_id, error)
            update_sync_states(layer)
        except sqlite3.Error as error:
            LOGGER.error("Conflict choices not stored: %s", error)
            self._push(
                self.tr("The choices could not be stored in the outbox: {}").format(str(error)),
                Qgis.MessageLevel.Critical,
            )
            return
        except SosError as error:
            LOGGER.warning("Sync states not shown: %s (%s)", error.message, error.details)
        LOGGER.info("Conflicts resolved: %d kept theirs, %d applied mine", kept_theirs, applied_mine)
        self._push(
            self.tr("{kept} conflicts resolved by keeping theirs, {applied} by applying yours.").format(
                kept=kept_theirs, applied=applied_mine
            ),
            Qgis.MessageLevel.Info,
            MESSAGE_SECONDS,
        )
        self._update_outbox_actions()
        if applied_mine:
            self.send_outbox()

    def retry_failed_changes(self) -> None:
        """Show the failed status changes and, once the officer confirms, queue them again and send them.

        The retried changes get new Idempotency-Keys and keep the case versions they were based on, so a case
        changed on the server meanwhile comes back as a conflict rather than being overwritten.
        """
        from .case_layer import outbox_path_of, update_sync_states
        from .core.outbox import Outbox

        layer = self.case_layer()
        failed = self._failed_changes()
        if layer is None or not failed:
            self._update_outbox_actions()
            self._push(self.tr("There are no failed status changes to retry."))
            return
        if not self._confirm_retry(failed, self.iface.mainWindow()):
            return
        try:
            with Outbox(outbox_path_of(layer)) as outbox:
                # Changes retried or replaced meanwhile, e.g. from a second dialog, are skipped by retry().
                retried = outbox.retry([change.change_id for change in failed])
        except (sqlite3.Error, OSError) as error:
            LOGGER.error("Failed status changes not queued again: %s", error)
            self._push(
                self.tr("The status changes could not be stored in the outbox {path}: {error}").format(
                    path=outbox_path_of(layer), error=str(error)
                ),
                Qgis.MessageLevel.Critical,
            )
            return
        try:
            update_sync_states(layer)
        except SosError as error:
            LOGGER.warning("Sync states not shown: %s (%s)", error.message, error.details)
        keys = sorted({change.batch_key for change in retried})
        LOGGER.info("%d failed status changes queued again (keys %s)", len(retried), ", ".join(keys))
        self._update_outbox_actions()
        self.send_outbox()
