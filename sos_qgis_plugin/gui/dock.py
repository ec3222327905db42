"""The SOS dock: connection state, counts of waiting people, and the filtered case list sorted by priority.

The dock displays cases and emits requests. Fetching, pausing, status changes and dialogs belong to the
plugin, which connects to the dock's signals and calls `set_connection_state`, `set_busy`, `refresh_cases` and
`note_new_cases`. Every text that comes from a citizen is shown as plain text.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection
from datetime import datetime, timezone
from typing import Any, Optional

from qgis.core import (
    QgsApplication,
    QgsExpression,
    QgsMapLayerProxyModel,
    QgsPointXY,
    QgsVectorLayer,
)
from qgis.gui import QgsDockWidget, QgsFilterLineEdit, QgsMapLayerComboBox
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, QTimer, pyqtSignal
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QAction,
    QApplication,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.case_filter import (
    HAZARD_ANY,
    HAZARD_FLOOD,
    HAZARD_LANDSLIDE,
    HAZARD_NONE,
    NO_COMMUNE_KEY,
    CaseFilter,
    CaseRow,
    admin_commune_key,
    commune_key,
    count_waiting,
    fold_query,
)
from ..core.errors import SosError
from ..core.statuses import OPEN_STATUSES, STATUSES
from ..core.text import vietnamese_sort_key
from ..core.timeutil import VIETNAM_TZ
from ..style import status_display_name
from . import error_message
from .case_table import (
    COLUMN_ADDRESS,
    COLUMN_COMMUNE,
    COLUMN_HAZARD,
    COLUMN_PEOPLE,
    COLUMN_PRIORITY,
    COLUMN_STATUS,
    COLUMN_WAITING,
    CaseLoadTask,
    CaseTableModel,
    field_indices,
    locate_row_communes,
    read_rows,
    row_request,
    task_alive,
)

LOGGER = logging.getLogger("sos_qgis_plugin")

ICON_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "icons")

CONNECTION_STATES = ("not_connected", "live", "paused", "offline", "error")
_STATE_COLOURS = {
    "not_connected": "#7f7f7f",
    "live": "#1a9641",
    "paused": "#2b83ba",
    "offline": "#e66101",
    "error": "#d7191c",
}
_STALE_STYLE = "QLabel { background-color: #fdae61; color: #000000; padding: 2px; }"

# Clicking a case zooms in to this scale when the map shows more than MAX_OVERVIEW_SCALE, and keeps the
# officer's scale otherwise, so a point is never blown up to street-sign size.
ZOOM_SCALE = 10000
MAX_OVERVIEW_SCALE = 25000

# Initial column widths in pixels, widened to fit the header text. The officer may resize them.
COLUMN_WIDTHS = {
    COLUMN_PRIORITY: 70,
    COLUMN_WAITING: 120,
    COLUMN_PEOPLE: 65,
    COLUMN_STATUS: 120,
    COLUMN_HAZARD: 90,
    COLUMN_COMMUNE: 110,
    COLUMN_ADDRESS: 200,
}

# The search waits this long after the last key press before filtering.
SEARCH_DELAY_MS = 250
# The waiting times in the list count up once a minute.
WAITING_TICK_MS = 60 * 1000

# Commune filter value of the cases that lie outside every commune of the admin layer.
NO_COMMUNE = NO_COMMUNE_KEY


def _icon(name: str) -> QIcon:
    return QIcon(os.path.join(ICON_DIR, name))


def _plain_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class _StayOpenMenu(QMenu):
    """A menu that stays open when a checkable action is clicked, so several statuses can be ticked."""

    def mouseReleaseEvent(self, event: Any) -> None:  # noqa: N802
        action = self.activeAction()
        if action is not None and action.isEnabled() and action.isCheckable():
            action.trigger()
            return
        super().mouseReleaseEvent(event)


class SosDock(QgsDockWidget):
    """The officer's live view of the SOS cases. See the module docstring for who does what."""

    fetchRequested = pyqtSignal()  # noqa: N815 - Qt signal naming
    pauseToggled = pyqtSignal(bool)  # noqa: N815 - Qt signal naming
    cancelRequested = pyqtSignal()  # noqa: N815 - Qt signal naming
    setStatusRequested = pyqtSignal(list)  # noqa: N815 - Qt signal naming
    detailsRequested = pyqtSignal(str)  # noqa: N815 - Qt signal naming
    settingsRequested = pyqtSignal()  # noqa: N815 - Qt signal naming
    reportRequested = pyqtSignal()  # noqa: N815 - Qt signal naming
    hazardSourcesRequested = pyqtSignal()  # noqa: N815 - Qt signal naming
    summaryRequested = pyqtSignal()  # noqa: N815 - Qt signal naming
    # Emitted on the main thread after the list was (re)read from the layer, with the number of cases.
    casesLoaded = pyqtSignal(int)  # noqa: N815 - Qt signal naming

    def __init__(self, iface: Any, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("SosDock")
        self.setWindowTitle(self.tr("SOS cases"))
        self._iface = iface
        self._layer: Optional[QgsVectorLayer] = None
        self._load_task: Optional[CaseLoadTask] = None
        self._load_generation = 0
        # Case ids changed while a full read was running; they are read again when it ends.
        self._ids_changed_while_loading: set[str] = set()
        self._commune_index: Any = None
        # The commune index whose extent was last compared with the cases, so each reading warns once.
        self._extent_checked_index: Any = None
        self._commune_names: list[tuple[str, str]] = []
        self._syncing_selection = False
        self._state = "not_connected"

        self._model = CaseTableModel(self)
        self._build_ui()
        self.set_connection_state("not_connected", None)
        self.set_busy(False)
        self._update_counts()

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_filter)
        self._search_edit.textChanged.connect(self._search_timer.start)

        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(0)
        self._counts_timer.timeout.connect(self._update_counts)

        self._waiting_timer = QTimer(self)
        self._waiting_timer.setInterval(WAITING_TICK_MS)
        self._waiting_timer.timeout.connect(self._tick_waiting)
        self._waiting_timer.start()

    # Building the widgets

    def _build_ui(self) -> None:
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)

        state_row = QHBoxLayout()
        self._state_label = _plain_label()
        self._state_label.setObjectName("stateLabel")
        self._last_sync_label = _plain_label()
        self._last_sync_label.setObjectName("lastSyncLabel")
        state_row.addWidget(self._state_label)
        state_row.addWidget(self._last_sync_label)
        state_row.addStretch(1)
        layout.addLayout(state_row)

        self._detail_label = _plain_label()
        self._detail_label.setObjectName("detailLabel")
        self._detail_label.setWordWrap(True)
        layout.addWidget(self._detail_label)

        self._stale_label = _plain_label()
        self._stale_label.setObjectName("staleLabel")
        self._stale_label.setStyleSheet(_STALE_STYLE)
        self._stale_label.setWordWrap(True)
        layout.addWidget(self._stale_label)

        layout.addWidget(self._build_toolbar())

        self._progress_bar = QProgressBar()
        self._progress_bar.setObjectName("progressBar")
        self._progress_bar.setMaximumHeight(12)
        self._progress_bar.setTextVisible(False)
        layout.addWidget(self._progress_bar)

        self._counts_label = _plain_label()
        self._counts_label.setObjectName("countsLabel")
        self._counts_label.setWordWrap(True)
        self._waiting_label = _plain_label()
        self._waiting_label.setObjectName("waitingLabel")
        self._waiting_label.setWordWrap(True)
        layout.addWidget(self._counts_label)
        layout.addWidget(self._waiting_label)

        layout.addLayout(self._build_filters())

        new_row = QHBoxLayout()
        self._new_label = _plain_label()
        self._new_label.setObjectName("newLabel")
        self._new_label.setStyleSheet("QLabel { color: #e66101; font-weight: bold; }")
        self._mark_seen_button = QPushButton(self.tr("Mark all as seen"))
        self._mark_seen_button.setObjectName("markSeenButton")
        self._mark_seen_button.clicked.connect(self.mark_all_seen)
        new_row.addWidget(self._new_label)
        new_row.addStretch(1)
        new_row.addWidget(self._mark_seen_button)
        layout.addLayout(new_row)

        layout.addWidget(self._build_table(), 1)

        self._shown_label = _plain_label()
        self._shown_label.setObjectName("shownLabel")
        layout.addWidget(self._shown_label)

        self.setWidget(body)

    def _build_toolbar(self) -> QToolBar:
        toolbar = QToolBar(self)
        toolbar.setObjectName("sosDockToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

        self._fetch_action = QAction(_icon("fetch.svg"), self.tr("Fetch now"), self)
        self._fetch_action.setObjectName("fetchAction")
        self._fetch_action.triggered.connect(self.fetchRequested)
        self._pause_action = QAction(_icon("pause.svg"), self.tr("Pause"), self)
        self._pause_action.setObjectName("pauseAction")
        self._pause_action.setCheckable(True)
        self._pause_action.setToolTip(self.tr("Pause or resume the automatic refresh"))
        self._pause_action.toggled.connect(self._on_pause_toggled)
        self._cancel_action = QAction(
            QgsApplication.getThemeIcon("/mTaskCancel.svg"), self.tr("Cancel"), self
        )
        self._cancel_action.setObjectName("cancelAction")
        self._cancel_action.triggered.connect(self.cancelRequested)
        toolbar.addAction(self._fetch_action)
        toolbar.addAction(self._pause_action)
        toolbar.addAction(self._cancel_action)

        self._settings_action = QAction(
            QgsApplication.getThemeIcon("/mActionOptions.svg"), self.tr("Settings…"), self
        )
        self._settings_action.setObjectName("settingsAction")
        self._settings_action.triggered.connect(self.settingsRequested)
        self._hazard_action = QAction(_icon("flood.svg"), self.tr("Hazard sources…"), self)
        self._hazard_action.setObjectName("hazardSourcesAction")
        self._hazard_action.triggered.connect(self.hazardSourcesRequested)
        self._summary_action = QAction(
            QgsApplication.getThemeIcon("/mActionOpenTable.svg"), self.tr("Commune summary…"), self
        )
        self._summary_action.setObjectName("summaryAction")
        self._summary_action.triggered.connect(self.summaryRequested)
        self._report_action = QAction(
            QgsApplication.getThemeIcon("/mActionNewReport.svg"), self.tr("Situation report…"), self
        )
        self._report_action.setObjectName("reportAction")
        self._report_action.triggered.connect(self.reportRequested)

        more_menu = QMenu(self)
        for action in (self._settings_action, self._hazard_action, self._summary_action, self._report_action):
            more_menu.addAction(action)
        more_button = QToolButton(self)
        more_button.setObjectName("moreButton")
        more_button.setText(self.tr("More"))
        more_button.setIcon(QgsApplication.getThemeIcon("/mActionOptions.svg"))
        more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        more_button.setMenu(more_menu)
        toolbar.addWidget(more_button)
        return toolbar

    def _build_filters(self) -> QGridLayout:
        grid = QGridLayout()

        self._search_edit = QgsFilterLineEdit()
        self._search_edit.setObjectName("searchEdit")
        self._search_edit.setShowSearchIcon(True)
        self._search_edit.setPlaceholderText(self.tr("Search address, description, name, id"))
        grid.addWidget(self._search_edit, 0, 0, 1, 2)

        self._status_button = QToolButton()
        self._status_button.setObjectName("statusFilterButton")
        self._status_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._status_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        status_menu = _StayOpenMenu(self._status_button)
        all_action = status_menu.addAction(self.tr("All statuses"))
        all_action.triggered.connect(lambda: self.set_status_filter(STATUSES))
        open_action = status_menu.addAction(self.tr("Open cases only"))
        open_action.triggered.connect(lambda: self.set_status_filter(OPEN_STATUSES))
        status_menu.addSeparator()
        self._status_actions: dict[str, QAction] = {}
        for status in STATUSES:
            action = status_menu.addAction(status_display_name(status))
            action.setCheckable(True)
            action.setChecked(True)
            action.toggled.connect(self._on_status_filter_changed)
            self._status_actions[status] = action
        self._status_button.setMenu(status_menu)
        grid.addWidget(self._status_button, 1, 0)

        self._hazard_combo = QComboBox()
        self._hazard_combo.setObjectName("hazardCombo")
        self._hazard_combo.addItem(self.tr("Any hazard"), HAZARD_ANY)
        self._hazard_combo.addItem(self.tr("In flood"), HAZARD_FLOOD)
        self._hazard_combo.addItem(self.tr("In landslide zone"), HAZARD_LANDSLIDE)
        self._hazard_combo.addItem(self.tr("No hazard"), HAZARD_NONE)
        self._hazard_combo.currentIndexChanged.connect(self._apply_filter)
        grid.addWidget(self._hazard_combo, 1, 1)

        self._admin_combo = QgsMapLayerComboBox()
        self._admin_combo.setObjectName("adminLayerCombo")
        self._admin_combo.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
        self._admin_combo.setAllowEmptyLayer(True)
        self._admin_combo.setToolTip(self.tr("Polygon layer of the communes used by the commune filter"))
        self._admin_combo.setLayer(None)
        self._admin_combo.layerChanged.connect(self._on_admin_layer_changed)
        grid.addWidget(_plain_label(self.tr("Communes from:")), 2, 0)
        grid.addWidget(self._admin_combo, 2, 1)

        self._commune_combo = QComboBox()
        self._commune_combo.setObjectName("communeCombo")
        self._commune_combo.currentIndexChanged.connect(self._apply_filter)
        grid.addWidget(self._commune_combo, 3, 0, 1, 2)
        self._fill_commune_combo()
        self._update_status_button()
        return grid

    def _build_table(self) -> QTableView:
        view = QTableView()
        view.setObjectName("caseTable")
        view.setModel(self._model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setWordWrap(False)
        view.setAlternatingRowColors(True)
        view.verticalHeader().setVisible(False)
        # Fixed row heights keep scrolling through 50,000 rows cheap.
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(COLUMN_PRIORITY, Qt.SortOrder.DescendingOrder)
        view.setSortingEnabled(True)
        for column, width in COLUMN_WIDTHS.items():
            # Translated titles may be longer than the English ones the widths were chosen for.
            view.setColumnWidth(column, max(width, header.sectionSizeHint(column)))
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._show_context_menu)
        view.clicked.connect(self._on_row_clicked)
        view.doubleClicked.connect(self._on_row_double_clicked)
        view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self._table = view
        return view

    # Layers

    def set_layer(self, layer: Optional[QgsVectorLayer]) -> None:
        """Show the cases of `layer`, or none when it is None.

        The rows are read on a worker thread, and casesLoaded is emitted when they are shown.
        """
        if self._layer is not None and not sip.isdeleted(self._layer):
            try:
                self._layer.selectionChanged.disconnect(self._on_layer_selection_changed)
                self._layer.willBeDeleted.disconnect(self._on_layer_deleted)
            except TypeError:
                LOGGER.debug("The dock's case layer signals were already disconnected")
        self._cancel_load()
        self._layer = layer
        self._ids_changed_while_loading.clear()
        if layer is None:
            self._model.set_rows([])
            self._after_rows_changed()
            return
        layer.selectionChanged.connect(self._on_layer_selection_changed)
        layer.willBeDeleted.connect(self._on_layer_deleted)
        self._start_load()

    def layer(self) -> Optional[QgsVectorLayer]:
        """Return the case layer shown, or None."""
        return self._layer

    def set_admin_layer(self, layer: Optional[QgsVectorLayer]) -> None:
        """Filter communes by this polygon layer; None goes back to the commune fields of the cases."""
        if self._admin_combo.currentLayer() is layer:
            self._on_admin_layer_changed(layer)
        else:
            self._admin_combo.setLayer(layer)

    def is_loading(self) -> bool:
        """Return True while the rows are being read from the layer."""
        return task_alive(self._load_task)

    def refresh_cases(self, case_ids: Optional[Collection[str]] = None) -> None:
        """Read these cases again from the layer, adding new ones and dropping deleted ones.

        The given ids are read on the main thread, by feature id where the list has the case. None starts
        a full read on a worker thread. Ids passed while a full read runs are read again when it ends.
        """
        if self._layer is None:
            return
        if case_ids is None:
            self._start_load()
            return
        ids = {str(case_id) for case_id in case_ids}
        if not ids:
            return
        if self.is_loading():
            self._ids_changed_while_loading |= ids
            return
        self._read_cases(ids)

    # Connection state

    def set_connection_state(
        self,
        state: str,
        last_sync: Optional[datetime],
        stale_since: Optional[datetime] = None,
        detail: str = "",
    ) -> None:
        """Show the connection state, the last successful sync and the stale warning, in Vietnam time.

        `state` is one of CONNECTION_STATES, and `last_sync` and `stale_since` are aware datetimes or None.
        `detail` is shown as plain text under the state, for example the last error. Raises ValueError for an
        unknown state.
        """
        if state not in CONNECTION_STATES:
            raise ValueError(f"unknown connection state {state!r}, expected one of {CONNECTION_STATES}")
        self._state = state
        names = {
            "not_connected": self.tr("Not connected"),
            "live": self.tr("Live"),
            "paused": self.tr("Paused"),
            "offline": self.tr("Offline"),
            "error": self.tr("Error"),
        }
        self._state_label.setText("● " + names[state])
        self._state_label.setStyleSheet(f"QLabel {{ color: {_STATE_COLOURS[state]}; font-weight: bold; }}")
        self._state_label.setToolTip(detail)

        if last_sync is None:
            self._last_sync_label.setText(self.tr("Last sync: never"))
        else:
            self._last_sync_label.setText(self.tr("Last sync: {}").format(self.format_sync_time(last_sync)))

        self._detail_label.setText(detail)
        self._detail_label.setVisible(bool(detail))

        if stale_since is None:
            self._stale_label.clear()
            self._stale_label.setVisible(False)
        else:
            self._stale_label.setText(
                self.tr("Data is stale since {}").format(self.format_sync_time(stale_since))
            )
            self._stale_label.setVisible(True)

        # The pause button follows the state without echoing a pauseToggled signal back to the plugin.
        if state in ("paused", "live"):
            self._pause_action.blockSignals(True)
            self._pause_action.setChecked(state == "paused")
            self._pause_action.blockSignals(False)
            self._update_pause_text()

    def connection_state(self) -> str:
        """Return the connection state shown."""
        return self._state

    def set_busy(self, busy: bool, progress: Optional[float] = None) -> None:
        """Show or hide the refresh progress and the Cancel button.

        `progress` is a percentage from 0 to 100, as QgsTask.progressChanged reports it. None shows a busy
        bar without a figure.
        """
        self._progress_bar.setVisible(busy)
        self._cancel_action.setVisible(busy)
        self._cancel_action.setEnabled(busy)
        self._fetch_action.setEnabled(not busy)
        if not busy:
            return
        if progress is None:
            self._progress_bar.setRange(0, 0)
        else:
            self._progress_bar.setRange(0, 100)
            self._progress_bar.setValue(int(max(0.0, min(100.0, progress))))

    def is_busy(self) -> bool:
        """Return True while the dock shows a refresh in flight."""
        return self._cancel_action.isVisible()

    @staticmethod
    def format_sync_time(moment: datetime, now: Optional[datetime] = None) -> str:
        """Format an aware time as hh:mm in Vietnam time, with the date (dd/mm/yyyy) when it is not today."""
        local = moment.astimezone(VIETNAM_TZ)
        today = (now or datetime.now(timezone.utc)).astimezone(VIETNAM_TZ).date()
        if local.date() == today:
            return local.strftime("%H:%M")
        return local.strftime("%d/%m/%Y %H:%M")

    # New cases and selection

    def note_new_cases(self, case_ids: Collection[str]) -> None:
        """Mark these cases as new until the officer clicks them or marks all as seen."""
        self._model.mark_new(str(case_id) for case_id in case_ids)
        self._update_new_label()

    def mark_all_seen(self) -> None:
        """Clear every new mark."""
        self._model.mark_all_seen()
        self._update_new_label()

    def new_case_count(self) -> int:
        """Return the number of listed cases marked new."""
        return sum(1 for case_id in self._model.new_ids() if self._model.row_of_case(case_id) is not None)

    def selected_case_ids(self) -> list[str]:
        """Return the ids of the cases selected in the list, in list order."""
        positions = sorted(index.row() for index in self._table.selectionModel().selectedRows())
        rows = (self._model.row_at(position) for position in positions)
        return [row.case_id for row in rows if row is not None]

    # Filters

    def set_status_filter(self, statuses: Collection[str]) -> None:
        """Show only cases with these statuses (codes from STATUSES)."""
        wanted = set(statuses)
        for status, action in self._status_actions.items():
            action.blockSignals(True)
            action.setChecked(status in wanted)
            action.blockSignals(False)
        self._on_status_filter_changed()

    def set_hazard_filter(self, hazard: str) -> None:
        """Show only cases in flood, in a landslide zone, in neither, or any (core.case_filter HAZARD_*)."""
        position = self._hazard_combo.findData(hazard)
        if position < 0:
            raise ValueError(f"unknown hazard filter {hazard!r}")
        self._hazard_combo.setCurrentIndex(position)

    def set_commune_filter(self, key: Optional[str]) -> None:
        """Show only the cases of one commune, by a key from `commune_choices`.

        None shows all communes, and NO_COMMUNE ("") the cases outside every commune. Raises ValueError for
        a key the filter does not offer.
        """
        position = self._commune_combo.findData(key) if key is not None else 0
        if position < 0:
            raise ValueError(f"unknown commune {key!r}")
        self._commune_combo.setCurrentIndex(position)

    def set_search_text(self, text: str) -> None:
        """Search for cases at once, without waiting for the typing pause."""
        self._search_edit.setText(text)
        self._search_timer.stop()
        self._apply_filter()

    def commune_choices(self) -> list[tuple[str, str]]:
        """Return the (key, label) pairs the commune filter offers, in Vietnamese order of the label.

        Keys are opaque (see core.case_filter.commune_key). The label is the commune's name, else its
        code. Communes that share a label get their code added in brackets, so each choice is distinct.
        """
        return list(self._commune_names)

    def model(self) -> CaseTableModel:
        """Return the table model, which tests and the plugin may read."""
        return self._model

    def table(self) -> QTableView:
        """Return the case table view."""
        return self._table

    # Loading

    def _cancel_load(self) -> None:
        # A new generation makes the dock ignore the task even when it finishes before it reads the cancel.
        self._load_generation += 1
        if task_alive(self._load_task):
            self._load_task.cancel()
        self._load_task = None

    def _start_load(self) -> None:
        layer = self._layer
        if layer is None:
            return
        self._cancel_load()
        generation = self._load_generation
        task = CaseLoadTask(
            layer,
            lambda rows: self._on_rows_loaded(generation, rows),
            self._commune_index,
            self._model.sort_column(),
        )
        self._load_task = task
        QgsApplication.taskManager().addTask(task)

    def _on_rows_loaded(self, generation: int, rows: Optional[list[CaseRow]]) -> None:
        if sip.isdeleted(self) or generation != self._load_generation:
            return
        task = self._load_task
        self._load_task = None
        if rows is None or task is None:
            LOGGER.warning("Reading the case list was cancelled or failed; the list keeps its rows")
            return
        self._model.set_rows(rows, task.keys, task.sort_column)
        self._check_commune_extent(rows)
        pending = set(self._ids_changed_while_loading)
        self._ids_changed_while_loading.clear()
        if pending:
            self._read_cases(pending)
        self._after_rows_changed()
        self._sync_selection_from_layer()
        self.casesLoaded.emit(len(rows))

    def _read_cases(self, case_ids: set[str]) -> None:
        layer = self._layer
        if layer is None:
            return
        fields = layer.fields()
        field_index = field_indices(fields)
        known_fids = []
        unknown_ids = []
        for case_id in case_ids:
            row = self._model.row_of_case(case_id)
            if row is None:
                unknown_ids.append(case_id)
            else:
                known_fids.append(row.fid)

        rows: list[CaseRow] = []
        if known_fids:
            request = row_request(fields)
            request.setFilterFids(known_fids)
            rows.extend(read_rows(layer.getFeatures(request), field_index) or [])
        if unknown_ids:
            request = row_request(fields)
            quoted = ",".join(QgsExpression.quotedValue(case_id) for case_id in sorted(unknown_ids))
            request.setFilterExpression(f'"id" IN ({quoted})')
            rows.extend(read_rows(layer.getFeatures(request), field_index) or [])
        rows = [row for row in rows if row.case_id in case_ids]
        if self._commune_index is not None:
            locate_row_communes(rows, self._commune_index)
        found = {row.case_id for row in rows}
        self._syncing_selection = True
        try:
            self._model.update_rows(rows, removed_ids=case_ids - found)
        finally:
            self._syncing_selection = False
        self._after_rows_changed(rows)

    def _after_rows_changed(self, changed_rows: Optional[list[CaseRow]] = None) -> None:
        """Update the commune choices, counts and new-case label after rows changed (None: all of them)."""
        known = {key for key, _ in self._commune_names}
        if not self._admin_layer_in_use() and (
            changed_rows is None
            or any(commune_key(row) not in known for row in changed_rows if commune_key(row))
        ):
            self._fill_commune_combo()
        if changed_rows is None:
            self._update_counts()
        else:
            # Counting 50,000 rows takes tens of milliseconds, so after a refresh of a few cases it runs
            # once the event loop is free again instead of adding to this stall.
            self._counts_timer.start()
        self._update_new_label()

    # Communes

    def _admin_layer_in_use(self) -> bool:
        return self._commune_index is not None

    def _on_admin_layer_changed(self, layer: Any) -> None:
        self._commune_index = None
        if isinstance(layer, QgsVectorLayer):
            self._commune_index = self._read_commune_index(layer)
        self._fill_commune_combo()
        if self._layer is not None:
            self._start_load()

    def _read_commune_index(self, layer: QgsVectorLayer) -> Any:
        """Read the communes of an admin layer into a CommuneIndex. Returns None when they cannot be read."""
        try:
            from ..admin_layers import read_communes
            from ..core.communes import CommuneIndex
        except ImportError:
            # core.communes needs shapely 2 and numpy, which a QGIS install may lack.
            LOGGER.warning("The commune filter cannot read admin layers here, so it uses the case fields")
            return None
        try:
            communes = read_communes(layer)
        except SosError as error:
            LOGGER.warning(
                "Reading communes of admin layer %s failed: %s %s", layer.name(), error, error.details
            )
            self._iface.messageBar().pushWarning(self.tr("SOS"), error_message(error))
            return None
        if not communes:
            LOGGER.warning("Admin layer %s has no commune to filter by", layer.name())
            return None
        return CommuneIndex(communes)

    def _check_commune_extent(self, rows: list[CaseRow]) -> None:
        """Warn once per admin layer reading when the communes miss the cases (axis order, wrong CRS)."""
        index = self._commune_index
        if index is None or index is self._extent_checked_index:
            return
        self._extent_checked_index = index
        from ..admin_layers import commune_extent_warning

        warning = commune_extent_warning(index.communes, [row.lon for row in rows], [row.lat for row in rows])
        if warning is None:
            return
        LOGGER.warning("Commune filter: %s", warning)
        self._iface.messageBar().pushWarning(self.tr("SOS"), warning)

    def _commune_pairs(self) -> list[tuple[str, str, str]]:
        """Return (key, name, code) of every commune the filter offers, from the admin layer or the rows."""
        if self._commune_index is not None:
            return [
                (admin_commune_key(position), str(commune.name or ""), str(commune.code or ""))
                for position, commune in enumerate(self._commune_index.communes)
            ]
        pairs: dict[str, tuple[str, str, str]] = {}
        for row in self._model.all_rows():
            key = commune_key(row)
            if key != NO_COMMUNE_KEY and key not in pairs:
                pairs[key] = (key, row.commune_name, row.commune_code)
        return list(pairs.values())

    def _commune_labels(self, pairs: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
        """Label each commune by name, else code, adding the code where labels repeat; sort by label."""
        labels = {}
        unnamed = 0
        for key, name, code in pairs:
            if name or code:
                labels[key] = name or code
            else:
                unnamed += 1
                labels[key] = self.tr("Commune without code or name {}").format(unnamed)
        repeats: dict[str, int] = {}
        for label in labels.values():
            repeats[label] = repeats.get(label, 0) + 1
        for key, name, code in pairs:
            if repeats[labels[key]] > 1 and name and code:
                labels[key] = f"{name} ({code})"
        return sorted(labels.items(), key=lambda pair: (vietnamese_sort_key(pair[1]), pair[0]))

    def _fill_commune_combo(self) -> None:
        choices = self._commune_labels(self._commune_pairs())
        if choices == self._commune_names and self._commune_combo.count():
            return
        current = self._commune_combo.currentData()
        self._commune_names = choices
        self._commune_combo.blockSignals(True)
        self._commune_combo.clear()
        self._commune_combo.addItem(self.tr("All communes"), None)
        self._commune_combo.addItem(self.tr("Outside every commune"), NO_COMMUNE)
        for key, label in choices:
            self._commune_combo.addItem(label, key)
        position = self._commune_combo.findData(current) if current is not None else 0
        self._commune_combo.setCurrentIndex(max(0, position))
        self._commune_combo.blockSignals(False)
        if position < 0:
            self._apply_filter()

    # Filtering

    def _current_filter(self) -> CaseFilter:
        checked = frozenset(status for status, action in self._status_actions.items() if action.isChecked())
        statuses = None if checked == frozenset(STATUSES) else checked
        commune = self._commune_combo.currentData()
        communes = None if commune is None else frozenset([commune])
        hazard = self._hazard_combo.currentData() or HAZARD_ANY
        return CaseFilter(
            statuses=statuses, communes=communes, hazard=hazard, words=fold_query(self._search_edit.text())
        )

    def _apply_filter(self) -> None:
        self._syncing_selection = True
        try:
            self._model.set_filter(self._current_filter())
        finally:
            self._syncing_selection = False
        self._update_shown_label()

    def _on_status_filter_changed(self) -> None:
        self._update_status_button()
        self._apply_filter()

    def _update_status_button(self) -> None:
        checked = [status for status, action in self._status_actions.items() if action.isChecked()]
        if len(checked) == len(STATUSES):
            text = self.tr("All statuses")
        elif len(checked) == 1:
            text = status_display_name(checked[0])
        elif set(checked) == set(OPEN_STATUSES):
            text = self.tr("Open cases")
        else:
            text = self.tr("{} statuses").format(len(checked))
        self._status_button.setText(text)

    # Counts

    def _update_counts(self) -> None:
        counts = count_waiting(self._model.all_rows())
        parts = []
        known = [status for status in STATUSES if status in counts.by_status]
        others = sorted(status for status in counts.by_status if status not in STATUSES)
        for status in known + others:
            parts.append(self.tr("{}: {}").format(status_display_name(status), counts.by_status[status]))
        self._counts_label.setText(" · ".join(parts) if parts else self.tr("No cases"))

        if counts.people_unknown:
            people = self.tr("People waiting: {} · cases with unknown count: {}").format(
                counts.people, counts.people_unknown
            )
        else:
            people = self.tr("People waiting: {}").format(counts.people)
        if counts.households_unknown:
            households = self.tr("Households waiting: {} · cases with unknown count: {}").format(
                counts.households, counts.households_unknown
            )
        else:
            households = self.tr("Households waiting: {}").format(counts.households)
        self._waiting_label.setText(people + "\n" + households)
        self._update_shown_label()

    def _update_shown_label(self) -> None:
        self._shown_label.setText(
            self.tr("Showing {} of {} cases").format(
                len(self._model.visible_rows()), len(self._model.all_rows())
            )
        )

    def _update_new_label(self) -> None:
        count = self.new_case_count()
        self._new_label.setText(self.tr("{} new").format(count))
        self._new_label.setVisible(count > 0)
        self._mark_seen_button.setVisible(count > 0)

    def _tick_waiting(self) -> None:
        self._model.set_now(datetime.now(timezone.utc))

    # Pause

    def _on_pause_toggled(self, paused: bool) -> None:
        self._update_pause_text()
        self.pauseToggled.emit(paused)

    def _update_pause_text(self) -> None:
        self._pause_action.setText(self.tr("Resume") if self._pause_action.isChecked() else self.tr("Pause"))

    # Selection, zoom and context menu

    def _on_view_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        if self._syncing_selection or self._layer is None:
            return
        select_fids = self._fids_of(selected)
        deselect_fids = self._fids_of(deselected)
        self._syncing_selection = True
        try:
            self._layer.modifySelection(select_fids, deselect_fids)
        finally:
            self._syncing_selection = False

    def _fids_of(self, selection: QItemSelection) -> list[int]:
        fids = []
        for selection_range in selection:
            for position in range(selection_range.top(), selection_range.bottom() + 1):
                row = self._model.row_at(position)
                if row is not None:
                    fids.append(row.fid)
        return fids

    def _on_layer_selection_changed(self, *args: Any) -> None:
        if not self._syncing_selection:
            self._sync_selection_from_layer()

    def _sync_selection_from_layer(self) -> None:
        if self._layer is None:
            return
        positions = sorted(
            position
            for position in (self._model.position_of_fid(fid) for fid in self._layer.selectedFeatureIds())
            if position is not None
        )
        selection = QItemSelection()
        last_column = self._model.columnCount() - 1
        start = previous = None
        for position in positions + [None]:
            if start is not None and (position is None or position != previous + 1):
                selection.select(self._model.index(start, 0), self._model.index(previous, last_column))
                start = None
            if position is not None and start is None:
                start = position
            previous = position
        self._syncing_selection = True
        try:
            self._table.selectionModel().select(
                selection,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
        finally:
            self._syncing_selection = False

    def _on_row_clicked(self, index: QModelIndex) -> None:
        row = self._model.row_at(index.row())
        if row is None:
            return
        self._model.mark_seen([row.case_id])
        self._update_new_label()
        modifiers = QApplication.keyboardModifiers()
        if self._layer is not None and modifiers == Qt.KeyboardModifier.NoModifier:
            self._syncing_selection = True
            try:
                self._layer.selectByIds([row.fid])
            finally:
                self._syncing_selection = False
        self.zoom_to_case(row.case_id)

    def _on_row_double_clicked(self, index: QModelIndex) -> None:
        row = self._model.row_at(index.row())
        if row is not None:
            self.detailsRequested.emit(row.case_id)

    def zoom_to_case(self, case_id: str) -> bool:
        """Center the map on a case and flash it; returns False when the case has no location.

        The map zooms in to 1:ZOOM_SCALE only when it shows more than 1:MAX_OVERVIEW_SCALE.
        """
        row = self._model.row_of_case(case_id)
        layer = self._layer
        if row is None or layer is None or row.lon is None or row.lat is None:
            return False
        canvas = self._iface.mapCanvas()
        point = canvas.mapSettings().layerToMapCoordinates(layer, QgsPointXY(row.lon, row.lat))
        canvas.setCenter(point)
        if canvas.scale() > MAX_OVERVIEW_SCALE:
            canvas.zoomScale(ZOOM_SCALE)
        canvas.refresh()
        canvas.flashFeatureIds(layer, [row.fid])
        return True

    def _show_context_menu(self, position: Any) -> None:
        menu = self.context_menu(self._table.indexAt(position))
        menu.exec(self._table.viewport().mapToGlobal(position))
        menu.deleteLater()

    def context_menu(self, index: QModelIndex) -> QMenu:
        """Build the list's context menu for the row at `index` (invalid: no row) and the selection."""
        row = self._model.row_at(index.row()) if index.isValid() else None
        selected = self.selected_case_ids()
        menu = QMenu(self)
        status_action = menu.addAction(_icon("status.svg"), self.tr("Set status…"))
        status_action.setObjectName("setStatusAction")
        status_action.setEnabled(bool(selected))
        status_action.triggered.connect(lambda: self.setStatusRequested.emit(selected))
        details_action = menu.addAction(self.tr("Details…"))
        details_action.setObjectName("detailsAction")
        details_action.setEnabled(row is not None)
        zoom_action = menu.addAction(self.tr("Zoom to case"))
        zoom_action.setEnabled(row is not None)
        if row is not None:
            case_id = row.case_id
            details_action.triggered.connect(lambda: self.detailsRequested.emit(case_id))
            zoom_action.triggered.connect(lambda: self.zoom_to_case(case_id))
        return menu

    def _on_layer_deleted(self) -> None:
        self._layer = None
        self._cancel_load()
        self._model.set_rows([])
        self._after_rows_changed()
