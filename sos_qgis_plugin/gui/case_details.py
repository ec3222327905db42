"""Dialog that shows every field of one case, its waiting time, hazards and status history as plain text.

Record values come from citizens, so every value is shown in a plain-text label, a read-only plain-text box
or a table item. None of them renders HTML or opens a link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Optional

from qgis.core import NULL, QgsFeature
from qgis.PyQt.QtCore import QCoreApplication, QDateTime, Qt
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..case_layer import from_qdatetime
from ..core.errors import SosError
from ..core.statuses import OPEN_STATUSES
from ..core.timeutil import parse_time, to_vietnam_time
from ..style import need_display_name, status_display_name, urgency_display_name
from . import translate_standard_buttons

# Shown for a value that is NULL or empty.
EMPTY_TEXT = "—"

# Fields shown in a read-only text box rather than a label, because they may run to thousands of characters.
LONG_TEXT_FIELDS = ("description", "address")

HISTORY_COLUMN_TIME = 0
HISTORY_COLUMN_FROM = 1
HISTORY_COLUMN_TO = 2
HISTORY_COLUMN_BY = 3
HISTORY_COLUMN_TEAM = 4
HISTORY_COLUMN_NOTE = 5


def _is_null(value: Any) -> bool:
    return value is None or value == NULL or (isinstance(value, str) and not value.strip())


def case_values(feature: QgsFeature) -> dict[str, Any]:
    """Return a case feature's attributes by name, with `lon` and `lat` of its point (None if absent)."""
    values = {name: feature[name] for name in feature.fields().names()}
    geometry = feature.geometry()
    point = None if geometry is None or geometry.isNull() else geometry.asPoint()
    values["lon"] = None if point is None else point.x()
    values["lat"] = None if point is None else point.y()
    return values


def as_utc_datetime(value: Any) -> Optional[datetime]:
    """Convert a layer QDateTime, an aware datetime or an RFC 3339 text to an aware datetime, else None.

    A QDateTime without a zone is Vietnam time, as the case layer stores it. An unreadable text gives None.
    """
    if _is_null(value):
        return None
    if isinstance(value, QDateTime):
        return from_qdatetime(value)
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    try:
        return parse_time(str(value))
    except (SosError, ValueError):
        return None


def vietnam_time_text(value: Any) -> str:
    """Format a time as `YYYY-MM-DD hh:mm` in Vietnam time. An unreadable text is returned as it is."""
    moment = as_utc_datetime(value)
    if moment is None:
        return EMPTY_TEXT if _is_null(value) else str(value)
    return to_vietnam_time(moment).strftime("%Y-%m-%d %H:%M")


def waiting_time_text(created_at: Any, now: datetime) -> str:
    """Format the time since `created_at` as "14 h 5 min" or "5 min" (translated), or EMPTY_TEXT if unknown.

    A creation time after `now` (a clock ahead of the server's) counts as 0 min.
    """
    moment = as_utc_datetime(created_at)
    if moment is None:
        return EMPTY_TEXT
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 60:
        return QCoreApplication.translate("CaseDetailsDialog", "{minutes} min").format(minutes=minutes)
    return QCoreApplication.translate("CaseDetailsDialog", "{hours} h {minutes} min").format(
        hours=minutes // 60, minutes=minutes % 60
    )


def _yes_no(value: Any) -> str:
    if _is_null(value):
        return QCoreApplication.translate("CaseDetailsDialog", "not known")
    return (
        QCoreApplication.translate("CaseDetailsDialog", "yes")
        if bool(value)
        else QCoreApplication.translate("CaseDetailsDialog", "no")
    )


def _hazard_yes_no(value: Any) -> str:
    if _is_null(value):
        return QCoreApplication.translate("CaseDetailsDialog", "not analysed")
    return (
        QCoreApplication.translate("CaseDetailsDialog", "yes")
        if bool(value)
        else QCoreApplication.translate("CaseDetailsDialog", "no")
    )


def _list_codes(value: Any) -> list[str]:
    if _is_null(value):
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if str(item).strip()]
    return [item.strip() for item in str(value).split(",") if item.strip()]


def _number(value: Any, decimals: int) -> Optional[float]:
    if _is_null(value):
        return None
    try:
        return round(float(value), decimals)
    except (TypeError, ValueError):
        return None


