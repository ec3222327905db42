"""The plugin shell: the SOS menu and toolbar, the Processing provider, the translator and the auto-refresh.

unload() removes everything initGui() made, in reverse order, so that QGIS can reload the plugin cleanly.
"""

from __future__ import annotations

import html
import logging
import os
import sqlite3
from typing import Any, Callable, Optional

from qgis.core import (
    NULL,
    Qgis,
    QgsApplication,
    QgsMapLayer,
    QgsProject,
    QgsRasterLayer,
    QgsSettings,
    QgsTask,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, QLocale, Qt, QTimer, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import (
    QAction,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from .__about__ import __title__
from .core.api_client import AuthenticationError, StatusChange
from .core.errors import SosError
from .dependencies import Missing, describe_missing, install_hint, missing_dependencies
from .gui import error_message
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

        self._send_task: Optional[QgsTask] = None
        self._send_again = False
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
        self._update_outbox_actions()

        self.initProcessing()

        # Status names in the legend follow the officer's language, whatever language saved the project.
        QgsProject.instance().layersAdded.connect(self._translate_case_layers)
        self._translate_case_layers(list(QgsProject.instance().mapLayers().values()))

        self.timer = QTimer()
        self.timer.setObjectName("SosRefreshTimer")
        self.timer.timeout.connect(self._on_refresh_tick)

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
            self._loaded_signals = False

        for task in list(self.tasks):
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

    def _add_action(self, icon_file: str, text: str, slot: Callable[[], None]) -> QAction:
        action = QAction(QIcon(os.path.join(ICON_DIR, icon_file)), text, self.iface.mainWindow())
        action.triggered.connect(lambda _checked=False: slot())
        self.menu.addAction(action)
        self.toolbar.addAction(action)
        self.actions.append(action)
        return action

    def _report_missing_dependencies(self) -> None:
        if not self.missing:
            return
        needs_shapely = any(item.name == "shapely" for item in self.missing)
        if needs_shapely:
            self.analyse_action.setEnabled(False)
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

    # --- messages and tasks

    def _push(self, text: str, level: Qgis.MessageLevel = Qgis.MessageLevel.Info, duration: int = 0) -> None:
        # The message bar renders its text as HTML, and a message may quote the server or a record.
        safe_text = html.escape(text, quote=False)
        self.iface.messageBar().pushMessage(self.tr("SOS"), safe_text, level=level, duration=duration)

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
                return candidate
        return None

    def ensure_case_layer(self) -> QgsVectorLayer:
        """Return the case layer; open or create it at Settings.cases_gpkg_path and style it when added.

        Raises SosError when the GeoPackage cannot be created or opened.
        """
        layer = self.case_layer()
        if layer is not None:
            return layer
        from .case_layer import create_or_open_case_layer
        from .style import apply_case_style

        path = self.settings.cases_gpkg_path
        os.makedirs(os.path.dirname(path), exist_ok=True)
        layer = create_or_open_case_layer(path)
        apply_case_style(layer)
        layer.setCustomProperty(CASE_LAYER_PROPERTY, True)
        QgsProject.instance().addMapLayer(layer)
        self._case_layer_id = layer.id()
        return layer

    # --- actions

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
        """Start the refresh timer at Settings.refresh_interval_s; does nothing while sign-in is needed."""
        if self.timer is None or self._auth_paused:
            return
        self.timer.start(self.settings.refresh_interval_s * 1000)

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

        def make_task(done: Callable[[Any], None]) -> QgsTask:
            return FetchCasesTask(client, layer, updated_since, service_area, done, service_url=service_url)

        self._fetch_task = self._start_task(make_task, lambda result: self._on_fetch_done(result, automatic))

    def _on_fetch_done(self, result: Any, automatic: bool) -> None:
        self._fetch_task = None
        error = getattr(result, "error", None)
        if error is not None:
            LOGGER.warning("Fetch failed: %s", getattr(error, "details", "") or error)
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
        LOGGER.info("Fetch finished: %s", result.message)
        self._push(result.message, Qgis.MessageLevel.Success, MESSAGE_SECONDS if automatic else 0)
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
        self._start_task(make_task, self._on_task_done)

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
        """Ask for a status and note for the selected cases, queue the changes in the outbox and send them."""
        from .case_layer import outbox_path_of, update_sync_states
        from .core.outbox import Outbox
        from .gui.status_dialog import StatusDialog

        layer = self.case_layer()
        features = layer.selectedFeatures() if layer is not None else []
        if not features:
            self._push(
                self.tr("No cases are selected. Select cases on the case layer first."),
                Qgis.MessageLevel.Warning,
            )
            return
        dialog = StatusDialog(len(features), self.iface.mainWindow())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        status, note = dialog.result_values()
        changes = [
            StatusChange(
                case_id=str(feature["id"]),
                status=status,
                note=note or None,
                if_version=None if feature["version"] in (None, NULL) else int(feature["version"]),
            )
            for feature in features
            if feature["id"] not in (None, NULL)
        ]
        # The change is on disk before anything is sent, so a crash or a network drop cannot lose it.
        try:
            with Outbox(outbox_path_of(layer)) as outbox:
                queued = outbox.queue(changes)
            update_sync_states(layer)
        except (sqlite3.Error, OSError) as error:
            LOGGER.error("Status changes not stored in the outbox: %s", error)
            self._push(
                self.tr("The status changes could not be stored in the outbox {path}: {error}").format(
                    path=outbox_path_of(layer), error=str(error)
                ),
                Qgis.MessageLevel.Critical,
            )
            return
        except SosError as error:
            LOGGER.warning("Sync states not shown: %s (%s)", error.message, error.details)
        keys = sorted({change.batch_key for change in queued})
        LOGGER.info("Status change of %d cases to %s queued (keys %s)", len(queued), status, ", ".join(keys))
        self.send_outbox()

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
        self._send_task = self._start_task(make_task, self._on_send_done)

    def _on_send_done(self, result: Any) -> None:
        self._send_task = None
        self._update_outbox_actions()
        error = getattr(result, "error", None)
        if isinstance(error, AuthenticationError):
            self._pause_for_sign_in()
        elif result.sent or error is not None:
            if error is not None or result.conflicts or result.failed:
                level = Qgis.MessageLevel.Warning
            else:
                level = Qgis.MessageLevel.Success
            self._push(result.message, level)
        if self._send_again and error is None:
            self._send_again = False
            self.send_outbox(automatic=True)

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