def quality_flag_text(code: str) -> str:
    """Return the translated explanation of a quality flag, or the flag itself when it is unknown."""
    explanations = {
        "no_location": QCoreApplication.translate(
            "CaseDetailsDialog", "No location: the case is not on the map."
        ),
        "coordinates_swapped": QCoreApplication.translate(
            "CaseDetailsDialog", "The coordinates look swapped. The point was not moved."
        ),
        "outside_service_area": QCoreApplication.translate(
            "CaseDetailsDialog", "The point lies outside the service area."
        ),
        "location_from_centroid": QCoreApplication.translate(
            "CaseDetailsDialog", "The location is the centre of a shape the citizen sent."
        ),
        "people_count_not_a_number": QCoreApplication.translate(
            "CaseDetailsDialog", "The number of people was not a number. See the text as reported."
        ),
        "people_count_invalid": QCoreApplication.translate(
            "CaseDetailsDialog", "The number of people was impossible, so it is not counted."
        ),
        "household_count_not_a_number": QCoreApplication.translate(
            "CaseDetailsDialog", "The number of households was not a number."
        ),
        "household_count_invalid": QCoreApplication.translate(
            "CaseDetailsDialog", "The number of households was impossible, so it is not counted."
        ),
        "created_at_missing": QCoreApplication.translate(
            "CaseDetailsDialog", "The report had no time, so the time it was received is used."
        ),
        "urgency_invalid": QCoreApplication.translate(
            "CaseDetailsDialog", "The urgency was not one of low, medium, high or critical."
        ),
        "needs_invalid": QCoreApplication.translate(
            "CaseDetailsDialog", "Some needs were not recognised and were left out."
        ),
    }
    return explanations.get(code, code)


def sync_state_text(state: Any) -> str:
    """Return the translated meaning of a case's sync state. NULL means that no status change is waiting."""
    if _is_null(state):
        return QCoreApplication.translate("CaseDetailsDialog", "Up to date with the server")
    texts = {
        "pending": QCoreApplication.translate("CaseDetailsDialog", "Status change waiting to be sent"),
        "sent": QCoreApplication.translate("CaseDetailsDialog", "Status change sent, waiting for the server"),
        "conflict": QCoreApplication.translate(
            "CaseDetailsDialog", "Conflict: someone else changed this case first"
        ),
        "failed": QCoreApplication.translate("CaseDetailsDialog", "Status change failed"),
    }
    return texts.get(str(state), str(state))


def _plain_label(text: str) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    label.setOpenExternalLinks(False)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _status_text(code: Any) -> str:
    return EMPTY_TEXT if _is_null(code) else status_display_name(str(code))


def _plain_item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


class CaseDetailsDialog(QDialog):
    """Show every field of one case as plain text, with its waiting time, hazards and status history.

    `values` maps case layer field names to layer values (QDateTime and NULL included), as `case_values`
    builds them, plus `lon` and `lat`. `history` is the list of entries from the API's /history. None shows
    "Loading history…" until `show_history` or `show_history_error` is called. `now` fixes the clock for
    the waiting time.
    """

    def __init__(
        self,
        values: Mapping[str, Any],
        history: Optional[Sequence[Mapping[str, Any]]] = None,
        parent: Optional[QWidget] = None,
        *,
        now: Optional[datetime] = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("CaseDetailsDialog")
        self.values = dict(values)
        self._now = now or datetime.now(timezone.utc)
        # Field name (or row key) to the widget that shows its value, for tests and for copying.
        self.value_widgets: dict[str, QWidget] = {}

        case_id = "" if _is_null(self.values.get("id")) else str(self.values["id"])
        self.setWindowTitle(self.tr("Case {}").format(case_id))
        self.resize(560, 640)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_details_page(), self.tr("Details"))
        self.tabs.addTab(self._build_history_page(), self.tr("History"))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)

        if history is None:
            self.show_history_loading()
        else:
            self.show_history(history)
        translate_standard_buttons(self)

    # --- details

    def _build_details_page(self) -> QWidget:
        content = QWidget()
        self.form = QFormLayout(content)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for section, rows in self._sections():
            heading = _plain_label(section)
            font = heading.font()
            font.setBold(True)
            heading.setFont(font)
            self.form.addRow(heading)
            for key, caption, text in rows:
                self._add_row(key, caption, text)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        return scroll

    def _add_row(self, key: str, caption: str, text: str) -> None:
        if key in LONG_TEXT_FIELDS and text != EMPTY_TEXT:
            widget: QWidget = QPlainTextEdit()
            widget.setReadOnly(True)
            widget.setPlainText(text)
            widget.setMaximumHeight(90)
        else:
            widget = _plain_label(text)
        widget.setObjectName(f"value_{key}")
        self.value_widgets[key] = widget
        self.form.addRow(_plain_label(caption), widget)

    def _text(self, name: str) -> str:
        value = self.values.get(name)
        return EMPTY_TEXT if _is_null(value) else str(value)

    def _sections(self) -> list[tuple[str, list[tuple[str, str, str]]]]:
        """List (section heading, [(key, caption, text)]) of the details page, in display order."""
        return [
            (self.tr("Case"), self._case_rows()),
            (self.tr("People"), self._people_rows()),
            (self.tr("Reporter"), self._reporter_rows()),
            (self.tr("Hazards and priority"), self._hazard_rows()),
            (self.tr("Location"), self._location_rows()),
            (self.tr("Data quality and sync"), self._quality_rows()),
        ]

    def _case_rows(self) -> list[tuple[str, str, str]]:
        status = self.values.get("status")
        status_text = EMPTY_TEXT if _is_null(status) else status_display_name(str(status))
        urgency = self.values.get("urgency")
        urgency_text = EMPTY_TEXT if _is_null(urgency) else urgency_display_name(str(urgency))
        waiting = EMPTY_TEXT
        if str(status) in OPEN_STATUSES:
            waiting = waiting_time_text(self.values.get("created_at"), self._now)
        needs = ", ".join(need_display_name(code) for code in _list_codes(self.values.get("needs")))
        return [
            ("id", self.tr("Case"), self._text("id")),
            ("external_id", self.tr("External id"), self._text("external_id")),
            ("source", self.tr("Source"), self._text("source")),
            ("status", self.tr("Status"), status_text),
            ("waiting", self.tr("Waiting"), waiting),
            ("urgency", self.tr("Urgency"), urgency_text),
            ("needs", self.tr("Needs"), needs or EMPTY_TEXT),
            ("description", self.tr("Description"), self._text("description")),
            ("created_at", self.tr("Reported"), vietnam_time_text(self.values.get("created_at"))),
            ("updated_at", self.tr("Last changed"), vietnam_time_text(self.values.get("updated_at"))),
            ("version", self.tr("Version"), self._text("version")),
            ("duplicate_of", self.tr("Duplicate of"), self._text("duplicate_of")),
        ]

    def _people_rows(self) -> list[tuple[str, str, str]]:
        return [
            ("people_count", self.tr("People"), self._text("people_count")),
            ("people_count_raw", self.tr("People as reported"), self._text("people_count_raw")),
            ("household_count", self.tr("Households"), self._text("household_count")),
            ("has_children", self.tr("Children"), _yes_no(self.values.get("has_children"))),
            ("has_elderly", self.tr("Elderly"), _yes_no(self.values.get("has_elderly"))),
            (
                "has_disabilities",
                self.tr("People with disabilities"),
                _yes_no(self.values.get("has_disabilities")),
            ),
        ]

    def _reporter_rows(self) -> list[tuple[str, str, str]]:
        # The phone is shown because officers call it, as selectable text that never becomes a link.
        return [
            ("reporter_name", self.tr("Name"), self._text("reporter_name")),
            ("phone", self.tr("Phone"), self._text("phone")),
        ]

    def _hazard_rows(self) -> list[tuple[str, str, str]]:
        depth = _number(self.values.get("flood_depth_m"), 2)
        distance = _number(self.values.get("landslide_distance_m"), 0)
        priority = _number(self.values.get("priority"), 1)
        return [
            ("priority", self.tr("Priority"), EMPTY_TEXT if priority is None else f"{priority:.1f}"),
            ("priority_reason", self.tr("Why"), self._text("priority_reason")),
            ("in_flood", self.tr("In flood"), _hazard_yes_no(self.values.get("in_flood"))),
            (
                "flood_depth_m",
                self.tr("Flood depth"),
                EMPTY_TEXT if depth is None else self.tr("{} m").format(f"{depth:.1f}"),
            ),
            ("flood_event_count", self.tr("Flood events nearby"), self._text("flood_event_count")),
            (
                "in_landslide_zone",
                self.tr("In landslide zone"),
                _hazard_yes_no(self.values.get("in_landslide_zone")),
            ),
            (
                "landslide_distance_m",
                self.tr("Distance to landslide"),
                EMPTY_TEXT if distance is None else self.tr("{} m").format(f"{distance:.0f}"),
            ),
            ("hazard_note", self.tr("Hazard note"), self._text("hazard_note")),
            ("analysed_at", self.tr("Analysed"), vietnam_time_text(self.values.get("analysed_at"))),
        ]

    def _location_rows(self) -> list[tuple[str, str, str]]:
        lat = _number(self.values.get("lat"), 6)
        lon = _number(self.values.get("lon"), 6)
        commune = self._text("commune_name")
        if not _is_null(self.values.get("commune_code")):
            commune = f"{commune} ({self.values['commune_code']})"
        return [
            ("address", self.tr("Address"), self._text("address")),
            ("commune", self.tr("Commune"), commune),
            ("lat", self.tr("Latitude"), EMPTY_TEXT if lat is None else f"{lat:.6f}"),
            ("lon", self.tr("Longitude"), EMPTY_TEXT if lon is None else f"{lon:.6f}"),
            ("location_note", self.tr("Location note"), self._text("location_note")),
        ]

    def _quality_rows(self) -> list[tuple[str, str, str]]:
        flags = _list_codes(self.values.get("quality_flags"))
        flag_text = "\n".join(quality_flag_text(code) for code in flags)
        return [
            ("quality_flags", self.tr("Quality flags"), flag_text or self.tr("None")),
            ("sync_state", self.tr("Sync"), sync_state_text(self.values.get("sync_state"))),
        ]

    # --- history

    def _build_history_page(self) -> QWidget:
        page = QWidget()
        self.historyStatus = _plain_label("")
        self.historyStatus.setObjectName("historyStatus")
        self.historyTable = QTableWidget(0, 6)
        self.historyTable.setObjectName("historyTable")
        self.historyTable.setHorizontalHeaderLabels(
            [self.tr("Time"), self.tr("From"), self.tr("To"), self.tr("By"), self.tr("Team"), self.tr("Note")]
        )
        self.historyTable.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.historyTable.setWordWrap(True)
        self.historyTable.verticalHeader().setVisible(False)
        self.historyTable.horizontalHeader().setSectionResizeMode(
            HISTORY_COLUMN_NOTE, QHeaderView.ResizeMode.Stretch
        )
        layout = QVBoxLayout(page)
        layout.addWidget(self.historyStatus)
        layout.addWidget(self.historyTable)
        return page

    def show_history_loading(self) -> None:
        """Show "Loading history…" and an empty history table."""
        self.historyTable.setRowCount(0)
        self.historyStatus.setText(self.tr("Loading history…"))
        self.historyStatus.setVisible(True)

    def show_history_error(self, message: str) -> None:
        """Show why the history could not be loaded, in place of the table's rows."""
        self.historyTable.setRowCount(0)
        self.historyStatus.setText(self.tr("The history could not be loaded: {}").format(message))
        self.historyStatus.setVisible(True)

    def show_history(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Fill the history table, oldest first, with times in Vietnam time.

        Each entry is a dict of the API's /history: changed_at, changed_by, from_status (None for the
        creation), to_status, note and, from servers that record it, team.
        """
        table = self.historyTable
        table.setRowCount(0)
        table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            cells = {
                HISTORY_COLUMN_TIME: vietnam_time_text(entry.get("changed_at")),
                HISTORY_COLUMN_FROM: _status_text(entry.get("from_status")),
                HISTORY_COLUMN_TO: _status_text(entry.get("to_status")),
                HISTORY_COLUMN_BY: "" if _is_null(entry.get("changed_by")) else str(entry["changed_by"]),
                HISTORY_COLUMN_TEAM: "" if _is_null(entry.get("team")) else str(entry["team"]),
                HISTORY_COLUMN_NOTE: "" if _is_null(entry.get("note")) else str(entry["note"]),
            }
            for column, text in cells.items():
                table.setItem(row, column, _plain_item(text))
        table.resizeColumnsToContents()
        table.resizeRowsToContents()
        if entries:
            self.historyStatus.setVisible(False)
        else:
            self.historyStatus.setText(self.tr("This case has no history yet."))
            self.historyStatus.setVisible(True)
